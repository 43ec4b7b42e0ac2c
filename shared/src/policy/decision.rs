//! What the policy decides about a turn: the `Turn` it reads, the `Outcome`, the `Decision` with
//! its trace, and the payloads and entry names the rest of the house recognises. The checks and
//! `decide` both import from here, never from each other.

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

/// `text` on one line, cut to `max` characters.
pub(super) fn short(text: &str, max: usize) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= max {
        t
    } else {
        format!("{}…", t.chars().take(max).collect::<String>())
    }
}
