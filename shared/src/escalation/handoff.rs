//! The handoff as the team receives it: an email a person reads in twenty seconds, a JSON document
//! for every other subscriber, an ASCII subject and filterable attributes (DESIGN.md "The handoff").

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::email::handoff_email;
use super::notice::{
    clip, frustration_signal, reply_window, HandoffLinks, HandoffMessage, NoticeKind,
};

use super::record::Escalation;

/// SNS rejects subjects of 100 characters or more.
const SUBJECT_MAX: usize = 99;

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

/// SNS's limit is 256 KB for the whole message; keep a margin for subject and attributes.
const MAX_BODY_BYTES: usize = 250 * 1024;
/// Longest text of one transcript line in the JSON document.
const MAX_LINE_CHARS: usize = 2000;

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
    let message = HandoffMessage {
        subject: subject(e, kind),
        email: handoff_email(e, links, kind, now),
        chat: super::chat::chat_notification(e, links, kind),
        document: document(e, links, kind),
        attributes: vec![
            ("kind", kind.as_str().to_string()),
            ("reason", e.reason.as_str().to_string()),
            ("channel", e.conversation.channel.as_str().to_string()),
            ("page_id", e.conversation.page_id.clone()),
        ],
    };
    fit_for_sns(message, e.transcript_cut.omitted)
}

/// `[Handoff] reason: who - intent (id)`: the escalation's id ends the subject, so a notice
/// published twice (an invocation cut off mid-publish cannot know whether SNS took it) reads as
/// the same escalation, not a second one.
fn subject(e: &Escalation, kind: NoticeKind) -> String {
    subject_ending(
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
    )
}

/// The JSON document every subscriber but email gets (`docs/handoff.schema.json`).
fn document(e: &Escalation, links: &HandoffLinks, kind: NoticeKind) -> Value {
    let resume_url = links.resume.as_str();
    let suggested = e.suggestion.as_ref().zip(links.answer.as_ref());
    let (standard_closes, human_agent_until) = reply_window(e);
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
    document
}

/// Drops the oldest transcript lines until the message fits; says how many were left out.
fn fit_for_sns(mut message: HandoffMessage, omitted: usize) -> HandoffMessage {
    let mut dropped = omitted;
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

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn escalation() -> Escalation {
        Escalation {
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
            last_customer_at: at("2026-11-25T10:05:00Z"),
            customer_name: Some("Zoë Ångström 😀".into()),
            ..Escalation::opened(
                "1764064800000-3fa2c1d9".into(),
                ConversationKey::new(Channel::Messenger, "104729384756123", "7654321098765432"),
                ReasonCode::Complaint,
                "the customer wrote \"complaint\"".into(),
                EscalationSummary {
                    intent: "damaged order".into(),
                    tried: vec!["answered with \"shipping-time\" (confidence 0.81)".into()],
                    next_step: "Offer a replacement.".into(),
                    ai_summary: None,
                },
                at("2026-11-25T10:05:01Z"),
                at("2026-11-26T10:05:01Z"),
            )
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
