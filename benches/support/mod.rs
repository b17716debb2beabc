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

/// 10 → 10 → 1 with Keras-preset RMSprop (ρ 0.9, ε 1e-7 inside the root), fused by hand and
/// laid out feature-major like ndnet's buffers: a batch is `x[feature][sample]`, and every loop
/// that can runs over the (up to 32) samples, so it vectorises at the width the bench is built
/// for (`tools/bench/run` builds it for the default target and for the native CPU). Shapes are
/// compile-time constants; no ndarray, no abstraction. Summation orders match ndnet's (each sum
/// from zero, in order), so the two agree to the last bit (`tests/hand_fused.rs` proves it, in
/// CI, for steps and for whole epochs).
pub struct HandFused {
    w1: [[f32; 10]; 10], // [input][output]
    b1: [f32; 10],
    w2: [f32; 10],
    b2: f32,
    // gradients and RMSprop accumulators
    gw1: [[f32; 10]; 10],
    gb1: [f32; 10],
    gw2: [f32; 10],
    gb2: f32,
    vw1: [[f32; 10]; 10],
    vb1: [f32; 10],
    vw2: [f32; 10],
    vb2: f32,
    // per batch: pre-activations h[unit][sample], output gradients, ReLU'd gradients by sample
    h: [[f32; B]; 10],
    dy: [f32; B],
    dh: [[f32; 10]; B],
    pub lr: f32,
}

/// The largest batch the reference takes.
pub const B: usize = 32;

impl HandFused {
    pub fn from_model(m: &Sequential<f32>, batch: usize, lr: f32) -> Self {
        assert!(batch <= B, "the reference takes batches of up to {B}");
        let p = m.snapshot();
        let v = |i: usize| p[i].1.iter().copied().collect::<Vec<f32>>();
        let row = |v: &[f32]| -> [f32; 10] { v.try_into().expect("10 wide") };
        let w1 = v(0);
        HandFused {
            w1: std::array::from_fn(|i| row(&w1[i * 10..i * 10 + 10])),
            b1: row(&v(1)),
            w2: row(&v(2)),
            b2: v(3)[0],
            gw1: [[0.0; 10]; 10],
            gb1: [0.0; 10],
            gw2: [0.0; 10],
            gb2: 0.0,
            vw1: [[0.0; 10]; 10],
            vb1: [0.0; 10],
            vw2: [0.0; 10],
            vb2: 0.0,
            h: [[0.0; B]; 10],
            dy: [0.0; B],
            dh: [[0.0; 10]; B],
            lr,
        }
    }

    /// The parameters in ndnet's order and layout, to compare.
    pub fn params(&self) -> Vec<f32> {
        let mut out: Vec<f32> = self.w1.iter().flatten().copied().collect();
        out.extend(self.b1);
        out.extend(self.w2);
        out.push(self.b2);
        out
    }

    /// One forward + MSE + backward + RMSprop step on a feature-major batch: `x[c·n + b]` is
    /// feature c of sample b (n = y.len() ≤ 32).
    pub fn step(&mut self, x: &[f32], y: &[f32]) -> f32 {
        let n = y.len();
        let x: [&[f32]; 10] = std::array::from_fn(|c| &x[c * n..(c + 1) * n]);
        // h[j][b] = Σ_p w1[p][j]·x[p][b] + b1[j]: over the samples, one input at a time.
        for (j, h) in self.h.iter_mut().enumerate() {
            let h = &mut h[..n];
            h.fill(0.0);
            for (w, x) in self.w1.iter().zip(&x) {
                let w = w[j];
                h.iter_mut().zip(x.iter()).for_each(|(h, &x)| *h += w * x);
            }
            let b = self.b1[j];
            h.iter_mut().for_each(|h| *h += b);
        }
        // out[b] = Σ_j w2[j]·relu(h[j][b]) + b2; d = out − y; loss Σ d²; dy = d·(2/n).
        let mut out = [0.0f32; B];
        for (h, &w) in self.h.iter().zip(&self.w2) {
            out[..n].iter_mut().zip(&h[..n]).for_each(|(o, &h)| *o += w * h.max(0.0));
        }
        let scale = 2.0 / n as f32;
        let mut loss = 0.0;
        for b in 0..n {
            let d = (out[b] + self.b2) - y[b];
            loss += d * d;
            self.dy[b] = d * scale;
        }
        // dW2[j] = Σ_b relu(h)·dy, db2 = Σ_b dy; dh = dy·w2 (from zero, as ndnet's product
        // sums it), zero where h ≤ 0; stored by sample for dW1 = xᵀ·dh, db1 = Σ_b dh.
        self.gb2 = self.dy[..n].iter().fold(0.0, |s, &d| s + d);
        for (j, h) in self.h.iter().enumerate() {
            self.gw2[j] = h[..n].iter().zip(&self.dy[..n]).fold(0.0, |s, (&h, &d)| s + h.max(0.0) * d);
            for b in 0..n {
                self.dh[b][j] = if h[b] > 0.0 { 0.0 + self.w2[j] * self.dy[b] } else { 0.0 };
            }
        }
        self.gw1 = [[0.0; 10]; 10];
        self.gb1 = [0.0; 10];
        for (b, dh) in self.dh[..n].iter().enumerate() {
            for (g, x) in self.gw1.iter_mut().zip(&x) {
                let x = x[b];
                g.iter_mut().zip(dh).for_each(|(g, &d)| *g += x * d);
            }
            self.gb1.iter_mut().zip(dh).for_each(|(g, &d)| *g += d);
        }
        let lr = self.lr;
        let upd = |w: &mut [f32], g: &[f32], v: &mut [f32]| {
            for ((w, &g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
                *v = 0.9 * *v + 0.1 * (g * g);
                *w -= lr * g / (*v + 1e-7).sqrt();
            }
        };
        upd(self.w1.as_flattened_mut(), self.gw1.as_flattened(), self.vw1.as_flattened_mut());
        upd(&mut self.b1, &self.gb1, &mut self.vb1);
        upd(&mut self.w2, &self.gw2, &mut self.vw2);
        upd(std::slice::from_mut(&mut self.b2), &[self.gb2], std::slice::from_mut(&mut self.vb2));
        loss / n as f32
    }

    /// One reshuffled epoch over `x` (row-major, rows × 10) and `y`: rows in file order shuffled
    /// by `rng` (as ndnet's `Batches` does with the Trainer's RNG), each batch gathered
    /// feature-major into `xb`. Returns the mean loss over the samples, summed in f64 as the
    /// `Trainer` sums it.
    pub fn epoch(&mut self, x: &[f32], y: &[f32], batch: usize, scratch: &mut Scratch, rng: &mut ChaCha8Rng) -> f64 {
        let Scratch { order, xb, yb } = scratch;
        order.clear();
        order.extend(0..y.len());
        order.shuffle(rng);
        let mut total = 0.0;
        for chunk in order.chunks(batch) {
            let n = chunk.len();
            xb.resize(n * 10, 0.0);
            yb.clear();
            for (b, &r) in chunk.iter().enumerate() {
                for (d, &v) in xb[b..].iter_mut().step_by(n).zip(&x[r * 10..r * 10 + 10]) {
                    *d = v;
                }
                yb.push(y[r]);
            }
            total += f64::from(self.step(xb, yb)) * n as f64;
        }
        total / y.len() as f64
    }
}

/// A row-major batch (`rows × 10`) rewritten feature-major, as [`HandFused::step`] takes it.
pub fn feature_major(x: &[f32]) -> Vec<f32> {
    let n = x.len() / 10;
    (0..10).flat_map(|c| (0..n).map(move |b| x[b * 10 + c])).collect()
}

/// Buffers the hand-fused epoch reuses.
#[derive(Default)]
pub struct Scratch {
    order: Vec<usize>,
    xb: Vec<f32>,
    yb: Vec<f32>,
}
