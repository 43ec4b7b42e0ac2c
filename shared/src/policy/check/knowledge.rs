//! The last step, and the only one that always decides: answer (or propose) from knowledge
//! when the engine's confidence clears the threshold; otherwise escalate (or ask to rephrase)
//! rather than guess.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::message::{Message, Role};
use crate::policy::boundary::LowConfidence;
use crate::policy::decide::{Decision, Outcome, CLARIFY_ENTRY};
use crate::policy::trace::DecisionTrace;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Decision {
    let policy = ctx.policy;
    let _knowledge = ctx.knowledge;
    let turn = &ctx.turn;
    let _text = ctx.text;
    let _words = &ctx.words;
    let answers_well = ctx.answers_well();
    let retrieval = &ctx.retrieval;
    match answers_well {
        Some(r) => {
            let runner = r
                .runner_up
                .map(|(id, c)| format!("; runner-up {id} {c:.2}"))
                .unwrap_or_default()
                + &if r.exact {
                    "; word for word a question of the entry".to_string()
                } else {
                    format!("; words known {:.0}%", r.coverage * 100.0)
                }
                + &r.chance_right
                    .map(|c| {
                        let across = if r.across_languages {
                            " (across languages)"
                        } else {
                            ""
                        };
                        format!("; chance right {:.1}%{across}", c * 100.0)
                    })
                    .unwrap_or_default();
            trace.record_score(
                "knowledge",
                true,
                format!(
                    "best {} ≥ threshold {:.2}{runner}",
                    r.entry.id, policy.confidence_threshold
                ),
                r.confidence,
            );
            let entry = r.entry.id.clone();
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
                        text: r
                            .entry
                            .answer_in(crate::policy::knowledge::language_of(ctx.text))
                            .to_string(),
                        confidence: r.confidence,
                    },
                    trace,
                ),
            }
        }
        None => {
            let (detail, score) = match &retrieval {
                Some(r) => (
                    format!(
                        "best {} below threshold {:.2}; {}",
                        r.entry.id,
                        policy.confidence_threshold,
                        if r.outside_best {
                            "closest to an [outside] example".to_string()
                        } else {
                            format!(
                                "p {:.2}, runner-up {}, words known {:.0}%",
                                r.probability,
                                r.runner_up
                                    .map(|(id, p)| format!("{id} {p:.2}"))
                                    .unwrap_or_else(|| "none".into()),
                                r.coverage * 100.0
                            ) + &r
                                .chance_right
                                .map(|c| format!(", chance right {:.1}%", c * 100.0))
                                .unwrap_or_default()
                                + &r.caution
                                    .map(|c| format!(", held: {c}"))
                                    .unwrap_or_default()
                        }
                    ),
                    r.confidence,
                ),
                None => (
                    "no knowledge entry shares a word with the message".to_string(),
                    0.0,
                ),
            };
            if policy.on_low_confidence == LowConfidence::Clarify {
                let previous = clarifications_in_a_row(turn.history);
                if previous + 1 >= policy.max_clarifications {
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
                return ctx.outcome(
                    Outcome::Clarify {
                        text: policy.clarify_text.clone(),
                        confidence: score,
                    },
                    trace,
                );
            }
            trace.record_score("knowledge", true, detail.clone(), score);
            ctx.escalate(ReasonCode::LowConfidence, detail, None, trace)
        }
    }
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
