//! Shared by the benches: synthetic data, the ndnet model, and the hand-fused reference — the
//! headline step written as plain loops over slices, no ndarray, no abstraction: the
//! speed-of-light figure every other one is compared with.
#![allow(dead_code)]
// The reference is written as the plain indexed loops a person would write by hand.
#![allow(clippy::needless_range_loop)]

use ndnet::layers::{Model, Sequential};
use ndnet::ndarray::Array2;
use ndnet::rand::seq::SliceRandom;
use ndnet::rand::{Rng, SeedableRng};
use ndnet::rand_chacha::ChaCha8Rng;

/// `rows` × 10 standardised-looking features and a target that depends on them, from a seed.
pub fn synthetic(rows: usize, seed: u64) -> (Array2<f32>, Array2<f32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((rows, 10), |_| rng.random_range(-2.0f32..2.0));
    let y = Array2::from_shape_fn((rows, 1), |(i, _)| {
        let r = x.row(i);
        0.5 * r[0] - 0.3 * r[1] * r[2] + r[3].max(0.0) + 0.1 * r[4]
    });
    (x, y)
}

pub fn model(seed: u64, widths: &[usize]) -> Sequential<f32> {
    Sequential::mlp(widths, &mut ChaCha8Rng::seed_from_u64(seed)).expect("valid widths")
}

/// Samples per batch the reference holds (a shorter batch is padded with zero rows).
pub const B: usize = 32;
/// A sample's 10 inputs padded to 16 lanes: one AVX-512 register (two AVX2, four SSE) with no
/// remainder. Padding lanes hold zeros and stay zero.
const L: usize = 16;

/// A batch as the reference takes it: feature-major for the forward pass (`x[feature][sample]`,
/// the vectors run over the samples) and by sample for the weight gradient (`rows[sample]`,
/// the vectors run over the inputs, so the sums over the samples stay in order).
pub struct Batch {
    pub x: [[f32; B]; 10],
    pub rows: [[f32; L]; B],
    pub y: [f32; B],
    /// Real samples; the rest are zeros.
    pub n: usize,
}

impl Batch {
    /// Rows `order` of a row-major table (`· × 10`) and its targets.
    pub fn gather(x: &[f32], y: &[f32], order: &[usize]) -> Batch {
        assert!(order.len() <= B, "the reference takes batches of up to {B}");
        let mut batch = Batch { x: [[0.0; B]; 10], rows: [[0.0; L]; B], y: [0.0; B], n: order.len() };
        for (b, &r) in order.iter().enumerate() {
            let row: &[f32; 10] = x[r * 10..].first_chunk().expect("a row of the table");
            batch.rows[b][..10].copy_from_slice(row);
            for c in 0..10 {
                batch.x[c][b] = row[c];
            }
            batch.y[b] = y[r];
        }
        batch
    }
}

/// 10 → 10 → 1 with Keras-preset RMSprop (ρ 0.9, ε 1e-7 inside the root), fused by hand, every
/// loop over a compile-time number of lanes; no ndarray, no abstraction. The forward pass and
/// the gradients at the hidden layer run over the 32 samples (feature-major, as ndnet's
/// buffers are); sums over the samples run in sample order, as ndnet's do, with the weight
/// gradient's vectors over the inputs. Same arithmetic in the same order as ndnet, so the two
/// agree to the last bit (`tests/hand_fused.rs` proves it, in CI, for steps and whole epochs).
/// A short batch is padded with zero samples whose gradient is zero: they add exact zeros to
/// every sum (a sum from +0 is never −0, so adding ±0 leaves it as it is).
pub struct HandFused {
    w1: [[f32; L]; 10], // (unit, input): ndnet's weight transposed, inputs padded
    b1: [f32; 10],
    w2: [f32; 10],
    b2: f32,
    // RMSprop accumulators, laid out as the parameters
    vw1: [[f32; L]; 10],
    vb1: [f32; 10],
    vw2: [f32; 10],
    vb2: f32,
    pub lr: f32,
}

impl HandFused {
    pub fn from_model(m: &Sequential<f32>, batch: usize, lr: f32) -> Self {
        assert!(batch <= B, "the reference takes batches of up to {B}");
        let p = m.snapshot();
        let v = |i: usize| p[i].1.iter().copied().collect::<Vec<f32>>();
        let w1 = v(0); // (input, unit), row-major
        HandFused {
            w1: std::array::from_fn(|j| std::array::from_fn(|i| if i < 10 { w1[i * 10 + j] } else { 0.0 })),
            b1: v(1).try_into().expect("10 biases"),
            w2: v(2).try_into().expect("10 weights"),
            b2: v(3)[0],
            vw1: [[0.0; L]; 10],
            vb1: [0.0; 10],
            vw2: [0.0; 10],
            vb2: 0.0,
            lr,
        }
    }

    /// The parameters in ndnet's order and layout, to compare.
    pub fn params(&self) -> Vec<f32> {
        let mut out: Vec<f32> =
            (0..10).flat_map(|i| (0..10).map(move |j| (i, j))).map(|(i, j)| self.w1[j][i]).collect();
        out.extend(self.b1);
        out.extend(self.w2);
        out.push(self.b2);
        out
    }

    /// One forward + MSE + backward + RMSprop step on a row-major batch (`n` × 10 and `n`).
    pub fn step(&mut self, x: &[f32], y: &[f32]) -> f32 {
        let order: [usize; B] = std::array::from_fn(|i| i);
        self.step_batch(&Batch::gather(x, y, &order[..y.len()]))
    }

    /// The step on a gathered batch.
    pub fn step_batch(&mut self, batch: &Batch) -> f32 {
        let (x, n) = (&batch.x, batch.n);
        // h[j][b] = Σ_p w1[j][p]·x[p][b] + b1[j]: each unit over all samples at once.
        let mut h = [[0.0f32; B]; 10];
        for (h, (w, &bias)) in h.iter_mut().zip(self.w1.iter().zip(&self.b1)) {
            let mut acc = [0.0f32; B];
            for (x, &w) in x.iter().zip(w) {
                for b in 0..B {
                    acc[b] += w * x[b];
                }
            }
            for b in 0..B {
                h[b] = acc[b] + bias;
            }
        }
        // out[b] = Σ_j w2[j]·relu(h[j][b]) + b2; d = out − y; dy = d·(2/n), zero for padding.
        let mut out = [0.0f32; B];
        for (h, &w) in h.iter().zip(&self.w2) {
            for b in 0..B {
                out[b] += w * if h[b] > 0.0 { h[b] } else { 0.0 };
            }
        }
        let scale = 2.0 / n as f32;
        let (mut d, mut dy) = ([0.0f32; B], [0.0f32; B]);
        for b in 0..B {
            d[b] = (out[b] + self.b2) - batch.y[b];
            dy[b] = if b < n { d[b] * scale } else { 0.0 };
        }
        let loss = d[..n].iter().fold(0.0f32, |s, &d| s + d * d);
        // dh[j][b] = dy[b]·w2[j] where h > 0, and dy[b]·relu(h[j][b]): over the samples at once.
        let (mut dh, mut dw2) = ([[0.0f32; B]; 10], [[0.0f32; B]; 10]);
        for (((dh, dw2), h), &w) in dh.iter_mut().zip(&mut dw2).zip(&h).zip(&self.w2) {
            for b in 0..B {
                dh[b] = if h[b] > 0.0 { 0.0 + w * dy[b] } else { 0.0 };
                dw2[b] = dy[b] * if h[b] > 0.0 { h[b] } else { 0.0 };
            }
        }
        // Sums over the samples, in order: db2 = Σ dy, dW2[j] = Σ dy·relu(h[j]), db1[j] = Σ dh[j]
        // (independent chains the CPU overlaps); dW1[j][..] = Σ dh[j][b]·x[b][..], the inputs
        // in lanes.
        let sum = |v: &[f32; B]| v.iter().fold(0.0f32, |s, &v| s + v);
        let gb2 = sum(&dy);
        let gw2: [f32; 10] = std::array::from_fn(|j| sum(&dw2[j]));
        let gb1: [f32; 10] = std::array::from_fn(|j| sum(&dh[j]));
        // Units outer, samples inner: each sum still runs over the samples in order (the same
        // bits), its 16 lanes stay in registers, and `dh[j]` is read as a run. With the samples
        // outer, LLVM vectorised across the units for `-C target-cpu=znver4`, reading
        // `dh[j][b]` with 512-bit gathers and writing `gw1` with scatters — 64 `vgatherdps`,
        // 34 `vgatherqps` and 32 `vscatterqps` in this function, which made that build 5.7×
        // slower than the default one on a Zen 4 (scatters are slow there).
        let mut gw1 = [[0.0f32; L]; 10];
        for (g, dh) in gw1.iter_mut().zip(&dh) {
            for (row, &d) in batch.rows.iter().zip(dh) {
                for i in 0..L {
                    g[i] += row[i] * d;
                }
            }
        }
        let lr = self.lr;
        let upd = |w: &mut [f32], g: &[f32], v: &mut [f32]| {
            for ((w, &g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
                *v = 0.9 * *v + 0.1 * (g * g);
                *w -= lr * g / (*v + 1e-7).sqrt();
            }
        };
        upd(self.w1.as_flattened_mut(), gw1.as_flattened(), self.vw1.as_flattened_mut());
        upd(&mut self.b1, &gb1, &mut self.vb1);
        upd(&mut self.w2, &gw2, &mut self.vw2);
        upd(std::slice::from_mut(&mut self.b2), &[gb2], std::slice::from_mut(&mut self.vb2));
        loss / n as f32
    }

    /// One reshuffled epoch over `x` (row-major, rows × 10) and `y`: rows in file order shuffled
    /// by `rng` (as ndnet's `Batches` does with the Trainer's RNG), each batch gathered by
    /// [`Batch::gather`]. Returns the mean loss over the samples, summed in f64 as the
    /// `Trainer` sums it.
    pub fn epoch(&mut self, x: &[f32], y: &[f32], batch: usize, scratch: &mut Scratch, rng: &mut ChaCha8Rng) -> f64 {
        let order = &mut scratch.order;
        order.clear();
        order.extend(0..y.len());
        order.shuffle(rng);
        let mut total = 0.0;
        for chunk in order.chunks(batch) {
            total += f64::from(self.step_batch(&Batch::gather(x, y, chunk))) * chunk.len() as f64;
        }
        total / y.len() as f64
    }
}

/// Buffers the hand-fused epoch reuses.
#[derive(Default)]
pub struct Scratch {
    order: Vec<usize>,
}
