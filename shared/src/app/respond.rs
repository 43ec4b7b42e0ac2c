//! Respond to one customer message: stay silent while paused, otherwise answer or escalate.

use chrono::{DateTime, Duration, Utc};

use super::escalate::{notify_escalation, publish_unrecorded, CLAIM_LEASE_SECONDS};
use super::{App, FlowError};
use crate::escalation::ReasonCode;
use crate::escalation::{
    bounded_transcript, escalation_id_for, Escalation, EscalationSummary, TranscriptLine,
};
use crate::llm::apply_engine;
use crate::message::{AnswerRef, Direction, Message, Role};
use crate::policy::customer_handoff_text;
use crate::policy::{
    decide, Decision, Outcome, Turn, ASK_PERSON, CLARIFY_ENTRY, CONFIRM_NO, CONFIRM_YES,
};
use crate::ports::{
    ConversationSnapshot, Delivery, EscalationJob, EscalationOpening, QuickReplyButton,
};
use crate::state::{PendingChange, PendingConfirmation, Refusal, StateEvent, Transition};
use crate::webhook::OWN_METADATA_PREFIX;

/// How many recent messages the policy reads (and the handoff's transcript snapshot holds).
pub const HISTORY: usize = 30;

/// What happened to the message.
#[derive(Debug, PartialEq)]
pub enum RespondOutcome {
    /// Not a message the bot answers (its own, a human's, standby, an event).
    NotForTheBot,
    /// The customer is paused: the bot said nothing.
    Paused,
    Answered {
        entry: String,
    },
    /// Nothing to answer (a sticker, a thumbs-up).
    Acknowledged,
    /// Already answered (redelivery).
    AlreadyAnswered,
    Escalated {
        escalation_id: String,
    },
}

/// A reply reservation older than this, found by a redelivery, belongs to a dead attempt: stream
/// records are handed out one at a time, so it is not in flight (the bound only guards against
/// clocks and local replays).
const STALE_RESERVATION_MS: i64 = 5_000;

/// How often a message is decided again because its conversation changed while deciding.
const ATTEMPTS: usize = 4;

/// One pass over the message: done, or STATE moved on while deciding and it must be decided again
/// on what is there now (a pause that arrived meanwhile then silences the bot).
enum Pass {
    Done(RespondOutcome),
    StateChanged,
}

/// Handles one inbound message at `now`.
pub async fn respond(
    app: &App,
    message: &Message,
    now: DateTime<Utc>,
) -> Result<RespondOutcome, FlowError> {
    if message.role != Role::Customer || message.direction != Direction::In || message.standby {
        return Ok(RespondOutcome::NotForTheBot);
    }
    for _ in 0..ATTEMPTS {
        match respond_once(app, message, now).await? {
            Pass::Done(outcome) => return Ok(outcome),
            Pass::StateChanged => {
                tracing::info!(conversation = %message.conversation, mid = %message.mid, "conversation changed while deciding; deciding again");
            }
        }
    }
    // Never dropped: the stream delivers the message again.
    Err(FlowError::Busy(format!(
        "conversation {} kept changing while deciding",
        message.conversation
    )))
}

async fn respond_once(app: &App, message: &Message, now: DateTime<Utc>) -> Result<Pass, FlowError> {
    let snapshot = app
        .conversations
        .load_conversation(&message.conversation, HISTORY)
        .await?;
    if snapshot.state.holds_at(now) {
        // The pause may be this very message's escalation, redelivered because a step after the
        // pause failed (Graph 5xx, a timeout): finish those steps instead of stopping at "paused",
        // or the customer is never told and the thread never reaches the inbox.
        let own = escalation_id_for(message.timestamp_ms, &message.mid);
        if snapshot.state.escalation_id.as_deref() == Some(own.as_str()) {
            if let Some(esc) = app
                .escalations
                .get_escalation(&message.conversation, &own)
                .await?
            {
                tracing::info!(conversation = %message.conversation, escalation_id = %own, "redelivered trigger of an open escalation; finishing its steps");
                let customer_text = customer_handoff_text(&app.policy, &esc.reason, now);
                finish_opened(app, message, &esc, &customer_text, now).await?;
                return Ok(Pass::Done(RespondOutcome::Escalated { escalation_id: own }));
            }
        }
        tracing::info!(conversation = %message.conversation, mid = %message.mid, "customer is paused; the bot stays silent");
        return Ok(Pass::Done(RespondOutcome::Paused));
    }
    let written_at = DateTime::from_timestamp_millis(message.timestamp_ms).unwrap_or(now);
    let history: Vec<Message> = snapshot
        .messages
        .iter()
        .filter(|m| m.mid != message.mid)
        .cloned()
        .collect();
    let mut decision = decide(
        &app.policy,
        &app.knowledge,
        Turn {
            text: message.text.as_deref(),
            payload: message.payload.as_deref(),
            attachments: &message.attachments,
            history: &history,
            pending: snapshot.state.pending_confirmation.as_ref(),
        },
        written_at,
    );
    // The engine only rephrases what knowledge already answers (see `apply_engine`).
    let knowledge_answered =
        decision.decided_by_knowledge() && matches!(decision.outcome, Outcome::Answer { .. });
    if let (Some(engine), true) = (&app.engine, knowledge_answered) {
        let question = message.text.as_deref().unwrap_or_default();
        let ranked = app.knowledge.rank(question);
        let top: Vec<_> = ranked.iter().take(3).map(|(e, _)| *e).collect();
        let result = if top.is_empty() {
            Err(crate::llm::EngineError::Invalid(
                "no knowledge entry to answer from".into(),
            ))
        } else {
            engine.answer(question, &top).await
        };
        decision = apply_engine(&app.policy, &app.knowledge, decision, result, written_at);
    }
    tracing::info!(
        conversation = %message.conversation,
        mid = %message.mid,
        decision = %decision.headline(),
        "decided"
    );
    let had_pending = snapshot.state.pending_confirmation.is_some();
    let (text, answer, quick_replies, pending) = match &decision.outcome {
        Outcome::Escalate { .. } => return escalate(app, message, &snapshot, &decision, now).await,
        Outcome::Acknowledge => return Ok(Pass::Done(RespondOutcome::Acknowledged)),
        Outcome::Answer {
            entry,
            text,
            confidence,
        } => (
            text.clone(),
            AnswerRef {
                entry: entry.clone(),
                confidence: *confidence,
                trace: Some(decision.trace.clone()),
            },
            Vec::new(),
            if had_pending {
                PendingChange::Clear
            } else {
                PendingChange::Keep
            },
        ),
        Outcome::Clarify { text, confidence } => (
            text.clone(),
            AnswerRef {
                entry: CLARIFY_ENTRY.into(),
                confidence: *confidence,
                trace: Some(decision.trace.clone()),
            },
            Vec::new(),
            if had_pending {
                PendingChange::Clear
            } else {
                PendingChange::Keep
            },
        ),
        Outcome::Confirm {
            entry,
            text,
            confidence,
        } => {
            let c = &app.policy.confirm;
            let mut trace = decision.trace.clone();
            trace.record(
                "proposal",
                false,
                "asked the customer to confirm with quick replies",
            );
            (
                text.clone(),
                AnswerRef {
                    entry: entry.clone(),
                    confidence: *confidence,
                    trace: Some(trace),
                },
                vec![
                    QuickReplyButton {
                        title: c.yes.clone(),
                        payload: CONFIRM_YES.into(),
                    },
                    QuickReplyButton {
                        title: c.no.clone(),
                        payload: CONFIRM_NO.into(),
                    },
                    QuickReplyButton {
                        title: c.person.clone(),
                        payload: ASK_PERSON.into(),
                    },
                ],
                PendingChange::Set(PendingConfirmation {
                    entry: entry.clone(),
                    asked_at: now,
                }),
            )
        }
    };
    // Fixed texts are checked by `policy check`; composed ones (the LLM's, several answers joined)
    // are cut to the channel here, never refused by Graph.
    let text = match crate::policy::limits::fit(&text, message.conversation.channel) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(cut) => {
            tracing::warn!(conversation = %message.conversation, from = text.len(), to = cut.len(), "reply cut to the channel's limit");
            cut
        }
    };
    let entry = answer.entry.clone();
    let reply = bot_message(
        message,
        format!("reply-{}", message.mid),
        &text,
        Some(answer),
    );
    let reserve = StateEvent::BotReplies {
        key: &reply.mid,
        pending,
    };
    // STATE keeps the latest reservations only; the reply's own record, when the history still
    // holds it, says the same for older ones.
    let transition = if snapshot.messages.iter().any(|m| m.mid == reply.mid) {
        Transition::Refused(Refusal::AlreadyReserved { at_ms: 0 })
    } else {
        snapshot.state.apply(&reserve, now)
    };
    let reserved = match transition {
        Transition::Changed(next) => {
            if !app
                .conversations
                .save_state(&message.conversation, &next, snapshot.state.version)
                .await?
            {
                return Ok(Pass::StateChanged);
            }
            next
        }
        Transition::Refused(Refusal::AlreadyReserved { at_ms }) => {
            match app.conversations.send_delivery(&reply).await? {
                Some(Delivery::Sent(_)) => return Ok(Pass::Done(RespondOutcome::AlreadyAnswered)),
                None if now.timestamp_millis() - at_ms < STALE_RESERVATION_MS => {
                    return Ok(Pass::Done(RespondOutcome::AlreadyAnswered))
                }
                // Reserved by an attempt that died before recording the send, or refused by
                // Meta and the escalation after it never finished: whether the customer got it
                // is unknown, so neither skip it nor send it twice — a person looks.
                _ => {}
            }
            tracing::warn!(conversation = %message.conversation, mid = %message.mid, "stale reply reservation; escalating");
            let reason = ReasonCode::LowConfidence;
            let mut stale = decision.clone();
            stale.trace.record(
                "reply",
                true,
                "an earlier attempt reserved this reply and died before recording the send",
            );
            stale.outcome = Outcome::Escalate {
                detail: "the bot's answer may not have reached the customer: an earlier attempt died while sending it".into(),
                next_step: "Check whether the customer got the bot's answer (last messages below), then reply.".into(),
                customer_text: customer_handoff_text(&app.policy, &reason, now),
                reason,
            };
            return escalate(app, message, &snapshot, &stale, now).await;
        }
        Transition::Refused(why) => {
            tracing::info!(conversation = %message.conversation, ?why, "reply refused by the conversation's state");
            return Ok(Pass::Done(RespondOutcome::Paused));
        }
    };
    let metadata = format!("{OWN_METADATA_PREFIX}{}", reply.mid);
    match app
        .messenger
        .send_text(&message.conversation, &text, &quick_replies, &metadata)
        .await
    {
        Ok(mid) => {
            app.conversations
                .record_send(&reply, &Delivery::Sent(mid))
                .await?;
            crate::metrics::emit("Answers", 1.0, "Count", None);
            // The report's answered-vs-escalated share; a lost count is not worth a retry.
            if let Err(e) = app.stats.count_answer(now.date_naive()).await {
                tracing::warn!(error = %e, "answer not counted");
            }
            Ok(Pass::Done(RespondOutcome::Answered { entry }))
        }
        Err(e) if e.is_unconfirmed() => {
            // Meta may have delivered it: never sent again blindly. Its echo (which carries the
            // reply's key) is the receipt; without one a person looks, told it may have arrived.
            if let Some(Delivery::Sent(mid)) = app.conversations.send_delivery(&reply).await? {
                tracing::info!(conversation = %message.conversation, "unconfirmed send confirmed by Meta's echo");
                app.conversations
                    .record_send(&reply, &Delivery::Sent(mid))
                    .await?;
                return Ok(Pass::Done(RespondOutcome::Answered { entry }));
            }
            tracing::warn!(conversation = %message.conversation, error = %e, "answer unconfirmed; a person checks instead of a second send");
            app.conversations
                .record_send(&reply, &Delivery::Failed)
                .await?;
            let reason = ReasonCode::LowConfidence;
            let unconfirmed = Decision {
                outcome: Outcome::Escalate {
                    customer_text: customer_handoff_text(&app.policy, &reason, written_at),
                    next_step: "Check in the inbox whether the bot's answer below reached the customer; send it if not.".into(),
                    detail: format!("Meta did not confirm the answer ({entry}) in time: it may or may not have reached the customer"),
                    reason,
                },
                intent: decision.intent.clone(),
                trace: decision.trace.clone(),
            };
            let after_reply = ConversationSnapshot {
                state: reserved,
                messages: snapshot.messages.clone(),
            };
            escalate(app, message, &after_reply, &unconfirmed, now).await
        }
        Err(e) => {
            app.conversations
                .record_send(&reply, &Delivery::Failed)
                .await?;
            if e.another_app_owns_thread() {
                tracing::info!(conversation = %message.conversation, "another app owns the thread; a person is active");
                let mut record = bot_message(message, format!("owner-{}", message.mid), "", None);
                record.role = Role::Human;
                record.direction = Direction::Event;
                record.text = None;
                record.event = Some("another app owns the thread".into());
                let until = now + Duration::hours(app.settings.pause_hours.into());
                super::pause_for_person(app, &record, until, now).await?;
                return Ok(Pass::Done(RespondOutcome::Paused));
            }
            // Whatever else went wrong, Meta did not take the reply and retrying the record will
            // not change that (the client already retried what was transient): count it for the
            // alarm and hand the customer to a person, whom the team hears about through SNS even
            // when Meta cannot reach the customer.
            {
                crate::metrics::fault("DeliveryFailures");
                if e.token_invalid() {
                    crate::metrics::fault("PageTokenInvalid");
                }
                tracing::warn!(conversation = %message.conversation, error = %e, "answer not delivered; escalating");
                let reason = ReasonCode::LowConfidence;
                let undelivered = Decision {
                    outcome: Outcome::Escalate {
                        customer_text: customer_handoff_text(&app.policy, &reason, written_at),
                        next_step:
                            "Send the customer the answer below: the bot could not deliver it."
                                .into(),
                        detail: format!(
                            "the answer ({entry}) could not be delivered ({}): {e}",
                            e.kind()
                        ),
                        reason,
                    },
                    intent: decision.intent.clone(),
                    trace: decision.trace.clone(),
                };
                // On from the state the reservation wrote.
                let after_reply = ConversationSnapshot {
                    state: reserved,
                    messages: snapshot.messages.clone(),
                };
                escalate(app, message, &after_reply, &undelivered, now).await
            }
        }
    }
}

fn bot_message(trigger: &Message, mid: String, text: &str, answer: Option<AnswerRef>) -> Message {
    // Just after the message it answers, so the history reads in order.
    let mut m = Message::bot_send(&trigger.conversation, trigger.timestamp_ms + 1, mid, text);
    m.answer = answer;
    m
}

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

async fn escalate(
    app: &App,
    message: &Message,
    snapshot: &ConversationSnapshot,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<Pass, FlowError> {
    let Outcome::Escalate {
        reason,
        detail,
        next_step,
        customer_text,
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
    let escalation = Escalation {
        escalation_id: escalation_id.clone(),
        conversation: message.conversation.clone(),
        reason: reason.clone(),
        reason_detail: detail.clone(),
        summary: EscalationSummary {
            intent: decision.intent.clone(),
            tried: tried(snapshot),
            next_step: next_step.clone(),
            ai_summary: None,
        },
        transcript,
        transcript_cut,
        trace: decision.trace.clone(),
        created_at: now,
        paused_until: now + Duration::hours(app.settings.pause_hours.into()),
        last_customer_at: DateTime::from_timestamp_millis(message.timestamp_ms).unwrap_or(now),
        customer_name: None,
        notified_at: None,
        customer_notice_mid: None,
        reminded_at: None,
        resumed_at: None,
        resumed_by: None,
        outcome: None,
        note: None,
        answer_entry: None,
        earlier_answers: None,
    };
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
            tracing::info!(conversation = %message.conversation, %escalation_id, reason = %reason, "escalated; customer paused");
            // The customer hears a person is coming while the team is told: neither waits for
            // the other, and the opening gave this attempt the team notice's job.
            let (told, published) = tokio::join!(
                tell_customer(app, message, &notice, &escalation_id, reason),
                publish_unrecorded(app, &escalation, now),
            );
            // One write records both when both went out. Whatever failed is recorded as not
            // done, so the stream's redelivery redoes it and only it.
            let conversation = &message.conversation;
            match (published, told) {
                (Ok(_), Ok(mid)) => {
                    app.escalations
                        .finish_opening(conversation, &escalation_id, now, &mid)
                        .await?;
                }
                (Ok(_), Err(e)) => {
                    app.escalations
                        .finish_job(conversation, &escalation_id, EscalationJob::Notice, now)
                        .await?;
                    return Err(e);
                }
                (Err(e), Ok(mid)) => {
                    app.conversations
                        .record_send(&notice, &Delivery::Sent(mid))
                        .await?;
                    return Err(e);
                }
                (Err(e), Err(_)) => return Err(e),
            }
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
            tracing::info!(conversation = %message.conversation, ?why, "escalation refused by the conversation's state");
            return Ok(Pass::Done(RespondOutcome::Paused));
        }
    }
    Ok(Pass::Done(RespondOutcome::Escalated { escalation_id }))
}

/// The handoff notice's key: derived from the escalation, so it is reserved (with the pause) once.
fn notice_key(escalation_id: &str) -> String {
    format!("handoff-{escalation_id}")
}

/// Redoes what an earlier attempt at an open escalation did not finish: the customer's notice
/// unless Meta echoed it back, the team's unless it is marked published (claimed first: the
/// sweep may be at it too).
async fn finish_opened(
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
        Err(e) if e.another_app_owns_thread() || e.is_undeliverable() => {
            // The team hears of the customer through SNS either way; nothing to retry.
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
