//! Every optimizer gives the same bits on 1, 2 and 4 threads and at every vector level: a tensor
//! long enough to be split (`ndnet_kernels::threads::PARALLEL_ELEMENTS`), with an odd length so the
//! last block is ragged, through three steps of each preset and flavour. One test, because the
//! thread cap is process-wide.

use ndarray::Array1;
use ndnet_optim::simd::{self, Level};
use ndnet_optim::threads::{PARALLEL_ELEMENTS, set_max_threads};
use ndnet_optim::{
    Adam, AdamConfig, AdamPreset, MomentumStyle, Optimizer, RmsProp, RmsPropConfig, RmsPropPreset, Sgd, SgdConfig,
    WeightDecay,
};

fn optimizers() -> Vec<(String, Box<dyn Optimizer<f32>>)> {
    let mut opts: Vec<(String, Box<dyn Optimizer<f32>>)> = Vec::new();
    for &p in RmsPropPreset::ALL {
        let base = RmsPropConfig::preset(p, 1e-3);
        for (flavour, config) in [
            ("", base),
            (" centered", base.with_centered(true)),
            (" momentum", base.with_momentum(0.9)),
            (" centered momentum", base.with_centered(true).with_momentum(0.9)),
        ] {
            opts.push((format!("rmsprop {p}{flavour}"), Box::new(RmsProp::new(config).unwrap())));
        }
    }
    for &p in AdamPreset::ALL {
        let base = AdamConfig::preset(p, 1e-3);
        opts.push((format!("adam {p}"), Box::new(Adam::new(base).unwrap())));
        opts.push((format!("adam {p} amsgrad"), Box::new(Adam::new(base.with_amsgrad(true)).unwrap())));
    }
    for (name, config) in [
        ("sgd", SgdConfig::pytorch(1e-2)),
        ("sgd pytorch nesterov", SgdConfig::pytorch(1e-2).with_momentum(0.9).with_nesterov(true)),
        ("sgd pytorch l2", SgdConfig::pytorch(1e-2).with_momentum(0.9).with_weight_decay(WeightDecay::L2(1e-2))),
        ("sgd keras momentum", SgdConfig::keras(1e-2).with_momentum(0.9).with_momentum_style(MomentumStyle::LrInside)),
    ] {
        opts.push((name.to_string(), Box::new(Sgd::new(config).unwrap())));
    }
    opts
}

/// The parameter's bits after three steps with fresh state, on `threads` threads at `level`.
fn run(opt: &mut dyn Optimizer<f32>, threads: usize, level: Level) -> Vec<u32> {
    set_max_threads(threads);
    let n = 4 * PARALLEL_ELEMENTS + 12_345;
    let mut theta = Array1::from_shape_fn(n, |i| ((i as f32) * 0.37).sin());
    simd::with_level(level, || {
        for step in 0..3 {
            let mut grad = Array1::from_shape_fn(n, |i| ((i * 7 + step) as f32 * 0.11).cos() * 0.1);
            opt.step(&mut [(theta.view_mut().into_dyn(), grad.view_mut().into_dyn())]).unwrap();
        }
    });
    theta.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn updates_are_the_same_bits_on_any_thread_count_and_vector_level() {
    let levels: Vec<Level> = Level::ALL.into_iter().filter(|&l| l <= simd::supported()).collect();
    println!("levels covered: {levels:?}");
    for (i, (name, _)) in optimizers().into_iter().enumerate() {
        let again = || optimizers().swap_remove(i).1;
        let reference = run(again().as_mut(), 1, Level::Baseline);
        for threads in [1, 2, 4] {
            for &level in &levels {
                let bits = run(again().as_mut(), threads, level);
                assert!(bits == reference, "{name}: {threads} threads at {level} differ from 1 thread at the baseline");
            }
        }
    }
}
