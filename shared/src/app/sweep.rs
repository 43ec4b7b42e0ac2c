//! The periodic sweep (a schedule in AWS, a timer under `handoff dev`): a team notice the policy
//! function could not publish goes out, pauses that ran out resume by themselves, and escalations
//! nobody picked up get one reminder.

use chrono::{DateTime, Duration, Utc};

use super::notify_team::{handoff_links, notify_escalation, NotifyOutcome, CLAIM_LEASE_SECONDS};
use super::resume::{resume_conversation, ResumeResult};
use super::{App, FlowError};
use crate::escalation::HumanLabel;
use crate::escalation::{build_handoff, Escalation, NoticeKind, ResumedBy};
use crate::ports::{EscalationJob, JobClaim, ResumeRequest};
use crate::state::PauseFlag;

/// How long a sweep holds an escalation's reminder while publishing it.
const REMINDER_LEASE_SECONDS: i64 = 60;

/// A team notice still unpublished this long after the opening is the sweep's: the opener's
/// lease has run out, and the stream has retried the message a few times.
const NOTICE_RETRY_AFTER_SECONDS: i64 = 2 * CLAIM_LEASE_SECONDS;

/// How far behind the by-time index may be.
const INDEX_LAG_MINUTES: i64 = 10;

/// How far back the sweep looks for open escalations.
const LOOKBACK_DAYS: i64 = 35;

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub open: usize,
    /// Team notices published here because their opener could not.
    pub notices: usize,
    pub auto_resumed: usize,
    pub reminders: usize,
}

/// Runs one sweep at `now`. Idempotent: reminders are claimed once per escalation and resumes are
/// conditional, so overlapping or repeated sweeps do nothing twice.
pub async fn sweep(app: &App, now: DateTime<Utc>) -> Result<SweepReport, FlowError> {
    let mut report = SweepReport::default();
    // Reading every escalation of the last 35 days every five minutes would be most of the
    // stack's bill: start where the last sweep found the oldest one still open.
    let floor = now - Duration::days(LOOKBACK_DAYS);
    let since = app
        .escalations
        .sweep_cursor()
        .await?
        .map_or(floor, |from| from.max(floor));
    let open = app.escalations.open_escalations(since, now).await?;
    report.open = open.len();
    let mut still_open: Vec<DateTime<Utc>> = open.iter().map(|e| e.created_at).collect();
    let mut unpublished = None;
    for (i, e) in open.into_iter().enumerate() {
        if e.notified_at.is_none()
            && now - e.created_at >= Duration::seconds(NOTICE_RETRY_AFTER_SECONDS)
        {
            match late_notice(app, &e, now).await {
                Ok(true) => report.notices += 1,
                Ok(false) => {}
                // The others still get their turn; the sweep fails at the end (an alarm).
                Err(err) => unpublished = Some(err),
            }
        }
        // Reading STATE is what most of a sweep would cost (one read per open escalation, every
        // five minutes): only an escalation with something due needs it. A pause only ends at
        // or after the escalation's own `paused_until` (a person's reply moves it later).
        let reminder_due = app.policy.remind_after.is_some_and(|after| {
            e.notified_at.is_some() && e.reminded_at.is_none() && now - e.created_at >= after
        });
        if e.paused_until > now && !reminder_due {
            continue;
        }
        let state = app.conversations.get_state(&e.conversation).await?;
        let ours = state.escalation_id.as_deref() == Some(e.escalation_id.as_str());
        if !(ours && state.holds_at(now)) {
            if expired(app, &e, now).await? {
                still_open[i] = now;
                report.auto_resumed += 1;
            }
            continue;
        }
        if remind(app, &e, &state, now).await? {
            report.reminders += 1;
        }
    }
    if let Some(err) = unpublished {
        return Err(err);
    }
    // Not past the last minutes: the by-time index is eventually consistent, and an escalation
    // opened a moment ago may not be in it yet.
    let next = still_open
        .into_iter()
        .min()
        .unwrap_or(now)
        .min(now - Duration::minutes(INDEX_LAG_MINUTES));
    if next > since {
        app.escalations.save_sweep_cursor(next).await?;
    }
    Ok(report)
}

/// Publishes a team notice its opener could not; whether this sweep published it.
async fn late_notice(app: &App, e: &Escalation, now: DateTime<Utc>) -> Result<bool, FlowError> {
    match notify_escalation(app, e, now).await {
        Ok(NotifyOutcome::Published { .. }) => {
            tracing::warn!(escalation_id = %e.escalation_id, "team notice published by the sweep, late");
            Ok(true)
        }
        Ok(NotifyOutcome::AlreadyNotified) | Err(FlowError::Busy(_)) => Ok(false),
        Err(err) => {
            tracing::error!(escalation_id = %e.escalation_id, error = %err, "team notice still not published");
            Err(err)
        }
    }
}

/// The pause ran out (or the bot already took the customer back on their next message): the
/// escalation is resumed as expired; whether it is (by this sweep or an earlier one).
async fn expired(app: &App, e: &Escalation, now: DateTime<Utc>) -> Result<bool, FlowError> {
    let result = resume_conversation(
        app,
        ResumeRequest {
            conversation: &e.conversation,
            escalation_id: &e.escalation_id,
            by: ResumedBy::Expired,
            label: &HumanLabel::default(),
            now,
        },
        false,
    )
    .await?;
    if result == ResumeResult::Resumed {
        // Only the sweep that resumed takes the thread back: once, like the resume itself.
        super::resume::take_thread_back(app, &e.conversation, &e.escalation_id).await;
    }
    let done = matches!(
        result,
        ResumeResult::Resumed
            | ResumeResult::AlreadyResumed {
                by: Some(ResumedBy::Expired),
                ..
            }
    );
    if done {
        tracing::info!(escalation_id = %e.escalation_id, "pause ran out; resumed automatically");
        crate::metrics::emit("Resumes", 1.0, "Count", Some(("By", "expired")));
    }
    Ok(done)
}

/// The one "nobody picked it up" reminder, when it is due and no person acted since the
/// escalation; whether this sweep published it.
async fn remind(
    app: &App,
    e: &Escalation,
    state: &PauseFlag,
    now: DateTime<Utc>,
) -> Result<bool, FlowError> {
    let Some(after) = app.policy.remind_after else {
        return Ok(false);
    };
    let human_since = state.last_human_at.is_some_and(|t| t >= e.created_at);
    if e.notified_at.is_none()
        || e.reminded_at.is_some()
        || human_since
        || now - e.created_at < after
    {
        return Ok(false);
    }
    let lease = Duration::seconds(REMINDER_LEASE_SECONDS);
    if app
        .escalations
        .claim_job(
            &e.conversation,
            &e.escalation_id,
            EscalationJob::Reminder,
            now,
            lease,
        )
        .await?
        != JobClaim::Claimed
    {
        return Ok(false);
    }
    let message = build_handoff(e, &handoff_links(app, e), NoticeKind::Reminder, now);
    match app.notifier.publish(&message).await {
        Ok(id) => {
            tracing::info!(escalation_id = %e.escalation_id, message_id = %id, "reminder published");
            app.escalations
                .finish_job(
                    &e.conversation,
                    &e.escalation_id,
                    EscalationJob::Reminder,
                    now,
                )
                .await?;
            crate::metrics::emit("Reminders", 1.0, "Count", None);
            Ok(true)
        }
        Err(err) => {
            app.escalations
                .release_job(&e.conversation, &e.escalation_id, EscalationJob::Reminder)
                .await?;
            Err(err.into())
        }
    }
}
