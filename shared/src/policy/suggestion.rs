//! The bot's best answer for a question it did not answer alone, offered to the team: a person
//! approves it in one click instead of typing it (the handoff's "Send this answer").

use serde::{Deserialize, Serialize};

use super::knowledge::{language_of, Retrieval};

/// The least calibrated chance of being right at which the team is offered the bot's best entry:
/// below it the entry is more likely wrong than right, and a person should read, not approve.
pub const PLAUSIBLE_CHANCE: f64 = 0.5;

/// What the team is offered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The knowledge entry.
    pub entry: String,
    /// Its answer in the customer's language (the entry's `answers.<lang>`, else `answer`).
    pub answer: String,
    /// The customer's language (ISO 639-1).
    pub language: String,
    /// The calibrated chance that the entry is the right answer.
    pub chance: f64,
}

impl Suggestion {
    /// The bot's best entry for `text`, when it is plausible: a calibrated chance of at least
    /// `PLAUSIBLE_CHANCE`, closer than any `[outside]` example, and not held by a guard (the
    /// message says the opposite of the entry, or is too short to read by meaning).
    pub fn of(retrieval: &Retrieval<'_>, text: &str) -> Option<Self> {
        let chance = retrieval.chance_right?;
        if chance < PLAUSIBLE_CHANCE || retrieval.outside_best || retrieval.caution.is_some() {
            return None;
        }
        Some(Self::answering(retrieval, text, chance))
    }

    /// The answer the bot would have sent itself (it cleared the threshold), held for the team
    /// because its entry requires their approval (`approve = "team"`).
    pub fn held(retrieval: &Retrieval<'_>, text: &str) -> Self {
        let chance = if retrieval.exact {
            1.0
        } else {
            retrieval.chance_right.unwrap_or(retrieval.confidence)
        };
        Self::answering(retrieval, text, chance)
    }

    fn answering(retrieval: &Retrieval<'_>, text: &str, chance: f64) -> Self {
        let language = language_of(text);
        Self {
            entry: retrieval.entry.id.clone(),
            answer: retrieval.entry.answer_in(language).to_string(),
            language: language.to_string(),
            chance,
        }
    }
}
