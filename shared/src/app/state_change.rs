//! Applying a state event and persisting it: read STATE, let the state machine decide, write on
//! condition nobody wrote since, and start over when somebody did.

use chrono::{DateTime, Utc};

use super::{App, FlowError};
use crate::conversation::ConversationKey;
use crate::message::Message;
use crate::ports::Stored;
use crate::state::{PauseFlag, Refusal, StateEvent, Transition};

/// Conflicting writers on one conversation are a handful at most (a stream batch, a resume, a
/// webhook); past this many lost races something is wrong and the caller's retry takes over.
const ATTEMPTS: usize = 8;

/// Applies `event` to the conversation's current STATE and saves the result.
pub(super) async fn change_state(
    app: &App,
    key: &ConversationKey,
    event: &StateEvent<'_>,
    now: DateTime<Utc>,
) -> Result<Result<PauseFlag, (PauseFlag, Refusal)>, FlowError> {
    for _ in 0..ATTEMPTS {
        let state = app.conversations.get_state(key).await?;
        match state.apply(event, now) {
            Transition::Changed(next) => {
                if app
                    .conversations
                    .save_state(key, &next, state.version)
                    .await?
                {
                    return Ok(Ok(next));
                }
            }
            Transition::Refused(why) => return Ok(Err((state, why))),
        }
    }
    Err(FlowError::Busy(format!(
        "STATE of {key} changed {ATTEMPTS} times while writing"
    )))
}

/// A person acted (their message from another app, a thread-control change): the bot stays
/// silent until `pause_until`. The pause first, then the record: a redelivery after a failure
/// between the two pauses again (to the same bound) and the record's conditional put stays the
/// dedupe. An act older than the last hand-back (a late or redelivered echo) pauses nothing.
#[tracing::instrument(name = "person_acted", skip_all, fields(conversation = %record.conversation, mid = %record.mid))]
pub async fn pause_for_person(
    app: &App,
    record: &Message,
    pause_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Stored, FlowError> {
    let event = StateEvent::PersonActed {
        at_ms: record.timestamp_ms,
        until: pause_until,
    };
    match change_state(app, &record.conversation, &event, now).await? {
        Ok(_) => Ok(app.conversations.record_message(record).await?),
        Err((_, why)) => {
            tracing::info!(?why, "a person's act already applied or older than the last hand-back; not pausing again");
            app.conversations.record_message(record).await?;
            Ok(Stored::Duplicate)
        }
    }
}
