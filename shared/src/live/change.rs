//! What changed between two versions, in the one line `handoff boundary history` prints.

use crate::policy::{Knowledge, Policy};
use crate::wording::counted as plural;

/// "+1 entry (gift-wrap), +4 questions, +2 [outside] examples, confidence threshold 0.40 → 0.35".
pub fn describe_change(
    old: Option<(&Policy, &Knowledge, &str)>,
    new: (&Policy, &Knowledge, &str),
) -> String {
    let Some((old_policy, old_knowledge, old_policy_src)) = old else {
        return format!(
            "{}, {}",
            plural(new.1.entries().len(), "entry", "entries"),
            plural(
                new.1.outside().len(),
                "[outside] example",
                "[outside] examples"
            )
        );
    };
    let (new_policy, new_knowledge, new_policy_src) = new;
    let mut parts = Vec::new();
    parts.extend(entry_changes(old_knowledge, new_knowledge));
    let said = |t: Option<f64>| t.map_or("earned".to_string(), |t| format!("{t:.2}"));
    let moved = match (
        old_policy.confidence_threshold,
        new_policy.confidence_threshold,
    ) {
        (Some(a), Some(b)) => (a - b).abs() > 1e-9,
        (a, b) => a.is_some() != b.is_some(),
    };
    if moved {
        parts.push(format!(
            "confidence threshold {} → {}",
            said(old_policy.confidence_threshold),
            said(new_policy.confidence_threshold)
        ));
    } else if old_policy_src != new_policy_src {
        parts.push("policy edited".into());
    }
    if parts.is_empty() {
        "no change".into()
    } else {
        parts.join(", ")
    }
}

/// Entries added and removed, questions added and removed, answers rewritten, `[outside]`
/// examples added and removed: one part each, when there is any.
fn entry_changes(old_knowledge: &Knowledge, new_knowledge: &Knowledge) -> Vec<String> {
    let mut parts = Vec::new();
    let added: Vec<&str> = new_knowledge
        .entries()
        .iter()
        .filter(|e| old_knowledge.get(&e.id).is_none())
        .map(|e| e.id.as_str())
        .collect();
    let removed: Vec<&str> = old_knowledge
        .entries()
        .iter()
        .filter(|e| new_knowledge.get(&e.id).is_none())
        .map(|e| e.id.as_str())
        .collect();
    if !added.is_empty() {
        parts.push(format!(
            "+{} ({})",
            plural(added.len(), "entry", "entries"),
            added.join(", ")
        ));
    }
    if !removed.is_empty() {
        parts.push(format!(
            "-{} ({})",
            plural(removed.len(), "entry", "entries"),
            removed.join(", ")
        ));
    }
    parts.extend(question_changes(old_knowledge, new_knowledge));
    let outside_added = new_knowledge
        .outside()
        .iter()
        .filter(|x| !old_knowledge.outside().contains(x))
        .count();
    let outside_removed = old_knowledge
        .outside()
        .iter()
        .filter(|x| !new_knowledge.outside().contains(x))
        .count();
    if outside_added > 0 {
        parts.push(format!(
            "+{}",
            plural(outside_added, "[outside] example", "[outside] examples")
        ));
    }
    if outside_removed > 0 {
        parts.push(format!(
            "-{}",
            plural(outside_removed, "[outside] example", "[outside] examples")
        ));
    }
    parts
}

/// Questions added and removed in the entries both versions have, and answers rewritten.
fn question_changes(old_knowledge: &Knowledge, new_knowledge: &Knowledge) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut more, mut fewer, mut answers) = (0usize, 0usize, 0usize);
    for e in new_knowledge.entries() {
        let Some(o) = old_knowledge.get(&e.id) else {
            continue;
        };
        more += e
            .questions
            .iter()
            .filter(|q| !o.questions.contains(q))
            .count();
        fewer += o
            .questions
            .iter()
            .filter(|q| !e.questions.contains(q))
            .count();
        answers += usize::from(o.answer != e.answer || o.answers != e.answers);
    }
    if more > 0 {
        parts.push(format!("+{}", plural(more, "question", "questions")));
    }
    if fewer > 0 {
        parts.push(format!("-{}", plural(fewer, "question", "questions")));
    }
    if answers > 0 {
        parts.push(plural(answers, "answer rewritten", "answers rewritten"));
    }
    parts
}
