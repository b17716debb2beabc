//! Helpers shared by the end-to-end tests: running the example binaries, temporary folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// A command for an example binary, built first (once per test binary) with the profile of the
/// running tests, so a stale binary from another build is never what runs.
///
/// With `NDNET_EXAMPLES_DIR` set, the binaries of that folder run instead, unbuilt: how the
/// corpus is replayed against an older build to see each new case fail there.
pub fn example(name: &str) -> Command {
    if let Some(dir) = std::env::var_os("NDNET_EXAMPLES_DIR") {
        let mut c = Command::new(Path::new(&dir).join(name));
        c.current_dir(env!("CARGO_MANIFEST_DIR"));
        return c;
    }
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    // target/<profile>/deps/<test>-<hash> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
    let path = profile_dir.join("examples").join(name);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !built.iter().any(|b| b == name) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "--example", name]).current_dir(env!("CARGO_MANIFEST_DIR"));
        // The profile the tests were built with, so the examples `cargo test` already built are
        // reused instead of the whole workspace being built again in another profile.
        if profile_dir.file_name().is_some_and(|d| d == "release") {
            build.arg("--release");
        } else {
            build.args(["--profile", "test"]);
        }
        let status = build.status();
        assert!(status.is_ok_and(|s| s.success()) && path.exists(), "could not build {}", path.display());
        built.push(name.to_string());
    }
    let mut c = Command::new(path);
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A fresh, empty temporary folder.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ndnet-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

pub fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// Fails unless the run exited 1 with exactly one stderr line `error: …` containing `needle`.
pub fn assert_one_line_error(what: &str, out: &Output, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: should exit 1: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: one line: {err:?}");
    assert!(err.starts_with("error: ") && err.contains(needle), "{what}: {err:?} should contain {needle:?}");
    assert!(!err.contains("panicked"), "{what}: {err}");
}
