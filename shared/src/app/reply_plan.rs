//! What the bot will say to a decision: the answer, the proposal with its buttons, the "Did you
//! mean" choices or the request to rephrase, fitted to the channel, and what it does to a
//! proposal pending in STATE.

use chrono::{DateTime, Utc};

use super::outcome::bot_message;
use super::App;
use crate::message::{AnswerRef, Message};
use crate::policy::{
    Decision, Outcome, ASK_ENTRY, ASK_PERSON, CLARIFY_ENTRY, CONFIRM_NO, CONFIRM_YES,
};
use crate::ports::{ConversationSnapshot, QuickReplyButton};
use crate::state::{PendingChange, PendingConfirmation};

/// What the bot will send, and what it does to a pending proposal.
pub(super) struct PlannedReply {
    pub(super) text: String,
    pub(super) answer: AnswerRef,
    pub(super) quick_replies: Vec<QuickReplyButton>,
    pub(super) pending: PendingChange,
}

pub(super) enum Plan {
    Escalate,
    StayQuiet,
    Reply(Box<PlannedReply>),
}

pub(super) fn plan_reply(
    app: &App,
    decision: &Decision,
    snapshot: &ConversationSnapshot,
    now: DateTime<Utc>,
) -> Plan {
    // An answer settles a proposal the bot was waiting on.
    let settles = || {
        if snapshot.state.pending_confirmation.is_some() {
            PendingChange::Clear
        } else {
            PendingChange::Keep
        }
    };
    let question = answered_question(decision, snapshot);
    let chosen = customer_chose(decision);
    let answer = |entry: &str, confidence: f64, trace| AnswerRef {
        entry: entry.to_string(),
        confidence,
        trace: Some(trace),
        question: question.clone(),
        chosen,
    };
    Plan::Reply(Box::new(match &decision.outcome {
        Outcome::Escalate { .. } => return Plan::Escalate,
        Outcome::Acknowledge => return Plan::StayQuiet,
        Outcome::Answer {
            entry,
            text,
            confidence,
        } => PlannedReply {
            text: text.clone(),
            answer: answer(entry, *confidence, decision.trace.clone()),
            quick_replies: Vec::new(),
            pending: settles(),
        },
        Outcome::Clarify { text, confidence } => PlannedReply {
            text: text.clone(),
            answer: answer(CLARIFY_ENTRY, *confidence, decision.trace.clone()),
            quick_replies: Vec::new(),
            pending: settles(),
        },
        Outcome::Confirm {
            entry,
            text,
            confidence,
        } => proposal(
            app,
            entry,
            text,
            answer(entry, *confidence, proposal_trace(decision)),
            now,
        ),
        Outcome::Ask {
            entries,
            text,
            confidence,
        } => choices(
            app,
            entries,
            text,
            answer(ASK_ENTRY, *confidence, decision.trace.clone()),
            question.clone(),
            now,
        ),
    }))
}

/// The customer's question an answer records: the one a "Did you mean" asked about when the
/// customer chose, else their last message (at most 500 characters).
fn answered_question(decision: &Decision, snapshot: &ConversationSnapshot) -> Option<String> {
    // A choice answers the question the customer was asked about, not the button's words: the
    // record is the customer's own label for that question.
    let chose = customer_chose(decision);
    let asked_about = snapshot
        .state
        .pending_confirmation
        .as_ref()
        .and_then(|p| p.question.clone())
        .filter(|_| chose);
    asked_about
        .or_else(|| {
            snapshot
                .messages
                .iter()
                .rev()
                .find(|m| m.role == crate::message::Role::Customer)
                .and_then(|m| m.text.clone())
        })
        .map(|t| t.chars().take(500).collect())
}

/// The customer picked one of the entries a "Did you mean" offered.
fn customer_chose(decision: &Decision) -> bool {
    decision
        .trace
        .steps
        .iter()
        .any(|s| s.check == "choice" && s.fired)
}

/// The decision's trace with the proposal step.
fn proposal_trace(decision: &Decision) -> crate::policy::DecisionTrace {
    let mut trace = decision.trace.clone();
    trace.record(
        "proposal",
        false,
        "asked the customer to confirm with quick replies",
    );
    trace
}

/// A proposal (the confirm tier): the text with yes / no / person buttons, pending in STATE.
fn proposal(
    app: &App,
    entry: &str,
    text: &str,
    answer: AnswerRef,
    now: DateTime<Utc>,
) -> PlannedReply {
    let c = &app.policy.confirm;
    let button = |title: &str, payload: &str| QuickReplyButton {
        title: title.to_string(),
        payload: payload.into(),
    };
    PlannedReply {
        text: text.to_string(),
        answer,
        quick_replies: vec![
            button(&c.yes, CONFIRM_YES),
            button(&c.no, CONFIRM_NO),
            button(&c.person, ASK_PERSON),
        ],
        pending: PendingChange::Set(PendingConfirmation {
            entry: entry.to_string(),
            asked_at: now,
            choices: Vec::new(),
            question: None,
        }),
    }
}

/// "Did you mean": one button per entry and one for neither, in the customer's language; the
/// choices pending in STATE with the question they answer.
fn choices(
    app: &App,
    entries: &[String],
    text: &str,
    answer: AnswerRef,
    question: Option<String>,
    now: DateTime<Utc>,
) -> PlannedReply {
    let language = crate::policy::language_of(question.as_deref().unwrap_or(""));
    let (_, something_else) = crate::policy::ask::texts(&app.policy, language);
    let mut quick_replies: Vec<QuickReplyButton> = entries
        .iter()
        .filter_map(|id| app.knowledge.get(id))
        .map(|e| QuickReplyButton {
            title: crate::policy::ask::choice_title(e),
            payload: format!("{}{}", crate::policy::ask::CHOOSE, e.id),
        })
        .collect();
    quick_replies.push(QuickReplyButton {
        title: something_else,
        payload: crate::policy::ask::CHOOSE_NONE.into(),
    });
    PlannedReply {
        text: text.to_string(),
        answer,
        quick_replies,
        pending: PendingChange::Set(PendingConfirmation {
            entry: entries[0].clone(),
            asked_at: now,
            choices: entries.to_vec(),
            question,
        }),
    }
}

/// Fixed texts are checked by `policy check`; composed ones (the LLM's, several answers joined)
/// are cut to the channel here, never refused by Graph.
pub(super) fn fit_to_channel(text: String, message: &Message) -> String {
    match crate::policy::limits::fit(&text, message.conversation.channel) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(cut) => {
            tracing::warn!(
                from = text.len(),
                to = cut.len(),
                "reply cut to the channel's limit"
            );
            cut
        }
    }
}

/// The bot's record of the reply to `message`, keyed by it (so it is sent once).
/// The reply's record: the message it answers, our own send.
pub(super) fn reply_record(message: &Message, reply: &PlannedReply) -> Message {
    bot_message(
        message,
        format!("reply-{}", message.mid),
        &reply.text,
        Some(reply.answer.clone()),
    )
}
