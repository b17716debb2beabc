//! Seeded train / validation / test splits.
//!
//! ```
//! use ndnet_data::{Dataset, Split};
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
        let (n_val, n_test) = part_sizes(n, val_fraction, test_fraction)?;
        let order = shuffled(n, seed);
        let (val, rest) = order.split_at(n_val);
        let (test, train) = rest.split_at(n_test);
        Ok([val.to_vec(), test.to_vec(), train.to_vec()])
    }

    /// The rows of each of `k` folds of `n` rows (indices `0..n`, each fold sorted): for classes
    /// (`classes[i]` is row `i`'s class index), each class's rows in a seeded order dealt
    /// round-robin over the folds (as scikit-learn's `StratifiedKFold`), so each fold keeps the
    /// class shares; else a seeded shuffle cut into `k` nearly equal parts.
    ///
    /// ```
    /// let folds = ndnet_data::Split::k_folds(None, 10, 3, 1);
    /// assert_eq!(folds.iter().map(Vec::len).collect::<Vec<_>>(), [4, 3, 3]);
    /// let classes = [0, 0, 0, 1, 1, 1];
    /// for fold in ndnet_data::Split::k_folds(Some(&classes), 6, 3, 1) {
    ///     assert_eq!(fold.iter().filter(|&&r| classes[r] == 1).count(), 1);
    /// }
    /// ```
    pub fn k_folds(classes: Option<&[usize]>, n: usize, k: usize, seed: u64) -> Vec<Vec<usize>> {
        let order = shuffled(n, seed);
        let mut folds = vec![Vec::new(); k.max(1)];
        let k = folds.len();
        match classes {
            Some(classes) => {
                let mut next = 0;
                let count = classes.iter().max().map_or(0, |&c| c + 1);
                for class in 0..count {
                    for &r in order.iter().filter(|&&r| classes[r] == class) {
                        folds[next % k].push(r);
                        next += 1;
                    }
                }
            }
            None => order.iter().enumerate().for_each(|(i, &r)| folds[i * k / n.max(1)].push(r)),
        }
        folds.iter_mut().for_each(|f| f.sort_unstable());
        folds
    }

    /// As [`Split::indices`], keeping each class's share in every part (scikit-learn's
    /// `train_test_split(stratify=y)`): `classes[i]` is row `i`'s class index. The parts have
    /// the sizes `indices` gives; each class contributes its share of a part rounded by largest
    /// remainder (ties to the smaller class index), so the shares differ from the table's by less
    /// than one row per class. Each part lists its rows in the seeded shuffle's order.
    ///
    /// ```
    /// let classes: Vec<usize> = (0..100).map(|i| usize::from(i % 10 == 0)).collect(); // 10 % class 1
    /// let [val, test, train] = ndnet_data::Split::stratified_indices(&classes, 0.2, 0.2, 7).unwrap();
    /// let ones = |rows: &[usize]| rows.iter().filter(|&&r| classes[r] == 1).count();
    /// assert_eq!((val.len(), test.len(), train.len()), (20, 20, 60));
    /// assert_eq!((ones(&val), ones(&test), ones(&train)), (2, 2, 6));
    /// ```
    ///
    /// Errors as [`Split::indices`] does.
    pub fn stratified_indices(
        classes: &[usize],
        val_fraction: f64,
        test_fraction: f64,
        seed: u64,
    ) -> Result<[Vec<usize>; 3]> {
        let n = classes.len();
        let (n_val, n_test) = part_sizes(n, val_fraction, test_fraction)?;
        let order = shuffled(n, seed);
        let k = classes.iter().max().map_or(0, |&c| c + 1);
        let mut groups = vec![Vec::new(); k];
        for &r in &order {
            groups[classes[r]].push(r);
        }
        let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        let val_counts = allocate(&sizes, n_val);
        let left: Vec<usize> = sizes.iter().zip(&val_counts).map(|(s, v)| s - v).collect();
        let test_counts = allocate(&left, n_test);
        let mut part_of = vec![2u8; n];
        for ((group, &v), &t) in groups.iter().zip(&val_counts).zip(&test_counts) {
            group[..v].iter().for_each(|&r| part_of[r] = 0);
            group[v..v + t].iter().for_each(|&r| part_of[r] = 1);
        }
        let mut parts = [Vec::with_capacity(n_val), Vec::with_capacity(n_test), Vec::with_capacity(n - n_val - n_test)];
        for &r in &order {
            parts[usize::from(part_of[r])].push(r);
        }
        Ok(parts)
    }
}

/// The validation and test sizes of `n` rows, after checking the fractions.
fn part_sizes(n: usize, val_fraction: f64, test_fraction: f64) -> Result<(usize, usize)> {
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
        let taken = n_val + n_test;
        let allowed = format!("fractions that leave training rows (these take {taken} of the {n} rows)");
        return Err(config("val_fraction + test_fraction", format!("{val_fraction:?} + {test_fraction:?}"), allowed));
    }
    Ok((n_val, n_test))
}

/// `0..n` in the order of a shuffle seeded with `seed`.
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order
}

/// `total` spread over groups of `sizes` in proportion, by largest remainder (ties to the first
/// group), never more than a group has.
fn allocate(sizes: &[usize], total: usize) -> Vec<usize> {
    let all: usize = sizes.iter().sum();
    if all == 0 {
        return vec![0; sizes.len()];
    }
    let exact: Vec<f64> = sizes.iter().map(|&s| total as f64 * s as f64 / all as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    let mut left = total - counts.iter().sum::<usize>();
    for &g in order.iter().cycle().take(sizes.len() * 2) {
        if left == 0 {
            break;
        }
        if counts[g] < sizes[g] {
            counts[g] += 1;
            left -= 1;
        }
    }
    counts
}
