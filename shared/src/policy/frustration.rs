//! The frustration score: shouting, repeated punctuation, a negative lexicon, profanity, anger
//! emoji and the same message sent again. Each signal adds to a total compared with the threshold.

use super::lexicon::Lexicon;
use super::policy_file::FrustrationTrigger;
use super::text::tokens;
use crate::message::{Direction, Message, Role};

const ANGER_EMOJI: &[char] = &['😡', '🤬', '😠', '👿', '💢', '😤', '🖕', '😾'];

/// The score and what it is made of.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrustrationScore {
    pub total: f64,
    pub parts: Vec<(&'static str, f64)>,
}

impl FrustrationScore {
    fn add(&mut self, what: &'static str, points: f64) {
        if points > 0.0 {
            self.total += points;
            self.parts.push((what, points));
        }
    }

    /// "capitals 0.40 + punctuation 0.35", or "no signal".
    pub fn describe(&self) -> String {
        if self.parts.is_empty() {
            return "no signal".into();
        }
        self.parts
            .iter()
            .map(|(w, p)| format!("{w} {p:.2}"))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// Scores `text` (already split into `words`) given the conversation so far.
pub fn frustration_score(
    trigger: &FrustrationTrigger,
    lex: &Lexicon,
    text: &str,
    words: &[String],
    history: &[Message],
) -> FrustrationScore {
    let mut score = FrustrationScore::default();
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 8 {
        let upper =
            letters.iter().filter(|c| c.is_uppercase()).count() as f64 / letters.len() as f64;
        if upper >= 0.7 {
            score.add("capitals", 0.4);
        }
    }
    let run = longest_punctuation_run(text);
    score.add(
        "punctuation",
        if run >= 3 {
            0.35
        } else if run == 2 {
            0.25
        } else {
            0.0
        },
    );
    let negative = trigger
        .negative
        .iter()
        .filter(|p| p.positions_in(words).any(|at| !lex.negated(words, at)))
        .count();
    score.add("negative words", (negative as f64 * 0.3).min(0.6));
    if trigger.profanity.iter().any(|p| p.is_in(words)) {
        score.add("profanity", 0.7);
    }
    let anger = text.chars().filter(|c| ANGER_EMOJI.contains(c)).count();
    score.add("anger emoji", (anger as f64 * 0.4).min(0.8));
    let previous = history
        .iter()
        .rev()
        .find(|m| m.role == Role::Customer && m.direction == Direction::In)
        .and_then(|m| m.text.as_deref());
    if let Some(prev) = previous {
        if !words.is_empty() && tokens(prev) == words {
            score.add("same message again", 0.5);
        }
    }
    score
}

fn longest_punctuation_run(text: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '!' || c == '?' {
            run += 1;
            best = best.max(run);
        } else if !c.is_whitespace() {
            run = 0;
        }
    }
    best
}
