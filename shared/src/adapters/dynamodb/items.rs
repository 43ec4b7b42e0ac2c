//! The table's item shapes (docs/state.md) and their mapping to domain types. The only place
//! that knows attribute names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::conversation::ConversationKey;
use crate::escalation::Escalation;
use crate::message::{AnswerRef, Attachment, Direction, Message, Role};
use crate::state::{PauseFlag, PauseStatus, PendingConfirmation, SendReservation};

/// Partition of the daily counters (answers per day, for the report).
pub const STATS_PK: &str = "STATS";
/// Sort key of the pause flag.
pub const STATE_SK: &str = "STATE";
/// Messages are kept 90 days (TTL) unless the policy's `[retention]` says otherwise.
pub const MESSAGE_RETENTION_DAYS: i64 = 90;

/// The TTL (epoch seconds) of an item kept `days` from `from_ms`, or from now if that is later:
/// an old or wrong timestamp must not expire the item (and with it a dedupe) at once.
pub fn expiry(from_ms: i64, days: u32) -> i64 {
    from_ms.max(chrono::Utc::now().timestamp_millis()) / 1000 + i64::from(days) * 86_400
}
/// The by-time index over escalations.
pub const ESCALATIONS_BY_TIME_INDEX: &str = "escalations-by-time";

/// Delivery state of a bot message, recorded after the send (its reservation is in STATE).
pub const DELIVERY_SENT: &str = "sent";
pub const DELIVERY_FAILED: &str = "failed";

#[derive(Debug, Serialize, Deserialize)]
pub struct MessageItem {
    pub pk: String,
    pub sk: String,
    pub mid: String,
    pub ts: i64,
    pub role: Role,
    pub kind: Direction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub standby: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<crate::policy::DecisionTrace>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_mid: Option<String>,
    /// For an answer: the customer's words it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked: Option<String>,
    /// For an answer: the customer chose its entry from a "Did you mean" (the weekly review
    /// reads these as labels).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub chosen: bool,
    /// An answer is also in the by-time index, under its day and a random key, so the weekly
    /// review draws a uniform sample of the week's answers with one query per day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    pub expires_at: i64,
}

/// The by-time index partition of one day's answers.
pub fn answers_partition(day: chrono::NaiveDate) -> String {
    format!("ANS#{day}")
}

/// The day of an answer Meta took (not a proposal waiting for a yes, not a small-talk reply).
fn sampled_answer(
    m: &Message,
    delivery: Option<&crate::ports::Delivery>,
) -> Option<chrono::NaiveDate> {
    let answer = m.answer.as_ref()?;
    let sent = matches!(delivery, Some(crate::ports::Delivery::Sent(_)));
    let proposal = answer.trace.as_ref().is_some_and(|t| t.is_proposal());
    (sent && !proposal && !answer.entry.starts_with("small_talk:"))
        .then(|| DateTime::<Utc>::from_timestamp_millis(m.timestamp_ms))
        .flatten()
        .map(|t| t.date_naive())
}

impl MessageItem {
    /// A customer's message or a record of activity.
    pub fn from_message(m: &Message) -> Self {
        Self::with_delivery(m, None)
    }

    /// One of the bot's sends, with how it went.
    pub fn from_send(m: &Message, delivery: &crate::ports::Delivery) -> Self {
        Self::with_delivery(m, Some(delivery))
    }

    fn with_delivery(m: &Message, delivery: Option<&crate::ports::Delivery>) -> Self {
        use crate::ports::Delivery;
        Self {
            pk: m.conversation.partition_key(),
            sk: m.sort_key(),
            mid: m.mid.clone(),
            ts: m.timestamp_ms,
            role: m.role,
            kind: m.direction,
            text: m.text.clone(),
            payload: m.payload.clone(),
            attachments: m.attachments.clone(),
            event: m.event.clone(),
            standby: m.standby,
            entry: m.answer.as_ref().map(|a| a.entry.clone()),
            confidence: m.answer.as_ref().map(|a| a.confidence),
            // Only a proposal's trace is read back (to tell a proposal from an answer); an
            // answer's trace would double the item's write units, and its escalation keeps one.
            trace: m
                .answer
                .as_ref()
                .and_then(|a| a.trace.clone())
                .filter(|t| t.is_proposal()),
            delivery: delivery.map(|d| {
                match d {
                    Delivery::Sent(_) => DELIVERY_SENT,
                    Delivery::Failed => DELIVERY_FAILED,
                }
                .to_string()
            }),
            sent_mid: match delivery {
                Some(Delivery::Sent(mid)) => Some(mid.clone()),
                _ => None,
            },
            asked: m.answer.as_ref().and_then(|a| a.question.clone()),
            chosen: m.answer.as_ref().is_some_and(|a| a.chosen),
            gsi1pk: sampled_answer(m, delivery).map(answers_partition),
            gsi1sk: sampled_answer(m, delivery).map(|_| uuid::Uuid::new_v4().simple().to_string()),
            // From receipt, not Meta's timestamp: an old or wrong timestamp must not expire the
            // item (and with it the dedupe) at once.
            expires_at: expiry(m.timestamp_ms, MESSAGE_RETENTION_DAYS as u32),
        }
    }

    /// How the send went, for a bot message.
    pub fn delivery(&self) -> Option<crate::ports::Delivery> {
        match self.delivery.as_deref() {
            Some(DELIVERY_SENT) => Some(crate::ports::Delivery::Sent(
                self.sent_mid.clone().unwrap_or_default(),
            )),
            Some(_) => Some(crate::ports::Delivery::Failed),
            None => None,
        }
    }

    pub fn into_message(self) -> Option<Message> {
        Some(Message {
            conversation: ConversationKey::from_partition_key(&self.pk)?,
            timestamp_ms: self.ts,
            mid: self.mid,
            role: self.role,
            direction: self.kind,
            text: self.text,
            payload: self.payload,
            attachments: self.attachments,
            event: self.event,
            standby: self.standby,
            answer: match (self.entry, self.confidence) {
                (Some(entry), Some(confidence)) => Some(AnswerRef {
                    entry,
                    confidence,
                    question: self.asked,
                    trace: self.trace,
                    chosen: self.chosen,
                }),
                _ => None,
            },
        })
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StateItem {
    pub pk: String,
    pub sk: String,
    #[serde(default)]
    pub status: PauseStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_human_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_confirmation: Option<PendingConfirmation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_act_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sends: Vec<SendReservation>,
    #[serde(default)]
    pub version: u64,
    /// Rolling: every write keeps STATE for the policy's `state_days` more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl StateItem {
    pub fn new(key: &ConversationKey, s: &PauseFlag) -> Self {
        Self {
            pk: key.partition_key(),
            sk: STATE_SK.to_string(),
            status: s.status,
            escalation_id: s.escalation_id.clone(),
            paused_at: s.paused_at,
            paused_until: s.paused_until,
            last_human_at: s.last_human_at,
            pending_confirmation: s.pending_confirmation.clone(),
            resumed_ms: s.resumed_ms,
            last_act_ms: s.last_act_ms,
            sends: s.sends.clone(),
            version: s.version,
            expires_at: None,
        }
    }
}

impl From<StateItem> for PauseFlag {
    fn from(s: StateItem) -> Self {
        PauseFlag {
            status: s.status,
            escalation_id: s.escalation_id,
            paused_at: s.paused_at,
            paused_until: s.paused_until,
            last_human_at: s.last_human_at,
            pending_confirmation: s.pending_confirmation,
            resumed_ms: s.resumed_ms,
            last_act_ms: s.last_act_ms,
            sends: s.sends,
            version: s.version,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EscalationItem {
    pub pk: String,
    pub sk: String,
    /// By-time index: one partition per month keeps the index from a single hot key.
    pub gsi1pk: String,
    pub gsi1sk: String,
    /// The policy's `escalation_days` after it was opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Who holds the team notice's job, until when (ms): set at opening for the opener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_lease_until: Option<i64>,
    /// The opening transaction's token: tells the opener its own commit from another's when the
    /// answer to the commit was lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_token: Option<String>,
    #[serde(flatten)]
    pub escalation: Escalation,
}

impl EscalationItem {
    pub fn new(e: &Escalation) -> Self {
        Self {
            pk: e.conversation.partition_key(),
            sk: e.sort_key(),
            gsi1pk: format!("ESC#{}", e.created_at.format("%Y-%m")),
            gsi1sk: format!(
                "{:013}#{}",
                e.created_at.timestamp_millis(),
                e.escalation_id
            ),
            expires_at: None,
            notify_lease_until: None,
            open_token: None,
            escalation: e.clone(),
        }
    }
}

/// Formats a time the way serde stores it in items, so update expressions write the same shape.
pub fn time_attr(t: DateTime<Utc>) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| t.to_rfc3339())
}

#[cfg(test)]
mod ttl_tests {
    use super::*;
    use crate::conversation::{Channel, ConversationKey};
    use crate::message::{Direction, Role};

    #[test]
    fn an_old_timestamp_does_not_expire_the_message_and_its_dedupe_at_once() {
        let m = Message {
            conversation: ConversationKey::new(Channel::Messenger, "1", "2"),
            timestamp_ms: 1_492_414_608_982, // 2017, as in public fixtures
            mid: "m".into(),
            role: Role::Customer,
            direction: Direction::In,
            text: Some("hi".into()),
            payload: None,
            attachments: vec![],
            event: None,
            standby: false,
            answer: None,
        };
        let item = MessageItem::from_message(&m);
        let in_89_days = chrono::Utc::now().timestamp() + 89 * 86_400;
        assert!(item.expires_at > in_89_days, "{}", item.expires_at);
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;
    use crate::conversation::Channel;
    use crate::state::{StateEvent, Transition};

    /// STATE is written on every answer: it must stay within one write unit (1 KB) even full.
    #[test]
    fn a_full_state_item_fits_one_write_unit() {
        let key =
            ConversationKey::new(Channel::Instagram, "178414000000000000", "9988776655443322");
        let now = chrono::Utc::now();
        let mut state = PauseFlag::default();
        for i in 0..40 {
            // Meta's message ids run to ~100 characters.
            let mid = format!("reply-m_{i}{}", "A".repeat(96));
            let Transition::Changed(next) = state.apply(
                &StateEvent::BotReplies {
                    key: &mid,
                    pending: crate::state::PendingChange::Set(PendingConfirmation {
                        entry: "returns-policy-for-custom-orders".into(),
                        asked_at: now,
                        choices: Vec::new(),
                        question: None,
                    }),
                },
                now,
            ) else {
                panic!()
            };
            state = next;
        }
        state.last_human_at = Some(now);
        state.resumed_ms = Some(now.timestamp_millis());
        state.last_act_ms = Some(now.timestamp_millis());
        state.escalation_id = Some("1764000000000-0a1b2c3d".into());
        state.paused_at = Some(now);
        state.paused_until = Some(now);
        // An upper bound of DynamoDB's item size (names + values; JSON adds quotes and braces).
        let bytes = serde_json::to_string(&StateItem::new(&key, &state))
            .unwrap()
            .len();
        assert!(bytes <= 1024, "STATE is {bytes} bytes");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Channel, ConversationKey};
    use crate::message::{AnswerRef, Message};
    use crate::policy::DecisionTrace;
    use crate::ports::Delivery;

    fn reply(trace: DecisionTrace) -> MessageItem {
        let conv = ConversationKey::new(Channel::Messenger, "1", "2");
        let mut m = Message::bot_send(&conv, 1, "reply-m_1".into(), "We open at 9.");
        m.answer = Some(AnswerRef {
            entry: "hours".into(),
            confidence: 0.9,
            trace: Some(trace),
            question: None,
            chosen: false,
        });
        MessageItem::from_send(&m, &Delivery::Sent("m_out".into()))
    }

    #[test]
    fn an_answer_is_stored_without_its_trace_and_a_proposal_with_it() {
        let mut trace = DecisionTrace::default();
        for i in 0..12 {
            trace.record(format!("rule:{i}"), false, "x".repeat(120));
        }
        let answer = reply(trace.clone());
        assert!(answer.trace.is_none());
        assert!(
            serde_json::to_string(&answer).unwrap().len() < 1024,
            "one write unit"
        );
        trace.record("proposal", true, "asked to confirm hours");
        assert!(reply(trace).trace.is_some(), "read back by is_proposal");
    }
}
