//! What the engine learns from the entries: the word engine, the sentence vectors, the poles and
//! languages of each entry, and the table of questions written word for word.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::super::engine::polarity::Polarity;
use super::super::engine::semantic::{fingerprint, SemanticIndex};
use super::super::engine::{AnswerEngine, Example};
use super::super::text::tokens;
use super::{language_of_words, ExactMatch, KnowledgeEntry};
use crate::encoder::SentenceEncoder;

/// How many questions an entry's title counts as. Brands name entries after what they answer, so
/// the title says more than any one customer phrasing: on CLINC150 `val`, counting it twice
/// answered 43 more percentage points over the 21 configurations at the default threshold (three
/// times broke the 2 % wrong bound). See BENCHMARKS.md.
pub(super) const TITLE_WEIGHT: usize = 2;

/// An entry's title as the engine learns it: its id and topic in words ("shipping-time" →
/// "shipping time"). Brands name entries after what they answer.
pub(super) fn title(entry: &KnowledgeEntry) -> String {
    let id = entry.id.replace(['-', '_', '.', '/'], " ");
    match &entry.topic {
        Some(t) => format!("{id} {t}"),
        None => id,
    }
}

/// The engine and the exact-question table, built from the entries.
#[derive(Debug)]
pub(super) struct Trained {
    pub(super) engine: AnswerEngine,
    /// The poles each entry's questions and title show together (see `engine::polarity`): what
    /// the guard reads by words alone, where no one question is the closest.
    pub(super) polarity: Vec<Polarity>,
    /// The poles of each example (training order): with the encoder the guard reads the question
    /// that makes an entry the closest, not every question it has.
    pub(super) example_polarity: Vec<Polarity>,
    /// The language each entry's questions are written in, mostly.
    pub(super) language: Vec<&'static str>,
    pub(super) semantic: Option<SemanticIndex>,
    pub(super) fingerprint: [u8; 32],
    /// What `handoff knowledge build` stored beside the vectors: the threshold the file earned.
    pub(super) stored_earned: Option<StoredEarned>,
    /// A message that is word for word one of the file's questions (or `[outside]` examples).
    pub(super) exact: HashMap<Vec<String>, ExactMatch>,
}

impl Trained {
    pub(super) fn new(
        entries: &[KnowledgeEntry],
        outside: &[String],
        semantic: Option<&(Arc<SentenceEncoder>, Option<PathBuf>)>,
    ) -> Self {
        let titles: Vec<String> = entries.iter().map(title).collect();
        let mut examples: Vec<Example<'_>> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            examples.extend(e.questions.iter().map(|q| Example {
                class: Some(i),
                text: q,
            }));
            for _ in 0..TITLE_WEIGHT {
                examples.push(Example {
                    class: Some(i),
                    text: &titles[i],
                });
            }
        }
        examples.extend(outside.iter().map(|t| Example {
            class: None,
            text: t,
        }));
        let engine = AnswerEngine::train(entries.len(), &examples);
        let (polarity, example_polarity) = poles(entries.len(), &examples);
        let language = entries
            .iter()
            .map(|e| language_of_words(&tokens(&e.questions.join(" "))))
            .collect();
        let fingerprint = fingerprint(&examples);
        let mut stored_earned = None;
        let semantic = semantic.map(|(encoder, path)| {
            let built = path
                .as_deref()
                .and_then(|p| SemanticIndex::read(p, entries.len(), &examples));
            match built {
                Some((index, trailer)) => {
                    stored_earned = serde_json::from_slice::<StoredEarned>(&trailer).ok();
                    index
                }
                None => {
                    if let Some(p) = path {
                        tracing::warn!(index = %p.display(), "the knowledge index is missing or was built from another knowledge file; embedding the examples now (run `handoff knowledge build`)");
                    }
                    SemanticIndex::embed(encoder, entries.len(), &examples)
                }
            }
        });
        let exact = exact_questions(entries, outside);
        Self {
            engine,
            polarity,
            example_polarity,
            language,
            semantic,
            fingerprint,
            stored_earned,
            exact,
        }
    }
}

/// The poles each entry's examples show together, and each example's own.
fn poles(entries: usize, examples: &[Example<'_>]) -> (Vec<Polarity>, Vec<Polarity>) {
    let example_polarity: Vec<Polarity> = examples
        .iter()
        .map(|e| Polarity::of(&tokens(e.text)))
        .collect();
    let mut polarity = vec![Polarity::default(); entries];
    for (e, p) in examples.iter().zip(&example_polarity) {
        if let Some(c) = e.class {
            polarity[c] = polarity[c].union(*p);
        }
    }
    (polarity, example_polarity)
}

/// The file's questions and `[outside]` examples by their words: a message written word for
/// word as one of them is that entry's (or a person's); words two of them share are ambiguous.
fn exact_questions(
    entries: &[KnowledgeEntry],
    outside: &[String],
) -> HashMap<Vec<String>, ExactMatch> {
    let mut exact: HashMap<Vec<String>, ExactMatch> = HashMap::new();
    let mut note = |words: Vec<String>, what: ExactMatch| {
        if words.is_empty() {
            return;
        }
        exact
            .entry(words)
            .and_modify(|m| {
                if *m != what {
                    *m = ExactMatch::Ambiguous
                }
            })
            .or_insert(what);
    };
    for (i, e) in entries.iter().enumerate() {
        for q in &e.questions {
            note(tokens(q), ExactMatch::Entry(i));
        }
    }
    for x in outside {
        note(tokens(x), ExactMatch::Outside);
    }
    exact
}

/// The earned threshold as `knowledge.index` keeps it, with the calibration it was earned under
/// (another calibration earns it again).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct StoredEarned {
    pub(super) calibration: String,
    pub(super) earned: super::EarnedThreshold,
}
