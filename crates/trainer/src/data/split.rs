//! Seeded train / validation / test splits.
//!
//! ```
//! use ndnet_trainer::{Dataset, Split};
//! let d = Dataset { x: ndarray::Array2::zeros((10, 1)), y: ndarray::Array2::zeros((10, 1)),
//!                   feature_names: vec!["a".into()], target_name: "t".into() };
//! let s = Split::new(&d, 0.2, 0.1, 42).unwrap();
//! assert_eq!((s.train.len(), s.validation.len(), s.test.len()), (7, 2, 1));
//! ```

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::config;
use crate::{Dataset, Result};

/// A dataset cut into three disjoint parts after a seeded shuffle.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Rows to fit on.
    pub train: Dataset,
    /// Rows to pick epochs and hyper-parameters on.
    pub validation: Dataset,
    /// Rows held out until the end.
    pub test: Dataset,
}

impl Split {
    /// Shuffles the rows with `seed`, then takes `round(n·val_fraction)` rows for validation,
    /// `round(n·test_fraction)` for test, and the rest for training.
    ///
    /// Errors when a fraction is outside [0, 1), they sum to 1 or more, or no training row is
    /// left.
    pub fn new(data: &Dataset, val_fraction: f64, test_fraction: f64, seed: u64) -> Result<Split> {
        let [val, test, train] = Self::indices(data.len(), val_fraction, test_fraction, seed)?;
        Ok(Split { train: data.select(&train), validation: data.select(&val), test: data.select(&test) })
    }

    /// The row indices of the three parts of `n` rows, `[validation, test, train]`, as
    /// [`Split::new`] takes them. Errors as [`Split::new`] does.
    pub fn indices(n: usize, val_fraction: f64, test_fraction: f64, seed: u64) -> Result<[Vec<usize>; 3]> {
        for (name, f) in [("val_fraction", val_fraction), ("test_fraction", test_fraction)] {
            if !(0.0..1.0).contains(&f) {
                return Err(config(name, f, "in [0, 1)"));
            }
        }
        if val_fraction + test_fraction >= 1.0 {
            return Err(config("val_fraction + test_fraction", val_fraction + test_fraction, "< 1"));
        }
        let n_val = (n as f64 * val_fraction).round() as usize;
        let n_test = (n as f64 * test_fraction).round() as usize;
        if n_val + n_test >= n {
            return Err(config("rows", n, format!("more than the {} validation and test rows", n_val + n_test)));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let (val, rest) = order.split_at(n_val);
        let (test, train) = rest.split_at(n_test);
        Ok([val.to_vec(), test.to_vec(), train.to_vec()])
    }
}
