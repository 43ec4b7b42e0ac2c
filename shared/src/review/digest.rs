//! The weekly digest: the week in numbers against the weeks before, the share answered and the
//! share of answers marked wrong as a chart (the weeks a version went live marked), what waits
//! for a decision, and the one signed link to the review page. Email text, the JSON document for
//! HTTPS subscribers, and AWS Chatbot's format for the chat topic.

use serde_json::json;

use super::record::{Change, Review};
use crate::escalation::HandoffMessage;
use crate::report::{ChartRow, Week};
use crate::wording::counted;

fn shown(p: Option<f64>) -> String {
    p.map_or("–".into(), |p| format!("{p:.0} %"))
}

/// The weekly chart (`handoff report` draws the same).
pub fn weekly_chart(weeks: &[Week]) -> String {
    let rows: Vec<ChartRow> = weeks.iter().map(ChartRow::from).collect();
    crate::report::weekly_chart(&rows)
}

fn short(text: &str, n: usize) -> String {
    let line = crate::escalation::quoting::one_line(text);
    if line.chars().count() > n {
        format!("{}…", line.chars().take(n).collect::<String>())
    } else {
        line
    }
}

fn describe(change: &Change) -> String {
    match change {
        Change::Question { entry, text } => format!("answer \"{}\" with {entry}", short(text, 120)),
        Change::Outside { text } => format!("leave \"{}\" to a person", short(text, 120)),
        Change::Draft { id, questions, .. } => {
            format!("a new entry {id} ({} questions)", questions.len())
        }
    }
}

/// The week in figures: decided, answered, escalated by reason, wrong, time to hand back, one
/// click, and the week before.
fn week_in_numbers(review: &Review, week: &Week) -> String {
    let before = review.weeks.iter().rev().nth(1);
    let mut out = String::new();
    out.push_str(&format!(
        "Customer questions decided: {}\nAnswered by the bot: {} ({})\nEscalated to a person: {}\n",
        week.answers + week.escalations,
        week.answers,
        shown(week.answered_percent()),
        week.escalations
    ));
    for (reason, n) in &week.by_reason {
        // In words, as the review page says them ("the bot was not sure of the answer").
        let words = crate::escalation::ReasonCode::from(reason.clone()).describe();
        out.push_str(&format!("  {words}: {n}\n"));
    }
    out.push_str(&format!(
        "Answers marked wrong: {} of {} checked\nMedian time to hand back: {}\n",
        week.answers_wrong,
        week.answers_judged,
        review
            .median_minutes_to_resume
            .map_or("–".into(), |m| format!("{m:.0} min"))
    ));
    if week.one_click > 0 {
        out.push_str(&format!(
            "Settled with one click: {} of {} escalations, median {} from the handoff to the click; {} with another answer than the bot's ({}).\n",
            week.one_click,
            week.escalations,
            week.median_minutes_to_click
                .map_or("–".into(), |m| format!("{m:.0} min")),
            week.one_click_replaced,
            shown(Some(week.one_click_replaced as f64 * 100.0 / week.one_click as f64))
        ));
    }
    if let Some(b) = before {
        out.push_str(&format!(
            "The week before: {} answered of {}, {} escalated.\n",
            b.answers,
            b.answers + b.escalations,
            b.escalations
        ));
    }
    out
}

/// The review as the JSON document machine subscribers (HTTPS, SQS) parse.
fn document(review: &Review, url: &str) -> serde_json::Value {
    json!({
        "type": "handoff.review",
        "version": 1,
        "review": review.id.to_string(),
        "from": review.from,
        "to": review.to,
        "boundary_version": review.version,
        "weeks": review.weeks,
        "median_minutes_to_resume": review.median_minutes_to_resume,
        "proposals": review.proposals.len(),
        "sample": review.sample.len(),
        "review_url": url,
    })
}

/// The chat card (AWS Chatbot's custom notification) with the chart and the link.
fn chat_card(review: &Review, week: &Week, url: &str) -> serde_json::Value {
    json!({
        "version": "1.0",
        "source": "custom",
        "id": format!("review-{}", review.id),
        "content": {
            "textType": "client-markdown",
            "title": format!("Weekly review: {} answered, {} escalated", week.answers, week.escalations),
            "description": format!(
                "{} and {} to check.\n```\n{}```",
                counted(review.proposals.len(), "proposal", "proposals"),
                counted(review.sample.len(), "answer", "answers"),
                weekly_chart(&review.weeks)
            ),
            "nextSteps": [format!("Review: {url}")],
            "keywords": ["review"],
        },
        "metadata": { "summary": format!("Weekly review {}", review.id) },
    })
}

pub fn render_digest(review: &Review, url: &str) -> HandoffMessage {
    let week = review.weeks.last().cloned().unwrap_or_default();
    let mut email = format!(
        "Your bot's week, {} to {}\n\n",
        review.from.format("%d %b"),
        review.to.format("%d %b %Y")
    );
    email.push_str(&week_in_numbers(review, &week));
    email.push('\n');
    email.push_str(&weekly_chart(&review.weeks));
    email.push_str(&format!(
        "\nWaiting for your decision: {} from this week's labels, {} to check.\n",
        counted(review.proposals.len(), "proposal", "proposals"),
        counted(review.sample.len(), "answer", "answers")
    ));
    for p in review.proposals.iter().take(8) {
        email.push_str(&format!("  - {}\n", describe(&p.change)));
    }
    if review.proposals.len() > 8 {
        email.push_str(&format!("  … and {} more\n", review.proposals.len() - 8));
    }
    if !review.wordless.is_empty() {
        email.push_str(&format!(
            "{} labelled messages had no words to learn from (e.g. \"{}\") and teach nothing.\n",
            review.wordless.len(),
            short(&review.wordless[0], 40)
        ));
    }
    email.push_str(&format!(
        "\nReview and apply with one click (the link works for 7 days):\n{url}\n\nNothing changes until someone accepts a proposal on that page.\n"
    ));
    let subject = format!(
        "Handoff weekly review: {} answered, {} escalated, {}",
        week.answers,
        week.escalations,
        counted(review.proposals.len(), "proposal", "proposals")
    );
    let document = document(review, url);
    let chat = chat_card(review, &week, url);
    HandoffMessage {
        subject,
        email,
        document,
        attributes: vec![("kind", "review".into())],
        chat,
    }
}
