//! Adagrad against `torch.optim.Adagrad` (tools/adagrad_fixtures.py, on the problem of
//! tools/optim_fixtures.py: the same initial parameters and θ-dependent gradient, 1,000 steps,
//! compared at every recorded step), in f64 and f32. Against PyTorch's operations with a correctly
//! rounded square root, every case is equal bit for bit; against `torch.optim.Adagrad` itself,
//! the cases where PyTorch's vectorised `sqrt` is exact are equal bit for bit and the others
//! within the bound below (that `sqrt` is off by an ulp on some elements, on some CPUs).

use ndarray::{Array1, Array2, NdFloat};
use ndnet_optim::{Adagrad, AdagradConfig, Optimizer};
use serde_json::Value;

fn load(tag: &str) -> Value {
    let path = format!("{}/tests/fixtures/adagrad_{tag}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The problem's noise, as tools/optim_fixtures.py computes it.
fn noise(t: u64, i: u64) -> f64 {
    let mut h = (t.wrapping_mul(2654435761) + i * 40503 + 1) & 0xFFFF_FFFF;
    h = h.wrapping_mul(2246822519) & 0xFFFF_FFFF;
    h ^= h >> 13;
    (h >> 8) as f64 / (1u64 << 24) as f64 - 0.5
}

fn f<F: NdFloat>(v: f64) -> F {
    F::from(v).unwrap()
}

/// g = 0.5·(θ − c) + noise, in F, in the script's operation order.
fn gradient<F: NdFloat>(theta: &[F], t: u64) -> Vec<F> {
    let c = |i: usize| f::<F>(0.25 * (i % 5) as f64 - 0.5);
    theta.iter().enumerate().map(|(i, &th)| f::<F>(0.5) * (th - c(i)) + f::<F>(noise(t, i as u64))).collect()
}

/// Replays one case; returns how many recorded values differ from PyTorch's bits and the largest
/// relative difference.
fn replay<F: NdFloat>(doc: &Value, case: &Value, trajectory: &str) -> (usize, f64) {
    let cfg = &case["config"];
    let num = |k: &str| cfg.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    let config = AdagradConfig::pytorch(num("lr"))
        .with_lr_decay(num("lr_decay"))
        .with_weight_decay(num("weight_decay"))
        .with_initial_accumulator(num("initial_accumulator_value"))
        .with_maximize(cfg.get("maximize").and_then(Value::as_bool).unwrap_or(false));
    let mut opt = Adagrad::<F>::new(config).unwrap();
    let init: Vec<F> =
        ["w", "b"].iter().flat_map(|k| doc["init"][*k].as_array().unwrap()).map(|v| f(v.as_f64().unwrap())).collect();
    let (mut w, mut b) =
        (Array2::from_shape_vec((2, 3), init[..6].to_vec()).unwrap(), Array1::from_vec(init[6..].to_vec()));
    let record: Vec<u64> = doc["record_steps"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    let (mut differing, mut worst, mut r) = (0, 0.0_f64, 0);
    for t in 1..=doc["steps"].as_u64().unwrap() {
        let g = gradient(&w.iter().chain(b.iter()).copied().collect::<Vec<_>>(), t);
        let (mut gw, mut gb) =
            (Array2::from_shape_vec((2, 3), g[..6].to_vec()).unwrap(), Array1::from_vec(g[6..].to_vec()));
        opt.step(&mut [
            (w.view_mut().into_dyn(), gw.view_mut().into_dyn()),
            (b.view_mut().into_dyn(), gb.view_mut().into_dyn()),
        ])
        .unwrap();
        if record.get(r) == Some(&t) {
            let want = case[trajectory][r].as_array().unwrap();
            for (got, want) in w.iter().chain(b.iter()).zip(want) {
                let want = want.as_f64().unwrap();
                differing += usize::from(*got != f::<F>(want));
                worst = worst.max((got.to_f64().unwrap() - want).abs() / want.abs().max(1e-30));
            }
            r += 1;
        }
    }
    (differing, worst)
}

/// The largest relative difference from `torch.optim.Adagrad` itself, by float type: PyTorch's
/// `sqrt` (measured on this machine: wrong in the last bit for 1.3 % of f64 and 17 % of f32 values).
fn bound(tag: &str) -> f64 {
    if tag == "f64" { 1e-15 } else { 2e-5 }
}

fn replay_all<F: NdFloat>(tag: &str) {
    let doc = load(tag);
    println!("adagrad fixtures {tag}: {}", doc["versions"]);
    let mut exact = 0;
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (differing, _) = replay::<F>(&doc, case, "trajectory_exact_sqrt");
        assert_eq!(differing, 0, "{tag} {name}: PyTorch's operations with an exact sqrt");
        let (differing, worst) = replay::<F>(&doc, case, "trajectory");
        exact += usize::from(differing == 0);
        let verdict = match differing {
            0 => "bit-exact".to_string(),
            n => format!("{n} values differ from torch.optim.Adagrad, max rel {worst:.2e} (its sqrt)"),
        };
        println!("{tag} {name:<34} {verdict}; bit-exact against its operations with an exact sqrt");
        assert!(worst <= bound(tag), "{tag} {name}: {worst:e}");
    }
    println!("{tag}: {exact} cases bit-exact against torch.optim.Adagrad itself");
}

#[test]
fn f64_trajectories_are_pytorchs_bits() {
    replay_all::<f64>("f64");
}

#[test]
fn f32_trajectories_are_pytorchs_bits() {
    replay_all::<f32>("f32");
}
