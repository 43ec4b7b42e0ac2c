//! How well a knowledge file answers real messages: right / wrong / escalated for messages that
//! have an entry, answered for those that do not, at every threshold (`handoff knowledge eval`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decide::decide;
use super::decision::{Outcome, Turn};
use super::knowledge::Knowledge;
use super::policy_file::Policy;

/// What a labelled message should get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// Answered (or proposed) with this entry.
    Answer(String),
    /// A person.
    Escalate,
}

/// One line of a labelled file: `{"text": …, "expect": "answer <entry>" | "escalate"}`.
#[derive(Clone, Debug)]
pub struct LabelledMessage {
    pub text: String,
    pub expect: Expectation,
}

#[derive(Deserialize)]
struct LabelledLine {
    text: String,
    expect: String,
}

impl LabelledMessage {
    /// Parses one JSON line; the error says what to fix.
    pub fn parse(line: &str) -> Result<Self, String> {
        let raw: LabelledLine = serde_json::from_str(line).map_err(|e| {
            format!("{e}; each line must be {{\"text\": …, \"expect\": \"answer <entry>\" or \"escalate\"}}")
        })?;
        let expect = match raw.expect.split_once(' ') {
            Some(("answer" | "confirm", id)) if !id.trim().is_empty() => {
                Expectation::Answer(id.trim().to_string())
            }
            None if raw.expect == "escalate" => Expectation::Escalate,
            Some(("escalate", _)) => Expectation::Escalate,
            _ => {
                return Err(format!(
                    "expect {:?} must be \"answer <entry>\" or \"escalate\"",
                    raw.expect
                ))
            }
        };
        Ok(Self {
            text: raw.text,
            expect,
        })
    }
}

/// The policy's reading of one message, enough to replay it at any threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Judged {
    #[serde(skip)]
    pub expect: Option<String>,
    /// Decided before knowledge (a rule, a trigger, small talk): the entry answered, if any,
    /// whatever the threshold.
    pub fixed: Option<Option<String>>,
    /// Decided by knowledge: the best entry and the confidence.
    pub best: Option<String>,
    pub score: f64,
    /// A tie the bot would ask about: the runner-up, and the highest threshold at which the
    /// customer is asked (a tie needs more than the threshold: `Knowledge::tie_score`).
    pub tie: Option<(String, f64)>,
    /// Got a small-talk reply ("hello" → the greeting), which answers no entry.
    pub small_talk: bool,
    /// Escalated at the threshold in force with the bot's best answer suggested to the team:
    /// that entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// What the bot does with a message at one threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answered<'a> {
    /// A person.
    Nobody,
    /// This entry's answer.
    With(&'a str),
    /// "Did you mean" with these two entries: right only when the right one is among them, and
    /// an answer all the same for a message that needed a person.
    Asked(&'a str, &'a str),
}

impl Answered<'_> {
    /// Whether `entry` is the answer, or among the choices.
    pub fn offers(&self, entry: &str) -> bool {
        match self {
            Answered::Nobody => false,
            Answered::With(e) => *e == entry,
            Answered::Asked(a, b) => *a == entry || *b == entry,
        }
    }
}

impl Judged {
    /// What the bot does at `threshold`.
    pub fn answered_at(&self, threshold: f64) -> Answered<'_> {
        match (&self.fixed, &self.best, &self.tie) {
            (Some(Some(entry)), _, _) => Answered::With(entry),
            (Some(None), _, _) => Answered::Nobody,
            (None, Some(best), _) if self.score >= threshold => Answered::With(best),
            (None, Some(best), Some((other, at))) if *at >= threshold => {
                Answered::Asked(best, other)
            }
            _ => Answered::Nobody,
        }
    }
}

/// Decides `message` as the bot would at `now`.
pub fn judge(
    policy: &Policy,
    knowledge: &Knowledge,
    message: &LabelledMessage,
    now: DateTime<Utc>,
) -> Judged {
    let d = decide(
        policy,
        knowledge,
        Turn {
            text: Some(&message.text),
            ..Default::default()
        },
        now,
    );
    let expect = match &message.expect {
        Expectation::Answer(id) => Some(id.clone()),
        Expectation::Escalate => None,
    };
    if d.decided_by_knowledge() {
        let step = d.trace.deciding().expect("decided by knowledge");
        let best = step
            .detail
            .strip_prefix("best ")
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_string);
        let tie = step.tie.as_ref().and_then(|t| {
            knowledge
                .tie_score(t.score, policy.ask_margin)
                .map(|at| (t.entry.clone(), at))
        });
        return Judged {
            expect,
            fixed: None,
            best,
            score: step.score.unwrap_or(0.0),
            tie,
            small_talk: false,
            suggestion: d.suggestion.map(|s| s.entry),
        };
    }
    let (entry, small_talk) = match d.outcome {
        // A greeting answered with a greeting answers no entry: it is neither right nor wrong.
        Outcome::Answer { entry, .. } if entry.starts_with("small_talk:") => (None, true),
        Outcome::Answer { entry, .. } | Outcome::Confirm { entry, .. } => (Some(entry), false),
        _ => (None, false),
    };
    Judged {
        expect,
        fixed: Some(entry),
        best: None,
        score: 0.0,
        tie: None,
        small_talk,
        suggestion: d.suggestion.map(|s| s.entry),
    }
}

/// Counts at one threshold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Tally {
    pub threshold: f64,
    /// Messages that have an entry.
    pub in_scope: usize,
    pub right: usize,
    pub wrong: usize,
    pub escalated: usize,
    /// Messages that should reach a person.
    pub off_topic: usize,
    pub off_topic_answered: usize,
    /// Messages of either kind that got a small-talk reply (not counted as answered).
    pub small_talk: usize,
    /// Messages of either kind answered with "Did you mean" (counted as right only when the
    /// right entry is among the choices).
    pub asked: usize,
}

impl Tally {
    fn share(n: usize, of: usize) -> f64 {
        if of == 0 {
            0.0
        } else {
            n as f64 / of as f64
        }
    }
    pub fn right_rate(&self) -> f64 {
        Self::share(self.right, self.in_scope)
    }
    pub fn wrong_rate(&self) -> f64 {
        Self::share(self.wrong, self.in_scope)
    }
    pub fn escalated_rate(&self) -> f64 {
        Self::share(self.escalated, self.in_scope)
    }
    pub fn off_topic_rate(&self) -> f64 {
        Self::share(self.off_topic_answered, self.off_topic)
    }
}

/// Counts `judged` at `threshold`.
pub fn tally(judged: &[Judged], threshold: f64) -> Tally {
    let mut t = Tally {
        threshold,
        ..Tally::default()
    };
    for j in judged {
        t.small_talk += usize::from(j.small_talk);
        let answered = j.answered_at(threshold);
        t.asked += usize::from(matches!(answered, Answered::Asked(..)));
        match &j.expect {
            Some(want) => {
                t.in_scope += 1;
                match answered {
                    Answered::Nobody => t.escalated += 1,
                    a if a.offers(want) => t.right += 1,
                    _ => t.wrong += 1,
                }
            }
            None => {
                t.off_topic += 1;
                if answered != Answered::Nobody {
                    t.off_topic_answered += 1;
                }
            }
        }
    }
    t
}

/// What the team would be offered for the escalations at the threshold in force.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SuggestionTally {
    /// Escalated messages that have an entry; those that carried a suggestion, right or wrong.
    pub escalated_in_scope: usize,
    pub suggested_right: usize,
    pub suggested_wrong: usize,
    /// Escalated messages that needed a person, and those that carried a suggestion anyway.
    pub escalated_off_topic: usize,
    pub off_topic_suggested: usize,
}

/// Counts the suggestions of `judged`, decided at `threshold` (the one in force when judged).
pub fn suggestions(judged: &[Judged], threshold: f64) -> SuggestionTally {
    let mut t = SuggestionTally::default();
    for j in judged {
        if j.answered_at(threshold) != Answered::Nobody {
            continue;
        }
        match (&j.expect, &j.suggestion) {
            (Some(want), Some(got)) => {
                t.escalated_in_scope += 1;
                if want == got {
                    t.suggested_right += 1;
                } else {
                    t.suggested_wrong += 1;
                }
            }
            (Some(_), None) => t.escalated_in_scope += 1,
            (None, s) => {
                t.escalated_off_topic += 1;
                t.off_topic_suggested += usize::from(s.is_some());
            }
        }
    }
    t
}

/// The scores of the messages the knowledge decided (the others answer whatever the threshold),
/// and the thresholds at which a tie starts being asked.
pub fn knowledge_scores(judged: &[Judged]) -> impl Iterator<Item = f64> + '_ {
    judged
        .iter()
        .filter(|j| j.fixed.is_none())
        .flat_map(|j| std::iter::once(j.score).chain(j.tie.as_ref().map(|t| t.1)))
}

/// `scores` as the thresholds to try, lowest first: each is a place where a count changes.
pub fn thresholds(scores: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut candidates: Vec<f64> = scores.collect();
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    candidates
}

/// The threshold that answers the most messages right while at most `max_error` of the messages
/// with an entry get a wrong one and at most `max_error` of the others get any: the lowest such
/// threshold among the scores seen (each score is a place where a count changes).
pub fn recommend(judged: &[Judged], max_error: f64) -> Option<Tally> {
    thresholds(knowledge_scores(judged).chain([1.0]))
        .into_iter()
        .map(|t| tally(judged, t))
        .filter(|t| t.wrong_rate() <= max_error && t.off_topic_rate() <= max_error)
        .max_by(|a, b| {
            a.right
                .cmp(&b.right)
                .then(b.threshold.total_cmp(&a.threshold))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(expect: Option<&str>, best: &str, score: f64) -> Judged {
        Judged {
            expect: expect.map(String::from),
            fixed: None,
            best: Some(best.into()),
            score,
            tie: None,
            small_talk: false,
            suggestion: None,
        }
    }

    #[test]
    fn an_ask_is_right_only_with_the_right_entry_among_the_choices_and_never_a_loophole() {
        let asked = |expect: Option<&str>| Judged {
            tie: Some(("b".into(), 0.3)),
            ..j(expect, "a", 0.1)
        };
        let judged = [
            asked(Some("a")),
            asked(Some("b")),
            asked(Some("c")),
            asked(None),
        ];
        let t = tally(&judged, 0.2);
        assert_eq!((t.right, t.wrong, t.escalated, t.asked), (2, 1, 0, 4));
        assert_eq!(
            t.off_topic_answered, 1,
            "an off-topic message asked about is answered"
        );
        let t = tally(&judged, 0.35);
        assert_eq!((t.right, t.wrong, t.escalated, t.asked), (0, 0, 3, 0));
        assert_eq!(
            tally(&judged, 0.05).right,
            1,
            "over the threshold the best alone answers"
        );
    }

    #[test]
    fn counts_right_wrong_escalated_and_off_topic_answered() {
        let judged = [
            j(Some("a"), "a", 0.9),
            j(Some("a"), "b", 0.4),
            j(Some("b"), "b", 0.2),
            j(None, "a", 0.5),
            j(None, "b", 0.1),
        ];
        let t = tally(&judged, 0.3);
        assert_eq!((t.right, t.wrong, t.escalated), (1, 1, 1));
        assert_eq!((t.off_topic, t.off_topic_answered), (2, 1));
        let best = recommend(&judged, 0.0).unwrap();
        assert_eq!(best.threshold, 0.9);
        assert_eq!((best.right, best.wrong, best.off_topic_answered), (1, 0, 0));
    }

    #[test]
    fn a_bad_line_says_what_to_write() {
        let err = LabelledMessage::parse(r#"{"text":"hi","expect":"maybe"}"#).unwrap_err();
        assert!(err.contains("\"answer <entry>\" or \"escalate\""), "{err}");
        let ok = LabelledMessage::parse(r#"{"text":"hi","expect":"answer hours"}"#).unwrap();
        assert_eq!(ok.expect, Expectation::Answer("hours".into()));
    }
}
