//! The answer to a pending proposal: yes sends the confirmed text, no escalates with
//! `confirm_declined`, anything else is decided afresh by the checks after this one.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::policy::decide::{confirmed_text, Decision, Outcome, CONFIRM_NO, CONFIRM_YES};
use crate::policy::trace::DecisionTrace;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let policy = ctx.policy;
    let knowledge = ctx.knowledge;
    let turn = &ctx.turn;
    let words = &ctx.words;
    let lex = &ctx.policy.lexicon;
    if let Some(pending) = turn.pending {
        let said_yes = turn.payload == Some(CONFIRM_YES)
            || (turn.payload.is_none()
                && lex.is_only(&lex.yes, words)
                && !lex.is_only(&lex.no, words));
        let said_no = turn.payload == Some(CONFIRM_NO)
            || (turn.payload.is_none() && lex.is_only(&lex.no, words));
        if said_yes {
            trace.record(
                "confirm",
                true,
                format!("customer confirmed {}", pending.entry),
            );
            let text = confirmed_text(policy, knowledge, &pending.entry);
            return Some(match text {
                Some(text) => ctx.outcome(
                    Outcome::Answer {
                        entry: pending.entry.clone(),
                        text,
                        confidence: 1.0,
                    },
                    trace,
                ),
                None => ctx.escalate(
                    ReasonCode::LowConfidence,
                    format!(
                        "the customer confirmed {}, which no longer exists in the boundary",
                        pending.entry
                    ),
                    None,
                    trace,
                ),
            });
        }
        if said_no {
            trace.record(
                "confirm",
                true,
                format!("customer declined {}", pending.entry),
            );
            return Some(ctx.escalate(
                ReasonCode::ConfirmDeclined,
                format!(
                    "the customer said no to the bot's proposal ({})",
                    pending.entry
                ),
                None,
                trace,
            ));
        }
        trace.record(
            "confirm",
            false,
            format!(
                "pending {}; the message is neither yes nor no, evaluated afresh",
                pending.entry
            ),
        );
    }
    None
}
