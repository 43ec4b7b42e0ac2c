//! The built-in phrase lists per language (data, in `lexicon/*.toml`), compiled for matching.

use serde::Deserialize;

use super::text::Phrase;
use super::PolicyError;

/// Languages shipped with Handoff.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", include_str!("lexicon/en.toml")),
    ("fr", include_str!("lexicon/fr.toml")),
    ("de", include_str!("lexicon/de.toml")),
    ("es", include_str!("lexicon/es.toml")),
    ("it", include_str!("lexicon/it.toml")),
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconSpec {
    human_request: Vec<String>,
    human_request_alone: Vec<String>,
    complaint: Vec<String>,
    money: Vec<String>,
    negative: Vec<String>,
    profanity: Vec<String>,
    inquiry: Vec<String>,
    invoke: Vec<String>,
    negation: Vec<String>,
    yes: Vec<String>,
    no: Vec<String>,
    greeting: Vec<String>,
    thanks: Vec<String>,
    bye: Vec<String>,
    acknowledge: Vec<String>,
    /// Read by the answer engine (`engine::language`), not by the triggers.
    #[allow(dead_code)]
    stopwords: Vec<String>,
}

/// Every list, merged over the chosen languages.
#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    pub human_request: Vec<Phrase>,
    /// Words that ask for a person only when they are the whole message.
    pub human_request_alone: Vec<Phrase>,
    pub complaint: Vec<Phrase>,
    pub money: Vec<Phrase>,
    pub negative: Vec<Phrase>,
    pub profanity: Vec<Phrase>,
    pub inquiry: Vec<Phrase>,
    pub invoke: Vec<Phrase>,
    pub negation: Vec<Phrase>,
    pub yes: Vec<Phrase>,
    pub no: Vec<Phrase>,
    pub greeting: Vec<Phrase>,
    pub thanks: Vec<Phrase>,
    pub bye: Vec<Phrase>,
    pub acknowledge: Vec<Phrase>,
}

fn compile(list: &[String]) -> Vec<Phrase> {
    list.iter().filter_map(|p| Phrase::new(p)).collect()
}

impl Lexicon {
    /// Merges the lists of `languages` (ISO 639-1 codes shipped in `LANGUAGES`).
    pub fn for_languages(languages: &[String]) -> Result<Self, PolicyError> {
        let mut lex = Lexicon::default();
        for code in languages {
            let source = LANGUAGES
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, s)| *s)
                .ok_or_else(|| {
                    let known: Vec<&str> = LANGUAGES.iter().map(|(c, _)| *c).collect();
                    PolicyError::Invalid(format!(
                        "languages: {code:?} is not shipped; choose from {known:?}"
                    ))
                })?;
            let spec: LexiconSpec = toml::from_str(source)
                .map_err(|e| PolicyError::Invalid(format!("lexicon {code}: {e}")))?;
            lex.human_request.extend(compile(&spec.human_request));
            lex.human_request_alone
                .extend(compile(&spec.human_request_alone));
            lex.complaint.extend(compile(&spec.complaint));
            lex.money.extend(compile(&spec.money));
            lex.negative.extend(compile(&spec.negative));
            lex.profanity.extend(compile(&spec.profanity));
            lex.inquiry.extend(compile(&spec.inquiry));
            lex.invoke.extend(compile(&spec.invoke));
            lex.negation.extend(compile(&spec.negation));
            lex.yes.extend(compile(&spec.yes));
            lex.no.extend(compile(&spec.no));
            lex.greeting.extend(compile(&spec.greeting));
            lex.thanks.extend(compile(&spec.thanks));
            lex.bye.extend(compile(&spec.bye));
            lex.acknowledge.extend(compile(&spec.acknowledge));
        }
        Ok(lex)
    }

    /// The first phrase of `list` found in `words` and not negated just before it.
    pub fn find<'a>(&self, list: &'a [Phrase], words: &[String]) -> Option<&'a Phrase> {
        list.iter()
            .find(|p| p.positions_in(words).any(|at| !self.negated(words, at)))
    }

    /// "not a complaint", "pas une plainte": a negation within the two words before `at`.
    pub fn negated(&self, words: &[String], at: usize) -> bool {
        let from = at.saturating_sub(3);
        let window = &words[from..at];
        self.negation.iter().any(|n| n.is_in(window))
    }

    /// Whether the message asks *about* something ("what is your refund policy?") rather than
    /// invoking it ("I want a refund").
    pub fn asks_about(&self, words: &[String]) -> bool {
        self.inquiry.iter().any(|p| p.is_in(words)) && !self.invoke.iter().any(|p| p.is_in(words))
    }

    /// "human?", "agent please": a word that asks for a person when nothing but small words
    /// surrounds it (unlike "human error" or "travel agent").
    pub fn asks_for_person_alone(&self, words: &[String]) -> Option<&Phrase> {
        if words.is_empty() || words.len() > 4 {
            return None;
        }
        let hit = self.human_request_alone.iter().find(|p| p.is_in(words))?;
        let hit_words = super::text::tokens(&hit.source);
        words
            .iter()
            .all(|w| hit_words.contains(w) || super::engine::language::Language::is_any_stopword(w))
            .then_some(hit)
    }

    /// A short answer that is only yes (or only no) to a question.
    pub fn is_only(&self, list: &[Phrase], words: &[String]) -> bool {
        !words.is_empty() && words.len() <= 4 && list.iter().any(|p| p.is_in(words))
    }
}
