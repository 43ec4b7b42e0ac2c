//! Nothing to read (a sticker, an emoji): stay quiet rather than escalate.

use super::Ctx;
use crate::policy::decision::{Decision, Outcome};
use crate::policy::trace::DecisionTrace;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let words = &ctx.words;
    if words.is_empty() {
        trace.record(
            "content",
            true,
            "no words to answer (sticker, emoji or empty)",
        );
        return Some(ctx.outcome(Outcome::Acknowledge, trace));
    }
    None
}
