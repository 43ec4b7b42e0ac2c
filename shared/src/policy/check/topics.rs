//! Complaint and money: topics the bot never touches, unless the customer only asks *about*
//! them ("what is your refund policy?") and knowledge answers.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::policy::decision::Decision;
use crate::policy::money::currency_amount;
use crate::policy::trace::DecisionTrace;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let policy = ctx.policy;
    let text = ctx.text;
    let words = &ctx.words;
    let lex = &ctx.policy.lexicon;
    let answers_well = ctx.answers_well();
    for t in policy.topic_triggers() {
        let check = format!("trigger:{}", t.reason);
        let mut hit = lex
            .find(&t.phrases, words)
            .map(|p| format!("{:?}", p.source));
        if hit.is_none() && t.reason == ReasonCode::Money {
            hit = currency_amount(text).map(|a| format!("the amount {a:?}"));
        }
        let Some(why) = hit else {
            trace.record(check, false, "no phrase matched");
            continue;
        };
        if t.answer_questions_about && lex.asks_about(words) && answers_well.is_some() {
            trace.record(
                check,
                false,
                format!("{why}, but the customer asks about it and knowledge answers"),
            );
            continue;
        }
        trace.record(check, true, why.clone());
        return Some(ctx.escalate(
            t.reason.clone(),
            format!("the customer wrote {why}"),
            t.next_step.as_deref(),
            trace,
        ));
    }
    None
}
