//! Conversations: their messages and their STATE (the pause flag).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{StoreError, Stored};
use crate::conversation::ConversationKey;
use crate::message::Message;
use crate::state::PauseFlag;

/// The STATE item and the latest messages, oldest first.
#[derive(Clone, Debug, Default)]
pub struct ConversationSnapshot {
    pub state: PauseFlag,
    pub messages: Vec<Message>,
}

/// How the delivery of one of the bot's sends was recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Meta took it (its message id; empty when Meta could not reach the customer but a person
    /// was told another way).
    Sent(String),
    /// Meta refused it.
    Failed,
}

/// Conversations: their messages and their STATE. STATE changes only through `save_state`,
/// conditional on the version read, so a reply can never be sent past a pause.
#[async_trait]
pub trait Conversations: Send + Sync {
    /// Stores a customer message or activity record; a redelivery is a no-op.
    async fn record_message(&self, message: &Message) -> Result<Stored, StoreError>;
    /// STATE and the `limit` newest messages.
    async fn load_conversation(
        &self,
        key: &ConversationKey,
        limit: usize,
    ) -> Result<ConversationSnapshot, StoreError>;
    /// The `limit` newest messages up to and including `through` (by time, then mid), oldest
    /// first: what a message is decided on, however many arrived after it.
    async fn messages_through(
        &self,
        key: &ConversationKey,
        through: &Message,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError>;
    async fn get_state(&self, key: &ConversationKey) -> Result<PauseFlag, StoreError>;
    /// Writes `next` as STATE on condition that STATE is still at `read_version` (0: absent).
    /// `false` when another writer got there first: read again and re-apply.
    async fn save_state(
        &self,
        key: &ConversationKey,
        next: &PauseFlag,
        read_version: u64,
    ) -> Result<bool, StoreError>;
    /// Stores one of the bot's sends with how it went (after the send; its reservation is in STATE).
    async fn record_send(&self, sent: &Message, delivery: &Delivery) -> Result<(), StoreError>;
    /// Meta echoed our send `sent_key` back as `sent_mid`: proof it reached the customer, kept
    /// for a redelivery that finds the send reserved but never recorded (its attempt died).
    async fn confirm_send(
        &self,
        key: &ConversationKey,
        sent_key: &str,
        sent_mid: &str,
    ) -> Result<(), StoreError>;
    /// How a send went: its record, else Meta's echo of it.
    async fn send_delivery(&self, sent: &Message) -> Result<Option<Delivery>, StoreError>;
    /// Whether `mid` is one of our own recent sends to this customer: a recorded send whose Graph
    /// message id is `mid`, or a send reserved in the last minute whose id is not back yet (the
    /// echo can overtake the send's response).
    async fn is_own_send(
        &self,
        key: &ConversationKey,
        mid: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}
