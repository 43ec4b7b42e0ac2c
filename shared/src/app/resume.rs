//! Resume: the human hands the customer back to the bot.

use chrono::{DateTime, Utc};

use super::state_change::change_state;
use super::{App, FlowError};
use crate::escalation::{Escalation, HumanLabel, ResumedBy};
use crate::message::Message;
use crate::ports::{Delivery, ResumeRecord, ResumeRequest};
use crate::resume::ResumeToken;
use crate::state::{Refusal, StateEvent};

/// What a resume did to the conversation.
#[derive(Clone, Debug, PartialEq)]
pub enum ResumeResult {
    Resumed,
    AlreadyResumed {
        at: DateTime<Utc>,
        by: Option<ResumedBy>,
    },
    /// A newer escalation (or a person's own pause) holds the customer.
    Superseded {
        current: Option<String>,
    },
    NotFound,
}

/// The resume message's key: derived from the escalation, so it is reserved once.
fn resume_notice_key(escalation_id: &str) -> String {
    format!("resumed-{escalation_id}")
}

/// Hands the customer of an escalation back to the bot: STATE active (with the brand's resume
/// message reserved in the same write when `announce`, for the caller to send) and the
/// escalation labelled. The label is written first:
/// a resume that dies between the two is finished by the next try, which finds the label and the
/// pause still there.
pub async fn resume_conversation(
    app: &App,
    r: ResumeRequest<'_>,
    announce: bool,
) -> Result<ResumeResult, FlowError> {
    let notice_key = resume_notice_key(r.escalation_id);
    let has_notice = announce && on_resume_text(app).is_some();
    resume_reserving(app, r, has_notice.then_some(notice_key.as_str())).await
}

/// `resume_conversation`, reserving the send `notice_key` (if any) in the resume's own STATE
/// write: whoever resumes is the one who sends it, once.
pub(super) async fn resume_reserving(
    app: &App,
    r: ResumeRequest<'_>,
    notice_key: Option<&str>,
) -> Result<ResumeResult, FlowError> {
    let event = StateEvent::Resumed {
        escalation_id: r.escalation_id,
        notice_key,
    };
    for _ in 0..8 {
        let state = app.conversations.get_state(r.conversation).await?;
        match state.apply(&event, r.now) {
            crate::state::Transition::Changed(next) => {
                app.escalations.record_resume(r.clone()).await?;
                if app
                    .conversations
                    .save_state(r.conversation, &next, state.version)
                    .await?
                {
                    return Ok(ResumeResult::Resumed);
                }
            }
            crate::state::Transition::Refused(Refusal::OtherPause { escalation_id }) => {
                let Some(esc) = app
                    .escalations
                    .get_escalation(r.conversation, r.escalation_id)
                    .await?
                else {
                    return Ok(ResumeResult::NotFound);
                };
                if let Some(at) = esc.resumed_at {
                    return Ok(ResumeResult::AlreadyResumed {
                        at,
                        by: esc.resumed_by,
                    });
                }
                return Ok(ResumeResult::Superseded {
                    current: escalation_id,
                });
            }
            crate::state::Transition::Refused(_) => {
                // Not paused: resumed before, or the pause ran out and the bot took the customer
                // back. Record that on the escalation with the humans' label, so nothing they
                // entered is lost.
                let by = ResumedBy::Expired;
                return Ok(
                    match app
                        .escalations
                        .record_resume(ResumeRequest { by, ..r })
                        .await?
                    {
                        ResumeRecord::Recorded => ResumeResult::AlreadyResumed {
                            at: r.now,
                            by: Some(by),
                        },
                        ResumeRecord::AlreadyResumed { at, by } => {
                            ResumeResult::AlreadyResumed { at, by }
                        }
                        ResumeRecord::NotFound => ResumeResult::NotFound,
                    },
                );
            }
        }
    }
    Err(FlowError::Busy(format!(
        "STATE of {} kept changing during a resume",
        r.conversation
    )))
}

fn on_resume_text(app: &App) -> Option<&str> {
    app.policy
        .messages
        .on_resume
        .as_deref()
        .filter(|t| !t.trim().is_empty())
}

/// Sends the brand's resume message, reserved in the resume's own STATE write.
async fn send_resume_notice(
    app: &App,
    conversation: &crate::conversation::ConversationKey,
    escalation_id: &str,
    now: DateTime<Utc>,
) -> Result<(), FlowError> {
    let Some(text) = on_resume_text(app) else {
        return Ok(());
    };
    let notice = Message::bot_send(
        conversation,
        now.timestamp_millis(),
        resume_notice_key(escalation_id),
        text,
    );
    let metadata = format!("{}{}", crate::webhook::OWN_METADATA_PREFIX, notice.mid);
    let delivery = match app
        .messenger
        .send_text(conversation, text, &[], &metadata)
        .await
    {
        Ok(mid) => Delivery::Sent(mid),
        Err(e) => {
            // The customer is back with the bot either way; the next answer speaks for it.
            tracing::warn!(escalation_id, error = %e, "resume message not delivered");
            Delivery::Failed
        }
    };
    app.conversations.record_send(&notice, &delivery).await?;
    Ok(())
}

#[derive(Debug, PartialEq)]
pub enum ResumeOutcome {
    Resumed(Box<Escalation>),
    AlreadyResumed {
        at: DateTime<Utc>,
        by: Option<ResumedBy>,
    },
    Superseded,
    NotFound,
}

fn by_label(by: ResumedBy) -> &'static str {
    match by {
        ResumedBy::Link => "link",
        ResumedBy::Inbox => "inbox",
        ResumedBy::Cli => "cli",
        ResumedBy::Expired => "expired",
    }
}

/// Takes the thread back from the inbox after a resume (when routing is on), so the customer's
/// next message reaches the bot instead of standby.
pub(super) async fn take_thread_back(
    app: &App,
    conversation: &crate::conversation::ConversationKey,
    escalation_id: &str,
) {
    if !app.settings.routing {
        return;
    }
    let metadata = format!("handoff resume {escalation_id}");
    if let Err(e) = app
        .messenger
        .take_thread_control(conversation, &metadata)
        .await
    {
        // The bot answers again either way; a thread another app still owns only means the
        // customer's next message arrives in standby.
        tracing::warn!(escalation_id, error = %e, "take_thread_control failed");
    }
}

/// Ends a pause no escalation owns (a person replied in the inbox) from the operator's command:
/// STATE active and the thread taken back. `false` when the customer was not so paused.
pub async fn resume_human_pause(
    app: &App,
    conversation: &crate::conversation::ConversationKey,
    now: DateTime<Utc>,
) -> Result<bool, FlowError> {
    if change_state(app, conversation, &StateEvent::PersonHandedBack, now)
        .await?
        .is_err()
    {
        return Ok(false);
    }
    tracing::info!(%conversation, "pause without escalation ended by the operator");
    crate::metrics::emit("Resumes", 1.0, "Count", Some(("By", "cli")));
    take_thread_back(app, conversation, "none").await;
    Ok(true)
}

/// Resumes the escalation a verified token grants.
pub async fn resume_escalation(
    app: &App,
    token: &ResumeToken,
    by: ResumedBy,
    label: &HumanLabel,
    now: DateTime<Utc>,
) -> Result<ResumeOutcome, FlowError> {
    let result = resume_conversation(
        app,
        ResumeRequest {
            conversation: &token.conversation,
            escalation_id: &token.escalation_id,
            by,
            label,
            now,
        },
        true,
    )
    .await?;
    Ok(match result {
        ResumeResult::Resumed => {
            crate::metrics::emit("Resumes", 1.0, "Count", Some(("By", by_label(by))));
            tracing::info!(escalation_id = %token.escalation_id, by = ?by, "customer handed back to the bot");
            take_thread_back(app, &token.conversation, &token.escalation_id).await;
            send_resume_notice(app, &token.conversation, &token.escalation_id, now).await?;
            match app
                .escalations
                .get_escalation(&token.conversation, &token.escalation_id)
                .await?
            {
                Some(e) => {
                    let seconds = (now - e.created_at).num_seconds().max(0) as f64;
                    crate::metrics::emit("TimeToResume", seconds, "Seconds", None);
                    ResumeOutcome::Resumed(Box::new(e))
                }
                None => ResumeOutcome::NotFound,
            }
        }
        ResumeResult::AlreadyResumed { at, by } => ResumeOutcome::AlreadyResumed { at, by },
        ResumeResult::Superseded { .. } => ResumeOutcome::Superseded,
        ResumeResult::NotFound => ResumeOutcome::NotFound,
    })
}
