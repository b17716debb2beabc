//! # ndnet-data
//!
//! Tabular data, usable without training (as scikit-learn's preprocessing is): a CSV
//! [`Table`] read once with the line of every row, its [`Cell`]s, a [`Pipeline`] fitted on
//! training rows only (missing values, numbers, yes/no, one-hot or embedded categories, scalers,
//! the target's encoding) and saved with a model, [`ColumnProfile`]s for input checks, seeded
//! [`Split`]s, and [`Prepared`] arrays for every part of a split.
//!
//! ```
//! use ndnet_data::{Missing, PipelineConfig, Prepared, Table};
//! let csv = b"price,rooms,town\n100,3,Albany\n150,,Troy\n120,4,Troy\n130,3,Albany\n";
//! let table = Table::from_csv_bytes(csv, "t.csv".as_ref()).unwrap();
//! let config = PipelineConfig::new("price").with_missing(Missing::Median);
//! let p = Prepared::<f32>::from_table(&table, &config, 0.0, 0.25, 7).unwrap();
//! assert_eq!(p.pipeline.feature_names(), ["rooms", "town=Albany", "town=Troy"]);
//! assert_eq!((p.train_x.nrows(), p.test_x.nrows()), (3, 1));
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod cell;
mod column;
mod dataset;
mod date;
mod error;
mod number_scaling;
mod pipeline;
mod prepare;
mod profile;
mod split;
mod standardizer;
mod table;
mod target;

pub use cell::{CASED_MISSING_MARKERS, Cell, MISSING_MARKERS};
pub use dataset::Dataset;
pub use date::{YEAR, date_inputs, date_width, days_since_epoch};
pub use error::{DataError, Result, Setting};
pub use number_scaling::{CLIP, NumberScaling, NumberTransform, normal_quantile, smooth_clip};
pub use pipeline::{
    ColumnCategories, ColumnEncoder, DataSummary, EncodeCounts, InputGroup, Missing, Pipeline, PipelineConfig,
    UnknownCategory,
};
pub use prepare::{Prepared, SplitRows, Standardize};
pub use profile::{ColumnCheck, ColumnProfile, Finding, InputReport};
pub use split::Split;
pub use standardizer::Standardizer;
pub use table::Table;
pub use target::{DEFAULT_MAX_CLASSES, MAX_AUTO_CLASSES, TargetEncoder, Task, probabilities};

/// `v` rounded to the nearest `F` (exact for `f64`).
pub(crate) fn cast<F: ndarray::NdFloat>(v: f64) -> F {
    F::from(v).unwrap_or_else(F::nan)
}
