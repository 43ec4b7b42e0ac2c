//! The file's own evidence: the engine asks the file each of its questions as if that question
//! were not written (would a customer asking it get the right entry?), each entry's questions as
//! if the entry were not written (would a customer asking about a topic the brand never wrote
//! get a neighbour's answer?), and each `[outside]` example as if it were not written (would it
//! be answered?). What these readings say at each threshold is what a file earns
//! (`earned::EarnedThreshold`).

use super::{Knowledge, Retrieval};
use crate::policy::engine::Leave;
use crate::policy::text::tokens;

/// What one of the file's own texts is, read without itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    /// A question of entry `entry`, asked without that question: the right answer is `entry`.
    Question { entry: usize },
    /// A question of entry `entry`, asked without the whole entry: nothing should answer it.
    Unwritten { entry: usize },
    /// An `[outside]` example, asked without itself: nothing should answer it.
    Outside,
}

/// The engine's reading of one of the file's own texts.
#[derive(Clone, Debug, PartialEq)]
pub struct SelfReading {
    pub asked: Asked,
    /// The example (in the file's order: each entry's questions, then `[outside]`).
    pub text: String,
    /// The best entry and the confidence in it.
    pub best: usize,
    pub confidence: f64,
    /// The runner-up and the confidence that one of the two is right, when a question offering
    /// both could be asked.
    pub tie: Option<(usize, f64)>,
}

impl SelfReading {
    /// Whether the reading answers with the right entry at `threshold`, or asks with it among
    /// the choices at `tie`: `Some(true)` right, `Some(false)` answered wrong (or answered
    /// something that needed a person), `None` not answered.
    pub fn answered_right_at(&self, threshold: f64, tie: f64) -> Option<bool> {
        let want = match self.asked {
            Asked::Question { entry } => Some(entry),
            Asked::Unwritten { .. } | Asked::Outside => None,
        };
        if self.confidence >= threshold {
            return Some(want == Some(self.best));
        }
        match self.tie {
            Some((other, c)) if c >= tie => {
                Some(want.is_some_and(|w| w == self.best || w == other))
            }
            _ => None,
        }
    }
}

impl Knowledge {
    /// Every reading of the file's own evidence (see the module doc). Titles are never asked:
    /// nobody writes an entry's id to a shop.
    pub fn self_evidence(&self) -> Vec<SelfReading> {
        let t = self.trained();
        let n = self.entries.len();
        let mut out = Vec::new();
        let texts = self.own_texts();
        let reading = |r: Retrieval<'_>, asked: Asked, text: &str| SelfReading {
            asked,
            text: text.to_string(),
            best: self.position(&r.entry.id),
            confidence: if r.outside_best { 0.0 } else { r.confidence },
            tie: r
                .tie
                .as_ref()
                .map(|tie| (self.position(&tie.entry.id), tie.confidence)),
        };
        // Each text's readings on its own: spread over the cores, kept in the file's order.
        let per_text = crate::parallel::map(&texts, |&(index, class, text)| {
            let mut readings = Vec::with_capacity(2);
            let words = tokens(text);
            if words.is_empty() {
                return readings;
            }
            let vector = t.semantic.as_ref().map(|s| s.vector(index));
            match class {
                Some(c) => {
                    if let Some(r) =
                        self.read(words.clone(), vector, Leave::Example { class: c, index })
                    {
                        readings.push(reading(r, Asked::Question { entry: c }, text));
                    }
                    if n > 1 {
                        if let Some(r) = self.read(words, vector, Leave::Entry(c)) {
                            readings.push(reading(r, Asked::Unwritten { entry: c }, text));
                        }
                    }
                }
                None => {
                    if let Some(r) = self.read(words, vector, Leave::Example { class: n, index }) {
                        readings.push(reading(r, Asked::Outside, text));
                    }
                }
            }
            readings
        });
        out.extend(per_text.into_iter().flatten());
        out
    }

    /// Each of `texts` that the file holds as a question or an `[outside]` example (compared by
    /// its words), read without itself as `self_evidence` reads it; `None` for a text the file
    /// does not hold, or holds only in words the engine cannot read. How the review reads a
    /// label the knowledge has learnt: as a customer asking a file that holds everything else.
    pub fn readings_without_themselves(&self, texts: &[&str]) -> Vec<Option<Retrieval<'_>>> {
        let t = self.trained();
        let n = self.entries.len();
        let held: std::collections::HashMap<Vec<String>, (usize, usize)> = self
            .own_texts()
            .into_iter()
            .map(|(index, class, text)| (tokens(text), (index, class.unwrap_or(n))))
            .collect();
        crate::parallel::map(texts, |text| {
            let words = tokens(text);
            let &(index, class) = held.get(&words)?;
            let vector = t.semantic.as_ref().map(|s| s.vector(index));
            self.read(words, vector, Leave::Example { class, index })
        })
    }

    /// The file's own texts in its order: each entry's questions (with the entry), then the
    /// `[outside]` examples (with none), each with its example number in the trained file.
    fn own_texts(&self) -> Vec<(usize, Option<usize>, &str)> {
        let mut texts = Vec::new();
        let mut example = 0usize;
        for (c, e) in self.entries.iter().enumerate() {
            for q in &e.questions {
                texts.push((example, Some(c), q.as_str()));
                example += 1;
            }
            example += super::trained::TITLE_WEIGHT;
        }
        for x in &self.outside {
            texts.push((example, None, x.as_str()));
            example += 1;
        }
        texts
    }

    fn position(&self, id: &str) -> usize {
        self.entries
            .iter()
            .position(|e| e.id == id)
            .expect("a retrieval names an entry of this file")
    }
}
