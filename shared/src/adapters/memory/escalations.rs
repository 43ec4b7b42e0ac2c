//! `Escalations` in memory: the same contract as the DynamoDB adapter (tests/store.rs holds both
//! to it).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::conversation::ConversationKey;
use crate::escalation::Escalation;
use crate::message::Message;
use crate::ports::StoreError;
use crate::ports::*;
use crate::state::PauseFlag;

use super::{escalation_key, find, Leases, MemoryStore};

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
