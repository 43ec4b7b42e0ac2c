//! The boundary: what the bot resolves alone and where it stops. Pure: no I/O, time is a parameter.

mod boundary;
mod decide;
pub mod hours;
mod knowledge;
pub mod text;
mod trace;

pub use boundary::{MediaTrigger, PhraseTrigger, Policy, Rule, RuleAction};
pub use decide::{decide, Decision, Outcome, Turn};
pub use knowledge::{content_terms, Knowledge, KnowledgeEntry, Retrieval};
pub use trace::{DecisionTrace, TraceStep};

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
