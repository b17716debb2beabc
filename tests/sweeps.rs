//! Sweeps on a thread pool and in shards: every output file is byte-identical for any `--jobs`
//! and for 3 shards merged, and each run is the same as that run alone.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_one_line_error, example, text, tmp};

const SWEEP: [&str; 10] = [
    "--optimizers",
    "sgd,rmsprop,adam",
    "--lr-grid",
    "0.001,0.01",
    "--seeds",
    "2",
    "--epochs",
    "3",
    "--batch-size",
    "64",
];
const OUTPUTS: [&str; 3] = ["curves.csv", "summary.csv", "compare.svg"];

fn compare(args: &[&str], out: &Path) -> String {
    let run = example("compare_optimizers").args(SWEEP).args(args).arg("--out").arg(out).output().unwrap();
    assert!(run.status.success(), "{args:?}: {}", text(&run.stderr));
    text(&run.stdout)
}

fn bytes(dir: &Path) -> Vec<Vec<u8>> {
    OUTPUTS
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display())))
        .collect()
}

#[test]
fn outputs_are_byte_identical_for_any_jobs_and_for_merged_shards() {
    let dir = tmp("sweeps");
    compare(&["--jobs", "1"], &dir.join("one"));
    compare(&["--jobs", "2"], &dir.join("two"));
    compare(&["--jobs", "3"], &dir.join("three"));
    let shards: Vec<PathBuf> = (1..=3).map(|i| dir.join(format!("shard{i}"))).collect();
    for (i, shard) in shards.iter().enumerate() {
        let said = compare(&["--shard", &format!("{}/3", i + 1)], shard);
        assert!(said.contains(&format!("Wrote shard {}/3 (4 of 12 runs)", i + 1)), "{said}");
    }
    let merged = dir.join("merged");
    let mut args = vec!["--merge"];
    args.extend(shards.iter().rev().map(|s| s.to_str().unwrap())); // any order
    compare(&args, &merged);
    let want = bytes(&dir.join("one"));
    for other in ["two", "three", "merged"] {
        assert!(bytes(&dir.join(other)) == want, "{other} differs from --jobs 1");
    }
    assert_eq!(text(&want[0]).lines().count(), 1 + 3 * 2 * 2 * 3, "3 optimizers × 2 rates × 2 seeds × 3 epochs");
}

#[test]
fn each_run_is_the_same_as_that_run_alone() {
    let dir = tmp("sweep-alone");
    compare(&["--jobs", "2"], &dir.join("all"));
    let alone = example("compare_optimizers")
        .args([
            "--optimizers",
            "adam",
            "--lr-grid",
            "0.01",
            "--seeds",
            "2",
            "--epochs",
            "3",
            "--batch-size",
            "64",
            "--jobs",
            "1",
        ])
        .arg("--out")
        .arg(dir.join("alone"))
        .output()
        .unwrap();
    assert!(alone.status.success(), "{}", text(&alone.stderr));
    let rows = |d: &str| -> Vec<String> {
        let csv = std::fs::read_to_string(dir.join(d).join("curves.csv")).unwrap();
        csv.lines().filter(|l| l.starts_with("adam,0.01,")).map(str::to_string).collect()
    };
    assert_eq!(rows("all").len(), 6);
    assert_eq!(rows("all"), rows("alone"));
}

#[test]
fn merging_checks_the_shards() {
    let dir = tmp("sweep-merge");
    for i in [1, 2] {
        compare(&["--shard", &format!("{i}/3")], &dir.join(format!("s{i}")));
    }
    let merge = |dirs: &[&str], extra: &[&str]| {
        let mut c = example("compare_optimizers");
        c.args(SWEEP).args(extra).arg("--merge");
        dirs.iter().for_each(|d| {
            c.arg(dir.join(d));
        });
        c.arg("--out").arg(dir.join("out")).output().unwrap()
    };
    assert_one_line_error(
        "missing shard",
        &merge(&["s1", "s2"], &[]),
        "invalid --merge: 2 of 3 given (shard 3 is missing); allowed every shard once",
    );
    assert_one_line_error("twice", &merge(&["s1", "s1"], &[]), "shard 1/3 given twice");
    assert_one_line_error(
        "other sweep",
        &merge(&["s1"], &["--split-seed", "7"]),
        "this shard belongs to another sweep",
    );
    assert_one_line_error(
        "bad shard",
        &example("compare_optimizers").args(["--shard", "4/3"]).output().unwrap(),
        "invalid --shard 4/3: allowed I/N with 1 ≤ I ≤ N",
    );
}
