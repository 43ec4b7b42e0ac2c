//! The handoff as the team receives it: an email a person reads in twenty seconds, a JSON document
//! for every other subscriber, an ASCII subject and filterable attributes (DESIGN.md "The handoff").

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::notice::{clip, HandoffLinks, HandoffMessage, NoticeKind};
use super::quoting;

use super::record::Escalation;

/// Meta's standard messaging window after the customer's last message.
pub const STANDARD_WINDOW_HOURS: i64 = 24;
/// How long a human agent may reply with the HUMAN_AGENT tag.
pub const HUMAN_AGENT_WINDOW_DAYS: i64 = 7;
/// SNS rejects subjects of 100 characters or more.
const SUBJECT_MAX: usize = 99;
/// How many transcript lines the email shows (the JSON document carries the snapshot).
const EMAIL_LINES: usize = 8;

/// The customer's last message, as the suggestion answers it.
fn last_question(e: &Escalation) -> Option<&str> {
    e.transcript
        .iter()
        .rev()
        .find(|l| l.role == crate::message::Role::Customer && !l.text.trim().is_empty())
        .map(|l| l.text.as_str())
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

/// Makes a string safe as an SNS subject: transliterated to ASCII, printable, one line, < 100 chars.
pub fn ascii_subject(raw: &str) -> String {
    // Letters and digits are transliterated ("Zoë" → "Zoe"); emoji and other symbols are dropped
    // rather than spelled out.
    let ascii: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else if c.is_alphanumeric() {
                deunicode::deunicode_char(c).unwrap_or("?").to_string()
            } else if c == '€' {
                "EUR".to_string()
            } else {
                " ".to_string()
            }
        })
        .collect();
    let mut s: String = ascii
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if s.len() > SUBJECT_MAX {
        s.truncate(SUBJECT_MAX - 3);
        s = format!("{}...", s.trim_end());
    }
    if s.is_empty() {
        "Handoff".to_string()
    } else {
        s
    }
}

/// The part of an escalation id a person tells escalations apart by (its hash).
pub fn short_id(escalation_id: &str) -> &str {
    escalation_id.rsplit('-').next().unwrap_or(escalation_id)
}

/// `ascii_subject(raw)` with `tail` kept whole at its end, within SNS's limit.
fn subject_ending(raw: &str, tail: &str) -> String {
    let mut head = ascii_subject(raw);
    let room = SUBJECT_MAX.saturating_sub(tail.len());
    if head.len() > room {
        head.truncate(room.saturating_sub(3));
        head = format!("{}...", head.trim_end());
    }
    head + tail
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

/// SNS's limit is 256 KB for the whole message; keep a margin for subject and attributes.
const MAX_BODY_BYTES: usize = 250 * 1024;
/// Longest text of one transcript line in the JSON document.
const MAX_LINE_CHARS: usize = 2000;
/// Longest text of one line in the email.
const EMAIL_LINE_CHARS: usize = 400;

/// The frustration signal from the decision trace, when there was one.
fn frustration_signal(e: &Escalation) -> Option<String> {
    e.trace
        .steps
        .iter()
        .find(|s| s.check == "trigger:frustration" && s.score.is_some_and(|sc| sc > 0.0))
        .map(|s| format!("{:.2} — {}", s.score.unwrap_or_default(), s.detail))
}

fn line_json(l: &super::TranscriptLine) -> Value {
    let mut v = json!({
        "at": l.at.to_rfc3339(),
        "role": l.role.as_str(),
        "text": clip(&l.text, MAX_LINE_CHARS),
    });
    if !l.attachments.is_empty() {
        v["attachments"] = l
            .attachments
            .iter()
            .map(|a| json!({"type": a.kind, "url": a.url}))
            .collect();
    }
    v
}

/// Builds the handoff for `e` at `now`. The transcript is trimmed from the oldest line until the
/// whole SNS message fits under the size limit.
pub fn build_handoff(
    e: &Escalation,
    links: &HandoffLinks,
    kind: NoticeKind,
    now: DateTime<Utc>,
) -> HandoffMessage {
    let resume_url = links.resume.as_str();
    let suggested = e.suggestion.as_ref().zip(links.answer.as_ref());
    let standard_closes = e.last_customer_at + Duration::hours(STANDARD_WINDOW_HOURS);
    let human_agent_until = e.last_customer_at + Duration::days(HUMAN_AGENT_WINDOW_DAYS);
    let lead = match kind {
        NoticeKind::Escalation => "A customer needs a person",
        NoticeKind::Reminder => "REMINDER: nobody has picked this up yet",
    };
    // The escalation's id ends the subject: a notice published twice (an invocation cut off
    // mid-publish cannot know whether SNS took it) reads as the same escalation, not a second one.
    let subject = subject_ending(
        &format!(
            "{}[Handoff] {}: {} - {}",
            if kind == NoticeKind::Reminder {
                "Reminder "
            } else {
                ""
            },
            e.reason,
            e.customer_name
                .as_deref()
                .unwrap_or(&e.conversation.user_id),
            e.summary.intent
        ),
        &format!(" ({})", short_id(&e.escalation_id)),
    );

    let mut email = String::new();
    let mut line = |s: &str| {
        email.push_str(s);
        email.push('\n');
    };
    line(&format!("{lead}."));
    line("");
    if let Some((s, answer)) = suggested {
        // First, because it is the one click: the bot's best answer, beside the question it
        // answers, so a person sees at once whether it fits (an off-topic question gets an
        // answer that plainly does not).
        line(&format!(
            "SUGGESTED ANSWER ({}; the bot is {:.0} % sure, entry {}):",
            if e.reason == super::ReasonCode::Approval {
                "it waits for your approval"
            } else {
                "check it answers the question"
            },
            s.chance * 100.0,
            quoting::email_value(&s.entry)
        ));
        if let Some(q) = last_question(e) {
            line(&format!(
                "  Customer: {}",
                quoting::for_email(&clip(q, EMAIL_LINE_CHARS))
            ));
        }
        line(&format!(
            "  Answer:   {}",
            quoting::for_email(&clip(&s.answer, EMAIL_LINE_CHARS))
        ));
        line("Send it with one click (it hands the customer back to the bot):");
        line(&answer.send);
        line("Send another answer instead, or reply yourself:");
        line(&answer.choose);
        line("");
    }
    line(&format!("NEXT STEP: {}", e.summary.next_step));
    line("");
    line(&format!("Who:     {}", who(e)));
    let describe = e.reason.describe();
    if describe == e.reason.as_str() {
        line(&format!("Why:     {describe}"));
    } else {
        line(&format!("Why:     {describe} ({})", e.reason));
    }
    line(&format!(
        "         {}",
        quoting::email_value(&e.reason_detail)
    ));
    line(&format!(
        "Intent:  {}",
        quoting::email_value(&e.summary.intent)
    ));
    if let Some(summary) = &e.summary.ai_summary {
        // Written by a model from the customer's words: quoted like them.
        line(&format!(
            "Summary: {} (AI, from the transcript)",
            quoting::for_email(summary)
        ));
    }
    if let Some(signal) = frustration_signal(e) {
        line(&format!("Mood:    frustration {signal}"));
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
        line(&format!(
            "Hours:   closed; the customer was told a person replies {opening}"
        ));
    }
    line("Tried:");
    if e.summary.tried.is_empty() {
        line("  - nothing yet: the bot stopped at once");
    }
    for t in &e.summary.tried {
        line(&format!("  - {}", quoting::email_value(t)));
    }
    let attachments: Vec<&crate::message::Attachment> =
        e.transcript.iter().flat_map(|l| &l.attachments).collect();
    if !attachments.is_empty() {
        line("");
        line("Attachments:");
        for a in attachments {
            let what = if a.kind == "audio" {
                "voice message / audio".to_string()
            } else {
                a.kind.clone()
            };
            // Meta's own link to the file, left live so a person can open it, on its labelled line.
            line(&format!(
                "  - {}: {}",
                quoting::email_value(&what),
                a.url
                    .as_deref()
                    .map(quoting::one_line)
                    .unwrap_or("(no link)".into())
            ));
        }
    }
    line("");
    match e.transcript_cut.describe() {
        Some(cut) => line(&format!("Last messages ({cut}; the inbox has them whole):")),
        None => line("Last messages:"),
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
        line(&format!(
            "  {} {}: {}",
            l.at.format("%a %H:%M"),
            l.role.as_str(),
            text
        ));
    }
    line("");
    line(&format!(
        "Reply in the {} inbox (Meta Business Suite).",
        if e.conversation.channel == crate::conversation::Channel::Instagram {
            "Instagram"
        } else {
            "Messenger"
        }
    ));
    line(&format!(
        "Reply window: {} left (closes {}); after that a person may reply with the HUMAN_AGENT tag until {}.",
        fmt_span(standard_closes - now),
        fmt_time(standard_closes),
        fmt_time(human_agent_until)
    ));
    line("");
    line("When you are done, hand the customer back to the bot:");
    line(resume_url);
    line("");
    line(&format!(
        "The bot stays silent for this customer until then, or resumes by itself at {}.",
        fmt_time(e.paused_until)
    ));
    line(&format!("Escalation {}", e.escalation_id));

    let mut document = json!({
        "type": "handoff.escalation",
        "version": 1,
        "kind": kind.as_str(),
        "escalation_id": e.escalation_id,
        "conversation": {
            "channel": e.conversation.channel.as_str(),
            "page_id": e.conversation.page_id,
            "user_id": e.conversation.user_id,
        },
        "customer": match &e.customer_name { Some(n) => json!({"name": n}), None => json!({}) },
        "reason": {"code": e.reason.as_str(), "detail": e.reason_detail},
        "summary": {
            "intent": e.summary.intent,
            "tried": e.summary.tried,
            "next_step": e.summary.next_step,
        },
        "ai_summary": e.summary.ai_summary,
        "transcript": e.transcript.iter().map(line_json).collect::<Vec<_>>(),
        "reply_window": {
            "standard_closes_at": standard_closes.to_rfc3339(),
            "human_agent_until": human_agent_until.to_rfc3339(),
        },
        "resume_url": resume_url,
        "paused_until": e.paused_until.to_rfc3339(),
    });
    if let Some((s, answer)) = suggested {
        document["suggestion"] = json!({
            "entry": s.entry,
            "answer": s.answer,
            "language": s.language,
            "chance": (s.chance * 1000.0).round() / 1000.0,
            "send_url": answer.send,
            "choose_url": answer.choose,
        });
    }
    if let Some(signal) = frustration_signal(e) {
        document["frustration"] = json!(signal);
    }
    if e.transcript_cut.omitted > 0 {
        document["transcript_omitted"] = json!(e.transcript_cut.omitted);
    }
    if e.transcript_cut.shortened > 0 {
        document["transcript_shortened"] = json!(e.transcript_cut.shortened);
    }
    let mut message = HandoffMessage {
        subject,
        email,
        chat: super::chat::chat_notification(e, links, kind),
        document,
        attributes: vec![
            ("kind", kind.as_str().to_string()),
            ("reason", e.reason.as_str().to_string()),
            ("channel", e.conversation.channel.as_str().to_string()),
            ("page_id", e.conversation.page_id.clone()),
        ],
    };
    // Drop the oldest lines until the message fits; say how many were left out.
    let mut dropped = e.transcript_cut.omitted;
    while message.sns_body().len() > MAX_BODY_BYTES {
        let Some(lines) = message.document["transcript"].as_array_mut() else {
            break;
        };
        if lines.is_empty() {
            break;
        }
        let n = (lines.len() / 10).max(1);
        lines.drain(..n);
        dropped += n;
        message.document["transcript_omitted"] = json!(dropped);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Channel, ConversationKey};
    use crate::escalation::{EscalationSummary, ReasonCode, TranscriptLine};
    use crate::message::Role;
    use crate::policy::DecisionTrace;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn escalation() -> Escalation {
        Escalation {
            escalation_id: "1764064800000-3fa2c1d9".into(),
            conversation: ConversationKey::new(
                Channel::Messenger,
                "104729384756123",
                "7654321098765432",
            ),
            reason: ReasonCode::Complaint,
            reason_detail: "the customer wrote \"complaint\"".into(),
            summary: EscalationSummary {
                intent: "damaged order".into(),
                tried: vec!["answered with \"shipping-time\" (confidence 0.81)".into()],
                next_step: "Offer a replacement.".into(),
                ai_summary: None,
            },
            transcript: vec![
                TranscriptLine {
                    at: at("2026-11-25T10:00:00Z"),
                    role: Role::Customer,
                    text: "When does it ship?".into(),
                    attachments: vec![],
                },
                TranscriptLine {
                    at: at("2026-11-25T10:00:01Z"),
                    role: Role::Bot,
                    text: "Within 2 days.".into(),
                    attachments: vec![],
                },
                TranscriptLine {
                    at: at("2026-11-25T10:05:00Z"),
                    role: Role::Customer,
                    text: "I want to file a complaint".into(),
                    attachments: vec![],
                },
            ],
            transcript_cut: Default::default(),
            trace: DecisionTrace::default(),
            created_at: at("2026-11-25T10:05:01Z"),
            paused_until: at("2026-11-26T10:05:01Z"),
            last_customer_at: at("2026-11-25T10:05:00Z"),
            customer_name: Some("Zoë Ångström 😀".into()),
            notified_at: None,
            customer_notice_mid: None,
            reminded_at: None,
            resumed_at: None,
            resumed_by: None,
            outcome: None,
            note: None,
            answer_entry: None,
            earlier_answers: None,
            suggestion: None,
            one_click: None,
            labelled_by: None,
        }
    }

    #[test]
    fn the_email_puts_the_action_first_and_holds_everything_needed() {
        let m = build_handoff(
            &escalation(),
            &HandoffLinks {
                resume: "https://r.example/resume/TOKEN".into(),
                answer: None,
            },
            NoticeKind::Escalation,
            at("2026-11-25T10:05:02Z"),
        );
        let lines: Vec<&str> = m.email.lines().collect();
        assert_eq!(lines[0], "A customer needs a person.");
        assert!(lines[2].starts_with("NEXT STEP: Offer a replacement."));
        for needle in [
            "Why:     complaint",
            "Intent:  damaged order",
            "answered with \"shipping-time\" (confidence 0.81)",
            "10:05 customer: \"I want to file a complaint",
            "23 h 59 min left",
            "HUMAN_AGENT tag until Wed 02 Dec 10:05 UTC",
            "resumes by itself at Thu 26 Nov 10:05 UTC",
        ] {
            assert!(
                m.email.contains(needle),
                "missing {needle:?} in\n{}",
                m.email
            );
        }
        // The link stands alone on its line so a phone makes it tappable.
        assert!(lines.contains(&"https://r.example/resume/TOKEN"));
        assert!(
            m.subject.is_ascii() && m.subject.len() < 100,
            "{}",
            m.subject
        );
        assert!(
            m.subject.starts_with("[Handoff] complaint: Zoe Angstrom"),
            "{}",
            m.subject
        );
        assert_eq!(m.document["type"], "handoff.escalation");
        assert_eq!(m.document["reason"]["code"], "complaint");
        assert_eq!(m.document["summary"]["tried"].as_array().unwrap().len(), 1);
        assert_eq!(
            m.document["reply_window"]["standard_closes_at"],
            "2026-11-26T10:05:00+00:00"
        );
        assert!(m.attributes.contains(&("reason", "complaint".to_string())));
        assert!(m
            .attributes
            .contains(&("page_id", "104729384756123".to_string())));
        let body: serde_json::Value = serde_json::from_str(&m.sns_body()).unwrap();
        assert!(body["default"].as_str().unwrap().starts_with('{'));
        assert_eq!(body["email"].as_str().unwrap(), m.email);
    }

    #[test]
    fn subjects_are_ascii_one_line_and_short() {
        let s = ascii_subject("[Handoff] complaint: Zoë Ångström 😀 - broken\nvase");
        assert!(s.is_ascii(), "{s}");
        assert!(!s.contains('\n'));
        assert!(s.contains("Zoe Angstrom"), "{s}");
        let long = ascii_subject(&"x".repeat(300));
        assert!(long.len() < 100);
        let emoji_only = ascii_subject("😀");
        assert!(
            !emoji_only.is_empty() && emoji_only.is_ascii(),
            "{emoji_only}"
        );
    }
}
