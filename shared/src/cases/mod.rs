//! Every escalation is data: escalations become test cases (a versioned JSON Lines format,
//! docs/cases.md), cases replay against the current boundary, and the cases the bot could have
//! handled become draft knowledge entries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::conversation::Channel;
use crate::escalation::{Escalation, OutcomeLabel, ResumedBy};
use crate::message::Role;
use crate::policy::DecisionTrace;

mod replay;
mod suggest;

pub use replay::{replay, Replay, ReplayStatus};
pub use suggest::{
    apply_suggestions, in_reserve, knowledge_suggestions, suggest, suggestions_toml,
    KnowledgeSuggestions, SuggestedEntry, RESERVE_EVERY,
};

pub const CASE_FORMAT: &str = "handoff.case";
pub const CASE_VERSION: u32 = 1;

/// One customer message of a case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseMessage {
    pub at: DateTime<Utc>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

/// One test case: what the customer wrote, what the bot decided, what the humans said.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub format: String,
    pub version: u32,
    pub escalation_id: String,
    pub created_at: DateTime<Utc>,
    pub channel: Channel,
    /// The reason the bot escalated.
    pub reason: String,
    pub reason_detail: String,
    /// The customer's messages in order; the last one made the bot escalate.
    pub messages: Vec<CaseMessage>,
    pub trace: DecisionTrace,
    /// `needed_person`, `bot_could_handle`, `spam`, or absent when nobody labelled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Why there is no label: resumed in the inbox, automatically, or not resumed yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlabelled_because: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_at: Option<DateTime<Utc>>,
    /// The answer the bot should have given (the note of a `bot_could_handle` label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// With `bot_could_handle`: the knowledge entry the person said the bot should have used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// `right` or `wrong`: the person's verdict on the bot's answers before the handoff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier_answers: Option<String>,
}

fn resumed_str(r: ResumedBy) -> &'static str {
    match r {
        ResumedBy::Link => "link",
        ResumedBy::Inbox => "inbox",
        ResumedBy::Cli => "cli",
        ResumedBy::Expired => "expired",
    }
}

impl Case {
    /// The case an escalation teaches.
    pub fn from_escalation(e: &Escalation) -> Self {
        let messages = e
            .transcript
            .iter()
            .filter(|l| l.role == Role::Customer)
            .map(|l| CaseMessage {
                at: l.at,
                text: if l.attachments.is_empty() {
                    l.text.clone()
                } else {
                    strip_attachment_marks(&l.text)
                },
                attachments: l.attachments.iter().map(|a| a.kind.clone()).collect(),
            })
            .collect();
        let label = e.outcome.map(|o| o.as_str().to_string());
        let unlabelled_because = match (label.is_some(), e.resumed_by) {
            (true, _) => None,
            (false, Some(ResumedBy::Inbox)) => {
                Some("handed back in the inbox: no label is asked there".into())
            }
            (false, Some(ResumedBy::Expired)) => {
                Some("resumed automatically when the pause ran out".into())
            }
            (false, Some(_)) => Some("resumed without choosing an outcome".into()),
            (false, None) => Some("not resumed yet".into()),
        };
        let suggested_answer = match e.outcome {
            Some(OutcomeLabel::BotCouldHandle) => e.note.clone().filter(|n| !n.trim().is_empty()),
            _ => None,
        };
        Case {
            format: CASE_FORMAT.into(),
            version: CASE_VERSION,
            escalation_id: e.escalation_id.clone(),
            created_at: e.created_at,
            channel: e.conversation.channel,
            reason: e.reason.as_str().to_string(),
            reason_detail: e.reason_detail.clone(),
            messages,
            trace: e.trace.clone(),
            label,
            unlabelled_because,
            resumed_by: e.resumed_by.map(|r| resumed_str(r).to_string()),
            resumed_at: e.resumed_at,
            suggested_answer,
            note: e.note.clone(),
            entry: e.answer_entry.clone(),
            earlier_answers: e.earlier_answers.map(|v| v.as_str().to_string()),
        }
    }

    /// Reads one JSON line, checking the format and version.
    pub fn parse(line: &str) -> Result<Self, String> {
        let case: Case = serde_json::from_str(line).map_err(|e| format!("not a case: {e}"))?;
        if case.format != CASE_FORMAT || case.version != CASE_VERSION {
            return Err(format!(
                "format {:?} version {} is not {CASE_FORMAT:?} version {CASE_VERSION}",
                case.format, case.version
            ));
        }
        if case.messages.is_empty() {
            return Err("a case needs at least one customer message".into());
        }
        Ok(case)
    }
}

/// Display text keeps "[audio: url]" marks; a case keeps the attachment kinds separately.
fn strip_attachment_marks(text: &str) -> String {
    static MARK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\s*\[[a-z_]+(?:: [^\]]*)?\]").expect("valid regex")
    });
    MARK.replace_all(text, "").trim().to_string()
}

#[cfg(test)]
mod reserve_tests {
    use super::*;

    #[test]
    fn the_reserve_is_one_label_in_three_decided_by_the_words_alone() {
        // The same words are in the reserve or not, however written.
        assert!(in_reserve("How many days before my box gets here?"));
        assert!(in_reserve("how many days before my BOX gets here"));
        assert!(!in_reserve("How many days until my parcel arrives?"));
        assert!(!in_reserve("Can I pay in instalments?"));
        let kept = (0..3000)
            .filter(|i| in_reserve(&format!("question number {i}")))
            .count();
        assert!((900..1100).contains(&kept), "{kept} of 3000");
    }

    #[test]
    fn a_reserved_label_is_never_proposed() {
        let case = |id: &str, text: &str, label: &str, entry: Option<&str>| {
            Case::parse(
                &serde_json::json!({
                    "format": "handoff.case", "version": 1, "escalation_id": id,
                    "created_at": "2026-12-01T10:00:00Z", "channel": "messenger",
                    "reason": "low_confidence", "reason_detail": "",
                    "messages": [{"at": "2026-12-01T10:00:00Z", "text": text}],
                    "trace": {"steps": []}, "label": label, "entry": entry,
                })
                .to_string(),
            )
            .unwrap()
        };
        let s = knowledge_suggestions(&[
            case(
                "a",
                "How many days before my box gets here?",
                "bot_could_handle",
                Some("shipping-time"),
            ),
            case(
                "b",
                "How many days until my parcel arrives?",
                "bot_could_handle",
                Some("shipping-time"),
            ),
        ]);
        assert_eq!(s.reserved, 1);
        assert_eq!(
            s.questions["shipping-time"],
            ["How many days until my parcel arrives?"]
        );
    }
}
