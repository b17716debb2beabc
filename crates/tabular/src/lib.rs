//! # ndnet-tabular
//!
//! The layers the tabular deep-learning literature found to matter, as layer kinds of a model
//! description: numerical embeddings — [`PiecewiseLinear`] (Gorishniy et al. 2022, with bins
//! from quantiles or a tree, [`quantile_bins`], [`tree_bins`]), [`Periodic`] (PLR and its lite
//! variant) and RealMLP's [`Pbld`] (Holzmüller et al. 2024); and the parameter-efficient
//! ensembles of TabM (Gorishniy et al. 2024): [`EnsembleView`], [`EnsembleDense`] (BatchEnsemble
//! and TabM-mini's shared blocks) and [`EnsembleHead`]. Each has hand-written forward and
//! backward passes, checked against the reference packages (`rtdl_num_embeddings`, `pytabkit`)
//! on fixtures and by the gradient checker.
//!
//! [`registry`] is ndnet's own layer kinds and these: what `ndnet` reads model files with.
//!
//! ```
//! use ndnet_layers::{DenseSpec, ModelSpec, Relu};
//! use ndnet_tabular::{PiecewiseLinearSpec, quantile_bins};
//! let column: Vec<f64> = (0..100).map(|i| (i as f64).sqrt()).collect();
//! let bins = quantile_bins(&column, 8);
//! let spec = ModelSpec::new(3)
//!     .push(&PiecewiseLinearSpec::new(vec![0], vec![bins], 4))
//!     .push(&DenseSpec::new(16)).push(&Relu).push(&DenseSpec::new(1));
//! let model = spec.build::<f32>(&ndnet_tabular::registry(), 7).unwrap();
//! assert_eq!(model.summary(3).unwrap().rows[0].output_width, 4 + 2);
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]
// The passes index several arrays by the same bin, frequency and output: written as the formulas.
#![allow(clippy::needless_range_loop)]

mod bins;
mod columns;
mod ensemble_dense;
mod ensemble_head;
mod ensemble_view;
mod members;
mod pbld;
mod periodic;
mod piecewise_linear;
mod stacked;

pub use bins::{quantile_bins, tree_bins};
pub use ensemble_dense::{Adapters, EnsembleDense, EnsembleDenseSpec, ScalingInit};
pub use ensemble_head::{EnsembleHead, EnsembleHeadSpec};
pub use ensemble_view::{EnsembleView, EnsembleViewSpec, MAX_MEMBERS};
pub use members::{Combine, Members};
pub use pbld::{Pbld, PbldSpec};
pub use periodic::{Periodic, PeriodicSpec};
pub use piecewise_linear::{MAX_BINS, PiecewiseLinear, PiecewiseLinearSpec};

use ndnet_layers::Registry;

/// ndnet's built-in layer kinds and this crate's.
pub fn registry() -> Registry {
    Registry::builtin()
        .with::<PiecewiseLinearSpec>()
        .with::<PeriodicSpec>()
        .with::<PbldSpec>()
        .with::<EnsembleViewSpec>()
        .with::<EnsembleDenseSpec>()
        .with::<EnsembleHeadSpec>()
}
