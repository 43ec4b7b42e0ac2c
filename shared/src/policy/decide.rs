//! One decision: answer, confirm, clarify, stay quiet, or escalate with a reason — always with a
//! trace of every check and its score.

use chrono::{DateTime, Utc};

use super::check::{self, Ctx};
use super::customer_text::{next_opening_label, with_opening};
use super::decision::{Decision, Turn};
use super::intent::intent_of;
use super::knowledge::Knowledge;
use super::policy_file::Policy;
use super::text::tokens;

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
    let closed = next_opening_label(policy, now);
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

#[cfg(test)]
mod tests;
