//! The periodic sweep (a schedule in AWS, a timer under `handoff dev`): pauses that ran out resume
//! by themselves, and escalations nobody picked up get one reminder.

use chrono::{DateTime, Duration, Utc};

use super::escalate::resume_url;
use super::resume::{resume_conversation, ResumeResult};
use super::{App, FlowError};
use crate::escalation::HumanLabel;
use crate::escalation::{build_handoff, NoticeKind, ResumedBy};
use crate::ports::{EscalationJob, JobClaim, ResumeRequest};

/// How long a sweep holds an escalation's reminder while publishing it.
const REMINDER_LEASE_SECONDS: i64 = 60;

/// How far back the sweep looks for open escalations.
const LOOKBACK_DAYS: i64 = 35;

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub open: usize,
    pub auto_resumed: usize,
    pub reminders: usize,
}

/// Runs one sweep at `now`. Idempotent: reminders are claimed once per escalation and resumes are
/// conditional, so overlapping or repeated sweeps do nothing twice.
pub async fn sweep(app: &App, now: DateTime<Utc>) -> Result<SweepReport, FlowError> {
    let mut report = SweepReport::default();
    let open = app
        .escalations
        .open_escalations(now - Duration::days(LOOKBACK_DAYS), now)
        .await?;
    report.open = open.len();
    for e in open {
        let state = app.conversations.get_state(&e.conversation).await?;
        let ours = state.escalation_id.as_deref() == Some(e.escalation_id.as_str());
        if !(ours && state.holds_at(now)) {
            // The pause ran out (or the bot already took the customer back on their next message).
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
            if matches!(
                result,
                ResumeResult::Resumed
                    | ResumeResult::AlreadyResumed {
                        by: Some(ResumedBy::Expired),
                        ..
                    }
            ) {
                tracing::info!(escalation_id = %e.escalation_id, "pause ran out; resumed automatically");
                report.auto_resumed += 1;
                crate::metrics::emit("Resumes", 1.0, "Count", Some(("By", "expired")));
            }
            continue;
        }
        let Some(after) = app.policy.remind_after else {
            continue;
        };
        let human_since = state.last_human_at.is_some_and(|t| t >= e.created_at);
        if e.notified_at.is_none()
            || e.reminded_at.is_some()
            || human_since
            || now - e.created_at < after
        {
            continue;
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
            continue;
        }
        let message = build_handoff(&e, &resume_url(app, &e), NoticeKind::Reminder, now);
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
                report.reminders += 1;
                crate::metrics::emit("Reminders", 1.0, "Count", None);
            }
            Err(err) => {
                app.escalations
                    .release_job(&e.conversation, &e.escalation_id, EscalationJob::Reminder)
                    .await?;
                return Err(err.into());
            }
        }
    }
    Ok(report)
}
