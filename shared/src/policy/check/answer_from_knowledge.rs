//! The last step, and the only one that always decides: answer (or propose) from knowledge
//! when the engine's confidence clears the threshold; ask which entry the customer means when two
//! tie and the engine is sure of the pair; otherwise escalate (or ask to rephrase) rather than
//! guess.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::message::{Message, Role};
use crate::policy::decision::{Decision, Outcome, CLARIFY_ENTRY};
use crate::policy::knowledge::{language_of, Approval, Retrieval, Tie};
use crate::policy::policy_file::LowConfidence;
use crate::policy::trace::DecisionTrace;
use crate::policy::Suggestion;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Decision {
    if let Some(r) = ctx.answers_well() {
        return answer(ctx, r, trace);
    }
    let (detail, score) = below_threshold(ctx);
    if let (Some(tie), Some(r)) = (ctx.asks_well(), &ctx.retrieval) {
        return ask(ctx, r, tie, &detail, score, trace);
    }
    if ctx.policy.on_low_confidence == LowConfidence::Clarify {
        return clarify(ctx, &detail, score, trace);
    }
    trace.record_score("knowledge", true, detail.clone(), score);
    if let Some(r) = &ctx.retrieval {
        note_tie(r, trace);
    }
    ctx.escalate_suggesting(ReasonCode::LowConfidence, detail, None, trace)
}

/// The engine is sure enough: answer, propose (an entry that confirms first), or hold the answer
/// for the team's approval.
fn answer(ctx: &Ctx<'_>, r: &Retrieval<'_>, trace: &mut DecisionTrace) -> Decision {
    let threshold = ctx.threshold;
    trace.record_score(
        "knowledge",
        true,
        format!("best {} ≥ threshold {threshold}{}", r.entry.id, answered(r)),
        r.confidence,
    );
    note_tie(r, trace);
    let entry = r.entry.id.clone();
    if r.entry.approve == Some(Approval::Team) {
        trace.record(
            "approval",
            true,
            format!("entry {entry} is sent only with the team's approval"),
        );
        let mut d = ctx.escalate(
            ReasonCode::Approval,
            format!("the bot would answer with {entry}, which the team approves before it is sent"),
            None,
            trace,
        );
        d.suggestion = Some(Suggestion::held(r, ctx.text));
        return d;
    }
    match (&r.entry.confirm_prompt, r.entry.confirm) {
        (Some(prompt), true) => ctx.outcome(
            Outcome::Confirm {
                entry,
                text: prompt.clone(),
                confidence: r.confidence,
            },
            trace,
        ),
        _ => ctx.outcome(
            Outcome::Answer {
                entry,
                text: r.entry.answer_in(language_of(ctx.text)).to_string(),
                confidence: r.confidence,
            },
            trace,
        ),
    }
}

/// What the trace says when the best entry is under the threshold, and its score.
fn below_threshold(ctx: &Ctx<'_>) -> (String, f64) {
    let threshold = ctx.threshold;
    match &ctx.retrieval {
        Some(r) => (
            format!(
                "best {} below threshold {threshold}; {}{}",
                r.entry.id,
                unsure(r),
                r.tie
                    .as_ref()
                    .map(|t| format!(
                        "; with {} the two together {:.2}, a question needs {:.2}",
                        t.entry.id,
                        t.confidence,
                        ctx.knowledge
                            .tie_threshold(threshold.value, ctx.policy.ask_margin)
                    ))
                    .unwrap_or_default()
            ),
            r.confidence,
        ),
        None => (
            "no knowledge entry shares a word with the message".to_string(),
            0.0,
        ),
    }
}

/// Two entries tie and the engine is sure of the pair: the customer is asked which (a second
/// tie after a question goes to a person).
fn ask(
    ctx: &Ctx<'_>,
    r: &Retrieval<'_>,
    tie: &Tie<'_>,
    detail: &str,
    score: f64,
    trace: &mut DecisionTrace,
) -> Decision {
    let choices = [r.entry, tie.entry];
    let ids: Vec<String> = choices.iter().map(|e| e.id.clone()).collect();
    if ctx.turn.pending.is_some_and(|p| !p.choices.is_empty()) {
        // The customer already chose neither of the last question's entries, or wrote
        // something else: a second question would be a loop.
        trace.record_score(
            "knowledge",
            true,
            format!(
                "{detail}; {} and {} tie again after a question: a person decides",
                ids[0], ids[1]
            ),
            score,
        );
        note_tie(r, trace);
        return ctx.escalate_suggesting(
            ReasonCode::LowConfidence,
            format!(
                "the customer's question fits {} and {} about equally, and asking did not settle it",
                ids[0], ids[1]
            ),
            None,
            trace,
        );
    }
    trace.record_score(
        "knowledge",
        true,
        format!(
            "{detail}: the customer is asked which of {} and {}",
            ids[0], ids[1]
        ),
        score,
    );
    note_tie(r, trace);
    let (question, _) = crate::policy::ask::texts(ctx.policy, language_of(ctx.text));
    ctx.outcome(
        Outcome::Ask {
            text: crate::policy::ask::question_text(&question, &choices),
            entries: ids,
            confidence: tie.confidence,
        },
        trace,
    )
}

/// `on_low_confidence = "clarify"`: ask to rephrase, up to `max_clarifications` in a row.
fn clarify(ctx: &Ctx<'_>, detail: &str, score: f64, trace: &mut DecisionTrace) -> Decision {
    let previous = clarifications_in_a_row(ctx.turn.history);
    if previous + 1 >= ctx.policy.max_clarifications {
        trace.record_score(
            "knowledge",
            true,
            format!("{detail}; {} clarifications in a row", previous + 1),
            score,
        );
        return ctx.escalate(
            ReasonCode::RepeatedFallback,
            format!(
                "the bot could not understand {} messages in a row",
                previous + 1
            ),
            None,
            trace,
        );
    }
    trace.record_score(
        "knowledge",
        true,
        format!("{detail}; asking to rephrase"),
        score,
    );
    ctx.outcome(
        Outcome::Clarify {
            text: ctx.policy.clarify_text.clone(),
            confidence: score,
        },
        trace,
    )
}

/// The tie on the knowledge step, so a replay at another threshold (`knowledge eval`) sees it.
fn note_tie(r: &Retrieval<'_>, trace: &mut DecisionTrace) {
    if let Some(tie) = &r.tie {
        trace.note_tie(&tie.entry.id, tie.confidence);
    }
}

/// What the trace says of an answer beside the threshold.
fn answered(r: &Retrieval<'_>) -> String {
    let mut s = r
        .runner_up
        .map(|(id, c)| format!("; runner-up {id} {c:.2}"))
        .unwrap_or_default();
    if r.exact {
        s += "; word for word a question of the entry";
    } else {
        s += &format!("; words known {:.0}%", r.coverage * 100.0);
    }
    if let Some(c) = r.chance_right {
        let across = if r.across_languages {
            " (across languages)"
        } else {
            ""
        };
        s += &format!("; chance right {:.1}%{across}", c * 100.0);
    }
    s
}

/// What the trace says of a best entry that did not clear the threshold.
fn unsure(r: &Retrieval<'_>) -> String {
    if r.outside_best {
        return "closest to an [outside] example".to_string();
    }
    let mut s = format!(
        "p {:.2}, runner-up {}, words known {:.0}%",
        r.probability,
        r.runner_up
            .map(|(id, p)| format!("{id} {p:.2}"))
            .unwrap_or_else(|| "none".into()),
        r.coverage * 100.0
    );
    if let Some(c) = r.chance_right {
        s += &format!(", chance right {:.1}%", c * 100.0);
    }
    if let Some(c) = r.caution {
        s += &format!(", held: {c}");
    }
    s
}

/// How many "please rephrase" replies the bot sent in a row, most recent last.
fn clarifications_in_a_row(history: &[Message]) -> u32 {
    let mut n = 0;
    for m in history.iter().rev().filter(|m| m.role == Role::Bot) {
        match &m.answer {
            Some(a) if a.entry == CLARIFY_ENTRY => n += 1,
            _ => break,
        }
    }
    n
}
