//! One decision: answer, confirm, clarify, stay quiet, or escalate with a reason — always with a
//! trace of every check and its score.

use chrono::{DateTime, Utc};

use super::boundary::Policy;
use super::check::{self, Ctx};
use super::hours::describe_opening;
use super::knowledge::{Knowledge, Retrieval};
use super::text::tokens;
use super::trace::DecisionTrace;
use crate::escalation::ReasonCode;
use crate::message::{Attachment, Message};
use crate::state::PendingConfirmation;

/// Payload of the "yes" quick reply of the confirm flow.
pub const CONFIRM_YES: &str = "HANDOFF_CONFIRM_YES";
/// Payload of the "no" quick reply.
pub const CONFIRM_NO: &str = "HANDOFF_CONFIRM_NO";
/// Payload of the "talk to a person" quick reply.
pub const ASK_PERSON: &str = "HANDOFF_HUMAN";

/// Entry name of the bot's "please rephrase" replies (counted for `repeated_fallback`).
pub const CLARIFY_ENTRY: &str = "clarify";
/// Entry name of the bot's "Did you mean" questions (two entries tied).
pub const ASK_ENTRY: &str = "ask";

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
    /// Ask which of `entries` the customer means (two tie), with one quick reply each and one
    /// for neither; a choice answers with that entry.
    Ask {
        entries: Vec<String>,
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
    /// For an escalation the bot was only unsure of (`low_confidence`, `approval`): its best
    /// answer, for the team to send in one click. Never for a rule.
    pub suggestion: Option<super::Suggestion>,
}

impl Decision {
    /// One line: `answer <entry>`, `confirm <entry>`, `ask <entry> <entry>…`, `clarify`,
    /// `acknowledge` or `escalate <reason>` (the first line of `policy explain`).
    pub fn headline(&self) -> String {
        match &self.outcome {
            Outcome::Answer { entry, .. } => format!("answer {entry}"),
            Outcome::Confirm { entry, .. } => format!("confirm {entry}"),
            Outcome::Ask { entries, .. } => format!("ask {}", entries.join(" ")),
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
        ReasonCode::Approval => {
            "Check the suggested answer: send it with one click, or reply yourself."
        }
        ReasonCode::Flood => {
            "Look at what the sender sent (a script, a stuck app, someone pasting); hand them back when it stopped."
        }
        ReasonCode::Rule(_) => "Handle the request named by the rule.",
    }
}

pub(super) fn short(text: &str, max: usize) -> String {
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
    // Every check reads the text as the customer sees it: a soft hyphen or a zero-width joiner
    // inside "complaint" must not hide the word, nor a Cyrillic "о" in it.
    let visible = turn.text.map(super::text::visible);
    let read = visible
        .as_deref()
        .map(|t| super::confusables::fold_look_alikes(t).into_owned());
    let turn = Turn {
        text: read.as_deref(),
        ..turn
    };
    let d = decide_open(policy, knowledge, turn, now, visible.as_deref());
    match closed {
        // Whatever the reason, a customer escalated while the shop is closed learns when it opens.
        Some(label) => with_opening(policy, d, &label),
        None => d,
    }
}

/// Replaces the customer text of an escalation with the outside-hours message.
pub(super) fn with_opening(policy: &Policy, mut d: Decision, label: &str) -> Decision {
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

/// The calibrated chance at which the handoff names the entry's topic as the intent.
const INTENT_CHANCE: f64 = 0.8;

pub(super) fn intent_of(
    _policy: &Policy,
    threshold: f64,
    retrieval: &Option<Retrieval<'_>>,
    turn: &Turn<'_>,
    text: &str,
) -> String {
    match retrieval {
        // The intent is a summary for a person, who also sees the message: a topic the engine
        // is more likely right than not about says more than the words (with the encoder, a
        // calibrated chance of 80 %; by words alone, half the threshold).
        Some(r)
            if r.chance_right.map_or(r.confidence >= threshold / 2.0, |c| {
                c >= INTENT_CHANCE && !r.outside_best
            }) =>
        {
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

/// How many words at the start of a message are greetings or thanks ("hello", "thanks a lot").
fn leading_small_talk(lexicon: &super::Lexicon, words: &[String]) -> usize {
    let mut at = 0;
    loop {
        let step = lexicon
            .greeting
            .iter()
            .chain(&lexicon.thanks)
            .filter(|p| p.position_in(&words[at..]) == Some(0))
            .map(|p| p.parts().count())
            .max()
            .unwrap_or(0);
        if step == 0 {
            return at;
        }
        at += step;
    }
}

/// `shown` is the message as the customer wrote it (the handoff's intent quotes it); `turn.text`
/// is what the checks read.
fn decide_open(
    policy: &Policy,
    knowledge: &Knowledge,
    turn: Turn<'_>,
    now: DateTime<Utc>,
    shown: Option<&str>,
) -> Decision {
    let text = turn.text.unwrap_or("");
    let words = tokens(text);
    // "thanks, where is my order": the greeting says nothing about which entry; the sentence
    // vector of the rest reads the question alone.
    let lead = leading_small_talk(&policy.lexicon, &words);
    let retrieval = if lead > 0 && lead < words.len() {
        let rest = words[lead..].to_vec();
        knowledge.retrieve_words(&rest.join(" "), rest)
    } else {
        knowledge.retrieve_words(text, words.clone())
    };
    let threshold = policy.threshold_for(knowledge);
    let intent = intent_of(
        policy,
        threshold.value,
        &retrieval,
        &turn,
        shown.unwrap_or(text),
    );
    let ctx = Ctx {
        policy,
        knowledge,
        turn,
        now,
        text,
        words,
        retrieval,
        intent,
        threshold,
    };
    check::run(&ctx)
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
mod tests;
