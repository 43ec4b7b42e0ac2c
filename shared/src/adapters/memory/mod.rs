//! The stores in memory, for the use cases' fast tests and for trying the flows without AWS. Same
//! contracts as the DynamoDB adapter (conditional STATE writes, once-only records, leases), which
//! its own tests check against the local endpoint.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::conversation::ConversationKey;
use crate::escalation::Escalation;
use crate::message::Message;
use crate::ports::StoreError;
use crate::ports::*;
use crate::state::PauseFlag;

mod escalations;

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
