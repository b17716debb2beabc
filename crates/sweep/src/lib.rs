//! # ndnet-sweep
//!
//! Comparison sweeps: many independent runs (optimizer × learning rate × seed) on every core of
//! one machine, with outputs byte-identical for any thread count, or split into [`Shard`]s that
//! a batch scheduler runs on many machines and [`merge_shards`] joins; [`CurveStats`] summarise
//! the runs of one optimizer as mean ± sd per epoch. [`run_parallel`] is the pool any set of
//! independent jobs (cross-validation folds) runs on.
//!
//! ```
//! let squares = ndnet_sweep::run_parallel(&[1, 2, 3], 2, |&x| x * x);
//! assert_eq!(squares, [1, 4, 9]); // in job order, whatever the threads did
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod curves;
mod error;
mod sweep;

pub use curves::{CurveStats, mean_sd};
pub use error::{Result, SweepError};
pub use sweep::{
    Shard, SweepJob, SweepRun, curves_csv, merge_shards, read_curves, run_parallel, run_sweep, write_shard,
};
