//! Text normalisation shared by rules and retrieval: Unicode-aware, case- and accent-insensitive,
//! matched on word boundaries.

use std::borrow::Cow;

use unicode_general_category::{get_general_category, GeneralCategory};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Whether `c` is a format character (Unicode Cf: the soft hyphen, zero-width space and joiners,
/// the word joiner, the byte-order mark, bidi marks and embeddings, tag characters).
pub fn is_invisible(c: char) -> bool {
    get_general_category(c) == GeneralCategory::Format
}

/// The text without its format characters. Invisible on screen, they would otherwise split a word
/// ("com\u{AD}plaint" reads as "com" and "plaint") so that no trigger sees it; every check reads
/// this form.
pub fn visible(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_invisible) {
        Cow::Owned(text.chars().filter(|c| !is_invisible(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Lower-cases, strips accents (NFKD then drops combining marks), drops format characters and
/// splits on anything that is not a letter or a digit. "Remboursé!" → ["rembourse"].
pub fn tokens(text: &str) -> Vec<String> {
    let folded: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c) && !is_invisible(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A phrase from a policy or knowledge file, ready to match. A trailing `*` on a word matches any
/// ending ("refund*" matches refund, refunds, refunded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phrase {
    pub source: String,
    words: Vec<PhraseWord>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PhraseWord {
    Exact(String),
    Prefix(String),
}

impl Phrase {
    /// Returns `None` for a phrase with no words in it.
    pub fn new(source: &str) -> Option<Self> {
        let words: Vec<PhraseWord> = source
            .split_whitespace()
            .flat_map(|raw| {
                let prefix = raw.ends_with('*');
                let toks = tokens(raw);
                let n = toks.len();
                toks.into_iter().enumerate().map(move |(i, t)| {
                    if prefix && i + 1 == n {
                        PhraseWord::Prefix(t)
                    } else {
                        PhraseWord::Exact(t)
                    }
                })
            })
            .collect();
        (!words.is_empty()).then(|| Phrase {
            source: source.to_string(),
            words,
        })
    }

    /// Whether the phrase occurs as consecutive whole words in `haystack`.
    pub fn is_in(&self, haystack: &[String]) -> bool {
        self.position_in(haystack).is_some()
    }

    /// Index of the first word of the first occurrence.
    pub fn position_in(&self, haystack: &[String]) -> Option<usize> {
        self.positions_in(haystack).next()
    }

    /// Index of the first word of every occurrence.
    pub fn positions_in<'a>(&'a self, haystack: &'a [String]) -> impl Iterator<Item = usize> + 'a {
        let n = self.words.len();
        let last = (haystack.len() + 1).saturating_sub(n.max(1));
        (0..last).filter(move |&start| {
            self.words
                .iter()
                .zip(&haystack[start..start + n])
                .all(|(w, t)| match w {
                    PhraseWord::Exact(e) => e == t,
                    PhraseWord::Prefix(p) => t.starts_with(p.as_str()),
                })
        })
    }

    /// The phrase's words, each with whether it matches any ending: what `build.rs` writes out
    /// for the shipped lexicons.
    pub fn parts(&self) -> impl Iterator<Item = (bool, &str)> {
        self.words.iter().map(|w| match w {
            PhraseWord::Exact(t) => (false, t.as_str()),
            PhraseWord::Prefix(t) => (true, t.as_str()),
        })
    }

    /// A phrase compiled ahead of time, from its `parts`.
    pub fn from_parts(source: &str, parts: &[(bool, &str)]) -> Self {
        Phrase {
            source: source.to_string(),
            words: parts
                .iter()
                .map(|&(prefix, t)| {
                    if prefix {
                        PhraseWord::Prefix(t.to_string())
                    } else {
                        PhraseWord::Exact(t.to_string())
                    }
                })
                .collect(),
        }
    }

    /// Number of words in the phrase.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents_and_splits_on_punctuation() {
        assert_eq!(
            tokens("Remboursé, S'IL VOUS PLAÎT!"),
            ["rembourse", "s", "il", "vous", "plait"]
        );
        assert_eq!(tokens("ＦＵＬＬ width"), ["full", "width"]);
        assert!(tokens("😀 !!").is_empty());
    }

    #[test]
    fn format_characters_never_split_a_word() {
        for hidden in [
            "com\u{AD}plaint",
            "com\u{200B}plaint",
            "com\u{200C}plaint",
            "com\u{200D}plaint",
            "com\u{2060}plaint",
            "\u{FEFF}complaint",
            "com\u{200E}plaint\u{200F}",
            "\u{202E}complaint\u{202C}",
            "com\u{2066}plaint\u{2069}",
            "com\u{E0041}plaint",
        ] {
            assert_eq!(tokens(hidden), ["complaint"], "{hidden:?}");
            assert_eq!(visible(hidden), "complaint", "{hidden:?}");
        }
        assert!(matches!(visible("plain text"), Cow::Borrowed(_)));
        // Zero-width joiners inside emoji go too; the emoji's visible parts stay.
        assert_eq!(visible("👩\u{200D}💻"), "👩💻");
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let p = Phrase::new("complaint").unwrap();
        assert!(p.is_in(&tokens("I want to file a COMPLAINT.")));
        assert!(!p.is_in(&tokens("complaints department")));
        let p = Phrase::new("refund*").unwrap();
        assert!(p.is_in(&tokens("was it refunded?")));
        let p = Phrase::new("money back").unwrap();
        assert!(p.is_in(&tokens("I want my money back")));
        assert!(!p.is_in(&tokens("back money")));
        assert!(Phrase::new(" !! ").is_none());
    }
}
