//! The policy file: the brand's boundary, as written (TOML) and compiled for matching.
//! `docs/policy.md` documents every key; `config/policy.toml` is a complete example.

use std::collections::HashMap;

use serde::Deserialize;

use super::hours::{BusinessHours, HoursSpec};
use super::lexicon::Lexicon;
use super::small_talk::SmallTalkReplies;
use super::text::Phrase;
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySpec {
    /// Lexicons to use for the built-in triggers.
    #[serde(default = "default_languages")]
    languages: Vec<String>,
    #[serde(default)]
    messages: MessagesSpec,
    #[serde(default)]
    answers: AnswersSpec,
    #[serde(default)]
    confirm: ConfirmSpec,
    #[serde(default)]
    hours: Option<HoursSpec>,
    #[serde(default)]
    triggers: TriggersSpec,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleSpec>,
    #[serde(default)]
    routing: RoutingSpec,
    #[serde(default)]
    reminders: RemindersSpec,
    #[serde(default)]
    links: LinksSpec,
    #[serde(default)]
    retention: RetentionSpec,
    #[serde(default)]
    small_talk: SmallTalkReplies,
    /// The channels the brand answers on: their text limits apply to every fixed text.
    #[serde(default = "default_channels")]
    channels: Vec<crate::conversation::Channel>,
}

fn default_channels() -> Vec<crate::conversation::Channel> {
    vec![
        crate::conversation::Channel::Messenger,
        crate::conversation::Channel::Instagram,
    ]
}

/// The resume link's lifetime (never past the end of the human-agent window either way).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinksSpec {
    #[serde(default = "default_link_days")]
    valid_days: u32,
}

fn default_link_days() -> u32 {
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
struct RetentionSpec {
    #[serde(default = "default_message_days")]
    message_days: u32,
    #[serde(default = "default_state_days")]
    state_days: u32,
    #[serde(default = "default_escalation_days")]
    escalation_days: u32,
}

fn default_message_days() -> u32 {
    90
}
fn default_state_days() -> u32 {
    90
}
fn default_escalation_days() -> u32 {
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
struct RemindersSpec {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default = "default_remind_after")]
    after_minutes: u32,
}

fn default_remind_after() -> u32 {
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

fn default_languages() -> Vec<String> {
    vec!["en".into(), "fr".into()]
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
    /// Sent when a person hands the customer back. Meta's policy asks a bot to say it is
    /// automated when a chat moves from a person back to automation, so the default says so; an
    /// empty string turns it off (and `policy check` warns).
    #[serde(default = "default_on_resume")]
    pub on_resume: Option<String>,
}

fn default_on_resume() -> Option<String> {
    Some("You're chatting with our automated assistant again. Ask me anything, or ask for a person at any time.".into())
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
            on_resume: default_on_resume(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswersSpec {
    #[serde(default = "default_threshold")]
    confidence_threshold: f64,
    #[serde(default)]
    on_low_confidence: LowConfidence,
    #[serde(default = "default_clarify")]
    clarify_text: String,
    #[serde(default = "default_max_clarifications")]
    max_clarifications: u32,
}

/// Tuned on CLINC150 `val` across five domains (BENCHMARKS.md): the lowest threshold that keeps
/// wrong answers and off-topic answers at or under 2 % in every configuration measured.
fn default_threshold() -> f64 {
    0.4
}
fn default_clarify() -> String {
    "Sorry, I'm not sure I understood. Could you say it another way? You can also ask for a person at any time.".into()
}
fn default_max_clarifications() -> u32 {
    2
}

impl Default for AnswersSpec {
    fn default() -> Self {
        Self {
            confidence_threshold: default_threshold(),
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

fn default_yes() -> String {
    "Yes".into()
}
fn default_no() -> String {
    "No".into()
}
fn default_person() -> String {
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
struct TriggersSpec {
    #[serde(default)]
    human_request: Option<PhraseTriggerSpec>,
    #[serde(default)]
    complaint: Option<PhraseTriggerSpec>,
    #[serde(default)]
    money: Option<PhraseTriggerSpec>,
    #[serde(default)]
    frustration: Option<FrustrationSpec>,
    #[serde(default)]
    media: Option<MediaTriggerSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseTriggerSpec {
    #[serde(default = "yes")]
    enabled: bool,
    /// Use the shipped lexicon for the chosen languages.
    #[serde(default = "yes")]
    builtin: bool,
    /// The brand's own phrases, added to the lexicon.
    #[serde(default)]
    phrases: Vec<String>,
    /// Answer from knowledge when the customer asks *about* the topic ("what is your refund
    /// policy?") instead of invoking it ("I want a refund").
    #[serde(default)]
    answer_questions_about: Option<bool>,
    #[serde(default)]
    next_step: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrustrationSpec {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default = "default_frustration_threshold")]
    threshold: f64,
    #[serde(default)]
    negative: Vec<String>,
    #[serde(default)]
    profanity: Vec<String>,
    #[serde(default)]
    next_step: Option<String>,
}

fn default_frustration_threshold() -> f64 {
    0.7
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
    /// Knowledge topics: the rule fires when the best entry above the threshold has one of them.
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    confirmed_text: Option<String>,
    #[serde(default)]
    next_step: Option<String>,
}

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

/// The compiled boundary.
#[derive(Clone, Debug)]
pub struct Policy {
    pub languages: Vec<String>,
    pub lexicon: Lexicon,
    pub messages: MessagesSpec,
    pub confirm: ConfirmSpec,
    pub confidence_threshold: f64,
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

fn phrases(list: &[String], owner: &str) -> Result<Vec<Phrase>, PolicyError> {
    list.iter()
        .map(|p| {
            Phrase::new(p).ok_or_else(|| {
                PolicyError::Invalid(format!("{owner}: phrase {p:?} has no words in it"))
            })
        })
        .collect()
}

fn phrase_trigger(
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

fn check_retention(r: &RetentionSpec) -> Result<Retention, PolicyError> {
    // A pause lasts up to 30 days and a link 30 more: STATE and escalations must outlive both.
    if !(1..=3650).contains(&r.message_days)
        || !(31..=3650).contains(&r.state_days)
        || !(61..=3650).contains(&r.escalation_days)
    {
        return Err(PolicyError::Invalid(format!(
            "[retention] message_days {} (1-3650), state_days {} (31-3650) and escalation_days {} \
             (61-3650) are out of range: a pause lasts up to 30 days and a resume link 30 more",
            r.message_days, r.state_days, r.escalation_days
        )));
    }
    Ok(Retention {
        message_days: r.message_days,
        state_days: r.state_days,
        escalation_days: r.escalation_days,
    })
}

impl Policy {
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

    fn compile(spec: PolicySpec) -> Result<Self, PolicyError> {
        let threshold = spec.answers.confidence_threshold;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(PolicyError::Invalid(format!(
                "[answers] confidence_threshold {threshold} must be between 0 and 1"
            )));
        }
        if !(1..=30).contains(&spec.links.valid_days) {
            return Err(PolicyError::Invalid(format!(
                "[links] valid_days {} must be between 1 and 30",
                spec.links.valid_days
            )));
        }
        check_retention(&spec.retention)?;
        if spec.reminders.enabled && spec.reminders.after_minutes == 0 {
            return Err(PolicyError::Invalid(
                "[reminders] after_minutes must be at least 1".into(),
            ));
        }
        if spec.answers.max_clarifications == 0 {
            return Err(PolicyError::Invalid(
                "[answers] max_clarifications must be at least 1".into(),
            ));
        }
        // `languages` must name shipped languages, but the triggers and small talk read all five:
        // a German request for a person in a French shop is still a request for a person. No
        // languages at all is a policy that never decides (ingest, notices): nothing compiled.
        let lexicon = Lexicon::for_languages(&spec.languages)?;
        let lexicon = if spec.languages.is_empty() {
            lexicon
        } else {
            Lexicon::all()
        };
        let t = &spec.triggers;
        let human_request = phrase_trigger(
            &t.human_request,
            "human_request",
            ReasonCode::HumanRequest,
            &lexicon.human_request,
            false,
        )?;
        let complaint = phrase_trigger(
            &t.complaint,
            "complaint",
            ReasonCode::Complaint,
            &lexicon.complaint,
            false,
        )?;
        let money = phrase_trigger(&t.money, "money", ReasonCode::Money, &lexicon.money, true)?;
        let frustration = match &t.frustration {
            Some(f) if !f.enabled => None,
            Some(f) => {
                if !(0.0..=3.0).contains(&f.threshold) {
                    return Err(PolicyError::Invalid(format!(
                        "[triggers.frustration] threshold {} must be between 0 and 3",
                        f.threshold
                    )));
                }
                let mut negative = lexicon.negative.clone();
                negative.extend(phrases(&f.negative, "[triggers.frustration] negative")?);
                let mut profanity = lexicon.profanity.clone();
                profanity.extend(phrases(&f.profanity, "[triggers.frustration] profanity")?);
                Some(FrustrationTrigger {
                    threshold: f.threshold,
                    negative,
                    profanity,
                    next_step: f.next_step.clone(),
                })
            }
            None => Some(FrustrationTrigger {
                threshold: default_frustration_threshold(),
                negative: lexicon.negative.clone(),
                profanity: lexicon.profanity.clone(),
                next_step: None,
            }),
        };
        let media = match &t.media {
            Some(m) if !m.enabled => None,
            Some(m) => Some(MediaTrigger {
                types: m.escalate.clone(),
                next_step: m.next_step.clone(),
            }),
            None => Some(MediaTrigger {
                types: default_media(),
                next_step: None,
            }),
        };
        let mut rules: Vec<Rule> = Vec::new();
        let mut warnings = Vec::new();
        for r in &spec.rules {
            if r.name.trim().is_empty() {
                return Err(PolicyError::Invalid("a [[rule]] has an empty name".into()));
            }
            if rules.iter().any(|o| o.name == r.name) {
                return Err(PolicyError::Invalid(format!(
                    "rule {:?} appears twice; rule names must be unique",
                    r.name
                )));
            }
            if r.phrases.is_empty()
                && r.payloads.is_empty()
                && r.attachments.is_empty()
                && r.topics.is_empty()
            {
                return Err(PolicyError::Invalid(format!(
                    "rule {:?} matches nothing: give it phrases, payloads, attachments or topics",
                    r.name
                )));
            }
            if r.action != RuleAction::Escalate && r.text.is_none() {
                return Err(PolicyError::Invalid(format!(
                    "rule {:?} resolves or confirms but has no text to send",
                    r.name
                )));
            }
            if r.action == RuleAction::Confirm && r.confirmed_text.is_none() {
                return Err(PolicyError::Invalid(format!(
                    "rule {:?} confirms but has no confirmed_text to send after the customer says yes",
                    r.name
                )));
            }
            let compiled = Rule {
                name: r.name.clone(),
                action: r.action,
                phrases: phrases(&r.phrases, &format!("rule {:?}", r.name))?,
                payloads: r.payloads.clone(),
                attachments: r.attachments.clone(),
                topics: r.topics.clone(),
                text: r.text.clone(),
                confirmed_text: r.confirmed_text.clone(),
                next_step: r.next_step.clone(),
            };
            // A rule whose every matcher an earlier rule already covers can never fire.
            if let Some(earlier) = rules.iter().find(|e| shadows(e, &compiled)) {
                warnings.push(format!(
                    "rule {:?} can never fire: rule {:?} before it matches everything it matches",
                    compiled.name, earlier.name
                ));
            }
            rules.push(compiled);
        }
        let (hours, hours_next_step) = match spec.hours.as_ref().filter(|h| h.enabled) {
            Some(h) => (Some(BusinessHours::compile(h)?), h.next_step.clone()),
            None => (None, None),
        };
        for reason in spec.messages.by_reason.keys() {
            let builtin = ReasonCode::from(reason.clone());
            let known_rule = spec.rules.iter().any(|r| &r.name == reason);
            if matches!(builtin, ReasonCode::Rule(_)) && !known_rule {
                warnings.push(format!(
                    "[messages.by_reason] {reason:?} is neither a reason code nor a rule name; it will never be used"
                ));
            }
        }
        if spec
            .messages
            .on_resume
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
        {
            warnings.push(
                "[messages] on_resume is empty: the customer is not told when the automated assistant takes over again from a person, which Meta's policy asks for".into(),
            );
        }
        Ok(Self {
            languages: spec.languages,
            channels: spec.channels,
            lexicon,
            messages: spec.messages,
            confirm: spec.confirm,
            confidence_threshold: threshold,
            on_low_confidence: spec.answers.on_low_confidence,
            clarify_text: spec.answers.clarify_text,
            max_clarifications: spec.answers.max_clarifications,
            hours,
            hours_next_step,
            human_request,
            complaint,
            money,
            frustration,
            media,
            rules,
            small_talk: spec.small_talk.enabled.then_some(spec.small_talk),
            routing: spec.routing.enabled,
            link_days: spec.links.valid_days,
            retention: Retention {
                message_days: spec.retention.message_days,
                state_days: spec.retention.state_days,
                escalation_days: spec.retention.escalation_days,
            },
            remind_after: spec
                .reminders
                .enabled
                .then(|| chrono::Duration::minutes(spec.reminders.after_minutes.into())),
            warnings,
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

    /// Built-in phrase triggers in the order they are checked after frustration.
    pub fn topic_triggers(&self) -> impl Iterator<Item = &PhraseTrigger> {
        self.complaint.iter().chain(self.money.iter())
    }
}

fn shadows(earlier: &Rule, later: &Rule) -> bool {
    let covered_phrases = later.phrases.iter().all(|p| {
        earlier
            .phrases
            .iter()
            .any(|e| e.source.to_lowercase() == p.source.to_lowercase())
    });
    let covered_payloads = later.payloads.iter().all(|p| earlier.payloads.contains(p));
    let covered_attachments = later
        .attachments
        .iter()
        .all(|a| earlier.attachments.contains(a));
    let covered_topics = later.topics.iter().all(|t| earlier.topics.contains(t));
    covered_phrases && covered_payloads && covered_attachments && covered_topics
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example policy the project ships.
    const SHIPPED_POLICY: &str = include_str!("../../../config/policy.toml");

    #[test]
    fn the_bot_says_it_is_automated_again_unless_the_brand_turns_it_off() {
        let p = Policy::from_toml("").unwrap();
        assert!(p
            .messages
            .on_resume
            .as_deref()
            .unwrap()
            .contains("automated assistant"));
        assert!(!p.warnings.iter().any(|w| w.contains("on_resume")));
        let off = Policy::from_toml("[messages]\non_resume = \"\"\n").unwrap();
        assert!(
            off.warnings
                .iter()
                .any(|w| w.contains("on_resume is empty")),
            "{:?}",
            off.warnings
        );
    }

    #[test]
    fn ingest_reads_the_same_retention_as_the_full_policy_and_the_same_bounds() {
        let file = SHIPPED_POLICY;
        let full = Policy::from_toml(file).unwrap();
        assert_eq!(Policy::retention_from_toml(file).unwrap(), full.retention);
        let custom = "[retention]\nmessage_days = 7\n[answers]\nconfidence_threshold = 0.5\n";
        assert_eq!(Policy::retention_from_toml(custom).unwrap().message_days, 7);
        assert_eq!(
            Policy::retention_from_toml("").unwrap(),
            Retention::default()
        );
        let err = Policy::retention_from_toml("[retention]\nstate_days = 3\n").unwrap_err();
        assert!(err.to_string().contains("state_days 3"), "{err}");
        assert!(Policy::retention_from_toml("[retention\n").is_err());

        let storing = Policy::storing_only(Retention {
            message_days: 7,
            state_days: 40,
            escalation_days: 70,
        });
        assert_eq!(storing.retention.message_days, 7);
        assert!(storing.lexicon.complaint.is_empty(), "no phrases compiled");
    }

    #[test]
    fn the_notices_policy_keeps_what_the_sweep_and_the_resume_page_read() {
        let file = SHIPPED_POLICY;
        let full = Policy::from_toml(file).unwrap();
        let notices = Policy::for_notices_from_toml(file).unwrap();
        assert_eq!(notices.messages.on_resume, full.messages.on_resume);
        assert_eq!(notices.remind_after, full.remind_after);
        assert_eq!(notices.routing, full.routing);
        assert_eq!(notices.link_days, full.link_days);
        assert_eq!(notices.retention, full.retention);
        assert!(!full.lexicon.complaint.is_empty());
        assert!(notices.lexicon.complaint.is_empty(), "no lexicon compiled");
        assert!(notices.rules.is_empty());
        // The file's own errors outside the triggers still stop it.
        let bad = "[links]\nvalid_days = 99\n";
        assert!(Policy::for_notices_from_toml(bad).is_err());
    }
}
