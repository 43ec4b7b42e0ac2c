//! Sending the reserved reply through the Send API and recording how it went; what a person is
//! asked to check when Meta did not confirm it.

use chrono::{DateTime, Duration, Utc};

use super::handing_over::open_escalation;
use super::outcome::{bot_message, Pass, RespondOutcome};
use super::reply_plan::{reply_record, PlannedReply};
use super::{App, FlowError};
use crate::escalation::ReasonCode;
use crate::message::{Direction, Message, Role};
use crate::policy::customer_handoff_text;
use crate::policy::{Decision, Outcome};
use crate::ports::{ConversationSnapshot, Delivery};
use crate::webhook::OWN_METADATA_PREFIX;

/// An escalation for a person to check what the bot could not be sure of (reason
/// `low_confidence`).
pub(super) fn person_checks(
    app: &App,
    detail: String,
    next_step: &str,
    at: DateTime<Utc>,
) -> Outcome {
    let reason = ReasonCode::LowConfidence;
    Outcome::Escalate {
        customer_text: customer_handoff_text(&app.policy, &reason, at),
        next_step: next_step.into(),
        detail,
        reason,
    }
}

/// Sends the reserved reply and records how it went: delivered; unconfirmed (kept only on Meta's
/// echo receipt, never sent twice); refused because a person's app owns the thread (paused); or
/// failed (a person is told, with the answer to send).
pub(super) async fn send_reply(
    app: &App,
    message: &Message,
    after_reply: &ConversationSnapshot,
    decision: &Decision,
    reply: PlannedReply,
    written_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Pass, FlowError> {
    let record = reply_record(message, &reply);
    let entry = reply.answer.entry.clone();
    let metadata = format!("{OWN_METADATA_PREFIX}{}", record.mid);
    let sent = app
        .messenger
        .send_text(
            &message.conversation,
            &reply.text,
            &reply.quick_replies,
            &metadata,
        )
        .await;
    let e = match sent {
        Ok(mid) => {
            app.conversations
                .record_send(&record, &Delivery::Sent(mid))
                .await?;
            crate::metrics::emit("Answers", 1.0, "Count", None);
            // The report's answered-vs-escalated share, on the day of the answer (the day the
            // weekly review's sample finds it under); a lost count is not worth a retry.
            let day = DateTime::from_timestamp_millis(record.timestamp_ms)
                .unwrap_or(now)
                .date_naive();
            if let Err(e) = app.stats.count_answer(day).await {
                tracing::warn!(error = %e, "answer not counted");
            }
            return Ok(Pass::Done(RespondOutcome::Answered { entry }));
        }
        Err(e) => e,
    };
    not_delivered(
        app,
        message,
        after_reply,
        decision,
        record,
        e,
        written_at,
        now,
    )
    .await
}

/// The send did not go through as it should: unconfirmed (a person checks, unless Meta's echo
/// confirms it in time), refused because a person's app owns the thread (paused), or failed (a
/// person is told, with the answer to send).
#[allow(clippy::too_many_arguments)]
async fn not_delivered(
    app: &App,
    message: &Message,
    after_reply: &ConversationSnapshot,
    decision: &Decision,
    record: Message,
    e: crate::ports::GraphError,
    written_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Pass, FlowError> {
    let entry = record
        .answer
        .as_ref()
        .map(|a| a.entry.clone())
        .unwrap_or_default();
    if e.is_unconfirmed() {
        // Meta may have delivered it: never sent again blindly. Its echo (which carries the
        // reply's key) is the receipt, and it often comes seconds after the send gave up; only
        // when it does not come in that time does a person look, told it may have arrived.
        if let Some(mid) = wait_for_echo(app, &record).await? {
            tracing::info!("unconfirmed send confirmed by Meta's echo");
            app.conversations
                .record_send(&record, &Delivery::Sent(mid))
                .await?;
            return Ok(Pass::Done(RespondOutcome::Answered { entry }));
        }
    }
    app.conversations
        .record_send(&record, &Delivery::Failed)
        .await?;
    if e.another_app_owns_thread() {
        tracing::info!("another app owns the thread; a person is active");
        let mut act = bot_message(message, format!("owner-{}", message.mid), "", None);
        act.role = Role::Human;
        act.direction = Direction::Event;
        act.text = None;
        act.event = Some("another app owns the thread".into());
        let until = now + Duration::hours(app.settings.pause_hours.into());
        super::pause_for_person(app, &act, until, now).await?;
        return Ok(Pass::Done(RespondOutcome::Paused));
    }
    let outcome = if e.is_unconfirmed() {
        tracing::warn!(error = %e, "answer unconfirmed; a person checks instead of a second send");
        person_checks(
            app,
            format!("Meta did not confirm the answer ({entry}) in time: it may or may not have reached the customer"),
            "Check in the inbox whether the bot's answer below reached the customer; send it if not.",
            written_at,
        )
    } else {
        // Whatever else went wrong, Meta did not take the reply and retrying the record will
        // not change that (the client already retried what was transient): count it for the
        // alarm and hand the customer to a person, whom the team hears about through SNS even
        // when Meta cannot reach the customer.
        crate::metrics::fault("DeliveryFailures");
        if e.token_invalid() {
            crate::metrics::fault("PageTokenInvalid");
        }
        tracing::warn!(error = %e, "answer not delivered; escalating");
        person_checks(
            app,
            format!(
                "the answer ({entry}) could not be delivered ({}): {e}",
                e.kind()
            ),
            "Send the customer the answer below: the bot could not deliver it.",
            written_at,
        )
    };
    let handed = Decision {
        outcome,
        intent: decision.intent.clone(),
        trace: decision.trace.clone(),
        suggestion: None,
    };
    open_escalation(app, message, after_reply, &handed, now).await
}

/// How long an unconfirmed send waits for Meta's echo of it before a person is asked to check:
/// Meta echoes a message it took within seconds, even when its answer to the send was late.
const ECHO_WAIT: std::time::Duration = std::time::Duration::from_secs(6);
const ECHO_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// Meta's id for `record`, once its echo is in (within `ECHO_WAIT`, and never past the
/// invocation's deadline); `None` if it never came.
async fn wait_for_echo(app: &App, record: &Message) -> Result<Option<String>, FlowError> {
    let until = std::time::Instant::now() + crate::deadline::bound(ECHO_WAIT);
    loop {
        if let Some(Delivery::Sent(mid)) = app.conversations.send_delivery(record).await? {
            return Ok(Some(mid));
        }
        if std::time::Instant::now() + ECHO_POLL > until {
            return Ok(None);
        }
        tokio::time::sleep(ECHO_POLL).await;
    }
}
