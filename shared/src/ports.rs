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

/// How the delivery of one of the bot's sends was recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Meta took it (its message id; empty when Meta could not reach the customer but a person
    /// was told another way).
    Sent(String),
    /// Meta refused it.
    Failed,
}

/// Result of opening an escalation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscalationOpening {
    Opened,
    /// STATE moved on since it was read: read again and re-apply.
    StateChanged,
}

/// Which of an escalation's one-off jobs a claim is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscalationJob {
    /// The handoff published to the team.
    Notice,
    /// The single reminder when nobody picked the customer up.
    Reminder,
}

/// Result of claiming an escalation's job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobClaim {
    Claimed,
    /// Done before (or the escalation is gone, or resumed before a reminder was due).
    AlreadyDone,
    /// Another delivery holds the lease right now; try again later.
    Busy,
}

/// Result of recording a resume on the escalation.
#[derive(Clone, Debug, PartialEq)]
pub enum ResumeRecord {
    Recorded,
    AlreadyResumed {
        at: DateTime<Utc>,
        by: Option<ResumedBy>,
    },
    NotFound,
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

/// Escalations: the handoff records, their one-off jobs and their human labels.
#[async_trait]
pub trait Escalations: Send + Sync {
    /// Stores a new escalation together with the STATE that pauses the customer for it (the
    /// result of `StateEvent::Escalated`), in one write conditional on STATE still being at
    /// `read_version`: the customer is never paused without an escalation, nor the reverse.
    /// The same write records the customer's handoff notice (`notice`, sent after it) and gives
    /// the opener the team notice's job until `notice_lease_until`, so the one who opened it
    /// publishes it without claiming it first.
    async fn open_escalation(
        &self,
        escalation: &Escalation,
        paused: &PauseFlag,
        read_version: u64,
        notice: &Message,
        notice_lease_until: DateTime<Utc>,
    ) -> Result<EscalationOpening, StoreError>;
    async fn get_escalation(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
    ) -> Result<Option<Escalation>, StoreError>;
    /// Claims `job` for `lease`: one caller at a time, and none once it is done.
    async fn claim_job(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        job: EscalationJob,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<JobClaim, StoreError>;
    /// Marks a claimed job done (notified, reminded).
    async fn finish_job(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        job: EscalationJob,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Marks the team notice done and records that the customer was told (`customer_notice_mid`,
    /// Meta's id of the notice, empty when Meta could not deliver it): the opener's last write.
    async fn finish_opening(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        now: DateTime<Utc>,
        customer_notice_mid: &str,
    ) -> Result<(), StoreError>;
    /// Gives a claim back after a failure, so the next delivery retries at once.
    async fn release_job(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        job: EscalationJob,
    ) -> Result<(), StoreError>;
    /// Records who resumed the escalation and what they said, once.
    async fn record_resume(&self, request: ResumeRequest<'_>) -> Result<ResumeRecord, StoreError>;
    /// Every escalation created in `[since, until)`, oldest first, through the by-time index (never
    /// a table scan), optionally of one reason; `progress` hears the running count after each page.
    async fn escalations_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        reason: Option<&str>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<Escalation>, StoreError>;
    /// Escalations created since `since` that are not resumed (through the by-time index).
    async fn open_escalations(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Escalation>, StoreError>;
    /// Where the last sweep says the next should start reading (no escalation created earlier
    /// is still open), if a sweep ran.
    async fn sweep_cursor(&self) -> Result<Option<DateTime<Utc>>, StoreError>;
    async fn save_sweep_cursor(&self, from: DateTime<Utc>) -> Result<(), StoreError>;
}

/// Daily counters for the report.
#[async_trait]
pub trait Stats: Send + Sync {
    /// Counts one answer on its day (for the report's answered-vs-escalated share).
    async fn count_answer(&self, day: chrono::NaiveDate) -> Result<(), StoreError>;
    /// Answers per day in `[from, to]`.
    async fn answers_per_day(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, u64)>, StoreError>;
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

/// All three stores in one adapter (DynamoDB keeps them in one table; memory in one map).
pub trait Store: Conversations + Escalations + Stats {}
impl<T: Conversations + Escalations + Stats> Store for T {}

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
