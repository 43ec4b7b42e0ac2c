//! The handoff for Slack and Microsoft Teams: the custom-notification event that AWS Chatbot
//! (Amazon Q Developer in chat applications) renders natively from an SNS topic it subscribes to.
//! Chatbot drops anything else without a word, so the shape is checked against
//! `docs/chatbot-notification.schema.json` in the tests.

use serde_json::{json, Value};

use super::notice::{HandoffLinks, NoticeKind};
use super::record::Escalation;
use crate::message::Role;

/// Handoff's own bounds, well inside what chat clients show without folding.
pub const TITLE_MAX: usize = 250;
pub const DESCRIPTION_MAX: usize = 4_000;
const LINES: usize = 6;
const LINE_MAX: usize = 300;

/// At most `max` characters, the ellipsis included.
fn cut(s: &str, max: usize) -> String {
    super::notice::clip(s, max.saturating_sub(1))
}

use super::quoting::for_chat as quote;

/// The Chatbot custom notification for `e`.
pub fn chat_notification(e: &Escalation, links: &HandoffLinks, kind: NoticeKind) -> Value {
    let who = e
        .customer_name
        .clone()
        .unwrap_or_else(|| format!("{} user {}", e.conversation.channel, e.conversation.user_id));
    let lead = match kind {
        NoticeKind::Escalation => ":raising_hand: A customer needs a person",
        NoticeKind::Reminder => ":alarm_clock: Reminder: nobody has picked this up",
    };
    let title = cut(
        &format!("{lead}: {} ({})", quote(&who), e.reason),
        TITLE_MAX,
    );
    let description = description(e, links);
    let next_steps = next_steps(e, links);
    json!({
        "version": "1.0",
        "source": "custom",
        "id": format!("{}-{}", e.escalation_id, kind.as_str()),
        "content": {
            "textType": "client-markdown",
            "title": title,
            "description": description,
            "nextSteps": next_steps,
            "keywords": [e.reason.as_str(), e.conversation.channel.as_str(), kind.as_str()],
        },
        "metadata": {
            // A reminder threads under its escalation.
            "threadId": e.escalation_id,
            "summary": cut(&format!("{} needs a person: {}", quote(&who), e.reason), TITLE_MAX),
            "eventType": format!("handoff.{}", kind.as_str()),
            "additionalContext": {
                "escalation_id": e.escalation_id,
                "reason": e.reason.as_str(),
                "channel": e.conversation.channel.as_str(),
                "page_id": e.conversation.page_id,
                "user_id": e.conversation.user_id,
            },
        },
    })
}

/// The card's body: the suggestion and its links first, the next step, why, the intent, what was
/// tried, the last messages; cut to fit, the escalation's id and the resume link kept whole.
fn description(e: &Escalation, links: &HandoffLinks) -> String {
    // The suggestion first, whole, with its links: the card's one click.
    let suggestion = match (&e.suggestion, &links.answer) {
        (Some(s), Some(a)) => format!(
            "*Suggested answer* ({:.0} % sure, entry {}): {}\n*Send it:* {}\n*Another answer, or reply yourself:* {}\n",
            s.chance * 100.0,
            quote(&s.entry),
            cut(&quote(&s.answer), LINE_MAX * 2),
            a.send,
            a.choose
        ),
        _ => String::new(),
    };
    let resume_url = links.resume.as_str();
    let mut description = format!(
        "{suggestion}*Next step:* {}\n*Why:* {} — {}\n*Intent:* {}\n",
        quote(&e.summary.next_step),
        e.reason.describe(),
        quote(&e.reason_detail),
        quote(&e.summary.intent),
    );
    if let Some(summary) = &e.summary.ai_summary {
        description.push_str(&format!("*Summary (AI):* {}\n", quote(summary)));
    }
    if !e.summary.tried.is_empty() {
        description.push_str(&format!(
            "*Tried:* {}\n",
            quote(&e.summary.tried.join("; "))
        ));
    }
    match e.transcript_cut.describe() {
        Some(cut) => description.push_str(&format!("*Last messages* ({cut}):\n")),
        None => description.push_str("*Last messages:*\n"),
    }
    let start = e.transcript.len().saturating_sub(LINES);
    for l in &e.transcript[start..] {
        let who = match l.role {
            Role::Customer => "Customer",
            Role::Bot => "Bot",
            Role::Human => "Team",
        };
        description.push_str(&format!("> {who}: {}\n", cut(&quote(&l.text), LINE_MAX)));
    }
    // The escalation's id, so a card posted twice reads as the same escalation; the link last
    // and whole: a cut link is a broken one.
    let link = format!("\n*Escalation:* {}", e.escalation_id)
        + &if resume_url.is_empty() {
            String::new()
        } else {
            format!("\n*Hand the customer back to the bot when done:* {resume_url}")
        };
    cut(
        &description,
        DESCRIPTION_MAX.saturating_sub(link.chars().count()),
    ) + &link
}

/// The card's buttons-as-lines: the one click, the next step, where to reply, the hand-back.
fn next_steps(e: &Escalation, links: &HandoffLinks) -> Vec<String> {
    let resume_url = links.resume.as_str();
    let mut next_steps = Vec::new();
    if let (Some(_), Some(a)) = (&e.suggestion, &links.answer) {
        next_steps.push(format!(
            "Send the suggested answer in one click: {}",
            a.send
        ));
    }
    next_steps.push(cut(&quote(&e.summary.next_step), LINE_MAX));
    next_steps.push("Reply to the customer in the Page Inbox or the Instagram Inbox.".to_string());
    if !resume_url.is_empty() {
        next_steps.push(format!("When done, hand the customer back: {resume_url}"));
    }
    next_steps
}
