//! The threshold a knowledge file earns from its own evidence (`evidence`), at build time.
//!
//! The calibrator's chance of being right is fitted across many files, so one threshold must
//! hold the hardest of them: a file whose entries sit far apart answers much less than it could.
//! The file's own readings say how it differs: how sure the engine is, and how often right, when
//! the file asks itself each question without that question (`question_shift`: the calibrator's
//! log-odds shift that best explains those outcomes), and how sure it is when a whole entry is left
//! out, which nothing should answer (`unwritten_shift`, and the 95th percentile of those
//! confidences). A linear rule, fitted by `scripts/calibrate` on development files only and
//! shifted until every one of them keeps both error shares ≤ 2 %, turns the three into a
//! threshold; it is never above the policy's default, so no file is less safe than with one
//! threshold for all.
//!
//! What a file cannot see is a neighbour the brand never wrote that sits closer than any two of
//! its entries; the rule pays for that in its shift, and the brand's own verdicts (the weekly
//! review's threshold proposal) move it from there.

use serde::{Deserialize, Serialize};

use super::evidence::{Asked, SelfReading};
use super::KnowledgeEntry;
use crate::policy::engine::calibration::{self, logit, sigmoid, EarnedRule, DEFAULT_THRESHOLD};

/// What a file earned, with the figures behind it (printed by `handoff knowledge build`, shown by
/// `policy explain` and stored in `knowledge.index`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EarnedThreshold {
    /// The threshold the file answers at.
    pub threshold: f64,
    /// The rule's inputs: `question_shift`, `unwritten_shift`, `unwritten_p95`.
    pub features: [f64; 3],
    /// The questions asked without themselves, and how they fare at `threshold`.
    pub questions: usize,
    pub questions_right: usize,
    pub questions_wrong: usize,
    /// Questions of an entry asked without the entry, and how many are answered at `threshold`.
    pub unwritten: usize,
    pub unwritten_answered: usize,
    /// `[outside]` examples asked without themselves, and how many are answered.
    pub outside: usize,
    pub outside_answered: usize,
    /// Entries the engine cannot tell apart, with the questions that collide.
    pub pairs: Vec<ConfusablePair>,
}

/// Two entries whose questions the engine reads as each other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusablePair {
    pub a: String,
    pub b: String,
    /// Questions of one entry read as the other (the question, the entry it belongs to).
    pub collisions: Vec<(String, String)>,
}

impl EarnedThreshold {
    /// The share of the file's own questions answered wrong at the threshold.
    pub fn wrong_share(&self) -> f64 {
        share(self.questions_wrong, self.questions)
    }

    /// The share of questions about a left-out entry that something answers at the threshold.
    pub fn unwritten_share(&self) -> f64 {
        share(self.unwritten_answered, self.unwritten)
    }

    /// The share answered right.
    pub fn right_share(&self) -> f64 {
        share(self.questions_right, self.questions)
    }

    /// One line for a person: what the file earned and why.
    pub fn describe(&self) -> String {
        let pct = |x: f64| format!("{:.1} %", x * 100.0);
        let mut s = format!(
            "threshold {:.3} earned by the file: of its {} questions asked without themselves, {} answered right and {} wrong; of {} questions asked with their entry left out, {} answered",
            self.threshold,
            self.questions,
            pct(self.right_share()),
            pct(self.wrong_share()),
            self.unwritten,
            pct(self.unwritten_share()),
        );
        if self.outside > 0 {
            s += &format!(
                "; of {} [outside] examples, {} answered",
                self.outside,
                pct(share(self.outside_answered, self.outside))
            );
        }
        if self.threshold >= DEFAULT_THRESHOLD {
            s += " (the default: the file's evidence does not support a lower one)";
        }
        s
    }
}

fn share(k: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        k as f64 / n as f64
    }
}

/// How far the calibrator's log-odds must move to explain the file's own outcomes (a Gaussian
/// prior of standard deviation 2 keeps a handful of readings from moving it far).
fn shift(readings: &[(f64, bool)]) -> f64 {
    const PRIOR_VARIANCE: f64 = 4.0;
    let logits: Vec<(f64, f64)> = readings
        .iter()
        .filter(|(c, _)| *c > 0.0)
        .map(|(c, right)| {
            (
                logit(calibration::chance_at(*c)),
                f64::from(u8::from(*right)),
            )
        })
        .collect();
    let mut d = 0.0;
    for _ in 0..100 {
        let (mut g, mut h) = (-d / PRIOR_VARIANCE, -1.0 / PRIOR_VARIANCE);
        for (l, y) in &logits {
            let p = sigmoid(l + d);
            g += y - p;
            h -= p * (1.0 - p);
        }
        // Newton's step, held to one unit of log-odds: on a file whose every reading agrees,
        // the likelihood is nearly flat and a full step would overshoot.
        let step = (g / h).clamp(-1.0, 1.0);
        d -= step;
        if step.abs() < 1e-9 {
            break;
        }
    }
    d
}

/// The `q`-quantile of `values` (linear between order statistics, as numpy's default).
fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let pos = q * (values.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
}

/// The rule's three inputs, from the file's readings.
pub fn features(readings: &[SelfReading]) -> [f64; 3] {
    let questions: Vec<(f64, bool)> = readings
        .iter()
        .filter_map(|r| match r.asked {
            Asked::Question { entry } => Some((r.confidence, r.best == entry)),
            _ => None,
        })
        .collect();
    let unwritten: Vec<(f64, bool)> = readings
        .iter()
        .filter(|r| matches!(r.asked, Asked::Unwritten { .. }))
        .map(|r| (r.confidence, false))
        .collect();
    let mut confidences: Vec<f64> = unwritten.iter().map(|(c, _)| *c).collect();
    let p95 = quantile(&mut confidences, 0.95).max(1e-4);
    [
        shift(&questions),
        shift(&unwritten),
        logit(DEFAULT_THRESHOLD) - logit(p95),
    ]
}

/// Whether `r` answers (or asks with) the right entry at `threshold`, the tie at `tie`.
fn outcome(r: &SelfReading, threshold: f64, tie: f64) -> Option<bool> {
    r.answered_right_at(threshold, tie)
}

/// The threshold the file earns under `rule` (the default without one), and its figures.
pub(crate) fn earn(
    entries: &[KnowledgeEntry],
    readings: &[SelfReading],
    rule: Option<&EarnedRule>,
) -> EarnedThreshold {
    let features = features(readings);
    let threshold = rule.map_or(DEFAULT_THRESHOLD, |r| r.threshold(features));
    let tie = tie_threshold(threshold, rule.map(|r| r.tie_margin));
    let mut e = EarnedThreshold {
        threshold,
        features,
        questions: 0,
        questions_right: 0,
        questions_wrong: 0,
        unwritten: 0,
        unwritten_answered: 0,
        outside: 0,
        outside_answered: 0,
        pairs: confusable_pairs(entries, readings, threshold),
    };
    for r in readings {
        let o = outcome(r, threshold, tie);
        match r.asked {
            Asked::Question { .. } => {
                e.questions += 1;
                e.questions_right += usize::from(o == Some(true));
                e.questions_wrong += usize::from(o == Some(false));
            }
            Asked::Unwritten { .. } => {
                e.unwritten += 1;
                e.unwritten_answered += usize::from(o.is_some());
            }
            Asked::Outside => {
                e.outside += 1;
                e.outside_answered += usize::from(o.is_some());
            }
        }
    }
    e
}

/// The confidence a question offering two entries needs, given the threshold in force and the
/// margin (`None`: ties are never asked).
pub(crate) fn tie_threshold(threshold: f64, margin: Option<f64>) -> f64 {
    match margin {
        Some(m) => sigmoid(logit(threshold) + m),
        None => f64::INFINITY,
    }
}

/// The highest threshold at which a tie of confidence `tie` is asked: the inverse of
/// `tie_threshold`.
pub(crate) fn tie_score(tie: f64, margin: Option<f64>) -> Option<f64> {
    margin.map(|m| sigmoid(logit(tie) - m))
}

/// The pairs of entries the engine cannot tell apart, from the file's own readings: a question
/// of one, asked without itself, reads as the other (the other is the best match, confident
/// enough to be answered at `threshold` or only just under it: half the threshold's odds); or it
/// is sure only of the two together while, with its whole entry left out, its questions are
/// answered by the other with confidence (the two sit closer than the engine can separate). Most
/// collisions first.
fn confusable_pairs(
    entries: &[KnowledgeEntry],
    readings: &[SelfReading],
    threshold: f64,
) -> Vec<ConfusablePair> {
    let near = sigmoid(logit(threshold) - std::f64::consts::LN_2);
    // Entry → the neighbour answering its questions with confidence when it is left out.
    let absorbed: Vec<(usize, usize)> = readings
        .iter()
        .filter_map(|r| match r.asked {
            Asked::Unwritten { entry } if r.confidence >= threshold => Some((entry, r.best)),
            _ => None,
        })
        .collect();
    let mut pairs: Vec<ConfusablePair> = Vec::new();
    for r in readings {
        let Asked::Question { entry } = r.asked else {
            continue;
        };
        let other = if r.best != entry && r.confidence >= near {
            r.best
        } else {
            match r.tie {
                Some((partner, c))
                    if c >= threshold
                        && r.confidence < threshold
                        && r.best == entry
                        && absorbed.contains(&(entry, partner)) =>
                {
                    partner
                }
                _ => continue,
            }
        };
        let (a, b) = if entry < other {
            (entry, other)
        } else {
            (other, entry)
        };
        let (a, b) = (entries[a].id.clone(), entries[b].id.clone());
        let collision = (r.text.clone(), entries[entry].id.clone());
        match pairs.iter_mut().find(|p| p.a == a && p.b == b) {
            Some(p) => p.collisions.push(collision),
            None => pairs.push(ConfusablePair {
                a,
                b,
                collisions: vec![collision],
            }),
        }
    }
    pairs.sort_by(|x, y| {
        y.collisions
            .len()
            .cmp(&x.collisions.len())
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    pairs
}

impl ConfusablePair {
    /// What a brand reads: the pair, a colliding question, and what to do.
    pub fn advice(&self) -> String {
        let (q, owner) = &self.collisions[0];
        let other = if owner == &self.a { &self.b } else { &self.a };
        let more = match self.collisions.len() {
            1 => String::new(),
            n => format!(" ({} questions collide)", n),
        };
        format!(
            "entries {:?} and {:?} are hard to tell apart: {q:?} (a question of {owner:?}) reads as {other:?} too{more}. Merge them into one entry, or add questions that say what differs; until then their customers mostly go to a person",
            self.a, self.b
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quantile_matches_numpys_linear_one() {
        let mut v = vec![0.1, 0.5, 0.2, 0.9];
        assert!((quantile(&mut v, 0.95) - 0.84).abs() < 1e-12);
        assert_eq!(quantile(&mut [], 0.95), 0.0);
    }

    #[test]
    fn the_shift_follows_the_outcomes_and_stays_near_zero_on_little_evidence() {
        let sure_but_wrong: Vec<(f64, bool)> = (0..200).map(|_| (0.5, false)).collect();
        assert!(shift(&sure_but_wrong) < -3.0);
        let unsure_but_right: Vec<(f64, bool)> = (0..200).map(|_| (0.05, true)).collect();
        assert!(shift(&unsure_but_right) > 2.0);
        assert!(shift(&[(0.05, true)]).abs() < 1.0);
        assert_eq!(shift(&[]), 0.0);
    }

    #[test]
    fn the_rule_never_goes_above_the_default() {
        let rule = EarnedRule {
            mean: [0.0; 3],
            scale: [1.0; 3],
            weights: [1.0, 0.0, 0.0],
            bias: 0.0,
            shift: 0.0,
            tie_margin: 1.0,
        };
        assert_eq!(rule.threshold([-5.0, 0.0, 0.0]), DEFAULT_THRESHOLD);
        let t = rule.threshold([3.0, 0.0, 0.0]);
        assert!(t < 0.05, "{t}");
        assert!(tie_threshold(t, Some(rule.tie_margin)) > t);
        let asked_until = tie_score(0.5, Some(1.0)).unwrap();
        assert!((tie_threshold(asked_until, Some(1.0)) - 0.5).abs() < 1e-12);
    }
}
