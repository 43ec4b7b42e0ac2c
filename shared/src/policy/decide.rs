//! One decision: answer, confirm, clarify, stay quiet, or escalate with a reason — always with a
//! trace of every check and its score.

use chrono::{DateTime, Utc};

use super::boundary::{LowConfidence, Policy, RuleAction};
use super::frustration::frustration_score;
use super::hours::{describe_opening, WhenClosed};
use super::knowledge::{Knowledge, Retrieval};
use super::money::currency_amount;
use super::questions::split_questions;
use super::small_talk::small_talk;
use super::text::tokens;
use super::trace::DecisionTrace;
use crate::escalation::ReasonCode;
use crate::message::{Attachment, Message, Role};
use crate::state::PendingConfirmation;

/// Payload of the "yes" quick reply of the confirm flow.
pub const CONFIRM_YES: &str = "HANDOFF_CONFIRM_YES";
/// Payload of the "no" quick reply.
pub const CONFIRM_NO: &str = "HANDOFF_CONFIRM_NO";
/// Payload of the "talk to a person" quick reply.
pub const ASK_PERSON: &str = "HANDOFF_HUMAN";
/// Attachment types Meta documents; anything else is unreadable by definition.
const KNOWN_ATTACHMENTS: &[&str] = &[
    "audio",
    "image",
    "video",
    "file",
    "sticker",
    "fallback",
    "reel",
    "ig_reel",
    "post",
    "ig_post",
    "share",
    "story_mention",
    "template",
    "location",
];

/// Entry name of the bot's "please rephrase" replies (counted for `repeated_fallback`).
pub const CLARIFY_ENTRY: &str = "clarify";

/// What the customer just sent, and the context it arrives in.
#[derive(Clone, Copy, Debug, Default)]
pub struct Turn<'a> {
    pub text: Option<&'a str>,
    /// Quick-reply or postback payload: decided on before any text.
    pub payload: Option<&'a str>,
    pub attachments: &'a [Attachment],
    /// Earlier messages of the conversation, oldest first (not including this one).
    pub history: &'a [Message],
    /// A proposal the bot made and is waiting on.
    pub pending: Option<&'a PendingConfirmation>,
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
    /// Propose `text` with yes / no / person buttons and wait.
    Confirm {
        entry: String,
        text: String,
        confidence: f64,
    },
    /// Ask the customer to rephrase (only with `on_low_confidence = "clarify"`).
    Clarify { text: String, confidence: f64 },
    /// Nothing to answer (a sticker, a thumbs-up): stay quiet.
    Acknowledge,
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
    /// One line: `answer <entry>`, `confirm <entry>`, `clarify`, `acknowledge` or
    /// `escalate <reason>` (the first line of `policy explain`).
    pub fn headline(&self) -> String {
        match &self.outcome {
            Outcome::Answer { entry, .. } => format!("answer {entry}"),
            Outcome::Confirm { entry, .. } => format!("confirm {entry}"),
            Outcome::Clarify { .. } => "clarify".into(),
            Outcome::Acknowledge => "acknowledge".into(),
            Outcome::Escalate { reason, .. } => format!("escalate {reason}"),
        }
    }

    /// Whether knowledge retrieval decided (where an LLM engine may take over).
    pub fn decided_by_knowledge(&self) -> bool {
        self.trace
            .deciding()
            .is_some_and(|s| s.check == "knowledge")
    }
}

/// The next step a person should take, when the policy file names none.
pub fn default_next_step(reason: &ReasonCode) -> &'static str {
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
        ReasonCode::RepeatedFallback => "Answer the question the bot could not understand.",
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

/// Decides what to do with `turn` at `now` (the customer's time, for business hours).
///
/// Order (the first check that fires wins): a pending confirmation's answer; rules matching the
/// payload; rules matching phrases, attachments or knowledge topics (file order); the request for a
/// person; frustration; complaint and money (unless the customer only asks about them and knowledge
/// answers); unreadable media; business hours when they escalate; knowledge against the confidence
/// threshold. Below the threshold the bot escalates (or asks to rephrase): it never guesses.
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
        if !d
            .trace
            .steps
            .iter()
            .any(|s| s.check == "hours" && s.detail.starts_with("closed"))
        {
            d.trace
                .record("hours", false, format!("closed; next opening {label}"));
        }
        *customer_text = policy
            .messages
            .by_reason
            .get("outside_hours")
            .unwrap_or(&policy.messages.outside_hours)
            .replace("{next_opening}", label);
    }
    d
}

struct Ctx<'p> {
    policy: &'p Policy,
    intent: String,
}

impl Ctx<'_> {
    fn escalate(
        &self,
        reason: ReasonCode,
        detail: String,
        next: Option<&str>,
        trace: DecisionTrace,
    ) -> Decision {
        let next_step = next.unwrap_or(default_next_step(&reason)).to_string();
        let customer_text = self.policy.handoff_message(&reason).to_string();
        Decision {
            outcome: Outcome::Escalate {
                reason,
                detail,
                next_step,
                customer_text,
            },
            intent: self.intent.clone(),
            trace,
        }
    }

    fn outcome(&self, outcome: Outcome, trace: DecisionTrace) -> Decision {
        Decision {
            outcome,
            intent: self.intent.clone(),
            trace,
        }
    }
}

fn intent_of(
    policy: &Policy,
    retrieval: &Option<Retrieval<'_>>,
    turn: &Turn<'_>,
    text: &str,
) -> String {
    match retrieval {
        Some(r) if r.confidence >= policy.confidence_threshold / 2.0 => {
            r.entry.topic.clone().unwrap_or_else(|| r.entry.id.clone())
        }
        _ if !text.trim().is_empty() => format!("\"{}\"", short(text, 80)),
        _ if !turn.attachments.is_empty() => format!(
            "sent {}",
            turn.attachments
                .iter()
                .map(|a| if a.kind == "audio" {
                    "a voice message"
                } else {
                    a.kind.as_str()
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "unknown".to_string(),
    }
}

/// How many "please rephrase" replies the bot sent in a row, most recent last.
fn clarifications_in_a_row(history: &[Message]) -> u32 {
    let mut n = 0;
    for m in history.iter().rev().filter(|m| m.role == Role::Bot) {
        match &m.answer {
            Some(a) if a.entry == CLARIFY_ENTRY => n += 1,
            _ => break,
        }
    }
    n
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
    let lex = &policy.lexicon;
    let retrieval = knowledge.retrieve_words(words.clone());
    let answers_well = retrieval
        .as_ref()
        .filter(|r| r.confidence >= policy.confidence_threshold);
    let ctx = Ctx {
        policy,
        intent: intent_of(policy, &retrieval, &turn, text),
    };

    // 0. The answer to a pending proposal.
    if let Some(pending) = turn.pending {
        let said_yes = turn.payload == Some(CONFIRM_YES)
            || (turn.payload.is_none()
                && lex.is_only(&lex.yes, &words)
                && !lex.is_only(&lex.no, &words));
        let said_no = turn.payload == Some(CONFIRM_NO)
            || (turn.payload.is_none() && lex.is_only(&lex.no, &words));
        if said_yes {
            trace.record(
                "confirm",
                true,
                format!("customer confirmed {}", pending.entry),
            );
            let text = confirmed_text(policy, knowledge, &pending.entry);
            return match text {
                Some(text) => ctx.outcome(
                    Outcome::Answer {
                        entry: pending.entry.clone(),
                        text,
                        confidence: 1.0,
                    },
                    trace,
                ),
                None => ctx.escalate(
                    ReasonCode::LowConfidence,
                    format!(
                        "the customer confirmed {}, which no longer exists in the boundary",
                        pending.entry
                    ),
                    None,
                    trace,
                ),
            };
        }
        if said_no {
            trace.record(
                "confirm",
                true,
                format!("customer declined {}", pending.entry),
            );
            return ctx.escalate(
                ReasonCode::ConfirmDeclined,
                format!(
                    "the customer said no to the bot's proposal ({})",
                    pending.entry
                ),
                None,
                trace,
            );
        }
        trace.record(
            "confirm",
            false,
            format!(
                "pending {}; the message is neither yes nor no, evaluated afresh",
                pending.entry
            ),
        );
    }

    // 1–2. The brand's own rules: payload matches first, then phrases, attachments and topics.
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
                if let Some(p) = r
                    .phrases
                    .iter()
                    .find(|p| p.positions_in(&words).any(|at| !lex.negated(&words, at)))
                {
                    return Some((r, format!("{:?}", p.source)));
                }
                if let Some(a) = turn
                    .attachments
                    .iter()
                    .find(|a| r.attachments.contains(&a.kind))
                {
                    return Some((r, format!("attachment {}", a.kind)));
                }
                answers_well
                    .and_then(|a| a.entry.topic.as_ref().filter(|t| r.topics.contains(t)))
                    .map(|t| (r, format!("knowledge topic {t:?}")))
            })
        });
    if let Some((rule, why)) = matched_rule {
        trace.record(format!("rule:{}", rule.name), true, why.clone());
        let entry = format!("rule:{}", rule.name);
        let text = rule.text.clone().unwrap_or_default();
        return match rule.action {
            RuleAction::Escalate => ctx.escalate(
                ReasonCode::Rule(rule.name.clone()),
                format!("rule {} matched {why}", rule.name),
                rule.next_step.as_deref(),
                trace,
            ),
            RuleAction::Resolve => ctx.outcome(
                Outcome::Answer {
                    entry,
                    text,
                    confidence: 1.0,
                },
                trace,
            ),
            RuleAction::Confirm => ctx.outcome(
                Outcome::Confirm {
                    entry,
                    text,
                    confidence: 1.0,
                },
                trace,
            ),
        };
    }
    trace.record(
        "rules",
        false,
        format!("{} rules, none matched", policy.rules.len()),
    );

    // 3. A request for a person, typed or tapped.
    if let Some(t) = &policy.human_request {
        let hit = if turn.payload == Some(ASK_PERSON) {
            Some("the \"talk to a person\" button".to_string())
        } else {
            lex.find(&t.phrases, &words)
                .or_else(|| lex.asks_for_person_alone(&words))
                .map(|p| format!("{:?}", p.source))
        };
        match hit {
            Some(why) => {
                trace.record("trigger:human_request", true, why.clone());
                return ctx.escalate(
                    ReasonCode::HumanRequest,
                    format!("the customer asked for a person ({why})"),
                    t.next_step.as_deref(),
                    trace,
                );
            }
            None => trace.record("trigger:human_request", false, "no request for a person"),
        }
    }

    // 4. Frustration.
    if let Some(f) = &policy.frustration {
        let score = frustration_score(f, lex, text, &words, turn.history);
        let fired = score.total >= f.threshold;
        trace.record_score(
            "trigger:frustration",
            fired,
            format!("{} (threshold {:.2})", score.describe(), f.threshold),
            score.total,
        );
        if fired {
            return ctx.escalate(
                ReasonCode::Frustration,
                format!("frustration score {:.2}: {}", score.total, score.describe()),
                f.next_step.as_deref(),
                trace,
            );
        }
    }

    // 5. Complaint and money: topics the bot never touches, unless the customer only asks about them.
    for t in policy.topic_triggers() {
        let check = format!("trigger:{}", t.reason);
        let mut hit = lex
            .find(&t.phrases, &words)
            .map(|p| format!("{:?}", p.source));
        if hit.is_none() && t.reason == ReasonCode::Money {
            hit = currency_amount(text).map(|a| format!("the amount {a:?}"));
        }
        let Some(why) = hit else {
            trace.record(check, false, "no phrase matched");
            continue;
        };
        if t.answer_questions_about && lex.asks_about(&words) && answers_well.is_some() {
            trace.record(
                check,
                false,
                format!("{why}, but the customer asks about it and knowledge answers"),
            );
            continue;
        }
        trace.record(check, true, why.clone());
        return ctx.escalate(
            t.reason.clone(),
            format!("the customer wrote {why}"),
            t.next_step.as_deref(),
            trace,
        );
    }

    // 6. Media the bot cannot read (stickers are never a request).
    if let Some(m) = &policy.media {
        // Types Meta may add later are treated as unreadable: a person looks rather than nobody.
        let unreadable =
            |kind: &str| m.types.iter().any(|t| t == kind) || !KNOWN_ATTACHMENTS.contains(&kind);
        match turn.attachments.iter().find(|a| unreadable(&a.kind)) {
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
                return ctx.escalate(
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

    // 6b. Small talk gets a friendly reply whatever the hour: a greeting never pauses anyone.
    if let Some(replies) = &policy.small_talk {
        if let Some(kind) = small_talk(lex, &words) {
            trace.record("small_talk", true, kind.as_str());
            return ctx.outcome(
                Outcome::Answer {
                    entry: format!("small_talk:{}", kind.as_str()),
                    text: replies.reply(kind).to_string(),
                    confidence: 1.0,
                },
                trace,
            );
        }
    }

    // 7. Business hours: in `escalate` mode a person takes every conversation, later.
    match &policy.hours {
        Some(h) if !h.is_open(now) => {
            let label = h
                .next_opening(now)
                .as_ref()
                .map(describe_opening)
                .unwrap_or_else(|| "soon".into());
            if h.when_closed == WhenClosed::Escalate {
                trace.record("hours", true, format!("closed; next opening {label}"));
                let d = ctx.escalate(
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

    // 8. Nothing to read: a sticker or emoji is not a question.
    if words.is_empty() {
        trace.record(
            "content",
            true,
            "no words to answer (sticker, emoji or empty)",
        );
        return ctx.outcome(Outcome::Acknowledge, trace);
    }

    // 9. Several questions: each part answered, or the one the knowledge lacks named.
    let parts = split_questions(text, &words);
    if !parts.is_empty() {
        if let Some(d) = several_questions(&ctx, knowledge, &parts, &mut trace) {
            return d;
        }
    }

    // 10. Knowledge, or escalate rather than guess.
    match answers_well {
        Some(r) => {
            let runner = r
                .runner_up
                .map(|(id, c)| format!("; runner-up {id} {c:.2}"))
                .unwrap_or_default()
                + &format!("; words known {:.0}%", r.coverage * 100.0);
            trace.record_score(
                "knowledge",
                true,
                format!(
                    "best {} ≥ threshold {:.2}{runner}",
                    r.entry.id, policy.confidence_threshold
                ),
                r.confidence,
            );
            let entry = r.entry.id.clone();
            match (&r.entry.confirm_prompt, r.entry.confirm) {
                (Some(prompt), true) => ctx.outcome(
                    Outcome::Confirm {
                        entry,
                        text: prompt.clone(),
                        confidence: r.confidence,
                    },
                    trace,
                ),
                _ => ctx.outcome(
                    Outcome::Answer {
                        entry,
                        text: r.entry.answer.clone(),
                        confidence: r.confidence,
                    },
                    trace,
                ),
            }
        }
        None => {
            let (detail, score) = match &retrieval {
                Some(r) => (
                    format!(
                        "best {} below threshold {:.2}; {}",
                        r.entry.id,
                        policy.confidence_threshold,
                        if r.outside_best {
                            "closest to an [outside] example".to_string()
                        } else {
                            format!(
                                "p {:.2}, runner-up {}, words known {:.0}%",
                                r.probability,
                                r.runner_up
                                    .map(|(id, p)| format!("{id} {p:.2}"))
                                    .unwrap_or_else(|| "none".into()),
                                r.coverage * 100.0
                            )
                        }
                    ),
                    r.confidence,
                ),
                None => (
                    "no knowledge entry shares a word with the message".to_string(),
                    0.0,
                ),
            };
            if policy.on_low_confidence == LowConfidence::Clarify {
                let previous = clarifications_in_a_row(turn.history);
                if previous + 1 >= policy.max_clarifications {
                    trace.record_score(
                        "knowledge",
                        true,
                        format!("{detail}; {} clarifications in a row", previous + 1),
                        score,
                    );
                    return ctx.escalate(
                        ReasonCode::RepeatedFallback,
                        format!(
                            "the bot could not understand {} messages in a row",
                            previous + 1
                        ),
                        None,
                        trace,
                    );
                }
                trace.record_score(
                    "knowledge",
                    true,
                    format!("{detail}; asking to rephrase"),
                    score,
                );
                return ctx.outcome(
                    Outcome::Clarify {
                        text: policy.clarify_text.clone(),
                        confidence: score,
                    },
                    trace,
                );
            }
            trace.record_score("knowledge", true, detail.clone(), score);
            ctx.escalate(ReasonCode::LowConfidence, detail, None, trace)
        }
    }
}

/// A message with several questions: one answer made of each part's entry when every part clears
/// the threshold; an escalation naming the part nobody wrote about when only some do; `None`
/// (decide on the whole message) when no part does, since the split may have been wrong.
fn several_questions(
    ctx: &Ctx<'_>,
    knowledge: &Knowledge,
    parts: &[String],
    trace: &mut DecisionTrace,
) -> Option<Decision> {
    let threshold = ctx.policy.confidence_threshold;
    let found: Vec<(&str, Option<Retrieval<'_>>)> = parts
        .iter()
        .map(|p| (p.as_str(), knowledge.retrieve(p)))
        .collect();
    let confident =
        |r: &Option<Retrieval<'_>>| r.as_ref().is_some_and(|r| r.confidence >= threshold);
    let answered: Vec<&Retrieval<'_>> = found
        .iter()
        .filter(|(_, r)| confident(r))
        .filter_map(|(_, r)| r.as_ref())
        .collect();
    if answered.is_empty() {
        return None;
    }
    let score = found
        .iter()
        .map(|(_, r)| r.as_ref().map_or(0.0, |r| r.confidence))
        .fold(1.0_f64, f64::min);
    let mut ids: Vec<&str> = Vec::new();
    for r in &answered {
        if !ids.contains(&r.entry.id.as_str()) {
            ids.push(&r.entry.id);
        }
    }
    let missing: Vec<&str> = found
        .iter()
        .filter(|(_, r)| !confident(r))
        .map(|(p, _)| *p)
        .collect();
    if missing.is_empty() && answered.iter().all(|r| !r.entry.confirm) {
        trace.record_score(
            "knowledge",
            true,
            format!(
                "best {} ≥ threshold {threshold:.2} ({} questions)",
                ids.join("+"),
                parts.len()
            ),
            score,
        );
        let text = ids
            .iter()
            .filter_map(|id| knowledge.get(id).map(|e| e.answer.as_str()))
            .collect::<Vec<_>>()
            .join("\n\n");
        return Some(ctx.outcome(
            Outcome::Answer {
                entry: ids.join("+"),
                text,
                confidence: score,
            },
            std::mem::take(trace),
        ));
    }
    let unknown = missing
        .iter()
        .map(|p| format!("\"{}\"", short(p, 80)))
        .collect::<Vec<_>>()
        .join(", ");
    trace.record_score(
        "knowledge",
        true,
        format!(
            "best {} for part of the message; below threshold {threshold:.2}: {unknown}",
            ids.join("+")
        ),
        score,
    );
    let next = format!(
        "Answer {unknown}; the knowledge file answers the rest ({}).",
        ids.join(", ")
    );
    Some(ctx.escalate(
        ReasonCode::LowConfidence,
        format!(
            "the bot cannot answer {unknown}; it knows {}",
            ids.join(", ")
        ),
        Some(&next),
        std::mem::take(trace),
    ))
}

/// What the customer is told when handed to a person for `reason` at `now` (the outside-hours
/// variant, with the next opening, while the shop is closed).
pub fn customer_handoff_text(policy: &Policy, reason: &ReasonCode, now: DateTime<Utc>) -> String {
    match policy.hours.as_ref().filter(|h| !h.is_open(now)) {
        Some(h) => {
            let label = h
                .next_opening(now)
                .as_ref()
                .map(describe_opening)
                .unwrap_or_else(|| "soon".into());
            policy
                .messages
                .by_reason
                .get("outside_hours")
                .unwrap_or(&policy.messages.outside_hours)
                .replace("{next_opening}", &label)
        }
        None => policy.handoff_message(reason).to_string(),
    }
}

/// What to send once the customer said yes to `entry`'s proposal.
pub fn confirmed_text(policy: &Policy, knowledge: &Knowledge, entry: &str) -> Option<String> {
    match entry.strip_prefix("rule:") {
        Some(name) => policy
            .rules
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.confirmed_text.clone()),
        None => knowledge.get(entry).map(|e| e.answer.clone()),
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
        assert_eq!(headline(""), "acknowledge");
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
                ..Default::default()
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

    fn bot_said(entry: &str) -> Message {
        Message {
            conversation: crate::conversation::ConversationKey::new(
                crate::conversation::Channel::Messenger,
                "1",
                "2",
            ),
            timestamp_ms: 1,
            mid: format!("bot-{entry}"),
            role: Role::Bot,
            direction: crate::message::Direction::Out,
            text: Some("…".into()),
            payload: None,
            attachments: vec![],
            event: None,
            standby: false,
            answer: Some(crate::message::AnswerRef {
                entry: entry.into(),
                confidence: 0.1,
                trace: None,
            }),
        }
    }

    #[test]
    fn clarify_mode_asks_to_rephrase_then_escalates_with_repeated_fallback() {
        let (_, k) = boundary();
        let p = Policy::from_toml(
            "[answers]\non_low_confidence = \"clarify\"\nmax_clarifications = 2\n",
        )
        .unwrap();
        let turn = |history: &'static [Message]| Turn {
            text: Some("blorp zzz"),
            history,
            ..Default::default()
        };
        let d = decide(&p, &k, turn(&[]), open_time());
        assert_eq!(d.headline(), "clarify");
        let once: &'static [Message] = Box::leak(Box::new([bot_said(CLARIFY_ENTRY)]));
        assert_eq!(
            decide(&p, &k, turn(once), open_time()).headline(),
            "escalate repeated_fallback"
        );
        // A real answer in between resets the count.
        let reset: &'static [Message] =
            Box::leak(Box::new([bot_said(CLARIFY_ENTRY), bot_said("dishwasher")]));
        assert_eq!(
            decide(&p, &k, turn(reset), open_time()).headline(),
            "clarify"
        );
    }

    #[test]
    fn frustration_adds_up_its_signals_against_the_threshold() {
        let (p, k) = boundary();
        let d = decide(
            &p,
            &k,
            Turn {
                text: Some("WHERE IS MY ORDER???"),
                ..Default::default()
            },
            open_time(),
        );
        assert_eq!(d.headline(), "escalate frustration");
        let step = d
            .trace
            .steps
            .iter()
            .find(|s| s.check == "trigger:frustration")
            .unwrap();
        assert!(
            step.detail.contains("capitals 0.40") && step.detail.contains("punctuation 0.35"),
            "{}",
            step.detail
        );
        let calm = decide(
            &p,
            &k,
            Turn {
                text: Some("Where is my order?"),
                ..Default::default()
            },
            open_time(),
        );
        assert_eq!(calm.headline(), "answer order-tracking");
        // Switched off in the file: the same shouting is just a question.
        let off = Policy::from_toml("[triggers.frustration]\nenabled = false\n").unwrap();
        let d = decide(
            &off,
            &k,
            Turn {
                text: Some("WHERE IS MY ORDER???"),
                ..Default::default()
            },
            open_time(),
        );
        assert_eq!(d.headline(), "answer order-tracking");
    }

    #[test]
    fn asking_about_money_can_be_made_to_escalate_too() {
        let (_, k) = boundary();
        let strict =
            Policy::from_toml("[triggers.money]\nanswer_questions_about = false\n").unwrap();
        let d = decide(
            &strict,
            &k,
            Turn {
                text: Some("What is your refund policy?"),
                ..Default::default()
            },
            open_time(),
        );
        assert_eq!(d.headline(), "escalate money");
    }
}
