//! The words the knowledge file uses, and typo correction against them ("shiping" → "shipping").

use std::collections::{HashMap, HashSet};

use super::language::Language;

/// Words (as typed, accents folded) and stems the brand's entries use.
#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    /// Word → how often the entries use it (a tie between corrections goes to the commoner).
    words: HashMap<String, u32>,
    /// Each word with one letter deleted → the words it came from (SymSpell): the few known
    /// words one edit away from a typo are found by lookups, not by comparing every word.
    deletes: HashMap<String, Vec<String>>,
    stems: HashSet<String>,
}

impl Vocabulary {
    pub fn new<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        let mut v = Vocabulary::default();
        for (word, stem) in pairs {
            *v.words.entry(word.to_string()).or_default() += 1;
            v.stems.insert(stem.to_string());
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

    pub fn knows_stem(&self, stem: &str) -> bool {
        self.stems.contains(stem)
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
                ("shipping", "ship"),
                ("delivery", "deliveri"),
                ("card", "card"),
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
}
