//! The brand's question/answer entries, the `[outside]` examples that need a person, and the
//! answer engine built from both (see `engine`).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use super::engine::calibration;
use super::engine::{language::Language, Leave, Scores};
use super::text::tokens;
use super::PolicyError;
use crate::encoder::SentenceEncoder;

mod earned;
mod evidence;
mod retrieval;
mod trained;
mod validate;

pub use retrieval::{Retrieval, Tie};

pub use earned::{features as earned_features, ConfusablePair, EarnedThreshold};
pub use evidence::{Asked, SelfReading};

use trained::Trained;
use validate::{duplicate_questions, outside_overlaps, validate};

/// The knowledge file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnowledgeFile {
    #[serde(default, rename = "entry")]
    entries: Vec<KnowledgeEntry>,
    #[serde(default)]
    outside: Option<OutsideSpec>,
}

/// Messages that look like questions but need a person: the engine learns not to answer them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutsideSpec {
    #[serde(default)]
    examples: Vec<String>,
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
    /// The answer in other languages, by ISO 639-1 code (`answers.de = "…"`): sent when the
    /// customer writes in that language, `answer` otherwise.
    #[serde(default)]
    pub answers: std::collections::BTreeMap<String, String>,
    /// Propose first (`confirm_prompt`, with yes / no / person buttons) and send `answer` only
    /// after the customer says yes.
    #[serde(default)]
    pub confirm: bool,
    #[serde(default)]
    pub confirm_prompt: Option<String>,
    /// `"team"`: the bot never sends this answer alone (a promise, a discount, an exception to a
    /// policy); it hands over with the answer suggested, and a person sends it in one click.
    #[serde(default)]
    pub approve: Option<Approval>,
}

/// Who must approve an entry's answer before it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Approval {
    Team,
}

impl KnowledgeEntry {
    /// The answer for a customer writing in `language` (ISO 639-1): `answers.<language>` when the
    /// entry has it, else `answer`.
    pub fn answer_in(&self, language: &str) -> &str {
        self.answers
            .get(language)
            .map_or(&self.answer, String::as_str)
    }
}

/// The language a customer's message is written in (ISO 639-1, one of the shipped five; English
/// when nothing tells them apart).
pub fn language_of(text: &str) -> &'static str {
    language_of_words(&tokens(text))
}

fn language_of_words(words: &[String]) -> &'static str {
    Language::guess(words).code
}

/// The entries and the engine trained on them.
#[derive(Debug)]
pub struct Knowledge {
    entries: Vec<KnowledgeEntry>,
    outside: Vec<String>,
    /// Trained on first use: only the policy function reads messages, and there the training
    /// (72 ms for 1,000 entries) lands on the first message rather than on every cold start of
    /// the functions that only list entries.
    trained: OnceLock<Trained>,
    /// The threshold the file earns from its own evidence (with the encoder only): read from
    /// `knowledge.index`, or worked out on first use.
    earned: OnceLock<Option<EarnedThreshold>>,
    /// The sentence encoder and where `handoff knowledge build` put the examples' vectors.
    semantic: Option<(Arc<SentenceEncoder>, Option<PathBuf>)>,
    /// Legal but suspicious: the same question under two entries.
    pub warnings: Vec<String>,
}

/// What a message that is word for word in the file is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ExactMatch {
    Entry(usize),
    Outside,
    /// In two entries (warned about): no shortcut.
    Ambiguous,
}

/// How much surer than the threshold (log-odds) the two entries of a question must be, as
/// `scripts/calibrate` fitted it.
fn calibrated_ask_margin() -> Option<f64> {
    calibration::earned_rule().map(|r| r.tie_margin)
}

fn calibration_digest() -> String {
    calibration::digest()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Content words of a text: its words less the stop words of every shipped language.
pub fn content_terms(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|t| !Language::is_any_stopword(t))
        .collect()
}

impl Knowledge {
    /// Parses a knowledge file and trains the engine on it.
    pub fn from_toml(source: &str) -> Result<Self, PolicyError> {
        let file: KnowledgeFile =
            toml::from_str(source).map_err(|e| PolicyError::parse(source, e))?;
        validate(&file.entries).map_err(|e| e.located(source))?;
        let (outside, wordless): (Vec<String>, Vec<String>) = file
            .outside
            .unwrap_or_default()
            .examples
            .into_iter()
            .partition(|x| !content_terms(x).is_empty());
        let mut knowledge = Self::build(file.entries, outside);
        knowledge.warnings = duplicate_questions(&knowledge.entries);
        knowledge.warnings.extend(outside_overlaps(&knowledge));
        knowledge.warnings.extend(wordless.iter().map(|x| {
            format!("[outside] example {x:?} has no searchable words; it teaches nothing")
        }));
        Ok(knowledge)
    }

    /// Trains the engine over already validated entries (no `[outside]` examples).
    pub fn index(entries: Vec<KnowledgeEntry>) -> Self {
        Self::build(entries, Vec::new())
    }

    /// Holds validated entries and `[outside]` examples; the engine trains on first use.
    pub fn build(entries: Vec<KnowledgeEntry>, outside: Vec<String>) -> Self {
        Self {
            entries,
            outside,
            trained: OnceLock::new(),
            earned: OnceLock::new(),
            semantic: None,
            warnings: Vec::new(),
        }
    }

    /// Reads meaning as well as words, with `encoder`; the examples' vectors come from `index`
    /// (`handoff knowledge build`) when it was built from this very file, else they are computed
    /// on first use.
    pub fn with_encoder(mut self, encoder: Arc<SentenceEncoder>, index: Option<PathBuf>) -> Self {
        self.semantic = Some((encoder, index));
        self.trained = OnceLock::new();
        self.earned = OnceLock::new();
        self
    }

    /// Whether answers are chosen with the sentence encoder.
    pub fn is_semantic(&self) -> bool {
        self.semantic.is_some()
    }

    /// The bytes of `knowledge.index` for this file (`handoff knowledge build`); `None` without
    /// an encoder.
    pub fn index_bytes(&self) -> Option<Vec<u8>> {
        let t = self.trained();
        let index = t.semantic.as_ref()?;
        let trailer = self.earned().map(|earned| {
            serde_json::to_vec(&trained::StoredEarned {
                calibration: calibration_digest(),
                earned: earned.clone(),
            })
            .expect("the earned threshold serialises")
        });
        Some(index.to_bytes(t.fingerprint, trailer.as_deref().unwrap_or_default()))
    }

    /// Trains now (the policy function does, before its first poll, when it is configured to).
    pub fn warm(&self) {
        self.trained();
        self.earned();
    }

    /// The threshold the file earned from its own evidence (see `earned`), with the sentence
    /// encoder and a fitted rule; `None` by words alone, where the policy's threshold holds.
    pub fn earned(&self) -> Option<&EarnedThreshold> {
        self.earned
            .get_or_init(|| {
                self.semantic.as_ref()?;
                let t = self.trained();
                t.semantic.as_ref()?;
                if let Some(stored) = t
                    .stored_earned
                    .as_ref()
                    .filter(|s| s.calibration == calibration_digest())
                {
                    return Some(stored.earned.clone());
                }
                let rule = calibration::earned_rule()?;
                Some(earned::earn(
                    &self.entries,
                    &self.self_evidence(),
                    Some(rule),
                ))
            })
            .as_ref()
    }

    /// The confidence a question offering two entries needs (`Tie`), given the threshold in force
    /// and the policy's `ask_margin` (else the calibration's).
    pub fn tie_threshold(&self, threshold: f64, ask_margin: Option<f64>) -> f64 {
        earned::tie_threshold(threshold, ask_margin.or_else(calibrated_ask_margin))
    }

    /// The highest threshold at which a tie of this confidence is asked about (the inverse of
    /// `tie_threshold`), for replaying decisions at other thresholds; `None` when ties are never
    /// asked.
    pub fn tie_score(&self, tie_confidence: f64, ask_margin: Option<f64>) -> Option<f64> {
        earned::tie_score(tie_confidence, ask_margin.or_else(calibrated_ask_margin))
    }

    fn trained(&self) -> &Trained {
        self.trained
            .get_or_init(|| Trained::new(&self.entries, &self.outside, self.semantic.as_ref()))
    }

    pub fn entries(&self) -> &[KnowledgeEntry] {
        &self.entries
    }

    /// The `[outside]` examples, as written.
    pub fn outside(&self) -> &[String] {
        &self.outside
    }

    pub fn get(&self, id: &str) -> Option<&KnowledgeEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The engine's full reading of `text`.
    pub fn scores(&self, text: &str) -> Scores {
        let words = tokens(text);
        let vector = self.vector_of(text, &words);
        self.score_with(words, vector.as_deref(), Leave::Nothing)
    }

    /// The message's sentence vector, when the engine reads meaning.
    fn vector_of(&self, text: &str, words: &[String]) -> Option<Vec<f32>> {
        match (&self.semantic, &self.trained().semantic) {
            (Some((encoder, _)), Some(_)) if !words.is_empty() => {
                Some(super::engine::semantic::vector_of(encoder, text))
            }
            _ => None,
        }
    }

    fn score_with(&self, words: Vec<String>, vector: Option<&[f32]>, leave: Leave) -> Scores {
        let t = self.trained();
        match (vector, &t.semantic) {
            (Some(v), Some(index)) => t.engine.score_words(words, Some((index, v)), leave),
            _ => t.engine.score_words(words, None, leave),
        }
    }

    /// Entries for `text`, best first, with their probability (the candidates a person or an LLM
    /// chooses from). Entries under half the probability of a uniform guess are left out: they
    /// share next to nothing with the text.
    pub fn rank(&self, text: &str) -> Vec<(&KnowledgeEntry, f64)> {
        let s = self.scores(text);
        let floor = 1.0 / (self.entries.len() as f64 + 1.0);
        s.ranked()
            .into_iter()
            .filter(|(_, p)| *p > floor * 0.5)
            .map(|(i, p)| (&self.entries[i], p))
            .collect()
    }
}

/// Where `handoff knowledge build` writes the examples' vectors: `knowledge.index` beside
/// `knowledge.toml`.
pub fn index_path(knowledge_path: &str) -> std::path::PathBuf {
    std::path::Path::new(knowledge_path).with_extension("index")
}

#[cfg(test)]
mod tests;
