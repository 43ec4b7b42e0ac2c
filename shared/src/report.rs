//! The weekly report: escalations by reason, answered vs escalated, time to resume, auto-resumes
//! and reminders — as text, and as HTML with SVG charts drawn by plotters.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use plotters::prelude::*;

use crate::escalation::{AnswersVerdict, Escalation, ResumedBy};

/// One week (Monday first).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Week {
    pub start: NaiveDate,
    pub by_reason: BTreeMap<String, u64>,
    pub escalations: u64,
    pub answers: u64,
    /// Escalations whose person said whether the bot's earlier answers were right.
    pub answers_judged: u64,
    /// Of those, the ones marked wrong.
    pub answers_wrong: u64,
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
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday().into())
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
    let last = monday(now.date_naive());
    let first = last - Duration::weeks(i64::from(weeks.max(1)) - 1);
    let mut table: BTreeMap<NaiveDate, Week> = (0..weeks.max(1))
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
        .collect();
    let mut report = Report::default();
    let mut to_resume = Vec::new();
    for e in escalations {
        let Some(week) = table.get_mut(&monday(e.created_at.date_naive())) else {
            continue;
        };
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
        match (e.resumed_by, e.resumed_at) {
            (Some(ResumedBy::Expired), Some(_)) => {
                report.resumed += 1;
                report.auto_resumed += 1;
            }
            (Some(_), Some(at)) => {
                report.resumed += 1;
                to_resume.push((at - e.created_at).num_seconds() as f64 / 60.0);
            }
            _ => {}
        }
    }
    for (day, n) in answers {
        if let Some(week) = table.get_mut(&monday(*day)) {
            week.answers += n;
            report.answers += n;
        }
    }
    to_resume.sort_by(f64::total_cmp);
    report.median_minutes_to_resume = percentile(&to_resume, 0.5);
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

/// The x-axis label of week `i` ("24 Nov"), shared by the charts.
fn week_label(weeks: &[Week], i: u32) -> String {
    weeks
        .get(i as usize)
        .map(|w| w.start.format("%d %b").to_string())
        .unwrap_or_default()
}

const PALETTE: [RGBColor; 12] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0x39, 0x3b, 0x79),
    RGBColor(0xad, 0x49, 0x4a),
];

fn escalations_chart(r: &Report) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let max = r
            .weeks
            .iter()
            .map(|w| w.escalations)
            .max()
            .unwrap_or(0)
            .max(1);
        let n = r.weeks.len().max(1) as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption("Escalations per week, by reason", ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(40)
            .build_cartesian_2d(0u32..n, 0u64..max + max / 5 + 1)
            .map_err(|e| e.to_string())?;
        let weeks = r.weeks.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(weeks.len())
            .x_label_formatter(&|i| week_label(&weeks, *i))
            .y_desc("escalations")
            .draw()
            .map_err(|e| e.to_string())?;
        for (ri, reason) in r.reasons.iter().enumerate() {
            let color = PALETTE[ri % PALETTE.len()];
            let bars: Vec<Rectangle<(u32, u64)>> = r
                .weeks
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let below: u64 = r.reasons[..ri]
                        .iter()
                        .map(|x| w.by_reason.get(x).copied().unwrap_or(0))
                        .sum();
                    let mine = w.by_reason.get(reason).copied().unwrap_or(0);
                    Rectangle::new(
                        [(i as u32, below), (i as u32 + 1, below + mine)],
                        color.filled(),
                    )
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(|e| e.to_string())?
                .label(reason.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn answered_chart(r: &Report) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let max = r
            .weeks
            .iter()
            .map(|w| w.answers.max(w.escalations))
            .max()
            .unwrap_or(0)
            .max(1);
        let n = r.weeks.len().max(1) as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption("Answered by the bot vs escalated", ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(40)
            .build_cartesian_2d(0u32..n, 0u64..max + max / 5 + 1)
            .map_err(|e| e.to_string())?;
        let weeks = r.weeks.clone();
        chart
            .configure_mesh()
            .x_labels(weeks.len())
            .x_label_formatter(&|i| week_label(&weeks, *i))
            .draw()
            .map_err(|e| e.to_string())?;
        let answered: Vec<(u32, u64)> = r
            .weeks
            .iter()
            .enumerate()
            .map(|(i, w)| (i as u32, w.answers))
            .collect();
        let escalated: Vec<(u32, u64)> = r
            .weeks
            .iter()
            .enumerate()
            .map(|(i, w)| (i as u32, w.escalations))
            .collect();
        chart
            .draw_series(LineSeries::new(answered, PALETTE[2].stroke_width(3)))
            .map_err(|e| e.to_string())?
            .label("answered")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 12, y)], PALETTE[2].stroke_width(3))
            });
        chart
            .draw_series(LineSeries::new(escalated, PALETTE[3].stroke_width(3)))
            .map_err(|e| e.to_string())?
            .label("escalated")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 12, y)], PALETTE[3].stroke_width(3))
            });
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// The boundary moving: the weekly share answered by the bot, and the share of the bot's answers
/// that people marked wrong when they took over (weeks with no verdict have no point).
fn boundary_chart(r: &Report) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let n = r.weeks.len().max(1) as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Share answered by the bot, and of its answers marked wrong",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(40)
            .build_cartesian_2d(0u32..n, 0f64..100f64)
            .map_err(|e| e.to_string())?;
        let weeks = r.weeks.clone();
        chart
            .configure_mesh()
            .x_labels(weeks.len())
            .x_label_formatter(&|i| week_label(&weeks, *i))
            .y_desc("%")
            .draw()
            .map_err(|e| e.to_string())?;
        let series = |f: fn(&Week) -> Option<f64>| -> Vec<(u32, f64)> {
            r.weeks
                .iter()
                .enumerate()
                .filter_map(|(i, w)| f(w).map(|p| (i as u32, p)))
                .collect()
        };
        for (label, points, color) in [
            (
                "answered by the bot",
                series(Week::answered_percent),
                PALETTE[2],
            ),
            (
                "answers marked wrong",
                series(Week::wrong_percent),
                PALETTE[3],
            ),
        ] {
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 12, y)], color.stroke_width(3))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 4, color.filled())),
                )
                .map_err(|e| e.to_string())?;
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// The report as a self-contained HTML page with three SVG charts.
pub fn render_html(r: &Report) -> Result<String, String> {
    let text = html_escape::encode_text(&render_text(r)).to_string();
    Ok(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Handoff report</title>\
<style>body{{font:15px/1.4 system-ui,sans-serif;max-width:820px;margin:1rem auto;padding:0 1rem}}pre{{background:#f6f6f6;padding:.8rem;overflow:auto}}</style></head>\
<body><h1>Handoff report</h1><figure class=\"chart\" id=\"escalations\">{}</figure><figure class=\"chart\" id=\"answered\">{}</figure><figure class=\"chart\" id=\"boundary\">{}</figure><pre>{}</pre></body></html>",
        escalations_chart(r)?,
        answered_chart(r)?,
        boundary_chart(r)?,
        text
    ))
}
