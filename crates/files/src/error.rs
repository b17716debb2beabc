//! The one error type of the files crate.

use std::path::PathBuf;

/// A file that could not be written, and what the system said.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What the OS said.
    pub source: std::io::Error,
}
