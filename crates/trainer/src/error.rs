//! The one error type of the trainer crate.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong loading data, training, or reading and writing files.
///
/// File errors name the file, and where there is one, the line (1-based, counting the header
/// as line 1) and the column.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A CSV file is malformed where a value was needed.
    #[error("{}: line {line}, column `{column}`: {message}", path.display())]
    Cell {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// What is wrong, e.g. `"abc" is not a number`.
        message: String,
    },
    /// A CSV file is malformed as a whole (no header, ragged row, empty table …).
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(": line {l}")).unwrap_or_default())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line, when one is to blame.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// A configuration value outside its allowed range.
    #[error("invalid {name} = {value}: allowed {allowed}")]
    Config {
        /// The setting, e.g. `batch_size`.
        name: &'static str,
        /// The value given.
        value: String,
        /// The allowed range.
        allowed: String,
    },
    /// Training produced a NaN or infinite loss.
    #[error(
        "training diverged: the loss became {loss} at epoch {epoch}, batch {batch}; try a smaller learning rate (now {learning_rate})"
    )]
    Diverged {
        /// 1-based epoch.
        epoch: u64,
        /// 1-based batch within the epoch.
        batch: usize,
        /// The non-finite loss.
        loss: f64,
        /// The learning rate in use.
        learning_rate: f64,
    },
    /// A parameter holds NaN or an infinity although every batch loss was finite (or before
    /// training: from a checkpoint or initial weights).
    #[error("parameter `{tensor}` is not finite {when}")]
    NonFinite {
        /// The parameter tensor, e.g. `0.weight`.
        tensor: String,
        /// When it was found, e.g. `after epoch 3 (the loss was finite: the data's scale or the learning rate 0.01 is too large)`.
        when: String,
    },
    /// A checkpoint or weights file that cannot be used.
    #[error("{}: {message}", path.display())]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A plot could not be drawn.
    #[error("{}: cannot draw the plot: {message}", path.display())]
    Plot {
        /// The SVG file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Standard output could not be written (e.g. closed by `| head`): programs end quietly.
    #[error("cannot write to standard output: {source}")]
    Output {
        /// What the OS said.
        source: std::io::Error,
    },
    /// An error that a setting of the pipeline would fix ([`TrainError::setting`] names it, so a
    /// program can point at its own flag without reading the message).
    #[error("{source}")]
    Fixable {
        /// The setting that would fix it.
        setting: Setting,
        /// The error itself (its message already names the setting's choices).
        source: Box<TrainError>,
    },
    /// From the layers crate (shapes).
    #[error(transparent)]
    Layer(#[from] ndnet_layers::LayerError),
    /// From the optim crate (hyper-parameters, state).
    #[error(transparent)]
    Optim(#[from] ndnet_optim::OptimError),
}

/// A setting of the [`PipelineConfig`](crate::PipelineConfig) that would fix an error.
///
/// ```
/// use ndnet_trainer::{Pipeline, PipelineConfig, Setting, Table};
/// let table = Table::from_csv_bytes(b"x,y\n1,2\n,3\n", "t.csv".as_ref()).unwrap();
/// let e = Pipeline::fit_table(&table, &[0, 1], &PipelineConfig::new("y")).unwrap_err();
/// assert_eq!(e.setting(), Some(Setting::Missing));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setting {
    /// The missing-value policy (`PipelineConfig::missing`).
    Missing,
    /// The most categories a text column may have (`PipelineConfig::max_categories`).
    MaxCategories,
    /// What a category unseen in the training rows becomes (`PipelineConfig::unknown_category`).
    UnknownCategory,
}

impl TrainError {
    /// The setting that would fix this error, when one would.
    pub fn setting(&self) -> Option<Setting> {
        match self {
            TrainError::Fixable { setting, .. } => Some(*setting),
            _ => None,
        }
    }

    /// This error, marked as one that `setting` would fix.
    pub(crate) fn fixed_by(self, setting: Setting) -> TrainError {
        TrainError::Fixable { setting, source: Box::new(self) }
    }

    /// Whether this is a closed standard output (a reader such as `head` went away): the one
    /// error a program should end on quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, TrainError::Output { source } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// Result alias of the trainer crate.
pub type Result<T> = std::result::Result<T, TrainError>;

pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> TrainError + '_ {
    move |source| TrainError::Io { path: path.to_path_buf(), source }
}

pub(crate) fn config(name: &'static str, value: impl ToString, allowed: impl ToString) -> TrainError {
    TrainError::Config { name, value: value.to_string(), allowed: allowed.to_string() }
}

/// A callback's saved state that does not fit it.
pub(crate) fn checkpoint_state(callback: &str, e: serde_json::Error) -> TrainError {
    TrainError::Checkpoint { path: PathBuf::new(), message: format!("the saved state of {callback} does not fit: {e}") }
}
