//! The network: an embedding lookup (6-bit, dequantised per row), three n-gram convolution
//! branches of two residual layers each, layer norms, a sum over the tokens, and a small dense
//! tower to 512 dimensions. Matrix products by `matrixmultiply`'s SIMD kernels.

use super::file::{ModelFile, Span};
use super::{EncoderError, DIMENSIONS};

const EMB: usize = 512;
const CNN: usize = 256;
const CHUNKS: usize = 17;
/// (n-gram order, tokens of left context) of the three branches.
const ORDERS: [(usize, usize); 3] = [(2, 0), (3, 1), (5, 2)];
const FEATS: usize = EMB + ORDERS.len() * CNN;
const HIDDEN: usize = 320;

/// One dense layer: `rows × cols` weights, row-major.
#[derive(Clone, Copy)]
struct Dense {
    w: Span,
    rows: usize,
    cols: usize,
}

#[derive(Clone, Copy)]
struct Branch {
    proj: Dense,
    proj_b: Span,
    ln_g: Span,
    ln_b: Span,
    w1: Dense,
    b1: Span,
    w2: Dense,
    b2: Span,
}

#[derive(Clone, Copy)]
pub(super) struct Network {
    embedding: Span,
    rows: usize,
    scale: Span,
    lo: Span,
    branches: [Branch; 3],
    ln_g: Span,
    ln_b: Span,
    cnn: Dense,
    cnn_b: Span,
    d0: Dense,
    d1: Dense,
    p1: Dense,
    d2: Dense,
    p3: Dense,
    d3: Dense,
    eps: f32,
}

fn dense(file: &ModelFile, name: &str, rows: usize, cols: usize) -> Result<Dense, EncoderError> {
    Ok(Dense {
        w: file.span(name, "f32", Some(&[rows, cols]))?,
        rows,
        cols,
    })
}

fn vector(file: &ModelFile, name: &str, len: usize) -> Result<Span, EncoderError> {
    file.span(name, "f32", Some(&[len]))
}

impl Network {
    pub(super) fn check(file: &ModelFile) -> Result<Self, EncoderError> {
        let rows = file.shape("embedding").first().copied().unwrap_or(0);
        let branch = |n: usize| -> Result<Branch, EncoderError> {
            Ok(Branch {
                proj: dense(file, &format!("proj{n}"), EMB, CNN)?,
                proj_b: vector(file, &format!("proj_b{n}"), CNN)?,
                ln_g: vector(file, &format!("ln_g{n}"), CNN)?,
                ln_b: vector(file, &format!("ln_b{n}"), CNN)?,
                w1: dense(file, &format!("w1_{n}"), n * CNN, CNN)?,
                b1: vector(file, &format!("b1_{n}"), CNN)?,
                w2: dense(file, &format!("w2_{n}"), n * CNN, CNN)?,
                b2: vector(file, &format!("b2_{n}"), CNN)?,
            })
        };
        let eps = file.f32s(vector(file, "eps", 1)?)[0];
        Ok(Self {
            embedding: file.span("embedding", "u8", Some(&[rows, EMB]))?,
            rows,
            scale: vector(file, "scale", CHUNKS)?,
            lo: vector(file, "lo", CHUNKS)?,
            branches: [branch(2)?, branch(3)?, branch(5)?],
            ln_g: vector(file, "ln_g", FEATS)?,
            ln_b: vector(file, "ln_b", FEATS)?,
            cnn: dense(file, "cnn_W", FEATS, DIMENSIONS)?,
            cnn_b: vector(file, "cnn_b", DIMENSIONS)?,
            d0: dense(file, "d0", EMB, HIDDEN)?,
            d1: dense(file, "d1", HIDDEN, HIDDEN)?,
            p1: dense(file, "p1", EMB, HIDDEN)?,
            d2: dense(file, "d2", HIDDEN, EMB)?,
            p3: dense(file, "p3", HIDDEN, EMB)?,
            d3: dense(file, "d3", EMB, DIMENSIONS)?,
            eps,
        })
    }

    /// The unit vector of a message's piece ids (at least one).
    pub(super) fn forward(&self, f: &ModelFile, ids: &[u32]) -> Vec<f32> {
        let n = ids.len().max(1);
        let mut feats = self.embed(f, ids, n);
        self.convolve(f, &mut feats, n);
        let mean = self.pool(f, &mut feats, n);
        self.head(f, &mean)
    }

    /// Per token, `[embedding | branch 2 | branch 3 | branch 5]`, the embedding filled in (the
    /// 6-bit rows dequantised), the branches zero.
    fn embed(&self, f: &ModelFile, ids: &[u32], n: usize) -> Vec<f32> {
        let mut feats = vec![0.0f32; n * FEATS];
        let table = f.bytes(self.embedding);
        let (scale, lo) = (f.f32s(self.scale), f.f32s(self.lo));
        for (t, &id) in ids.iter().enumerate() {
            let id = if (id as usize) < self.rows {
                id as usize
            } else {
                0
            };
            let chunk = id % CHUNKS;
            let row = &table[id * EMB..(id + 1) * EMB];
            for (o, &q) in feats[t * FEATS..t * FEATS + EMB].iter_mut().zip(row) {
                *o = f32::from(q) * scale[chunk] + lo[chunk];
            }
        }
        feats
    }

    /// The three convolution branches (n-grams of 2, 3 and 5 tokens), each written into its
    /// columns of `feats`.
    fn convolve(&self, f: &ModelFile, feats: &mut [f32], n: usize) {
        // The three projections share one layer norm over their 768 outputs (as the model does).
        let mut x = vec![0.0f32; n * 3 * CNN];
        for (i, b) in self.branches.iter().enumerate() {
            matmul(n, feats, FEATS, f, b.proj, &mut x[i * CNN..], 3 * CNN);
        }
        let gammas: Vec<f32> = self
            .branches
            .iter()
            .flat_map(|b| f.f32s(b.ln_g).iter().copied())
            .collect();
        let betas: Vec<f32> = self
            .branches
            .iter()
            .flat_map(|b| f.f32s(b.ln_b).iter().copied())
            .collect();
        for row in x.chunks_exact_mut(3 * CNN) {
            for (i, b) in self.branches.iter().enumerate() {
                add(&mut row[i * CNN..(i + 1) * CNN], f.f32s(b.proj_b));
            }
            layer_norm(row, &gammas, &betas, self.eps);
        }
        let mut window = Vec::new();
        let mut h = vec![0.0f32; n * CNN];
        let mut c2 = vec![0.0f32; n * CNN];
        for (i, (b, &(order, left))) in self.branches.iter().zip(&ORDERS).enumerate() {
            let xs: Vec<f32> = x
                .chunks_exact(3 * CNN)
                .flat_map(|r| r[i * CNN..(i + 1) * CNN].iter().copied())
                .collect();
            conv(&xs, n, order, left, &mut window);
            matmul(n, &window, order * CNN, f, b.w1, &mut h, CNN);
            residual(&mut h, f.f32s(b.b1), &xs);
            conv(&h, n, order, left, &mut window);
            matmul(n, &window, order * CNN, f, b.w2, &mut c2, CNN);
            residual(&mut c2, f.f32s(b.b2), &h);
            let off = EMB + i * CNN;
            for (t, r) in c2.chunks_exact(CNN).enumerate() {
                feats[t * FEATS + off..t * FEATS + off + CNN].copy_from_slice(r);
            }
        }
    }

    /// The tokens' features normalised and pooled into the sentence's projection (the mean,
    /// scaled by the square root of the length).
    fn pool(&self, f: &ModelFile, feats: &mut [f32], n: usize) -> Vec<f32> {
        let (g, bt) = (f.f32s(self.ln_g), f.f32s(self.ln_b));
        let mut sum = vec![0.0f32; FEATS];
        for row in feats.chunks_exact_mut(FEATS) {
            layer_norm(row, g, bt, self.eps);
            add(&mut sum, row);
        }
        // The token sum commutes with the linear projection: project once.
        let mut mean = vec![0.0f32; DIMENSIONS];
        matmul(1, &sum, FEATS, f, self.cnn, &mut mean, DIMENSIONS);
        let len = n as f32;
        let inv = 1.0 / len.sqrt();
        for (m, &b) in mean.iter_mut().zip(f.f32s(self.cnn_b)) {
            *m = (*m + len * b) * inv;
        }
        mean
    }

    /// The dense layers on the pooled vector, then tanh and unit length.
    fn head(&self, f: &ModelFile, mean: &[f32]) -> Vec<f32> {
        let mut y0 = vec![0.0f32; HIDDEN];
        matmul(1, mean, EMB, f, self.d0, &mut y0, HIDDEN);
        relu(&mut y0);
        let mut y1 = vec![0.0f32; HIDDEN];
        matmul(1, mean, EMB, f, self.p1, &mut y1, HIDDEN);
        matmul_add(1, &y0, HIDDEN, f, self.d1, &mut y1, HIDDEN);
        relu(&mut y1);
        let mut y2 = vec![0.0f32; EMB];
        matmul(1, &y1, HIDDEN, f, self.d2, &mut y2, EMB);
        relu(&mut y2);
        let mut z = vec![0.0f32; DIMENSIONS];
        matmul(1, &y1, HIDDEN, f, self.p3, &mut z, DIMENSIONS);
        matmul_add(1, &y2, EMB, f, self.d3, &mut z, DIMENSIONS);
        z.iter_mut().for_each(|v| *v = v.tanh());
        let norm = z.iter().map(|v| v * v).sum::<f32>().max(self.eps).sqrt();
        z.iter_mut().for_each(|v| *v /= norm);
        z
    }
}

/// The n-gram windows of a sentence: row t holds tokens t-left .. t-left+order-1, zero outside.
fn conv(x: &[f32], n: usize, order: usize, left: usize, out: &mut Vec<f32>) {
    out.clear();
    out.resize(n * order * CNN, 0.0);
    for t in 0..n {
        for k in 0..order {
            let Some(src) = (t + k).checked_sub(left).filter(|&s| s < n) else {
                continue;
            };
            let dst = (t * order + k) * CNN;
            out[dst..dst + CNN].copy_from_slice(&x[src * CNN..(src + 1) * CNN]);
        }
    }
}

/// `out = relu(out + bias) + skip`, row by row.
fn residual(out: &mut [f32], bias: &[f32], skip: &[f32]) {
    for (row, s) in out.chunks_exact_mut(CNN).zip(skip.chunks_exact(CNN)) {
        for ((o, &b), &s) in row.iter_mut().zip(bias).zip(s) {
            *o = (*o + b).max(0.0) + s;
        }
    }
}

fn add(out: &mut [f32], v: &[f32]) {
    out.iter_mut().zip(v).for_each(|(o, &x)| *o += x);
}

fn relu(v: &mut [f32]) {
    v.iter_mut().for_each(|x| *x = x.max(0.0));
}

fn layer_norm(row: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let dim = row.len() as f32;
    let mean = row.iter().sum::<f32>() / dim;
    row.iter_mut().for_each(|x| *x -= mean);
    let var = row.iter().map(|x| x * x).sum::<f32>() / dim;
    let inv = 1.0 / (var + eps).sqrt();
    for ((x, &g), &b) in row.iter_mut().zip(gamma).zip(beta) {
        *x = *x * inv * g + b;
    }
}

/// `c = a · W` for `m` rows of `a` (row stride `lda`, W's rows wide) into `c` (row stride `ldc`).
fn matmul(m: usize, a: &[f32], lda: usize, f: &ModelFile, w: Dense, c: &mut [f32], ldc: usize) {
    gemm(m, a, lda, f, w, c, ldc, 0.0);
}

/// `c += a · W`.
fn matmul_add(m: usize, a: &[f32], lda: usize, f: &ModelFile, w: Dense, c: &mut [f32], ldc: usize) {
    gemm(m, a, lda, f, w, c, ldc, 1.0);
}

#[allow(clippy::too_many_arguments)]
fn gemm(
    m: usize,
    a: &[f32],
    lda: usize,
    f: &ModelFile,
    w: Dense,
    c: &mut [f32],
    ldc: usize,
    beta: f32,
) {
    let weights = f.f32s(w.w);
    let (k, n) = (w.rows, w.cols);
    assert!(a.len() >= (m - 1) * lda + k && c.len() >= (m - 1) * ldc + n);
    // SAFETY: the bounds above cover every element the kernel reads and writes: a is m × k with
    // row stride lda, W is k × n dense, c is m × n with row stride ldc.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            lda as isize,
            1,
            weights.as_ptr(),
            n as isize,
            1,
            beta,
            c.as_mut_ptr(),
            ldc as isize,
            1,
        );
    }
}
