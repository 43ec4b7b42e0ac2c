//! From the engine's evidence to a confidence that means the same on every file: a logistic
//! calibrator, fitted by `scripts/calibrate` on development data only (CLINC150 `train` and
//! `oos_train`), gives the chance that the chosen entry is the right one; the confidence rescales
//! it (in odds) so that the policy's default threshold, 0.4, is the point where that chance is the
//! calibrator's `answer_at` (see docs/policy.md: what 0.4 means).

use std::sync::OnceLock;

use serde::Deserialize;

/// What the engine knows about its choice for one message, as the calibrator reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Evidence {
    /// Cosine of the message with the chosen entry's closest question (sentence vectors).
    pub semantic: f64,
    /// That cosine less the best one of any other entry or `[outside]` example.
    pub semantic_margin: f64,
    /// The lexical engine's probability for the chosen entry.
    pub lexical: f64,
    /// That probability less the best other one (or `[outside]`'s).
    pub lexical_margin: f64,
    /// Share of the message's content words the entries know.
    pub coverage: f64,
    /// 1 when the lexical engine alone would choose the same entry.
    pub agree: f64,
    /// ln of the number of entries.
    pub entries: f64,
    /// ln of the mean number of questions per entry.
    pub questions: f64,
}

impl Evidence {
    pub fn to_vec(self) -> [f64; 8] {
        [
            self.semantic,
            self.semantic_margin,
            self.lexical,
            self.lexical_margin,
            self.coverage,
            self.agree,
            self.entries,
            self.questions,
        ]
    }
}

#[derive(Debug, Deserialize)]
struct Calibrator {
    /// One weight per `Evidence` field, in order.
    weights: [f64; 8],
    bias: f64,
    /// The chance of being right that the default threshold stands for.
    answer_at: f64,
    /// For a message in another language than the entry: the words cannot match, so only the
    /// sentence vectors and the file's size are read (`semantic`, `semantic_margin`, `entries`,
    /// `questions`).
    across_languages: Across,
    /// The chance that the right entry is the best or the runner-up, from the evidence for the
    /// two together (`Scores::pair_evidence`): what a question offering both is sure of.
    #[serde(default)]
    pair: Option<Pair>,
    /// The rule that turns a file's own evidence into its threshold (`knowledge::earned`).
    #[serde(default)]
    earned: Option<EarnedRule>,
}

#[derive(Debug, Deserialize)]
struct Pair {
    weights: [f64; 8],
    bias: f64,
    across_languages: Across,
}

#[derive(Debug, Deserialize)]
struct Across {
    weights: [f64; 4],
    bias: f64,
    answer_at: f64,
}

/// The policy's default threshold, where the chance of being right is `answer_at`: the most any
/// file's earned threshold can be.
pub const DEFAULT_THRESHOLD: f64 = 0.4;

/// The rule `scripts/calibrate` fits (in `calibration.json`, key `earned`).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct EarnedRule {
    /// Standardisation of the three features.
    pub mean: [f64; 3],
    pub scale: [f64; 3],
    pub weights: [f64; 3],
    pub bias: f64,
    /// Subtracted so that every development file keeps both error shares ≤ 2 %.
    pub shift: f64,
    /// How much surer than the file's threshold (in log-odds) a question offering two entries
    /// must be.
    pub tie_margin: f64,
}

impl EarnedRule {
    /// The threshold for a file with these features (never above the default).
    pub fn threshold(&self, features: [f64; 3]) -> f64 {
        let z: f64 = (0..3)
            .map(|i| (features[i] - self.mean[i]) / self.scale[i] * self.weights[i])
            .sum::<f64>()
            + self.bias
            + self.shift;
        sigmoid(logit(DEFAULT_THRESHOLD) - z).min(DEFAULT_THRESHOLD)
    }
}

fn calibrator() -> &'static Calibrator {
    static C: OnceLock<Calibrator> = OnceLock::new();
    C.get_or_init(|| {
        serde_json::from_str(include_str!("calibration.json"))
            .expect("calibration.json is written by scripts/calibrate")
    })
}

pub(crate) fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

pub(crate) fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

/// The calibrated chance that answering with the chosen entry is right.
pub fn chance_right(e: &Evidence) -> f64 {
    let c = calibrator();
    let x = e.to_vec();
    sigmoid(c.bias + c.weights.iter().zip(x).map(|(w, x)| w * x).sum::<f64>())
}

/// The same for a message written in another language than the entry, from the meaning alone.
pub fn chance_right_across_languages(e: &Evidence) -> f64 {
    let c = &calibrator().across_languages;
    let x = [e.semantic, e.semantic_margin, e.entries, e.questions];
    sigmoid(c.bias + c.weights.iter().zip(x).map(|(w, x)| w * x).sum::<f64>())
}

/// The confidence: the chance of being right with its odds divided by a constant, so that the
/// default threshold, 0.4, stands for `answer_at`. Every threshold is such a chance (see
/// `chance_at`), and the order of the messages is the calibrator's.
pub fn confidence(e: &Evidence) -> f64 {
    scaled(chance_right(e), calibrator().answer_at)
}

/// `confidence` for a message in another language than the entry.
pub fn confidence_across_languages(e: &Evidence) -> f64 {
    scaled(
        chance_right_across_languages(e),
        calibrator().across_languages.answer_at,
    )
}

/// The rule a file's own evidence earns its threshold by, when `scripts/calibrate` has fitted
/// one.
pub(crate) fn earned_rule() -> Option<&'static EarnedRule> {
    calibrator().earned.as_ref()
}

/// A digest of the calibration: a threshold earned under another one is earned again.
pub(crate) fn digest() -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(include_str!("calibration.json").as_bytes()).into()
}

/// The calibrated chance that one of the best two entries is right, when the calibrator has
/// been fitted for pairs.
pub fn pair_chance_right(e: &Evidence) -> Option<f64> {
    let c = calibrator().pair.as_ref()?;
    let x = e.to_vec();
    Some(sigmoid(
        c.bias + c.weights.iter().zip(x).map(|(w, x)| w * x).sum::<f64>(),
    ))
}

/// The same for a message written in another language than the entries.
pub fn pair_chance_right_across_languages(e: &Evidence) -> Option<f64> {
    let c = &calibrator().pair.as_ref()?.across_languages;
    let x = [e.semantic, e.semantic_margin, e.entries, e.questions];
    Some(sigmoid(
        c.bias + c.weights.iter().zip(x).map(|(w, x)| w * x).sum::<f64>(),
    ))
}

/// A calibrated chance on the confidence scale (`across` for a message in another language).
pub fn confidence_of(chance: f64, across: bool) -> f64 {
    let c = calibrator();
    let answer_at = if across {
        c.across_languages.answer_at
    } else {
        c.answer_at
    };
    scaled(chance, answer_at)
}

fn scaled(chance: f64, answer_at: f64) -> f64 {
    sigmoid(logit(chance) - logit(answer_at) + logit(DEFAULT_THRESHOLD))
}

/// The calibrated chance of being right that a confidence threshold stands for (for a message
/// in the entry's own language).
pub fn chance_at(threshold: f64) -> f64 {
    sigmoid(logit(threshold) - logit(DEFAULT_THRESHOLD) + logit(calibrator().answer_at))
}
