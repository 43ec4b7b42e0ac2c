//! Attachments the bot cannot read (voice notes, images…). Types Meta may add later count as
//! unreadable: a person looks rather than nobody. Stickers are never a request.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::policy::decision::Decision;
use crate::policy::trace::DecisionTrace;

/// Attachment types Meta documents; anything else is unreadable by definition.
const KNOWN_ATTACHMENTS: &[&str] = &[
    "audio",
    "image",
    "video",
    "file",
    "sticker",
    "fallback",
    "reel",
    "ig_reel",
    "post",
    "ig_post",
    "share",
    "story_mention",
    "template",
    "location",
];

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let policy = ctx.policy;
    let turn = &ctx.turn;
    if let Some(m) = &policy.media {
        // Types Meta may add later are treated as unreadable: a person looks rather than nobody.
        // A share, reel or story mention is read from the words that come with it; sent alone
        // it asks for something nobody can tell, so a person looks too (stickers stay quiet).
        let no_words = ctx.words.is_empty();
        let unreadable = |kind: &str| {
            m.types.iter().any(|t| t == kind)
                || !KNOWN_ATTACHMENTS.contains(&kind)
                || (no_words && kind != "sticker")
        };
        match turn.attachments.iter().find(|a| unreadable(&a.kind)) {
            Some(a) => {
                trace.record(
                    "trigger:unsupported_media",
                    true,
                    format!("attachment {}", a.kind),
                );
                let what = if a.kind == "audio" {
                    "a voice message".to_string()
                } else {
                    format!("a {} attachment", a.kind)
                };
                return Some(ctx.escalate(
                    ReasonCode::UnsupportedMedia,
                    format!("the customer sent {what}"),
                    m.next_step.as_deref(),
                    trace,
                ));
            }
            None => trace.record(
                "trigger:unsupported_media",
                false,
                "no unreadable attachment",
            ),
        }
    }
    None
}
