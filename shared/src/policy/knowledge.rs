//! The brand's question/answer entries and the retrieval that ranks them (BM25 over question variants).

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::text::tokens;
use super::PolicyError;

/// The knowledge file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnowledgeFile {
    #[serde(default, rename = "entry")]
    entries: Vec<KnowledgeEntry>,
}

/// One answer the bot may give, with the ways customers ask for it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeEntry {
    pub id: String,
    #[serde(default)]
    pub topic: Option<String>,
    pub questions: Vec<String>,
    pub answer: String,
    /// Propose the answer and ask the customer to confirm before acting on it.
    #[serde(default)]
    pub confirm: bool,
}

/// Words that carry no meaning for retrieval (English and French, the shipped languages).
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "be", "do", "does", "did", "i", "you", "your", "my",
    "me", "we", "our", "it", "to", "of", "in", "on", "for", "and", "or", "can", "could", "would",
    "will", "what", "how", "when", "where", "which", "who", "there", "this", "that", "with", "at",
    "have", "has", "please", "hi", "hello", "hey", "thanks", "s", "t", "m", "le", "la", "les",
    "un", "une", "des", "de", "du", "et", "ou", "je", "vous", "tu", "est", "sont", "pour", "avec",
    "mon", "ma", "mes", "votre", "vos", "quel", "quelle", "quels", "quelles", "comment", "quand",
    "ou", "il", "elle", "ce", "cette", "ces", "bonjour", "merci", "d", "l", "j", "qu", "que",
    "qui", "en", "au", "aux", "est", "ce",
];

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// The entries with an inverted index over their question variants.
#[derive(Debug)]
pub struct Knowledge {
    entries: Vec<KnowledgeEntry>,
    /// term → (variant index, term frequency)
    postings: HashMap<String, Vec<(usize, u32)>>,
    /// variant index → entry index
    variant_entry: Vec<usize>,
    variant_len: Vec<f64>,
    avg_len: f64,
}

/// The best entry for a message and how sure retrieval is (0..=1).
#[derive(Clone, Debug, PartialEq)]
pub struct Retrieval<'a> {
    pub entry: &'a KnowledgeEntry,
    pub confidence: f64,
    pub score: f64,
    /// Confidence of the runner-up entry, for the trace.
    pub runner_up: Option<(&'a str, f64)>,
}

/// Content words of a text, as retrieval sees them.
pub fn content_terms(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|t| !STOPWORDS.contains(&t.as_str()))
        .collect()
}

impl Knowledge {
    /// Parses and indexes a knowledge file.
    pub fn from_toml(source: &str) -> Result<Self, PolicyError> {
        let file: KnowledgeFile =
            toml::from_str(source).map_err(|e| PolicyError::parse(source, e))?;
        let mut seen = HashSet::new();
        for e in &file.entries {
            if e.id.trim().is_empty() {
                return Err(PolicyError::Invalid(
                    "a knowledge entry has an empty id".into(),
                ));
            }
            if !seen.insert(e.id.as_str()) {
                return Err(PolicyError::Invalid(format!(
                    "knowledge entry id {:?} appears twice; ids must be unique",
                    e.id
                )));
            }
            if e.questions.iter().all(|q| content_terms(q).is_empty()) {
                return Err(PolicyError::Invalid(format!(
                    "knowledge entry {:?} has no question with searchable words",
                    e.id
                )));
            }
            if e.answer.trim().is_empty() {
                return Err(PolicyError::Invalid(format!(
                    "knowledge entry {:?} has an empty answer",
                    e.id
                )));
            }
        }
        Ok(Self::index(file.entries))
    }

    /// Builds the index over already validated entries.
    pub fn index(entries: Vec<KnowledgeEntry>) -> Self {
        let mut postings: HashMap<String, Vec<(usize, u32)>> = HashMap::new();
        let mut variant_entry = Vec::new();
        let mut variant_len = Vec::new();
        for (ei, entry) in entries.iter().enumerate() {
            for q in &entry.questions {
                let terms = content_terms(q);
                if terms.is_empty() {
                    continue;
                }
                let vi = variant_entry.len();
                variant_entry.push(ei);
                variant_len.push(terms.len() as f64);
                let mut tf: HashMap<String, u32> = HashMap::new();
                for t in terms {
                    *tf.entry(t).or_default() += 1;
                }
                for (t, n) in tf {
                    postings.entry(t).or_default().push((vi, n));
                }
            }
        }
        let avg_len = if variant_len.is_empty() {
            1.0
        } else {
            variant_len.iter().sum::<f64>() / variant_len.len() as f64
        };
        Self {
            entries,
            postings,
            variant_entry,
            variant_len,
            avg_len,
        }
    }

    pub fn entries(&self) -> &[KnowledgeEntry] {
        &self.entries
    }

    pub fn get(&self, id: &str) -> Option<&KnowledgeEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    fn idf(&self, term: &str) -> f64 {
        let n = self.variant_entry.len() as f64;
        let df = self.postings.get(term).map_or(0, Vec::len) as f64;
        ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
    }

    /// Ranks entries for `text`. Confidence is the BM25 score of the best variant divided by the
    /// score a variant containing every query term once would get: IDF-weighted coverage of what
    /// the customer asked, so a message with words the brand never wrote about scores low.
    pub fn retrieve(&self, text: &str) -> Option<Retrieval<'_>> {
        let mut query = content_terms(text);
        query.sort();
        query.dedup();
        if query.is_empty() || self.variant_entry.is_empty() {
            return None;
        }
        let mut scores: HashMap<usize, f64> = HashMap::new();
        let mut ideal = 0.0;
        for term in &query {
            let idf = self.idf(term);
            // A known word weighs at least as much as the rarest unknown one would.
            ideal += if self.postings.contains_key(term) {
                idf
            } else {
                self.idf("\u{0}never")
            };
            if let Some(list) = self.postings.get(term) {
                for &(vi, tf) in list {
                    let tf = tf as f64;
                    let norm = 1.0 - B + B * self.variant_len[vi] / self.avg_len;
                    *scores.entry(vi).or_default() += idf * tf * (K1 + 1.0) / (tf + K1 * norm);
                }
            }
        }
        // Best variant per entry.
        let mut per_entry: HashMap<usize, f64> = HashMap::new();
        for (vi, s) in scores {
            let e = per_entry.entry(self.variant_entry[vi]).or_default();
            if s > *e {
                *e = s;
            }
        }
        let mut ranked: Vec<(usize, f64)> = per_entry.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let (best, score) = *ranked.first()?;
        let to_conf = |s: f64| (s / ideal).clamp(0.0, 1.0);
        Some(Retrieval {
            entry: &self.entries[best],
            confidence: to_conf(score),
            score,
            runner_up: ranked
                .get(1)
                .map(|&(i, s)| (self.entries[i].id.as_str(), to_conf(s))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: &str = r#"
[[entry]]
id = "hours"
questions = ["What are your opening hours?", "When are you open?"]
answer = "Mon-Sat 9-18."

[[entry]]
id = "shipping"
topic = "delivery"
questions = ["How long does shipping take?", "When will my order arrive?"]
answer = "2-4 days."
"#;

    #[test]
    fn ranks_the_entry_that_covers_the_question() {
        let k = Knowledge::from_toml(KB).unwrap();
        let r = k.retrieve("what are your OPENING hours").unwrap();
        assert_eq!(r.entry.id, "hours");
        assert!(r.confidence > 0.9, "{}", r.confidence);
        let r = k.retrieve("how long does shipping take to Lyon").unwrap();
        assert_eq!(r.entry.id, "shipping");
        assert!(r.confidence > 0.4 && r.confidence < 0.9, "{}", r.confidence);
        assert!(k.retrieve("quantum chromodynamics").is_none());
        assert!(k.retrieve("").is_none());
    }

    #[test]
    fn rejects_duplicate_ids_with_a_clear_message() {
        let err = Knowledge::from_toml(
            "[[entry]]\nid='a'\nquestions=['x y']\nanswer='z'\n[[entry]]\nid='a'\nquestions=['q w']\nanswer='z'\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"a\" appears twice"), "{err}");
    }
}
