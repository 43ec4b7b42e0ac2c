//! Resume: the human hands the customer back to the bot.

use chrono::{DateTime, Utc};

use super::{App, FlowError};
use crate::escalation::{Escalation, HumanLabel, ResumedBy};
use crate::ports::{ResumeRequest, ResumeResult};
use crate::resume::ResumeToken;

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
) -> Result<bool, FlowError> {
    if !app
        .store
        .end_human_pause(conversation, chrono::Utc::now())
        .await?
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
    let result = app
        .store
        .resume(ResumeRequest {
            conversation: &token.conversation,
            escalation_id: &token.escalation_id,
            by,
            label,
            now,
        })
        .await?;
    Ok(match result {
        ResumeResult::Resumed => {
            crate::metrics::emit("Resumes", 1.0, "Count", Some(("By", by_label(by))));
            tracing::info!(escalation_id = %token.escalation_id, by = ?by, "customer handed back to the bot");
            take_thread_back(app, &token.conversation, &token.escalation_id).await;
            if let Some(text) = app
                .policy
                .messages
                .on_resume
                .as_deref()
                .filter(|t| !t.trim().is_empty())
            {
                // Sent once: the notice's key is derived from the escalation.
                let notice = crate::message::Message {
                    conversation: token.conversation.clone(),
                    timestamp_ms: now.timestamp_millis(),
                    mid: format!("resumed-{}", token.escalation_id),
                    role: crate::message::Role::Bot,
                    direction: crate::message::Direction::Out,
                    text: Some(text.to_string()),
                    payload: None,
                    attachments: Vec::new(),
                    event: None,
                    standby: false,
                    answer: None,
                };
                if app.store.reserve_notice(&notice).await? {
                    let metadata = format!("{}{}", crate::webhook::OWN_METADATA_PREFIX, notice.mid);
                    let sent = app
                        .messenger
                        .send_text(&token.conversation, text, &[], &metadata)
                        .await;
                    if let Err(e) = &sent {
                        tracing::warn!(escalation_id = %token.escalation_id, error = %e, "resume message not delivered");
                    }
                    app.store
                        .finish_reply(&notice, Some(sent.as_deref().unwrap_or("")))
                        .await?;
                }
            }
            match app
                .store
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
