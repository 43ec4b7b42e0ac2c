//! The pause flag: whether the bot may speak to this customer, and why not. Its transitions are
//! a pure state machine (`transition`); the store only persists the result, conditional on the
//! version it read.

mod transition;

pub use transition::{
    send_digest, PendingChange, Refusal, SendReservation, StateEvent, Transition,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `active` lets the bot answer; `paused` means a person has the conversation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PauseStatus {
    #[default]
    Active,
    Paused,
}

/// A question the bot asked and is waiting on: a proposal to confirm (the confirm flow), or which
/// of several entries the customer means (`choices`, when two tie).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingConfirmation {
    pub entry: String,
    pub asked_at: DateTime<Utc>,
    /// The entries offered when the bot asked which one the customer means; empty for a proposal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// The customer's question the choices answer (a choice is the customer's label for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
}

/// The STATE item of a conversation. `version` increases on every change, so a writer that read
/// version N can make its write conditional on nothing having changed since.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseFlag {
    pub status: PauseStatus,
    pub escalation_id: Option<String>,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_until: Option<DateTime<Utc>>,
    pub last_human_at: Option<DateTime<Utc>>,
    pub pending_confirmation: Option<PendingConfirmation>,
    /// When a person or the sweep last handed the customer back (ms): a person's act older than
    /// this (a late or redelivered echo) pauses nothing.
    pub resumed_ms: Option<i64>,
    /// The newest person's act applied (ms, Meta's time): a redelivery of it, or of an older
    /// one, acts no more.
    pub last_act_ms: Option<i64>,
    /// The bot's latest sends, reserved in the same write that checks the pause (newest last).
    pub sends: Vec<SendReservation>,
    /// 0 when the item does not exist yet.
    pub version: u64,
}

impl PauseFlag {
    /// Paused and not yet expired at `now`: the bot must stay silent.
    pub fn holds_at(&self, now: DateTime<Utc>) -> bool {
        self.status == PauseStatus::Paused && self.paused_until.is_none_or(|until| until > now)
    }

    /// The reservation of the send `key`, if this state holds it.
    pub fn reservation(&self, key: &str) -> Option<&SendReservation> {
        let digest = send_digest(key);
        self.sends.iter().find(|r| r.key == digest)
    }

    /// Paused, but the pause ran out: the bot may speak again.
    pub fn expired_at(&self, now: DateTime<Utc>) -> bool {
        self.status == PauseStatus::Paused && !self.holds_at(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_pause_holds_until_it_expires() {
        let now = Utc::now();
        let mut flag = PauseFlag {
            status: PauseStatus::Paused,
            paused_until: Some(now + Duration::hours(1)),
            ..Default::default()
        };
        assert!(flag.holds_at(now));
        assert!(!flag.expired_at(now));
        flag.paused_until = Some(now - Duration::seconds(1));
        assert!(!flag.holds_at(now));
        assert!(flag.expired_at(now));
        assert!(!PauseFlag::default().holds_at(now));
    }
}
