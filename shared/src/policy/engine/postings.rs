//! The centroids as an inverted index: for each feature, the classes whose centroid has it and
//! with what weight, stored flat (compressed sparse rows) so a message's features scan memory front
//! to back instead of chasing one small vector per feature.
//!
//! (Tried and dropped: dense columns for features most centroids share. With 1,000 entries they
//! were no faster than these lists and took more memory.)

/// Feature → (class, weight) lists.
#[derive(Debug, Default)]
pub(crate) struct Postings {
    /// Feature `f`'s entries are `offsets[f]..offsets[f + 1]`.
    offsets: Vec<u32>,
    classes: Vec<u32>,
    weights: Vec<f32>,
}

impl Postings {
    /// Packs one list per feature.
    pub fn from_lists(lists: Vec<Vec<(u32, f32)>>) -> Self {
        let total: usize = lists.iter().map(Vec::len).sum();
        let mut p = Postings {
            offsets: Vec::with_capacity(lists.len() + 1),
            classes: Vec::with_capacity(total),
            weights: Vec::with_capacity(total),
        };
        p.offsets.push(0);
        for list in lists {
            for (class, weight) in list {
                p.classes.push(class);
                p.weights.push(weight);
            }
            p.offsets.push(p.classes.len() as u32);
        }
        p
    }

    /// Adds `x` × each class's weight for `feature` to `sims`.
    pub fn accumulate(&self, feature: u32, x: f32, sims: &mut [f32]) {
        let f = feature as usize;
        let (from, to) = (self.offsets[f] as usize, self.offsets[f + 1] as usize);
        for (&class, &w) in self.classes[from..to].iter().zip(&self.weights[from..to]) {
            sims[class as usize] += x * w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulates_each_features_classes() {
        let p = Postings::from_lists(vec![vec![(0, 0.5), (2, 1.0)], vec![], vec![(1, 2.0)]]);
        let mut sims = vec![0.0; 3];
        p.accumulate(0, 2.0, &mut sims);
        p.accumulate(1, 5.0, &mut sims);
        p.accumulate(2, 0.5, &mut sims);
        assert_eq!(sims, [1.0, 1.0, 2.0]);
    }
}
