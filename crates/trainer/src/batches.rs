//! [`Batches`]: mini-batches over a table, reshuffled per epoch. Each shuffle gathers the rows
//! into a second copy of the table in one pass; batches are then contiguous views of it.
//!
//! ```
//! use ndnet_trainer::Batches;
//! use rand::SeedableRng;
//! let x = ndarray::Array2::from_shape_fn((5, 2), |(i, j)| (i * 2 + j) as f32);
//! let y = ndarray::Array2::from_shape_fn((5, 1), |(i, _)| i as f32);
//! let mut b = Batches::new(x, y, 2).unwrap();
//! assert_eq!(b.len(), 3); // 2 + 2 + 1: the last partial batch is kept
//! b.reorder(Some(&mut rand_chacha::ChaCha8Rng::seed_from_u64(0)));
//! let (xb, yb) = b.get(2);
//! assert_eq!((xb.nrows(), yb.nrows()), (1, 1));
//! ```

use ndarray::{Array2, ArrayView2, Axis, NdFloat, Slice};
use rand::Rng;
use rand::seq::SliceRandom;

use crate::Result;
use crate::error::config;

/// Mini-batches of `batch_size` rows (the last one may be smaller) in a per-epoch order.
///
/// Holds the table twice (as given, and in the current shuffled order), so a batch is a view:
/// one sequential gather per epoch costs less than a scattered gather per batch.
#[derive(Debug, Clone)]
pub struct Batches<F> {
    x: Array2<F>,
    y: Array2<F>,
    order: Vec<usize>,
    batch_size: usize,
    /// The rows of `x` and `y` in `order`, when it is not the identity.
    shuffled: Option<(Array2<F>, Array2<F>)>,
}

impl<F: NdFloat> Batches<F> {
    /// Batches over the rows of `x` and `y`.
    ///
    /// Errors when `batch_size` is 0, the table is empty, or `x` and `y` differ in rows.
    pub fn new(x: Array2<F>, y: Array2<F>, batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            return Err(config("batch_size", 0, "≥ 1"));
        }
        if x.nrows() == 0 || x.nrows() != y.nrows() {
            return Err(config("rows", format!("{} features, {} targets", x.nrows(), y.nrows()), "the same, ≥ 1"));
        }
        Ok(Batches { order: (0..x.nrows()).collect(), batch_size, shuffled: None, x, y })
    }

    /// Number of batches.
    pub fn len(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }

    /// Always false: a `Batches` has at least one row.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.order.len()
    }

    /// Starts an epoch: rows in file order, then shuffled when an RNG is given. Allocates only
    /// on the first shuffle (the second copy of the table).
    pub fn reorder<R: Rng + ?Sized>(&mut self, rng: Option<&mut R>) {
        for (i, o) in self.order.iter_mut().enumerate() {
            *o = i;
        }
        let Some(rng) = rng else {
            self.shuffled = None;
            return;
        };
        self.order.shuffle(rng);
        let (sx, sy) = self.shuffled.get_or_insert_with(|| (self.x.clone(), self.y.clone()));
        for (table, copy) in [(&self.x, sx), (&self.y, sy)] {
            for (mut row, &src) in copy.rows_mut().into_iter().zip(&self.order) {
                match (row.as_slice_mut(), table.row(src).as_slice()) {
                    (Some(dst), Some(src)) => dst.copy_from_slice(src),
                    _ => row.assign(&table.row(src)),
                }
            }
        }
    }

    /// Batch `i` of the current order.
    ///
    /// # Panics
    /// When `i >= self.len()`.
    pub fn get(&self, i: usize) -> (ArrayView2<'_, F>, ArrayView2<'_, F>) {
        assert!(i < self.len(), "batch {i} of {}", self.len());
        let (x, y) = self.shuffled.as_ref().map_or((&self.x, &self.y), |(x, y)| (x, y));
        let rows = Slice::from(i * self.batch_size..((i + 1) * self.batch_size).min(self.order.len()));
        (x.slice_axis(Axis(0), rows), y.slice_axis(Axis(0), rows))
    }
}
