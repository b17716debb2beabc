//! Writing a file so that a crash at any moment leaves the old file or the new one, never a mix.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::FileError;

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it over
/// `path` (atomic on POSIX file systems). The temporary file is removed on failure. A `path`
/// that is not a regular file — a device such as `/dev/null` or `/dev/stdout`, a pipe — is
/// written to directly, never renamed over; a folder is an error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_by(path, |w| w.write_all(bytes))
}

/// [`write_atomic`] of what `write` writes, streamed through a buffer (a large file is never
/// held whole in memory).
///
/// ```
/// let path = std::env::temp_dir().join(format!("ndnet-atomic-doc-{}.csv", std::process::id()));
/// ndnet_files::write_atomic_by(&path, |w| (0..3).try_for_each(|i| writeln!(w, "{i}"))).unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "0\n1\n2\n");
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn write_atomic_by(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FileError> {
    if let Ok(meta) = std::fs::metadata(path) {
        let kind = meta.file_type();
        let io = |e| FileError { path: path.to_path_buf(), source: e };
        if kind.is_dir() {
            return Err(io(std::io::Error::other("is a folder, not a file")));
        }
        if !kind.is_file() {
            let f = std::fs::OpenOptions::new().write(true).open(path).map_err(io)?;
            let mut f = std::io::BufWriter::new(f);
            return write(&mut f).and_then(|_| f.flush()).map_err(io);
        }
    }
    write_atomic_with(path, write, |_| Ok(()))
}

/// [`write_atomic_by`] with `before_rename` run on the flushed temporary file just before the
/// rename: the seam the tests inject a crash into.
fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut file)?;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        before_rename(&tmp)?;
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        FileError { path: path.to_path_buf(), source: e }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_before_the_rename_leaves_the_old_file_intact() {
        let dir = std::env::temp_dir().join(format!("ndnet-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("checkpoint.json");
        write_atomic(&path, b"old, complete contents").unwrap();
        let mut temporary = None;
        let err = write_atomic_with(
            &path,
            |w| w.write_all(b"new contents that never land"),
            |tmp| {
                // The new bytes are fully written and flushed here; the crash comes before the rename.
                assert_eq!(std::fs::read(tmp).unwrap(), b"new contents that never land");
                temporary = Some(tmp.to_path_buf());
                Err(std::io::Error::other("injected crash"))
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("injected crash"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old, complete contents");
        assert!(!temporary.unwrap().exists(), "the temporary file is removed");
        write_atomic(&path, b"next").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"next");
    }

    #[test]
    fn a_device_is_written_to_never_renamed_over() {
        let null = Path::new("/dev/null");
        if !null.exists() {
            return;
        }
        write_atomic(null, b"gone").unwrap();
        let meta = std::fs::metadata(null).unwrap();
        assert!(!meta.file_type().is_file(), "/dev/null is still a device");
        let dir = std::env::temp_dir();
        assert!(write_atomic(&dir, b"x").unwrap_err().to_string().contains("is a folder"));
    }
}
