//! The policy file as written: the TOML's shape and its defaults, which `Policy::compile` reads.

use serde::Deserialize;

use super::super::hours::HoursSpec;
use super::super::small_talk::SmallTalkReplies;
use super::{LowConfidence, RuleAction};

use super::messages::MessagesSpec;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PolicySpec {
    /// Lexicons to use for the built-in triggers.
    #[serde(default = "default_languages")]
    pub(super) languages: Vec<String>,
    #[serde(default)]
    pub(super) messages: MessagesSpec,
    #[serde(default)]
    pub(super) answers: AnswersSpec,
    #[serde(default)]
    pub(super) confirm: ConfirmSpec,
    #[serde(default)]
    pub(super) hours: Option<HoursSpec>,
    #[serde(default)]
    pub(super) triggers: TriggersSpec,
    #[serde(default, rename = "rule")]
    pub(super) rules: Vec<RuleSpec>,
    #[serde(default)]
    pub(super) routing: RoutingSpec,
    #[serde(default)]
    pub(super) reminders: RemindersSpec,
    #[serde(default)]
    pub(super) links: LinksSpec,
    #[serde(default)]
    pub(super) retention: RetentionSpec,
    #[serde(default)]
    pub(super) small_talk: SmallTalkReplies,
    /// The channels the brand answers on: their text limits apply to every fixed text.
    #[serde(default = "default_channels")]
    pub(super) channels: Vec<crate::conversation::Channel>,
}

pub(super) fn default_channels() -> Vec<crate::conversation::Channel> {
    vec![
        crate::conversation::Channel::Messenger,
        crate::conversation::Channel::Instagram,
    ]
}

/// The resume link's lifetime (never past the end of the human-agent window either way).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LinksSpec {
    #[serde(default = "default_link_days")]
    pub(super) valid_days: u32,
}

pub(super) fn default_link_days() -> u32 {
    7
}

impl Default for LinksSpec {
    fn default() -> Self {
        Self {
            valid_days: default_link_days(),
        }
    }
}

/// How long the table keeps what it holds about a customer (docs/data.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RetentionSpec {
    #[serde(default = "default_message_days")]
    pub(super) message_days: u32,
    #[serde(default = "default_state_days")]
    pub(super) state_days: u32,
    #[serde(default = "default_escalation_days")]
    pub(super) escalation_days: u32,
}

pub(super) fn default_message_days() -> u32 {
    90
}
pub(super) fn default_state_days() -> u32 {
    90
}
pub(super) fn default_escalation_days() -> u32 {
    365
}

impl Default for RetentionSpec {
    fn default() -> Self {
        Self {
            message_days: default_message_days(),
            state_days: default_state_days(),
            escalation_days: default_escalation_days(),
        }
    }
}

/// Days each kind of item is kept after its last write (STATE) or its creation (the others).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    pub message_days: u32,
    pub state_days: u32,
    pub escalation_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        let spec = RetentionSpec::default();
        Self {
            message_days: spec.message_days,
            state_days: spec.state_days,
            escalation_days: spec.escalation_days,
        }
    }
}

/// "Nobody picked it up": one reminder when an escalation had no human activity for a while.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RemindersSpec {
    #[serde(default = "yes")]
    pub(super) enabled: bool,
    #[serde(default = "default_remind_after")]
    pub(super) after_minutes: u32,
}

pub(super) fn default_remind_after() -> u32 {
    15
}

impl Default for RemindersSpec {
    fn default() -> Self {
        Self {
            enabled: true,
            after_minutes: default_remind_after(),
        }
    }
}

pub(super) fn default_languages() -> Vec<String> {
    vec!["en".into(), "fr".into()]
}

/// Conversation Routing: pass the thread to the inbox on escalation, take it back on resume.
/// Off for pages that do not use routing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoutingSpec {
    #[serde(default = "yes")]
    pub(super) enabled: bool,
}

impl Default for RoutingSpec {
    fn default() -> Self {
        Self { enabled: true }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AnswersSpec {
    /// A number the brand chose, or absent / `"earned"`: the threshold the knowledge file earns.
    #[serde(default)]
    pub(super) confidence_threshold: ThresholdSpec,
    /// How much surer than the threshold (log-odds) two entries together must be for the bot to
    /// ask which one the customer means; absent: the calibration's.
    #[serde(default)]
    pub(super) ask_margin: Option<f64>,
    #[serde(default)]
    pub(super) on_low_confidence: LowConfidence,
    #[serde(default = "default_clarify")]
    pub(super) clarify_text: String,
    #[serde(default = "default_max_clarifications")]
    pub(super) max_clarifications: u32,
}

/// `confidence_threshold` as written: a number, or the word `"earned"` (the default).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(untagged)]
pub(super) enum ThresholdSpec {
    #[default]
    #[serde(skip)]
    Earned,
    Fixed(f64),
    Word(String),
}
pub(super) fn default_clarify() -> String {
    "Sorry, I'm not sure I understood. Could you say it another way? You can also ask for a person at any time.".into()
}
pub(super) fn default_max_clarifications() -> u32 {
    2
}

impl Default for AnswersSpec {
    fn default() -> Self {
        Self {
            confidence_threshold: ThresholdSpec::Earned,
            ask_margin: None,
            on_low_confidence: LowConfidence::default(),
            clarify_text: default_clarify(),
            max_clarifications: default_max_clarifications(),
        }
    }
}

/// Button titles of the confirm flow.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmSpec {
    #[serde(default = "default_yes")]
    pub yes: String,
    #[serde(default = "default_no")]
    pub no: String,
    #[serde(default = "default_person")]
    pub person: String,
}

pub(super) fn default_yes() -> String {
    "Yes".into()
}
pub(super) fn default_no() -> String {
    "No".into()
}
pub(super) fn default_person() -> String {
    "Talk to a person".into()
}

impl Default for ConfirmSpec {
    fn default() -> Self {
        Self {
            yes: default_yes(),
            no: default_no(),
            person: default_person(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TriggersSpec {
    #[serde(default)]
    pub(super) human_request: Option<PhraseTriggerSpec>,
    #[serde(default)]
    pub(super) complaint: Option<PhraseTriggerSpec>,
    #[serde(default)]
    pub(super) money: Option<PhraseTriggerSpec>,
    #[serde(default)]
    pub(super) frustration: Option<FrustrationSpec>,
    #[serde(default)]
    pub(super) media: Option<MediaTriggerSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PhraseTriggerSpec {
    #[serde(default = "yes")]
    pub(super) enabled: bool,
    /// Use the shipped lexicon for the chosen languages.
    #[serde(default = "yes")]
    pub(super) builtin: bool,
    /// The brand's own phrases, added to the lexicon.
    #[serde(default)]
    pub(super) phrases: Vec<String>,
    /// Answer from knowledge when the customer asks *about* the topic ("what is your refund
    /// policy?") instead of invoking it ("I want a refund").
    #[serde(default)]
    pub(super) answer_questions_about: Option<bool>,
    #[serde(default)]
    pub(super) next_step: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FrustrationSpec {
    #[serde(default = "yes")]
    pub(super) enabled: bool,
    #[serde(default = "default_frustration_threshold")]
    pub(super) threshold: f64,
    #[serde(default)]
    pub(super) negative: Vec<String>,
    #[serde(default)]
    pub(super) profanity: Vec<String>,
    #[serde(default)]
    pub(super) next_step: Option<String>,
}

pub(super) fn default_frustration_threshold() -> f64 {
    0.7
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MediaTriggerSpec {
    #[serde(default = "yes")]
    pub(super) enabled: bool,
    #[serde(default = "default_media")]
    pub(super) escalate: Vec<String>,
    #[serde(default)]
    pub(super) next_step: Option<String>,
}

pub(super) fn yes() -> bool {
    true
}
pub(super) fn default_media() -> Vec<String> {
    ["audio", "video", "file", "image"]
        .map(String::from)
        .to_vec()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleSpec {
    pub(super) name: String,
    pub(super) action: RuleAction,
    #[serde(default)]
    pub(super) phrases: Vec<String>,
    #[serde(default)]
    pub(super) payloads: Vec<String>,
    #[serde(default)]
    pub(super) attachments: Vec<String>,
    /// Knowledge topics: the rule fires when the best entry above the threshold has one of them.
    #[serde(default)]
    pub(super) topics: Vec<String>,
    #[serde(default)]
    pub(super) text: Option<String>,
    #[serde(default)]
    pub(super) confirmed_text: Option<String>,
    #[serde(default)]
    pub(super) next_step: Option<String>,
}
