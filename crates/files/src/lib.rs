//! # ndnet-files
//!
//! How ndnet writes files, so that nothing a user has is left half-written or mixed:
//! [`write_atomic`] (a temporary file beside the target, flushed, then renamed over it),
//! [`RunFolder`] (a run's outputs staged and moved in as a set, under a lock), and [`Fnv`], a
//! fingerprint of bytes for "this is not the data you wrote" checks.
//!
//! ```
//! let path = std::env::temp_dir().join(format!("ndnet-files-doc-{}.txt", std::process::id()));
//! ndnet_files::write_atomic(&path, b"complete").unwrap();
//! assert_eq!(std::fs::read(&path).unwrap(), b"complete");
//! # std::fs::remove_file(&path).unwrap();
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod atomic;
mod digest;
mod error;
mod run_folder;
mod seal;

pub use atomic::{write_atomic, write_atomic_by};
pub use digest::Fnv;
pub use error::FileError;
pub use run_folder::RunFolder;
pub use seal::{SEAL_FIELD, seal, sha256_hex, unseal};
