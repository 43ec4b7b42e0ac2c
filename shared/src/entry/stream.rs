//! The table's stream: which records each function takes (the same filter patterns as the
//! template's event source mappings) and the batch handlers with partial batch failures.

use chrono::Utc;
use futures_util::StreamExt;
use serde_json::Value;

use super::{DynamoDbBatchItemFailure, DynamoDbEventResponse, StreamEvent, StreamEventRecord};
use crate::adapters::dynamodb::items::{EscalationItem, MessageItem};
use crate::app::{grant_thread_request, notify_escalation, respond, sweep, App, FlowError};

/// Inbound customer messages (template: the policy function's FilterCriteria).
pub const POLICY_FILTER: &str = r#"{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"M#"}]}},"NewImage":{"role":{"S":["customer"]},"kind":{"S":["in"]}}}}"#;
/// A person's request for the thread, stored by ingest (template: the policy function's second
/// filter).
pub const THREAD_REQUEST_FILTER: &str = r#"{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"M#"}]}},"NewImage":{"role":{"S":["human"]},"event":{"S":[{"prefix":"request_thread_control"}]}}}}"#;
/// What the policy function takes: any of these (Lambda ORs a mapping's filters).
pub const POLICY_FILTERS: [&str; 2] = [POLICY_FILTER, THREAD_REQUEST_FILTER];
/// New escalations (the filter the escalate function had when the stream fed it).
pub const ESCALATE_FILTER: &str =
    r#"{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"E#"}]}}}}"#;

/// Matches a record against an event filter pattern (the subset Lambda filtering offers that we
/// use: exact strings, `prefix` and `exists`).
pub fn matches_filter(pattern: &str, record: &StreamEventRecord) -> bool {
    let Ok(pattern) = serde_json::from_str::<Value>(pattern) else {
        return false;
    };
    let Ok(event) = serde_json::to_value(record) else {
        return false;
    };
    matches_value(&pattern, Some(&event))
}

fn matches_value(pattern: &Value, event: Option<&Value>) -> bool {
    match pattern {
        Value::Object(fields) => fields
            .iter()
            .all(|(k, p)| matches_value(p, event.and_then(|e| e.get(k)))),
        Value::Array(options) => options.iter().any(|o| match (o, event) {
            (Value::Object(op), ev) if op.contains_key("exists") => {
                op.get("exists").and_then(Value::as_bool) == Some(ev.is_some())
            }
            (Value::Object(op), Some(Value::String(s))) => op
                .get("prefix")
                .and_then(Value::as_str)
                .is_some_and(|p| s.starts_with(p)),
            (literal, Some(ev)) => literal == ev,
            _ => false,
        }),
        _ => false,
    }
}

fn failure(record: &StreamEventRecord) -> DynamoDbBatchItemFailure {
    let mut f = DynamoDbBatchItemFailure::default();
    f.item_identifier = record.change.sequence_number.clone();
    f
}

/// Runs `step` over the records: each conversation's records in stream order, conversations side
/// by side, so that one slow conversation (a Graph call that times out) holds no other. A
/// conversation stops at its first failure; the earliest failed record is reported, and Lambda
/// retries from it (what follows is redelivered too, and every step is idempotent).
async fn run_batch<'a, F, Fut>(
    event: &'a StreamEvent,
    filters: &[&str],
    step: F,
) -> DynamoDbEventResponse
where
    F: Fn(&'a StreamEventRecord) -> Fut,
    Fut: std::future::Future<Output = Result<(), FlowError>>,
{
    let mut lanes: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, record) in event.records.iter().enumerate() {
        if !filters.iter().any(|f| matches_filter(f, record)) {
            tracing::debug!(event_id = %record.event_id, "record outside this function's filter; skipped");
            continue;
        }
        let key = match record.change.keys.get("pk") {
            Some(serde_dynamo::AttributeValue::S(pk)) => pk.clone(),
            _ => String::new(),
        };
        match lanes.iter_mut().find(|(k, _)| *k == key) {
            Some((_, lane)) => lane.push(i),
            None => lanes.push((key, vec![i])),
        }
    }
    let step = &step;
    let failed = futures_util::stream::iter(lanes.into_iter().map(|(_, lane)| async move {
        for i in lane {
            let record = &event.records[i];
            if !crate::deadline::has_left(RECORD_BUDGET) {
                // Begun now, its send or notice would be cut mid-flight; retried whole instead.
                tracing::warn!(event_id = %record.event_id, "too little time left in this invocation; record left for the retry");
                return Some(i);
            }
            if let Err(e) = step(record).await {
                tracing::error!(event_id = %record.event_id, error = %e, "stream record failed; will be retried");
                return Some(i);
            }
        }
        None
    }))
    .buffer_unordered(LANES)
    .collect::<Vec<_>>()
    .await
    .into_iter()
    .flatten()
    .min();
    let mut response = DynamoDbEventResponse::default();
    if let Some(i) = failed {
        response
            .batch_item_failures
            .push(failure(&event.records[i]));
    }
    response
}

/// Conversations handled at once within a batch: enough that one slow conversation holds no
/// other, few enough that a burst does not crowd the table and the topic.
const LANES: usize = 4;

/// What one record may need: a read, the model's call, a send with its retries, the records.
const RECORD_BUDGET: std::time::Duration = std::time::Duration::from_secs(6);

/// The policy function: one decision per inbound customer message.
pub async fn handle_policy_batch(app: &App, event: &StreamEvent) -> DynamoDbEventResponse {
    let app = &app.current().await;
    run_batch(event, &POLICY_FILTERS, |record| async move {
        let item: MessageItem = match serde_dynamo::from_item(record.change.new_image.clone()) {
            Ok(item) => item,
            Err(e) => {
                // A record that can never be read must not block the stream.
                tracing::error!(event_id = %record.event_id, error = %e, "unreadable message record skipped");
                return Ok(());
            }
        };
        let Some(message) = item.into_message() else {
            tracing::error!(event_id = %record.event_id, "message record with a bad key skipped");
            return Ok(());
        };
        if message.role == crate::message::Role::Human {
            let grant = grant_thread_request(app, &message).await?;
            tracing::info!(conversation = %message.conversation, ?grant, "thread request handled");
            return Ok(());
        }
        let outcome = respond(app, &message, Utc::now()).await?;
        tracing::info!(conversation = %message.conversation, ?outcome, "message handled");
        Ok(())
    })
    .await
}

/// New escalations from the stream: published once each (claimed first). The template no longer
/// feeds the escalate function from the stream, since the policy function publishes what it opens
/// and the sweep what it could not; a stack mid-update may still deliver a batch here, and then
/// the claim makes it a no-op.
pub async fn notify_new_escalations(app: &App, event: &StreamEvent) -> DynamoDbEventResponse {
    run_batch(event, &[ESCALATE_FILTER], |record| async move {
        let item: EscalationItem = match serde_dynamo::from_item(record.change.new_image.clone()) {
            Ok(item) => item,
            Err(e) => {
                tracing::error!(event_id = %record.event_id, error = %e, "unreadable escalation record skipped");
                return Ok(());
            }
        };
        let outcome = notify_escalation(app, &item.escalation, Utc::now()).await?;
        tracing::info!(escalation_id = %item.escalation.escalation_id, ?outcome, "escalation handled");
        Ok(())
    })
    .await
}

/// The escalate function's input: the scheduled jobs (`{"sweep": true}`: late notices,
/// reminders and expired pauses; `{"review": true}`: the weekly review), or a stream batch of
/// new escalations from a stack mid-update. The function keeps the name `escalate` because the
/// deployed stack's resources and its dashboards are named after it.
pub async fn handle_scheduled_event(
    app: &App,
    event: serde_json::Value,
) -> Result<serde_json::Value, FlowError> {
    let app = &app.current().await;
    if event.get("Records").is_some() {
        let batch: StreamEvent = serde_json::from_value(event)
            .map_err(|e| FlowError::BadEvent(format!("stream event: {e}")))?;
        let response = notify_new_escalations(app, &batch).await;
        return Ok(serde_json::to_value(response).unwrap_or_default());
    }
    if event.get("sweep").and_then(serde_json::Value::as_bool) == Some(true) {
        let report = sweep(app, Utc::now()).await?;
        tracing::info!(?report, "sweep done");
        return Ok(
            serde_json::json!({"open": report.open, "notices": report.notices, "auto_resumed": report.auto_resumed, "reminders": report.reminders}),
        );
    }
    if event.get("review").and_then(serde_json::Value::as_bool) == Some(true) {
        let built = crate::review::build_review(app, Utc::now()).await?;
        tracing::info!(review = %built.review.id, created = built.created, published = built.published, proposals = built.review.proposals.len(), "weekly review");
        return Ok(serde_json::json!({
            "review": built.review.id.to_string(),
            "created": built.created,
            "published": built.published,
            "proposals": built.review.proposals.len(),
            "sample": built.review.sample.len(),
        }));
    }
    tracing::warn!(
        "escalate function got an event that is neither a stream batch, a sweep nor a review; ignored"
    );
    Ok(serde_json::json!({"ignored": true}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Inbound customer records for these conversations, in this stream order.
    fn batch(pks: &[&str]) -> StreamEvent {
        let sample: StreamEvent = serde_json::from_str(include_str!(
            "../../../events/policy/stream-inbound-message.json"
        ))
        .unwrap();
        let mut event = StreamEvent::default();
        for (i, pk) in pks.iter().enumerate() {
            let mut r = sample.records[0].clone();
            r.change
                .keys
                .insert("pk".into(), serde_dynamo::AttributeValue::S(pk.to_string()));
            r.change.sequence_number = Some(format!("{}", 100 + i));
            event.records.push(r);
        }
        event
    }

    #[tokio::test]
    async fn a_slow_conversation_holds_no_other_and_each_keeps_its_order() {
        let event = batch(&["A", "A", "B"]);
        let done = tokio::sync::Notify::new();
        let order = Mutex::new(Vec::new());
        let run = run_batch(&event, &POLICY_FILTERS, |r| {
            let seq = r.change.sequence_number.clone().unwrap();
            let (done, order) = (&done, &order);
            async move {
                // A's first record waits on B's: handled one after another, they never finish.
                if seq == "100" {
                    done.notified().await;
                }
                if seq == "102" {
                    done.notify_one();
                }
                order.lock().unwrap().push(seq);
                Ok(())
            }
        });
        let response = tokio::time::timeout(std::time::Duration::from_secs(10), run)
            .await
            .expect("conversations were handled one after another");
        assert!(response.batch_item_failures.is_empty());
        assert_eq!(*order.lock().unwrap(), ["102", "100", "101"]);
    }

    #[tokio::test]
    async fn a_failure_stops_its_conversation_and_is_the_retry_point() {
        let event = batch(&["A", "B", "A", "B"]);
        let seen = Mutex::new(Vec::new());
        let response = run_batch(&event, &POLICY_FILTERS, |r| {
            let seq = r.change.sequence_number.clone().unwrap();
            let seen = &seen;
            async move {
                seen.lock().unwrap().push(seq.clone());
                if seq == "101" {
                    return Err(FlowError::Busy("B is stuck".into()));
                }
                Ok(())
            }
        })
        .await;
        let mut seen = seen.lock().unwrap().clone();
        seen.sort();
        assert_eq!(
            seen,
            ["100", "101", "102"],
            "B's second record waits for its first"
        );
        assert_eq!(
            response.batch_item_failures[0].item_identifier.as_deref(),
            Some("101")
        );
    }
}
