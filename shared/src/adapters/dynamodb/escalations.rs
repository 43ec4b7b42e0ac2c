//! `Escalations`: the `E#…` items, their by-time index and their one-off jobs.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use chrono::{DateTime, Duration, Utc};

use super::{
    aws, build, from_item, n, s, state_unchanged, to_attr, to_item, update_condition_failed,
    DynamoStore,
};
use crate::adapters::dynamodb::items::{expiry, time_attr, EscalationItem, MessageItem, StateItem};
use crate::conversation::ConversationKey;
use crate::escalation::{escalation_sort_key, Escalation};
use crate::message::Message;
use crate::ports::StoreError;
use crate::ports::{
    EscalationJob, EscalationOpening, Escalations, JobClaim, ResumeRecord, ResumeRequest,
};
use crate::state::PauseFlag;

/// The sweep's one item: where the next sweep starts reading escalations.
const SWEEP_PK: &str = "SWEEP";
const SWEEP_SK: &str = "CURSOR";

/// The attributes of a job: its lease and its done mark.
fn job_attributes(job: EscalationJob) -> (&'static str, &'static str) {
    match job {
        EscalationJob::Notice => ("notify_lease_until", "notified_at"),
        EscalationJob::Reminder => ("remind_lease_until", "reminded_at"),
    }
}

impl DynamoStore {
    /// Whether `escalation`'s record was written by the opening with `token`.
    async fn opened_with(&self, escalation: &Escalation, token: &str) -> Result<bool, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::escalation_key(
                &escalation.conversation,
                &escalation.escalation_id,
            )))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws)?;
        Ok(match out.item {
            Some(item) => from_item::<EscalationItem>(item)?.open_token.as_deref() == Some(token),
            None => false,
        })
    }

    /// Marks `job` done and gives up its lease; with `customer_notice_mid`, records in the same
    /// write that the customer was told.
    async fn mark_job_done(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        job: EscalationJob,
        now: DateTime<Utc>,
        customer_notice_mid: Option<&str>,
    ) -> Result<(), StoreError> {
        let (lease_attr, done_attr) = job_attributes(job);
        let told = if customer_notice_mid.is_some() {
            ", customer_notice_mid = :mid"
        } else {
            ""
        };
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::escalation_key(key, escalation_id)))
            .update_expression(format!("SET {done_attr} = :now{told} REMOVE {lease_attr}"))
            .expression_attribute_values(":now", s(time_attr(now)));
        if let Some(mid) = customer_notice_mid {
            update = update.expression_attribute_values(":mid", s(mid));
        }
        update.send().await.map_err(aws)?;
        Ok(())
    }

    fn escalation_key(key: &ConversationKey, escalation_id: &str) -> super::Item {
        Self::key(key.partition_key(), escalation_sort_key(escalation_id))
    }
}

#[async_trait]
impl Escalations for DynamoStore {
    async fn open_escalation(
        &self,
        escalation: &Escalation,
        paused: &PauseFlag,
        read_version: u64,
        notice: &Message,
        notice_lease_until: DateTime<Utc>,
    ) -> Result<EscalationOpening, StoreError> {
        let (condition, version) = state_unchanged(read_version);
        let mut state_item = StateItem::new(&escalation.conversation, paused);
        state_item.expires_at = Some(expiry(0, self.retention.state_days));
        let mut record_item = EscalationItem::new(escalation);
        record_item.expires_at = Some(expiry(
            escalation.created_at.timestamp_millis(),
            self.retention.escalation_days,
        ));
        record_item.notify_lease_until = Some(notice_lease_until.timestamp_millis());
        let token = uuid::Uuid::new_v4().to_string();
        record_item.open_token = Some(token.clone());
        let mut notice_item = MessageItem::from_message(notice);
        notice_item.expires_at = expiry(notice.timestamp_ms, self.retention.message_days);
        let notice = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&notice_item)?));
        let mut state = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&state_item)?))
            .condition_expression(condition);
        if let Some(v) = version {
            state = state.expression_attribute_values(":v", v);
        }
        let record = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&record_item)?))
            .condition_expression("attribute_not_exists(pk)");
        let result = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(build(state.build())?)
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .put(build(record.build())?)
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .put(build(notice.build())?)
                    .build(),
            )
            // Idempotent across the SDK's own retries: an attempt that timed out after committing
            // must not come back as a condition failure.
            .client_request_token(token.clone())
            .send()
            .await;
        match result {
            Ok(_) => Ok(EscalationOpening::Opened),
            Err(e) => match e.as_service_error() {
                // The state moved on, or the record exists (then STATE moved on with it): the
                // caller reads again and the state machine says which.
                Some(TransactWriteItemsError::TransactionCanceledException(c))
                    if c.cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    // Unless the record is this very opening's: an attempt committed, its answer
                    // was lost, and the retry (where the token is not honoured) found its work.
                    if self.opened_with(escalation, &token).await? {
                        return Ok(EscalationOpening::Opened);
                    }
                    Ok(EscalationOpening::StateChanged)
                }
                _ => Err(aws(e)),
            },
        }
    }

    async fn get_escalation(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
    ) -> Result<Option<Escalation>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::escalation_key(key, escalation_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws)?;
        match out.item {
            Some(item) => Ok(Some(from_item::<EscalationItem>(item)?.escalation)),
            None => Ok(None),
        }
    }

    async fn claim_job(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        job: EscalationJob,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<JobClaim, StoreError> {
        let (lease_attr, done_attr) = job_attributes(job);
        let mut condition = format!(
            "attribute_exists(pk) AND attribute_not_exists({done_attr}) AND \
             (attribute_not_exists({lease_attr}) OR {lease_attr} < :now)"
        );
        if job == EscalationJob::Reminder {
            // Nobody is reminded of a customer already handed back.
            condition.push_str(" AND attribute_not_exists(resumed_at)");
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::escalation_key(key, escalation_id)))
            .update_expression(format!("SET {lease_attr} = :until"))
            .condition_expression(condition)
            .expression_attribute_values(":until", n((now + lease).timestamp_millis()))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(JobClaim::Claimed),
            Err(e) if update_condition_failed(&e) => {
                Ok(match self.get_escalation(key, escalation_id).await? {
                    Some(esc) => {
                        let done = match job {
                            EscalationJob::Notice => esc.notified_at.is_some(),
                            EscalationJob::Reminder => {
                                esc.reminded_at.is_some() || esc.resumed_at.is_some()
                            }
                        };
                        if done {
                            JobClaim::AlreadyDone
                        } else {
                            JobClaim::Busy
                        }
                    }
                    None => JobClaim::AlreadyDone,
                })
            }
            Err(e) => Err(aws(e)),
        }
    }

    async fn finish_job(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        job: EscalationJob,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.mark_job_done(key, escalation_id, job, now, None).await
    }

    async fn sweep_cursor(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(SWEEP_PK.to_string(), SWEEP_SK)))
            .send()
            .await
            .map_err(aws)?;
        Ok(out
            .item
            .and_then(|i| i.get("from_ms")?.as_n().ok()?.parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_millis))
    }

    async fn save_sweep_cursor(&self, from: DateTime<Utc>) -> Result<(), StoreError> {
        let mut item = Self::key(SWEEP_PK.to_string(), SWEEP_SK);
        item.insert("from_ms".into(), n(from.timestamp_millis()));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(aws)?;
        Ok(())
    }

    async fn finish_opening(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        now: DateTime<Utc>,
        customer_notice_mid: &str,
    ) -> Result<(), StoreError> {
        let notice = Some(customer_notice_mid);
        self.mark_job_done(key, escalation_id, EscalationJob::Notice, now, notice)
            .await
    }

    async fn release_job(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        job: EscalationJob,
    ) -> Result<(), StoreError> {
        let (lease_attr, _) = job_attributes(job);
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::escalation_key(key, escalation_id)))
            .update_expression(format!("REMOVE {lease_attr}"))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await
            .map_or_else(
                |e| {
                    if update_condition_failed(&e) {
                        Ok(())
                    } else {
                        Err(aws(e))
                    }
                },
                |_| Ok(()),
            )
    }

    async fn record_resume(&self, r: ResumeRequest<'_>) -> Result<ResumeRecord, StoreError> {
        let mut expr = String::from("SET resumed_at = :at, resumed_by = :by");
        let mut u = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::escalation_key(r.conversation, r.escalation_id)))
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(resumed_at)")
            .expression_attribute_values(":at", s(time_attr(r.now)))
            .expression_attribute_values(":by", to_attr(&r.by)?);
        if let Some(o) = r.label.outcome {
            expr.push_str(", outcome = :o");
            u = u.expression_attribute_values(":o", to_attr(&o)?);
        }
        if let Some(note) = r.label.note.as_deref().filter(|n| !n.trim().is_empty()) {
            expr.push_str(", note = :note");
            u = u.expression_attribute_values(":note", s(note));
        }
        if let Some(entry) = r.label.entry.as_deref() {
            expr.push_str(", answer_entry = :entry");
            u = u.expression_attribute_values(":entry", s(entry));
        }
        if let Some(v) = r.label.earlier_answers {
            expr.push_str(", earlier_answers = :earlier");
            u = u.expression_attribute_values(":earlier", s(v.as_str()));
        }
        if let Some(by) = r.label.by.as_deref().filter(|b| !b.trim().is_empty()) {
            expr.push_str(", labelled_by = :labelled_by");
            u = u.expression_attribute_values(":labelled_by", s(by));
        }
        if let Some(one_click) = &r.label.one_click {
            expr.push_str(", one_click = :one_click");
            u = u.expression_attribute_values(":one_click", to_attr(one_click)?);
        }
        match u.update_expression(expr).send().await {
            Ok(_) => Ok(ResumeRecord::Recorded),
            Err(e) if update_condition_failed(&e) => Ok(
                match self.get_escalation(r.conversation, r.escalation_id).await? {
                    Some(esc) => ResumeRecord::AlreadyResumed {
                        at: esc.resumed_at.unwrap_or(r.now),
                        by: esc.resumed_by,
                    },
                    None => ResumeRecord::NotFound,
                },
            ),
            Err(e) => Err(aws(e)),
        }
    }

    async fn escalations_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        reason: Option<&str>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<Escalation>, StoreError> {
        self.escalations_by_time(since, until, reason, false, progress)
            .await
    }

    async fn open_escalations(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Escalation>, StoreError> {
        self.escalations_by_time(since, now, None, true, &mut |_| {})
            .await
    }
}
