//! The adversary's cases, through the program: odd targets and labels, runs that would destroy or
//! mix files, model files whose parts disagree or whose bytes changed, flags and checks that came
//! too late. Each case failed (silently wrong, a destroyed file, or an error after the work) on
//! the code before it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adversarial").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ndnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ndnet")).args(args).output().expect("run ndnet")
}

fn ok(args: &[&str]) -> String {
    let out = ndnet(args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ndnet {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

/// The run fails with one `error:` line holding `needle`.
fn refused(args: &[&str], needle: &str) {
    let out = ndnet(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "ndnet {args:?} should fail");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(needle),
        "ndnet {args:?}: {stderr}\nshould contain {needle}"
    );
}

/// `x,y` rows with `y` from `target(i, x)`.
fn table(d: &Path, name: &str, rows: usize, target: impl Fn(usize, f64) -> String) -> String {
    let mut s = String::from("x,z,y\n");
    for i in 0..rows {
        let x = ((i * 37) % 101) as f64 / 10.0;
        s.push_str(&format!("{x},{},{}\n", (i * 13) % 7, target(i, x)));
    }
    let path = d.join(name);
    std::fs::write(&path, s).unwrap();
    path.to_str().unwrap().to_string()
}

fn train(data: &str, out: &Path, more: &[&str]) -> Output {
    let base = ["train", "--data", data, "--target", "y", "--out", out.to_str().unwrap(), "--epochs", "3", "--quiet"];
    ndnet(&[&base[..], more].concat())
}

#[test]
fn missing_markers_in_a_target_are_missing_and_a_stray_word_is_an_error() {
    let d = dir("targets");
    for marker in ["#N/A", "-", "None", "nan(ind)", "-nan"] {
        let data =
            table(&d, "marked.csv", 120, |i, x| if i == 5 { marker.into() } else { format!("{}", 2.0 * x + 1.0) });
        let out = train(&data, &d.join("run"), &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{marker}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("120 rows read, 119 kept (1 dropped for a missing target)"), "{marker}: {stdout}");
        assert!(stdout.contains("Task: regression"), "{marker}: {stdout}");
    }
    let data = table(&d, "word.csv", 120, |i, x| if i == 7 { "oops".into() } else { format!("{}", 2.0 * x) });
    let run = d.join("run2");
    refused(
        &["train", "--data", &data, "--target", "y", "--out", run.to_str().unwrap()],
        "word.csv: line 9, column `y`: \"oops\" is not a number (the target is numeric: 119 of its 120 cells are numbers",
    );
    assert!(!run.exists(), "nothing written");
}

#[test]
fn labels_are_the_text_as_written_yes_no_in_any_case_one_pair() {
    let d = dir("labels");
    let yes_no = ["NO", "No", "YES", "Yes", "no", "yes"];
    let data = table(&d, "yn.csv", 120, |i, x| yes_no[if x > 5.0 { 2 + (i % 2) * 3 } else { (i % 3) * 2 % 6 }].into());
    let stdout =
        ok(&["train", "--data", &data, "--target", "y", "--out", d.join("a").to_str().unwrap(), "--epochs", "2"]);
    assert!(stdout.contains("2 classes: no, yes"), "{stdout}");
    let data = table(&d, "zeros.csv", 120, |i, _| ["7", "007", "-0", "0"][i % 4].into());
    let stdout =
        ok(&["train", "--data", &data, "--target", "y", "--out", d.join("b").to_str().unwrap(), "--epochs", "2"]);
    assert!(stdout.contains("4 classes: -0, 0, 007, 7"), "{stdout}");
    // 2^53 and 2^53 + 1 are one f64: as numbers they were one class.
    let data = table(&d, "wide.csv", 120, |i, _| ["9007199254740992", "9007199254740993"][i % 2].into());
    let run = train(&data, &d.join("c"), &["--task", "classification"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("2 classes: 9007199254740992, 9007199254740993"), "{stdout}");
}

#[test]
fn cross_validation_without_a_baseline_fits_none() {
    let d = dir("cv-no-baseline");
    let data = table(&d, "t.csv", 90, |_, x| format!("{}", x * 2.0));
    let out = d.join("run");
    let run = train(&data, &out, &["--cv", "3", "--no-baseline"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("Mean ± sd over 3 folds") && !stdout.contains("Baseline"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("cv.csv")).unwrap();
    assert!(csv.lines().skip(1).all(|l| l.split(',').nth(1) == Some("network")), "{csv}");
}

#[test]
fn an_identifier_as_the_target_is_refused_by_the_class_limit() {
    let d = dir("identifier");
    let data = table(&d, "ids.csv", 300, |i, _| format!("case-{i}"));
    let run = d.join("run");
    refused(
        &["train", "--data", &data, "--target", "y", "--out", run.to_str().unwrap(), "--quiet"],
        "the target `y` has 300 labels, more than the limit of 100 classes",
    );
    assert!(!run.exists());
    let stdout = ok(&[
        "train",
        "--data",
        &data,
        "--target",
        "y",
        "--out",
        run.to_str().unwrap(),
        "--max-classes",
        "400",
        "--epochs",
        "1",
    ]);
    assert!(stdout.contains("Confusion: 300 labels, too many to print"), "{stdout}");
    assert!(stdout.contains("No confusion.svg: 300 labels"), "{stdout}");
}

#[test]
fn a_run_never_destroys_or_mixes_what_is_there() {
    let d = dir("folders");
    let data = table(&d, "data.csv", 80, |_, x| format!("{}", 3.0 * x));
    let run = d.join("run");
    assert!(train(&data, &run, &[]).status.success());
    // The run's own output as its data, into its own folder: refused, the folder kept whole.
    let predictions = run.join("test_predictions.csv");
    let before = std::fs::read(&predictions).unwrap();
    refused(
        &["train", "--data", predictions.to_str().unwrap(), "--target", "y", "--out", run.to_str().unwrap()],
        "it holds the --data file",
    );
    assert_eq!(std::fs::read(&predictions).unwrap(), before);
    // A folder another live run holds (this test's own process stands in for it): refused.
    let lock = d.join(".run.ndnet-lock");
    std::fs::write(&lock, format!("{}\n", std::process::id())).unwrap();
    let out = train(&data, &run, &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("another ndnet run (process"), "{out:?}");
    // A killed run's lock and staging folder: taken over and cleared.
    std::fs::write(&lock, "4294967295\n").unwrap();
    std::fs::create_dir_all(d.join(".run.ndnet-new")).unwrap();
    std::fs::write(d.join(".run.ndnet-new/weights.safetensors"), b"half").unwrap();
    assert!(train(&data, &run, &["--seed", "9"]).status.success());
    assert!(!d.join(".run.ndnet-new").exists() && !lock.exists(), "no leftovers");
    // A folder holding the user's own files is never replaced.
    let mine = d.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep").unwrap();
    let out = train(&data, &mine, &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds files a run does not write (`notes.txt`)"));
    assert_eq!(std::fs::read_to_string(mine.join("notes.txt")).unwrap(), "keep");
    // A device as an output is written to, not renamed over.
    if Path::new("/dev/null").exists() {
        let model = run.join("weights.safetensors");
        ok(&["predict", "--model", model.to_str().unwrap(), "--data", &data, "--out", "/dev/null"]);
        assert!(!std::fs::metadata("/dev/null").unwrap().file_type().is_file(), "/dev/null is still a device");
    }
}

#[test]
fn model_files_whose_bytes_or_parts_disagree_are_refused() {
    let d = dir("model-files");
    let data = table(&d, "data.csv", 120, |i, x| ["Yes", "No"][usize::from(x + (i % 3) as f64 > 6.0)].into());
    let run = d.join("run");
    assert!(train(&data, &run, &["--recipe", "plain-mlp", "--batch-norm", "--interval", "0.9"]).status.success());
    let model = run.join("weights.safetensors");
    let predict = |m: &Path| {
        ndnet(&["predict", "--model", m.to_str().unwrap(), "--data", &data, "--out", d.join("p.csv").to_str().unwrap()])
    };
    // One flipped bit in a weight.
    let mut bytes = std::fs::read(&model).unwrap();
    let at = bytes.len() - 3;
    bytes[at] ^= 0x40;
    let flipped = d.join("flipped.safetensors");
    std::fs::write(&flipped, &bytes).unwrap();
    let out = predict(&flipped);
    assert!(String::from_utf8_lossy(&out.stderr).contains("the file is damaged"), "{out:?}");
    // The seal's own name broken by a byte (found by the fuzz target `model_file`): without the
    // seal the file would read as one from before seals and the flipped weight would predict.
    let field = ndnet_files::SEAL_FIELD.as_bytes();
    let name_at = (0..bytes.len() - field.len()).find(|&i| &bytes[i..i + field.len()] == field).unwrap();
    bytes[name_at] ^= 0x01;
    let unsealed = d.join("unsealed.safetensors");
    std::fs::write(&unsealed, &bytes).unwrap();
    let out = predict(&unsealed);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("the file is damaged: it was written with a seal"), "{said}");
    // Parts that disagree, written with a whole seal (as a tool that re-saves would).
    let (net, metadata) = ndnet_trainer::load_model::<f32>(&model).unwrap();
    let resave = |name: &str, metadata: &ndnet_trainer::RunMetadata, net: &ndnet_layers::Sequential<f32>| {
        let path = d.join(name);
        ndnet_trainer::save_safetensors(net, metadata, &path).unwrap();
        String::from_utf8_lossy(&predict(&path).stderr).into_owned()
    };
    let mut swapped = serde_json::to_value(&metadata).unwrap();
    swapped["pipeline"]["target_encoder"]["labels"] = serde_json::json!(["Yes", "No"]);
    let swapped: ndnet_trainer::RunMetadata = serde_json::from_value(swapped).unwrap();
    assert!(resave("swapped.safetensors", &swapped, &net).contains("labels that are not sorted"));
    let (mut negative, _) = ndnet_trainer::load_model::<f32>(&model).unwrap();
    ndnet_layers::Model::visit_state_mut(&mut negative, &mut |name, value| {
        if let (true, ndnet_layers::StateValueMut::Tensor(mut t)) = (name.name == "running_var", value) {
            t[0] = -1.0;
        }
    });
    assert!(resave("negative.safetensors", &metadata, &negative).contains("negative variance"));
    let mut wide = serde_json::to_value(&metadata).unwrap();
    wide["calibration"]["level"] = serde_json::json!(1.5);
    let wide: ndnet_trainer::RunMetadata = serde_json::from_value(wide).unwrap();
    let message = resave("level.safetensors", &wide, &net);
    assert!(message.contains("the stored calibration does not fit the model"), "{message}");
    // A file of a newer format is refused by name, before its fields are read.
    let newer =
        ndnet_trainer::RunMetadata { format: ndnet_trainer::ModelFormat(ndnet_trainer::MODEL_FORMAT + 1), ..metadata };
    let message = resave("newer.safetensors", &newer, &net);
    assert!(message.contains("written by a newer ndnet: model format 3"), "{message}");
}

#[test]
fn sizes_from_flags_are_bounded_before_allocating() {
    refused(&["compare", "--epochs", "99999999999999"], "invalid --epochs 99999999999999: allowed 1 to 1000000");
}

#[test]
fn a_split_that_leaves_no_training_rows_names_both_flags_with_short_numbers() {
    let d = dir("no-training-rows");
    let data = table(&d, "data.csv", 40, |_, x| format!("{}", 2.0 * x));
    let out = d.join("run");
    refused(
        &[
            "train",
            "--data",
            &data,
            "--target",
            "y",
            "--val-fraction",
            "1e-320",
            "--test-fraction",
            "0.99999",
            "--out",
            out.to_str().unwrap(),
        ],
        "invalid --val-fraction + --test-fraction 1e-320 + 0.99999: allowed fractions that leave training rows (these take 40 of the 40 rows)",
    );
}

#[test]
fn checks_come_before_the_work() {
    let d = dir("before");
    let data = table(&d, "data.csv", 80, |_, x| format!("{}", 3.0 * x + 1.0));
    let run = d.join("run");
    assert!(train(&data, &run, &[]).status.success());
    // A file `predict` wrote, read back as training data: refused before any training.
    let predicted = d.join("predicted.csv");
    ok(&[
        "predict",
        "--model",
        run.join("weights.safetensors").to_str().unwrap(),
        "--data",
        &data,
        "--out",
        predicted.to_str().unwrap(),
    ]);
    let again = d.join("again");
    refused(
        &["train", "--data", predicted.to_str().unwrap(), "--target", "y", "--out", again.to_str().unwrap()],
        "`predicted_y` is ndnet's own prediction of `y`",
    );
    assert!(!again.exists());
    // Every missing column at once.
    let other = d.join("other.csv");
    std::fs::write(&other, "w\n1\n").unwrap();
    refused(
        &[
            "predict",
            "--model",
            run.join("weights.safetensors").to_str().unwrap(),
            "--data",
            other.to_str().unwrap(),
            "--out",
            d.join("q.csv").to_str().unwrap(),
        ],
        "no columns `x`, `z` (the model was trained on them); the columns are: w",
    );
    // A data setting's error names its flag.
    let classes = table(&d, "classes.csv", 60, |i, _| ["a", "b"][i % 2].into());
    refused(
        &["train", "--data", &classes, "--target", "y", "--out", again.to_str().unwrap(), "--log-target"],
        "invalid --log-target with a classification",
    );
}

#[test]
fn an_unnamed_column_is_named_by_position_and_a_one_column_table_keeps_its_blank_rows() {
    let d = dir("columns");
    let mut s = String::from(",x,y\n");
    for i in 0..60 {
        s.push_str(&format!("{i},{},{}\n", (i % 9) as f64, 2.0 * (i % 9) as f64 + 1.0));
    }
    let data = d.join("indexed.csv");
    std::fs::write(&data, s).unwrap();
    let run = d.join("run");
    let stdout = ok(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--target",
        "y",
        "--out",
        run.to_str().unwrap(),
        "--epochs",
        "2",
    ]);
    assert!(stdout.contains("Identifiers left out: `unnamed_1`"), "{stdout}");
    // One column, blank-looking cells: one prediction per row.
    let mut s = String::from("x,y\n");
    for i in 0..60 {
        s.push_str(&format!("{},{}\n", (i % 9) as f64, (i % 9) as f64 + 0.5));
    }
    let two = d.join("two.csv");
    std::fs::write(&two, s).unwrap();
    let run = d.join("one-run");
    ok(&[
        "train",
        "--data",
        two.to_str().unwrap(),
        "--target",
        "y",
        "--out",
        run.to_str().unwrap(),
        "--epochs",
        "2",
        "--missing",
        "median",
    ]);
    let one = d.join("one.csv");
    std::fs::write(&one, "x\n1\n\n2\n  \n3\n").unwrap();
    let out = d.join("one-predicted.csv");
    ok(&[
        "predict",
        "--model",
        run.join("weights.safetensors").to_str().unwrap(),
        "--data",
        one.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 1 + 5, "five rows in, five out");
}

#[test]
fn every_refused_value_names_its_flag_in_one_sentence() {
    let d = dir("flag-messages");
    let data = table(&d, "data.csv", 40, |_, x| format!("{}", 2.0 * x));
    let train = |extra: &[&str], want: &str| {
        let mut args = vec!["train", "--data", &data, "--target", "y", "--out", "unused"];
        args.extend_from_slice(extra);
        refused(&args, want);
    };
    // Values clap parses: its own wording named no flag, or the parser's setting instead.
    train(&["--numbers", "bogus"], "invalid --numbers bogus: allowed one of standard, robust, quantile");
    train(&["--missing", "bogus"], "invalid --missing bogus: allowed one of error, drop, mean, median");
    train(&["--unknown-category", "x"], "invalid --unknown-category x: allowed one of error, ignore");
    train(&["--recipe", "bogus"], "invalid --recipe bogus: allowed one of tabm, plain-mlp");
    train(&["--lr", "abc"], "invalid --lr abc: allowed a number");
    train(&["--seed", "-1"], "invalid --seed -1: allowed a whole number");
    // Settings checked by the library, said by their flags.
    train(&["--hidden", "0"], "invalid --members 8: allowed 1 when there is no hidden layer");
    train(&["--cv", "3", "--interval", "0.9"], "fold 1: invalid --interval 0.9: allowed at least");
    // A rate that is 0 once stored as f32 is refused by --lr-grid, not by an optimizer's --lr.
    let compare = ["compare", "--data", &data, "--target", "y", "--lr-grid", "1e-320", "--out", "unused"];
    refused(&compare, "invalid --lr-grid 1e-320: allowed learning rates > 0 and finite as 32-bit floats");
}

#[test]
fn a_small_tables_baseline_is_a_finished_linear_model() {
    // 200 rows: an epoch is one batch of the default recipe, and a baseline trained like the
    // network (its epochs, early stopping) stops far from the logistic fit (accuracy 0.28 here).
    let d = dir("small-baseline");
    let classes =
        table(&d, "classes.csv", 200, |i, x| (if x + ((i * 13) % 7) as f64 > 8.0 { "hi" } else { "lo" }).into());
    let values = table(&d, "values.csv", 200, |i, x| format!("{}", 2.0 * x - ((i * 13) % 7) as f64));
    for (data, metric, least) in [(classes, "accuracy", 0.95), (values, "r2", 0.99)] {
        let out = d.join(format!("run-{metric}"));
        let run = train(&data, &out, &[]);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let metrics: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
        let got = metrics["baseline"]["metrics"][metric].as_f64().unwrap();
        assert!(got >= least, "{data}: the baseline's {metric} {got} is under {least}");
    }
}

#[test]
fn errors_in_target_units_are_printed_short_at_any_scale() {
    // Two decimals would write thirty digits for a target near 1e30 and `0.00` for one near
    // 1e-4.
    let d = dir("short-metrics");
    for (name, scale) in [("huge.csv", 1e30), ("tiny.csv", 1e-4)] {
        let data = table(&d, name, 60, |i, x| format!("{}", (x + (i % 3) as f64) * scale));
        for cv in [&[][..], &["--cv", "2"][..]] {
            let out = d.join(format!("run-{name}-{}", cv.len()));
            let printed = ok(&[
                &["train", "--data", &data, "--target", "y", "--epochs", "1", "--quiet"][..],
                cv,
                &["--out", out.to_str().unwrap()],
            ]
            .concat());
            let longest = printed.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
            assert!(longest <= 8, "{name} {cv:?}: a number of {longest} digits in\n{printed}");
            assert!(!printed.contains(" 0.00,") && !printed.contains(" 0.00 "), "{name} {cv:?}:\n{printed}");
        }
    }
}
