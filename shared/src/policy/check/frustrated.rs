//! A frustrated customer goes to a person before the bot says anything more.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::policy::decision::Decision;
use crate::policy::frustration::frustration_score;
use crate::policy::trace::DecisionTrace;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let policy = ctx.policy;
    let turn = &ctx.turn;
    let text = ctx.text;
    let words = &ctx.words;
    let lex = &ctx.policy.lexicon;
    if let Some(f) = &policy.frustration {
        let score = frustration_score(f, lex, text, words, turn.history);
        let fired = score.total >= f.threshold;
        trace.record_score(
            "trigger:frustration",
            fired,
            format!("{} (threshold {:.2})", score.describe(), f.threshold),
            score.total,
        );
        if fired {
            return Some(ctx.escalate(
                ReasonCode::Frustration,
                format!("frustration score {:.2}: {}", score.total, score.describe()),
                f.next_step.as_deref(),
                trace,
            ));
        }
    }
    None
}
