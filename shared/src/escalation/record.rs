//! The escalation as stored: why the bot stopped, the handoff summary and what happened after.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ReasonCode;
use crate::conversation::ConversationKey;
use crate::message::{Message, Role};
use crate::policy::DecisionTrace;

/// What a person needs to act without reading the whole transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EscalationSummary {
    pub intent: String,
    pub tried: Vec<String>,
    pub next_step: String,
    /// Two sentences from the optional LLM, grounded on the transcript; absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_summary: Option<String>,
}

/// One line of the transcript snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscriptLine {
    pub at: DateTime<Utc>,
    pub role: Role,
    pub text: String,
    /// What was attached, with links (a voice message is a link, never dropped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::message::Attachment>,
}

impl From<&Message> for TranscriptLine {
    fn from(m: &Message) -> Self {
        Self {
            at: DateTime::from_timestamp_millis(m.timestamp_ms).unwrap_or_default(),
            role: m.role,
            text: m.display_text(),
            attachments: m.attachments.clone(),
        }
    }
}

/// How a customer got back to the bot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResumedBy {
    Link,
    Inbox,
    Cli,
    Expired,
}

impl ResumedBy {
    pub fn describe(self) -> &'static str {
        match self {
            ResumedBy::Link => "with the resume link",
            ResumedBy::Inbox => "handed back in the inbox",
            ResumedBy::Cli => "from the command line",
            ResumedBy::Expired => "automatically when the pause ran out",
        }
    }
}

/// The humans' verdict on an escalation, given when they resume.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeLabel {
    NeededPerson,
    BotCouldHandle,
    Spam,
}

impl OutcomeLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeededPerson => "needed_person",
            Self::BotCouldHandle => "bot_could_handle",
            Self::Spam => "spam",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "needed_person" => Some(Self::NeededPerson),
            "bot_could_handle" => Some(Self::BotCouldHandle),
            "spam" => Some(Self::Spam),
            _ => None,
        }
    }
}

/// Whether the answers the bot gave before the handoff were right, as the person judged them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswersVerdict {
    Right,
    Wrong,
}

impl AnswersVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Right => "right",
            Self::Wrong => "wrong",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "right" => Some(Self::Right),
            "wrong" => Some(Self::Wrong),
            _ => None,
        }
    }
}

/// Everything a person may say when they hand a customer back: the data the boundary learns from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HumanLabel {
    pub outcome: Option<OutcomeLabel>,
    pub note: Option<String>,
    /// With `bot_could_handle`: the knowledge entry the bot should have answered with.
    pub entry: Option<String>,
    /// Whether the bot's answers before the handoff were right.
    pub earlier_answers: Option<AnswersVerdict>,
    /// Who gave the label (the name typed on the page).
    pub by: Option<String>,
    /// The answer sent with one click, when the label came with one.
    pub one_click: Option<OneClick>,
}

/// The ESC item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    pub escalation_id: String,
    pub conversation: ConversationKey,
    pub reason: ReasonCode,
    pub reason_detail: String,
    pub summary: EscalationSummary,
    pub transcript: Vec<TranscriptLine>,
    /// What the bounded transcript left out (`bounded_transcript`), for the card.
    #[serde(default, skip_serializing_if = "super::TranscriptCut::is_empty")]
    pub transcript_cut: super::TranscriptCut,
    pub trace: DecisionTrace,
    pub created_at: DateTime<Utc>,
    pub paused_until: DateTime<Utc>,
    /// When the customer last wrote: Meta's 24-hour window runs from here.
    pub last_customer_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified_at: Option<DateTime<Utc>>,
    /// Meta's id of the customer's handoff notice, once the opener recorded it ("" when Meta
    /// could not deliver it): a redelivery does not tell the customer again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_notice_mid: Option<String>,
    /// When the "nobody picked it up" reminder went out (at most once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminded_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_by: Option<ResumedBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeLabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The entry a person said the bot could have answered with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_entry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier_answers: Option<AnswersVerdict>,
    /// The bot's best answer, offered to the team (unsure escalations and entries the team
    /// approves; never a rule's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<crate::policy::Suggestion>,
    /// The answer a person sent with one click from the handoff, if they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_click: Option<OneClick>,
    /// The name the person typed when they labelled or answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labelled_by: Option<String>,
}

/// An answer the team sent with one click: the entry sent and the one the bot suggested (the same
/// when they approved the suggestion; another when they chose a better one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneClick {
    pub entry: String,
    pub suggested: Option<String>,
}

impl OneClick {
    /// Whether the person sent another answer than the bot's.
    pub fn replaced(&self) -> bool {
        self.suggested.as_deref() != Some(self.entry.as_str())
    }
}

impl Escalation {
    /// An escalation as it opens: why, what the team is told and how long the customer is
    /// paused; no transcript, trace or suggestion yet (set them with `..Escalation::opened(…)`),
    /// nothing sent, labelled or resumed. The customer last wrote when it opened.
    pub fn opened(
        escalation_id: String,
        conversation: ConversationKey,
        reason: ReasonCode,
        reason_detail: String,
        summary: EscalationSummary,
        created_at: DateTime<Utc>,
        paused_until: DateTime<Utc>,
    ) -> Self {
        Escalation {
            escalation_id,
            conversation,
            reason,
            reason_detail,
            summary,
            transcript: Vec::new(),
            transcript_cut: super::TranscriptCut::default(),
            trace: DecisionTrace::default(),
            created_at,
            paused_until,
            last_customer_at: created_at,
            customer_name: None,
            notified_at: None,
            customer_notice_mid: None,
            reminded_at: None,
            resumed_at: None,
            resumed_by: None,
            outcome: None,
            note: None,
            answer_entry: None,
            earlier_answers: None,
            suggestion: None,
            one_click: None,
            labelled_by: None,
        }
    }

    /// Whether the bot answered this customer before handing over (the resume page then asks
    /// whether those answers were right).
    pub fn bot_answered_before(&self) -> bool {
        self.summary
            .tried
            .iter()
            .any(|t| t.starts_with("answered with"))
    }

    /// The customer's last written message: the question the suggestion answers (the email and
    /// the one-click page show it above the suggested answer).
    pub fn last_question(&self) -> Option<&TranscriptLine> {
        self.transcript
            .iter()
            .rev()
            .find(|l| l.role == crate::message::Role::Customer && !l.text.trim().is_empty())
    }

    /// Sort key `E#{escalation_id}`.
    pub fn sort_key(&self) -> String {
        escalation_sort_key(&self.escalation_id)
    }
}

pub fn escalation_sort_key(id: &str) -> String {
    format!("E#{id}")
}

/// A deterministic id for the escalation caused by message `mid`, so a redelivered stream record
/// produces the same escalation (and the conditional put makes it a no-op). Time-sortable.
pub fn escalation_id_for(trigger_timestamp_ms: i64, mid: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(mid.as_bytes());
    format!(
        "{:013}-{}",
        trigger_timestamp_ms.max(0),
        hex::encode(&h[..4])
    )
}
