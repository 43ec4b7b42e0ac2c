//! Notify the team of an escalation: one SNS publish, however often it is attempted. The policy
//! function publishes right after it opens the escalation (the opening gives it the job); a
//! redelivery of that message, or the sweep, claims the job and publishes what did not go out.

use chrono::{DateTime, Duration, Utc};

use super::{App, FlowError};
use crate::escalation::{
    build_handoff, AnswerLinks, Escalation, HandoffLinks, NoticeKind, HUMAN_AGENT_WINDOW_DAYS,
};
use crate::ports::{EscalationJob, JobClaim};
use crate::resume::{LinkKind, ResumeToken};

/// How long one attempt may hold the right to publish before another may try.
pub const CLAIM_LEASE_SECONDS: i64 = 60;

#[derive(Debug, PartialEq, Eq)]
pub enum NotifyOutcome {
    Published { message_id: String },
    AlreadyNotified,
}

/// The signed link that hands this escalation's customer back to the bot.
pub fn resume_url(app: &App, e: &Escalation) -> String {
    signed_url(app, e, LinkKind::Resume).unwrap_or_default()
}

/// The handoff's links: the resume link, and the one-click answer page when the bot suggests an
/// answer.
pub fn handoff_links(app: &App, e: &Escalation) -> HandoffLinks {
    HandoffLinks {
        resume: resume_url(app, e),
        answer: e
            .suggestion
            .as_ref()
            .and_then(|_| signed_url(app, e, LinkKind::Answer))
            .map(|send| AnswerLinks {
                choose: format!("{send}?choose=1"),
                send,
            }),
    }
}

fn signed_url(app: &App, e: &Escalation, kind: LinkKind) -> Option<String> {
    // Never past the end of the human-agent window: after it nobody can reply anyway.
    let window_end = e.last_customer_at + Duration::days(HUMAN_AGENT_WINDOW_DAYS);
    let expires_at =
        (e.created_at + Duration::days(app.settings.link_days)).min(window_end.max(e.paused_until));
    let Some(keys) = &app.settings.link_keys else {
        tracing::error!("no LINK_KEYS for this function: the handoff goes out without its links");
        return None;
    };
    let token = ResumeToken {
        escalation_id: e.escalation_id.clone(),
        conversation: e.conversation.clone(),
        expires_at,
    }
    .sign_for(kind, keys);
    let route = match kind {
        LinkKind::Resume => "resume",
        LinkKind::Answer => "answer",
    };
    Some(format!(
        "{}/{route}/{}",
        app.settings.resume_base_url, token
    ))
}

/// Publishes the handoff for `e` once. The claim is a lease, so a crash between claim and publish
/// delays the notice by the lease at most instead of losing it.
pub async fn notify_escalation(
    app: &App,
    e: &Escalation,
    now: DateTime<Utc>,
) -> Result<NotifyOutcome, FlowError> {
    let lease = Duration::seconds(CLAIM_LEASE_SECONDS);
    match app
        .escalations
        .claim_job(
            &e.conversation,
            &e.escalation_id,
            EscalationJob::Notice,
            now,
            lease,
        )
        .await?
    {
        JobClaim::AlreadyDone => return Ok(NotifyOutcome::AlreadyNotified),
        JobClaim::Busy => {
            return Err(FlowError::Busy(format!(
                "escalation {} is being notified by another delivery",
                e.escalation_id
            )))
        }
        JobClaim::Claimed => {}
    }
    publish_claimed(app, e, now).await
}

/// Publishes the handoff for `e`, whose notice job the caller claimed, then marks it done.
async fn publish_claimed(
    app: &App,
    e: &Escalation,
    now: DateTime<Utc>,
) -> Result<NotifyOutcome, FlowError> {
    let message_id = publish_unrecorded(app, e, now).await?;
    app.escalations
        .finish_job(
            &e.conversation,
            &e.escalation_id,
            EscalationJob::Notice,
            now,
        )
        .await?;
    Ok(NotifyOutcome::Published { message_id })
}

/// Publishes the handoff for `e`, whose notice job the caller holds (it claimed it, or opened the
/// escalation), and leaves marking it done to the caller, who may have more to record in that
/// write. On failure the job is released for the next attempt.
pub async fn publish_unrecorded(
    app: &App,
    e: &Escalation,
    now: DateTime<Utc>,
) -> Result<String, FlowError> {
    let mut e = e.clone();
    if e.customer_name.is_none() {
        // The profile is a courtesy: without it the handoff names the customer by id.
        match app.messenger.profile_name(&e.conversation).await {
            Ok(name) => e.customer_name = name,
            Err(err) => {
                tracing::debug!(escalation_id = %e.escalation_id, error = %err, "no profile name")
            }
        }
    }
    if let (Some(model), None) = (&app.language_model, &e.summary.ai_summary) {
        // A courtesy too: any failure leaves the deterministic card as it is.
        match model.summarize(&e.transcript).await {
            Ok(summary) => e.summary.ai_summary = Some(summary),
            Err(err) => {
                tracing::warn!(escalation_id = %e.escalation_id, error = %err, "no AI summary")
            }
        }
    }
    let e = &e;
    let message = build_handoff(e, &handoff_links(app, e), NoticeKind::Escalation, now);
    match app.notifier.publish(&message).await {
        Ok(message_id) => {
            tracing::info!(escalation_id = %e.escalation_id, reason = %e.reason, %message_id, "team notified");
            Ok(message_id)
        }
        Err(err) => {
            app.escalations
                .release_job(&e.conversation, &e.escalation_id, EscalationJob::Notice)
                .await?;
            Err(err.into())
        }
    }
}
