//! Reading one message against the file: the best entry, how sure the engine is, and the guards
//! that hold it back (a message too short, or saying the opposite), or a word-for-word match.

use super::super::engine::calibration;
use super::super::engine::polarity::Polarity;
use super::super::engine::{language::Language, Leave, Scores};
use super::super::text::tokens;
use super::{language_of_words, ExactMatch, Knowledge, KnowledgeEntry};
/// The best entry for a message and how sure the engine is (0..=1).
#[derive(Clone, Debug, PartialEq)]
pub struct Retrieval<'a> {
    pub entry: &'a KnowledgeEntry,
    /// The engine's confidence: answer iff it clears the policy's threshold.
    pub confidence: f64,
    /// The runner-up entry and its probability, for the trace.
    pub runner_up: Option<(&'a str, f64)>,
    /// The entry's probability among all entries (before margin and coverage).
    pub probability: f64,
    /// Share of the message's content words the entries know.
    pub coverage: f64,
    /// The `[outside]` examples fit the message better than any entry.
    pub outside_best: bool,
    /// The message is word for word one of the entry's questions: answered with confidence 1,
    /// since the brand wrote exactly this.
    pub exact: bool,
    /// Why the confidence was held under any threshold a brand would use, when it was: the
    /// message says the opposite of the entry ("off" to an entry about "on"), or it is too short
    /// for the meaning alone to tell.
    pub caution: Option<&'static str>,
    /// The calibrated chance that the entry is the right answer (with the sentence encoder).
    pub chance_right: Option<f64>,
    /// The message is written in another language than the entry's questions.
    pub across_languages: bool,
    /// The runner-up when the best two together are what the engine is sure of: a question
    /// offering both ("Did you mean…") may settle what answering either alone may not.
    pub tie: Option<Tie<'a>>,
}

/// Two entries the message fits about equally: the runner-up, and how sure the engine is that
/// one of the two is right.
#[derive(Clone, Debug, PartialEq)]
pub struct Tie<'a> {
    pub entry: &'a KnowledgeEntry,
    /// The confidence that the best or this entry is right (the same scale as `confidence`).
    pub confidence: f64,
    /// The calibrated chance of that.
    pub chance_right: f64,
}

/// The most a message too short to read by meaning alone, or one that says the opposite of the
/// entry, can score: under every sensible threshold (the default is 0.4).
const CAUTIOUS_CONFIDENCE: f64 = 0.1;

impl Knowledge {
    /// The best entry for `text` and the engine's confidence in it; `None` when the text has
    /// nothing the engine can read or there are no entries.
    pub fn retrieve(&self, text: &str) -> Option<Retrieval<'_>> {
        self.retrieve_words(text, tokens(text))
    }

    /// `retrieve` for a message already split into words (`text::tokens(text)`).
    pub fn retrieve_words(&self, text: &str, words: Vec<String>) -> Option<Retrieval<'_>> {
        let exact = self.trained().exact.get(&words).copied();
        let vector = self.vector_of(text, &words);
        let (mut r, scores) = self.read_scored(words, vector.as_deref(), Leave::Nothing)?;
        match exact {
            Some(ExactMatch::Entry(i)) => {
                r.entry = &self.entries[i];
                r.probability = scores.probability(i);
                r.confidence = 1.0;
                r.outside_best = false;
                r.exact = true;
                r.caution = None;
                r.tie = None;
            }
            Some(ExactMatch::Outside) => {
                r.confidence = 0.0;
                r.outside_best = true;
                r.tie = None;
            }
            Some(ExactMatch::Ambiguous) | None => {}
        }
        Some(r)
    }

    /// The engine's decision-ready reading of a message (its words and, with the encoder, its
    /// vector), the guards applied; `leave` as in `engine::Leave`. Word-for-word matches are the
    /// caller's: the file's own evidence must not find its questions in itself.
    pub(crate) fn read(
        &self,
        words: Vec<String>,
        vector: Option<&[f32]>,
        leave: Leave,
    ) -> Option<Retrieval<'_>> {
        self.read_scored(words, vector, leave).map(|(r, _)| r)
    }

    fn read_scored(
        &self,
        words: Vec<String>,
        vector: Option<&[f32]>,
        leave: Leave,
    ) -> Option<(Retrieval<'_>, Scores)> {
        let message_words = words.clone();
        let s = self.score_with(words, vector, leave);
        let (best, probability) = s.best?;
        let mut r = Retrieval {
            entry: &self.entries[best],
            confidence: s.confidence,
            runner_up: s.runner_up.map(|(i, p)| (self.entries[i].id.as_str(), p)),
            probability,
            coverage: s.coverage,
            outside_best: s.outside_best,
            exact: false,
            caution: None,
            chance_right: s.evidence.as_ref().map(calibration::chance_right),
            across_languages: false,
            tie: None,
        };
        let Some(e) = s.evidence else {
            return Some((r, s));
        };
        let t = self.trained();
        // Words cannot match across languages: the lexical half would only pull the chance
        // down, so the meaning alone decides.
        r.across_languages = language_of_words(&message_words) != t.language[best];
        if r.across_languages {
            r.confidence = if s.outside_best {
                0.0
            } else {
                calibration::confidence_across_languages(&e)
            };
            r.chance_right = Some(calibration::chance_right_across_languages(&e));
        }
        // The poles of the question that makes each entry the closest, not of every question
        // it has: one "I don't know which to take" among an entry's questions must not hold
        // every message that says no "not".
        let polarity = Polarity::of(&message_words);
        let pole = |entry: usize, example: Option<usize>| {
            example.map_or(t.polarity[entry], |x| t.example_polarity[x])
        };
        let runner_up_pole = s.runner_up.map(|(i, _)| pole(i, s.runner_up_example));
        let negation_matters = runner_up_pole.is_some_and(|r| r.negated() == polarity.negated());
        let few_words = message_words
            .iter()
            .filter(|w| !Language::is_any_stopword(w))
            .count()
            <= 1;
        if polarity.contradicts(pole(best, s.best_example), negation_matters) {
            r.caution = Some("says the opposite of the entry");
        } else if few_words && (e.coverage < 1.0 || e.agree < 1.0) {
            r.caution = Some("too short to tell by meaning");
        }
        if r.caution.is_some() {
            r.confidence = r.confidence.min(CAUTIOUS_CONFIDENCE);
            return Some((r, s));
        }
        // Two entries the message fits about equally may be offered together, unless the
        // runner-up says the opposite of the message.
        let runner_up_agrees = runner_up_pole.is_some_and(|p| {
            !polarity.contradicts(
                p,
                pole(best, s.best_example).negated() == polarity.negated(),
            )
        });
        if runner_up_agrees {
            r.tie = self.tie(&s, r.across_languages);
        }
        Some((r, s))
    }

    /// The best two offered together ("Did you mean"), with the chance one of them is right;
    /// never when `[outside]` fits best.
    fn tie(&self, s: &Scores, across_languages: bool) -> Option<Tie<'_>> {
        let (Some(pair), Some((other, _)), false) = (&s.pair_evidence, s.runner_up, s.outside_best)
        else {
            return None;
        };
        let chance = if across_languages {
            calibration::pair_chance_right_across_languages(pair)
        } else {
            calibration::pair_chance_right(pair)
        }?;
        Some(Tie {
            entry: &self.entries[other],
            confidence: calibration::confidence_of(chance, across_languages),
            chance_right: chance,
        })
    }
}
