//! The report as text: the weekly chart and the figures, for the terminal and the digest.

use chrono::NaiveDate;

use super::{Report, Week};

/// One line of the weekly chart.
pub struct ChartRow {
    pub start: NaiveDate,
    /// Share answered by the bot, 0..=100.
    pub answered: Option<f64>,
    /// Share of the checked answers marked wrong, 0..=100.
    pub wrong: Option<f64>,
    pub versions: Vec<u32>,
}

impl From<&Week> for ChartRow {
    fn from(w: &Week) -> Self {
        Self {
            start: w.start,
            answered: w.answered_percent(),
            wrong: w.wrong_percent(),
            versions: w.versions.clone(),
        }
    }
}

fn bar(share: Option<f64>, width: usize) -> String {
    let n = share.map_or(0, |p| ((p / 100.0) * width as f64).round() as usize);
    format!("{:<width$}", "█".repeat(n.min(width)), width = width)
}

/// The weekly chart as text: the share answered by the bot as a bar, the share of answers marked
/// wrong, and `◆ v3` in the week version 3 went live.
pub fn weekly_chart(rows: &[ChartRow]) -> String {
    let shown = |p: Option<f64>| p.map_or("–".to_string(), |p| format!("{p:.0} %"));
    let mut out = String::from("week of     answered by the bot         answers marked wrong\n");
    for r in rows {
        let marks: Vec<String> = r.versions.iter().map(|v| format!("◆ v{v}")).collect();
        out.push_str(&format!(
            "{}  {} {:>5}   {} {:>5}  {}\n",
            r.start.format("%Y-%m-%d"),
            bar(r.answered, 20),
            shown(r.answered),
            bar(r.wrong, 10),
            shown(r.wrong),
            marks.join(" ")
        ));
    }
    if rows.iter().any(|r| !r.versions.is_empty()) {
        out.push_str("◆ a new boundary version went live that week\n");
    }
    out
}

fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.0}%", part as f64 * 100.0 / whole as f64)
    }
}

fn minutes(m: Option<f64>) -> String {
    match m {
        None => "–".into(),
        Some(m) if m < 90.0 => format!("{m:.0} min"),
        Some(m) => format!("{:.1} h", m / 60.0),
    }
}

/// The report as plain text.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let rows: Vec<ChartRow> = r.weeks.iter().map(ChartRow::from).collect();
    out.push_str(&weekly_chart(&rows));
    out.push('\n');
    out.push_str("Escalations per week by reason\n");
    out.push_str(&format!("{:<12}", "week of"));
    for reason in &r.reasons {
        out.push_str(&format!(" {:>17}", reason));
    }
    out.push_str(&format!(
        " {:>7} {:>8} {:>10}\n",
        "total", "answers", "escalated"
    ));
    for w in &r.weeks {
        out.push_str(&format!("{:<12}", w.start.to_string()));
        for reason in &r.reasons {
            out.push_str(&format!(
                " {:>17}",
                w.by_reason.get(reason).copied().unwrap_or(0)
            ));
        }
        out.push_str(&format!(
            " {:>7} {:>8} {:>10}\n",
            w.escalations,
            w.answers,
            share(w.escalations, w.escalations + w.answers)
        ));
    }
    let handled = r.answers + r.escalations;
    out.push_str(&format!(
        "\nAnswered by the bot: {} of {} ({}); escalated: {} ({})\n",
        r.answers,
        handled,
        share(r.answers, handled),
        r.escalations,
        share(r.escalations, handled)
    ));
    out.push_str(&format!(
        "Time to resume (by a person): median {}, p90 {}\n",
        minutes(r.median_minutes_to_resume),
        minutes(r.p90_minutes_to_resume)
    ));
    out.push_str(&format!(
        "Auto-resumed (nobody handed back): {} of {} resumed ({})\n",
        r.auto_resumed,
        r.resumed,
        share(r.auto_resumed, r.resumed)
    ));
    out.push_str(&format!(
        "Settled with one click: {} of {} escalations ({}); median {} to the click; another answer than the bot's: {} ({})\n",
        r.one_click,
        r.escalations,
        share(r.one_click, r.escalations),
        minutes(r.median_minutes_to_click),
        r.one_click_replaced,
        share(r.one_click_replaced, r.one_click)
    ));
    out.push_str(&format!("Reminders sent: {}\n", r.reminders));
    out.push_str(&format!(
        "Bot answers judged at a handoff: {} ({} wrong, {})\n",
        r.answers_judged,
        r.answers_wrong,
        share(r.answers_wrong, r.answers_judged)
    ));
    let labels: Vec<String> = r.labels.iter().map(|(k, v)| format!("{k} {v}")).collect();
    out.push_str(&format!(
        "Labels: {}\n",
        if labels.is_empty() {
            "none".into()
        } else {
            labels.join(", ")
        }
    ));
    out
}
