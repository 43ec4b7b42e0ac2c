//! The sentence encoder: Universal Sentence Encoder multilingual v3 (Apache-2.0), as converted by
//! `scripts/convert-encoder` into one file that is mapped into memory, never copied: the 65 MB
//! embedding table stays on disk except for the rows a message touches, and nothing is built at
//! load (the tokenizer searches the pieces by bisection instead of building a trie).
//!
//! A message becomes a 512-d unit vector; two messages that mean the same thing, in any of the
//! model's 16 languages (en, de, fr, es, it among them), have a high cosine.

mod file;
mod network;
mod tokenizer;

use std::path::Path;

use thiserror::Error;

use file::ModelFile;
use network::Network;
use tokenizer::Tokenizer;

/// Width of a sentence vector.
pub const DIMENSIONS: usize = 512;

/// Tokens read from one message: a customer's message longer than this is cut (the vector of its
/// first 256 pieces says what it is about; the cost must not grow with the message).
pub const MAX_TOKENS: usize = 256;

#[derive(Debug, Error)]
pub enum EncoderError {
    #[error("cannot read the encoder file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the encoder file {path} is not one `scripts/convert-encoder` wrote: {reason}")]
    Format { path: String, reason: String },
}

/// The loaded encoder.
pub struct SentenceEncoder {
    file: ModelFile,
    tokenizer: Tokenizer,
    network: Network,
}

impl std::fmt::Debug for SentenceEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceEncoder").finish_non_exhaustive()
    }
}

impl SentenceEncoder {
    /// Maps the converted file; checks every tensor's shape, so a wrong file fails here, not on a
    /// customer's message.
    pub fn open(path: &Path) -> Result<Self, EncoderError> {
        let file = ModelFile::open(path)?;
        let tokenizer = Tokenizer::check(&file)?;
        let network = Network::check(&file)?;
        Ok(Self {
            file,
            tokenizer,
            network,
        })
    }

    /// The piece ids of `text` (with the begin and end markers), as the model reads them.
    pub fn pieces(&self, text: &str) -> Vec<u32> {
        let mut ids = self.tokenizer.encode(&self.file, text);
        ids.truncate(MAX_TOKENS - 1);
        ids.push(tokenizer::EOS);
        ids
    }

    /// The unit vector of `text`.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        let ids = self.pieces(text);
        self.network.forward(&self.file, &ids)
    }
}

/// Cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
