//! The converted encoder file: a JSON header naming each tensor's place, then the tensors,
//! mapped read-only.

use std::collections::HashMap;
use std::path::Path;

use memmap2::Mmap;
use serde::Deserialize;

use super::EncoderError;

const MAGIC: &[u8; 8] = b"HOFFUSE1";

#[derive(Debug, Deserialize)]
struct TensorSpec {
    dtype: String,
    shape: Vec<usize>,
    offset: usize,
    bytes: usize,
}

pub(super) struct ModelFile {
    map: Mmap,
    data_start: usize,
    tensors: HashMap<String, TensorSpec>,
    path: String,
}

/// Where one tensor lies in the file (checked once at open).
#[derive(Clone, Copy, Debug)]
pub(super) struct Span {
    start: usize,
    len: usize,
}

impl ModelFile {
    pub(super) fn open(path: &Path) -> Result<Self, EncoderError> {
        let shown = path.display().to_string();
        let io = |source| EncoderError::Io {
            path: shown.clone(),
            source,
        };
        let f = std::fs::File::open(path).map_err(io)?;
        // SAFETY: the file is read-only for the life of the process (a Lambda layer, or the
        // build output); a concurrent writer would be a deployment error, and
        // `scripts/convert-encoder` replaces the file by rename, never in place.
        let map = unsafe { Mmap::map(&f) }.map_err(io)?;
        let format = |reason: String| EncoderError::Format {
            path: shown.clone(),
            reason,
        };
        if map.len() < 12 || &map[..8] != MAGIC {
            return Err(format("it does not start with HOFFUSE1".into()));
        }
        let head_len = u32::from_le_bytes(map[8..12].try_into().expect("4 bytes")) as usize;
        let head = map
            .get(12..12 + head_len)
            .ok_or_else(|| format("its header is cut short".into()))?;
        let tensors: HashMap<String, TensorSpec> =
            serde_json::from_slice(head).map_err(|e| format(format!("its header: {e}")))?;
        let data_start = (12 + head_len).div_ceil(64) * 64;
        for (name, t) in &tensors {
            let end = data_start + t.offset + t.bytes;
            if end > map.len() || t.offset % 64 != 0 {
                return Err(format(format!("tensor {name} lies outside the file")));
            }
        }
        Ok(Self {
            map,
            data_start,
            tensors,
            path: shown,
        })
    }

    pub(super) fn format_error(&self, reason: String) -> EncoderError {
        EncoderError::Format {
            path: self.path.clone(),
            reason,
        }
    }

    /// The span of tensor `name`, which must have `dtype` and (when given) `shape`.
    pub(super) fn span(
        &self,
        name: &str,
        dtype: &str,
        shape: Option<&[usize]>,
    ) -> Result<Span, EncoderError> {
        let t = self
            .tensors
            .get(name)
            .ok_or_else(|| self.format_error(format!("tensor {name} is missing")))?;
        let width = match dtype {
            "u8" => 1,
            _ => 4,
        };
        let count: usize = t.shape.iter().product();
        if t.dtype != dtype || count * width != t.bytes || shape.is_some_and(|s| s != t.shape) {
            return Err(self.format_error(format!(
                "tensor {name} is {} {:?}, expected {dtype} {shape:?}",
                t.dtype, t.shape
            )));
        }
        Ok(Span {
            start: self.data_start + t.offset,
            len: count,
        })
    }

    pub(super) fn shape(&self, name: &str) -> &[usize] {
        self.tensors.get(name).map_or(&[], |t| &t.shape)
    }

    pub(super) fn bytes(&self, s: Span) -> &[u8] {
        &self.map[s.start..s.start + s.len]
    }

    pub(super) fn f32s(&self, s: Span) -> &[f32] {
        cast(&self.map[s.start..s.start + 4 * s.len])
    }

    pub(super) fn u32s(&self, s: Span) -> &[u32] {
        cast(&self.map[s.start..s.start + 4 * s.len])
    }
}

/// Views little-endian 4-byte values in place (every tensor starts 64-byte aligned in a
/// page-aligned map; the targets, x86_64 and arm64, are little-endian).
fn cast<T: bytemuck::Pod>(bytes: &[u8]) -> &[T] {
    bytemuck::cast_slice(bytes)
}

#[cfg(target_endian = "big")]
compile_error!("the encoder file is little-endian and read in place");
