//! The compiled triggers and rules: what the brand's phrases become for matching.

use super::super::text::Phrase;
use super::super::PolicyError;
use super::spec::PhraseTriggerSpec;
use super::RuleAction;
use crate::escalation::ReasonCode;

/// A built-in trigger that fires on phrases.
#[derive(Clone, Debug)]
pub struct PhraseTrigger {
    pub reason: ReasonCode,
    pub phrases: Vec<Phrase>,
    pub answer_questions_about: bool,
    pub next_step: Option<String>,
}

/// The frustration score's settings.
#[derive(Clone, Debug)]
pub struct FrustrationTrigger {
    pub threshold: f64,
    pub negative: Vec<Phrase>,
    pub profanity: Vec<Phrase>,
    pub next_step: Option<String>,
}

/// Escalate on attachments the bot cannot read.
#[derive(Clone, Debug)]
pub struct MediaTrigger {
    pub types: Vec<String>,
    pub next_step: Option<String>,
}

/// A brand's own rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub name: String,
    pub action: RuleAction,
    pub phrases: Vec<Phrase>,
    pub payloads: Vec<String>,
    pub attachments: Vec<String>,
    pub topics: Vec<String>,
    pub text: Option<String>,
    pub confirmed_text: Option<String>,
    pub next_step: Option<String>,
}

pub(super) fn phrases(list: &[String], owner: &str) -> Result<Vec<Phrase>, PolicyError> {
    list.iter()
        .map(|p| {
            Phrase::new(p).ok_or_else(|| {
                PolicyError::Invalid(format!("{owner}: phrase {p:?} has no words in it"))
            })
        })
        .collect()
}

pub(super) fn phrase_trigger(
    spec: &Option<PhraseTriggerSpec>,
    name: &str,
    reason: ReasonCode,
    builtin: &[Phrase],
    about_default: bool,
) -> Result<Option<PhraseTrigger>, PolicyError> {
    // A trigger left out of the file is on with the shipped lexicon: the safe default.
    let Some(spec) = spec else {
        return Ok(Some(PhraseTrigger {
            reason,
            phrases: builtin.to_vec(),
            answer_questions_about: about_default,
            next_step: None,
        }));
    };
    if !spec.enabled {
        return Ok(None);
    }
    let mut list = if spec.builtin {
        builtin.to_vec()
    } else {
        Vec::new()
    };
    list.extend(phrases(&spec.phrases, &format!("[triggers.{name}]"))?);
    if list.is_empty() {
        return Err(PolicyError::Invalid(format!(
            "[triggers.{name}] has no phrases: set builtin = true or list phrases, or set enabled = false"
        )));
    }
    Ok(Some(PhraseTrigger {
        reason,
        phrases: list,
        answer_questions_about: spec.answer_questions_about.unwrap_or(about_default),
        next_step: spec.next_step.clone(),
    }))
}
