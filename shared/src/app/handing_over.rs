//! Handing a customer to a person from the policy function: the pause, the escalation item and
//! the customer's notice in one transaction, then the notice over Graph and the team's handoff
//! over SNS side by side; and finishing those steps when a redelivery finds them undone.

use chrono::{DateTime, Duration, Utc};

use super::notify_team::{notify_escalation, publish_unrecorded, CLAIM_LEASE_SECONDS};
use super::outcome::{bot_message, Pass, RespondOutcome};
use super::{App, FlowError};
use crate::escalation::{
    bounded_transcript, escalation_id_for, Escalation, EscalationSummary, TranscriptLine,
};
use crate::message::{AnswerRef, Direction, Message, Role};
use crate::policy::{Decision, Outcome, CLARIFY_ENTRY};
use crate::ports::{ConversationSnapshot, Delivery, EscalationJob, EscalationOpening};
use crate::state::{Refusal, StateEvent, Transition};
use crate::webhook::OWN_METADATA_PREFIX;

fn is_proposal(a: &AnswerRef) -> bool {
    a.trace.as_ref().is_some_and(|t| t.is_proposal())
}

/// What the bot already tried in this conversation, newest last.
fn tried(snapshot: &ConversationSnapshot) -> Vec<String> {
    snapshot
        .messages
        .iter()
        .filter(|m| m.role == Role::Bot)
        .filter_map(|m| m.answer.as_ref())
        .map(|a| {
            if a.entry == CLARIFY_ENTRY {
                "asked the customer to rephrase".to_string()
            } else if is_proposal(a) {
                format!("proposed \"{}\" and asked to confirm", a.entry)
            } else {
                format!(
                    "answered with \"{}\" (confidence {:.2})",
                    a.entry, a.confidence
                )
            }
        })
        .collect()
}

/// Opens the escalation for `decision`: pauses the customer, records the escalation and the
/// customer's notice (one transaction), then sends the notice and publishes the handoff.
pub(super) async fn open_escalation(
    app: &App,
    message: &Message,
    snapshot: &ConversationSnapshot,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<Pass, FlowError> {
    let Outcome::Escalate {
        reason,
        customer_text,
        ..
    } = &decision.outcome
    else {
        unreachable!("escalate is only called for escalations");
    };
    let escalation = escalation_record(app, message, snapshot, decision, now);
    let escalation_id = escalation.escalation_id.clone();
    let notice_key = notice_key(&escalation_id);
    let notice = bot_message(message, notice_key.clone(), customer_text, None);
    let open = StateEvent::Escalated {
        escalation_id: &escalation_id,
        until: escalation.paused_until,
        notice_key: &notice_key,
    };
    match snapshot.state.apply(&open, now) {
        Transition::Changed(paused) => {
            let lease_until = now + Duration::seconds(CLAIM_LEASE_SECONDS);
            match app
                .escalations
                .open_escalation(
                    &escalation,
                    &paused,
                    snapshot.state.version,
                    &notice,
                    lease_until,
                )
                .await?
            {
                EscalationOpening::StateChanged => return Ok(Pass::StateChanged),
                EscalationOpening::Opened => {}
            }
            crate::metrics::emit(
                "Escalations",
                1.0,
                "Count",
                Some(("Reason", reason.as_str())),
            );
            tracing::info!(%escalation_id, reason = %reason, "escalated; customer paused");
            tell_both(app, message, &notice, &escalation, now).await?;
        }
        Transition::Refused(Refusal::AlreadyOpen) => {
            tracing::info!(%escalation_id, "escalation already open; finishing its steps");
            if let Some(stored) = app
                .escalations
                .get_escalation(&message.conversation, &escalation_id)
                .await?
            {
                finish_opened(app, message, &stored, customer_text, now).await?;
            }
        }
        Transition::Refused(why) => {
            tracing::info!(?why, "escalation refused by the conversation's state");
            return Ok(Pass::Done(RespondOutcome::Paused));
        }
    }
    Ok(Pass::Done(RespondOutcome::Escalated { escalation_id }))
}

/// Tells the customer a person is coming while the team is told: neither waits for the other,
/// and the opening gave this attempt the team notice's job. One write records both when both went
/// out; whatever failed is recorded as not done, so the stream's redelivery redoes it and only it.
async fn tell_both(
    app: &App,
    message: &Message,
    notice: &Message,
    escalation: &Escalation,
    now: DateTime<Utc>,
) -> Result<(), FlowError> {
    let escalation_id = &escalation.escalation_id;
    let (told, published) = tokio::join!(
        tell_customer(app, message, notice, escalation_id, &escalation.reason),
        publish_unrecorded(app, escalation, now),
    );
    let conversation = &message.conversation;
    match (published, told) {
        (Ok(_), Ok(mid)) => {
            app.escalations
                .finish_opening(conversation, escalation_id, now, &mid)
                .await?;
        }
        (Ok(_), Err(e)) => {
            app.escalations
                .finish_job(conversation, escalation_id, EscalationJob::Notice, now)
                .await?;
            return Err(e);
        }
        (Err(e), Ok(mid)) => {
            app.conversations
                .record_send(notice, &Delivery::Sent(mid))
                .await?;
            return Err(e);
        }
        (Err(e), Err(_)) => return Err(e),
    }
    Ok(())
}

/// The escalation record for `decision` on `message`: why, what the customer wants and what the
/// bot tried, the transcript (bounded), the pause, the bot's suggestion.
fn escalation_record(
    app: &App,
    message: &Message,
    snapshot: &ConversationSnapshot,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Escalation {
    let Outcome::Escalate {
        reason,
        detail,
        next_step,
        ..
    } = &decision.outcome
    else {
        unreachable!("escalate is only called for escalations");
    };
    let escalation_id = escalation_id_for(message.timestamp_ms, &message.mid);
    let mut transcript: Vec<TranscriptLine> = snapshot
        .messages
        .iter()
        .filter(|m| m.direction != Direction::Event)
        .map(TranscriptLine::from)
        .collect();
    if !snapshot.messages.iter().any(|m| m.mid == message.mid) {
        transcript.push(TranscriptLine::from(message));
    }
    // Whatever the history holds, the record stays far inside DynamoDB's item limit.
    let (transcript, transcript_cut) = bounded_transcript(transcript);
    Escalation {
        transcript,
        transcript_cut,
        trace: decision.trace.clone(),
        last_customer_at: DateTime::from_timestamp_millis(message.timestamp_ms).unwrap_or(now),
        suggestion: decision.suggestion.clone(),
        ..Escalation::opened(
            escalation_id,
            message.conversation.clone(),
            reason.clone(),
            detail.clone(),
            EscalationSummary {
                intent: decision.intent.clone(),
                tried: tried(snapshot),
                next_step: next_step.clone(),
                ai_summary: None,
            },
            now,
            now + Duration::hours(app.settings.pause_hours.into()),
        )
    }
}

/// The handoff notice's key: derived from the escalation, so it is reserved (with the pause) once.
fn notice_key(escalation_id: &str) -> String {
    format!("handoff-{escalation_id}")
}

/// Redoes what an earlier attempt at an open escalation did not finish: the customer's notice
/// unless Meta echoed it back, the team's unless it is marked published (claimed first: the
/// sweep may be at it too).
pub(super) async fn finish_opened(
    app: &App,
    message: &Message,
    e: &crate::escalation::Escalation,
    customer_text: &str,
    now: DateTime<Utc>,
) -> Result<(), FlowError> {
    let notice = bot_message(message, notice_key(&e.escalation_id), customer_text, None);
    let pending = e.customer_notice_mid.is_none()
        && !matches!(
            app.conversations.send_delivery(&notice).await?,
            Some(Delivery::Sent(_))
        );
    let (told, published) = tokio::join!(
        async {
            if pending {
                let mid = tell_customer(app, message, &notice, &e.escalation_id, &e.reason).await?;
                // A fault path: one more write, so a further redelivery does not tell them twice.
                app.conversations
                    .record_send(&notice, &Delivery::Sent(mid))
                    .await?;
            }
            Ok::<(), FlowError>(())
        },
        async {
            if e.notified_at.is_none() {
                notify_escalation(app, e, now).await.map(|_| ())
            } else {
                Ok(())
            }
        },
    );
    published?;
    told
}

/// Tells the customer a person is coming, then passes the thread to the inbox; returns Meta's id
/// of the notice ("" when Meta cannot deliver it: nothing to retry). The notice was recorded with
/// the pause; the opener records that it went out, and a redelivery without that record sends it
/// again only when Meta did not echo it back.
async fn tell_customer(
    app: &App,
    message: &Message,
    notice: &Message,
    escalation_id: &str,
    reason: &crate::escalation::ReasonCode,
) -> Result<String, FlowError> {
    let metadata = format!("{OWN_METADATA_PREFIX}{}", notice.mid);
    let text = notice.text.as_deref().unwrap_or_default();
    let mid = match app
        .messenger
        .send_text(&message.conversation, text, &[], &metadata)
        .await
    {
        Ok(mid) => mid,
        Err(e) if e.another_app_owns_thread() || e.is_undeliverable() || e.is_unconfirmed() => {
            // The team hears of the customer through SNS either way; nothing to retry (a notice
            // Meta may have taken is not sent twice).
            tracing::warn!(%escalation_id, error = %e, "handoff notice not delivered");
            String::new()
        }
        Err(e) => return Err(e.into()),
    };
    if app.settings.routing {
        let target = message.conversation.channel.inbox_app_id();
        let metadata = format!("handoff escalation {escalation_id}: {reason}");
        if let Err(e) = app
            .messenger
            .pass_thread_control(&message.conversation, target, &metadata)
            .await
        {
            // The pause already holds; routing is a convenience for the inbox.
            tracing::warn!(%escalation_id, error = %e, "pass_thread_control failed");
        }
    }
    Ok(mid)
}
