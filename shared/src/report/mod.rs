//! The weekly report: escalations by reason, answered vs escalated, time to resume, auto-resumes
//! and reminders — as text, and as HTML with SVG charts drawn by plotters.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::escalation::{AnswersVerdict, Escalation, ResumedBy};

#[cfg(feature = "tools")]
mod html;
mod text;
mod week;

#[cfg(feature = "tools")]
pub use html::render_html;
pub use text::{render_text, weekly_chart, ChartRow};
pub use week::{monday, Week};

/// The report's figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub weeks: Vec<Week>,
    pub reasons: Vec<String>,
    pub escalations: u64,
    pub answers: u64,
    /// Resumed by a person (link, inbox, command line): median and p90 minutes from escalation.
    pub median_minutes_to_resume: Option<f64>,
    pub p90_minutes_to_resume: Option<f64>,
    pub resumed: u64,
    pub auto_resumed: u64,
    pub reminders: u64,
    pub labels: BTreeMap<String, u64>,
    pub answers_judged: u64,
    pub answers_wrong: u64,
    /// Escalations settled with one click, and how many of those replaced the bot's answer
    /// with another (the bot's error rate when unsure, whoever chose to label).
    pub one_click: u64,
    pub one_click_replaced: u64,
    /// Median minutes from escalation to the click.
    pub median_minutes_to_click: Option<f64>,
}

impl Report {
    /// Of the escalations that carried a suggestion and were settled with one click, the share
    /// where a person sent another answer, 0..=100.
    pub fn replaced_percent(&self) -> Option<f64> {
        (self.one_click > 0).then(|| self.one_click_replaced as f64 * 100.0 / self.one_click as f64)
    }
}

fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    // Nearest rank.
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// Builds the report over the `weeks` weeks ending with the week of `now`.
pub fn build_report(
    escalations: &[Escalation],
    answers: &[(NaiveDate, u64)],
    weeks: u32,
    now: DateTime<Utc>,
) -> Report {
    let mut table = empty_weeks(weeks, now);
    let mut report = Report::default();
    let mut durations = Durations::default();
    for e in escalations {
        if let Some(week) = table.get_mut(&monday(e.created_at.date_naive())) {
            count_escalation(e, week, &mut report, &mut durations);
        }
    }
    for (day, n) in answers {
        if let Some(week) = table.get_mut(&monday(*day)) {
            week.answers += n;
            report.answers += n;
        }
    }
    let Durations {
        mut to_resume,
        mut to_click,
        to_click_by_week,
    } = durations;
    to_resume.sort_by(f64::total_cmp);
    report.median_minutes_to_resume = percentile(&to_resume, 0.5);
    to_click.sort_by(f64::total_cmp);
    report.median_minutes_to_click = percentile(&to_click, 0.5);
    for (start, mut minutes) in to_click_by_week {
        minutes.sort_by(f64::total_cmp);
        if let Some(w) = table.get_mut(&start) {
            w.median_minutes_to_click = percentile(&minutes, 0.5);
        }
    }
    report.p90_minutes_to_resume = percentile(&to_resume, 0.9);
    let mut reasons: Vec<String> = table
        .values()
        .flat_map(|w| w.by_reason.keys().cloned())
        .collect();
    reasons.sort();
    reasons.dedup();
    report.reasons = reasons;
    report.weeks = table.into_values().collect();
    report
}

/// The minutes each hand-back and each one click took, for the medians.
#[derive(Default)]
struct Durations {
    to_resume: Vec<f64>,
    to_click: Vec<f64>,
    to_click_by_week: BTreeMap<NaiveDate, Vec<f64>>,
}

/// The `weeks` weeks ending with the week of `now`, by their Monday, nothing counted yet.
fn empty_weeks(weeks: u32, now: DateTime<Utc>) -> BTreeMap<NaiveDate, Week> {
    let last = monday(now.date_naive());
    let first = last - Duration::weeks(i64::from(weeks.max(1)) - 1);
    (0..weeks.max(1))
        .map(|i| {
            let start = first + Duration::weeks(i.into());
            (
                start,
                Week {
                    start,
                    ..Default::default()
                },
            )
        })
        .collect()
}

/// Counts one escalation in its week and in the report: the reason, the reminder, the label,
/// the verdict on earlier answers, the one click and the hand-back.
fn count_escalation(
    e: &Escalation,
    week: &mut Week,
    report: &mut Report,
    durations: &mut Durations,
) {
    week.escalations += 1;
    *week
        .by_reason
        .entry(e.reason.as_str().to_string())
        .or_default() += 1;
    report.escalations += 1;
    if e.reminded_at.is_some() {
        report.reminders += 1;
    }
    if let Some(label) = e.outcome {
        *report.labels.entry(label.as_str().to_string()).or_default() += 1;
    }
    if let Some(verdict) = e.earlier_answers {
        let wrong = u64::from(verdict == AnswersVerdict::Wrong);
        week.answers_judged += 1;
        week.answers_wrong += wrong;
        report.answers_judged += 1;
        report.answers_wrong += wrong;
    }
    if let (Some(one_click), Some(at)) = (&e.one_click, e.resumed_at) {
        let replaced = u64::from(one_click.replaced());
        week.one_click += 1;
        week.one_click_replaced += replaced;
        report.one_click += 1;
        report.one_click_replaced += replaced;
        let minutes = (at - e.created_at).num_seconds().max(0) as f64 / 60.0;
        durations.to_click.push(minutes);
        durations
            .to_click_by_week
            .entry(week.start)
            .or_default()
            .push(minutes);
    }
    match (e.resumed_by, e.resumed_at) {
        (Some(ResumedBy::Expired), Some(_)) => {
            report.resumed += 1;
            report.auto_resumed += 1;
        }
        (Some(_), Some(at)) => {
            report.resumed += 1;
            durations
                .to_resume
                .push((at - e.created_at).num_seconds() as f64 / 60.0);
        }
        _ => {}
    }
}

impl Report {
    /// Marks the weeks where a boundary version went live.
    pub fn mark_versions(&mut self, history: &[crate::live::VersionRecord]) {
        for w in &mut self.weeks {
            w.versions = history
                .iter()
                .filter(|r| monday(r.at.date_naive()) == w.start)
                .map(|r| r.version)
                .collect();
            w.versions.sort_unstable();
        }
    }

    /// Counts the right / wrong clicks on the reviews' samples of answers (an unbiased view of
    /// the answers, where a verdict at a handoff sees only conversations that went wrong enough
    /// to escalate), in the week each answer was given.
    pub fn add_sampled_verdicts(&mut self, reviews: &[crate::review::Review]) {
        for r in reviews {
            for s in &r.sample {
                let Some(d) = r.decision(&s.key) else {
                    continue;
                };
                let wrong = match d.verdict.as_str() {
                    "right" => 0,
                    "wrong" => 1,
                    _ => continue,
                };
                if let Some(w) = self
                    .weeks
                    .iter_mut()
                    .find(|w| w.start == monday(s.at.date_naive()))
                {
                    w.answers_judged += 1;
                    w.answers_wrong += wrong;
                    self.answers_judged += 1;
                    self.answers_wrong += wrong;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escalation::OneClick;

    fn escalation(created: &str, clicked_after_min: Option<i64>, sent: &str) -> Escalation {
        let mut e: Escalation = serde_json::from_value(serde_json::json!({
            "escalation_id": "1764064800000-3fa2c1d9",
            "conversation": crate::conversation::ConversationKey::new(
                crate::conversation::Channel::Messenger, "1", "2"),
            "reason": "low_confidence", "reason_detail": "",
            "summary": {"intent": "x", "tried": [], "next_step": "y"},
            "transcript": [], "trace": {"steps": []},
            "created_at": created, "paused_until": created, "last_customer_at": created,
        }))
        .unwrap();
        if let Some(m) = clicked_after_min {
            e.resumed_at = Some(e.created_at + Duration::minutes(m));
            e.resumed_by = Some(ResumedBy::Link);
            e.one_click = Some(OneClick {
                entry: sent.into(),
                suggested: Some("shipping-time".into()),
            });
        }
        e
    }

    #[test]
    fn counts_the_escalations_settled_with_one_click_and_the_answers_replaced() {
        let now: DateTime<Utc> = "2026-12-03T12:00:00Z".parse().unwrap();
        let escalations = [
            escalation("2026-12-01T10:00:00Z", Some(4), "shipping-time"),
            escalation("2026-12-01T11:00:00Z", Some(12), "order-tracking"),
            escalation("2026-12-02T10:00:00Z", Some(30), "shipping-time"),
            escalation("2026-12-02T11:00:00Z", None, ""),
        ];
        let r = build_report(&escalations, &[], 2, now);
        assert_eq!((r.one_click, r.one_click_replaced), (3, 1));
        assert_eq!(r.median_minutes_to_click, Some(12.0));
        assert_eq!(r.replaced_percent().map(f64::round), Some(33.0));
        let week = r.weeks.last().unwrap();
        assert_eq!((week.one_click, week.one_click_replaced), (3, 1));
        let text = render_text(&r);
        assert!(
            text.contains("Settled with one click: 3 of 4 escalations (75%); median 12 min to the click; another answer than the bot's: 1 (33%)"),
            "{text}"
        );
    }
}
