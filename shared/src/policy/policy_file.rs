//! The policy file: the brand's boundary, as written (TOML) and compiled for matching.
//! `docs/policy.md` documents every key; `config/policy.toml` is a complete example.

use serde::Deserialize;

use super::hours::BusinessHours;
use super::lexicon::Lexicon;
use super::small_talk::SmallTalkReplies;
use super::PolicyError;
use crate::escalation::ReasonCode;

/// What a rule does when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// The bot answers alone with the rule's text.
    Resolve,
    /// The bot proposes (the rule's text) with yes / no / person buttons; yes sends `confirmed_text`.
    Confirm,
    /// A person takes over.
    Escalate,
}

/// What the bot does when no knowledge entry is good enough.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LowConfidence {
    /// Escalate at once with `low_confidence` (the default: never guess).
    #[default]
    Escalate,
    /// Ask the customer to rephrase; after `max_clarifications` in a row, escalate with
    /// `repeated_fallback`.
    Clarify,
}

mod compile;
mod messages;
use compile::check_retention;
mod spec;
mod triggers;

pub use messages::MessagesSpec;
use spec::*;
pub use spec::{ConfirmSpec, Retention};

pub use triggers::{FrustrationTrigger, MediaTrigger, PhraseTrigger, Rule};

/// The compiled boundary.
#[derive(Clone, Debug)]
pub struct Policy {
    pub languages: Vec<String>,
    pub lexicon: Lexicon,
    pub messages: MessagesSpec,
    pub confirm: ConfirmSpec,
    /// The brand's own threshold, or `None`: the one the knowledge file earns (`threshold_for`).
    pub confidence_threshold: Option<f64>,
    /// `[answers] ask_margin`: how much surer than the threshold (log-odds) the best two entries
    /// together must be for a "Did you mean" question; `None`: the calibration's.
    pub ask_margin: Option<f64>,
    pub on_low_confidence: LowConfidence,
    pub clarify_text: String,
    pub max_clarifications: u32,
    pub hours: Option<BusinessHours>,
    pub hours_next_step: Option<String>,
    pub human_request: Option<PhraseTrigger>,
    pub complaint: Option<PhraseTrigger>,
    pub money: Option<PhraseTrigger>,
    pub frustration: Option<FrustrationTrigger>,
    pub media: Option<MediaTrigger>,
    pub rules: Vec<Rule>,
    /// The channels in use (their text limits apply).
    pub channels: Vec<crate::conversation::Channel>,
    /// Replies to greetings, thanks, "ok" and goodbyes (`None`: small talk is decided like any
    /// other message).
    pub small_talk: Option<SmallTalkReplies>,
    /// Whether to call pass/take thread control.
    pub routing: bool,
    /// Remind the team once when nobody acted on an escalation for this long.
    pub remind_after: Option<chrono::Duration>,
    /// How long a resume link is valid.
    pub link_days: u32,
    /// How long the table keeps each kind of item.
    pub retention: Retention,
    /// Things that are legal but probably not what the brand meant.
    pub warnings: Vec<String>,
}

/// The threshold that decides a turn, and whose it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    pub value: f64,
    pub source: ThresholdSource,
}

/// Where a threshold comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdSource {
    /// `[answers] confidence_threshold` in the policy file (the brand's, or a review's Apply).
    Policy,
    /// Earned by the knowledge file from its own evidence (`handoff knowledge build`).
    Earned,
    /// The default, where nothing earned one (words alone, no encoder).
    Default,
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let whose = match self.source {
            ThresholdSource::Policy => "the policy's",
            ThresholdSource::Earned => "earned by the knowledge file",
            ThresholdSource::Default => "the default",
        };
        write!(f, "{:.2} ({whose})", self.value)
    }
}

impl Policy {
    /// The threshold in force with `knowledge`: the brand's number when the policy file sets one,
    /// else what the knowledge file earned, else the default.
    pub fn threshold_for(&self, knowledge: &super::Knowledge) -> Threshold {
        match self.confidence_threshold {
            Some(value) => Threshold {
                value,
                source: ThresholdSource::Policy,
            },
            None => match knowledge.earned() {
                Some(e) => Threshold {
                    value: e.threshold,
                    source: ThresholdSource::Earned,
                },
                None => Threshold {
                    value: super::DEFAULT_THRESHOLD,
                    source: ThresholdSource::Default,
                },
            },
        }
    }

    /// Reads only `[retention]` from a policy file: all the ingest function needs of it, without
    /// compiling triggers and lexicons it never uses on every cold start.
    pub fn retention_from_toml(source: &str) -> Result<Retention, PolicyError> {
        #[derive(Deserialize)]
        struct RetentionOnly {
            #[serde(default)]
            retention: RetentionSpec,
        }
        let spec: RetentionOnly =
            toml::from_str(source).map_err(|e| PolicyError::parse(source, e))?;
        check_retention(&spec.retention).map_err(|e| e.located(source))
    }

    /// The policy as a function that never decides reads it (the escalate function's sweep, the
    /// resume page): its messages, routing, reminders, links and retention, without compiling
    /// the lexicons, triggers and rules, which only deciding needs.
    /// The policy function compiles the whole file and rejects it if it is wrong.
    pub fn for_notices_from_toml(source: &str) -> Result<Self, PolicyError> {
        let mut spec: PolicySpec =
            toml::from_str(source).map_err(|e| PolicyError::parse(source, e))?;
        spec.languages.clear();
        spec.triggers = TriggersSpec::default();
        spec.rules.clear();
        Self::compile(spec).map_err(|e| e.located(source))
    }

    /// A policy that decides nothing (no languages, so no trigger phrases): for a function that
    /// only stores, such as ingest, which needs the retention and nothing else.
    pub fn storing_only(retention: Retention) -> Self {
        let mut policy = Self::from_toml("languages = []")
            .expect("a policy without languages compiles: it is the defaults with no phrases");
        policy.retention = retention;
        policy
    }

    /// Parses and compiles a policy file.
    pub fn from_toml(source: &str) -> Result<Self, PolicyError> {
        let spec: PolicySpec = toml::from_str(source).map_err(|e| PolicyError::parse(source, e))?;
        Self::compile(spec).map_err(|e| e.located(source))
    }

    /// The message telling the customer a person is coming, for this reason.
    pub fn handoff_message(&self, reason: &ReasonCode) -> &str {
        self.messages
            .by_reason
            .get(reason.as_str())
            .map(String::as_str)
            .unwrap_or(&self.messages.handoff)
    }

    /// `handoff_message` for a customer writing in `language`: a message for the reason wins (the
    /// brand wrote it for that case), then `[messages.<language>] handoff`, then `handoff`.
    pub fn handoff_message_in(&self, reason: &ReasonCode, language: &str) -> &str {
        if let Some(m) = self.messages.by_reason.get(reason.as_str()) {
            return m;
        }
        self.messages
            .in_language(language)
            .and_then(|l| l.handoff.as_deref())
            .unwrap_or(&self.messages.handoff)
    }

    /// Built-in phrase triggers in the order they are checked after frustration.
    pub fn topic_triggers(&self) -> impl Iterator<Item = &PhraseTrigger> {
        self.complaint.iter().chain(self.money.iter())
    }
}

#[cfg(test)]
mod tests;
