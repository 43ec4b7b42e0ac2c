//! `ConversationStore` on DynamoDB: one table, conditional writes and transactions make every
//! step idempotent and keep the bot silent while a customer is paused.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Datelike, Duration, Utc};

use super::items::*;
use super::StoreError;
use crate::conversation::ConversationKey;
use crate::escalation::{escalation_sort_key, Escalation, ResumedBy};
use crate::message::Message;
use crate::ports::*;
use crate::state::{PauseFlag, PauseStatus};

/// The DynamoDB adapter. Cheap to clone.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn aws<E: std::error::Error + 'static, R: std::fmt::Debug>(e: SdkError<E, R>) -> StoreError {
    StoreError::Aws(DisplayErrorContext(e).to_string())
}

fn to_item<T: serde::Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Which transaction items failed their condition, if the transaction was cancelled for that.
fn cancelled_conditions(err: &SdkError<TransactWriteItemsError>) -> Option<Vec<bool>> {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => Some(
            e.cancellation_reasons()
                .iter()
                .map(|r| r.code() == Some("ConditionalCheckFailed"))
                .collect(),
        ),
        _ => None,
    }
}

fn is_condition_failure(err: &SdkError<UpdateItemError>) -> bool {
    matches!(
        err.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

/// A reply reservation older than this, found by a redelivery, belongs to a dead attempt.
const STALE_RESERVATION_MS: i64 = 5_000;

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn key(pk: String, sk: impl Into<String>) -> Item {
        HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
    }

    /// Condition that STATE is still what was read at `version` (0: it did not exist).
    fn state_unchanged(version: u64) -> (String, Option<AttributeValue>) {
        if version == 0 {
            ("attribute_not_exists(pk)".into(), None)
        } else {
            ("version = :v".into(), Some(n(version)))
        }
    }

    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<Option<Vec<bool>>, StoreError> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            // Idempotent across the SDK's own retries: an attempt that timed out after committing
            // must not come back as a condition failure ("already sent") and leave the reply unsent.
            .client_request_token(uuid::Uuid::new_v4().to_string())
            .send()
            .await
        {
            Ok(_) => Ok(None),
            Err(e) => match cancelled_conditions(&e) {
                Some(failed) if failed.iter().any(|f| *f) => Ok(Some(failed)),
                _ => Err(aws(e)),
            },
        }
    }

    /// Escalations created in `[since, until]` through the by-time index, one month partition
    /// after another (never a table scan); optionally of one reason, optionally only unresumed.
    async fn escalations_by_time(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        reason: Option<&str>,
        only_open: bool,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<Escalation>, StoreError> {
        let mut filters = Vec::new();
        if reason.is_some() {
            filters.push("reason = :r");
        }
        if only_open {
            filters.push("attribute_not_exists(resumed_at)");
        }
        let mut out = Vec::new();
        let mut month = since.date_naive().with_day(1).unwrap_or(since.date_naive());
        while month <= until.date_naive() {
            let mut start_key = None;
            loop {
                let mut q = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(ESCALATIONS_BY_TIME_INDEX)
                    .key_condition_expression("gsi1pk = :m AND gsi1sk BETWEEN :since AND :until")
                    .expression_attribute_values(":m", s(format!("ESC#{}", month.format("%Y-%m"))))
                    .expression_attribute_values(
                        ":since",
                        s(format!("{:013}", since.timestamp_millis())),
                    )
                    // "~" sorts after "#": every id of the last millisecond is included.
                    .expression_attribute_values(
                        ":until",
                        s(format!("{:013}~", until.timestamp_millis())),
                    )
                    .set_exclusive_start_key(start_key);
                if !filters.is_empty() {
                    q = q.filter_expression(filters.join(" AND "));
                }
                if let Some(r) = reason {
                    q = q.expression_attribute_values(":r", s(r));
                }
                let page = q.send().await.map_err(aws)?;
                for item in page.items.unwrap_or_default() {
                    out.push(from_item::<EscalationItem>(item)?.escalation);
                }
                progress(out.len());
                start_key = page.last_evaluated_key;
                if start_key.is_none() {
                    break;
                }
            }
            month = month
                .checked_add_months(chrono::Months::new(1))
                .ok_or_else(|| StoreError::Corrupt("month overflow".into()))?;
        }
        Ok(out)
    }

    /// Removes one attribute of an escalation item (giving a claim back).
    async fn remove_from_escalation(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        attribute: &str,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                key.partition_key(),
                escalation_sort_key(escalation_id),
            )))
            .update_expression(format!("REMOVE {attribute}"))
            .send()
            .await
            .map_err(aws)?;
        Ok(())
    }

    /// A conditional put: true when written, false when the condition failed (already there).
    async fn put_if(
        &self,
        item: Item,
        condition: &str,
        value: Option<(&str, AttributeValue)>,
    ) -> Result<bool, StoreError> {
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        if let Some((name, v)) = value {
            req = req.expression_attribute_values(name, v);
        }
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e) if matches!(
                e.as_service_error(),
                Some(aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(_))
            ) => Ok(false),
            Err(e) => Err(aws(e)),
        }
    }

    fn build<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, StoreError> {
        r.map_err(|e| StoreError::Corrupt(format!("request: {e}")))
    }
}

#[async_trait]
impl ConversationStore for DynamoStore {
    async fn record_message(&self, message: &Message) -> Result<Stored, StoreError> {
        let item = to_item(&MessageItem::from_message(message, None))?;
        let new = self.put_if(item, "attribute_not_exists(pk)", None).await?;
        Ok(if new { Stored::New } else { Stored::Duplicate })
    }

    async fn record_human_activity(
        &self,
        record: &Message,
        pause_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Stored, StoreError> {
        // The pause first, then the record: a redelivery after a failure between the two still
        // pauses (extending to the same bound), and the conditional put stays the dedupe. Not one
        // transaction on purpose: a duplicate would cancel it, and the pause must hold regardless.
        // An act older than the last resume (a redelivered or late echo) pauses nothing: the
        // person handed the customer back after it.
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                record.conversation.partition_key(),
                STATE_SK,
            )))
            .update_expression(
                "SET #status = :paused, paused_until = :until, last_human_at = :now, \
                 paused_at = if_not_exists(paused_at, :now), \
                 version = if_not_exists(version, :zero) + :one",
            )
            .condition_expression("attribute_not_exists(resumed_ms) OR resumed_ms < :event")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":paused", s("paused"))
            .expression_attribute_values(":until", s(time_attr(pause_until)))
            .expression_attribute_values(":now", s(time_attr(now)))
            .expression_attribute_values(":event", n(record.timestamp_ms))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(e) if is_condition_failure(&e) => {
                tracing::info!(conversation = %record.conversation, mid = %record.mid, "a person's act older than the last resume; not pausing again");
                self.record_message(record).await?;
                return Ok(Stored::Duplicate);
            }
            Err(e) => return Err(aws(e)),
        }
        self.record_message(record).await
    }

    async fn load_conversation(
        &self,
        key: &ConversationKey,
        limit: usize,
    ) -> Result<ConversationSnapshot, StoreError> {
        // Newest first: STATE sorts after every M# item, E# items before them.
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(key.partition_key()))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit((limit + 1) as i32)
            .send()
            .await
            .map_err(aws)?;
        let mut snapshot = ConversationSnapshot::default();
        for item in out.items.unwrap_or_default() {
            let sk = item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if sk == STATE_SK {
                snapshot.state = from_item::<StateItem>(item)?.into();
            } else if sk.starts_with("M#") {
                if let Some(m) = from_item::<MessageItem>(item)?.into_message() {
                    snapshot.messages.push(m);
                }
            }
        }
        snapshot.messages.reverse();
        Ok(snapshot)
    }

    async fn reserve_reply(
        &self,
        reply: &Message,
        state_version: u64,
        effects: &ReplyEffects,
    ) -> Result<ReplyReservation, StoreError> {
        let put = Self::build(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(&MessageItem::from_message(
                    reply,
                    Some(DELIVERY_RESERVED),
                ))?))
                .condition_expression("attribute_not_exists(pk) OR delivery = :failed")
                .expression_attribute_values(":failed", s(DELIVERY_FAILED))
                .build(),
        )?;
        let state_key = Self::key(reply.conversation.partition_key(), STATE_SK);
        let (cond, v) = Self::state_unchanged(state_version);
        let state_item = if effects.touches_state() {
            let mut set = vec!["version = if_not_exists(version, :zero) + :one".to_string()];
            let mut remove: Vec<&str> = Vec::new();
            let mut u = Update::builder()
                .table_name(&self.table)
                .set_key(Some(state_key))
                .condition_expression(cond)
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":one", n(1));
            if effects.clear_expired_pause {
                set.push("#status = :active".into());
                remove.extend(["escalation_id", "paused_at", "paused_until"]);
                u = u
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":active", s("active"));
            }
            match &effects.pending {
                PendingChange::Keep => {}
                PendingChange::Clear => remove.push("pending_confirmation"),
                PendingChange::Set(p) => {
                    set.push("pending_confirmation = :pending".into());
                    let value = to_item(&HashMap::from([("v", p)]))?
                        .remove("v")
                        .ok_or_else(|| StoreError::Corrupt("pending confirmation".into()))?;
                    u = u.expression_attribute_values(":pending", value);
                }
            }
            let mut expr = format!("SET {}", set.join(", "));
            if !remove.is_empty() {
                expr.push_str(&format!(" REMOVE {}", remove.join(", ")));
            }
            if let Some(v) = v {
                u = u.expression_attribute_values(":v", v);
            }
            TransactWriteItem::builder()
                .update(Self::build(u.update_expression(expr).build())?)
                .build()
        } else {
            let mut c = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(state_key))
                .condition_expression(cond);
            if let Some(v) = v {
                c = c.expression_attribute_values(":v", v);
            }
            TransactWriteItem::builder()
                .condition_check(Self::build(c.build())?)
                .build()
        };
        match self
            .transact(vec![
                TransactWriteItem::builder().put(put).build(),
                state_item,
            ])
            .await?
        {
            None => Ok(ReplyReservation::Reserved),
            Some(failed) if failed.first() == Some(&true) => {
                // Sent, or reserved by an attempt that died: stream records are handed out one
                // at a time, so a reservation a redelivery finds is not in flight (the short
                // bound only guards against clocks and local replays).
                let existing = self
                    .client
                    .get_item()
                    .table_name(&self.table)
                    .set_key(Some(Self::key(
                        reply.conversation.partition_key(),
                        reply.sort_key(),
                    )))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(aws)?
                    .item
                    .map(from_item::<MessageItem>)
                    .transpose()?;
                let stale_before = chrono::Utc::now().timestamp_millis() - STALE_RESERVATION_MS;
                Ok(match existing {
                    Some(item)
                        if item.delivery.as_deref() == Some(DELIVERY_RESERVED)
                            && item.reserved_ms.is_none_or(|t| t < stale_before) =>
                    {
                        ReplyReservation::Stale
                    }
                    _ => ReplyReservation::AlreadySent,
                })
            }
            Some(_) => Ok(ReplyReservation::StateChanged),
        }
    }

    async fn finish_reply(
        &self,
        reply: &Message,
        sent_mid: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut u = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                reply.conversation.partition_key(),
                reply.sort_key(),
            )))
            .expression_attribute_values(
                ":d",
                s(if sent_mid.is_some() {
                    DELIVERY_SENT
                } else {
                    DELIVERY_FAILED
                }),
            );
        u = match sent_mid {
            Some(mid) => u
                .update_expression("SET delivery = :d, sent_mid = :m")
                .expression_attribute_values(":m", s(mid)),
            None => u.update_expression("SET delivery = :d"),
        };
        u.send().await.map_err(aws)?;
        Ok(())
    }

    async fn reserve_notice(&self, notice: &Message) -> Result<bool, StoreError> {
        let item = to_item(&MessageItem::from_message(notice, Some(DELIVERY_RESERVED)))?;
        self.put_if(
            item,
            "attribute_not_exists(pk) OR delivery = :failed",
            Some((":failed", s(DELIVERY_FAILED))),
        )
        .await
    }

    async fn open_escalation(
        &self,
        escalation: &Escalation,
        state_version: u64,
    ) -> Result<EscalationOpening, StoreError> {
        let (cond, v) = Self::state_unchanged(state_version);
        let mut u = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(escalation.conversation.partition_key(), STATE_SK)))
            .update_expression(
                "SET #status = :paused, escalation_id = :eid, paused_at = :now, paused_until = :until, \
                 version = if_not_exists(version, :zero) + :one REMOVE pending_confirmation",
            )
            .condition_expression(cond)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":paused", s("paused"))
            .expression_attribute_values(":eid", s(&escalation.escalation_id))
            .expression_attribute_values(":now", s(time_attr(escalation.created_at)))
            .expression_attribute_values(":until", s(time_attr(escalation.paused_until)))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1));
        if let Some(v) = v {
            u = u.expression_attribute_values(":v", v);
        }
        let put = Self::build(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(&EscalationItem::new(escalation))?))
                .condition_expression("attribute_not_exists(pk)")
                .build(),
        )?;
        match self
            .transact(vec![
                TransactWriteItem::builder()
                    .update(Self::build(u.build())?)
                    .build(),
                TransactWriteItem::builder().put(put).build(),
            ])
            .await?
        {
            None => Ok(EscalationOpening::Opened),
            Some(failed) if failed.get(1) == Some(&true) => Ok(EscalationOpening::AlreadyOpen),
            Some(_) => {
                let state = self.get_state(&escalation.conversation).await?;
                if state.escalation_id.as_deref() == Some(escalation.escalation_id.as_str()) {
                    Ok(EscalationOpening::AlreadyOpen)
                } else {
                    Ok(EscalationOpening::StateChanged)
                }
            }
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
            .set_key(Some(Self::key(
                key.partition_key(),
                escalation_sort_key(escalation_id),
            )))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws)?;
        match out.item {
            Some(item) => Ok(Some(from_item::<EscalationItem>(item)?.escalation)),
            None => Ok(None),
        }
    }

    async fn get_state(&self, key: &ConversationKey) -> Result<PauseFlag, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(key.partition_key(), STATE_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws)?;
        match out.item {
            Some(item) => Ok(from_item::<StateItem>(item)?.into()),
            None => Ok(PauseFlag::default()),
        }
    }

    async fn end_human_pause(
        &self,
        key: &ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(key.partition_key(), STATE_SK)))
            .update_expression(
                "SET #status = :active, version = version + :one, resumed_ms = :now \
                 REMOVE paused_at, paused_until",
            )
            .condition_expression("#status = :paused AND attribute_not_exists(escalation_id)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", s("active"))
            .expression_attribute_values(":paused", s("paused"))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(aws(e)),
        }
    }

    async fn claim_notification(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<NotificationClaim, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                key.partition_key(),
                escalation_sort_key(escalation_id),
            )))
            .update_expression("SET notify_lease_until = :until")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(notified_at) AND \
                 (attribute_not_exists(notify_lease_until) OR notify_lease_until < :now)",
            )
            .expression_attribute_values(":until", n((now + lease).timestamp_millis()))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(NotificationClaim::Claimed),
            Err(e) if is_condition_failure(&e) => {
                match self.get_escalation(key, escalation_id).await? {
                    Some(esc) if esc.notified_at.is_none() => Ok(NotificationClaim::Busy),
                    // Notified, or gone: nothing to publish.
                    _ => Ok(NotificationClaim::AlreadyNotified),
                }
            }
            Err(e) => Err(aws(e)),
        }
    }

    async fn mark_notified(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                key.partition_key(),
                escalation_sort_key(escalation_id),
            )))
            .update_expression("SET notified_at = :now REMOVE notify_lease_until")
            .expression_attribute_values(":now", s(time_attr(now)))
            .send()
            .await
            .map_err(aws)?;
        Ok(())
    }

    async fn release_notification(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
    ) -> Result<(), StoreError> {
        self.remove_from_escalation(key, escalation_id, "notify_lease_until")
            .await
    }

    async fn resume(&self, r: ResumeRequest<'_>) -> Result<ResumeResult, StoreError> {
        let pk = r.conversation.partition_key();
        let state = Self::build(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key(pk.clone(), STATE_SK)))
                .update_expression(
                    "SET #status = :active, version = version + :one, resumed_ms = :now \
                     REMOVE escalation_id, paused_at, paused_until, pending_confirmation",
                )
                .condition_expression("escalation_id = :eid AND #status = :paused")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":active", s("active"))
                .expression_attribute_values(":paused", s("paused"))
                .expression_attribute_values(":eid", s(r.escalation_id))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":now", n(r.now.timestamp_millis()))
                .build(),
        )?;
        let esc_update = |by: ResumedBy| -> Result<Update, StoreError> {
            let mut expr = String::from("SET resumed_at = :at, resumed_by = :by");
            let mut u = Update::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key(
                    pk.clone(),
                    escalation_sort_key(r.escalation_id),
                )))
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(resumed_at)")
                .expression_attribute_values(":at", s(time_attr(r.now)))
                .expression_attribute_values(
                    ":by",
                    to_item(&HashMap::from([("v", by)]))?
                        .remove("v")
                        .unwrap_or_else(|| s("link")),
                );
            if let Some(o) = r.label.outcome {
                expr.push_str(", outcome = :o");
                u = u.expression_attribute_values(
                    ":o",
                    to_item(&HashMap::from([("v", o)]))?
                        .remove("v")
                        .unwrap_or_else(|| s("")),
                );
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
            Self::build(u.update_expression(expr).build())
        };
        let failed = self
            .transact(vec![
                TransactWriteItem::builder().update(state).build(),
                TransactWriteItem::builder()
                    .update(esc_update(r.by)?)
                    .build(),
            ])
            .await?;
        if failed.is_none() {
            return Ok(ResumeResult::Resumed);
        }
        let Some(esc) = self.get_escalation(r.conversation, r.escalation_id).await? else {
            return Ok(ResumeResult::NotFound);
        };
        if let Some(at) = esc.resumed_at {
            return Ok(ResumeResult::AlreadyResumed {
                at,
                by: esc.resumed_by,
            });
        }
        let current = self.get_state(r.conversation).await?;
        if current.status == PauseStatus::Paused
            && current.escalation_id.as_deref() != Some(r.escalation_id)
        {
            return Ok(ResumeResult::Superseded {
                current: current.escalation_id,
            });
        }
        // The pause already ran out and the bot took the customer back: record that on the
        // escalation, with the humans' label, so nothing they entered is lost. A concurrent
        // resume winning this write is fine: either way the escalation is resumed.
        let by = ResumedBy::Expired;
        self.transact(vec![TransactWriteItem::builder()
            .update(esc_update(by)?)
            .build()])
            .await?;
        Ok(ResumeResult::AlreadyResumed {
            at: r.now,
            by: Some(by),
        })
    }

    async fn is_own_send(
        &self,
        key: &ConversationKey,
        mid: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :m)")
            .expression_attribute_values(":pk", s(key.partition_key()))
            .expression_attribute_values(":m", s("M#"))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(30)
            .send()
            .await
            .map_err(aws)?;
        let recent = (now - Duration::seconds(60)).timestamp_millis();
        Ok(out.items.unwrap_or_default().into_iter().any(|item| {
            let attr = |n: &str| item.get(n).and_then(|v| v.as_s().ok()).map(String::as_str);
            let ts = item
                .get("ts")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<i64>().ok())
                .unwrap_or(0);
            attr("sent_mid") == Some(mid)
                || (attr("delivery") == Some(DELIVERY_RESERVED) && ts >= recent)
        }))
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

    async fn count_answer(&self, day: chrono::NaiveDate) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(STATS_PK.to_string(), format!("D#{day}"))))
            .update_expression("ADD answers :one")
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(aws)?;
        Ok(())
    }

    async fn answers_per_day(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, u64)>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :a AND :b")
            .expression_attribute_values(":pk", s(STATS_PK))
            .expression_attribute_values(":a", s(format!("D#{from}")))
            .expression_attribute_values(":b", s(format!("D#{to}")))
            .send()
            .await
            .map_err(aws)?;
        Ok(out
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| {
                let day = item
                    .get("sk")?
                    .as_s()
                    .ok()?
                    .strip_prefix("D#")?
                    .parse()
                    .ok()?;
                let n = item.get("answers")?.as_n().ok()?.parse().ok()?;
                Some((day, n))
            })
            .collect())
    }

    async fn open_escalations(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Escalation>, StoreError> {
        self.escalations_by_time(since, now, None, true, &mut |_| {})
            .await
    }

    async fn claim_reminder(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(key.partition_key(), escalation_sort_key(escalation_id))))
            .update_expression("SET reminded_at = :now")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(reminded_at) AND attribute_not_exists(resumed_at)")
            .expression_attribute_values(":now", s(time_attr(now)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(aws(e)),
        }
    }

    async fn release_reminder(
        &self,
        key: &ConversationKey,
        escalation_id: &str,
    ) -> Result<(), StoreError> {
        self.remove_from_escalation(key, escalation_id, "reminded_at")
            .await
    }
}
