//! The words the knowledge file uses, and typo correction against them ("shiping" → "shipping").

use std::collections::HashMap;

use super::language::Language;
use super::Leave;

/// Words (as typed, accents folded) and stems the brand's entries use.
#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    /// Word → how often the entries use it (a tie between corrections goes to the commoner).
    words: HashMap<String, u32>,
    /// Each word with one letter deleted → the words it came from (SymSpell): the few known
    /// words one edit away from a typo are found by lookups, not by comparing every word.
    deletes: HashMap<String, Vec<String>>,
    stems: HashMap<String, StemUse>,
}

/// How the entries use one stem: how often, and by one entry alone or by several (so the file's
/// own evidence can ask whether a stem is known without one question, or without one entry).
#[derive(Clone, Copy, Debug)]
struct StemUse {
    count: u32,
    /// The one entry that uses it, or `None` when several do.
    only: Option<usize>,
}

impl Vocabulary {
    /// Learns from (word, stem, entry) of every word of the entries' examples.
    pub fn new<'a>(uses: impl Iterator<Item = (&'a str, &'a str, usize)>) -> Self {
        let mut v = Vocabulary::default();
        for (word, stem, class) in uses {
            *v.words.entry(word.to_string()).or_default() += 1;
            v.stems
                .entry(stem.to_string())
                .and_modify(|u| {
                    u.count += 1;
                    if u.only != Some(class) {
                        u.only = None;
                    }
                })
                .or_insert(StemUse {
                    count: 1,
                    only: Some(class),
                });
        }
        let mut deletes: HashMap<String, Vec<String>> = HashMap::new();
        for w in v.words.keys() {
            for d in one_deleted(w) {
                deletes.entry(d).or_default().push(w.clone());
            }
        }
        deletes.values_mut().for_each(|ws| {
            ws.sort_unstable();
            ws.dedup();
        });
        v.deletes = deletes;
        v
    }

    /// Whether the entries use `stem`, beyond what `leave` takes out: `own` is how often the
    /// message itself uses it (when the message is one of the file's examples).
    pub fn knows_stem(&self, stem: &str, leave: Leave, own: u32) -> bool {
        self.stems.get(stem).is_some_and(|u| match leave {
            Leave::Nothing => true,
            Leave::Example { .. } => u.count > own,
            Leave::Entry(c) => u.only != Some(c),
        })
    }

    /// Replaces each unknown word of five letters or more by the known word one edit away
    /// (a letter missing, extra, wrong or two swapped), the commonest when several are. Short
    /// words are left alone: "card" and "cart" are both real words.
    pub fn correct(&self, words: Vec<String>) -> Vec<String> {
        words
            .into_iter()
            .map(|w| self.closest(&w).unwrap_or(w))
            .collect()
    }

    fn closest(&self, word: &str) -> Option<String> {
        if word.chars().count() < 5
            || self.words.contains_key(word)
            || word.chars().any(|c| c.is_ascii_digit())
            || Language::is_any_stopword(word)
        {
            return None;
        }
        // A known word one edit away shares the typo itself or one of its one-deleted forms
        // among its own one-deleted forms, or is one of the typo's one-deleted forms.
        let mut candidates: Vec<&String> = Vec::new();
        let forms = one_deleted(word);
        for form in std::iter::once(word.to_string()).chain(forms.iter().cloned()) {
            if let Some((known, _)) = self.words.get_key_value(&form) {
                candidates.push(known);
            }
            candidates.extend(self.deletes.get(&form).into_iter().flatten());
        }
        candidates
            .into_iter()
            .filter(|c| strsim::damerau_levenshtein(word, c) == 1)
            .max_by(|a, b| self.words[*a].cmp(&self.words[*b]).then(b.cmp(a)))
            .cloned()
    }
}

fn one_deleted(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|i| chars[..i].iter().chain(&chars[i + 1..]).collect::<String>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrects_one_slip_in_longer_words_only() {
        let v = Vocabulary::new(
            [
                ("shipping", "ship", 0),
                ("delivery", "deliveri", 0),
                ("card", "card", 1),
            ]
            .into_iter(),
        );
        let fixed = v.correct(
            ["shiping", "delivry", "cart", "quantum"]
                .map(String::from)
                .to_vec(),
        );
        assert_eq!(fixed, ["shipping", "delivery", "cart", "quantum"]);
    }

    #[test]
    fn a_stem_is_known_without_one_question_or_one_entry_only_if_others_use_it() {
        let v = Vocabulary::new(
            [
                ("card", "card", 0),
                ("card", "card", 1),
                ("lost", "lost", 1),
            ]
            .into_iter(),
        );
        assert!(v.knows_stem("card", Leave::Entry(1), 0));
        assert!(!v.knows_stem("lost", Leave::Entry(1), 0));
        assert!(v.knows_stem("lost", Leave::Entry(0), 0));
        let own = Leave::Example { class: 1, index: 2 };
        assert!(!v.knows_stem("lost", own, 1));
        assert!(v.knows_stem("card", own, 1));
        assert!(v.knows_stem("lost", Leave::Nothing, 0));
    }
}
