//! SentencePiece's unigram tokenizer for the model's 128k pieces, reading the converted file in
//! place: the `nmt_nfkc` normaliser walks sentencepiece's own precompiled map (a darts-clone
//! double-array trie), and Viterbi finds each piece by bisection over the pieces in byte order.
//! Matches the reference (`sentencepiece`, and the package's pure-Python port) piece for piece.

use super::file::{ModelFile, Span};
use super::EncoderError;

pub(super) const UNK: u32 = 0;
pub(super) const BOS: u32 = 1;
pub(super) const EOS: u32 = 2;
const SPACE: &[u8] = "\u{2581}".as_bytes();
/// Bytes of a message the tokenizer reads: far more than `MAX_TOKENS` pieces, so a hostile
/// megabyte costs what a paragraph does.
const MAX_BYTES: usize = 4096;

#[derive(Clone, Copy)]
pub(super) struct Tokenizer {
    bytes: Span,
    offsets: Span,
    scores: Span,
    order: Span,
    charsmap: Span,
    pieces: usize,
    unk_score: f64,
}

/// A view of the tokenizer's tensors for one message.
struct View<'a> {
    bytes: &'a [u8],
    offsets: &'a [u32],
    scores: &'a [f32],
    order: &'a [u32],
    trie: &'a [u32],
    normalized: &'a [u8],
}

impl Tokenizer {
    pub(super) fn check(file: &ModelFile) -> Result<Self, EncoderError> {
        let pieces = file.shape("piece_scores").first().copied().unwrap_or(0);
        let t = Self {
            bytes: file.span("piece_bytes", "u8", None)?,
            offsets: file.span("piece_offsets", "u32", Some(&[pieces + 1]))?,
            scores: file.span("piece_scores", "f32", Some(&[pieces]))?,
            order: file.span("piece_order", "u32", Some(&[pieces]))?,
            charsmap: file.span("charsmap", "u8", None)?,
            pieces,
            unk_score: 0.0,
        };
        let v = t.view(file);
        if pieces < 3 || v.trie.is_empty() {
            return Err(file.format_error("its tokenizer is empty".into()));
        }
        if v.offsets.last().map(|&o| o as usize) != Some(v.bytes.len())
            || v.offsets.windows(2).any(|w| w[0] > w[1])
            || v.order.iter().any(|&i| i as usize >= pieces)
        {
            return Err(file.format_error("its piece table is inconsistent".into()));
        }
        let min = v.scores.iter().copied().fold(f32::INFINITY, f32::min);
        Ok(Self {
            unk_score: f64::from(min) - 10.0,
            ..t
        })
    }

    fn view<'a>(&self, file: &'a ModelFile) -> View<'a> {
        let charsmap = file.bytes(self.charsmap);
        let trie_len = charsmap
            .get(..4)
            .map_or(0, |b| {
                u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize
            })
            .min(charsmap.len().saturating_sub(4))
            / 4
            * 4;
        View {
            bytes: file.bytes(self.bytes),
            offsets: file.u32s(self.offsets),
            scores: file.f32s(self.scores),
            order: file.u32s(self.order),
            trie: bytemuck::cast_slice(&charsmap[4..4 + trie_len]),
            normalized: &charsmap[4 + trie_len..],
        }
    }

    /// BOS, then the pieces of `text` (UNK for an empty one); the caller appends EOS.
    pub(super) fn encode(&self, file: &ModelFile, text: &str) -> Vec<u32> {
        let v = self.view(file);
        let mut cut = text.len().min(MAX_BYTES);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let normalized = v.normalize(&text.as_bytes()[..cut]);
        let mut ids = vec![BOS];
        match std::str::from_utf8(&normalized) {
            Ok(s) if !s.is_empty() => ids.extend(self.viterbi(&v, s)),
            _ => ids.push(UNK),
        }
        ids
    }

    /// The best segmentation by the pieces' scores (sentencepiece's lattice Viterbi: ties keep
    /// the earlier-found node, a character no piece starts with becomes UNK).
    fn viterbi(&self, v: &View<'_>, s: &str) -> Vec<u32> {
        let bounds: Vec<usize> = s
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()))
            .collect();
        let chars = bounds.len() - 1;
        let mut best = vec![f64::NEG_INFINITY; chars + 1];
        best[0] = 0.0;
        let mut start_of = vec![0usize; chars + 1];
        let mut piece_of = vec![UNK; chars + 1];
        let bytes = s.as_bytes();
        for i in 0..chars {
            let base = best[i];
            let mut has_single = false;
            for j in i + 1..=chars {
                let sub = &bytes[bounds[i]..bounds[j]];
                match v.find(sub) {
                    Found::Nothing => break,
                    Found::Prefix => {}
                    Found::Piece(id) => {
                        let score = base + f64::from(v.scores[id as usize]);
                        if score > best[j] {
                            best[j] = score;
                            start_of[j] = i;
                            piece_of[j] = id;
                        }
                        has_single |= j == i + 1;
                    }
                }
            }
            if !has_single {
                let score = base + self.unk_score;
                if score > best[i + 1] {
                    best[i + 1] = score;
                    start_of[i + 1] = i;
                    piece_of[i + 1] = UNK;
                }
            }
        }
        let mut ids = Vec::new();
        let mut p = chars;
        while p > 0 {
            ids.push(piece_of[p]);
            p = start_of[p];
        }
        ids.reverse();
        if ids.is_empty() {
            ids.push(UNK);
        }
        debug_assert!(ids.iter().all(|&i| (i as usize) < self.pieces));
        ids
    }
}

enum Found {
    /// No piece starts with these bytes: longer spans cannot match either.
    Nothing,
    /// Some piece starts with them, none is exactly them.
    Prefix,
    Piece(u32),
}

impl View<'_> {
    fn piece(&self, id: u32) -> &[u8] {
        let id = id as usize;
        &self.bytes[self.offsets[id] as usize..self.offsets[id + 1] as usize]
    }

    fn find(&self, sub: &[u8]) -> Found {
        let at = self.order.partition_point(|&id| self.piece(id) < sub);
        let Some(&first) = self.order.get(at) else {
            return Found::Nothing;
        };
        let piece = self.piece(first);
        if !piece.starts_with(sub) {
            return Found::Nothing;
        }
        if piece != sub {
            return Found::Prefix;
        }
        // Two pieces with the same bytes: the reference keeps the later id.
        let mut id = first;
        for &next in &self.order[at + 1..] {
            if self.piece(next) != sub {
                break;
            }
            id = next;
        }
        Found::Piece(id)
    }

    fn offset(unit: u32) -> usize {
        ((unit >> 10) << ((unit & 0x200) >> 6)) as usize
    }

    /// The normalised form of the longest prefix of `data[pos..]` the charsmap knows, and how many
    /// bytes it consumed; a character it does not know is kept as it is.
    fn normalize_prefix<'a>(&'a self, data: &'a [u8], pos: usize) -> (&'a [u8], usize) {
        let (mut best_len, mut best_value) = (0usize, 0usize);
        let trie = self.trie;
        let mut node = Self::offset(trie[0]);
        let mut i = pos;
        while i < data.len() {
            let c = data[i];
            node ^= usize::from(c);
            let Some(&unit) = trie.get(node) else { break };
            if unit & 0x8000_00FF != u32::from(c) {
                break;
            }
            node ^= Self::offset(unit);
            i += 1;
            if unit & 0x100 != 0 {
                let Some(&leaf) = trie.get(node) else { break };
                best_len = i - pos;
                best_value = (leaf & 0x7FFF_FFFF) as usize;
            }
        }
        if best_len == 0 || best_value >= self.normalized.len() {
            let len = utf8_len(data, pos);
            return (&data[pos..pos + len], len);
        }
        let rest = &self.normalized[best_value..];
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        (&rest[..end], best_len)
    }

    /// `nmt_nfkc`, a dummy prefix, runs of whitespace squeezed and trimmed, spaces as U+2581.
    fn normalize(&self, raw: &[u8]) -> Vec<u8> {
        let n = raw.len();
        let mut pos = 0;
        while pos < n {
            let (p, adv) = self.normalize_prefix(raw, pos);
            if p != b" " {
                break;
            }
            pos += adv;
        }
        let mut out = Vec::with_capacity(n + 8);
        if pos >= n {
            return out;
        }
        out.extend_from_slice(SPACE);
        let mut prev_space = true;
        while pos < n {
            let (mut p, adv) = self.normalize_prefix(raw, pos);
            pos += adv;
            if prev_space {
                while let [b' ', rest @ ..] = p {
                    p = rest;
                }
            }
            if p.is_empty() {
                continue;
            }
            if p.contains(&b' ') {
                for &b in p {
                    if b == b' ' {
                        out.extend_from_slice(SPACE);
                    } else {
                        out.push(b);
                    }
                }
                prev_space = p.last() == Some(&b' ');
            } else {
                out.extend_from_slice(p);
                prev_space = false;
            }
        }
        while out.ends_with(SPACE) {
            out.truncate(out.len() - SPACE.len());
        }
        out
    }
}

/// Length of the UTF-8 sequence at `pos` (1 for a malformed one, as sentencepiece does).
fn utf8_len(data: &[u8], pos: usize) -> usize {
    let first = data[pos];
    let len = match first {
        0x00..=0x7F => 1,
        _ if first >> 5 == 0x6 => 2,
        _ if first >> 4 == 0xE => 3,
        _ if first >> 3 == 0x1E => 4,
        _ => 1,
    };
    if (1..len).all(|k| data.get(pos + k).is_some_and(|b| b & 0xC0 == 0x80)) {
        len
    } else {
        1
    }
}
