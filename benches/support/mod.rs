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

/// 10 → 10 → 1 with Keras-preset RMSprop (ρ 0.9, ε 1e-7 inside the root), fused by hand: the
/// shapes are compile-time constants, so every loop has a fixed trip count the compiler unrolls
/// and vectorises, with no bounds checks. Summation orders match ndnet's, so the two agree to
/// the last bit (`tests/hand_fused.rs` proves it, in CI, for steps and for whole epochs).
pub struct HandFused {
    w1: [[f32; 10]; 10], // (input, output)
    b1: [f32; 10],
    w2: [f32; 10],
    b2: f32,
    // gradients, RMSprop accumulators, per-row pre-activations and output gradients
    gw1: [[f32; 10]; 10],
    gb1: [f32; 10],
    gw2: [f32; 10],
    gb2: f32,
    vw1: [[f32; 10]; 10],
    vb1: [f32; 10],
    vw2: [f32; 10],
    vb2: f32,
    h: Vec<[f32; 10]>,
    dy: Vec<f32>,
    pub lr: f32,
}

impl HandFused {
    pub fn from_model(m: &Sequential<f32>, batch: usize, lr: f32) -> Self {
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
            h: vec![[0.0; 10]; batch],
            dy: vec![0.0; batch],
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

    /// One forward + MSE + backward + RMSprop step on `n` rows of `x` (n × 10) and `y` (n).
    pub fn step(&mut self, x: &[f32], y: &[f32]) -> f32 {
        let n = y.len();
        let x: &[[f32; 10]] = x.as_chunks().0;
        let scale = 2.0 / n as f32;
        let mut loss = 0.0;
        for ((xr, h), (&target, dy)) in x.iter().zip(&mut self.h).zip(y.iter().zip(&mut self.dy)) {
            let mut acc = [0.0f32; 10];
            for (&xi, w) in xr.iter().zip(&self.w1) {
                for j in 0..10 {
                    acc[j] += xi * w[j];
                }
            }
            for j in 0..10 {
                h[j] = acc[j] + self.b1[j];
            }
            let mut out = 0.0;
            for j in 0..10 {
                out += h[j].max(0.0) * self.w2[j];
            }
            let d = (out + self.b2) - target;
            loss += d * d;
            *dy = d * scale;
        }
        // dW2 = reluᵀ·dy, db2 = Σ dy, dW1 = xᵀ·dh, db1 = Σ dh, each summed over rows in order.
        self.gw1 = [[0.0; 10]; 10];
        self.gb1 = [0.0; 10];
        self.gw2 = [0.0; 10];
        self.gb2 = 0.0;
        for ((xr, h), &dy) in x.iter().zip(&self.h).zip(&self.dy) {
            self.gb2 += dy;
            let mut dh = [0.0f32; 10];
            for j in 0..10 {
                self.gw2[j] += h[j].max(0.0) * dy;
                dh[j] = if h[j] > 0.0 { dy * self.w2[j] } else { 0.0 };
            }
            for (&xi, g) in xr.iter().zip(&mut self.gw1) {
                for j in 0..10 {
                    g[j] += xi * dh[j];
                }
            }
            for j in 0..10 {
                self.gb1[j] += dh[j];
            }
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

    /// One epoch over `x`/`y`: rows in file order shuffled by `rng` (as ndnet's `Batches` does
    /// with the Trainer's RNG), each batch gathered contiguously into `xb`/`yb`.
    /// One reshuffled epoch; returns the mean loss over its samples, summed in f64 as the
    /// `Trainer` sums it.
    pub fn epoch(&mut self, x: &[f32], y: &[f32], batch: usize, scratch: &mut Scratch, rng: &mut ChaCha8Rng) -> f64 {
        let Scratch { order, xb, yb } = scratch;
        order.clear();
        order.extend(0..y.len());
        order.shuffle(rng);
        let mut total = 0.0;
        for chunk in order.chunks(batch) {
            xb.clear();
            yb.clear();
            for &r in chunk.iter() {
                xb.extend_from_slice(&x[r * 10..r * 10 + 10]);
                yb.push(y[r]);
            }
            total += f64::from(self.step(xb, yb)) * chunk.len() as f64;
        }
        total / y.len() as f64
    }
}

/// Buffers the hand-fused epoch reuses.
#[derive(Default)]
pub struct Scratch {
    order: Vec<usize>,
    xb: Vec<f32>,
    yb: Vec<f32>,
}
