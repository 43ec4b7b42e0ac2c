//! The built-in phrase lists per language (data, in `lexicon/*.toml`), compiled for matching by
//! `build.rs`.

#[cfg(test)]
use serde::Deserialize;

use super::languages::LANGUAGES;
use super::text::Phrase;
use super::PolicyError;

/// The TOML's shape, read here only by the test that holds the build-time compilation to it.
#[cfg(test)]
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
#[derive(Clone, Debug, Default, PartialEq)]
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

/// A phrase as `build.rs` compiled it: its source and its words (whether each matches any
/// ending).
type CompiledPhrase = (&'static str, &'static [(bool, &'static str)]);

/// One shipped language's lists, compiled at build time.
struct CompiledLexicon {
    human_request: &'static [CompiledPhrase],
    human_request_alone: &'static [CompiledPhrase],
    complaint: &'static [CompiledPhrase],
    money: &'static [CompiledPhrase],
    negative: &'static [CompiledPhrase],
    profanity: &'static [CompiledPhrase],
    inquiry: &'static [CompiledPhrase],
    invoke: &'static [CompiledPhrase],
    negation: &'static [CompiledPhrase],
    yes: &'static [CompiledPhrase],
    no: &'static [CompiledPhrase],
    greeting: &'static [CompiledPhrase],
    thanks: &'static [CompiledPhrase],
    bye: &'static [CompiledPhrase],
    acknowledge: &'static [CompiledPhrase],
}

include!(concat!(env!("OUT_DIR"), "/lexicon.rs"));

fn load(list: &[CompiledPhrase]) -> impl Iterator<Item = Phrase> + '_ {
    list.iter()
        .map(|(source, parts)| Phrase::from_parts(source, parts))
}

/// The one of five per-language settings (in `LANGUAGES` order: en, fr, de, es, it) for a
/// customer writing in `language`.
pub(crate) fn for_language<'a, T>(language: &str, settings: [&'a Option<T>; 5]) -> Option<&'a T> {
    let i = LANGUAGES.iter().position(|(code, _)| *code == language)?;
    settings[i].as_ref()
}

/// The shipped language whose small-talk phrases ("danke", "merci beaucoup") cover most words
/// of `words`; `None` when none does or two tie ("ok" is said everywhere).
pub fn small_talk_language(words: &[String]) -> Option<&'static str> {
    static BY_LANGUAGE: std::sync::LazyLock<Vec<(&'static str, Vec<Phrase>)>> =
        std::sync::LazyLock::new(|| {
            COMPILED
                .iter()
                .map(|(code, c)| {
                    let phrases = load(c.greeting)
                        .chain(load(c.thanks))
                        .chain(load(c.bye))
                        .chain(load(c.acknowledge))
                        .collect();
                    (*code, phrases)
                })
                .collect()
        });
    let mut scores: Vec<(&'static str, usize)> = BY_LANGUAGE
        .iter()
        .map(|(code, phrases)| {
            let covered: usize = phrases
                .iter()
                .filter(|p| p.is_in(words))
                .map(|p| p.parts().count())
                .sum();
            (*code, covered)
        })
        .collect();
    scores.sort_by_key(|s| std::cmp::Reverse(s.1));
    match scores.as_slice() {
        [(code, best), rest @ ..] if *best > 0 && rest.first().is_none_or(|r| r.1 < *best) => {
            Some(code)
        }
        _ => None,
    }
}

impl Lexicon {
    /// Every shipped language's lists, merged.
    pub fn all() -> Self {
        let codes: Vec<String> = LANGUAGES.iter().map(|(c, _)| c.to_string()).collect();
        Self::for_languages(&codes).expect("the shipped languages")
    }

    /// Merges the lists of `languages` (ISO 639-1 codes shipped in `LANGUAGES`), compiled at
    /// build time.
    pub fn for_languages(languages: &[String]) -> Result<Self, PolicyError> {
        let mut lex = Lexicon::default();
        for code in languages {
            let c = COMPILED
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, lists)| lists)
                .ok_or_else(|| {
                    let known: Vec<&str> = LANGUAGES.iter().map(|(c, _)| *c).collect();
                    PolicyError::Invalid(format!(
                        "languages: {code:?} is not shipped; choose from {known:?}"
                    ))
                })?;
            lex.human_request.extend(load(c.human_request));
            lex.human_request_alone.extend(load(c.human_request_alone));
            lex.complaint.extend(load(c.complaint));
            lex.money.extend(load(c.money));
            lex.negative.extend(load(c.negative));
            lex.profanity.extend(load(c.profanity));
            lex.inquiry.extend(load(c.inquiry));
            lex.invoke.extend(load(c.invoke));
            lex.negation.extend(load(c.negation));
            lex.yes.extend(load(c.yes));
            lex.no.extend(load(c.no));
            lex.greeting.extend(load(c.greeting));
            lex.thanks.extend(load(c.thanks));
            lex.bye.extend(load(c.bye));
            lex.acknowledge.extend(load(c.acknowledge));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn from_toml(source: &str) -> Lexicon {
        let spec: LexiconSpec = toml::from_str(source).unwrap();
        let compile = |list: &[String]| -> Vec<Phrase> {
            list.iter().filter_map(|p| Phrase::new(p)).collect()
        };
        Lexicon {
            human_request: compile(&spec.human_request),
            human_request_alone: compile(&spec.human_request_alone),
            complaint: compile(&spec.complaint),
            money: compile(&spec.money),
            negative: compile(&spec.negative),
            profanity: compile(&spec.profanity),
            inquiry: compile(&spec.inquiry),
            invoke: compile(&spec.invoke),
            negation: compile(&spec.negation),
            yes: compile(&spec.yes),
            no: compile(&spec.no),
            greeting: compile(&spec.greeting),
            thanks: compile(&spec.thanks),
            bye: compile(&spec.bye),
            acknowledge: compile(&spec.acknowledge),
        }
    }

    #[test]
    fn the_build_time_lexicons_are_the_toml_files_compiled() {
        assert_eq!(COMPILED.len(), LANGUAGES.len());
        for (code, source) in LANGUAGES {
            let built = Lexicon::for_languages(&[code.to_string()]).unwrap();
            assert_eq!(built, from_toml(source), "{code}");
            assert!(!built.complaint.is_empty(), "{code}");
        }
    }

    #[test]
    fn an_unshipped_language_is_refused_by_name() {
        let err = Lexicon::for_languages(&["xx".to_string()]).unwrap_err();
        assert!(err.to_string().contains("\"xx\" is not shipped"), "{err}");
    }
}
