//! Resume: the human hands the customer back to the bot.

use chrono::{DateTime, Utc};

use super::{App, FlowError};
use crate::escalation::{Escalation, OutcomeLabel, ResumedBy};
use crate::ports::{ResumeRequest, ResumeResult};
use crate::resume::ResumeToken;

#[derive(Debug, PartialEq)]
pub enum ResumeOutcome {
    Resumed(Escalation),
    AlreadyResumed {
        at: DateTime<Utc>,
        by: Option<ResumedBy>,
    },
    Superseded,
    NotFound,
}

/// Resumes the escalation a verified token grants.
pub async fn resume_escalation(
    app: &App,
    token: &ResumeToken,
    by: ResumedBy,
    outcome: Option<OutcomeLabel>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ResumeOutcome, FlowError> {
    let result = app
        .store
        .resume(ResumeRequest {
            conversation: &token.conversation,
            escalation_id: &token.escalation_id,
            by,
            outcome,
            note,
            now,
        })
        .await?;
    Ok(match result {
        ResumeResult::Resumed => {
            tracing::info!(escalation_id = %token.escalation_id, by = ?by, "customer handed back to the bot");
            if app.settings.routing {
                let metadata = format!("handoff resume {}", token.escalation_id);
                if let Err(e) = app
                    .messenger
                    .take_thread_control(&token.conversation, &metadata)
                    .await
                {
                    // The bot answers again either way; a thread another app still owns only
                    // means the customer's next message arrives in standby.
                    tracing::warn!(escalation_id = %token.escalation_id, error = %e, "take_thread_control failed");
                }
            }
            match app
                .store
                .get_escalation(&token.conversation, &token.escalation_id)
                .await?
            {
                Some(e) => ResumeOutcome::Resumed(e),
                None => ResumeOutcome::NotFound,
            }
        }
        ResumeResult::AlreadyResumed { at, by } => ResumeOutcome::AlreadyResumed { at, by },
        ResumeResult::Superseded { .. } => ResumeOutcome::Superseded,
        ResumeResult::NotFound => ResumeOutcome::NotFound,
    })
}
