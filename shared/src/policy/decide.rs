//! One decision: answer from knowledge, or escalate with a reason, always with a trace.

use chrono::{DateTime, Utc};

use super::boundary::{Policy, RuleAction};
use super::hours::{describe_opening, WhenClosed};
use super::knowledge::Knowledge;
use super::text::tokens;
use super::trace::DecisionTrace;
use crate::escalation::ReasonCode;
use crate::message::Attachment;

/// What the customer just sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct Turn<'a> {
    pub text: Option<&'a str>,
    /// Quick-reply or postback payload: decided on before any text.
    pub payload: Option<&'a str>,
    pub attachments: &'a [Attachment],
}

/// What the bot does about a turn.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Reply with `text`. `entry` is the knowledge entry or `rule:<name>`.
    Answer {
        entry: String,
        text: String,
        confidence: f64,
    },
    /// Hand the customer to a person.
    Escalate {
        reason: ReasonCode,
        detail: String,
        next_step: String,
        /// What to tell the customer.
        customer_text: String,
    },
}

/// An outcome, what the customer seems to want, and how the policy got there.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub outcome: Outcome,
    pub intent: String,
    pub trace: DecisionTrace,
}

impl Decision {
    /// One line: `answer <entry>` or `escalate <reason>` (the first line of `policy explain`).
    pub fn headline(&self) -> String {
        match &self.outcome {
            Outcome::Answer { entry, .. } => format!("answer {entry}"),
            Outcome::Escalate { reason, .. } => format!("escalate {reason}"),
        }
    }
}

fn default_next_step(reason: &ReasonCode) -> &'static str {
    match reason {
        ReasonCode::Complaint => "Read the complaint, apologise and propose a remedy.",
        ReasonCode::Money => "Check the order and payment, then decide on the refund or charge.",
        ReasonCode::HumanRequest => "Reply to the customer; they asked for a person.",
        ReasonCode::Frustration => "Reply personally and calm things down.",
        ReasonCode::LowConfidence => {
            "Answer the question; consider adding it to the knowledge file."
        }
        ReasonCode::OutsideHours => "Reply when the shop opens.",
        ReasonCode::UnsupportedMedia => "Open the attachment and reply to what it says.",
        ReasonCode::ConfirmDeclined => "Find out what the customer wants instead.",
        ReasonCode::RepeatedFallback => "Answer the question the bot could not.",
        ReasonCode::Rule(_) => "Handle the request named by the rule.",
    }
}

fn short(text: &str, max: usize) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= max {
        t
    } else {
        format!("{}…", t.chars().take(max).collect::<String>())
    }
}

/// Decides what to do with `turn` at `now`. Checks, in order (first that fires wins): rules matching
/// the payload, rules matching phrases or attachments (file order), the human-request, complaint
/// and money triggers, unreadable media, business hours, then knowledge retrieval against the
/// confidence threshold. Below the threshold the bot escalates: it never guesses.
pub fn decide(
    policy: &Policy,
    knowledge: &Knowledge,
    turn: Turn<'_>,
    now: DateTime<Utc>,
) -> Decision {
    let closed = policy.hours.as_ref().filter(|h| !h.is_open(now)).map(|h| {
        h.next_opening(now)
            .as_ref()
            .map(describe_opening)
            .unwrap_or_else(|| "soon".into())
    });
    let d = decide_open(policy, knowledge, turn, now);
    match closed {
        // Whatever the reason, a customer escalated while the shop is closed learns when it opens.
        Some(label) => with_opening(policy, d, &label),
        None => d,
    }
}

/// Replaces the customer text of an escalation with the outside-hours message.
fn with_opening(policy: &Policy, mut d: Decision, label: &str) -> Decision {
    if let Outcome::Escalate { customer_text, .. } = &mut d.outcome {
        *customer_text = policy
            .messages
            .by_reason
            .get("outside_hours")
            .unwrap_or(&policy.messages.outside_hours)
            .replace("{next_opening}", label);
    }
    d
}

fn decide_open(
    policy: &Policy,
    knowledge: &Knowledge,
    turn: Turn<'_>,
    now: DateTime<Utc>,
) -> Decision {
    let mut trace = DecisionTrace::default();
    let text = turn.text.unwrap_or("");
    let words = tokens(text);
    let retrieval = knowledge.retrieve(text);
    let intent = match (&retrieval, text.trim().is_empty()) {
        (Some(r), _) if r.confidence >= policy.confidence_threshold / 2.0 => {
            r.entry.topic.clone().unwrap_or_else(|| r.entry.id.clone())
        }
        (_, false) => format!("\"{}\"", short(text, 80)),
        (_, true) if !turn.attachments.is_empty() => format!(
            "sent {}",
            turn.attachments
                .iter()
                .map(|a| a.kind.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "unknown".to_string(),
    };
    let escalate =
        |reason: ReasonCode, detail: String, next: Option<&str>, trace: DecisionTrace| {
            let next_step = next.unwrap_or(default_next_step(&reason)).to_string();
            let customer_text = policy.handoff_message(&reason).to_string();
            Decision {
                outcome: Outcome::Escalate {
                    reason,
                    detail,
                    next_step,
                    customer_text,
                },
                intent: intent.clone(),
                trace,
            }
        };

    // 1–2. The brand's own rules: payload matches first, then phrases and attachments.
    let payload_rule = turn.payload.and_then(|p| {
        policy
            .rules
            .iter()
            .find(|r| r.payloads.iter().any(|rp| rp == p))
    });
    let matched_rule = payload_rule
        .map(|r| (r, format!("payload {:?}", turn.payload.unwrap_or(""))))
        .or_else(|| {
            policy.rules.iter().find_map(|r| {
                if let Some(p) = r.phrases.iter().find(|p| p.is_in(&words)) {
                    return Some((r, format!("phrase {:?}", p.source)));
                }
                turn.attachments
                    .iter()
                    .find(|a| r.attachments.contains(&a.kind))
                    .map(|a| (r, format!("attachment {}", a.kind)))
            })
        });
    if let Some((rule, why)) = matched_rule {
        trace.record(format!("rule:{}", rule.name), true, why.clone());
        return match rule.action {
            RuleAction::Escalate => escalate(
                ReasonCode::Rule(rule.name.clone()),
                format!("rule {} matched {why}", rule.name),
                rule.next_step.as_deref(),
                trace,
            ),
            RuleAction::Resolve | RuleAction::Confirm => Decision {
                outcome: Outcome::Answer {
                    entry: format!("rule:{}", rule.name),
                    text: rule.text.clone().unwrap_or_default(),
                    confidence: 1.0,
                },
                intent,
                trace,
            },
        };
    }
    trace.record(
        "rules",
        false,
        format!("{} rules, none matched", policy.rules.len()),
    );

    // 3. Built-in phrase triggers.
    for t in &policy.phrase_triggers {
        let check = format!("trigger:{}", t.reason);
        match t.phrases.iter().find(|p| p.is_in(&words)) {
            Some(p) => {
                trace.record(check, true, format!("phrase {:?}", p.source));
                return escalate(
                    t.reason.clone(),
                    format!("the customer wrote {:?}", p.source),
                    t.next_step.as_deref(),
                    trace,
                );
            }
            None => trace.record(check, false, "no phrase matched"),
        }
    }

    // 4. Media the bot cannot read (stickers are never a request).
    if let Some(m) = &policy.media {
        match turn.attachments.iter().find(|a| m.types.contains(&a.kind)) {
            Some(a) => {
                trace.record(
                    "trigger:unsupported_media",
                    true,
                    format!("attachment {}", a.kind),
                );
                let what = if a.kind == "audio" {
                    "a voice message".to_string()
                } else {
                    format!("a {} attachment", a.kind)
                };
                return escalate(
                    ReasonCode::UnsupportedMedia,
                    format!("the customer sent {what}"),
                    m.next_step.as_deref(),
                    trace,
                );
            }
            None => trace.record(
                "trigger:unsupported_media",
                false,
                "no unreadable attachment",
            ),
        }
    }

    // 5. Business hours: outside them a person still takes over, later.
    match &policy.hours {
        Some(h) if !h.is_open(now) => {
            let label = h
                .next_opening(now)
                .as_ref()
                .map(describe_opening)
                .unwrap_or_else(|| "soon".into());
            if h.when_closed == WhenClosed::Escalate {
                trace.record("hours", true, format!("closed; next opening {label}"));
                let d = escalate(
                    ReasonCode::OutsideHours,
                    format!("message arrived outside business hours; next opening {label}"),
                    policy.hours_next_step.as_deref(),
                    trace,
                );
                return with_opening(policy, d, &label);
            }
            trace.record(
                "hours",
                false,
                format!("closed, answering first; next opening {label}"),
            );
        }
        Some(h) => trace.record("hours", false, format!("open ({})", h.zone.name())),
        None => {}
    }

    // 6. Knowledge, or escalate rather than guess.
    match retrieval {
        Some(r) if r.confidence >= policy.confidence_threshold => {
            let runner = r
                .runner_up
                .map(|(id, c)| format!("; runner-up {id} {c:.2}"))
                .unwrap_or_default();
            trace.record_score(
                "knowledge",
                true,
                format!(
                    "best {} ≥ threshold {:.2}{runner}",
                    r.entry.id, policy.confidence_threshold
                ),
                r.confidence,
            );
            Decision {
                outcome: Outcome::Answer {
                    entry: r.entry.id.clone(),
                    text: r.entry.answer.clone(),
                    confidence: r.confidence,
                },
                intent,
                trace,
            }
        }
        other => {
            let (detail, score) = match &other {
                Some(r) => (
                    format!(
                        "best {} below threshold {:.2}",
                        r.entry.id, policy.confidence_threshold
                    ),
                    r.confidence,
                ),
                None => (
                    "no knowledge entry shares a word with the message".to_string(),
                    0.0,
                ),
            };
            trace.record_score("knowledge", true, detail.clone(), score);
            escalate(ReasonCode::LowConfidence, detail, None, trace)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boundary() -> (Policy, Knowledge) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../config");
        let p = Policy::from_toml(&std::fs::read_to_string(format!("{dir}/policy.toml")).unwrap())
            .unwrap();
        let k = Knowledge::from_toml(
            &std::fs::read_to_string(format!("{dir}/knowledge.toml")).unwrap(),
        )
        .unwrap();
        (p, k)
    }

    /// Tuesday 2026-11-24 11:00 in Lyon: the Atelier is open.
    fn open_time() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T11:00:00+01:00")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn headline(text: &str) -> String {
        let (p, k) = boundary();
        decide(
            &p,
            &k,
            Turn {
                text: Some(text),
                ..Default::default()
            },
            open_time(),
        )
        .headline()
    }

    #[test]
    fn answers_what_the_knowledge_file_covers() {
        assert_eq!(
            headline("What are your opening hours?"),
            "answer opening-hours"
        );
        assert_eq!(
            headline("Quels sont vos HORAIRES d'ouverture ?"),
            "answer opening-hours"
        );
        assert_eq!(headline("is it dishwasher safe"), "answer dishwasher");
    }

    #[test]
    fn escalates_on_the_builtin_triggers() {
        assert_eq!(headline("I want to file a complaint"), "escalate complaint");
        assert_eq!(headline("Can I get a refund?"), "escalate money");
        assert_eq!(headline("Je veux être remboursée"), "escalate money");
        assert_eq!(
            headline("Can I talk to a real person please"),
            "escalate human_request"
        );
        assert_eq!(
            headline("we want a wholesale price for my shop"),
            "escalate wholesale"
        );
    }

    #[test]
    fn never_guesses() {
        assert_eq!(
            headline("What is the airspeed of an unladen swallow?"),
            "escalate low_confidence"
        );
        assert_eq!(headline(""), "escalate low_confidence");
    }

    #[test]
    fn payload_rules_decide_before_text() {
        let (p, k) = boundary();
        let d = decide(
            &p,
            &k,
            Turn {
                text: Some("I want to complain"),
                payload: Some("BOOK_WORKSHOP"),
                attachments: &[],
            },
            open_time(),
        );
        assert_eq!(d.headline(), "answer rule:workshop_booking");
        assert_eq!(d.trace.deciding().unwrap().check, "rule:workshop_booking");
    }

    #[test]
    fn voice_messages_escalate_and_stickers_do_not_count_as_media() {
        let (p, k) = boundary();
        let voice = [Attachment {
            kind: "audio".into(),
            url: Some("https://cdn/x.mp4".into()),
        }];
        let d = decide(
            &p,
            &k,
            Turn {
                attachments: &voice,
                ..Default::default()
            },
            open_time(),
        );
        assert_eq!(d.headline(), "escalate unsupported_media");
        let sticker = [Attachment {
            kind: "sticker".into(),
            url: None,
        }];
        let d = decide(
            &p,
            &k,
            Turn {
                attachments: &sticker,
                ..Default::default()
            },
            open_time(),
        );
        assert_ne!(d.headline(), "escalate unsupported_media");
    }

    #[test]
    fn closed_hours_answer_first_and_tell_the_next_opening_on_escalation() {
        let (p, k) = boundary();
        // Sunday 2026-11-22 at 22:00 in Lyon.
        let sunday = DateTime::parse_from_rfc3339("2026-11-22T22:00:00+01:00")
            .unwrap()
            .with_timezone(&Utc);
        let d = decide(
            &p,
            &k,
            Turn {
                text: Some("When are you open?"),
                ..Default::default()
            },
            sunday,
        );
        assert_eq!(d.headline(), "answer opening-hours");
        let d = decide(
            &p,
            &k,
            Turn {
                text: Some("I want a refund"),
                ..Default::default()
            },
            sunday,
        );
        match d.outcome {
            Outcome::Escalate {
                reason,
                customer_text,
                ..
            } => {
                assert_eq!(reason, ReasonCode::Money);
                assert!(
                    customer_text.contains("Tuesday 10:00 (Europe/Paris)"),
                    "{customer_text}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_decision_has_a_trace_naming_what_decided() {
        let (p, k) = boundary();
        let d = decide(
            &p,
            &k,
            Turn {
                text: Some("this is unacceptable"),
                ..Default::default()
            },
            open_time(),
        );
        let step = d.trace.deciding().unwrap();
        assert_eq!(step.check, "trigger:complaint");
        assert!(step.detail.contains("unacceptable"));
        assert!(d
            .trace
            .steps
            .iter()
            .any(|s| s.check == "trigger:human_request" && !s.fired));
    }
}
