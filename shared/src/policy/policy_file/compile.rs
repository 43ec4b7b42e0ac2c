//! From the policy file as written (`spec`) to the `Policy` the checks read: every number
//! bounded, every rule checked, and warnings for what can never be used.

use super::spec::{self, PolicySpec, RetentionSpec};
use super::triggers::{phrase_trigger, phrases};
use super::*;

impl Policy {
    pub(super) fn compile(spec: PolicySpec) -> Result<Self, PolicyError> {
        let threshold = compile_threshold(&spec.answers.confidence_threshold)?;
        check_limits(&spec)?;
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
        let frustration = compile_frustration(t.frustration.as_ref(), &lexicon)?;
        let media = compile_media(t.media.as_ref());
        let mut warnings = Vec::new();
        let rules = compile_rules(&spec.rules, &mut warnings)?;
        let (hours, hours_next_step) = match spec.hours.as_ref().filter(|h| h.enabled) {
            Some(h) => (Some(BusinessHours::compile(h)?), h.next_step.clone()),
            None => (None, None),
        };
        message_warnings(&spec, &mut warnings);
        Ok(Self {
            languages: spec.languages,
            channels: spec.channels,
            lexicon,
            messages: spec.messages,
            confirm: spec.confirm,
            confidence_threshold: threshold,
            ask_margin: spec.answers.ask_margin,
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
}

pub(super) fn check_retention(r: &RetentionSpec) -> Result<Retention, PolicyError> {
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

/// `[answers] confidence_threshold`: a number of the brand's own, or `None` for the threshold the
/// knowledge file earns (`"earned"`, the default).
fn compile_threshold(threshold: &spec::ThresholdSpec) -> Result<Option<f64>, PolicyError> {
    Ok(match threshold {
        spec::ThresholdSpec::Earned => None,
        spec::ThresholdSpec::Word(w) if w == "earned" => None,
        spec::ThresholdSpec::Word(w) => {
            return Err(PolicyError::Invalid(format!(
                "[answers] confidence_threshold {w:?} must be a number between 0 and 1, or \"earned\" (the threshold the knowledge file earns; the default)"
            )))
        }
        spec::ThresholdSpec::Fixed(t) if !(0.0..=1.0).contains(t) => {
            return Err(PolicyError::Invalid(format!(
                "[answers] confidence_threshold {t} must be between 0 and 1, or \"earned\""
            )))
        }
        spec::ThresholdSpec::Fixed(t) => Some(*t),
    })
}

/// The bounds of the numbers a policy file sets.
fn check_limits(spec: &PolicySpec) -> Result<(), PolicyError> {
    if let Some(m) = spec
        .answers
        .ask_margin
        .filter(|m| !(0.0..=20.0).contains(m))
    {
        return Err(PolicyError::Invalid(format!(
            "[answers] ask_margin {m} must be between 0 and 20 (log-odds above the threshold; leave it out for the calibrated one)"
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
    Ok(())
}

/// `[triggers.frustration]`: on by default, with the lexicon's words and the file's own.
fn compile_frustration(
    f: Option<&spec::FrustrationSpec>,
    lexicon: &Lexicon,
) -> Result<Option<FrustrationTrigger>, PolicyError> {
    Ok(match f {
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
    })
}

/// `[triggers.media]`: on by default, for the attachment types a person must open.
fn compile_media(m: Option<&spec::MediaTriggerSpec>) -> Option<MediaTrigger> {
    match m {
        Some(m) if !m.enabled => None,
        Some(m) => Some(MediaTrigger {
            types: m.escalate.clone(),
            next_step: m.next_step.clone(),
        }),
        None => Some(MediaTrigger {
            types: default_media(),
            next_step: None,
        }),
    }
}

/// The `[[rule]]`s in file order, each checked; a rule an earlier one shadows is a warning.
fn compile_rules(
    specs: &[spec::RuleSpec],
    warnings: &mut Vec<String>,
) -> Result<Vec<Rule>, PolicyError> {
    let mut rules: Vec<Rule> = Vec::new();
    for r in specs {
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
    Ok(rules)
}

/// What in `[messages]` will never be used, or leaves the customer untold.
fn message_warnings(spec: &PolicySpec, warnings: &mut Vec<String>) {
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
}
