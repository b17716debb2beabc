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

    // Start from the written weights: its first epoch is better than the first epoch from random
    // weights, and no worse than where the 3-epoch run ended.
    let first_loss = |args: &[&str]| -> f64 {
        let run =
            example("housing").args(["--epochs", "1"]).args(args).arg("--out").arg(tmp("again")).output().unwrap();
        assert!(run.status.success(), "{}", text(&run.stderr));
        let stdout = text(&run.stdout);
        stdout.split("Epoch 1, Loss: ").nth(1).and_then(|s| s.split(',').next()?.parse().ok()).unwrap()
    };
    let weights = out_dir.join("weights.safetensors");
    let from_weights = first_loss(&["--init", weights.to_str().unwrap()]);
    let from_random = first_loss(&[]);
    let third: f64 = stdout.split("Epoch 3, Loss: ").nth(1).and_then(|s| s.split(',').next()?.parse().ok()).unwrap();
    assert!(from_weights < from_random && from_weights <= third * 1.05, "{from_weights} vs {from_random}, {third}");
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
    assert!(stdout.contains("sgd (lr ") && stdout.contains("rmsprop (lr ") && stdout.contains("adam (lr "), "{stdout}");
    let csv = std::fs::read_to_string(out_dir.join("curves.csv")).unwrap();
    // 3 optimizers × 2 learning rates × 2 seeds × 3 epochs, plus the header
    assert_eq!(csv.lines().count(), 1 + 3 * 2 * 2 * 3);
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

/// Sizes from flags are bounded before anything is allocated.
#[test]
fn custom_model_bounds_its_sizes_before_allocating() {
    for (flag, value, allowed) in
        [("--hidden", "99999999999", "1 to 65536"), ("--epochs", "99999999999", "2 to 1000000")]
    {
        let out = example("custom_model").args([flag, value]).output().unwrap();
        assert!(!out.status.success());
        assert_one_line_error("custom_model", &out, &format!("invalid {flag} {value}: allowed {allowed}"));
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

/// A layer kind of the user's own: gradient-checked, trained, saved in the model description,
/// rebuilt with the user's registry (bit for bit), refused by name without it, exported.
#[test]
fn a_custom_layer_kind_trains_saves_loads_and_exports() {
    let out_dir = tmp("custom-layer").join("out");
    let out = example("custom_layer").args(["--epochs", "3", "--out"]).arg(&out_dir).output().unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let worst: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Gradient check (f64): largest relative error "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no gradient check line: {stdout}"));
    assert!(worst <= 1e-6, "{stdout}");
    assert!(stdout.contains("Model: 10 → dense(outputs=16) → swish → dense(outputs=1)"), "{stdout}");
    assert!(stdout.contains("the same predictions bit for bit: true"), "{stdout}");
    assert!(stdout.contains("layer 1 (swish): invalid layer kind = swish"), "{stdout}");
    assert!(out_dir.join("model.onnx").metadata().unwrap().len() > 1000);
}

#[test]
fn a_closed_stdout_ends_a_program_quietly_and_not_with_success() {
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
    // The run did not finish, so the exit is not 0: 141, as a shell reports SIGPIPE.
    assert_eq!(out.status.code(), Some(141), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "nothing on stderr: no panic, no error line");
}

#[test]
fn housing_takes_every_optimizer_loss_and_activation() {
    let out = tmp("housing-flags");
    let runs: [&[&str]; 7] = [
        &["--optimizer", "adam"],
        &["--optimizer", "adamw", "--preset", "pytorch"],
        &["--optimizer", "adam", "--preset", "optax", "--weight-decay", "0.01"],
        &["--optimizer", "sgd", "--preset", "keras", "--momentum", "0.9"],
        &["--loss", "huber", "--activation", "tanh"],
        &["--loss", "mae", "--activation", "leaky-relu"],
        &["--activation", "sigmoid", "--optimizer", "rmsprop", "--preset", "tf1"],
    ];
    for args in runs {
        let run = example("housing").args(args).args(["--epochs", "3", "--quiet", "--out"]).arg(&out).output().unwrap();
        let stdout = text(&run.stdout);
        assert!(run.status.success(), "{args:?}: {}", text(&run.stderr));
        let r2: f64 = stdout.split("R² ").nth(1).and_then(|s| s.split_whitespace().next()?.parse().ok()).unwrap();
        // Three epochs from random weights already beat predicting the mean (R² 0) on held-out houses.
        assert!(r2 > 0.0, "{args:?}: {stdout}");
    }
    for (args, want) in [
        (&["--optimizer", "lbfgs"][..], "invalid --optimizer lbfgs: allowed one of sgd, rmsprop, adam, adamw, adagrad"),
        (
            &["--optimizer", "adam", "--preset", "tf1"],
            "invalid --preset tf1: allowed for adam one of keras, pytorch, optax",
        ),
        (&["--optimizer", "sgd", "--preset", "optax"], "invalid --preset optax: allowed for sgd one of pytorch, keras"),
        (&["--optimizer", "adam", "--momentum", "0.9"], "invalid --momentum 0.9: allowed only with sgd, rmsprop"),
        (&["--loss", "hinge"], "invalid --loss hinge: allowed mse, mae, huber"),
        (&["--activation", "swish"], "invalid --activation swish: allowed one of relu, leaky-relu, tanh, sigmoid"),
        (&["--weight-decay", "-1"], "invalid --weight-decay -1: allowed ≥ 0 and finite"),
    ] {
        let run = example("housing").args(args).arg("--out").arg(&out).output().unwrap();
        assert_one_line_error(&format!("{args:?}"), &run, want);
    }
}

#[test]
fn moons_reaches_97_percent_and_draws_the_boundary() {
    let out_dir = tmp("moons");
    let run = example("moons").args(["--quiet", "--out"]).arg(&out_dir).output().unwrap();
    let stdout = text(&run.stdout);
    assert!(run.status.success(), "{stdout}\n{}", text(&run.stderr));
    let accuracy: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Test (200 points): accuracy "))
        .and_then(|l| l.split(',').next()?.parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(accuracy >= 0.97, "{stdout}");
    let svg = std::fs::read_to_string(out_dir.join("moons.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.matches("<circle").count() >= 1000, "every point is drawn");
}
