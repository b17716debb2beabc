//! End to end through the example binaries (`cargo test` builds them into target/*/examples).

mod common;

use common::{assert_one_line_error, example, text, tmp};

#[test]
fn housing_writes_all_four_outputs_and_the_test_metrics() {
    let out_dir = tmp("housing dir ü").join("out"); // spaces and non-ASCII in the path; created by the run
    let out = example("housing").args(["--epochs", "3", "--out"]).arg(&out_dir).output().unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("Epoch 1, Loss: ") && stdout.contains("Epoch 3, Loss: "), "{stdout}");
    assert!(stdout.contains("Test (259 rows): MSE") && stdout.contains("R² "), "{stdout}");
    assert!(stdout.trim_end().ends_with(&format!("to {}", out_dir.display())), "{stdout}");
    for f in ["history.csv", "loss.svg", "checkpoint.json", "weights.safetensors"] {
        assert!(out_dir.join(f).metadata().unwrap().len() > 0, "{f}");
    }
    assert_eq!(std::fs::read_to_string(out_dir.join("history.csv")).unwrap().lines().count(), 4);

    // Start from the written weights: runs, and its first epoch is already better than random.
    let again = example("housing")
        .args(["--epochs", "1", "--quiet", "--init"])
        .arg(out_dir.join("weights.safetensors"))
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", text(&again.stderr));
}

#[test]
fn compare_writes_csv_and_svg() {
    let out_dir = tmp("compare").join("out");
    let out = example("compare_optimizers")
        .args(["--seeds", "2", "--epochs", "3", "--lr-grid", "0.001,0.01", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("sgd (lr ") && stdout.contains("rmsprop (lr "), "{stdout}");
    let csv = std::fs::read_to_string(out_dir.join("curves.csv")).unwrap();
    // 2 optimizers × 2 learning rates × 2 seeds × 3 epochs, plus the header
    assert_eq!(csv.lines().count(), 1 + 2 * 2 * 2 * 3);
    assert!(std::fs::read_to_string(out_dir.join("compare.svg")).unwrap().starts_with("<svg"));
}

#[test]
fn both_examples_reject_a_missing_file_and_an_unknown_column() {
    for name in ["housing", "compare_optimizers"] {
        let out = example(name).args(["--data", "no/such.csv"]).output().unwrap();
        assert_one_line_error(name, &out, "no/such.csv: No such file");
        let out = example(name).args(["--features", "lotSize,bogus", "--out"]).arg(tmp("unknown")).output().unwrap();
        assert_one_line_error(name, &out, "no column `bogus`");
    }
}

#[test]
fn custom_model_checks_trains_resumes_and_exports() {
    let out_dir = tmp("custom").join("out");
    let out = example("custom_model").args(["--epochs", "4", "--quiet", "--out"]).arg(&out_dir).output().unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let worst: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Gradient check (f64, 7 tensors): largest relative error "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no gradient check line: {stdout}"));
    assert!(worst <= 1e-6, "{stdout}");
    assert!(stdout.contains("Resuming from") && stdout.contains("after epoch 2"), "{stdout}");
    assert!(stdout.contains("Resumed run: weights bit-identical to an uninterrupted 4-epoch run"), "{stdout}");
    assert!(stdout.contains("Test (259 rows): MSE"), "{stdout}");
    for f in ["history.csv", "checkpoint.json", "weights.safetensors"] {
        assert!(out_dir.join(f).metadata().unwrap().len() > 0, "{f}");
    }
}

#[test]
fn a_closed_stdout_ends_a_program_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = example("housing")
        .args(["--epochs", "50", "--out"])
        .arg(tmp("closed-stdout"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 8];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(&first, b"Data: 17"); // the data summary comes first
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "nothing on stderr: no panic, no error line");
}
