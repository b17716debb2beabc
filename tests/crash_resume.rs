//! Kill the housing example with SIGKILL at a random moment while it checkpoints every epoch,
//! then resume: the checkpoint on disk always loads (atomic writes) and the final weights are
//! bit-identical to a run never interrupted.
//!
//! 3 trials by default (debug CI); `NDNET_KILL_TRIALS=20 cargo test --release --test crash_resume`
//! for the full 20.

mod common;

use std::time::{Duration, Instant};

use common::{example, text, tmp};
use ndnet::rand::{Rng, SeedableRng};
use ndnet::trainer::Checkpoint;

const ARGS: [&str; 4] = ["--epochs", "60", "--quiet", "--seed"];

#[test]
fn killed_runs_resume_bit_identically() {
    let trials: u64 = std::env::var("NDNET_KILL_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let reference = tmp("kill-reference");
    let start = Instant::now();
    let run = example("housing").args(ARGS).arg("7").arg("--out").arg(&reference).output().unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let full = start.elapsed();
    let want = std::fs::read(reference.join("weights.safetensors")).unwrap();

    let seed: u64 =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    println!("kill moments drawn with seed {seed}; an uninterrupted run takes {full:?}");
    let mut rng = ndnet::rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (mut resumed, mut fresh) = (0, 0);
    for trial in 0..trials {
        let out = tmp(&format!("kill-{trial}"));
        let mut child = example("housing").args(ARGS).arg("7").arg("--out").arg(&out).spawn().unwrap();
        let wait = Duration::from_secs_f64(full.as_secs_f64() * rng.random_range(0.05..1.0));
        std::thread::sleep(wait);
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();

        let ckpt = out.join("checkpoint.json");
        let mut resume = example("housing");
        resume.args(ARGS).arg("7").arg("--out").arg(&out);
        if ckpt.exists() {
            let c = Checkpoint::<f32>::load(&ckpt)
                .unwrap_or_else(|e| panic!("trial {trial}: a killed run left a bad checkpoint: {e}"));
            println!("trial {trial}: killed after {wait:?}, checkpoint at epoch {}", c.epoch());
            resume.arg("--resume").arg(&ckpt);
            resumed += 1;
        } else {
            println!("trial {trial}: killed after {wait:?}, before the first checkpoint");
            fresh += 1;
        }
        let run = resume.output().unwrap();
        assert!(run.status.success(), "trial {trial}: {}", text(&run.stderr));
        let got = std::fs::read(out.join("weights.safetensors")).unwrap();
        assert!(got == want, "trial {trial}: resumed weights differ from the uninterrupted run");
    }
    println!("{trials} trials: {resumed} resumed from a checkpoint, {fresh} restarted");
}
