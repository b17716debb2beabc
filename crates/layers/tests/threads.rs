//! Large products on several threads give the same bits as on one: every output element is
//! summed in the same order whatever the split. Own binary: the thread cap is process-wide.
//! (The default build's guarantee; with `blas`, OpenBLAS does its own threading.)
#![cfg(not(feature = "blas"))]

use ndarray::{Array2, s};
use ndnet_kernels::gemm::{PARALLEL_GEMM_LIMIT, gemm};
use ndnet_layers::threads::set_max_threads;
use ndnet_layers::{Model, Mse, Sequential};
use rand::{Rng, SeedableRng};

fn random(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0f32..1.0))
}

fn bits(a: &Array2<f32>) -> Vec<u32> {
    a.iter().map(|v| v.to_bits()).collect()
}

/// Runs `f` with the cap at `threads`, on a pool of that many threads.
fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    set_max_threads(threads);
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

/// One test, run in sequence: the cap is process-wide.
#[test]
fn one_two_and_four_threads_give_the_same_bits() {
    products_are_the_same_on_any_thread_count();
    a_wide_training_step_is_the_same_on_any_thread_count();
}

fn products_are_the_same_on_any_thread_count() {
    // The wide model's products (forward, weight gradient, input gradient), and odd row counts.
    let shapes = [(256, 256, 512), (256, 512, 512), (512, 256, 512), (200, 300, 100), (97, 512, 333)];
    for (m, k, n) in shapes {
        assert!(m * k * n > PARALLEL_GEMM_LIMIT || m < 100, "{m}×{k}×{n} is threaded");
        let (a, b) = (random(m, k, 1), random(k, n, 2));
        let c0 = random(m, n, 3);
        let run = |threads| {
            with_threads(threads, || {
                let mut c = c0.clone();
                gemm(0.3, a.view(), b.view(), 1.0, c.view_mut()); // α not a power of two: edge tiles round it apart
                let mut d = Array2::zeros((k, n));
                gemm(1.0, a.t(), c.slice(s![.., ..n]).to_owned().view(), 0.0, d.view_mut()); // Aᵀ·C: transposed operand
                (bits(&c), bits(&d))
            })
        };
        let one = run(1);
        assert_eq!(run(2), one, "{m}×{k}×{n} on 2 threads");
        assert_eq!(run(4), one, "{m}×{k}×{n} on 4 threads");
    }
}

fn a_wide_training_step_is_the_same_on_any_thread_count() {
    let x = random(256, 256, 4);
    let y = random(256, 1, 5);
    let step = |threads| {
        with_threads(threads, || {
            let mut model =
                Sequential::<f32>::mlp(&[256, 512, 512, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
            let loss = model.forward_backward(x.view(), y.view(), &Mse).unwrap();
            let mut grads = vec![loss.to_bits()];
            model.visit_params_mut(&mut |_, _, grad, _| grads.extend(grad.iter().map(|g| g.to_bits())));
            grads
        })
    };
    let one = step(1);
    assert_eq!(step(2), one);
    assert_eq!(step(4), one);
}
