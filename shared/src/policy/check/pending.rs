//! The answer to a pending question. A proposal: yes sends the confirmed text, no escalates with
//! `confirm_declined`. A choice between entries that tied: a choice answers with that entry,
//! "Something else" hands over to a person. Anything else is decided afresh by the checks after
//! this one.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::policy::ask::{choice_title, CHOOSE, CHOOSE_NONE};
use crate::policy::customer_text::confirmed_text;
use crate::policy::decision::{Decision, Outcome, CONFIRM_NO, CONFIRM_YES};
use crate::policy::knowledge::language_of;
use crate::policy::text::tokens;
use crate::policy::trace::DecisionTrace;
use crate::state::PendingConfirmation;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let policy = ctx.policy;
    let knowledge = ctx.knowledge;
    let turn = &ctx.turn;
    let words = &ctx.words;
    let lex = &ctx.policy.lexicon;
    if let Some(pending) = turn.pending.filter(|p| !p.choices.is_empty()) {
        return choice(ctx, pending, trace);
    }
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

/// The customer's answer to "Did you mean…": a button (or a button's words typed), "Something
/// else", or a new message decided afresh.
fn choice(
    ctx: &Ctx<'_>,
    pending: &PendingConfirmation,
    trace: &mut DecisionTrace,
) -> Option<Decision> {
    let offered = || pending.choices.join(", ");
    if ctx.turn.payload == Some(CHOOSE_NONE) {
        trace.record(
            "choice",
            true,
            format!("the customer chose none of {}", offered()),
        );
        return Some(ctx.escalate(
            ReasonCode::LowConfidence,
            format!(
                "asked which of {} they meant, the customer answered \"something else\"",
                offered()
            ),
            Some("Answer the customer's question; none of the entries the bot offered fits it."),
            trace,
        ));
    }
    let typed_title = |id: &str| {
        ctx.knowledge
            .get(id)
            .is_some_and(|e| tokens(&choice_title(e)) == *ctx.words)
    };
    let chosen = match ctx.turn.payload.and_then(|p| p.strip_prefix(CHOOSE)) {
        Some(id) => pending.choices.iter().find(|c| *c == id),
        None if ctx.turn.payload.is_none() => pending.choices.iter().find(|c| typed_title(c)),
        None => None,
    };
    let Some(chosen) = chosen else {
        trace.record(
            "choice",
            false,
            format!(
                "asked which of {} the customer meant; the message chooses none, evaluated afresh",
                offered()
            ),
        );
        return None;
    };
    let question = pending.question.as_deref().unwrap_or_default();
    trace.record(
        "choice",
        true,
        format!(
            "the customer chose {chosen} of {} for {question:?}",
            offered()
        ),
    );
    Some(match ctx.knowledge.get(chosen) {
        Some(entry) => ctx.outcome(
            Outcome::Answer {
                entry: chosen.clone(),
                text: entry
                    .answer_in(language_of(if question.is_empty() {
                        ctx.text
                    } else {
                        question
                    }))
                    .to_string(),
                confidence: 1.0,
            },
            trace,
        ),
        None => ctx.escalate(
            ReasonCode::LowConfidence,
            format!("the customer chose {chosen}, which no longer exists in the boundary"),
            None,
            trace,
        ),
    })
}
