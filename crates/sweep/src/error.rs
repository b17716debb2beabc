//! The one error type of the sweep crate.

use std::path::PathBuf;

/// What can go wrong splitting, writing or merging a sweep.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A shard folder or curves file that does not belong to this sweep, or is malformed.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(": line {l}")).unwrap_or_default())]
    Shard {
        /// The folder or file.
        path: PathBuf,
        /// 1-based line, when one is to blame.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// A setting outside its allowed values (`--shard 0/2`).
    #[error("invalid {name} = {value}: allowed {allowed}")]
    Config {
        /// The setting.
        name: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        allowed: String,
    },
}

/// Result alias of the sweep crate.
pub type Result<T> = std::result::Result<T, SweepError>;

pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io { path: path.to_path_buf(), source }
}

pub(crate) fn config(name: &'static str, value: impl ToString, allowed: impl ToString) -> SweepError {
    SweepError::Config { name, value: value.to_string(), allowed: allowed.to_string() }
}

impl From<ndnet_files::FileError> for SweepError {
    fn from(e: ndnet_files::FileError) -> Self {
        SweepError::Io { path: e.path, source: e.source }
    }
}
