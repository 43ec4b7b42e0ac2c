//! Meaning and words together: the best entry by the sentence vectors and the word scores
//! blended, and the calibrated confidence in it (and in the best two together).

use super::*;

impl AnswerEngine {
    /// The entry that fits best by meaning and words together, and the calibrated confidence;
    /// the same evidence for the best two together.
    pub(super) fn score_semantic(
        &self,
        lexical_sims: &[f32],
        semantic: &[(f32, Option<usize>)],
        coverage: f64,
        leave: Leave,
    ) -> Scores {
        let n = self.classes;
        let mut sims = lexical_sims.to_vec();
        sims.truncate(n + usize::from(self.has_outside));
        let (weights, total) = softmax_weights(&sims, TEMPERATURE);
        let p = |i: usize| f64::from(weights[i]) / f64::from(total);
        let cos = |i: usize| semantic[i].0;
        let combined = |i: usize| cos(i) + LEXICAL_WEIGHT * lexical_sims[i];
        let (mut best, mut runner_up): (Option<usize>, Option<usize>) = (None, None);
        for i in 0..n {
            if best.is_none_or(|b| combined(i) > combined(b)) {
                runner_up = best;
                best = Some(i);
            } else if runner_up.is_none_or(|r| combined(i) > combined(r)) {
                runner_up = Some(i);
            }
        }
        let chosen = best.expect("at least one entry");
        let outside = self.has_outside.then_some(n);
        let outside_best = outside.is_some_and(|o| combined(o) > combined(chosen));
        let entries = n - usize::from(matches!(leave, Leave::Entry(_)));
        let lexical_best =
            (0..n).max_by(|&a, &b| weights[a].total_cmp(&weights[b]).then(b.cmp(&a)));
        // What the engine knows about answering with `chosen` (one entry) or with any of `group`.
        let evidence_for = |group: &[usize], entries: usize| {
            let others = || (0..n).chain(outside).filter(|i| !group.contains(i));
            let semantic_in = group.iter().map(|&i| cos(i)).fold(-1.0f32, f32::max);
            let semantic_other = others().map(cos).fold(-1.0f32, f32::max);
            let lexical_in: f64 = group.iter().map(|&i| p(i)).sum();
            let lexical_other = others().map(p).fold(0.0, f64::max);
            Evidence {
                semantic: f64::from(semantic_in),
                semantic_margin: f64::from(semantic_in - semantic_other),
                lexical: lexical_in,
                lexical_margin: lexical_in - lexical_other,
                coverage,
                agree: f64::from(u8::from(lexical_best.is_some_and(|l| group.contains(&l)))),
                entries: (entries.max(1) as f64).ln(),
                questions: self.questions_per_entry.max(1.0).ln(),
            }
        };
        let evidence = evidence_for(&[chosen], entries);
        // Two entries a question would offer side by side count as one: one fewer to tell apart.
        let pair_evidence = runner_up
            .filter(|&r| cos(r) > LEFT_OUT)
            .map(|r| evidence_for(&[chosen, r], entries.saturating_sub(1)));
        let confidence = if outside_best {
            0.0
        } else {
            calibration::confidence(&evidence)
        };
        let best_example = semantic[chosen].1;
        let runner_up_example = runner_up.and_then(|r| semantic[r].1);
        let (best, runner_up) = (Some((chosen, p(chosen))), runner_up.map(|r| (r, p(r))));
        let mut weights = weights;
        weights.truncate(n);
        Scores {
            weights,
            total: f64::from(total),
            best,
            runner_up,
            outside_best,
            coverage,
            confidence,
            evidence: Some(evidence),
            pair_evidence,
            best_example,
            runner_up_example,
        }
    }
}
