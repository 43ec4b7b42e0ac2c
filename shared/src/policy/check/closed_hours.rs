//! Business hours: with `when_closed = "escalate"` a person takes every conversation, later;
//! with `answer_first` the checks after this one still answer.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::policy::customer_text::{next_opening_label, with_opening};
use crate::policy::decision::Decision;
use crate::policy::hours::WhenClosed;
use crate::policy::trace::DecisionTrace;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let policy = ctx.policy;
    let now = ctx.now;
    match (&policy.hours, next_opening_label(policy, now)) {
        (Some(h), Some(label)) => {
            if h.when_closed == WhenClosed::Escalate {
                trace.record("hours", true, format!("closed; next opening {label}"));
                let d = ctx.escalate(
                    ReasonCode::OutsideHours,
                    format!("message arrived outside business hours; next opening {label}"),
                    policy.hours_next_step.as_deref(),
                    trace,
                );
                return Some(with_opening(policy, d, &label));
            }
            trace.record(
                "hours",
                false,
                format!("closed, answering first; next opening {label}"),
            );
        }
        (Some(h), None) => trace.record("hours", false, format!("open ({})", h.zone.name())),
        (None, _) => {}
    }
    None
}
