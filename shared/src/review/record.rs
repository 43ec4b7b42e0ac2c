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

/// A threshold the labels support (applied only when accepted).
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
    /// The week's answers whose entry the customer chose from a "Did you mean" (labels: the
    /// question they were asked about → the entry they chose).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<AnsweredSample>,
    /// The last weeks, oldest first; the last is the reviewed one (its page may add the weeks
    /// since, to mark the versions that went live after it: `with_versions_since`).
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
    /// The review as its page shows it now: the boundary version in force, and a ◆ for every
    /// version that went live since it was built, on its week's row (a row is added for weeks
    /// after the reviewed one), so a version just applied shows at once.
    pub fn with_versions_since(mut self, history: &[crate::live::VersionRecord]) -> Self {
        // Newer than the version the review was built on: went live since.
        for record in history.iter().filter(|r| r.version > self.version) {
            let start = crate::report::monday(record.at.date_naive());
            match self.weeks.iter_mut().find(|w| w.start == start) {
                Some(w) if !w.versions.contains(&record.version) => w.versions.push(record.version),
                Some(_) => {}
                None => self.weeks.push(crate::report::Week {
                    start,
                    versions: vec![record.version],
                    ..Default::default()
                }),
            }
        }
        self.version = history
            .iter()
            .map(|r| r.version)
            .fold(self.version, u32::max);
        self.weeks.sort_by_key(|w| w.start);
        self
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_applied_after_the_review_shows_in_its_header_and_chart() {
        let day = |d: &str| -> NaiveDate { d.parse().unwrap() };
        let at = |t: &str| -> DateTime<Utc> { t.parse().unwrap() };
        let review = Review {
            id: day("2026-12-07"),
            built_at: at("2026-12-07T07:00:00Z"),
            from: at("2026-11-30T00:00:00Z"),
            to: at("2026-12-06T23:59:59.999Z"),
            version: 1,
            proposals: vec![],
            sample: vec![],
            choices: vec![],
            weeks: vec![crate::report::Week {
                start: day("2026-11-30"),
                ..Default::default()
            }],
            median_minutes_to_resume: None,
            wordless: vec![],
            decisions: vec![],
        };
        let record = |version: u32, t: &str| crate::live::VersionRecord {
            version,
            content: "x".into(),
            size: 1,
            by: "review Léa".into(),
            at: at(t),
            change: "+1 question".into(),
            base: version - 1,
        };
        let shown = review.with_versions_since(&[
            record(1, "2026-11-01T10:00:00Z"),
            record(2, "2026-12-07T09:30:00Z"),
        ]);
        assert_eq!(shown.version, 2);
        assert_eq!(shown.weeks.len(), 2);
        assert_eq!(shown.weeks[1].start, day("2026-12-07"));
        assert_eq!(shown.weeks[1].versions, [2]);
        assert!(
            shown.weeks[0].versions.is_empty(),
            "version 1 is older than the review"
        );
    }
}

/// A stored review and the revision its decisions are at.
#[derive(Clone, Debug)]
pub struct StoredReview {
    pub review: Review,
    pub revision: u64,
    pub notified: bool,
}
