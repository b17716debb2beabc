//! The one error type of the data crate.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong reading a table and preparing its rows.
///
/// File errors name the file, and where there is one, the line (1-based, counting the header
/// as line 1) and the column.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DataError {
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
    /// Arrays whose shapes do not fit each other (a model's outputs for a pipeline).
    #[error("{context}: expected shape {} × {}, got {} × {}", expected.0, expected.1, actual.0, actual.1)]
    Shape {
        /// What was being done.
        context: String,
        /// The expected (rows, columns).
        expected: (usize, usize),
        /// What came.
        actual: (usize, usize),
    },
    /// An error that a setting of the pipeline would fix ([`DataError::setting`] names it, so a
    /// program can point at its own flag without reading the message).
    #[error("{source}")]
    Fixable {
        /// The setting that would fix it.
        setting: Setting,
        /// The error itself (its message already names the setting's choices).
        source: Box<DataError>,
    },
}

/// A setting of the [`PipelineConfig`](crate::PipelineConfig) that would fix an error.
///
/// ```
/// use ndnet_data::{Pipeline, PipelineConfig, Setting, Table};
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
    /// The most labels a classification may have (`PipelineConfig::max_classes`).
    MaxClasses,
}

impl DataError {
    /// The setting that would fix this error, when one would.
    pub fn setting(&self) -> Option<Setting> {
        match self {
            DataError::Fixable { setting, .. } => Some(*setting),
            _ => None,
        }
    }

    /// This error, marked as one that `setting` would fix.
    pub(crate) fn fixed_by(self, setting: Setting) -> DataError {
        DataError::Fixable { setting, source: Box::new(self) }
    }
}

/// Result alias of the data crate.
pub type Result<T> = std::result::Result<T, DataError>;

pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> DataError + '_ {
    move |source| DataError::Io { path: path.to_path_buf(), source }
}

pub(crate) fn config(name: &'static str, value: impl ToString, allowed: impl ToString) -> DataError {
    DataError::Config { name, value: value.to_string(), allowed: allowed.to_string() }
}

impl From<ndnet_files::FileError> for DataError {
    fn from(e: ndnet_files::FileError) -> Self {
        DataError::Io { path: e.path, source: e.source }
    }
}
