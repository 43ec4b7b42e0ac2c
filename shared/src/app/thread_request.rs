//! A person asked for the conversation from another app (`request_thread_control`): ingest paused
//! the bot; here the thread is passed to the app that asked, so the person can reply.

use super::{App, FlowError};
use crate::message::Message;
use crate::webhook::thread_requested_by;

/// What granting a thread request did.
#[derive(Debug, PartialEq, Eq)]
pub enum ThreadGrant {
    Passed {
        to: String,
    },
    /// Another app already holds the thread (a redelivery after the pass, or a person took it).
    AlreadyElsewhere,
    /// The request cannot be acted on (no app id, or Meta refused for good): logged.
    NotPassed,
}

/// Passes the thread to the app named in the stored `request_thread_control` record. Safe to
/// repeat: a second pass finds the thread already with that app.
#[tracing::instrument(name = "thread_request", skip_all, fields(conversation = %record.conversation))]
pub async fn grant_thread_request(app: &App, record: &Message) -> Result<ThreadGrant, FlowError> {
    let Some(target) = thread_requested_by(record) else {
        tracing::warn!(event = ?record.event, "thread request without an app id; the bot stays paused but the thread is not passed");
        return Ok(ThreadGrant::NotPassed);
    };
    match app
        .messenger
        .pass_thread_control(
            &record.conversation,
            target,
            "handoff: passed on request; the bot is paused for this customer",
        )
        .await
    {
        Ok(()) => {
            tracing::info!(to = target, "thread passed on request");
            Ok(ThreadGrant::Passed { to: target.into() })
        }
        Err(e) if e.another_app_owns_thread() => Ok(ThreadGrant::AlreadyElsewhere),
        // Retried with the record: the pause already holds meanwhile.
        Err(e) if e.is_transient() => Err(e.into()),
        Err(e) => {
            tracing::warn!(to = target, error = %e, "thread request not granted");
            Ok(ThreadGrant::NotPassed)
        }
    }
}
