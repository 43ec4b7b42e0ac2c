//! The handoff's email: what a person reads in twenty seconds, the suggested answer and its one
//! click first, then what is needed, who, why, what was tried, the last messages, the reply window
//! and the link that hands the customer back.

use chrono::{DateTime, Duration, Utc};

use super::notice::{
    clip, frustration_signal, reply_window, AnswerLinks, HandoffLinks, NoticeKind,
};
use super::quoting;
use super::record::Escalation;
use crate::policy::Suggestion;

/// How many transcript lines the email shows (the JSON document carries the snapshot).
const EMAIL_LINES: usize = 8;
/// Longest text of one line in the email.
const EMAIL_LINE_CHARS: usize = 400;

/// The email text, one line at a time.
#[derive(Default)]
struct Email(String);

impl Email {
    fn line(&mut self, s: &str) {
        self.0.push_str(s);
        self.0.push('\n');
    }
}

/// The email for `e` at `now` (the reply window's time left is counted from it).
pub(super) fn handoff_email(
    e: &Escalation,
    links: &HandoffLinks,
    kind: NoticeKind,
    now: DateTime<Utc>,
) -> String {
    let mut m = Email::default();
    let lead = match kind {
        NoticeKind::Escalation => "A customer needs a person",
        NoticeKind::Reminder => "REMINDER: nobody has picked this up yet",
    };
    m.line(&format!("{lead}."));
    m.line("");
    if let Some((s, answer)) = e.suggestion.as_ref().zip(links.answer.as_ref()) {
        suggestion(&mut m, e, s, answer);
    }
    about(&mut m, e);
    attachments(&mut m, e);
    last_messages(&mut m, e);
    reply_and_resume(&mut m, e, links, now);
    m.0
}

/// First, because it is the one click: the bot's best answer, beside the question it answers, so
/// a person sees at once whether it fits (an off-topic question gets an answer that plainly does
/// not).
fn suggestion(m: &mut Email, e: &Escalation, s: &Suggestion, answer: &AnswerLinks) {
    m.line(&format!(
        "SUGGESTED ANSWER ({}; the bot is {:.0} % sure, entry {}):",
        if e.reason == super::ReasonCode::Approval {
            "it waits for your approval"
        } else {
            "check it answers the question"
        },
        s.chance * 100.0,
        quoting::email_value(&s.entry)
    ));
    if let Some(q) = e.last_question().map(|l| l.text.as_str()) {
        m.line(&format!(
            "  Customer: {}",
            quoting::for_email(&clip(q, EMAIL_LINE_CHARS))
        ));
    }
    m.line(&format!(
        "  Answer:   {}",
        quoting::for_email(&clip(&s.answer, EMAIL_LINE_CHARS))
    ));
    m.line("Send it with one click (it hands the customer back to the bot):");
    m.line(&answer.send);
    m.line("Send another answer instead, or reply yourself:");
    m.line(&answer.choose);
    m.line("");
}

/// What is needed next, who, why, the intent, the mood, the hours, and what the bot tried.
fn about(m: &mut Email, e: &Escalation) {
    m.line(&format!("NEXT STEP: {}", e.summary.next_step));
    m.line("");
    m.line(&format!("Who:     {}", who(e)));
    let describe = e.reason.describe();
    if describe == e.reason.as_str() {
        m.line(&format!("Why:     {describe}"));
    } else {
        m.line(&format!("Why:     {describe} ({})", e.reason));
    }
    m.line(&format!(
        "         {}",
        quoting::email_value(&e.reason_detail)
    ));
    m.line(&format!(
        "Intent:  {}",
        quoting::email_value(&e.summary.intent)
    ));
    if let Some(summary) = &e.summary.ai_summary {
        // Written by a model from the customer's words: quoted like them.
        m.line(&format!(
            "Summary: {} (AI, from the transcript)",
            quoting::for_email(summary)
        ));
    }
    if let Some(signal) = frustration_signal(e) {
        m.line(&format!("Mood:    frustration {signal}"));
    }
    if let Some(closed) = e
        .trace
        .steps
        .iter()
        .find(|s| s.check == "hours" && s.detail.starts_with("closed"))
    {
        let opening = closed
            .detail
            .split("next opening ")
            .nth(1)
            .unwrap_or("when you open");
        m.line(&format!(
            "Hours:   closed; the customer was told a person replies {opening}"
        ));
    }
    m.line("Tried:");
    if e.summary.tried.is_empty() {
        m.line("  - nothing yet: the bot stopped at once");
    }
    for t in &e.summary.tried {
        m.line(&format!("  - {}", quoting::email_value(t)));
    }
}

/// Meta's own links to the files the customer sent.
fn attachments(m: &mut Email, e: &Escalation) {
    let attachments: Vec<&crate::message::Attachment> =
        e.transcript.iter().flat_map(|l| &l.attachments).collect();
    if !attachments.is_empty() {
        m.line("");
        m.line("Attachments:");
        for a in attachments {
            let what = if a.kind == "audio" {
                "voice message / audio".to_string()
            } else {
                a.kind.clone()
            };
            // Meta's own link to the file, left live so a person can open it, on its labelled line.
            m.line(&format!(
                "  - {}: {}",
                quoting::email_value(&what),
                a.url
                    .as_deref()
                    .map(quoting::one_line)
                    .unwrap_or("(no link)".into())
            ));
        }
    }
}

/// The last lines of the transcript.
fn last_messages(m: &mut Email, e: &Escalation) {
    m.line("");
    match e.transcript_cut.describe() {
        Some(cut) => m.line(&format!("Last messages ({cut}; the inbox has them whole):")),
        None => m.line("Last messages:"),
    }
    let start = e.transcript.len().saturating_sub(EMAIL_LINES);
    for l in &e.transcript[start..] {
        let text = if l.text.trim().is_empty() {
            l.attachments
                .iter()
                .map(|a| format!("[{}]", quoting::email_value(&a.kind)))
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            quoting::for_email(&clip(&l.text, EMAIL_LINE_CHARS))
        };
        m.line(&format!(
            "  {} {}: {}",
            l.at.format("%a %H:%M"),
            l.role.as_str(),
            text
        ));
    }
}

/// Where to reply, for how long, and the link that hands the customer back.
fn reply_and_resume(m: &mut Email, e: &Escalation, links: &HandoffLinks, now: DateTime<Utc>) {
    let (standard_closes, human_agent_until) = reply_window(e);
    let resume_url = links.resume.as_str();
    m.line("");
    m.line(&format!(
        "Reply in the {} inbox (Meta Business Suite).",
        if e.conversation.channel == crate::conversation::Channel::Instagram {
            "Instagram"
        } else {
            "Messenger"
        }
    ));
    m.line(&format!(
        "Reply window: {} left (closes {}); after that a person may reply with the HUMAN_AGENT tag until {}.",
        fmt_span(standard_closes - now),
        fmt_time(standard_closes),
        fmt_time(human_agent_until)
    ));
    m.line("");
    m.line("When you are done, hand the customer back to the bot:");
    m.line(resume_url);
    m.line("");
    m.line(&format!(
        "The bot stays silent for this customer until then, or resumes by itself at {}.",
        fmt_time(e.paused_until)
    ));
    m.line(&format!("Escalation {}", e.escalation_id));
}

/// The customer as the team should see them.
fn who(e: &Escalation) -> String {
    match &e.customer_name {
        Some(n) => format!(
            "{} ({} user {})",
            quoting::email_value(n),
            e.conversation.channel,
            e.conversation.user_id
        ),
        None => format!("{} user {}", e.conversation.channel, e.conversation.user_id),
    }
}

fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%a %d %b %H:%M UTC").to_string()
}

fn fmt_span(d: Duration) -> String {
    if d <= Duration::zero() {
        return "closed".into();
    }
    let h = d.num_hours();
    let m = d.num_minutes() % 60;
    if h >= 48 {
        format!("{} days", h / 24)
    } else if h > 0 {
        format!("{h} h {m:02} min")
    } else {
        format!("{m} min")
    }
}
