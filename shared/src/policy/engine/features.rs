//! What the engine sees of a text: stemmed words, word pairs and character n-grams of the stems,
//! hashed to fixed keys so a query allocates no feature strings.

use std::hash::{Hash, Hasher};

use super::language::Language;
use super::FeatureCounts;

/// Character n-gram sizes taken inside each (padded) stem: robust to typos, plurals and
/// compounds that the stemmer misses. 2-grams were tried: they occur in nearly every entry, so
/// they cost time on every message and answered less at the default threshold (BENCHMARKS.md).
const CHAR_NGRAMS: std::ops::RangeInclusive<usize> = 3..=5;

/// A text as the engine reads it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Analysis {
    /// Stem of every word, in order.
    pub stems: Vec<String>,
    /// Stems of the words that carry meaning (not stop words of the text's language).
    pub content: Vec<String>,
}

impl Analysis {
    /// Analyses already tokenised words (see `text::tokens`).
    pub fn of_tokens(words: &[String]) -> Self {
        let lang = Language::guess(words);
        let mut out = Analysis::default();
        for w in words {
            let stem = lang.stem(w);
            // Any shipped language's small words: customers mix languages ("merci, how long…").
            if !Language::is_any_stopword(w) {
                out.content.push(stem.clone());
            }
            out.stems.push(stem);
        }
        out
    }

    #[cfg(test)]
    pub fn of(text: &str) -> Self {
        Self::of_tokens(&crate::policy::text::tokens(text))
    }

    /// Hashed feature counts in two blocks (words, characters), each later normalised alone so
    /// neither drowns the other.
    pub fn features(&self) -> (FeatureCounts, FeatureCounts) {
        let mut words = FeatureCounts::default();
        let mut chars = FeatureCounts::default();
        for s in &self.stems {
            *words.entry(key(&(0u8, s))).or_default() += 1.0;
        }
        for pair in self.stems.windows(2) {
            *words.entry(key(&(1u8, &pair[0], &pair[1]))).or_default() += 1.0;
        }
        for s in &self.stems {
            let padded: Vec<char> = std::iter::once(' ')
                .chain(s.chars())
                .chain(std::iter::once(' '))
                .collect();
            for n in CHAR_NGRAMS {
                for gram in padded.windows(n) {
                    *chars.entry(key(&(2u8, gram))).or_default() += 1.0;
                }
            }
        }
        (words, chars)
    }
}

fn key<T: Hash>(value: &T) -> u64 {
    // FxHash: fast, and deterministic (no random seed), which is all an index built at start needs.
    let mut h = rustc_hash::FxHasher::default();
    value.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_words_are_stemmed_and_small_words_dropped() {
        let a = Analysis::of("How long does the shipping take?");
        assert_eq!(a.content, ["long", "ship", "take"]);
        let a = Analysis::of("Combien de temps pour la livraison ?");
        assert!(
            a.content.contains(&"livraison".to_string()),
            "{:?}",
            a.content
        );
        assert!(!a.content.iter().any(|w| w == "la" || w == "de"));
    }

    #[test]
    fn a_typo_still_shares_most_character_ngrams() {
        let (_, a) = Analysis::of("shipping").features();
        let (_, b) = Analysis::of("shiping").features();
        let shared = a.keys().filter(|k| b.contains_key(k)).count();
        assert!(shared * 2 > a.len(), "{shared} of {}", a.len());
    }
}
