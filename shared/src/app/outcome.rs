//! What handling one customer message comes to, and the bot's message that answers it: shared by
//! the answer path (`respond`) and the handover (`handing_over`).

use crate::message::{AnswerRef, Message};

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

/// One pass over the message: done, or STATE moved on while deciding and it must be decided again
/// on what is there now (a pause that arrived meanwhile then silences the bot).
pub(super) enum Pass {
    Done(RespondOutcome),
    StateChanged,
}

pub(super) fn bot_message(
    trigger: &Message,
    mid: String,
    text: &str,
    answer: Option<AnswerRef>,
) -> Message {
    // Just after the message it answers, so the history reads in order.
    let mut m = Message::bot_send(&trigger.conversation, trigger.timestamp_ms + 1, mid, text);
    m.answer = answer;
    m
}
