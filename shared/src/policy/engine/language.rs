//! Per-language analysis for the answer engine: which shipped language a message is written in,
//! its stop words (from the lexicon files) and its Snowball stemmer.

use std::collections::HashSet;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use serde::Deserialize;

use crate::policy::languages::LANGUAGES;

/// One shipped language, ready to analyse text.
pub(crate) struct Language {
    pub code: &'static str,
    stemmer: Stemmer,
    stopwords: HashSet<String>,
}

#[derive(Deserialize)]
struct StopwordList {
    #[serde(default)]
    stopwords: Vec<String>,
}

fn algorithm(code: &str) -> Algorithm {
    match code {
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "es" => Algorithm::Spanish,
        "it" => Algorithm::Italian,
        _ => Algorithm::English,
    }
}

/// Every shipped language, English first (the fallback when nothing tells them apart).
static ALL: LazyLock<Vec<Language>> = LazyLock::new(|| {
    LANGUAGES
        .iter()
        .map(|(code, source)| {
            // The lexicons are compiled in and checked by a unit test; an unreadable list would
            // only lose stop words, never a message.
            let list: StopwordList = toml::from_str(source).unwrap_or(StopwordList {
                stopwords: Vec::new(),
            });
            Language {
                code,
                stemmer: Stemmer::create(algorithm(code)),
                stopwords: list
                    .stopwords
                    .iter()
                    .flat_map(|w| crate::policy::text::tokens(w))
                    .collect(),
            }
        })
        .collect()
});

impl Language {
    /// The language whose stop words the tokens use most (English on a tie or none).
    pub fn guess(tokens: &[String]) -> &'static Language {
        let all = &*ALL;
        let mut best = &all[0];
        let mut best_hits = 0;
        for lang in all {
            let hits = tokens
                .iter()
                .filter(|t| lang.stopwords.contains(t.as_str()))
                .count();
            if hits > best_hits {
                best = lang;
                best_hits = hits;
            }
        }
        best
    }

    pub fn stem(&self, token: &str) -> String {
        self.stemmer.stem(token).into_owned()
    }

    /// A word that is a stop word in any shipped language (for messages mixing languages).
    pub fn is_any_stopword(token: &str) -> bool {
        ALL.iter().any(|l| l.stopwords.contains(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::text::tokens;

    #[test]
    fn tells_the_shipped_languages_apart_by_their_small_words() {
        let code = |t: &str| Language::guess(&tokens(t)).code;
        assert_eq!(code("how long does the shipping take"), "en");
        assert_eq!(code("combien de temps pour la livraison"), "fr");
        assert_eq!(code("wie lange dauert der Versand"), "de");
        assert_eq!(code("cuánto tarda el envío a mi casa"), "es");
        assert_eq!(code("quanto tempo ci vuole per la spedizione"), "it");
        assert_eq!(code("Belgium"), "en");
    }

    #[test]
    fn stems_with_the_language_stemmer() {
        let en = Language::guess(&tokens("the"));
        assert_eq!(en.stem("shipping"), "ship");
        let de = Language::guess(&tokens("der die das und"));
        assert_eq!(de.code, "de");
        assert_eq!(de.stem("lieferungen"), de.stem("lieferung"));
    }

    #[test]
    fn every_lexicon_has_stop_words() {
        for lang in ALL.iter() {
            assert!(
                lang.stopwords.len() > 20,
                "{} has too few stop words",
                lang.code
            );
        }
    }
}
