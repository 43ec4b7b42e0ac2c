//! What the customer is told when the bot hands them to a person (while the shop is closed: when
//! it opens), and what the bot sends once they said yes to a proposal.

use chrono::{DateTime, Utc};

use super::decision::{Decision, Outcome};
use super::hours::describe_opening;
use super::knowledge::Knowledge;
use super::policy_file::Policy;
use crate::escalation::ReasonCode;

/// When a shop closed at `now` opens next ("Tuesday 09:00"; "soon" when no opening is ahead), or
/// `None` while it is open (or has no hours).
pub(super) fn next_opening_label(policy: &Policy, now: DateTime<Utc>) -> Option<String> {
    policy.hours.as_ref().filter(|h| !h.is_open(now)).map(|h| {
        h.next_opening(now)
            .as_ref()
            .map(describe_opening)
            .unwrap_or_else(|| "soon".into())
    })
}

fn outside_hours_text(policy: &Policy, label: &str) -> String {
    policy
        .messages
        .by_reason
        .get("outside_hours")
        .unwrap_or(&policy.messages.outside_hours)
        .replace("{next_opening}", label)
}

/// Replaces the customer text of an escalation with the outside-hours message.
pub(super) fn with_opening(policy: &Policy, mut d: Decision, label: &str) -> Decision {
    if let Outcome::Escalate { customer_text, .. } = &mut d.outcome {
        if !d
            .trace
            .steps
            .iter()
            .any(|s| s.check == "hours" && s.detail.starts_with("closed"))
        {
            d.trace
                .record("hours", false, format!("closed; next opening {label}"));
        }
        *customer_text = outside_hours_text(policy, label);
    }
    d
}

/// What the customer is told when handed to a person for `reason` at `now` (the outside-hours
/// variant, with the next opening, while the shop is closed).
pub fn customer_handoff_text(policy: &Policy, reason: &ReasonCode, now: DateTime<Utc>) -> String {
    match next_opening_label(policy, now) {
        Some(label) => outside_hours_text(policy, &label),
        None => policy.handoff_message(reason).to_string(),
    }
}

/// What to send once the customer said yes to `entry`'s proposal.
pub fn confirmed_text(policy: &Policy, knowledge: &Knowledge, entry: &str) -> Option<String> {
    match entry.strip_prefix("rule:") {
        Some(name) => policy
            .rules
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.confirmed_text.clone()),
        None => knowledge.get(entry).map(|e| e.answer.clone()),
    }
}
