//! Greetings, thanks, "ok" and goodbyes get a friendly reply whatever the hour: they never
//! escalate and never pause anyone.

use super::Ctx;
use crate::policy::decision::{Decision, Outcome};
use crate::policy::small_talk::small_talk;
use crate::policy::trace::DecisionTrace;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let policy = ctx.policy;
    let words = &ctx.words;
    let lex = &ctx.policy.lexicon;
    if let Some(replies) = &policy.small_talk {
        if let Some(kind) = small_talk(lex, words) {
            trace.record("small_talk", true, kind.as_str());
            return Some(
                ctx.outcome(
                    Outcome::Answer {
                        entry: format!("small_talk:{}", kind.as_str()),
                        text: replies
                            .reply_in(
                                kind,
                                crate::policy::lexicon::small_talk_language(words)
                                    .unwrap_or_else(|| crate::policy::language_of(ctx.text)),
                            )
                            .to_string(),
                        confidence: 1.0,
                    },
                    trace,
                ),
            );
        }
    }
    None
}
