//! The optional language model's part in the decision: its answer may replace a knowledge answer,
//! and nothing else. It runs after `decide` because the model is called (I/O) only when knowledge
//! already answers; what it may do is decided here, with the rest of the boundary.

use chrono::{DateTime, Utc};

use super::customer_text::customer_handoff_text;
use super::decision::{default_next_step, Decision, Outcome};
use super::knowledge::Knowledge;
use super::policy_file::Policy;
use crate::escalation::ReasonCode;

/// What the language model proposes.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelAnswer {
    pub answer: String,
    pub confidence: f64,
    pub intent: String,
    pub needs_human: bool,
    /// The knowledge entry the answer comes from.
    pub entry: Option<String>,
}

/// What in `text` touches the topics the bot never handles alone: money and complaint phrases of
/// the policy's triggers, and currency amounts.
fn sensitive(policy: &Policy, text: &str) -> Vec<String> {
    let words = super::text::tokens(text);
    let lex = &policy.lexicon;
    let mut found: Vec<String> = policy
        .topic_triggers()
        .filter_map(|t| lex.find(&t.phrases, &words))
        .map(|p| p.source.clone())
        .collect();
    found.extend(super::money::currency_amount(text));
    found
}

/// Lets the engine's answer (or failure) replace a knowledge answer, and nothing else: a
/// proposal, a request to rephrase and every escalation stand as decided. Anything but a confident
/// answer that needs no person, names one of the entries it was given, and mentions no money,
/// complaint or amount that entry's own answer does not, escalates with `low_confidence`: never a
/// guess, never a promise the brand did not write.
pub fn apply_model_answer(
    policy: &Policy,
    knowledge: &Knowledge,
    mut decision: Decision,
    result: Result<ModelAnswer, impl std::fmt::Display>,
    now: DateTime<Utc>,
) -> Decision {
    if !matches!(decision.outcome, Outcome::Answer { .. }) {
        decision.trace.record(
            "llm",
            false,
            "not consulted: the engine may only rephrase an answer knowledge already gives",
        );
        return decision;
    }
    let detail = match result {
        // The language model's confidence is its own, not the engine's calibrated scale: the
        // threshold a knowledge file earns says nothing about it, so the policy's (or the
        // default) applies.
        Ok(a) if !a.needs_human && a.confidence >= llm_threshold(policy) => {
            let grounded = a.entry.as_deref().and_then(|id| knowledge.get(id));
            let Some(entry) = grounded else {
                let detail = "the answer engine named no entry it answered from".to_string();
                return escalate_low_confidence(policy, decision, detail, now);
            };
            let allowed = sensitive(policy, &entry.answer);
            let extra: Vec<String> = sensitive(policy, &a.answer)
                .into_iter()
                .filter(|s| !allowed.contains(s))
                .collect();
            if !extra.is_empty() {
                let detail = format!(
                    "the answer engine's text mentions {} that entry {} does not; a person answers",
                    extra.join(", "),
                    entry.id
                );
                return escalate_low_confidence(policy, decision, detail, now);
            }
            decision.trace.record_score(
                "llm",
                true,
                format!("answered from entry {}", entry.id),
                a.confidence,
            );
            decision.outcome = Outcome::Answer {
                entry: format!("llm:{}", entry.id),
                text: a.answer,
                confidence: a.confidence,
            };
            if !a.intent.is_empty() {
                decision.intent = a.intent;
            }
            return decision;
        }
        Ok(a) => {
            if !a.intent.is_empty() {
                decision.intent = a.intent;
            }
            if a.needs_human {
                format!(
                    "the answer engine says a person is needed (confidence {:.2})",
                    a.confidence
                )
            } else {
                format!(
                    "the answer engine was only {:.2} sure (threshold {:.2})",
                    a.confidence,
                    llm_threshold(policy)
                )
            }
        }
        Err(e) => e.to_string(),
    };
    escalate_low_confidence(policy, decision, detail, now)
}

fn escalate_low_confidence(
    policy: &Policy,
    mut decision: Decision,
    detail: String,
    now: DateTime<Utc>,
) -> Decision {
    decision.trace.record("llm", true, detail.clone());
    let reason = ReasonCode::LowConfidence;
    decision.outcome = Outcome::Escalate {
        customer_text: customer_handoff_text(policy, &reason, now),
        next_step: default_next_step(&reason).to_string(),
        detail,
        reason,
    };
    decision
}

/// The threshold the language model's own confidence must clear.
fn llm_threshold(policy: &Policy) -> f64 {
    policy
        .confidence_threshold
        .unwrap_or(super::DEFAULT_THRESHOLD)
}
