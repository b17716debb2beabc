//! Kill the housing example (with Dropout and BatchNorm) with SIGKILL at a random moment after its
//! first checkpoint while it checkpoints every epoch, then resume: the child must have died of the signal mid-run, the
//! checkpoint on disk always loads (atomic writes), and the final weights are bit-identical to a
//! run never interrupted. (That a crash during the write itself leaves the old file intact is
//! unit-tested with an injected failure in `crates/trainer/src/atomic.rs`.)
//!
//! 3 trials by default (debug CI); `NDNET_KILL_TRIALS=20 cargo test --release --test crash_resume`
//! for the full 20.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use common::{example, text, tmp};

use ndnet::rand::{Rng, SeedableRng};
use ndnet::trainer::Checkpoint;

/// The housing model with Dropout and BatchNorm: the resume must bring back their state too
/// (running statistics, the dropout mask stream), not only the parameters.
const ARGS: [&str; 7] = ["--dropout", "0.2", "--batch-norm", "--epochs", "60", "--quiet", "--seed"];

#[test]
fn killed_runs_resume_bit_identically() {
    let trials: u64 = std::env::var("NDNET_KILL_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let reference = tmp("kill-reference");
    let mut command = example("housing"); // builds the binary first, outside the timing
    let start = Instant::now();
    let mut child = command.args(ARGS).arg("7").arg("--out").arg(&reference).spawn().unwrap();
    while !reference.join("checkpoint.json").exists() && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(1));
    }
    let first_checkpoint = start.elapsed();
    assert!(child.wait().unwrap().success());
    let full = start.elapsed();
    let training = full - first_checkpoint;
    let want = std::fs::read(reference.join("weights.safetensors")).unwrap();

    let seed: u64 =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    println!(
        "kill moments drawn with seed {seed}; an uninterrupted run takes {full:?}, {training:?} after its first checkpoint"
    );
    let mut rng = ndnet::rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut mid_run = 0;
    for trial in 0..trials {
        let out = tmp(&format!("kill-{trial}"));
        let ckpt = out.join("checkpoint.json");
        // Kill only once a first checkpoint is on disk, at a random moment of the training that
        // follows; a child that finished first is not a kill, and the trial is drawn again.
        let wait = loop {
            let _ = std::fs::remove_dir_all(&out);
            let mut child = example("housing").args(ARGS).arg("7").arg("--out").arg(&out).spawn().unwrap();
            while !ckpt.exists() && child.try_wait().unwrap().is_none() {
                std::thread::sleep(Duration::from_millis(1));
            }
            let wait = Duration::from_secs_f64(training.as_secs_f64() * rng.random_range(0.0..0.9));
            std::thread::sleep(wait);
            if child.try_wait().unwrap().is_some() {
                println!("trial {trial}: the run finished within {wait:?}; drawing again");
                continue;
            }
            child.kill().unwrap(); // SIGKILL on Unix
            let status = child.wait().unwrap();
            // The run may end between the look above and the signal: a whole run, not a kill.
            if status.success() {
                println!("trial {trial}: the run finished as it was killed; drawing again");
                continue;
            }
            assert_eq!(status.signal(), Some(9), "trial {trial}: the child must die of SIGKILL ({status})");
            break wait;
        };

        let c = Checkpoint::<f32>::load(&ckpt)
            .unwrap_or_else(|e| panic!("trial {trial}: a killed run left a bad checkpoint: {e}"));
        println!("trial {trial}: killed {wait:?} after its first checkpoint; checkpoint at epoch {}", c.epoch());
        mid_run += usize::from(c.epoch() > 0 && c.epoch() < 60);
        let run =
            example("housing").args(ARGS).arg("7").arg("--out").arg(&out).arg("--resume").arg(&ckpt).output().unwrap();
        assert!(run.status.success(), "trial {trial}: {}", text(&run.stderr));
        let got = std::fs::read(out.join("weights.safetensors")).unwrap();
        assert!(got == want, "trial {trial}: resumed weights differ from the uninterrupted run");
    }
    println!("{trials} trials: {mid_run} resumed from a checkpoint between the first and the last epoch");
    assert!(mid_run >= 1, "no trial resumed mid-run: the kills did not land");
}
