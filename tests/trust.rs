//! The classes of the adversarial trial, through the programs: flags that pass a check in f64
//! but not in f32, contradictory flags, model files with non-finite weights, inputs that overflow
//! f32, resumes on other data, sweeps with duplicate or edited entries, closed output streams.
//! Each case is one `error:` line (or the exit code said), and each failed on the code before it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{assert_one_line_error, example, text, tmp};

/// A small numeric table (`price` from two features), written to `dir/name`.
fn table(dir: &Path, name: &str, rows: usize, odd: Option<(usize, &str)>) -> PathBuf {
    let mut s = String::from("a,b,price\n");
    for i in 0..rows {
        let (a, b) = ((i * 7 % 23) as f64, (i * 11 % 17) as f64);
        let a = match odd {
            Some((row, v)) if row == i => v.to_string(),
            _ => a.to_string(),
        };
        s.push_str(&format!("{a},{b},{}\n", 3.0 * (i * 7 % 23) as f64 - b + (i % 5) as f64));
    }
    let path = dir.join(name);
    std::fs::write(&path, s).unwrap();
    path
}

/// The housing example on `data` with `args`; its output.
fn housing(data: &Path, args: &[&str], out: &Path) -> std::process::Output {
    example("housing")
        .arg("--data")
        .arg(data)
        .args(["--quiet", "--epochs", "2"])
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn flags_are_checked_in_the_precision_they_are_used_in_and_may_not_contradict() {
    let d = tmp("trust-flags");
    let data = table(&d, "t.csv", 60, None);
    for (args, want) in [
        (&["--lr", "1e-50"][..], "allowed > 0 and finite in the model's float type"),
        (&["--eps", "1e308"], "invalid --eps 1"),
        (
            &["--optimizer", "adam", "--preset", "pytorch-adamw"],
            "invalid --preset pytorch-adamw: allowed for adam one of keras, pytorch, optax",
        ),
        (&["--features", "a,a"], "`a` is named twice among the features"),
    ] {
        assert_one_line_error(&format!("{args:?}"), &housing(&data, args, &d.join("out")), want);
    }
    // A preset named in capitals is the preset: Keras' decoupled decay, not L2 (two runs equal bit for bit).
    let run = |preset: &str| {
        let out = d.join(format!("decay-{preset}"));
        let r = housing(&data, &["--preset", preset, "--weight-decay", "0.1"], &out);
        assert!(r.status.success(), "{}", text(&r.stderr));
        let bytes = std::fs::read(out.join("weights.safetensors")).unwrap();
        let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        bytes[8 + header..].to_vec() // the tensors (the metadata holds the flags as typed)
    };
    assert_eq!(run("KERAS"), run("keras"));
}

#[test]
fn inputs_that_overflow_f32_are_errors_naming_the_line() {
    let d = tmp("trust-overflow");
    let data = table(&d, "huge.csv", 60, Some((7, "1e300")));
    let r = housing(&data, &[], &d.join("out"));
    assert_one_line_error(
        "1e300 feature",
        &r,
        "huge.csv: line 9: input `a` is 1e300 here, which is not finite once standardised and stored as 32-bit floats",
    );
    assert!(!text(&r.stderr).contains("learning rate"), "not a learning-rate problem");
}

/// Trains on a clean table; returns (the table, the run's folder).
fn trained(d: &Path) -> (PathBuf, PathBuf) {
    let data = table(d, "t.csv", 60, None);
    let out = d.join("run");
    let r = housing(&data, &[], &out);
    assert!(r.status.success(), "{}", text(&r.stderr));
    (data, out)
}

/// `weights` with the first f32 of its first tensor set to `value`.
fn poison(weights: &Path, value: f32, to: &Path) {
    let mut bytes = std::fs::read(weights).unwrap();
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let at = 8 + header; // the first tensor's data (offsets start at 0)
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    std::fs::write(to, bytes).unwrap();
}

#[test]
fn model_files_with_non_finite_weights_and_predictions_out_of_range() {
    let d = tmp("trust-model");
    let (data, out) = trained(&d);
    let nan = d.join("nan.safetensors");
    poison(&out.join("weights.safetensors"), f32::NAN, &nan);
    let predict = |model: &Path, data: &Path| {
        example("predict")
            .arg("--model")
            .arg(model)
            .arg("--data")
            .arg(data)
            .arg("--out")
            .arg(d.join("p.csv"))
            .output()
            .unwrap()
    };
    // A byte changed after the file was written: its digest says the file is damaged.
    let damaged = "the file is damaged: its contents do not match the digest it was written with";
    assert_one_line_error("NaN weight", &predict(&nan, &data), damaged);
    assert!(!d.join("p.csv").exists(), "nothing written");
    assert_one_line_error("--init NaN", &housing(&data, &["--init", nan.to_str().unwrap()], &d.join("init")), damaged);
    // A NaN weight saved as a file (its digest whole): refused by name, for prediction and
    // as initial weights.
    let (mut model, metadata) = ndnet::trainer::load_model::<f32>(&out.join("weights.safetensors")).unwrap();
    ndnet::layers::Model::visit_params_mut(&mut model, &mut |_, value, _, _| value[0] = f32::NAN);
    let saved = d.join("saved-nan.safetensors");
    ndnet::trainer::save_safetensors(&model, &metadata, &saved).unwrap();
    assert_one_line_error("saved NaN weight", &predict(&saved, &data), "holds NaN or an infinity");
    let r = housing(&data, &["--init", saved.to_str().unwrap()], &d.join("init"));
    assert_one_line_error(
        "--init NaN",
        &r,
        "is not finite before training (from the checkpoint or the initial weights)",
    );
    // A huge but finite input row: an error naming its line, not a NaN prediction with exit 0.
    let odd = table(&d, "odd.csv", 5, Some((2, "1e40")));
    assert_one_line_error(
        "huge input",
        &predict(&out.join("weights.safetensors"), &odd),
        "odd.csv: line 4: input `a` is 1e40 here, which is not finite",
    );
}

#[test]
fn a_resume_knows_its_data_and_its_flags() {
    let d = tmp("trust-resume");
    let (data, out) = trained(&d);
    let ckpt = out.join("checkpoint.json");
    let resume = |data: &Path, extra: &[&str]| {
        let mut args = vec!["--resume", ckpt.to_str().unwrap(), "--epochs", "3"];
        args.extend_from_slice(extra);
        example("housing")
            .arg("--data")
            .arg(data)
            .arg("--quiet")
            .args(&args)
            .arg("--out")
            .arg(d.join("again"))
            .output()
            .unwrap()
    };
    // The same path with other rows.
    let changed = std::fs::read_to_string(&data).unwrap().replace("\n1", "\n2"); // several rows
    std::fs::write(&data, changed).unwrap();
    let r = resume(&data, &[]);
    assert_one_line_error("other rows", &r, "data_fingerprint: ");
    assert!(!text(&r.stderr).contains("activation"), "names only what differs: {}", text(&r.stderr));
    let r = resume(&data, &["--init", out.join("weights.safetensors").to_str().unwrap()]);
    assert_one_line_error("--init with --resume", &r, "invalid --init with --resume: allowed one of the two");
    let r = example("housing")
        .arg("--data")
        .arg(&data)
        .args(["--quiet", "--epochs", "1", "--resume"])
        .arg(&ckpt)
        .arg("--out")
        .arg(d.join("fewer"))
        .output()
        .unwrap();
    assert_one_line_error("fewer epochs", &r, "invalid --epochs 1: allowed ≥ the 2 epochs the checkpoint has done");
}

#[test]
fn a_finished_run_resumed_into_another_runs_folder_leaves_its_own_checkpoint() {
    let d = tmp("trust-resume-other");
    let (data, done) = trained(&d);
    let other = d.join("other");
    let r = housing(&data, &["--seed", "9"], &other);
    assert!(r.status.success(), "{}", text(&r.stderr));
    // Nothing is left to train (2 of 2 epochs done): the folder must still end up with this
    // run's checkpoint, beside this run's weights, not the other run's.
    let ckpt = done.join("checkpoint.json");
    let r = housing(&data, &["--resume", ckpt.to_str().unwrap()], &other);
    assert!(r.status.success(), "{}", text(&r.stderr));
    for file in ["checkpoint.json", "weights.safetensors"] {
        let (want, got) = (std::fs::read(done.join(file)).unwrap(), std::fs::read(other.join(file)).unwrap());
        assert!(want == got, "{file} is not the resumed run's");
    }
}

#[test]
fn sweeps_refuse_duplicates_nan_targets_edited_shards_and_overwriting_a_shard() {
    let d = tmp("trust-sweep");
    let data = table(&d, "t.csv", 60, None);
    let compare = |args: &[&str], out: &Path| {
        let base = ["--epochs", "2", "--seeds", "1", "--optimizers", "sgd", "--features", "a,b", "--target", "price"];
        example("compare_optimizers")
            .arg("--data")
            .arg(&data)
            .args(base)
            .args(args)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    let out = d.join("o");
    assert_one_line_error(
        "lr twice",
        &compare(&["--lr-grid", "0.01,0.01"], &out),
        "invalid --lr-grid: 0.01 is given twice",
    );
    let r = example("compare_optimizers")
        .arg("--data")
        .arg(&data)
        .args(["--optimizers", "sgd,SGD", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_one_line_error("optimizer twice", &r, "invalid --optimizers: SGD is given twice");
    assert_one_line_error(
        "NaN target",
        &compare(&["--target-loss", "NaN"], &out),
        "invalid --target-loss NaN: allowed > 0 and finite",
    );
    let shard = d.join("s1");
    let r = compare(&["--shard", "1/1"], &shard);
    assert!(r.status.success(), "{}", text(&r.stderr));
    let merge_into = |to: &Path| compare(&["--merge", shard.to_str().unwrap()], to);
    assert_one_line_error(
        "merge over a shard",
        &merge_into(&shard.join(".").join("")),
        "is the --merge file: the output would overwrite it",
    );
    let curves = shard.join("curves.csv");
    let text_before = std::fs::read_to_string(&curves).unwrap();
    std::fs::write(&curves, &text_before[..text_before.len() - 10]).unwrap();
    assert_one_line_error(
        "edited shard",
        &merge_into(&d.join("merged")),
        "curves.csv is not the file this shard wrote (edited or truncated)",
    );
    // A shard written onto a whole sweep's folder would replace its curves; a whole sweep onto
    // a shard's folder would replace a shard the merge needs: both refused, both left as they were.
    std::fs::write(&curves, &text_before).unwrap();
    let whole = d.join("whole");
    assert!(compare(&[], &whole).status.success());
    let before = std::fs::read(whole.join("curves.csv")).unwrap();
    assert_one_line_error(
        "shard onto a whole sweep",
        &compare(&["--shard", "1/1"], &whole),
        "it holds a whole sweep's results (summary.csv, compare.svg); give the shard a folder of its own",
    );
    assert_eq!(std::fs::read(whole.join("curves.csv")).unwrap(), before);
    assert_one_line_error(
        "whole sweep onto a shard",
        &compare(&[], &shard),
        "it holds a shard (shard.json) that --merge reads; give the whole sweep a folder of its own",
    );
    assert_eq!(std::fs::read_to_string(&curves).unwrap(), text_before);
    // A merge writes its three files as a set, and again over its own earlier merge.
    for _ in 0..2 {
        let r = merge_into(&d.join("merged"));
        assert!(r.status.success(), "{}", text(&r.stderr));
    }
    let mut names: Vec<String> = std::fs::read_dir(d.join("merged"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["compare.svg", "curves.csv", "summary.csv"]);
}

#[test]
fn closed_streams_never_panic_and_unfinished_work_is_not_success() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let housing = example("housing").get_program().to_owned();
    let rosenbrock = example("rosenbrock").get_program().to_owned();
    let sh = |script: String| {
        Command::new("sh").arg("-c").arg(script).current_dir(dir).stderr(Stdio::piped()).output().unwrap()
    };
    // stderr closed: the error line is lost, the exit is still 1 (it was 101, a panic).
    let r = sh(format!("{} --lr -1 2>&-", housing.display()));
    assert_eq!(r.status.code(), Some(1));
    // stdout closed after one line: 141, and no panic. (Enough steps that `head` has surely
    // exited before the second line: with 1,000 the whole output could reach the pipe first.)
    let r = Command::new("bash")
        .arg("-c")
        .arg(format!("set -o pipefail; {} --steps 2000000 | head -1 > /dev/null", rosenbrock.display()))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(141), "{}", text(&r.stderr));
    assert!(!text(&r.stderr).contains("panicked"), "{}", text(&r.stderr));
    // Every program rejects what it does not know.
    let r = Command::new(&rosenbrock).arg("--bogus").output().unwrap();
    assert_one_line_error("rosenbrock --bogus", &r, "unexpected argument '--bogus'");
}

#[test]
fn error_lines_stay_one_line_and_short() {
    let d = tmp("trust-lines");
    let long = "x".repeat(100_000);
    let path = d.join("names.csv");
    std::fs::write(&path, format!("\"pri\nce\",{long}\n1,2\n3,4\n")).unwrap();
    let r = housing(&path, &[], &d.join("out"));
    assert_one_line_error("newline and 100 kB in the header", &r, "no column `price`; the columns are: pri ce,");
    assert!(text(&r.stderr).chars().count() < 700, "cut: {} characters", text(&r.stderr).len());
}
