//! The optional language model: phrases an answer from the knowledge entries it is given, and
//! summarises a conversation for the handoff.

use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;

use crate::escalation::TranscriptLine;
use crate::policy::{KnowledgeEntry, ModelAnswer};

/// Phrases an answer from the top knowledge entries (the optional LLM engine).
#[async_trait]
pub trait LanguageModel: Send + Sync {
    async fn answer(
        &self,
        question: &str,
        entries: &[&KnowledgeEntry],
    ) -> Result<ModelAnswer, LanguageModelError>;

    /// Summarises a conversation for the handoff (what the customer wants, what happened), from
    /// the transcript alone.
    async fn summarize(&self, transcript: &[TranscriptLine]) -> Result<String, LanguageModelError>;
}

/// A call that produced no usable answer. Every variant escalates with `low_confidence`.
#[derive(Debug, Error)]
pub enum LanguageModelError {
    #[error("the answer engine did not reply within {0:?}")]
    Timeout(Duration),
    #[error("the answer engine answered HTTP {0}")]
    Http(u16),
    #[error("the answer engine could not be reached: {0}")]
    Transport(String),
    #[error("the answer engine's output is invalid: {0}")]
    Invalid(String),
}
