//! The semantic half of the engine: every example's sentence vector, and for a message, each
//! entry's best cosine (its closest question, in any language the encoder reads).
//!
//! The vectors are computed ahead of time by `handoff knowledge build` into `knowledge.index`
//! beside the knowledge file; a missing or stale index is rebuilt at start (and logged), since
//! embedding a thousand entries costs seconds a cold start should not pay.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::encoder::{SentenceEncoder, DIMENSIONS};

use super::Example;

/// Version 2 adds, after the vectors, what the file earned from its own evidence
/// (`knowledge::earned`): a length and that many bytes of JSON. Version 1 files are still read.
const MAGIC: &[u8; 8] = b"HOFFIDX2";
const MAGIC_V1: &[u8; 8] = b"HOFFIDX1";

/// The sentence vector of a question or a message, as the index compares them: a text written in
/// capitals is read in lower case (the encoder reads case, and "WHEN ARE YOU OPEN" means what
/// "when are you open" does).
pub(crate) fn vector_of(encoder: &SentenceEncoder, text: &str) -> Vec<f32> {
    let upper = text.chars().filter(|c| c.is_uppercase()).count();
    let lower = text.chars().filter(|c| c.is_lowercase()).count();
    if upper > lower {
        encoder.embed(&text.to_lowercase())
    } else {
        encoder.embed(text)
    }
}

/// The examples' vectors, in example order.
#[derive(Debug, Default)]
pub(crate) struct SemanticIndex {
    vectors: Vec<f32>,
    /// Class of each vector; `classes` for an `[outside]` example.
    owner: Vec<u32>,
}

/// What the index of `examples` must be built from: their classes and texts, hashed, so an index
/// from another version of the file is never read.
pub(crate) fn fingerprint(examples: &[Example<'_>]) -> [u8; 32] {
    let mut h = Sha256::new();
    for e in examples {
        h.update(e.class.map_or(u32::MAX, |c| c as u32).to_le_bytes());
        h.update(e.text.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

impl SemanticIndex {
    pub(crate) fn embed(
        encoder: &SentenceEncoder,
        classes: usize,
        examples: &[Example<'_>],
    ) -> Self {
        // Each distinct text once (an entry's title is an example twice), on every core: a
        // thousand questions take seconds, inside `handoff knowledge build` and a review's Apply.
        let mut distinct: Vec<&str> = examples.iter().map(|e| e.text).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let embedded = crate::parallel::map(&distinct, |t| vector_of(encoder, t));
        let by_text: std::collections::HashMap<&str, &Vec<f32>> =
            distinct.iter().copied().zip(&embedded).collect();
        let mut vectors = Vec::with_capacity(examples.len() * DIMENSIONS);
        for e in examples {
            vectors.extend_from_slice(by_text[e.text]);
        }
        Self::from_parts(vectors, classes, examples)
    }

    fn from_parts(vectors: Vec<f32>, classes: usize, examples: &[Example<'_>]) -> Self {
        Self {
            vectors,
            owner: examples
                .iter()
                .map(|e| e.class.unwrap_or(classes) as u32)
                .collect(),
        }
    }

    /// The index file's bytes: magic, fingerprint, count, vectors, and `trailer` (what the file
    /// earned, as JSON) with its length.
    pub(crate) fn to_bytes(&self, fingerprint: [u8; 32], trailer: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(56 + self.vectors.len() * 4 + trailer.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&fingerprint);
        out.extend_from_slice(&(self.owner.len() as u64).to_le_bytes());
        for v in &self.vectors {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(trailer.len() as u64).to_le_bytes());
        out.extend_from_slice(trailer);
        out
    }

    /// Reads an index written for exactly these examples, and its trailer (empty in a version 1
    /// file); `None` if it is not one.
    pub(crate) fn read(
        path: &Path,
        classes: usize,
        examples: &[Example<'_>],
    ) -> Option<(Self, Vec<u8>)> {
        let bytes = std::fs::read(path).ok()?;
        let (head, body) = bytes.split_at_checked(48)?;
        let v1 = &head[..8] == MAGIC_V1;
        if !(v1 || &head[..8] == MAGIC) || head[8..40] != fingerprint(examples) {
            return None;
        }
        let count = u64::from_le_bytes(head[40..48].try_into().ok()?) as usize;
        if count != examples.len() {
            return None;
        }
        let (vectors, rest) = body.split_at_checked(count * DIMENSIONS * 4)?;
        let trailer = if v1 {
            rest.is_empty().then(Vec::new)?
        } else {
            let (len, trailer) = rest.split_at_checked(8)?;
            let len = u64::from_le_bytes(len.try_into().ok()?) as usize;
            (trailer.len() == len).then(|| trailer.to_vec())?
        };
        let vectors = vectors
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect();
        Some((Self::from_parts(vectors, classes, examples), trailer))
    }

    /// Each class's best cosine with `query` and which example gives it (`classes + 1` values,
    /// the last for `[outside]`; -1 and no example for a class without examples). `skip` leaves
    /// one example out (the file asking itself one of its own questions).
    pub(crate) fn best_by_class(
        &self,
        query: &[f32],
        classes: usize,
        skip: Option<usize>,
    ) -> Vec<(f32, Option<usize>)> {
        let mut best = vec![(-1.0f32, None); classes + 1];
        for (i, (v, &c)) in self
            .vectors
            .chunks_exact(DIMENSIONS)
            .zip(&self.owner)
            .enumerate()
        {
            if skip == Some(i) {
                continue;
            }
            let s = crate::encoder::cosine(v, query);
            let b = &mut best[c as usize];
            if s > b.0 {
                *b = (s, Some(i));
            }
        }
        best
    }

    /// Example `i`'s vector.
    pub(crate) fn vector(&self, i: usize) -> &[f32] {
        &self.vectors[i * DIMENSIONS..(i + 1) * DIMENSIONS]
    }
}
