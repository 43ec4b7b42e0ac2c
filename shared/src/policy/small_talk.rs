//! Small talk ("hi", "thanks!", "ok", "bye"): a short friendly reply, never an escalation, never
//! a pause. Only a message made of nothing else counts; "hi, where is my order?" is a question.

use serde::Deserialize;

use super::engine::language::Language;
use super::lexicon::Lexicon;
use super::questions::QUESTION_STARTS;
use super::text::Phrase;

/// What kind of small talk a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmallTalkKind {
    Greeting,
    Thanks,
    Bye,
    Acknowledge,
}

impl SmallTalkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SmallTalkKind::Greeting => "greeting",
            SmallTalkKind::Thanks => "thanks",
            SmallTalkKind::Bye => "bye",
            SmallTalkKind::Acknowledge => "acknowledge",
        }
    }
}

/// The replies, from `[small_talk]` in the policy file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmallTalkReplies {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "default_greeting")]
    pub greeting: String,
    #[serde(default = "default_thanks")]
    pub thanks: String,
    #[serde(default = "default_bye")]
    pub bye: String,
    #[serde(default = "default_acknowledge")]
    pub acknowledge: String,
    /// The replies in the customer's language (`[small_talk.de] greeting = "…"`).
    #[serde(default)]
    pub en: Option<LocalReplies>,
    #[serde(default)]
    pub fr: Option<LocalReplies>,
    #[serde(default)]
    pub de: Option<LocalReplies>,
    #[serde(default)]
    pub es: Option<LocalReplies>,
    #[serde(default)]
    pub it: Option<LocalReplies>,
}

/// Small-talk replies in one language; a reply left out falls back to the file's own.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalReplies {
    pub greeting: Option<String>,
    pub thanks: Option<String>,
    pub bye: Option<String>,
    pub acknowledge: Option<String>,
}

fn yes() -> bool {
    true
}
fn default_greeting() -> String {
    "Hello! I'm the shop's automated assistant. How can I help you today?".into()
}
fn default_thanks() -> String {
    "You're welcome! Anything else I can help with?".into()
}
fn default_bye() -> String {
    "Thanks for your message, have a lovely day!".into()
}
fn default_acknowledge() -> String {
    "Great! Let me know if there's anything else.".into()
}

impl Default for SmallTalkReplies {
    fn default() -> Self {
        Self {
            enabled: true,
            greeting: default_greeting(),
            thanks: default_thanks(),
            bye: default_bye(),
            acknowledge: default_acknowledge(),
            en: None,
            fr: None,
            de: None,
            es: None,
            it: None,
        }
    }
}

impl SmallTalkReplies {
    pub fn reply(&self, kind: SmallTalkKind) -> &str {
        match kind {
            SmallTalkKind::Greeting => &self.greeting,
            SmallTalkKind::Thanks => &self.thanks,
            SmallTalkKind::Bye => &self.bye,
            SmallTalkKind::Acknowledge => &self.acknowledge,
        }
    }

    /// `reply` for a customer writing in `language` (ISO 639-1), when the file has it.
    pub fn reply_in(&self, kind: SmallTalkKind, language: &str) -> &str {
        let Self {
            en, fr, de, es, it, ..
        } = self;
        let local = super::lexicon::for_language(language, [en, fr, de, es, it]);
        let text = local.and_then(|l| match kind {
            SmallTalkKind::Greeting => l.greeting.as_deref(),
            SmallTalkKind::Thanks => l.thanks.as_deref(),
            SmallTalkKind::Bye => l.bye.as_deref(),
            SmallTalkKind::Acknowledge => l.acknowledge.as_deref(),
        });
        text.unwrap_or_else(|| self.reply(kind))
    }
}

/// Longest message still read as small talk.
const MAX_WORDS: usize = 8;

/// The small talk `words` consist of, if that is all they are: every word belongs to a
/// small-talk phrase or is a stop word, with at most one other word (a name: "thanks Camille").
/// Thanks and goodbyes win over a greeting or an "ok" said with them.
pub fn small_talk(lex: &Lexicon, words: &[String]) -> Option<SmallTalkKind> {
    if words.is_empty() || words.len() > MAX_WORDS {
        return None;
    }
    let mut covered = vec![false; words.len()];
    let mut found = Vec::new();
    let lists: [(SmallTalkKind, &[Phrase]); 4] = [
        (SmallTalkKind::Thanks, &lex.thanks),
        (SmallTalkKind::Bye, &lex.bye),
        (SmallTalkKind::Greeting, &lex.greeting),
        (SmallTalkKind::Acknowledge, &lex.acknowledge),
    ];
    for (kind, phrases) in lists {
        for p in phrases {
            for at in p.positions_in(words) {
                covered[at..at + p.len()].iter_mut().for_each(|c| *c = true);
                if !found.contains(&kind) {
                    found.push(kind);
                }
            }
        }
    }
    let uncovered = || {
        words
            .iter()
            .zip(&covered)
            .filter(|(_, c)| !**c)
            .map(|(w, _)| w)
    };
    // "thanks, where is my order": a question word outside the small talk makes it a question.
    if uncovered().any(|w| QUESTION_STARTS.contains(&w.as_str())) {
        return None;
    }
    if uncovered()
        .filter(|w| !Language::is_any_stopword(w))
        .count()
        > 1
    {
        return None;
    }
    // `lists` is in priority order, and so is `found` for each kind's first appearance.
    lists.iter().map(|(k, _)| *k).find(|k| found.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::text::tokens;

    fn kind(text: &str) -> Option<SmallTalkKind> {
        let lex =
            Lexicon::for_languages(&["en", "fr", "de", "es", "it"].map(String::from)).unwrap();
        small_talk(&lex, &tokens(text))
    }

    #[test]
    fn greetings_thanks_and_goodbyes_in_every_shipped_language() {
        use SmallTalkKind::*;
        assert_eq!(kind("hello"), Some(Greeting));
        assert_eq!(kind("Hi there!"), Some(Greeting));
        assert_eq!(kind("thanks!"), Some(Thanks));
        assert_eq!(kind("ok thank you so much Camille"), Some(Thanks));
        assert_eq!(kind("ok"), Some(Acknowledge));
        assert_eq!(kind("bye, have a nice day"), Some(Bye));
        assert_eq!(kind("Bonjour !"), Some(Greeting));
        assert_eq!(kind("merci beaucoup"), Some(Thanks));
        assert_eq!(kind("Vielen Dank!"), Some(Thanks));
        assert_eq!(kind("hola"), Some(Greeting));
        assert_eq!(kind("grazie mille"), Some(Thanks));
    }

    #[test]
    fn a_question_with_a_greeting_is_a_question() {
        assert_eq!(kind("hi, how long does shipping take?"), None);
        assert_eq!(kind("thanks, but where is my order"), None);
        assert_eq!(kind("thanks, where is my order"), None);
        assert_eq!(kind("hi, can I return it"), None);
        assert_eq!(kind("hi, how are you?"), Some(SmallTalkKind::Greeting));
        assert_eq!(kind("parcel"), None);
        assert_eq!(kind(""), None);
    }
}
