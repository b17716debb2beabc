//! The one error type of the trainer crate.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong training, evaluating, or reading and writing model files.
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
    /// Standard output could not be written (e.g. closed by `| head`): programs end quietly.
    #[error("cannot write to standard output: {source}")]
    Output {
        /// What the OS said.
        source: std::io::Error,
    },
    /// Something went wrong in one fold of a cross-validation.
    #[error("fold {fold}: {source}")]
    Fold {
        /// 1-based fold.
        fold: usize,
        /// What went wrong.
        source: Box<TrainError>,
    },
    /// From the data crate (a table, a cell, the pipeline).
    #[error(transparent)]
    Data(#[from] ndnet_data::DataError),
    /// From the layers crate (shapes).
    #[error(transparent)]
    Layer(#[from] ndnet_layers::LayerError),
    /// From the optim crate (hyper-parameters, state).
    #[error(transparent)]
    Optim(#[from] ndnet_optim::OptimError),
}

impl TrainError {
    /// The pipeline setting that would fix this error, when one would.
    pub fn setting(&self) -> Option<ndnet_data::Setting> {
        match self {
            TrainError::Data(e) => e.setting(),
            _ => None,
        }
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

impl From<ndnet_files::FileError> for TrainError {
    fn from(e: ndnet_files::FileError) -> Self {
        TrainError::Io { path: e.path, source: e.source }
    }
}
