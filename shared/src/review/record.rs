//! A week's review as stored (one item, `REVIEW`/`R#{date}`): what was proposed, the answered
//! conversations sampled for a right / wrong click, the figures the digest showed, and each
//! decision with who made it and when.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One change the labels propose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// "The bot could have answered with X": the customer's words become a question of X.
    Question { entry: String, text: String },
    /// "Needed a person" on a message the engine nearly answered: an `[outside]` example.
    Outside { text: String },
    /// Questions nobody's entry covers, asked more than once: a new entry, its answer to write.
    Draft {
        id: String,
        questions: Vec<String>,
        answer: Option<String>,
    },
}

/// A proposal: a change and the escalations it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Stable across weeks (a digest of the change), so a rejected one is not proposed again.
    pub key: String,
    pub change: Change,
    pub escalations: Vec<String>,
}

/// One of the week's answered conversations, drawn at random for a right / wrong click.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnsweredSample {
    pub key: String,
    pub at: DateTime<Utc>,
    pub question: String,
    pub entry: String,
    pub answer: String,
    pub confidence: f64,
}

/// A person's decision on one proposal or sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewDecision {
    pub key: String,
    /// `accepted`, `rejected`, `right` or `wrong`.
    pub verdict: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// The answer written for a drafted entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// The version it went live in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

/// A threshold the unfed labels support (applied only when accepted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThresholdProposal {
    pub current: f64,
    pub proposed: f64,
    /// Labels it rests on (none of them fed to the knowledge yet).
    pub labels: usize,
    /// In a brand's words: what the labels show, and the bound used.
    pub why: String,
}

/// The review of one week.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// The day it was built (UTC): a redelivered schedule finds it and builds nothing.
    pub id: NaiveDate,
    pub built_at: DateTime<Utc>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The boundary version current when it was built.
    pub version: u32,
    pub proposals: Vec<Proposal>,
    pub sample: Vec<AnsweredSample>,
    /// The last weeks, oldest first; the last is the reviewed one.
    pub weeks: Vec<crate::report::Week>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_minutes_to_resume: Option<f64>,
    /// Labelled messages that teach nothing (no words to learn from: "gracias", an emoji).
    #[serde(default)]
    pub wordless: Vec<String>,
    #[serde(default)]
    pub decisions: Vec<ReviewDecision>,
}

impl Review {
    pub fn decision(&self, key: &str) -> Option<&ReviewDecision> {
        self.decisions.iter().rev().find(|d| d.key == key)
    }

    /// Proposals nobody decided yet.
    pub fn open_proposals(&self) -> impl Iterator<Item = &Proposal> {
        self.proposals
            .iter()
            .filter(|p| self.decision(&p.key).is_none())
    }
}
