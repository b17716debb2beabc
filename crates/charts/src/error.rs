//! The one error type of the charts crate.

use std::path::PathBuf;

/// A chart that could not be drawn or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    /// Drawing failed (nothing to plot, a value the axes cannot hold).
    #[error("{}: cannot draw the plot: {message}", path.display())]
    Draw {
        /// The SVG file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The SVG could not be written.
    #[error(transparent)]
    File(#[from] ndnet_files::FileError),
}

/// Result alias of the charts crate.
pub type Result<T> = std::result::Result<T, ChartError>;
