//! The decision as a pipeline of checks, one file each, run in this order; the first that
//! decides wins, and every check records what it saw in the trace:
//!
//! | # | check | file |
//! | --- | --- | --- |
//! | 0 | a flood from the sender | `flood.rs` |
//! | 0b | the answer to a pending proposal | `pending.rs` |
//! | 1–2 | the brand's rules (payload, then phrases, attachments, topics) | `rules.rs` |
//! | 3 | a request for a person | `human_request.rs` |
//! | 4 | frustration | `frustrated.rs` |
//! | 5 | complaint and money | `topics.rs` |
//! | 6 | media the bot cannot read | `media.rs` |
//! | 6b | small talk | `only_small_talk.rs` |
//! | 7 | business hours (in `escalate` mode) | `closed_hours.rs` |
//! | 8 | nothing to read | `no_words.rs` |
//! | 9 | several questions | `several_questions.rs` |
//! | 10 | knowledge, or a person rather than a guess | `answer_from_knowledge.rs` |
//!
//! `docs/policy.md` documents the same order for brands.

mod answer_from_knowledge;
mod closed_hours;
pub(crate) mod flood;
mod frustrated;
mod human_request;
mod media;
mod no_words;
mod only_small_talk;
mod pending;
mod rules;
mod several_questions;
mod topics;

use chrono::{DateTime, Utc};

use super::decision::{default_next_step, Decision, Outcome, Turn};
use super::knowledge::{Knowledge, Retrieval};
use super::policy_file::{Policy, Threshold};
use super::trace::DecisionTrace;
use crate::escalation::ReasonCode;

/// One check: decides the turn, or records why not and passes it on.
type Check = fn(&Ctx<'_>, &mut DecisionTrace) -> Option<Decision>;

/// The checks before the last, in order (see the table above).
const PIPELINE: [Check; 11] = [
    flood::check,
    pending::check,
    rules::check,
    human_request::check,
    frustrated::check,
    topics::check,
    media::check,
    only_small_talk::check,
    closed_hours::check,
    no_words::check,
    several_questions::check,
];

/// Everything the checks read about one turn, computed once.
pub(crate) struct Ctx<'a> {
    pub policy: &'a Policy,
    pub knowledge: &'a Knowledge,
    pub turn: Turn<'a>,
    pub now: DateTime<Utc>,
    pub text: &'a str,
    /// The message's words (`text::tokens`).
    pub words: Vec<String>,
    /// The answer engine's best entry for the whole message.
    pub retrieval: Option<Retrieval<'a>>,
    /// What the customer seems to want, for the handoff.
    pub intent: String,
    /// The threshold in force (the policy's, or the one the knowledge file earned).
    pub threshold: Threshold,
}

impl<'a> Ctx<'a> {
    /// The engine's best entry when it clears the threshold.
    pub fn answers_well(&self) -> Option<&Retrieval<'a>> {
        self.retrieval
            .as_ref()
            .filter(|r| r.confidence >= self.threshold.value)
    }

    /// The runner-up, when the engine is not sure enough of the best entry alone but is of the
    /// two together: a question offering both may settle it.
    pub fn asks_well(&self) -> Option<&crate::policy::Tie<'a>> {
        let r = self.retrieval.as_ref()?;
        let tie = r.tie.as_ref()?;
        let needed = self
            .knowledge
            .tie_threshold(self.threshold.value, self.policy.ask_margin);
        (r.confidence < self.threshold.value && tie.confidence >= needed).then_some(tie)
    }

    /// A handoff for `reason`, with the trace so far.
    pub fn escalate(
        &self,
        reason: ReasonCode,
        detail: String,
        next: Option<&str>,
        trace: &mut DecisionTrace,
    ) -> Decision {
        let next_step = next.unwrap_or(default_next_step(&reason)).to_string();
        let customer_text = self
            .policy
            .handoff_message_in(&reason, crate::policy::language_of(self.text))
            .to_string();
        self.outcome(
            Outcome::Escalate {
                reason,
                detail,
                next_step,
                customer_text,
            },
            trace,
        )
    }

    /// `escalate`, offering the team the engine's best answer when it is plausible: for the
    /// knowledge step's escalations only (unsure, or an entry the team approves), never a rule's.
    pub fn escalate_suggesting(
        &self,
        reason: ReasonCode,
        detail: String,
        next: Option<&str>,
        trace: &mut DecisionTrace,
    ) -> Decision {
        let suggestion = self
            .retrieval
            .as_ref()
            .and_then(|r| crate::policy::Suggestion::of(r, self.text));
        let mut d = self.escalate(reason, detail, next, trace);
        d.suggestion = suggestion;
        d
    }

    /// `outcome`, with the trace so far.
    pub fn outcome(&self, outcome: Outcome, trace: &mut DecisionTrace) -> Decision {
        Decision {
            outcome,
            intent: self.intent.clone(),
            trace: std::mem::take(trace),
            suggestion: None,
        }
    }
}

/// Runs the pipeline on one turn.
pub(crate) fn run(ctx: &Ctx<'_>) -> Decision {
    let mut trace = DecisionTrace::default();
    for check in PIPELINE {
        if let Some(decision) = check(ctx, &mut trace) {
            return decision;
        }
    }
    answer_from_knowledge::check(ctx, &mut trace)
}

#[cfg(test)]
mod tests {
    //! Each check alone, on the example boundary in `config/`.
    use std::sync::LazyLock;

    use super::*;
    use crate::policy::text::tokens;

    static BOUNDARY: LazyLock<(Policy, Knowledge)> = LazyLock::new(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../config");
        let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
        (
            Policy::from_toml(&read("policy.toml")).unwrap(),
            Knowledge::from_toml(&read("knowledge.toml")).unwrap(),
        )
    });

    fn ctx(text: &'static str) -> Ctx<'static> {
        let (policy, knowledge) = &*BOUNDARY;
        let words = tokens(text);
        Ctx {
            policy,
            knowledge,
            turn: Turn {
                text: Some(text),
                ..Default::default()
            },
            // Tuesday 11:00 in Lyon: open.
            now: DateTime::parse_from_rfc3339("2026-11-24T11:00:00+01:00")
                .unwrap()
                .with_timezone(&Utc),
            text,
            retrieval: knowledge.retrieve_words(text, words.clone()),
            words,
            intent: "test".into(),
            threshold: policy.threshold_for(knowledge),
        }
    }

    fn headline(check: Check, text: &'static str) -> Option<String> {
        let mut trace = DecisionTrace::default();
        check(&ctx(text), &mut trace).map(|d| d.headline())
    }

    #[test]
    fn each_check_decides_its_own_case_and_passes_the_others_on() {
        assert_eq!(
            headline(human_request::check, "human?").as_deref(),
            Some("escalate human_request")
        );
        assert_eq!(headline(human_request::check, "is it human made"), None);
        assert_eq!(
            headline(topics::check, "you billed me twice").as_deref(),
            Some("escalate money")
        );
        assert_eq!(
            headline(topics::check, "what is your refund policy?"),
            None,
            "asking about money is left to knowledge"
        );
        assert_eq!(
            headline(only_small_talk::check, "thanks a lot!").as_deref(),
            Some("answer small_talk:thanks")
        );
        assert_eq!(
            headline(only_small_talk::check, "thanks, where is my order"),
            None
        );
        assert_eq!(
            headline(
                several_questions::check,
                "Do you ship abroad? How long does shipping take?"
            )
            .as_deref(),
            Some("answer shipping-countries+shipping-time")
        );
        assert_eq!(
            headline(several_questions::check, "how long does shipping take"),
            None,
            "one question is left to the knowledge step"
        );
        assert_eq!(headline(no_words::check, "😀"), Some("acknowledge".into()));
        assert_eq!(headline(no_words::check, "hello"), None);
    }

    #[test]
    fn the_knowledge_step_always_decides() {
        let mut trace = DecisionTrace::default();
        let d = answer_from_knowledge::check(&ctx("how long does shipping take"), &mut trace);
        assert_eq!(d.headline(), "answer shipping-time");
        let step = d.trace.deciding().unwrap();
        assert_eq!(step.check, "knowledge");
        assert!(
            step.detail.starts_with("best shipping-time"),
            "{}",
            step.detail
        );
        let d = answer_from_knowledge::check(&ctx("do you sell bicycles"), &mut trace);
        assert_eq!(d.headline(), "escalate low_confidence");
    }
}
