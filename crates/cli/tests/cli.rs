//! `ndnet` through its binary, as a user runs it: train → predict from the weights file alone
//! gives the in-process test predictions bit for bit, for a regression, two classes with text
//! labels, and three classes; the stratified split keeps class shares; `--cv` prints the same
//! bytes for any thread count; `inspect` reads what `train` wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ndnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ndnet")).args(args).output().expect("run ndnet")
}

fn ok(args: &[&str]) -> String {
    let out = ndnet(args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ndnet {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A deterministic table: two numeric features, a text column, a yes/no column, and a target of
/// each kind (a number, yes/no, three text labels).
fn table(rows: usize) -> String {
    let mut s = String::from("x1,x2,colour,member,price,bought,kind\n");
    for i in 0..rows {
        let x1 = ((i * 37) % 101) as f64 / 10.0;
        let x2 = ((i * 53) % 89) as f64 / 8.0;
        let colour = ["red", "green", "blue"][i % 3];
        let member = if i % 4 == 0 { "Yes" } else { "No" };
        let price = 3.0 * x1 - 2.0 * x2 + if colour == "red" { 5.0 } else { 0.0 } + 0.1 * (i % 7) as f64;
        let bought = if x1 + (i % 3) as f64 > 6.0 { "yes" } else { "no" };
        let kind = ["small", "medium", "large"][usize::from(x1 > 3.5) + usize::from(x1 > 7.0)];
        s.push_str(&format!("{x1},{x2},{colour},{member},{price},{bought},{kind}\n"));
    }
    s
}

/// The test rows of `data` (by `split.csv`) as their own CSV, to predict from a file.
fn test_rows(data: &str, split: &Path, out: &Path) {
    let lines: Vec<&str> = data.lines().collect();
    let mut csv = format!("{}\n", lines[0]);
    for line in std::fs::read_to_string(split).unwrap().lines().skip(1) {
        let (row, part) = line.split_once(',').unwrap();
        if part == "test" {
            csv.push_str(lines[row.parse::<usize>().unwrap() + 1]);
            csv.push('\n');
        }
    }
    std::fs::write(out, csv).unwrap();
}

/// Trains on `target` and checks that `ndnet predict` with the weights file, on the test rows,
/// writes exactly `test_predictions.csv` (the in-process predictions).
fn round_trip(name: &str, target: &str, extra: &[&str]) -> (PathBuf, String) {
    let d = dir(name);
    let data = table(240);
    let csv = d.join("data.csv");
    std::fs::write(&csv, &data).unwrap();
    let (csv_s, out_s) = (csv.to_str().unwrap(), d.join("run"));
    let mut args = vec!["train", "--data", csv_s, "--target", target, "--out", out_s.to_str().unwrap()];
    args.extend_from_slice(&["--epochs", "40", "--hidden", "16,8", "--quiet"]);
    args.extend_from_slice(extra);
    let printed = ok(&args);
    test_rows(&data, &out_s.join("split.csv"), &d.join("test.csv"));
    let predicted = d.join("predicted.csv");
    for model in ["weights.safetensors", "checkpoint.json"] {
        let model = out_s.join(model);
        let test = d.join("test.csv");
        let args = ["predict", "--model", model.to_str().unwrap(), "--data", test.to_str().unwrap()];
        ok(&[&args[..], &["--out", predicted.to_str().unwrap()]].concat());
        let from_file = std::fs::read_to_string(&predicted).unwrap();
        let in_process = std::fs::read_to_string(out_s.join("test_predictions.csv")).unwrap();
        assert_eq!(
            from_file,
            in_process,
            "{name}: predict from {} differs from the in-process predictions",
            model.display()
        );
    }
    (out_s, printed)
}

#[test]
fn regression_round_trip() {
    let (out, printed) = round_trip("regression", "price", &["--exclude", "bought,kind"]);
    assert!(printed.contains("Task: regression"), "{printed}");
    assert!(printed.contains("Baseline (linear, same split): "), "{printed}");
    let header = std::fs::read_to_string(out.join("test_predictions.csv")).unwrap();
    assert!(header.lines().next().unwrap().ends_with(",predicted_price"), "{header}");
    assert!(out.join("predicted_vs_actual.svg").exists());
    let inspected = ok(&["inspect", out.join("weights.safetensors").to_str().unwrap()]);
    assert!(
        inspected.contains("Task: regression of `price`") && inspected.contains("member: yes/no as 1/0"),
        "{inspected}"
    );
}

#[test]
fn two_classes_with_text_labels_round_trip() {
    let (out, printed) = round_trip("binary", "bought", &["--exclude", "price,kind", "--class-weight", "balanced"]);
    assert!(printed.contains("Task: classification: the target `bought` holds text; 2 classes: no, yes"), "{printed}");
    assert!(printed.contains("ROC AUC") && printed.contains("Baseline (logistic, same split)"), "{printed}");
    let text = std::fs::read_to_string(out.join("test_predictions.csv")).unwrap();
    assert!(text.lines().next().unwrap().ends_with(",predicted_bought,probability_no,probability_yes"), "{text}");
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let (label, p_no, p_yes) = (cells[7], cells[8].parse::<f64>().unwrap(), cells[9].parse::<f64>().unwrap());
        assert!((p_no + p_yes - 1.0).abs() < 1e-12, "{line}");
        assert_eq!(label, if p_yes > 0.5 { "yes" } else { "no" }, "{line}");
    }
    let history = std::fs::read_to_string(out.join("history.csv")).unwrap();
    assert!(history.starts_with("epoch,train_loss,val_loss,val_accuracy,"), "{history}");
    assert!(out.join("confusion.svg").exists() && out.join("roc.svg").exists());
}

#[test]
fn three_classes_round_trip_and_a_stratified_split() {
    let (out, printed) = round_trip("multiclass", "kind", &["--exclude", "price,bought"]);
    assert!(printed.contains("3 classes: large, medium, small"), "{printed}");
    // Class shares per part against the table's: within one row per class.
    let data = table(240);
    let kind_of: Vec<&str> = data.lines().skip(1).map(|l| l.rsplit(',').next().unwrap()).collect();
    let split = std::fs::read_to_string(out.join("split.csv")).unwrap();
    for part in ["train", "validation", "test"] {
        let rows: Vec<usize> = split
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(',').filter(|p| p.1 == part).map(|p| p.0.parse().unwrap()))
            .collect();
        for class in ["small", "medium", "large"] {
            let all = kind_of.iter().filter(|&&k| k == class).count() as f64 / kind_of.len() as f64;
            let here = rows.iter().filter(|&&r| kind_of[r] == class).count() as f64;
            assert!((here - all * rows.len() as f64).abs() <= 1.0, "{part} {class}: {here} of {}", rows.len());
        }
    }
}

#[test]
fn intervals_round_trip_and_hold_the_prediction() {
    let extra = ["--exclude", "bought,kind", "--interval", "0.9", "--interval-score", "normalized"];
    let (out, printed) = round_trip("interval", "price", &extra);
    assert!(printed.contains("Interval (normalized score, 90%, calibrated on 36 validation rows): "), "{printed}");
    let text = std::fs::read_to_string(out.join("test_predictions.csv")).unwrap();
    assert!(text.lines().next().unwrap().ends_with(",predicted_price,price_lower,price_upper"), "{text}");
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.rsplit(',').take(3).map(|c| c.parse().unwrap()).collect();
        let (upper, lower, predicted) = (v[0], v[1], v[2]);
        assert!(lower < predicted && predicted < upper, "lower < predicted < upper: {line}");
    }
    let model = out.join("weights.safetensors");
    let inspected = ok(&["inspect", model.to_str().unwrap()]);
    assert!(inspected.contains("Interval: 90%, normalized score"), "{inspected}");
    let before = std::fs::read(&model).unwrap();
    let refused = ndnet(&["export", "--model", model.to_str().unwrap(), "--onnx", model.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("--onnx") && stderr.contains("is the --model file"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&model).unwrap(), before, "the model is untouched");
}

#[test]
fn prediction_sets_round_trip() {
    let (out, printed) = round_trip("sets", "kind", &["--exclude", "price,bought", "--interval", "0.9"]);
    assert!(printed.contains("Prediction sets (90%, calibrated on 36 validation rows): "), "{printed}");
    let text = std::fs::read_to_string(out.join("test_predictions.csv")).unwrap();
    assert!(text.lines().next().unwrap().ends_with(",prediction_set"), "{text}");
    for line in text.lines().skip(1) {
        let set = line.rsplit(',').next().unwrap();
        assert!(!set.is_empty() && set.split('|').all(|l| ["large", "medium", "small"].contains(&l)), "{line}");
    }
}

#[test]
fn predict_reports_rows_unlike_the_training_rows_and_strict_refuses_them() {
    let d = dir("input_check");
    let csv = d.join("data.csv");
    std::fs::write(&csv, table(120)).unwrap();
    let run = d.join("run");
    let train = ["train", "--data", csv.to_str().unwrap(), "--target", "price", "--exclude", "bought,kind"];
    ok(&[&train[..], &["--epochs", "5", "--missing", "median", "--quiet", "--out", run.to_str().unwrap()]].concat());
    let odd = d.join("odd.csv");
    let rows = "x1,x2,colour,member\n5,3,red,Yes\n250,3,red,No\n5,NA,purple,\n-1,2,mauve,Yes\n";
    std::fs::write(&odd, rows).unwrap();
    let model = run.join("weights.safetensors");
    let predicted = d.join("predicted.csv");
    let args = ["predict", "--model", model.to_str().unwrap(), "--data", odd.to_str().unwrap()];
    let printed = ok(&[&args[..], &["--out", predicted.to_str().unwrap()]].concat());
    for expected in [
        "Input check of 4 rows against the training rows:",
        "`x1`: 2 values outside the training range 0 to 10 (first: line 3, \"250\")",
        "`x2`: 1 missing cell filled with ",
        "`colour`: 2 cells hold a category the training rows never had, encoded as none (first: line 4, \"purple\")",
        "`member`: 1 missing cell filled with 0 (first: line 4; 0.0 % of the training rows were missing)",
    ] {
        assert!(printed.contains(expected), "{expected} in:\n{printed}");
    }
    assert_eq!(std::fs::read_to_string(&predicted).unwrap().lines().count(), 5, "every row predicted, none dropped");
    let strict = d.join("strict.csv");
    let out = ndnet(&[&args[..], &["--strict", "--out", strict.to_str().unwrap()]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.lines().count() == 1, "{stderr}");
    let expected = "odd.csv: line 3, column `x1`: 250 is outside the training rows' range 0 to 10 (--strict)";
    assert!(stderr.contains(expected), "{stderr}");
    assert!(!strict.exists(), "a refused run writes nothing");
}

#[test]
fn cross_validation_prints_the_same_bytes_for_one_and_two_threads() {
    let d = dir("cv");
    let csv = d.join("data.csv");
    std::fs::write(&csv, table(150)).unwrap();
    let run = |jobs: &str| {
        let out = d.join(format!("jobs{jobs}"));
        let args = ["train", "--data", csv.to_str().unwrap(), "--target", "kind", "--exclude", "price,bought"];
        let printed = ok(&[
            &args[..],
            &["--cv", "3", "--jobs", jobs, "--epochs", "15", "--hidden", "8", "--interval", "0.8"],
            &["--out", out.to_str().unwrap()],
        ]
        .concat());
        let printed: Vec<String> = printed.lines().filter(|l| !l.starts_with("Wrote ")).map(String::from).collect();
        (printed.join("\n"), std::fs::read(out.join("cv.csv")).unwrap())
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one, two);
    assert!(one.0.contains("3 stratified folds") && one.0.contains("Mean ± sd over 3 folds: accuracy "), "{}", one.0);
    assert!(one.0.contains("Interval (80%, each fold calibrated on its validation rows): coverage "), "{}", one.0);
}

#[test]
fn bad_flags_are_one_line_errors() {
    let d = dir("bad");
    let csv = d.join("data.csv");
    std::fs::write(&csv, table(30)).unwrap();
    let c = csv.to_str().unwrap();
    for (args, expected) in [
        (vec!["--target", "price", "--hidden", "64,0"], "invalid --hidden 64,0: allowed widths 1 to 65536"),
        (vec!["--target", "price", "--task", "ranking"], "invalid --task ranking: allowed regression, classification"),
        (
            vec!["--target", "price", "--lr", "1e-50"],
            "invalid --lr 1e-50: allowed > 0 and finite in the model's float type",
        ),
        (
            vec!["--target", "price", "--optimizer", "adam", "--preset", "pytorch-adamw"],
            "invalid --preset pytorch-adamw: allowed for adam one of keras, pytorch, optax",
        ),
        (vec!["--target", "kind", "--loss", "mse"], "invalid --loss mse: allowed crossentropy for a classification"),
        (vec!["--target", "price", "--class-weight", "1,2"], "invalid --class-weight 1,2: allowed only with classes"),
        (vec!["--target", "price", "--features", "x1,x1"], "`x1` is named twice among the features"),
        (vec!["--target", "price", "--interval", "1.5"], "invalid --interval 1.5: allowed in (0, 1), e.g. 0.9"),
        (
            vec!["--target", "price", "--interval-score", "wide"],
            "invalid --interval-score wide: allowed absolute, normalized",
        ),
        (
            vec!["--target", "price", "--interval-score", "normalized"],
            "invalid --interval-score normalized: allowed only with --interval",
        ),
        (
            vec!["--target", "price", "--interval", "0.99"],
            "invalid --interval 0.99: allowed with at least 99 validation rows to calibrate on (there are 5; raise the validation fraction)",
        ),
        (
            vec!["--target", "kind", "--interval", "0.5", "--interval-score", "normalized"],
            "invalid --interval-score normalized: allowed absolute for a classification",
        ),
        (vec!["--target", "price", "--loss", "quantile:1.2"], "invalid --loss quantile:1.2: allowed mse, mae, huber"),
    ] {
        let run = d.join("run");
        let mut all = vec!["train", "--data", c, "--out", run.to_str().unwrap(), "--epochs", "1"];
        all.extend(args.iter());
        let out = ndnet(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.lines().count() == 1, "{all:?}: {stderr}");
        assert!(stderr.contains(expected), "{all:?}: {stderr}");
    }
    // The folder a run replaces as a whole must not hold its data.
    let out = ndnet(&["train", "--data", c, "--out", d.to_str().unwrap(), "--target", "price"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("it holds the --data file") && stderr.lines().count() == 1, "{stderr}");
}
