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
    /// Propose first (`confirm_prompt`, with yes / no / person buttons) and send `answer` only
    /// after the customer says yes.
    #[serde(default)]
    pub confirm: bool,
    #[serde(default)]
    pub confirm_prompt: Option<String>,
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
    /// Legal but suspicious: the same question under two entries.
    pub warnings: Vec<String>,
}

fn validate(entries: &[KnowledgeEntry]) -> Result<(), PolicyError> {
    let mut seen = HashSet::new();
    for e in entries {
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
        if e.confirm
            && e.confirm_prompt
                .as_deref()
                .is_none_or(|p| p.trim().is_empty())
        {
            return Err(PolicyError::Invalid(format!(
                "knowledge entry {:?} has confirm = true but no confirm_prompt to propose",
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
    Ok(())
}

fn duplicate_questions(entries: &[KnowledgeEntry]) -> Vec<String> {
    let mut seen: HashMap<Vec<String>, &str> = HashMap::new();
    let mut warnings = Vec::new();
    for e in entries {
        for q in &e.questions {
            let key = tokens(q);
            match seen.get(&key) {
                Some(other) if *other != e.id => warnings.push(format!(
                    "question {q:?} appears in entries {other:?} and {:?}; customers asking it get whichever ranks first",
                    e.id
                )),
                Some(_) => {}
                None => {
                    seen.insert(key, &e.id);
                }
            }
        }
    }
    warnings
}

/// The best entry for a message and how sure retrieval is (0..=1).
#[derive(Clone, Debug, PartialEq)]
pub struct Retrieval<'a> {
    pub entry: &'a KnowledgeEntry,
    pub confidence: f64,
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
        validate(&file.entries).map_err(|e| e.located(source))?;
        let mut knowledge = Self::index(file.entries);
        knowledge.warnings = duplicate_questions(&knowledge.entries);
        Ok(knowledge)
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
            warnings: Vec::new(),
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

    /// Ranks entries for `text`, best first, with their confidence (see `retrieve`).
    pub fn rank(&self, text: &str) -> Vec<(&KnowledgeEntry, f64)> {
        let mut query = content_terms(text);
        query.sort();
        query.dedup();
        if query.is_empty() || self.variant_entry.is_empty() {
            return Vec::new();
        }
        // Dense per-variant and per-entry accumulators: no hashing on the hot path.
        let mut scores = vec![0.0_f64; self.variant_entry.len()];
        let mut touched: Vec<usize> = Vec::new();
        let mut ideal = 0.0;
        let unknown_idf = self.idf("\u{0}never");
        for term in &query {
            match self.postings.get(term) {
                Some(list) => {
                    let idf = self.idf(term);
                    ideal += idf;
                    for &(vi, tf) in list {
                        let tf = tf as f64;
                        let norm = 1.0 - B + B * self.variant_len[vi] / self.avg_len;
                        if scores[vi] == 0.0 {
                            touched.push(vi);
                        }
                        scores[vi] += idf * tf * (K1 + 1.0) / (tf + K1 * norm);
                    }
                }
                // A word the brand never wrote about weighs as much as the rarest known word:
                // the more of the message the knowledge ignores, the less sure the answer.
                None => ideal += unknown_idf,
            }
        }
        let mut best_per_entry = vec![0.0_f64; self.entries.len()];
        let mut entries: Vec<usize> = Vec::new();
        for vi in touched {
            let e = self.variant_entry[vi];
            if best_per_entry[e] == 0.0 {
                entries.push(e);
            }
            if scores[vi] > best_per_entry[e] {
                best_per_entry[e] = scores[vi];
            }
        }
        let mut ranked: Vec<(usize, f64)> = entries
            .into_iter()
            .map(|e| (e, best_per_entry[e]))
            .collect();
        ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .map(|(i, s)| (&self.entries[i], (s / ideal).clamp(0.0, 1.0)))
            .collect()
    }

    /// The best entry for `text`. Confidence is the BM25 score of the best question variant divided
    /// by the score a variant containing every query term once would get: IDF-weighted coverage of
    /// what the customer asked.
    pub fn retrieve(&self, text: &str) -> Option<Retrieval<'_>> {
        let ranked = self.rank(text);
        let (entry, confidence) = *ranked.first()?;
        Some(Retrieval {
            entry,
            confidence,
            runner_up: ranked.get(1).map(|(e, c)| (e.id.as_str(), *c)),
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
