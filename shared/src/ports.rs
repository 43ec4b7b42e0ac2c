//! The small capabilities the use cases need. Adapters in `store`, `notify` and `graph` implement
//! them against DynamoDB, SNS and the Graph API.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::conversation::ConversationKey;
use crate::escalation::{Escalation, HandoffMessage, HumanLabel, ResumedBy};
use crate::graph::GraphError;
use crate::message::Message;
use crate::state::PauseFlag;
use crate::store::StoreError;

/// Whether a conditional write found its item new.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    New,
    /// Already there: a redelivery, nothing changed.
    Duplicate,
}

/// The STATE item and the latest messages, oldest first.
#[derive(Clone, Debug, Default)]
pub struct ConversationSnapshot {
    pub state: PauseFlag,
    pub messages: Vec<Message>,
}

/// Result of reserving a bot reply before sending it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyReservation {
    /// Reserved: send it now.
    Reserved,
    /// This reply was already sent (a redelivered stream record).
    AlreadySent,
    /// The conversation changed since it was read (paused, or another reply): send nothing.
    StateChanged,
    /// An earlier attempt reserved this reply and died before recording the send: nobody knows
    /// whether the customer got it, so a person looks (never skipped, never sent twice).
    Stale,
}

/// What a reply changes on STATE, in the same write that reserves it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplyEffects {
    /// The pause ran out: set the customer active again.
    pub clear_expired_pause: bool,
    pub pending: PendingChange,
}

/// The confirm flow's proposal in STATE.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum PendingChange {
    #[default]
    Keep,
    Set(crate::state::PendingConfirmation),
    Clear,
}

impl ReplyEffects {
    pub fn touches_state(&self) -> bool {
        self.clear_expired_pause || self.pending != PendingChange::Keep
    }
}

/// Result of opening an escalation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EscalationOpening {
    Opened,
    /// The same escalation was opened before (redelivery): carry on with its remaining steps.
    AlreadyOpen,
    /// Someone paused the customer meanwhile: nothing done.
    StateChanged,
}

/// Result of claiming an escalation's notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationClaim {
    Claimed,
    AlreadyNotified,
    /// Another delivery holds the claim right now; try again later.
    Busy,
}

/// Result of a resume attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum ResumeResult {
    Resumed,
    AlreadyResumed {
        at: DateTime<Utc>,
        by: Option<ResumedBy>,
    },
    /// A newer escalation holds the customer.
    Superseded {
        current: Option<String>,
    },
    NotFound,
}

/// A resume request.
#[derive(Clone, Debug)]
pub struct ResumeRequest<'a> {
    pub conversation: &'a ConversationKey,
    pub escalation_id: &'a str,
    pub by: ResumedBy,
    /// What the person said (empty for automatic and inbox resumes).
    pub label: &'a HumanLabel,
    pub now: DateTime<Utc>,
}

/// Conversations, pause flags and escalations. Only STATE changes made through these methods are
/// conditional on the version read, so a reply can never be sent past a pause.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Stores a customer message or activity record; a redelivery is a no-op.
    async fn record_message(&self, message: &Message) -> Result<Stored, StoreError>;
    /// Stores a sign of a person at work (their message or a routing change) and pauses the
    /// customer until `pause_until`, or extends the pause, in one transaction.
    async fn record_human_activity(
        &self,
        record: &Message,
        pause_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Stored, StoreError>;
    /// STATE and the `limit` newest messages.
    async fn load_conversation(
        &self,
        key: &ConversationKey,
        limit: usize,
    ) -> Result<ConversationSnapshot, StoreError>;
    /// Stores a bot reply on condition that STATE is still at `state_version` and the reply is
    /// new (or its earlier send failed). When `clear_expired_pause` the same write sets STATE active.
    async fn reserve_reply(
        &self,
        reply: &Message,
        state_version: u64,
        effects: &ReplyEffects,
    ) -> Result<ReplyReservation, StoreError>;
    /// Records the outcome of sending a reserved reply.
    async fn finish_reply(&self, reply: &Message, sent_mid: Option<&str>)
        -> Result<(), StoreError>;
    /// Reserves a notice the bot must send whatever the pause (the handoff message): true when it
    /// is new or its earlier send failed, so the caller sends it now.
    async fn reserve_notice(&self, notice: &Message) -> Result<bool, StoreError>;
    /// Pauses the customer and stores the escalation, in one transaction conditional on STATE
    /// still being at `state_version`.
    async fn open_escalation(
        &self,
        escalation: &Escalation,
        state_version: u64,
    ) -> Result<EscalationOpening, StoreError>;
    async fn get_escalation(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
    ) -> Result<Option<Escalation>, StoreError>;
    async fn get_state(&self, key: &ConversationKey) -> Result<PauseFlag, StoreError>;
    /// Claims the right to publish this escalation's notification for `lease`.
    async fn claim_notification(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<NotificationClaim, StoreError>;
    async fn mark_notified(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn release_notification(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
    ) -> Result<(), StoreError>;
    /// Sets STATE active and records the resume on the escalation, on condition that the pause
    /// still belongs to it.
    async fn resume(&self, request: ResumeRequest<'_>) -> Result<ResumeResult, StoreError>;
    /// Ends a pause that no escalation owns (a person replied in the inbox, then handed the
    /// thread back): STATE active, on condition it is still such a pause. `false` when it was not.
    async fn end_human_pause(
        &self,
        key: &ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Whether `mid` is one of our own recent sends to this customer: a sent reply whose Graph
    /// message id is `mid`, or a reply reserved in the last minute whose id is not back yet (the
    /// echo can overtake the send's response).
    async fn is_own_send(
        &self,
        key: &ConversationKey,
        mid: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Every escalation created in `[since, until)`, oldest first, through the by-time index (never
    /// a table scan), optionally of one reason; `progress` hears the running count after each page.
    async fn escalations_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        reason: Option<&str>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<Escalation>, StoreError>;
    /// Counts one answer on its day (for the report's answered-vs-escalated share).
    async fn count_answer(&self, day: chrono::NaiveDate) -> Result<(), StoreError>;
    /// Answers per day in `[from, to]`.
    async fn answers_per_day(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, u64)>, StoreError>;
    /// Escalations created since `since` that are not resumed (through the by-time index).
    async fn open_escalations(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Escalation>, StoreError>;
    /// Claims the single reminder of an escalation: true when this caller should publish it.
    async fn claim_reminder(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Gives the reminder claim back after a failed publish.
    async fn release_reminder(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
    ) -> Result<(), StoreError>;
}

/// Sends to the team (SNS).
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn publish(&self, message: &HandoffMessage)
        -> Result<String, crate::notify::NotifyError>;
}

/// A button under a bot message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuickReplyButton {
    pub title: String,
    pub payload: String,
}

/// Talks to the customer through Meta's Graph API.
#[async_trait]
pub trait Messenger: Send + Sync {
    /// Sends text; returns Meta's message id.
    async fn send_text(
        &self,
        to: &ConversationKey,
        text: &str,
        quick_replies: &[QuickReplyButton],
        metadata: &str,
    ) -> Result<String, GraphError>;
    async fn pass_thread_control(
        &self,
        to: &ConversationKey,
        target_app_id: &str,
        metadata: &str,
    ) -> Result<(), GraphError>;
    async fn take_thread_control(
        &self,
        to: &ConversationKey,
        metadata: &str,
    ) -> Result<(), GraphError>;
    /// The customer's name from the user profile, when the page token allows it.
    async fn profile_name(&self, who: &ConversationKey) -> Result<Option<String>, GraphError>;
}

/// What an answer engine proposes.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineAnswer {
    pub answer: String,
    pub confidence: f64,
    pub intent: String,
    pub needs_human: bool,
    /// The knowledge entry the answer comes from.
    pub entry: Option<String>,
}

/// Phrases an answer from the top knowledge entries (the optional LLM engine).
#[async_trait]
pub trait AnswerEngine: Send + Sync {
    async fn answer(
        &self,
        question: &str,
        entries: &[&crate::policy::KnowledgeEntry],
    ) -> Result<EngineAnswer, crate::llm::EngineError>;

    /// Summarises a conversation for the handoff (what the customer wants, what happened), from
    /// the transcript alone.
    async fn summarize(
        &self,
        transcript: &[crate::escalation::TranscriptLine],
    ) -> Result<String, crate::llm::EngineError>;
}
