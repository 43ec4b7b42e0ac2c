//! `[messages]`: what the customer is told, in each language the shop writes.

use std::collections::HashMap;

use serde::Deserialize;

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
    /// The handoff message in the customer's language (`[messages.de] handoff = "…"`), for a
    /// customer writing in it; `handoff` otherwise.
    #[serde(default)]
    pub en: Option<LocalMessages>,
    #[serde(default)]
    pub fr: Option<LocalMessages>,
    #[serde(default)]
    pub de: Option<LocalMessages>,
    #[serde(default)]
    pub es: Option<LocalMessages>,
    #[serde(default)]
    pub it: Option<LocalMessages>,
}

/// The customer-facing messages in one language.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalMessages {
    pub handoff: Option<String>,
    /// The question offering two entries that tie ("Did you mean:"), and the button for neither.
    pub ask: Option<String>,
    pub something_else: Option<String>,
}

impl MessagesSpec {
    /// The messages for a customer writing in `language` (ISO 639-1), if the file has them.
    pub fn in_language(&self, language: &str) -> Option<&LocalMessages> {
        let Self {
            en, fr, de, es, it, ..
        } = self;
        crate::policy::lexicon::for_language(language, [en, fr, de, es, it])
    }
}

pub(super) fn default_on_resume() -> Option<String> {
    Some("You're chatting with our automated assistant again. Ask me anything, or ask for a person at any time.".into())
}

pub(super) fn default_handoff() -> String {
    "Thanks for your message. I'm passing you to a person from our team; they will reply here as soon as they can.".into()
}
pub(super) fn default_outside_hours() -> String {
    "Thanks for your message. Our team is away right now and back {next_opening}; a person will reply here then.".into()
}

impl Default for MessagesSpec {
    fn default() -> Self {
        Self {
            handoff: default_handoff(),
            outside_hours: default_outside_hours(),
            by_reason: HashMap::new(),
            on_resume: default_on_resume(),
            en: None,
            fr: None,
            de: None,
            es: None,
            it: None,
        }
    }
}
