//! What the policy looked at and why it decided: stored with every answer and escalation, and the
//! source of the handoff's "why".

use std::fmt;

use serde::{Deserialize, Serialize};

/// One check the policy ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceStep {
    /// `rule:<name>`, `trigger:complaint`, `hours`, `knowledge`, …
    pub check: String,
    pub fired: bool,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// For the knowledge step: the runner-up a question would offer beside the best entry, and
    /// the confidence that one of the two is right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tie: Option<TraceTie>,
}

/// The runner-up of a tie and the confidence in the two together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceTie {
    pub entry: String,
    pub score: f64,
}

/// The ordered list of checks behind one decision.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionTrace {
    pub steps: Vec<TraceStep>,
}

impl DecisionTrace {
    /// Whether this decision proposed an entry (asked the customer to confirm it).
    pub fn is_proposal(&self) -> bool {
        self.steps.iter().any(|s| s.check == "proposal")
    }

    pub fn record(&mut self, check: impl Into<String>, fired: bool, detail: impl Into<String>) {
        self.steps.push(TraceStep {
            check: check.into(),
            fired,
            detail: detail.into(),
            score: None,
            tie: None,
        });
    }

    pub fn record_score(
        &mut self,
        check: impl Into<String>,
        fired: bool,
        detail: impl Into<String>,
        score: f64,
    ) {
        self.steps.push(TraceStep {
            check: check.into(),
            fired,
            detail: detail.into(),
            score: Some(score),
            tie: None,
        });
    }

    /// Notes the tie on the last step recorded (the knowledge step).
    pub fn note_tie(&mut self, entry: &str, score: f64) {
        if let Some(step) = self.steps.last_mut() {
            step.tie = Some(TraceTie {
                entry: entry.to_string(),
                score,
            });
        }
    }

    /// The step that decided, if any fired.
    pub fn deciding(&self) -> Option<&TraceStep> {
        self.steps.iter().rev().find(|s| s.fired)
    }
}

impl fmt::Display for DecisionTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            let mark = if s.fired { "FIRED" } else { "-" };
            match s.score {
                Some(score) => {
                    writeln!(f, "  {mark:5} {:<24} {:.2}  {}", s.check, score, s.detail)?
                }
                None => writeln!(f, "  {mark:5} {:<24}       {}", s.check, s.detail)?,
            }
        }
        Ok(())
    }
}
