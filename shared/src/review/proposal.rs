//! From labelled escalations to proposals (what `handoff knowledge suggest` does, one change at a
//! time), and accepted proposals applied to the knowledge file's source, comments kept.

use std::collections::{BTreeMap, HashSet};

use sha2::{Digest, Sha256};

use super::record::{AnsweredSample, Change, Proposal};
use crate::cases::{
    apply_suggestions, in_reserve, knowledge_suggestions, Case, KnowledgeSuggestions,
};
use crate::policy::{content_terms, Knowledge};

fn key_of(change: &Change) -> String {
    let canonical = match change {
        Change::Question { entry, text } => format!("q\0{entry}\0{}", text.trim().to_lowercase()),
        Change::Outside { text } => format!("o\0{}", text.trim().to_lowercase()),
        Change::Draft { questions, .. } => {
            let mut q: Vec<String> = questions.iter().map(|q| q.trim().to_lowercase()).collect();
            q.sort();
            format!("d\0{}", q.join("\0"))
        }
    };
    hex::encode(&Sha256::digest(canonical.as_bytes())[..8])
}

/// Which escalations a case list says taught `text`.
fn sources(cases: &[Case], text: &str) -> Vec<String> {
    cases
        .iter()
        .filter(|c| c.messages.last().is_some_and(|m| m.text.trim() == text))
        .map(|c| c.escalation_id.clone())
        .collect()
}

/// What the customers' "Did you mean" choices teach: each question to the entry chosen, as "could
/// have answered with X" does (the calibration reserve kept out the same way), unless the entry
/// has it or the file has no such entry.
fn taught_by_choices<'a>(
    choices: &'a [AnsweredSample],
    knowledge: &'a Knowledge,
) -> impl Iterator<Item = Change> + 'a {
    choices.iter().filter_map(move |c| {
        let text = c.question.trim();
        let e = knowledge.get(&c.entry)?;
        let new = !text.is_empty() && !e.questions.iter().any(|q| q.trim() == text);
        (new && !in_reserve(text)).then(|| Change::Question {
            entry: c.entry.clone(),
            text: text.to_string(),
        })
    })
}

/// The proposals the labelled cases and the customers' "Did you mean" choices make, without what
/// the knowledge already has and what was rejected before; and the labelled messages that have no
/// words to learn from.
pub fn proposals(
    cases: &[Case],
    choices: &[AnsweredSample],
    knowledge: &Knowledge,
    rejected: &HashSet<String>,
) -> (Vec<Proposal>, Vec<String>) {
    let s = knowledge_suggestions(cases);
    let mut out = Vec::new();
    let mut push = |change: Change, escalations: Vec<String>| {
        let key = key_of(&change);
        if !rejected.contains(&key) && !out.iter().any(|p: &Proposal| p.key == key) {
            out.push(Proposal {
                key,
                change,
                escalations,
            });
        }
    };
    for (entry, texts) in &s.questions {
        let Some(e) = knowledge.get(entry) else {
            continue;
        };
        for text in texts {
            if !e.questions.iter().any(|q| q.trim() == text.trim()) {
                push(
                    Change::Question {
                        entry: entry.clone(),
                        text: text.clone(),
                    },
                    sources(cases, text),
                );
            }
        }
    }
    // No escalation taught these.
    for change in taught_by_choices(choices, knowledge) {
        push(change, Vec::new());
    }
    for text in &s.outside {
        if !knowledge.outside().iter().any(|x| x.trim() == text.trim()) {
            push(Change::Outside { text: text.clone() }, sources(cases, text));
        }
    }
    for d in &s.drafts {
        if knowledge.get(&format!("suggested-{}", d.id)).is_some() {
            continue;
        }
        push(
            Change::Draft {
                id: format!("suggested-{}", d.id),
                questions: d.questions.clone(),
                answer: d.answer.clone(),
            },
            d.cases.clone(),
        );
    }
    let wordless = cases
        .iter()
        .filter(|c| c.label.as_deref().is_some_and(|l| l != "spam"))
        .filter_map(|c| c.messages.last())
        .filter(|m| !m.text.trim().is_empty() && content_terms(&m.text).is_empty())
        .map(|m| m.text.trim().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    (out, wordless)
}

/// The knowledge file's source with `accepted` applied; a draft takes the answer written for
/// it (`answers`, by proposal key), and one without an answer is refused.
pub fn apply(
    source: &str,
    accepted: &[&Proposal],
    answers: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut s = KnowledgeSuggestions::default();
    for p in accepted {
        match &p.change {
            Change::Question { entry, text } => s
                .questions
                .entry(entry.clone())
                .or_default()
                .push(text.clone()),
            Change::Outside { text } => s.outside.push(text.clone()),
            Change::Draft {
                id,
                questions,
                answer,
            } => {
                let answer = answers
                    .get(&p.key)
                    .cloned()
                    .or_else(|| answer.clone())
                    .filter(|a| !a.trim().is_empty())
                    .ok_or_else(|| {
                        format!("the new entry {id:?} needs an answer before it can be accepted")
                    })?;
                s.drafts.push(crate::cases::SuggestedEntry {
                    id: id.trim_start_matches("suggested-").to_string(),
                    questions: questions.clone(),
                    answer: Some(answer),
                    cases: p.escalations.clone(),
                });
            }
        }
    }
    apply_suggestions(source, &s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: &str, text: &str, label: &str, entry: Option<&str>, note: Option<&str>) -> Case {
        let mut v = serde_json::json!({
            "format": "handoff.case", "version": 1, "escalation_id": id,
            "created_at": "2026-12-01T10:00:00Z", "channel": "messenger",
            "reason": "low_confidence", "reason_detail": "",
            "messages": [{"at": "2026-12-01T10:00:00Z", "text": text}],
            "trace": {"steps": []}, "label": label,
        });
        if let Some(e) = entry {
            v["entry"] = e.into();
        }
        if let Some(n) = note {
            v["suggested_answer"] = n.into();
        }
        Case::parse(&v.to_string()).unwrap()
    }

    const KNOWLEDGE: &str = r#"
[[entry]]
id = "shipping-time"
questions = ["How long does shipping take?"]
answer = "2 days."
"#;

    #[test]
    fn a_customers_choice_proposes_its_question_unless_reserved_or_there() {
        let k = Knowledge::from_toml(KNOWLEDGE).unwrap();
        let chose = |question: &str, entry: &str| AnsweredSample {
            key: format!("c|{question}"),
            at: chrono::Utc::now(),
            question: question.into(),
            entry: entry.into(),
            answer: String::new(),
            confidence: 0.1,
        };
        let texts = [
            "where is my parcel",
            "parcel status please",
            "track my parcel",
            "is my parcel late",
            "when will the parcel come",
            "parcel still not here",
        ];
        let mut choices: Vec<AnsweredSample> =
            texts.iter().map(|t| chose(t, "shipping-time")).collect();
        // Already a question of the entry, and an entry the file does not have: nothing.
        choices.push(chose("How long does shipping take?", "shipping-time"));
        choices.push(chose("where is my parcel", "no-such-entry"));
        let (all, _) = proposals(&[], &choices, &k, &HashSet::new());
        let proposed: Vec<&str> = all
            .iter()
            .map(|p| match &p.change {
                Change::Question { entry, text } if entry == "shipping-time" => text.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        let expected: Vec<&str> = texts.iter().copied().filter(|t| !in_reserve(t)).collect();
        assert!(
            !expected.is_empty() && expected.len() < texts.len(),
            "some in the reserve, some not"
        );
        assert_eq!(proposed, expected);
        assert!(all.iter().all(|p| p.escalations.is_empty()));
    }

    #[test]
    fn proposes_what_is_new_and_never_what_was_rejected_or_is_there() {
        let k = Knowledge::from_toml(KNOWLEDGE).unwrap();
        let cases = [
            case(
                "e1",
                "When does my parcel come?",
                "bot_could_handle",
                Some("shipping-time"),
                None,
            ),
            case(
                "e2",
                "How long does shipping take?",
                "bot_could_handle",
                Some("shipping-time"),
                None,
            ),
            case(
                "e3",
                "Can I pay in instalments?",
                "needed_person",
                None,
                None,
            ),
            case(
                "e4",
                "Can I visit your showroom?",
                "bot_could_handle",
                None,
                Some("Saturdays."),
            ),
            case("e5", "gracias", "bot_could_handle", None, None),
        ];
        let (all, wordless) = proposals(&cases, &[], &k, &HashSet::new());
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!(wordless, vec!["gracias".to_string()]);
        assert!(all.iter().any(|p| p.change
            == Change::Question {
                entry: "shipping-time".into(),
                text: "When does my parcel come?".into()
            }));
        let rejected: HashSet<String> = [all[0].key.clone()].into();
        let (again, _) = proposals(&cases, &[], &k, &rejected);
        assert_eq!(again.len(), 2);
        assert!(again.iter().all(|p| p.key != all[0].key));

        // Applied: the new question, the [outside] example and the entry with its answer.
        let refs: Vec<&Proposal> = all.iter().collect();
        let out = apply(KNOWLEDGE, &refs, &BTreeMap::new()).unwrap();
        let k2 = Knowledge::from_toml(&out).unwrap();
        assert_eq!(k2.get("shipping-time").unwrap().questions.len(), 2);
        assert_eq!(k2.outside(), ["Can I pay in instalments?".to_string()]);
        assert!(k2.entries().iter().any(|e| e.answer == "Saturdays."));
        // A draft without an answer is refused.
        let draft = all
            .iter()
            .find(|p| matches!(p.change, Change::Draft { .. }))
            .unwrap();
        let mut bare = draft.clone();
        bare.change = match bare.change {
            Change::Draft { id, questions, .. } => Change::Draft {
                id,
                questions,
                answer: None,
            },
            other => other,
        };
        assert!(apply(KNOWLEDGE, &[&bare], &BTreeMap::new())
            .unwrap_err()
            .contains("needs an answer"));
    }
}
