//! Several questions in one message: one reply made of each part's entry when every part
//! clears the threshold; an escalation naming the part nobody wrote about when only some do.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::policy::decision::{short, Decision, Outcome};
use crate::policy::knowledge::Retrieval;
use crate::policy::questions::split_questions;
use crate::policy::trace::DecisionTrace;

/// Passes the message on, to be decided as one question, when it holds a single question or when
/// no part clears the threshold (the split may have been wrong).
pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    // A message the knowledge holds word for word (a two-part message a person labelled "could
    // have answered with X", fed back by the review) is that entry's, not several questions.
    if ctx.retrieval.as_ref().is_some_and(|r| r.exact) {
        return None;
    }
    let parts = split_questions(ctx.text, &ctx.words);
    if parts.is_empty() {
        return None;
    }
    let knowledge = ctx.knowledge;
    let threshold = ctx.threshold.value;
    let found: Vec<(&str, Option<Retrieval<'_>>)> = parts
        .iter()
        .map(|p| (p.as_str(), knowledge.retrieve(p)))
        .collect();
    let confident =
        |r: &Option<Retrieval<'_>>| r.as_ref().is_some_and(|r| r.confidence >= threshold);
    let answered: Vec<&Retrieval<'_>> = found
        .iter()
        .filter(|(_, r)| confident(r))
        .filter_map(|(_, r)| r.as_ref())
        .collect();
    if answered.is_empty() {
        return None;
    }
    let score = found
        .iter()
        .map(|(_, r)| r.as_ref().map_or(0.0, |r| r.confidence))
        .fold(1.0_f64, f64::min);
    let mut ids: Vec<&str> = Vec::new();
    for r in &answered {
        if !ids.contains(&r.entry.id.as_str()) {
            ids.push(&r.entry.id);
        }
    }
    let missing: Vec<&str> = found
        .iter()
        .filter(|(_, r)| !confident(r))
        .map(|(p, _)| *p)
        .collect();
    if missing.is_empty() && answered.iter().all(|r| !r.entry.confirm) {
        return Some(answer_all(ctx, &ids, parts.len(), score, trace));
    }
    Some(escalate_unknown(ctx, &ids, &missing, score, trace))
}

/// Every part answered: one reply, each entry's answer once, in the order asked.
fn answer_all(
    ctx: &Ctx<'_>,
    ids: &[&str],
    parts: usize,
    score: f64,
    trace: &mut DecisionTrace,
) -> Decision {
    let threshold = ctx.threshold.value;
    trace.record_score(
        "knowledge",
        true,
        format!(
            "best {} ≥ threshold {threshold:.2} ({} questions)",
            ids.join("+"),
            parts
        ),
        score,
    );
    let text = ids
        .iter()
        .filter_map(|id| ctx.knowledge.get(id).map(|e| e.answer.as_str()))
        .collect::<Vec<_>>()
        .join("\n\n");
    ctx.outcome(
        Outcome::Answer {
            entry: ids.join("+"),
            text,
            confidence: score,
        },
        trace,
    )
}

/// Some parts answered, some not: a person, told which part nobody wrote about.
fn escalate_unknown(
    ctx: &Ctx<'_>,
    ids: &[&str],
    missing: &[&str],
    score: f64,
    trace: &mut DecisionTrace,
) -> Decision {
    let threshold = ctx.threshold.value;
    let unknown = missing
        .iter()
        .map(|p| format!("\"{}\"", short(p, 80)))
        .collect::<Vec<_>>()
        .join(", ");
    trace.record_score(
        "knowledge",
        true,
        format!(
            "best {} for part of the message; below threshold {threshold:.2}: {unknown}",
            ids.join("+")
        ),
        score,
    );
    let next = format!(
        "Answer {unknown}; the knowledge file answers the rest ({}).",
        ids.join(", ")
    );
    ctx.escalate(
        ReasonCode::LowConfidence,
        format!(
            "the bot cannot answer {unknown}; it knows {}",
            ids.join(", ")
        ),
        Some(&next),
        trace,
    )
}
