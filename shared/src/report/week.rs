//! One week's figures (Monday first): what the report, the weekly review and its digest show.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};

/// One week (Monday first). Serialised as the weekly review stores it and its digest shows it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Week {
    pub start: NaiveDate,
    pub by_reason: BTreeMap<String, u64>,
    #[serde(rename = "escalated")]
    pub escalations: u64,
    #[serde(rename = "answered")]
    pub answers: u64,
    /// Escalations whose person said whether the bot's earlier answers were right.
    pub answers_judged: u64,
    /// Of those, the ones marked wrong.
    pub answers_wrong: u64,
    /// Boundary versions that went live this week.
    #[serde(default)]
    pub versions: Vec<u32>,
    /// Escalations a person settled with one click (the suggested answer or another), and of
    /// those, the ones where they sent another answer than the bot's.
    #[serde(default)]
    pub one_click: u64,
    #[serde(default)]
    pub one_click_replaced: u64,
    /// Median minutes from the escalation to the click.
    #[serde(default)]
    pub median_minutes_to_click: Option<f64>,
}

impl Week {
    /// Share of the week's conversations the bot answered, 0..=100.
    pub fn answered_percent(&self) -> Option<f64> {
        let all = self.answers + self.escalations;
        (all > 0).then(|| self.answers as f64 * 100.0 / all as f64)
    }

    /// Share of the judged earlier answers marked wrong, 0..=100.
    pub fn wrong_percent(&self) -> Option<f64> {
        (self.answers_judged > 0)
            .then(|| self.answers_wrong as f64 * 100.0 / self.answers_judged as f64)
    }
}

/// The Monday of `d`'s week.
pub fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday().into())
}
