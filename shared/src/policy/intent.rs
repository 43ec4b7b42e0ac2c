//! What the customer seems to want, in a few words for the person who takes over.

use super::decision::{short, Turn};
use super::knowledge::Retrieval;
use super::policy_file::Policy;

/// The calibrated chance at which the handoff names the entry's topic as the intent.
const INTENT_CHANCE: f64 = 0.8;

pub(super) fn intent_of(
    _policy: &Policy,
    threshold: f64,
    retrieval: &Option<Retrieval<'_>>,
    turn: &Turn<'_>,
    text: &str,
) -> String {
    match retrieval {
        // The intent is a summary for a person, who also sees the message: a topic the engine
        // is more likely right than not about says more than the words (with the encoder, a
        // calibrated chance of 80 %; by words alone, half the threshold).
        Some(r)
            if r.chance_right.map_or(r.confidence >= threshold / 2.0, |c| {
                c >= INTENT_CHANCE && !r.outside_best
            }) =>
        {
            r.entry.topic.clone().unwrap_or_else(|| r.entry.id.clone())
        }
        _ if !text.trim().is_empty() => format!("\"{}\"", short(text, 80)),
        _ if !turn.attachments.is_empty() => format!(
            "sent {}",
            turn.attachments
                .iter()
                .map(|a| if a.kind == "audio" {
                    "a voice message"
                } else {
                    a.kind.as_str()
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "unknown".to_string(),
    }
}
