//! Ingest: verify, parse, store. Nothing else happens on this path, so Meta gets its 200 within
//! milliseconds of the writes; the table's stream drives everything after.

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;
use tracing::Instrument;

use super::App;
use super::ResumeResult;
use crate::escalation::HumanLabel;
use crate::escalation::ResumedBy;
use crate::ports::StoreError;
use crate::ports::{ResumeRequest, Stored};
use crate::webhook::{parse_webhook_at, verify_signature_any, SignatureError, WebhookEvent};

/// What one webhook delivery did, for the log line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub stored: usize,
    pub duplicates: usize,
    pub human_activity: usize,
    pub resumed: usize,
    pub ignored: usize,
    /// Events (or the whole body) that could not be used: acknowledged and logged.
    pub unusable: usize,
}

/// Why a delivery is not acknowledged.
#[derive(Debug, Error)]
pub enum IngestError {
    /// 401, no side effect.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// 5xx so Meta delivers again; every write is conditional, so that is safe.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// 5xx too: the conversation kept changing under the write (a resume, a stream batch).
    #[error("{0}")]
    Busy(String),
}

impl From<super::FlowError> for IngestError {
    fn from(e: super::FlowError) -> Self {
        match e {
            super::FlowError::Store(e) => IngestError::Store(e),
            other => IngestError::Busy(other.to_string()),
        }
    }
}

/// A person's act older than this is not acted on (Meta stops redelivering after about an hour).
const ACT_MAX_AGE_MS: i64 = 24 * 3_600_000;
/// Nor one this far ahead of our clock.
const ACT_FUTURE_MS: i64 = 3_600_000;

/// Verifies and stores one webhook delivery.
pub async fn ingest_webhook(
    app: &App,
    body: &[u8],
    signature: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IngestReport, IngestError> {
    verify_signature_any(&app.settings.app_secrets, body, signature)?;
    let mut report = IngestReport::default();
    let events = match parse_webhook_at(body, &app.settings.app_id, now.timestamp_millis()) {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(error = %e, bytes = body.len(), "signed webhook body is unusable; acknowledged");
            report.unusable = 1;
            return Ok(report);
        }
    };
    let pause_until = now + Duration::hours(app.settings.pause_hours.into());
    for event in events {
        // Every line logged about the event carries its conversation.
        let span = tracing::info_span!("event", conversation = tracing::field::Empty);
        if let Some(c) = event.conversation() {
            span.record("conversation", tracing::field::display(c));
        }
        let report = &mut report;
        async move {
            let event = held_back(event, now);
            ingest_event(app, event, report, pause_until, now).await
        }
        .instrument(span)
        .await?;
    }
    if report.stored > 0 {
        crate::metrics::emit("MessagesStored", report.stored as f64, "Count", None);
    }
    Ok(report)
}

/// A person's act (an echo, a thread handed over) far from now is a late redelivery or a wrong
/// clock: kept for the record, acted on never.
fn held_back(event: WebhookEvent, now: DateTime<Utc>) -> WebhookEvent {
    let acted_on_time = |m: &crate::message::Message| {
        let age = now.timestamp_millis() - m.timestamp_ms;
        (-ACT_FUTURE_MS..=ACT_MAX_AGE_MS).contains(&age)
    };
    match event {
        WebhookEvent::Human(m) | WebhookEvent::UnattributedEcho(m) if !acted_on_time(&m) => {
            tracing::warn!(mid = %m.mid, ts = m.timestamp_ms, "a person's act too old or too far ahead to act on; stored only");
            WebhookEvent::Activity(m)
        }
        WebhookEvent::ThreadRequested { record, .. } if !acted_on_time(&record) => {
            tracing::warn!(
                ts = record.timestamp_ms,
                "thread request too old or too far ahead to act on; stored only"
            );
            WebhookEvent::Activity(record)
        }
        WebhookEvent::ThreadControl { record, .. } if !acted_on_time(&record) => {
            tracing::warn!(
                ts = record.timestamp_ms,
                "thread control too old or too far ahead to act on; stored only"
            );
            WebhookEvent::Activity(record)
        }
        other => other,
    }
}

/// Stores one event and does what it asks: a customer's message stored (the stream takes it to
/// the policy function), a person's act pauses the bot, the thread handed back resumes it.
async fn ingest_event(
    app: &App,
    event: WebhookEvent,
    report: &mut IngestReport,
    pause_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), IngestError> {
    match event {
        // A customer message on standby (another app owns the thread) is the customer's act,
        // not a person's: stored for the card, never answered (respond skips standby), and it
        // neither slides the pause nor silences the reminder. Only a person's acts below do.
        WebhookEvent::Customer(m) | WebhookEvent::Activity(m) => {
            count(report, app.conversations.record_message(&m).await?, false);
        }
        WebhookEvent::Human(m) => {
            tracing::info!("a person replied from another app; pausing the bot");
            pause(app, &m, pause_until, now, report).await?;
        }
        WebhookEvent::OwnEcho {
            conversation,
            mid,
            sent_key,
        } => {
            tracing::debug!("own echo");
            if let Some(key) = sent_key {
                app.conversations
                    .confirm_send(&conversation, &key, &mid)
                    .await?;
            }
            report.ignored += 1;
        }
        WebhookEvent::UnattributedEcho(m) => {
            unattributed_echo(app, &m, report, pause_until, now).await?
        }
        WebhookEvent::ThreadControl {
            record,
            new_owner_app_id,
            ..
        } => {
            if new_owner_app_id.as_deref() == Some(app.settings.app_id.as_str()) {
                handed_back(app, &record, now, report).await?;
                count(
                    report,
                    app.conversations.record_message(&record).await?,
                    false,
                );
            } else {
                pause(app, &record, pause_until, now, report).await?;
            }
        }
        // A person asks for the conversation: the bot is silent from now on, and the policy
        // function, fed the stored record by the stream, passes the thread (ingest holds no
        // page token and answers Meta without waiting on Graph).
        WebhookEvent::ThreadRequested {
            record,
            requested_owner_app_id,
        } => {
            tracing::info!(requested_by = ?requested_owner_app_id, "another app asked for the thread; pausing the bot");
            pause(app, &record, pause_until, now, report).await?;
        }
        WebhookEvent::Ignored { kind } => {
            tracing::debug!(kind, "event ignored");
            report.ignored += 1;
        }
        WebhookEvent::Unusable { reason } => {
            tracing::warn!(reason, "webhook event unusable; skipped");
            report.unusable += 1;
        }
    }
    Ok(())
}

/// An Instagram echo without our metadata: our own send (recorded when it went out), or a
/// person's reply from the inbox, which pauses the bot.
async fn unattributed_echo(
    app: &App,
    m: &crate::message::Message,
    report: &mut IngestReport,
    pause_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), IngestError> {
    if app
        .conversations
        .is_own_send(&m.conversation, &m.mid, now)
        .await?
    {
        tracing::debug!("own Instagram echo ignored");
        report.ignored += 1;
    } else {
        tracing::info!("a person replied on Instagram; pausing the bot");
        pause(app, m, pause_until, now, report).await?;
    }
    Ok(())
}

/// A person acted (replied, took or asked for the thread): the bot pauses for this customer.
async fn pause(
    app: &App,
    act: &crate::message::Message,
    pause_until: DateTime<Utc>,
    now: DateTime<Utc>,
    report: &mut IngestReport,
) -> Result<(), IngestError> {
    let stored = super::pause_for_person(app, act, pause_until, now).await?;
    count(report, stored, true);
    Ok(())
}

/// The inbox handed the thread back to us: resume exactly as the link would, or end a pause a
/// person's reply started without any escalation. Acted on before the record is stored, so a
/// redelivery after a failure acts again (both are conditional); a hand-back older than the pause
/// it would end (a late or redelivered event) leaves a newer pause alone.
async fn handed_back(
    app: &App,
    record: &crate::message::Message,
    now: DateTime<Utc>,
    report: &mut IngestReport,
) -> Result<(), IngestError> {
    let state = app.conversations.get_state(&record.conversation).await?;
    let event_ms = record.timestamp_ms;
    if let Some(eid) = state.escalation_id.as_deref() {
        // Escalation ids start with the trigger message's time (escalation_id_for).
        let escalated_ms = eid.split('-').next().and_then(|t| t.parse::<i64>().ok());
        if escalated_ms.is_some_and(|t| t <= event_ms) {
            let result = super::resume_conversation(
                app,
                ResumeRequest {
                    conversation: &record.conversation,
                    escalation_id: eid,
                    by: ResumedBy::Inbox,
                    label: &HumanLabel::default(),
                    now,
                },
                false,
            )
            .await?;
            if result == ResumeResult::Resumed {
                tracing::info!(escalation_id = eid, "handed back in the inbox");
                report.resumed += 1;
                crate::metrics::emit("Resumes", 1.0, "Count", Some(("By", "inbox")));
            }
        } else {
            tracing::info!(
                escalation_id = eid,
                "hand-back older than the escalation; the newer pause holds"
            );
        }
    } else if state
        .paused_at
        .is_some_and(|p| p.timestamp_millis() <= event_ms)
        && super::state_change::change_state(
            app,
            &record.conversation,
            &crate::state::StateEvent::PersonHandedBack,
            now,
        )
        .await?
        .is_ok()
    {
        tracing::info!("handed back in the inbox (no escalation)");
        report.resumed += 1;
        crate::metrics::emit("Resumes", 1.0, "Count", Some(("By", "inbox")));
    }
    Ok(())
}

fn count(report: &mut IngestReport, stored: Stored, human: bool) {
    match stored {
        Stored::New => {
            report.stored += 1;
            if human {
                report.human_activity += 1;
            }
        }
        Stored::Duplicate => report.duplicates += 1,
    }
}
