//! The policy file: the brand's boundary, as written (TOML) and compiled for matching.

use std::collections::HashMap;

use serde::Deserialize;

use super::hours::{BusinessHours, HoursSpec};
use super::text::Phrase;
use super::PolicyError;
use crate::escalation::ReasonCode;

/// What a rule does when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// The bot answers alone with the rule's text.
    Resolve,
    /// The bot proposes and asks the customer to confirm (falls back to resolve until the confirm flow lands).
    Confirm,
    /// A person takes over.
    Escalate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySpec {
    #[serde(default)]
    messages: MessagesSpec,
    #[serde(default)]
    answers: AnswersSpec,
    #[serde(default)]
    hours: Option<HoursSpec>,
    #[serde(default)]
    triggers: TriggersSpec,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleSpec>,
    #[serde(default)]
    routing: RoutingSpec,
}

/// Conversation Routing: pass the thread to the inbox on escalation, take it back on resume.
/// Off for pages that do not use routing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutingSpec {
    #[serde(default = "yes")]
    enabled: bool,
}

impl Default for RoutingSpec {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// What the customer is told.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagesSpec {
    #[serde(default = "default_handoff")]
    pub handoff: String,
    /// `{next_opening}` is replaced by e.g. "Monday 09:00 (Europe/Paris)".
    #[serde(default = "default_outside_hours")]
    pub outside_hours: String,
    /// Reason code → a message replacing `handoff` for that reason.
    #[serde(default)]
    pub by_reason: HashMap<String, String>,
}

fn default_handoff() -> String {
    "Thanks for your message. I'm passing you to a person from our team; they will reply here as soon as they can.".into()
}
fn default_outside_hours() -> String {
    "Thanks for your message. Our team is away right now and back {next_opening}; a person will reply here then.".into()
}

impl Default for MessagesSpec {
    fn default() -> Self {
        Self {
            handoff: default_handoff(),
            outside_hours: default_outside_hours(),
            by_reason: HashMap::new(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswersSpec {
    #[serde(default = "default_threshold")]
    confidence_threshold: f64,
}

fn default_threshold() -> f64 {
    0.6
}

impl Default for AnswersSpec {
    fn default() -> Self {
        Self {
            confidence_threshold: default_threshold(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggersSpec {
    #[serde(default)]
    human_request: Option<PhraseTriggerSpec>,
    #[serde(default)]
    complaint: Option<PhraseTriggerSpec>,
    #[serde(default)]
    money: Option<PhraseTriggerSpec>,
    #[serde(default)]
    media: Option<MediaTriggerSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseTriggerSpec {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    next_step: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MediaTriggerSpec {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default = "default_media")]
    escalate: Vec<String>,
    #[serde(default)]
    next_step: Option<String>,
}

fn yes() -> bool {
    true
}
fn default_media() -> Vec<String> {
    ["audio", "video", "file", "image"]
        .map(String::from)
        .to_vec()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    name: String,
    action: RuleAction,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    payloads: Vec<String>,
    #[serde(default)]
    attachments: Vec<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    next_step: Option<String>,
}

/// A built-in trigger that fires on phrases.
#[derive(Clone, Debug)]
pub struct PhraseTrigger {
    pub reason: ReasonCode,
    pub phrases: Vec<Phrase>,
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
    pub text: Option<String>,
    pub next_step: Option<String>,
}

/// The compiled boundary.
#[derive(Clone, Debug)]
pub struct Policy {
    pub messages: MessagesSpec,
    pub confidence_threshold: f64,
    pub hours: Option<BusinessHours>,
    pub hours_next_step: Option<String>,
    /// In the order they are checked: human request, complaint, money.
    pub phrase_triggers: Vec<PhraseTrigger>,
    pub media: Option<MediaTrigger>,
    pub rules: Vec<Rule>,
    /// Whether to call pass/take thread control.
    pub routing: bool,
}

fn phrases(list: &[String], owner: &str) -> Result<Vec<Phrase>, PolicyError> {
    list.iter()
        .map(|p| {
            Phrase::new(p).ok_or_else(|| {
                PolicyError::Invalid(format!("{owner}: phrase {p:?} has no words in it"))
            })
        })
        .collect()
}

impl Policy {
    /// Parses and compiles a policy file.
    pub fn from_toml(source: &str) -> Result<Self, PolicyError> {
        let spec: PolicySpec = toml::from_str(source).map_err(|e| PolicyError::parse(source, e))?;
        let threshold = spec.answers.confidence_threshold;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(PolicyError::Invalid(format!(
                "[answers] confidence_threshold {threshold} must be between 0 and 1"
            )));
        }
        let mut phrase_triggers = Vec::new();
        for (name, reason, t) in [
            (
                "human_request",
                ReasonCode::HumanRequest,
                &spec.triggers.human_request,
            ),
            ("complaint", ReasonCode::Complaint, &spec.triggers.complaint),
            ("money", ReasonCode::Money, &spec.triggers.money),
        ] {
            if let Some(t) = t.as_ref().filter(|t| t.enabled) {
                phrase_triggers.push(PhraseTrigger {
                    reason,
                    phrases: phrases(&t.phrases, &format!("[triggers.{name}]"))?,
                    next_step: t.next_step.clone(),
                });
            }
        }
        let media = spec
            .triggers
            .media
            .as_ref()
            .filter(|m| m.enabled)
            .map(|m| MediaTrigger {
                types: m.escalate.clone(),
                next_step: m.next_step.clone(),
            });
        let mut rules = Vec::new();
        for r in &spec.rules {
            if r.name.trim().is_empty() {
                return Err(PolicyError::Invalid("a [[rule]] has an empty name".into()));
            }
            if r.phrases.is_empty() && r.payloads.is_empty() && r.attachments.is_empty() {
                return Err(PolicyError::Invalid(format!(
                    "rule {:?} matches nothing: give it phrases, payloads or attachments",
                    r.name
                )));
            }
            if r.action != RuleAction::Escalate && r.text.is_none() {
                return Err(PolicyError::Invalid(format!(
                    "rule {:?} resolves or confirms but has no text to send",
                    r.name
                )));
            }
            rules.push(Rule {
                name: r.name.clone(),
                action: r.action,
                phrases: phrases(&r.phrases, &format!("rule {:?}", r.name))?,
                payloads: r.payloads.clone(),
                attachments: r.attachments.clone(),
                text: r.text.clone(),
                next_step: r.next_step.clone(),
            });
        }
        let (hours, hours_next_step) = match spec.hours.as_ref().filter(|h| h.enabled) {
            Some(h) => (Some(BusinessHours::compile(h)?), h.next_step.clone()),
            None => (None, None),
        };
        Ok(Self {
            messages: spec.messages,
            confidence_threshold: threshold,
            hours,
            hours_next_step,
            phrase_triggers,
            media,
            rules,
            routing: spec.routing.enabled,
        })
    }

    /// The message telling the customer a person is coming, for this reason.
    pub fn handoff_message(&self, reason: &ReasonCode) -> &str {
        self.messages
            .by_reason
            .get(reason.as_str())
            .map(String::as_str)
            .unwrap_or(&self.messages.handoff)
    }
}
