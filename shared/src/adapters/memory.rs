//! The stores in memory, for the use cases' fast tests and for trying the flows without AWS. Same
//! contracts as the DynamoDB adapter (conditional STATE writes, once-only records, leases), which
//! its own tests check against the local endpoint.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::conversation::ConversationKey;
use crate::escalation::Escalation;
use crate::message::Message;
use crate::ports::StoreError;
use crate::ports::*;
use crate::state::PauseFlag;

#[derive(Default)]
struct Conversation {
    state: PauseFlag,
    /// By sort key, so they read in order.
    messages: BTreeMap<String, (Message, Option<Delivery>)>,
    /// Meta's echoes of our sends: send key → its message id.
    echoed: HashMap<String, String>,
}

#[derive(Clone)]
struct Leases {
    notice: Option<DateTime<Utc>>,
    reminder: Option<DateTime<Utc>>,
}

#[derive(Default)]
struct Tables {
    conversations: HashMap<ConversationKey, Conversation>,
    escalations: BTreeMap<(i64, String), (Escalation, Leases)>,
    answers: BTreeMap<NaiveDate, u64>,
    sweep_cursor: Option<DateTime<Utc>>,
}

/// `Conversations`, `Escalations` and `Stats` in one mutex-guarded map.
#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Tables) -> T) -> T {
        f(&mut self.tables.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Every message stored for a conversation, oldest first, with the delivery of the bot's sends.
    pub fn messages(&self, key: &ConversationKey) -> Vec<(Message, Option<Delivery>)> {
        self.with(|t| {
            t.conversations
                .get(key)
                .map(|c| c.messages.values().cloned().collect())
                .unwrap_or_default()
        })
    }
}

fn escalation_key(e: &Escalation) -> (i64, String) {
    (e.created_at.timestamp_millis(), e.escalation_id.clone())
}

fn find<'a>(
    t: &'a mut Tables,
    key: &ConversationKey,
    escalation_id: &str,
) -> Option<&'a mut (Escalation, Leases)> {
    t.escalations
        .values_mut()
        .find(|(e, _)| e.escalation_id == escalation_id && &e.conversation == key)
}

#[async_trait]
impl Conversations for MemoryStore {
    async fn record_message(&self, message: &Message) -> Result<Stored, StoreError> {
        Ok(self.with(|t| {
            let c = t
                .conversations
                .entry(message.conversation.clone())
                .or_default();
            let sk = message.sort_key();
            match c.messages.entry(sk) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert((message.clone(), None));
                    Stored::New
                }
                std::collections::btree_map::Entry::Occupied(_) => Stored::Duplicate,
            }
        }))
    }

    async fn load_conversation(
        &self,
        key: &ConversationKey,
        limit: usize,
    ) -> Result<ConversationSnapshot, StoreError> {
        Ok(self.with(|t| match t.conversations.get(key) {
            Some(c) => {
                let skip = c.messages.len().saturating_sub(limit);
                ConversationSnapshot {
                    state: c.state.clone(),
                    messages: c
                        .messages
                        .values()
                        .skip(skip)
                        .map(|(m, _)| m.clone())
                        .collect(),
                }
            }
            None => ConversationSnapshot::default(),
        }))
    }

    async fn messages_through(
        &self,
        key: &ConversationKey,
        through: &Message,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let through = through.sort_key();
        Ok(self.with(|t| match t.conversations.get(key) {
            Some(c) => {
                let mut messages: Vec<Message> = c
                    .messages
                    .range(..=through)
                    .rev()
                    .take(limit)
                    .map(|(_, (m, _))| m.clone())
                    .collect();
                messages.reverse();
                messages
            }
            None => Vec::new(),
        }))
    }

    async fn get_state(&self, key: &ConversationKey) -> Result<PauseFlag, StoreError> {
        Ok(self.with(|t| {
            t.conversations
                .get(key)
                .map(|c| c.state.clone())
                .unwrap_or_default()
        }))
    }

    async fn save_state(
        &self,
        key: &ConversationKey,
        next: &PauseFlag,
        read_version: u64,
    ) -> Result<bool, StoreError> {
        Ok(self.with(|t| {
            let c = t.conversations.entry(key.clone()).or_default();
            if c.state.version != read_version {
                return false;
            }
            c.state = next.clone();
            true
        }))
    }

    async fn record_send(&self, sent: &Message, delivery: &Delivery) -> Result<(), StoreError> {
        self.with(|t| {
            t.conversations
                .entry(sent.conversation.clone())
                .or_default()
                .messages
                .insert(sent.sort_key(), (sent.clone(), Some(delivery.clone())));
        });
        Ok(())
    }

    async fn confirm_send(
        &self,
        key: &ConversationKey,
        sent_key: &str,
        sent_mid: &str,
    ) -> Result<(), StoreError> {
        self.with(|t| {
            t.conversations
                .entry(key.clone())
                .or_default()
                .echoed
                .insert(sent_key.to_string(), sent_mid.to_string());
        });
        Ok(())
    }

    async fn send_delivery(&self, sent: &Message) -> Result<Option<Delivery>, StoreError> {
        Ok(self.with(|t| {
            let c = t.conversations.get(&sent.conversation)?;
            c.messages
                .get(&sent.sort_key())
                .and_then(|(_, d)| d.clone())
                .or_else(|| c.echoed.get(&sent.mid).cloned().map(Delivery::Sent))
        }))
    }

    async fn is_own_send(
        &self,
        key: &ConversationKey,
        mid: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self.with(|t| {
            let Some(c) = t.conversations.get(key) else {
                return false;
            };
            c.messages
                .values()
                .any(|(_, d)| matches!(d, Some(Delivery::Sent(s)) if s == mid))
                || c.state.sends.iter().any(|r| {
                    r.at_ms >= now.timestamp_millis() - 60_000
                        && !c
                            .messages
                            .values()
                            .any(|(m, _)| crate::state::send_digest(&m.mid) == r.key)
                })
        }))
    }
}

#[async_trait]
impl Escalations for MemoryStore {
    async fn open_escalation(
        &self,
        escalation: &Escalation,
        paused: &PauseFlag,
        read_version: u64,
        notice: &Message,
        notice_lease_until: DateTime<Utc>,
    ) -> Result<EscalationOpening, StoreError> {
        Ok(self.with(|t| {
            let exists = t
                .escalations
                .values()
                .any(|(e, _)| e.escalation_id == escalation.escalation_id);
            let c = t
                .conversations
                .entry(escalation.conversation.clone())
                .or_default();
            if c.state.version != read_version || exists {
                return EscalationOpening::StateChanged;
            }
            c.state = paused.clone();
            c.messages.insert(notice.sort_key(), (notice.clone(), None));
            t.escalations.insert(
                escalation_key(escalation),
                (
                    escalation.clone(),
                    Leases {
                        notice: Some(notice_lease_until),
                        reminder: None,
                    },
                ),
            );
            EscalationOpening::Opened
        }))
    }

    async fn get_escalation(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
    ) -> Result<Option<Escalation>, StoreError> {
        Ok(self.with(|t| find(t, key, escalation_id).map(|(e, _)| e.clone())))
    }

    async fn claim_job(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        job: EscalationJob,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<JobClaim, StoreError> {
        Ok(self.with(|t| {
            let Some((e, leases)) = find(t, key, escalation_id) else {
                return JobClaim::AlreadyDone;
            };
            let (done, held) = match job {
                EscalationJob::Notice => (e.notified_at.is_some(), &mut leases.notice),
                EscalationJob::Reminder => (
                    e.reminded_at.is_some() || e.resumed_at.is_some(),
                    &mut leases.reminder,
                ),
            };
            if done {
                JobClaim::AlreadyDone
            } else if held.is_some_and(|until| until >= now) {
                JobClaim::Busy
            } else {
                *held = Some(now + lease);
                JobClaim::Claimed
            }
        }))
    }

    async fn finish_job(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        job: EscalationJob,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with(|t| {
            if let Some((e, leases)) = find(t, key, escalation_id) {
                match job {
                    EscalationJob::Notice => {
                        e.notified_at = Some(now);
                        leases.notice = None;
                    }
                    EscalationJob::Reminder => {
                        e.reminded_at = Some(now);
                        leases.reminder = None;
                    }
                }
            }
        });
        Ok(())
    }

    async fn sweep_cursor(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.with(|t| t.sweep_cursor))
    }

    async fn save_sweep_cursor(&self, from: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(|t| t.sweep_cursor = Some(from));
        Ok(())
    }

    async fn finish_opening(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        now: DateTime<Utc>,
        customer_notice_mid: &str,
    ) -> Result<(), StoreError> {
        self.with(|t| {
            if let Some((e, leases)) = find(t, key, escalation_id) {
                e.notified_at = Some(now);
                e.customer_notice_mid = Some(customer_notice_mid.to_string());
                leases.notice = None;
            }
        });
        Ok(())
    }

    async fn release_job(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        job: EscalationJob,
    ) -> Result<(), StoreError> {
        self.with(|t| {
            if let Some((_, leases)) = find(t, key, escalation_id) {
                match job {
                    EscalationJob::Notice => leases.notice = None,
                    EscalationJob::Reminder => leases.reminder = None,
                }
            }
        });
        Ok(())
    }

    async fn record_resume(&self, r: ResumeRequest<'_>) -> Result<ResumeRecord, StoreError> {
        Ok(self.with(|t| {
            let Some((e, _)) = find(t, r.conversation, r.escalation_id) else {
                return ResumeRecord::NotFound;
            };
            if let Some(at) = e.resumed_at {
                return ResumeRecord::AlreadyResumed {
                    at,
                    by: e.resumed_by,
                };
            }
            e.resumed_at = Some(r.now);
            e.resumed_by = Some(r.by);
            e.outcome = r.label.outcome;
            e.note = r.label.note.clone().filter(|n| !n.trim().is_empty());
            e.answer_entry = r.label.entry.clone();
            e.earlier_answers = r.label.earlier_answers;
            e.labelled_by = r.label.by.clone().filter(|b| !b.trim().is_empty());
            e.one_click = r.label.one_click.clone();
            ResumeRecord::Recorded
        }))
    }

    async fn escalations_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        reason: Option<&str>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<Escalation>, StoreError> {
        let out: Vec<Escalation> = self.with(|t| {
            t.escalations
                .values()
                .map(|(e, _)| e)
                .filter(|e| e.created_at >= since && e.created_at <= until)
                .filter(|e| reason.is_none_or(|r| e.reason.as_str() == r))
                .cloned()
                .collect()
        });
        progress(out.len());
        Ok(out)
    }

    async fn open_escalations(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Escalation>, StoreError> {
        let all = self
            .escalations_between(since, now, None, &mut |_| {})
            .await?;
        Ok(all.into_iter().filter(|e| e.resumed_at.is_none()).collect())
    }
}

#[async_trait]
impl Stats for MemoryStore {
    async fn count_answer(&self, day: NaiveDate) -> Result<(), StoreError> {
        self.with(|t| *t.answers.entry(day).or_default() += 1);
        Ok(())
    }

    async fn answers_per_day(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, u64)>, StoreError> {
        Ok(self.with(|t| t.answers.range(from..=to).map(|(d, n)| (*d, *n)).collect()))
    }
}
