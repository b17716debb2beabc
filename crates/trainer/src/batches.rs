//! [`Batches`]: mini-batches over a table, reshuffled per epoch, gathered into reused buffers.
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

use ndarray::{Array2, ArrayView2, Axis, CowArray, Ix2, NdFloat, Slice};
use ndnet_layers::Buffer;
use rand::Rng;
use rand::seq::SliceRandom;

use crate::Result;
use crate::error::config;

/// Mini-batches of `batch_size` rows (the last one may be smaller) in a per-epoch order.
///
/// Unshuffled batches are views of the table; shuffled ones are gathered into reused buffers,
/// the features feature-major (column-major, as a model's own buffers are, so the first layer's
/// kernel runs over the batch). (Gathering the whole table once per epoch and viewing that copy
/// measured the same time on the headline epoch, for twice the memory.)
///
/// The table is owned ([`Batches::new`]) or borrowed ([`Batches::of`]: no copy of a large one).
#[derive(Debug, Clone)]
pub struct Batches<'a, F> {
    x: CowArray<'a, F, Ix2>,
    y: CowArray<'a, F, Ix2>,
    order: Vec<usize>,
    batch_size: usize,
    /// Whether `order` is shuffled (else batches are views of `x` and `y`).
    shuffled: bool,
    /// The current batch, gathered: `xb` feature-major (`batch_size × features`, column-major),
    /// `yb` row-major.
    xb: Buffer<F>,
    yb: Array2<F>,
}

impl<F: NdFloat> Batches<'static, F> {
    /// Batches over the rows of `x` and `y`, which they own.
    ///
    /// Errors when `batch_size` is 0, the table is empty, or `x` and `y` differ in rows.
    pub fn new(x: Array2<F>, y: Array2<F>, batch_size: usize) -> Result<Self> {
        Batches::with(CowArray::from(x), CowArray::from(y), batch_size)
    }
}

impl<'a, F: NdFloat> Batches<'a, F> {
    /// Batches over the rows of `x` and `y`, borrowed: a training table is not copied.
    ///
    /// ```
    /// let (x, y) = (ndarray::Array2::<f32>::zeros((5, 2)), ndarray::Array2::<f32>::zeros((5, 1)));
    /// let b = ndnet_trainer::Batches::of(x.view(), y.view(), 2).unwrap();
    /// assert_eq!((b.len(), b.rows()), (3, 5));
    /// ```
    ///
    /// Errors as [`Batches::new`].
    pub fn of(x: ArrayView2<'a, F>, y: ArrayView2<'a, F>, batch_size: usize) -> Result<Self> {
        Batches::with(CowArray::from(x), CowArray::from(y), batch_size)
    }

    fn with(x: CowArray<'a, F, Ix2>, y: CowArray<'a, F, Ix2>, batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            return Err(config("batch_size", 0, "≥ 1"));
        }
        if x.nrows() == 0 || x.nrows() != y.nrows() {
            return Err(config("rows", format!("{} features, {} targets", x.nrows(), y.nrows()), "the same, ≥ 1"));
        }
        let rows = batch_size.min(x.nrows());
        Ok(Batches {
            order: (0..x.nrows()).collect(),
            batch_size,
            shuffled: false,
            xb: Buffer::default(),
            yb: Array2::zeros((rows, y.ncols())),
            x,
            y,
        })
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
        self.shuffled = rng.is_some();
        if let Some(rng) = rng {
            self.order.shuffle(rng);
        }
    }

    /// Batch `i` of the current order.
    ///
    /// # Panics
    /// When `i >= self.len()`.
    pub fn get(&mut self, i: usize) -> (ArrayView2<'_, F>, ArrayView2<'_, F>) {
        assert!(i < self.len(), "batch {i} of {}", self.len());
        let range = i * self.batch_size..((i + 1) * self.batch_size).min(self.order.len());
        if !self.shuffled {
            let rows = Slice::from(range);
            return (self.x.slice_axis(Axis(0), rows), self.y.slice_axis(Axis(0), rows));
        }
        let n = range.len();
        let order = &self.order[range];
        let wy = self.y.ncols();
        match (self.y.as_slice(), self.yb.as_slice_mut()) {
            (Some(y), Some(dy)) if wy == 1 => dy.iter_mut().zip(order).for_each(|(d, &r)| *d = y[r]),
            (Some(y), Some(dy)) => {
                for (&r, dy) in order.iter().zip(dy.chunks_exact_mut(wy)) {
                    dy.copy_from_slice(&y[r * wy..(r + 1) * wy]);
                }
            }
            _ => self.yb.rows_mut().into_iter().zip(order).for_each(|(mut d, &r)| d.assign(&self.y.row(r))),
        }
        (self.xb.gather(self.x.view(), order), self.yb.slice_axis(Axis(0), Slice::from(0..n)))
    }
}
