//! Respond to one customer message: stay silent while paused, otherwise answer or escalate.

use chrono::{DateTime, Utc};

use super::handing_over::{finish_opened, open_escalation};
use super::outcome::{Pass, RespondOutcome};
use super::reply_plan::{fit_to_channel, plan_reply, reply_record, Plan, PlannedReply};
use super::sending::{person_checks, send_reply};
use super::{App, FlowError};
use crate::escalation::escalation_id_for;
use crate::message::{Direction, Message, Role};
use crate::policy::apply_model_answer;
use crate::policy::customer_handoff_text;
use crate::policy::{decide, Decision, Outcome, Turn};
use crate::ports::{ConversationSnapshot, Delivery};
use crate::state::{PauseFlag, Refusal, StateEvent, Transition};

/// How many recent messages the policy reads (and the handoff's transcript snapshot holds).
pub const HISTORY: usize = 30;

/// A reply reservation older than this, found by a redelivery, belongs to a dead attempt: stream
/// records are handed out one at a time, so it is not in flight (the bound only guards against
/// clocks and local replays).
const STALE_RESERVATION_MS: i64 = 5_000;

/// How often a message is decided again because its conversation changed while deciding.
const ATTEMPTS: usize = 4;

/// Handles one inbound message at `now`.
#[tracing::instrument(name = "respond", skip_all, fields(conversation = %message.conversation, mid = %message.mid))]
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
                tracing::info!("conversation changed while deciding; deciding again");
            }
        }
    }
    // Never dropped: the stream delivers the message again.
    Err(FlowError::Busy(format!(
        "conversation {} kept changing while deciding",
        message.conversation
    )))
}

/// One pass: read the conversation, then the steps in order. Each step either hands on what the
/// next needs or ends the pass.
async fn respond_once(app: &App, message: &Message, now: DateTime<Utc>) -> Result<Pass, FlowError> {
    let mut snapshot = app
        .conversations
        .load_conversation(&message.conversation, HISTORY)
        .await?;
    if snapshot.state.holds_at(now) {
        return while_paused(app, message, &snapshot.state, now).await;
    }
    snapshot.messages = history_through(app, message, snapshot.messages).await?;
    let written_at = DateTime::from_timestamp_millis(message.timestamp_ms).unwrap_or(now);
    let decision = decide_turn(app, message, &snapshot, written_at).await;
    let reply = match plan_reply(app, &decision, &snapshot, now) {
        Plan::Escalate => return open_escalation(app, message, &snapshot, &decision, now).await,
        Plan::StayQuiet => return Ok(Pass::Done(RespondOutcome::Acknowledged)),
        Plan::Reply(reply) => *reply,
    };
    let reply = PlannedReply {
        text: fit_to_channel(reply.text, message),
        ..reply
    };
    let reserved = match reserve_reply(app, message, &snapshot, &decision, &reply, now).await? {
        Reservation::Made(state) => state,
        Reservation::Ended(pass) => return Ok(pass),
    };
    let after_reply = ConversationSnapshot {
        state: reserved,
        messages: snapshot.messages.clone(),
    };
    send_reply(
        app,
        message,
        &after_reply,
        &decision,
        reply,
        written_at,
        now,
    )
    .await
}

/// The history a message is decided on: the conversation without what the customer wrote after
/// this message (not what they had in mind; the bot's own sends all stay, so a redelivery still
/// finds its reply). In a burst the later messages may have pushed out of the newest page what
/// the customer wrote before: then (only then) that is read again, up to the message.
async fn history_through(
    app: &App,
    message: &Message,
    newest: Vec<Message>,
) -> Result<Vec<Message>, FlowError> {
    let through = message.sort_key();
    let page_full = newest.len() >= HISTORY;
    let (later, mut kept): (Vec<Message>, Vec<Message>) = newest
        .into_iter()
        .partition(|m| m.role == Role::Customer && m.sort_key() > through);
    if page_full && !later.is_empty() {
        let earlier = app
            .conversations
            .messages_through(&message.conversation, message, HISTORY)
            .await?;
        kept.retain(|m| !earlier.iter().any(|e| e.mid == m.mid));
        kept.extend(earlier);
        kept.sort_by_key(Message::sort_key);
    }
    Ok(kept)
}

/// The customer is paused: the bot says nothing. Unless the pause is this very message's
/// escalation, redelivered because a step after the pause failed (Graph 5xx, a timeout): then
/// those steps are finished, or the customer is never told and the thread never reaches the inbox.
async fn while_paused(
    app: &App,
    message: &Message,
    state: &PauseFlag,
    now: DateTime<Utc>,
) -> Result<Pass, FlowError> {
    let own = escalation_id_for(message.timestamp_ms, &message.mid);
    if state.escalation_id.as_deref() == Some(own.as_str()) {
        if let Some(esc) = app
            .escalations
            .get_escalation(&message.conversation, &own)
            .await?
        {
            tracing::info!(escalation_id = %own, "redelivered trigger of an open escalation; finishing its steps");
            let customer_text = customer_handoff_text(&app.policy, &esc.reason, now);
            finish_opened(app, message, &esc, &customer_text, now).await?;
            return Ok(Pass::Done(RespondOutcome::Escalated { escalation_id: own }));
        }
    }
    tracing::info!("customer is paused; the bot stays silent");
    Ok(Pass::Done(RespondOutcome::Paused))
}

/// The policy's decision on the message, rephrased by the LLM engine when one is set and
/// knowledge answered (the engine only rephrases what knowledge already answers).
async fn decide_turn(
    app: &App,
    message: &Message,
    snapshot: &ConversationSnapshot,
    written_at: DateTime<Utc>,
) -> Decision {
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
    let knowledge_answered =
        decision.decided_by_knowledge() && matches!(decision.outcome, Outcome::Answer { .. });
    if let (Some(model), true) = (&app.language_model, knowledge_answered) {
        let question = message.text.as_deref().unwrap_or_default();
        let ranked = app.knowledge.rank(question);
        let top: Vec<_> = ranked.iter().take(3).map(|(e, _)| *e).collect();
        let result = if top.is_empty() {
            Err(crate::ports::LanguageModelError::Invalid(
                "no knowledge entry to answer from".into(),
            ))
        } else {
            model.answer(question, &top).await
        };
        decision = apply_model_answer(&app.policy, &app.knowledge, decision, result, written_at);
    }
    tracing::info!(decision = %decision.headline(), "decided");
    decision
}

enum Reservation {
    /// STATE now holds the reservation: send.
    Made(crate::state::PauseFlag),
    /// Nothing to send: already answered, paused meanwhile, or handed to a person.
    Ended(Pass),
}

/// Reserves the reply in STATE (one conditional write), so that a pause written after the read
/// makes it fail and a redelivery finds it. A redelivery that finds it already made asks
/// whether the send is known to have reached the customer.
async fn reserve_reply(
    app: &App,
    message: &Message,
    snapshot: &ConversationSnapshot,
    decision: &Decision,
    reply: &PlannedReply,
    now: DateTime<Utc>,
) -> Result<Reservation, FlowError> {
    let record = reply_record(message, reply);
    let reserve = StateEvent::BotReplies {
        key: &record.mid,
        pending: reply.pending.clone(),
    };
    // STATE keeps the latest reservations only; the reply's own record, when the history still
    // holds it, says the same for older ones.
    let transition = if snapshot.messages.iter().any(|m| m.mid == record.mid) {
        Transition::Refused(Refusal::AlreadyReserved { at_ms: 0 })
    } else {
        snapshot.state.apply(&reserve, now)
    };
    match transition {
        Transition::Changed(next) => {
            let saved = app
                .conversations
                .save_state(&message.conversation, &next, snapshot.state.version)
                .await?;
            Ok(if saved {
                Reservation::Made(next)
            } else {
                Reservation::Ended(Pass::StateChanged)
            })
        }
        Transition::Refused(Refusal::AlreadyReserved { at_ms }) => {
            match app.conversations.send_delivery(&record).await? {
                Some(Delivery::Sent(_)) => {
                    return Ok(Reservation::Ended(Pass::Done(
                        RespondOutcome::AlreadyAnswered,
                    )))
                }
                None if now.timestamp_millis() - at_ms < STALE_RESERVATION_MS => {
                    return Ok(Reservation::Ended(Pass::Done(
                        RespondOutcome::AlreadyAnswered,
                    )))
                }
                // Reserved by an attempt that died before recording the send, or refused by
                // Meta and the escalation after it never finished: whether the customer got it
                // is unknown, so neither skip it nor send it twice — a person looks.
                _ => {}
            }
            tracing::warn!("stale reply reservation; escalating");
            let mut stale = decision.clone();
            stale.trace.record(
                "reply",
                true,
                "an earlier attempt reserved this reply and died before recording the send",
            );
            stale.outcome = person_checks(
                app,
                "the bot's answer may not have reached the customer: an earlier attempt died while sending it".into(),
                "Check whether the customer got the bot's answer (last messages below), then reply.",
                now,
            );
            Ok(Reservation::Ended(
                open_escalation(app, message, snapshot, &stale, now).await?,
            ))
        }
        Transition::Refused(why) => {
            tracing::info!(?why, "reply refused by the conversation's state");
            Ok(Reservation::Ended(Pass::Done(RespondOutcome::Paused)))
        }
    }
}
