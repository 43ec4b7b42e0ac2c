//! A request for a person, typed ("can I talk to someone", or just "human") or tapped.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::policy::decision::{Decision, ASK_PERSON};
use crate::policy::trace::DecisionTrace;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let policy = ctx.policy;
    let turn = &ctx.turn;
    let words = &ctx.words;
    let lex = &ctx.policy.lexicon;
    if let Some(t) = &policy.human_request {
        let hit = if turn.payload == Some(ASK_PERSON) {
            Some("the \"talk to a person\" button".to_string())
        } else {
            lex.find(&t.phrases, words)
                .or_else(|| lex.asks_for_person_alone(words))
                .map(|p| format!("{:?}", p.source))
        };
        match hit {
            Some(why) => {
                trace.record("trigger:human_request", true, why.clone());
                return Some(ctx.escalate(
                    ReasonCode::HumanRequest,
                    format!("the customer asked for a person ({why})"),
                    t.next_step.as_deref(),
                    trace,
                ));
            }
            None => trace.record("trigger:human_request", false, "no request for a person"),
        }
    }
    None
}
