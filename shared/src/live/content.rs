//! One version's bytes: the policy file, the knowledge file and the knowledge index the engine
//! compiles ahead of time, in one blob named by its SHA-256. The name is checked on every read,
//! so a version whose parts were cut short or overwritten is never used.

use sha2::{Digest, Sha256};
use thiserror::Error;

const MAGIC: &[u8; 4] = b"HBV1";

/// The files of one boundary version, as published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundaryContent {
    pub policy: String,
    pub knowledge: String,
    /// `knowledge.index` (`handoff knowledge build`) for this knowledge file; absent when the
    /// publisher had no sentence encoder.
    pub index: Option<Vec<u8>>,
}

/// Why stored bytes are not a version.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ContentError {
    #[error(
        "the stored version is incomplete or altered (its digest is {found}, expected {expected})"
    )]
    Digest { expected: String, found: String },
    #[error("the stored version is not in the expected format: {0}")]
    Format(&'static str),
}

/// The hex SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], ContentError> {
    if bytes.len() < n {
        return Err(ContentError::Format("cut short"));
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Ok(head)
}

fn take_len(bytes: &mut &[u8]) -> Result<usize, ContentError> {
    let raw: [u8; 8] = take(bytes, 8)?.try_into().expect("eight bytes");
    usize::try_from(u64::from_le_bytes(raw)).map_err(|_| ContentError::Format("length"))
}

fn take_text(bytes: &mut &[u8]) -> Result<String, ContentError> {
    let n = take_len(bytes)?;
    String::from_utf8(take(bytes, n)?.to_vec()).map_err(|_| ContentError::Format("not UTF-8"))
}

impl BoundaryContent {
    /// The blob: magic, then each part length-prefixed (u64 little-endian).
    pub fn to_bytes(&self) -> Vec<u8> {
        let index = self.index.as_deref().unwrap_or_default();
        let mut out =
            Vec::with_capacity(4 + 24 + self.policy.len() + self.knowledge.len() + index.len());
        out.extend_from_slice(MAGIC);
        for part in [self.policy.as_bytes(), self.knowledge.as_bytes(), index] {
            out.extend_from_slice(&(part.len() as u64).to_le_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    /// Reads a blob, checking it is the one named `expected` (its digest).
    pub fn from_bytes(bytes: &[u8], expected: &str) -> Result<Self, ContentError> {
        let found = digest(bytes);
        if found != expected {
            return Err(ContentError::Digest {
                expected: expected.to_string(),
                found,
            });
        }
        let mut rest = bytes;
        if take(&mut rest, 4)? != MAGIC {
            return Err(ContentError::Format("not a boundary version"));
        }
        let policy = take_text(&mut rest)?;
        let knowledge = take_text(&mut rest)?;
        let n = take_len(&mut rest)?;
        let index = take(&mut rest, n)?.to_vec();
        if !rest.is_empty() {
            return Err(ContentError::Format("trailing bytes"));
        }
        Ok(Self {
            policy,
            knowledge,
            index: (!index.is_empty()).then_some(index),
        })
    }

    /// The name the blob is stored under.
    pub fn digest(&self) -> String {
        digest(&self.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_a_cut_or_altered_blob() {
        let c = BoundaryContent {
            policy: "[answers]\n".into(),
            knowledge: "[[entry]]\nid = \"é\"\n".into(),
            index: Some(vec![1, 2, 3]),
        };
        let bytes = c.to_bytes();
        let name = digest(&bytes);
        assert_eq!(BoundaryContent::from_bytes(&bytes, &name).unwrap(), c);
        assert!(matches!(
            BoundaryContent::from_bytes(&bytes[..bytes.len() - 1], &name),
            Err(ContentError::Digest { .. })
        ));
        let mut altered = bytes.clone();
        altered[10] ^= 1;
        assert!(BoundaryContent::from_bytes(&altered, &name).is_err());
        let none = BoundaryContent { index: None, ..c };
        let b = none.to_bytes();
        assert_eq!(BoundaryContent::from_bytes(&b, &digest(&b)).unwrap(), none);
    }
}
