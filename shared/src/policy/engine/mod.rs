//! The answer engine: which knowledge entry a customer's message asks for, and how sure that is.
//!
//! Two readings of the message. By words: a nearest-centroid classifier over TF-IDF features
//! (stemmed words, word pairs, character n-grams of the stems); each entry's centroid is the mean
//! of its questions and its title, `[outside]` examples form one more centroid that answers
//! nothing, and the similarities become probabilities (softmax). By meaning, when there is a
//! sentence encoder (`semantic`): each entry's closest question by cosine of sentence vectors, in
//! any of the five languages. The entry chosen is the best by both; what the engine knows about
//! that choice (`Evidence`) goes through a calibrator fitted on development data
//! (`calibration`), whose output is the chance the choice is right, scaled so the default
//! threshold 0.4 means the same on every file. Without an encoder the confidence is the words'
//!
//! ```text
//! confidence = (p(best) - p(runner-up)) × √(share of the message's content words the entries know)
//! ```
//!
//! `polarity` holds the words that flip a meaning (off/on, less/more, not), which sentence vectors
//! put close together. Built once at start; nothing is learned per message.

mod blend;
pub mod calibration;
mod features;
pub(crate) mod language;
pub(crate) mod polarity;
mod postings;
pub(crate) mod semantic;
mod softmax;
mod typo;

use std::collections::HashMap;

use rustc_hash::FxHashMap;

pub use calibration::Evidence;
pub(crate) use features::Analysis;
use postings::Postings;
use semantic::SemanticIndex;
use softmax::softmax_weights;
use typo::Vocabulary;

/// Softmax temperature over cosine similarities (tuned on CLINC150 `val` only, see BENCHMARKS.md).
const TEMPERATURE: f32 = 10.0;

/// Weight of the lexical cosine beside the semantic one when choosing the entry: the sentence
/// vectors read meaning across languages, the words catch the brand's own names and numbers.
const LEXICAL_WEIGHT: f32 = 0.5;

/// Hashed feature → count, for one block (words or characters) of one text.
pub(crate) type FeatureCounts = FxHashMap<u64, f32>;

/// One labelled text the engine learns from.
pub(crate) struct Example<'a> {
    /// Index of the entry, or `None` for an `[outside]` example.
    pub class: Option<usize>,
    pub text: &'a str,
}

/// What a reading leaves out of the file. A customer's message leaves out nothing; the file's
/// own evidence (`knowledge::evidence`) asks the file each of its questions as if the question
/// were not in it, and each entry's questions as if the entry were not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Leave {
    #[default]
    Nothing,
    /// The message is example `index` (in training order) of class `class` (`classes` for
    /// `[outside]`): read it without that example.
    Example { class: usize, index: usize },
    /// Read the message as if entry `class` were not in the file.
    Entry(usize),
}

/// The engine's reading of one message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    /// Softmax weight of each entry, by entry index (empty when nothing could be read); divided
    /// by `total` only for the entries someone asks about.
    weights: Vec<f32>,
    total: f64,
    /// The most probable entry (index, probability).
    pub best: Option<(usize, f64)>,
    /// The next most probable entry.
    pub runner_up: Option<(usize, f64)>,
    /// Whether the `[outside]` examples fit the message better than any entry.
    pub outside_best: bool,
    /// Share of the message's content words the entries know (typos corrected), 0..=1.
    pub coverage: f64,
    /// The confidence (see the module doc), 0..=1; 0 when `[outside]` fits best.
    pub confidence: f64,
    /// What the calibrated confidence was computed from (with the sentence encoder only).
    pub evidence: Option<Evidence>,
    /// The same for "the right entry is the best or the runner-up" (with the sentence encoder
    /// only): what a question with both as choices is sure of.
    pub pair_evidence: Option<Evidence>,
    /// The example (training order) that makes the best entry the closest by meaning, and the
    /// runner-up's (with the sentence encoder only).
    pub best_example: Option<usize>,
    pub runner_up_example: Option<usize>,
}

impl Scores {
    /// The probability of entry `i`.
    pub fn probability(&self, i: usize) -> f64 {
        self.weights
            .get(i)
            .map_or(0.0, |w| f64::from(*w) / self.total)
    }

    /// Entries by probability, best first (entry index, probability); sorted on demand, since
    /// the decision itself needs only the best two.
    pub fn ranked(&self) -> Vec<(usize, f64)> {
        let mut ranked: Vec<(usize, f64)> = self
            .weights
            .iter()
            .enumerate()
            .map(|(i, w)| (i, f64::from(*w) / self.total))
            .collect();
        ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }
}

/// The trained engine.
#[derive(Debug)]
pub struct AnswerEngine {
    classes: usize,
    has_outside: bool,
    /// Feature key (already a hash) → (feature index, idf).
    idf: FxHashMap<u64, (u32, f32)>,
    /// Feature index → (class, centroid weight); class `classes` is `[outside]`.
    postings: Postings,
    vocabulary: Vocabulary,
    /// Examples per entry, on average (the calibrator reads file size).
    questions_per_entry: f64,
    /// Each class's centroid length before it was made a unit vector: what taking one example
    /// out of it (`Leave::Example`) changes.
    centroid_norms: Vec<f32>,
}

/// A class's cosine with a message that is one of its own examples, once that example is taken
/// out of the class's centroid: `sim` is the cosine with the whole centroid (of length `norm`),
/// `own` the length of the example's (unnormalised) vector. Document frequencies are left as they
/// are: one question moves them by one in hundreds.
fn without_own_example(sim: f32, norm: f32, own: f32) -> f32 {
    let rest = (norm * norm - 2.0 * sim * own * norm + own * own)
        .max(0.0)
        .sqrt();
    if rest <= 1e-6 {
        0.0
    } else {
        ((sim * norm - own) / rest).clamp(-1.0, 1.0)
    }
}

/// What a left-out class scores: under every real similarity, so it is never chosen and its
/// softmax weight vanishes.
const LEFT_OUT: f32 = -10.0;

fn weighted(counts: &FeatureCounts, idf: &FxHashMap<u64, (u32, f32)>) -> Vec<(u32, f32)> {
    let mut v: Vec<(u32, f32)> = counts
        .iter()
        .filter_map(|(k, &tf)| idf.get(k).map(|&(i, w)| (i, (1.0 + tf.ln()) * w)))
        .collect();
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, x)| *x /= norm);
    }
    v
}

/// Each feature's column and weight: the inverse of how many of the entries' examples have it.
fn inverse_document_frequencies(
    blocks: &[(Option<usize>, FeatureCounts, FeatureCounts)],
) -> FxHashMap<u64, (u32, f32)> {
    // Document frequencies over the entries' examples only: `[outside]` must not change what
    // the brand's own words weigh.
    let mut df: HashMap<u64, u32> = HashMap::new();
    let mut docs = 0u32;
    for (c, w, ch) in blocks {
        if c.is_none() {
            continue;
        }
        docs += 1;
        for k in w.keys().chain(ch.keys()) {
            *df.entry(*k).or_default() += 1;
        }
    }
    let mut keys: Vec<(&u64, &u32)> = df.iter().collect();
    keys.sort_unstable();
    keys.into_iter()
        .enumerate()
        .map(|(i, (&k, &d))| {
            let w = ((1.0 + docs as f32) / (1.0 + d as f32)).ln() + 1.0;
            (k, (i as u32, w))
        })
        .collect()
}

impl AnswerEngine {
    /// Learns from the entries' examples (`class` < `classes`) and the `[outside]` ones.
    pub(crate) fn train(classes: usize, examples: &[Example<'_>]) -> Self {
        let analysed: Vec<(Option<usize>, Analysis, Vec<String>)> = examples
            .iter()
            .map(|e| {
                let words = crate::policy::text::tokens(e.text);
                (e.class, Analysis::of_tokens(&words), words)
            })
            .collect();
        let vocabulary = Vocabulary::new(
            analysed
                .iter()
                .filter_map(|(c, a, w)| {
                    let c = (*c)?;
                    Some(
                        w.iter()
                            .zip(&a.stems)
                            .map(move |(w, s)| (w.as_str(), s.as_str(), c)),
                    )
                })
                .flatten(),
        );
        let blocks: Vec<(Option<usize>, FeatureCounts, FeatureCounts)> = analysed
            .iter()
            .map(|(c, a, _)| {
                let (w, ch) = a.features();
                (*c, w, ch)
            })
            .collect();
        let idf = inverse_document_frequencies(&blocks);
        let n_classes = classes + 1;
        let mut sums: Vec<HashMap<u32, f32>> = vec![HashMap::new(); n_classes];
        let mut counts = vec![0u32; n_classes];
        for (c, w, ch) in &blocks {
            let class = c.unwrap_or(classes);
            counts[class] += 1;
            for (i, x) in weighted(w, &idf).into_iter().chain(weighted(ch, &idf)) {
                *sums[class].entry(i).or_default() += x;
            }
        }
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); idf.len()];
        let mut centroid_norms = vec![0.0f32; n_classes];
        for (class, sum) in sums.iter().enumerate() {
            let norm = sum.values().map(|x| x * x).sum::<f32>().sqrt();
            centroid_norms[class] = norm;
            if norm == 0.0 {
                continue;
            }
            let mut features: Vec<(&u32, &f32)> = sum.iter().collect();
            features.sort_unstable_by_key(|(i, _)| **i);
            for (&i, &x) in features {
                postings[i as usize].push((class as u32, x / norm));
            }
        }
        Self {
            classes,
            has_outside: counts[classes] > 0,
            idf,
            postings: Postings::from_lists(postings),
            vocabulary,
            questions_per_entry: f64::from(counts[..classes].iter().sum::<u32>())
                / classes.max(1) as f64,
            centroid_norms,
        }
    }

    /// Scores `text` against every entry, by words alone.
    #[cfg(test)]
    pub fn score(&self, text: &str) -> Scores {
        self.score_words(crate::policy::text::tokens(text), None, Leave::Nothing)
    }

    /// Scores a message already split into words (`text::tokens`), as `decide` has it, with the
    /// message's sentence vector and the examples' when there is an encoder, leaving out of the
    /// file what `leave` says.
    pub(crate) fn score_words(
        &self,
        words: Vec<String>,
        semantic: Option<(&SemanticIndex, &[f32])>,
        leave: Leave,
    ) -> Scores {
        let words = self.vocabulary.correct(words);
        let analysis = Analysis::of_tokens(&words);
        let coverage = self.coverage(&analysis, leave);
        let (w, ch) = analysis.features();
        let mut query: Vec<(u32, f32)> = weighted(&w, &self.idf);
        query.extend(weighted(&ch, &self.idf));
        let norm = query.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
        if self.classes == 0 || (norm == 0.0 && semantic.is_none()) {
            return Scores {
                coverage,
                ..Scores::default()
            };
        }
        let mut sims = vec![0.0_f32; self.classes + 1];
        if norm > 0.0 {
            for (i, x) in query {
                let x = x / norm;
                self.postings.accumulate(i, x, &mut sims);
            }
        }
        match leave {
            Leave::Nothing => {}
            Leave::Example { class, .. } => {
                sims[class] = without_own_example(sims[class], self.centroid_norms[class], norm);
            }
            Leave::Entry(class) => sims[class] = LEFT_OUT,
        }
        if let Some((index, vector)) = semantic {
            let skip = match leave {
                Leave::Example { index, .. } => Some(index),
                _ => None,
            };
            let mut by_class = index.best_by_class(vector, self.classes, skip);
            if let Leave::Entry(class) = leave {
                by_class[class] = (LEFT_OUT, None);
            }
            return self.score_semantic(&sims, &by_class, coverage, leave);
        }
        self.score_lexical(sims, coverage)
    }

    /// The share of the message's content words the file knows (with `leave` applied): a
    /// message mostly about words no entry uses is not about the file.
    fn coverage(&self, analysis: &Analysis, leave: Leave) -> f64 {
        if analysis.content.is_empty() {
            0.0
        } else {
            let own = |s: &String| analysis.stems.iter().filter(|x| *x == s).count() as u32;
            let known = analysis
                .content
                .iter()
                .filter(|s| self.vocabulary.knows_stem(s, leave, own(s)))
                .count();
            known as f64 / analysis.content.len() as f64
        }
    }

    /// Scores by words alone: a softmax over the entries (and `[outside]`), the best two, and
    /// the confidence as their margin scaled by the coverage.
    fn score_lexical(&self, mut sims: Vec<f32>, coverage: f64) -> Scores {
        sims.truncate(self.classes + usize::from(self.has_outside));
        let (weights, total) = softmax_weights(&sims, TEMPERATURE);
        let total = f64::from(total);
        // `[outside]` competes like an entry: when it fits best nothing is answered, and when it
        // comes close the margin shrinks.
        let outside_p = if self.has_outside {
            f64::from(weights[self.classes]) / total
        } else {
            0.0
        };
        let mut weights = weights;
        weights.truncate(self.classes);
        // The best two in one pass (ties go to the earlier entry, as in `ranked`).
        let mut best: Option<(usize, f32)> = None;
        let mut runner_up: Option<(usize, f32)> = None;
        for (i, &w) in weights.iter().enumerate() {
            if best.is_none_or(|(_, b)| w > b) {
                runner_up = best;
                best = Some((i, w));
            } else if runner_up.is_none_or(|(_, r)| w > r) {
                runner_up = Some((i, w));
            }
        }
        let probability = |(i, w): (usize, f32)| (i, f64::from(w) / total);
        let (best, runner_up) = (best.map(probability), runner_up.map(probability));
        let p_best = best.map_or(0.0, |b| b.1);
        let p_second = runner_up.map_or(0.0, |r| r.1).max(outside_p);
        let outside_best = outside_p > p_best;
        let confidence = if outside_best {
            0.0
        } else {
            ((p_best - p_second) * coverage.sqrt()).clamp(0.0, 1.0)
        };
        Scores {
            weights,
            total,
            best,
            runner_up,
            outside_best,
            coverage,
            confidence,
            ..Scores::default()
        }
    }
}

#[cfg(test)]
mod tests;
