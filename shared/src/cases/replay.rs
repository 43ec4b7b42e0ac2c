//! A case replayed against the current boundary: does the bot now decide as the person said?

use crate::conversation::ConversationKey;
use crate::message::{Attachment, Direction, Message, Role};
use crate::policy::{decide, DecisionTrace, Knowledge, Outcome, Policy, Turn};

use super::Case;

/// How a case fares under the current boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReplayStatus {
    StillEscalates,
    ReasonChanged,
    NowAnswered,
    NoLongerEscalates,
}

impl ReplayStatus {
    pub fn describe(self) -> &'static str {
        match self {
            ReplayStatus::StillEscalates => "still escalates",
            ReplayStatus::ReasonChanged => "reason changed",
            ReplayStatus::NowAnswered => "now answered",
            ReplayStatus::NoLongerEscalates => "no longer escalates (clarify or stay quiet)",
        }
    }
}

/// The replay of one case.
#[derive(Clone, Debug)]
pub struct Replay {
    pub status: ReplayStatus,
    pub headline: String,
    pub trace: DecisionTrace,
    /// A person was needed and the bot would now answer alone: a regression.
    pub regression: bool,
    /// "Could have answered with X" and the bot now answers with another entry: the entry it uses.
    pub wrong_entry: Option<String>,
}

/// Decides the case's last customer message again, with the earlier ones as history, at the time
/// it arrived. Same code as the policy function; no AWS.
pub fn replay(policy: &Policy, knowledge: &Knowledge, case: &Case) -> Replay {
    let history = history(case);
    let last = case
        .messages
        .last()
        .expect("parse checks there is a message");
    let attachments = attachments(&last.attachments);
    let d = decide(
        policy,
        knowledge,
        Turn {
            text: Some(&last.text),
            attachments: &attachments,
            history: &history,
            ..Default::default()
        },
        last.at,
    );
    let status = match &d.outcome {
        Outcome::Escalate { reason, .. } if reason.as_str() == case.reason => {
            ReplayStatus::StillEscalates
        }
        Outcome::Escalate { .. } => ReplayStatus::ReasonChanged,
        Outcome::Answer { .. } | Outcome::Confirm { .. } => ReplayStatus::NowAnswered,
        Outcome::Ask { .. } | Outcome::Clarify { .. } | Outcome::Acknowledge => {
            ReplayStatus::NoLongerEscalates
        }
    };
    let escalates = matches!(
        status,
        ReplayStatus::StillEscalates | ReplayStatus::ReasonChanged
    );
    // A question offering entries is right when the wanted one is among them.
    let answered_with: Option<Vec<String>> = match &d.outcome {
        Outcome::Answer { entry, .. } | Outcome::Confirm { entry, .. } => Some(vec![entry.clone()]),
        Outcome::Ask { entries, .. } => Some(entries.clone()),
        _ => None,
    };
    let wrong_entry = match (case.label.as_deref(), &case.entry, answered_with) {
        (Some("bot_could_handle"), Some(want), Some(got)) if !got.contains(want) => {
            Some(got.join(" or "))
        }
        _ => None,
    };
    Replay {
        wrong_entry,
        regression: case.label.as_deref() == Some("needed_person") && !escalates,
        status,
        headline: d.headline(),
        trace: d.trace,
    }
}

/// The case's earlier customer messages, as the history the decision reads.
fn history(case: &Case) -> Vec<Message> {
    let conversation = ConversationKey::new(case.channel, "replay", "replay");
    case.messages[..case.messages.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, m)| Message {
            conversation: conversation.clone(),
            timestamp_ms: m.at.timestamp_millis(),
            mid: format!("case-{i}"),
            role: Role::Customer,
            direction: Direction::In,
            text: Some(m.text.clone()),
            payload: None,
            attachments: attachments(&m.attachments),
            event: None,
            standby: false,
            answer: None,
        })
        .collect()
}

/// Attachments of the kinds the case recorded (their URLs are not kept).
fn attachments(kinds: &[String]) -> Vec<Attachment> {
    kinds
        .iter()
        .map(|k| Attachment {
            kind: k.clone(),
            url: None,
        })
        .collect()
}
