//! [`RunFolder`]: a run's output folder, written as a set. The run writes into a fresh staging
//! folder beside the target; [`RunFolder::commit`] moves the old folder aside, the new one in,
//! and removes the old, so the target holds the whole old run or the whole new one — a kill or
//! a full disk at any moment leaves one of the two (the next run into the same folder finishes
//! or undoes an interrupted commit and removes a kill's leftovers). A lock beside the folder keeps
//! two runs from writing into it at once, and a folder holding files no run writes is refused,
//! never replaced.
//!
//! ```
//! use ndnet_files::RunFolder;
//! let out = std::env::temp_dir().join(format!("ndnet-run-folder-doc-{}", std::process::id()));
//! let run = RunFolder::open(&out, &["metrics.json"]).unwrap();
//! std::fs::write(run.path().join("metrics.json"), b"{}").unwrap();
//! assert!(!out.join("metrics.json").exists()); // nothing shows before the commit
//! run.commit().unwrap();
//! assert_eq!(std::fs::read(out.join("metrics.json")).unwrap(), b"{}");
//! # std::fs::remove_dir_all(&out).unwrap();
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::FileError;

/// A run's output folder being written; see the module docs.
#[derive(Debug)]
pub struct RunFolder {
    target: PathBuf,
    staging: PathBuf,
    old: PathBuf,
    lock: PathBuf,
    committed: bool,
}

/// The sibling of `target` named `.<name>.ndnet-<what>`.
fn beside(target: &Path, what: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    parent.join(format!(".{name}.ndnet-{what}"))
}

/// The error of an I/O call on `path`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |e| FileError { path: path.to_path_buf(), source: e }
}

fn fail(path: &Path, message: String) -> FileError {
    FileError { path: path.to_path_buf(), source: std::io::Error::other(message) }
}

impl RunFolder {
    /// Takes `target` for a run whose outputs are named `outputs`: its lock (an error when
    /// another live process holds it), an interrupted commit finished or undone, a kill's
    /// leftovers removed, and a fresh, empty staging folder. Errors when `target` exists and is
    /// not a folder, or holds files other than `outputs` (and the files of a run's sub-folders
    /// named in `outputs` with a trailing `/`).
    pub fn open(target: &Path, outputs: &[&str]) -> Result<Self, FileError> {
        let run = RunFolder {
            target: target.to_path_buf(),
            staging: beside(target, "new"),
            old: beside(target, "old"),
            lock: beside(target, "lock"),
            committed: false,
        };
        if let Some(parent) = run.lock.parent() {
            std::fs::create_dir_all(parent).map_err(|e| FileError { path: parent.to_path_buf(), source: e })?;
        }
        run.take_lock()?;
        // From here on, dropping `run` releases the lock.
        run.recover()?;
        if target.exists() {
            run.check_own(outputs)?;
        }
        let fresh = std::fs::create_dir(&run.staging);
        fresh.map_err(|e| FileError { path: run.staging.clone(), source: e })?;
        Ok(run)
    }

    /// The folder to write the run's outputs into (they appear in the target at the commit).
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The folder the outputs will be in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Makes the staged outputs the target folder's contents, as one step for any reader that
    /// comes after: every file flushed, the old folder moved aside, the new one in, the old one
    /// removed.
    pub fn commit(mut self) -> Result<(), FileError> {
        sync_tree(&self.staging)?;
        if self.target.exists() {
            std::fs::rename(&self.target, &self.old).map_err(io(&self.target))?;
        }
        std::fs::rename(&self.staging, &self.target).map_err(io(&self.target))?;
        sync_parent(&self.target);
        if self.old.exists() {
            std::fs::remove_dir_all(&self.old).map_err(io(&self.old))?;
        }
        self.committed = true;
        Ok(())
    }

    fn take_lock(&self) -> Result<(), FileError> {
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&self.lock) {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&self.lock).ok().and_then(|t| t.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if alive(pid) => {
                            let message = format!(
                                "another ndnet run (process {pid}) is writing this folder; wait for it, or choose another folder"
                            );
                            return Err(fail(&self.target, message));
                        }
                        // A killed run's lock (or one being written this instant: retried once).
                        _ => {
                            let _ = std::fs::remove_file(&self.lock);
                        }
                    }
                }
                Err(e) => return Err(FileError { path: self.lock.clone(), source: e }),
            }
        }
        Err(fail(&self.target, "could not take the folder's lock".into()))
    }

    /// Finishes or undoes a commit a kill interrupted, and removes a killed run's staging.
    fn recover(&self) -> Result<(), FileError> {
        if self.old.exists() {
            if self.target.exists() {
                // Killed after the new folder went in: the old one only has to go.
                std::fs::remove_dir_all(&self.old).map_err(io(&self.old))?;
            } else {
                // Killed between the two moves: the old run comes back.
                std::fs::rename(&self.old, &self.target).map_err(io(&self.target))?;
            }
        }
        if self.staging.exists() {
            std::fs::remove_dir_all(&self.staging).map_err(io(&self.staging))?;
        }
        Ok(())
    }

    /// Errors unless the target is a folder holding only `outputs` (and dot-files, such as a
    /// killed write's temporary files).
    fn check_own(&self, outputs: &[&str]) -> Result<(), FileError> {
        let entries = std::fs::read_dir(&self.target).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotADirectory => fail(&self.target, "is a file, not a folder".into()),
            _ => FileError { path: self.target.clone(), source: e },
        })?;
        let mut foreign = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            let known = outputs.iter().any(|o| match o.strip_suffix('/') {
                Some(dir) => is_dir && dir == name,
                None => !is_dir && *o == name,
            });
            if !known && !name.starts_with('.') {
                foreign.push(name);
            }
        }
        if foreign.is_empty() {
            return Ok(());
        }
        foreign.sort();
        let listed = foreign.iter().take(5).map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let more = if foreign.len() > 5 { format!(" and {} more", foreign.len() - 5) } else { String::new() };
        let message = format!(
            "holds files a run does not write ({listed}{more}); a run replaces its folder as a whole, so choose an empty or new folder"
        );
        Err(fail(&self.target, message))
    }
}

impl Drop for RunFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
        let _ = std::fs::remove_file(&self.lock);
    }
}

/// Whether process `pid` is running (on Linux; elsewhere every holder is taken to be alive,
/// so a stale lock has to be removed by hand).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    match Path::new("/proc/self").exists() {
        true => Path::new(&format!("/proc/{pid}")).exists(),
        false => true,
    }
}

/// Flushes every file under `dir` and the folders themselves.
fn sync_tree(dir: &Path) -> Result<(), FileError> {
    for entry in std::fs::read_dir(dir).map_err(io(dir))?.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            sync_tree(&path)?;
        } else {
            std::fs::File::open(&path).and_then(|f| f.sync_all()).map_err(io(&path))?;
        }
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(parent)
    {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ndnet-run-folder-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_run_replaces_the_old_one_as_a_whole() {
        let d = tmp("replace");
        let out = d.join("out");
        let first = RunFolder::open(&out, &["a", "b"]).unwrap();
        std::fs::write(first.path().join("a"), "1").unwrap();
        std::fs::write(first.path().join("b"), "1").unwrap();
        first.commit().unwrap();
        let second = RunFolder::open(&out, &["a", "b"]).unwrap();
        std::fs::write(second.path().join("a"), "2").unwrap();
        drop(second); // fails before its commit: the first run's files stay, whole
        assert_eq!(
            (std::fs::read_to_string(out.join("a")).unwrap(), std::fs::read_to_string(out.join("b")).unwrap()),
            ("1".into(), "1".into())
        );
        let third = RunFolder::open(&out, &["a", "b"]).unwrap();
        std::fs::write(third.path().join("a"), "3").unwrap();
        third.commit().unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a")).unwrap(), "3");
        assert!(!out.join("b").exists(), "nothing of the old run is mixed in");
        let leftovers: Vec<_> = std::fs::read_dir(&d).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers, ["out"], "no staging, old folder or lock is left");
    }

    #[test]
    fn a_folder_another_run_holds_or_that_holds_other_files_is_refused() {
        let d = tmp("refuse");
        let out = d.join("out");
        let first = RunFolder::open(&out, &["a"]).unwrap();
        let err = RunFolder::open(&out, &["a"]).unwrap_err().to_string();
        assert!(
            err.contains(&format!("another ndnet run (process {}) is writing this folder", std::process::id())),
            "{err}"
        );
        drop(first);
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = RunFolder::open(&out, &["a"]).unwrap_err().to_string();
        assert!(err.contains("holds files a run does not write (`notes.txt`)"), "{err}");
        assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    }

    #[test]
    fn a_commit_killed_between_its_moves_is_undone_and_a_stale_lock_is_taken() {
        let d = tmp("recover");
        let out = d.join("out");
        let first = RunFolder::open(&out, &["a"]).unwrap();
        std::fs::write(first.path().join("a"), "old").unwrap();
        first.commit().unwrap();
        // As a kill after the old folder was moved aside, before the new one went in, would
        // leave it: the old folder aside, a staging folder, a dead process's lock.
        std::fs::rename(&out, beside(&out, "old")).unwrap();
        std::fs::create_dir(beside(&out, "new")).unwrap();
        std::fs::write(beside(&out, "lock"), "4294967295\n").unwrap();
        let again = RunFolder::open(&out, &["a"]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a")).unwrap(), "old");
        assert!(std::fs::read_dir(again.path()).unwrap().next().is_none(), "a fresh staging folder");
    }
}
