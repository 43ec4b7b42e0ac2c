//! The boundary: what the bot resolves alone and where it stops. Pure: no I/O, time is a parameter.

pub mod ask;
mod check;
mod confusables;
mod customer_text;
mod decide;
mod decision;
mod engine;
pub mod evaluation;
mod frustration;
pub mod hours;
mod intent;
mod knowledge;
mod languages;
mod lexicon;
pub mod limits;
mod model_answer;
mod money;
mod policy_file;
mod questions;
mod small_talk;
mod suggestion;
pub mod text;
mod trace;

pub use check::flood::{FLOOD_MESSAGES, FLOOD_WINDOW_SECONDS};
pub use customer_text::{confirmed_text, customer_handoff_text};
pub use decide::decide;
pub use decision::{
    default_next_step, Decision, Outcome, Turn, ASK_ENTRY, ASK_PERSON, CLARIFY_ENTRY, CONFIRM_NO,
    CONFIRM_YES,
};
pub use engine::calibration::{chance_at, chance_right, Evidence, DEFAULT_THRESHOLD};
pub use engine::Scores;
pub use frustration::{frustration_score, FrustrationScore};
pub use knowledge::{
    content_terms, earned_features, index_path, language_of, Asked, ConfusablePair,
    EarnedThreshold, Knowledge, KnowledgeEntry, Retrieval, SelfReading, Tie,
};
pub use languages::LANGUAGES;
pub use lexicon::Lexicon;
pub use model_answer::{apply_model_answer, ModelAnswer};
pub use money::currency_amount;
pub use policy_file::{
    FrustrationTrigger, LowConfidence, MediaTrigger, PhraseTrigger, Policy, Retention, Rule,
    RuleAction, Threshold, ThresholdSource,
};
pub use questions::split_questions;
pub use small_talk::{small_talk, SmallTalkKind, SmallTalkReplies};
pub use suggestion::{Suggestion, PLAUSIBLE_CHANCE};
pub use trace::{DecisionTrace, TraceStep, TraceTie};

use thiserror::Error;

/// A policy or knowledge file that cannot be used, with where and what to fix.
#[derive(Debug, Error)]
pub enum PolicyError {
    #[error("line {line}, column {column}: {message}")]
    Parse {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}

impl PolicyError {
    /// Points an `Invalid` error at the line of the first quoted value it names, when the source
    /// contains it, so `policy check` can say where to look.
    pub(crate) fn located(self, source: &str) -> Self {
        let PolicyError::Invalid(message) = &self else {
            return self;
        };
        let Some(quoted) = message.split('"').nth(1).filter(|q| !q.is_empty()) else {
            return self;
        };
        let Some(offset) = source
            .find(&format!("\"{quoted}\""))
            .or_else(|| source.find(&format!("'{quoted}'")))
        else {
            return self;
        };
        let before = &source[..offset];
        PolicyError::Parse {
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            message: message.clone(),
        }
    }

    fn parse(source: &str, err: toml::de::Error) -> Self {
        let (line, column) = match err.span() {
            Some(span) => {
                let before = &source[..span.start.min(source.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (line, column)
            }
            None => (1, 1),
        };
        PolicyError::Parse {
            line,
            column,
            message: err.message().to_string(),
        }
    }
}
