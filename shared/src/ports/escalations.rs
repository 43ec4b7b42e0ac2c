//! Escalations: the handoff records, their one-off jobs and the resumes with their labels.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::conversation::ConversationKey;
use crate::escalation::{Escalation, HumanLabel, ResumedBy};
use crate::message::Message;
use crate::state::PauseFlag;

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
