//! # ndnet-charts
//!
//! The pictures of a run, as SVG from plain numbers, each written atomically: loss curves and
//! bands of mean ± sd over seeds ([`plot_loss`], [`plot_bands`]), predicted against actual, the
//! confusion matrix, the ROC curve and a metric per cross-validation fold.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("ndnet-charts-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("roc.svg");
//! ndnet_charts::plot_roc(&path, &[(0.0, 0.0), (0.2, 0.8), (1.0, 1.0)], 0.8, "test rows").unwrap();
//! assert!(std::fs::read_to_string(&path).unwrap().starts_with("<svg"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod charts;
mod curves;
mod error;
mod plot;

pub use charts::{MAX_POINTS, plot_confusion, plot_folds, plot_predicted_vs_actual, plot_roc};
pub use curves::{Band, plot_bands, plot_loss};
pub use error::{ChartError, Result};
