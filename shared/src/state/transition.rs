//! Every change of a conversation's STATE as a pure function: `state.apply(event, now)` says what
//! the next state is, or why the event changes nothing. The store writes the next state on
//! condition that the version it read is still current, so two writers can never both win, and
//! every rule here is tested without a database.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{PauseFlag, PauseStatus, PendingConfirmation};

/// How many of the bot's sends STATE remembers: enough for every redelivery of a stream batch,
/// few enough to keep STATE within one write unit (1 KB).
pub const SENDS_KEPT: usize = 10;

/// A send the bot reserved before making it: a redelivery that finds it does not send again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendReservation {
    /// `send_digest` of the sent message's key (its `mid` in the table: `reply-…`, `handoff-…`,
    /// `resumed-…`); Meta's message ids run to ~100 characters, the digest to 16.
    pub key: String,
    pub at_ms: i64,
}

/// The short form of a send's key kept in STATE.
pub fn send_digest(key: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

/// The confirm flow's proposal, as a reply changes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum PendingChange {
    #[default]
    Keep,
    Set(PendingConfirmation),
    Clear,
}

/// What happens to a conversation.
#[derive(Clone, Debug, PartialEq)]
pub enum StateEvent<'a> {
    /// A person acted (replied from another app, took the thread) at `at_ms`: the bot stays
    /// silent until `until`.
    PersonActed { at_ms: i64, until: DateTime<Utc> },
    /// The bot is about to send the reply `key`.
    BotReplies {
        key: &'a str,
        pending: PendingChange,
    },
    /// The customer goes to a person: paused for `escalation_id` until `until`, and the handoff
    /// notice `notice_key` reserved in the same write.
    Escalated {
        escalation_id: &'a str,
        until: DateTime<Utc>,
        notice_key: &'a str,
    },
    /// The escalation hands the customer back (link, inbox, command line, expiry), with the
    /// resume message to reserve if the brand has one.
    Resumed {
        escalation_id: &'a str,
        notice_key: Option<&'a str>,
    },
    /// A person hands back a pause no escalation owns (they replied in the inbox, then passed
    /// the thread back).
    PersonHandedBack,
}

/// Why an event leaves the state as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The customer is paused: the bot must not speak.
    Paused,
    /// This send was reserved before (a redelivery): at `at_ms`.
    AlreadyReserved { at_ms: i64 },
    /// This very escalation holds the pause already (a redelivery).
    AlreadyOpen,
    /// Another pause holds the customer (a newer escalation, or a person's own pause).
    OtherPause { escalation_id: Option<String> },
    /// The customer is not paused: nothing to hand back.
    NotPaused,
    /// The person's act is older than the last hand-back: it must not pause again.
    OlderThanResume,
    /// This act, or a newer one, was applied before (a redelivery).
    AlreadyApplied,
}

/// The result of applying an event.
#[derive(Clone, Debug, PartialEq)]
pub enum Transition {
    /// Write this state (its version is one more than the state it came from).
    Changed(PauseFlag),
    Refused(Refusal),
}

impl PauseFlag {
    /// The state after `event` at `now`, or why there is none.
    pub fn apply(&self, event: &StateEvent<'_>, now: DateTime<Utc>) -> Transition {
        let mut next = self.clone();
        next.version = self.version + 1;
        let applied = match event {
            StateEvent::PersonActed { at_ms, until } => {
                self.person_acted(&mut next, *at_ms, *until, now)
            }
            StateEvent::BotReplies { key, pending } => {
                self.bot_replies(&mut next, key, pending, now)
            }
            StateEvent::Escalated {
                escalation_id,
                until,
                notice_key,
            } => self.escalated(&mut next, escalation_id, *until, notice_key, now),
            StateEvent::Resumed {
                escalation_id,
                notice_key,
            } => self.resumed(&mut next, escalation_id, *notice_key, now),
            StateEvent::PersonHandedBack => self.person_handed_back(&mut next, now),
        };
        match applied {
            Ok(()) => Transition::Changed(next),
            Err(refusal) => Transition::Refused(refusal),
        }
    }

    /// A person acted: pause (again) until `until`, unless the act is older than the last resume
    /// or already applied.
    fn person_acted(
        &self,
        next: &mut PauseFlag,
        at_ms: i64,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        if self.resumed_ms.is_some_and(|r| r >= at_ms) {
            return Err(Refusal::OlderThanResume);
        }
        if self.last_act_ms.is_some_and(|a| a >= at_ms) {
            return Err(Refusal::AlreadyApplied);
        }
        next.last_act_ms = Some(at_ms);
        next.status = PauseStatus::Paused;
        next.paused_until = Some(until);
        next.last_human_at = Some(now);
        next.paused_at = self.paused_at.filter(|_| self.holds_at(now)).or(Some(now));
        Ok(())
    }

    /// The bot reserves a reply: never while paused, once per key; a pause that ran out ends.
    fn bot_replies(
        &self,
        next: &mut PauseFlag,
        key: &str,
        pending: &PendingChange,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        if self.holds_at(now) {
            return Err(Refusal::Paused);
        }
        if let Some(r) = self.reservation(key) {
            return Err(Refusal::AlreadyReserved { at_ms: r.at_ms });
        }
        if self.expired_at(now) {
            // The pause ran out: this reply takes the customer back.
            next.end_pause(now);
        }
        match pending {
            PendingChange::Keep => {}
            PendingChange::Set(p) => next.pending_confirmation = Some(p.clone()),
            PendingChange::Clear => next.pending_confirmation = None,
        }
        next.reserve(key, now);
        Ok(())
    }

    /// An escalation opens: pause for it, unless it is open already or another pause holds.
    fn escalated(
        &self,
        next: &mut PauseFlag,
        escalation_id: &str,
        until: DateTime<Utc>,
        notice_key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        if self.status == PauseStatus::Paused
            && self.escalation_id.as_deref() == Some(escalation_id)
        {
            return Err(Refusal::AlreadyOpen);
        }
        if self.holds_at(now) {
            return Err(Refusal::Paused);
        }
        next.status = PauseStatus::Paused;
        next.escalation_id = Some(escalation_id.to_string());
        next.paused_at = Some(now);
        next.paused_until = Some(until);
        next.pending_confirmation = None;
        next.reserve(notice_key, now);
        Ok(())
    }

    /// The escalation hands the customer back: only the pause it opened ends.
    fn resumed(
        &self,
        next: &mut PauseFlag,
        escalation_id: &str,
        notice_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        if self.status != PauseStatus::Paused {
            return Err(Refusal::NotPaused);
        }
        if self.escalation_id.as_deref() != Some(escalation_id) {
            return Err(Refusal::OtherPause {
                escalation_id: self.escalation_id.clone(),
            });
        }
        next.end_pause(now);
        next.pending_confirmation = None;
        if let Some(key) = notice_key {
            next.reserve(key, now);
        }
        Ok(())
    }

    /// A person hands back a pause no escalation owns.
    fn person_handed_back(&self, next: &mut PauseFlag, now: DateTime<Utc>) -> Result<(), Refusal> {
        if self.status != PauseStatus::Paused {
            return Err(Refusal::NotPaused);
        }
        if self.escalation_id.is_some() {
            return Err(Refusal::OtherPause {
                escalation_id: self.escalation_id.clone(),
            });
        }
        next.end_pause(now);
        Ok(())
    }

    fn end_pause(&mut self, now: DateTime<Utc>) {
        self.status = PauseStatus::Active;
        self.escalation_id = None;
        self.paused_at = None;
        self.paused_until = None;
        self.resumed_ms = Some(now.timestamp_millis());
    }

    fn reserve(&mut self, key: &str, now: DateTime<Utc>) {
        self.sends.push(SendReservation {
            key: send_digest(key),
            at_ms: now.timestamp_millis(),
        });
        let excess = self.sends.len().saturating_sub(SENDS_KEPT);
        self.sends.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000).unwrap()
    }

    fn changed(t: Transition) -> PauseFlag {
        match t {
            Transition::Changed(s) => s,
            other => panic!("expected a change, got {other:?}"),
        }
    }

    fn escalated(id: &str) -> PauseFlag {
        changed(PauseFlag::default().apply(
            &StateEvent::Escalated {
                escalation_id: id,
                until: now() + Duration::hours(24),
                notice_key: "handoff-e1",
            },
            now(),
        ))
    }

    fn reply(key: &str) -> StateEvent<'_> {
        StateEvent::BotReplies {
            key,
            pending: PendingChange::Keep,
        }
    }

    #[test]
    fn every_change_moves_the_version_on_by_one() {
        let s = escalated("e1");
        assert_eq!(s.version, 1);
        let s = changed(s.apply(
            &StateEvent::Resumed {
                escalation_id: "e1",
                notice_key: None,
            },
            now(),
        ));
        assert_eq!(s.version, 2);
    }

    #[test]
    fn the_bot_never_replies_to_a_paused_customer() {
        let s = escalated("e1");
        assert_eq!(
            s.apply(&reply("reply-m1"), now() + Duration::hours(1)),
            Transition::Refused(Refusal::Paused)
        );
        let person = changed(PauseFlag::default().apply(
            &StateEvent::PersonActed {
                at_ms: now().timestamp_millis(),
                until: now() + Duration::hours(1),
            },
            now(),
        ));
        assert_eq!(
            person.apply(&reply("reply-m1"), now()),
            Transition::Refused(Refusal::Paused)
        );
    }

    #[test]
    fn a_reply_after_the_pause_ran_out_takes_the_customer_back() {
        let s = escalated("e1");
        let later = now() + Duration::hours(25);
        let s = changed(s.apply(&reply("reply-m2"), later));
        assert_eq!(s.status, PauseStatus::Active);
        assert_eq!(s.escalation_id, None);
        assert_eq!(s.resumed_ms, Some(later.timestamp_millis()));
        assert!(s.reservation("reply-m2").is_some());
    }

    #[test]
    fn a_send_is_reserved_once() {
        let s = changed(PauseFlag::default().apply(&reply("reply-m1"), now()));
        assert_eq!(
            s.apply(&reply("reply-m1"), now()),
            Transition::Refused(Refusal::AlreadyReserved {
                at_ms: now().timestamp_millis()
            })
        );
        // The handoff notice is reserved with the pause.
        assert!(escalated("e1").reservation("handoff-e1").is_some());
    }

    #[test]
    fn reservations_are_bounded() {
        let mut s = PauseFlag::default();
        for i in 0..40 {
            s = changed(s.apply(&reply(&format!("reply-{i}")), now()));
        }
        assert_eq!(s.sends.len(), SENDS_KEPT);
        assert!(s.reservation("reply-39").is_some());
        assert!(s.reservation("reply-0").is_none());
    }

    #[test]
    fn the_confirm_flow_is_set_and_cleared_by_replies_and_dropped_by_an_escalation() {
        let p = PendingConfirmation {
            entry: "refund".into(),
            asked_at: now(),
            choices: Vec::new(),
            question: None,
        };
        let s = changed(PauseFlag::default().apply(
            &StateEvent::BotReplies {
                key: "reply-1",
                pending: PendingChange::Set(p.clone()),
            },
            now(),
        ));
        assert_eq!(s.pending_confirmation, Some(p));
        let s2 = changed(s.apply(
            &StateEvent::BotReplies {
                key: "reply-2",
                pending: PendingChange::Clear,
            },
            now(),
        ));
        assert_eq!(s2.pending_confirmation, None);
        let s3 = changed(s.apply(
            &StateEvent::Escalated {
                escalation_id: "e",
                until: now(),
                notice_key: "handoff-e",
            },
            now(),
        ));
        assert_eq!(s3.pending_confirmation, None);
    }

    #[test]
    fn an_escalation_is_opened_once_and_never_over_another_pause() {
        let s = escalated("e1");
        let again = StateEvent::Escalated {
            escalation_id: "e1",
            until: now() + Duration::hours(24),
            notice_key: "handoff-e1",
        };
        assert_eq!(
            s.apply(&again, now()),
            Transition::Refused(Refusal::AlreadyOpen)
        );
        let other = StateEvent::Escalated {
            escalation_id: "e2",
            until: now() + Duration::hours(24),
            notice_key: "handoff-e2",
        };
        assert_eq!(s.apply(&other, now()), Transition::Refused(Refusal::Paused));
        // Once the pause ran out, a new escalation may open.
        let later = now() + Duration::hours(25);
        let s2 = changed(s.apply(&other, later));
        assert_eq!(s2.escalation_id.as_deref(), Some("e2"));
    }

    #[test]
    fn a_resume_ends_only_its_own_escalation() {
        let s = escalated("e2");
        assert_eq!(
            s.apply(
                &StateEvent::Resumed {
                    escalation_id: "e1",
                    notice_key: None
                },
                now()
            ),
            Transition::Refused(Refusal::OtherPause {
                escalation_id: Some("e2".into())
            })
        );
        let resumed = changed(s.apply(
            &StateEvent::Resumed {
                escalation_id: "e2",
                notice_key: Some("resumed-e2"),
            },
            now(),
        ));
        assert_eq!(resumed.status, PauseStatus::Active);
        assert!(resumed.reservation("resumed-e2").is_some());
        assert_eq!(
            resumed.apply(
                &StateEvent::Resumed {
                    escalation_id: "e2",
                    notice_key: None
                },
                now()
            ),
            Transition::Refused(Refusal::NotPaused)
        );
    }

    #[test]
    fn a_hand_back_ends_only_a_pause_no_escalation_owns() {
        assert_eq!(
            escalated("e1").apply(&StateEvent::PersonHandedBack, now()),
            Transition::Refused(Refusal::OtherPause {
                escalation_id: Some("e1".into())
            })
        );
        let person = changed(PauseFlag::default().apply(
            &StateEvent::PersonActed {
                at_ms: now().timestamp_millis(),
                until: now() + Duration::hours(1),
            },
            now(),
        ));
        let back = changed(person.apply(&StateEvent::PersonHandedBack, now()));
        assert_eq!(back.status, PauseStatus::Active);
        assert_eq!(
            back.apply(&StateEvent::PersonHandedBack, now()),
            Transition::Refused(Refusal::NotPaused)
        );
    }

    #[test]
    fn a_person_act_older_than_the_last_hand_back_pauses_nothing() {
        let s = escalated("e1");
        let resumed_at = now() + Duration::minutes(10);
        let s = changed(s.apply(
            &StateEvent::Resumed {
                escalation_id: "e1",
                notice_key: None,
            },
            resumed_at,
        ));
        let late_echo = StateEvent::PersonActed {
            at_ms: (now() + Duration::minutes(5)).timestamp_millis(),
            until: resumed_at + Duration::hours(24),
        };
        assert_eq!(
            s.apply(&late_echo, resumed_at + Duration::seconds(1)),
            Transition::Refused(Refusal::OlderThanResume)
        );
        let new_reply = StateEvent::PersonActed {
            at_ms: (resumed_at + Duration::minutes(1)).timestamp_millis(),
            until: resumed_at + Duration::hours(24),
        };
        assert_eq!(
            changed(s.apply(&new_reply, resumed_at + Duration::minutes(1))).status,
            PauseStatus::Paused
        );
    }

    #[test]
    fn a_redelivered_act_does_not_pause_again_after_the_pause_ran_out() {
        let at = now();
        let act = StateEvent::PersonActed {
            at_ms: at.timestamp_millis(),
            until: at + Duration::hours(24),
        };
        let s = changed(PauseFlag::default().apply(&act, at));
        let redelivered = StateEvent::PersonActed {
            at_ms: at.timestamp_millis(),
            until: at + Duration::hours(49),
        };
        assert_eq!(
            s.apply(&redelivered, at + Duration::hours(25)),
            Transition::Refused(Refusal::AlreadyApplied)
        );
    }

    #[test]
    fn a_person_extends_their_pause_but_keeps_when_it_began() {
        let t1 = now();
        let act = |at: DateTime<Utc>| StateEvent::PersonActed {
            at_ms: at.timestamp_millis(),
            until: at + Duration::hours(1),
        };
        let s = changed(PauseFlag::default().apply(&act(t1), t1));
        let t2 = t1 + Duration::minutes(30);
        let s = changed(s.apply(&act(t2), t2));
        assert_eq!(s.paused_at, Some(t1));
        assert_eq!(s.paused_until, Some(t2 + Duration::hours(1)));
        assert_eq!(s.last_human_at, Some(t2));
    }
}
