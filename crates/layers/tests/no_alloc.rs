//! A counting global allocator proves a training step allocates nothing after the first batch.
//! Counts are per thread, so the tests of this binary may run in parallel.

use ndarray::Array2;
use ndnet_layers::{DenseConfig, Model, Mse, Relu, Sequential};
use rand::SeedableRng;

#[path = "../../../tests/support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{Counting, allocations};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn forward_loss_backward_allocates_nothing_after_the_first_batch() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut model = Sequential::<f32>::new()
        .push(DenseConfig::new(10, 10).init(&mut rng).unwrap())
        .push(Relu)
        .push(DenseConfig::new(10, 1).init(&mut rng).unwrap());
    let x = Array2::from_shape_fn((32, 10), |(i, j)| (i as f32 * 0.1 - j as f32 * 0.2).sin());
    let y = Array2::from_shape_fn((32, 1), |(i, _)| i as f32 * 0.01);
    let tail = ndarray::s![..7, ..];

    model.forward_backward(x.view(), y.view(), &Mse).unwrap(); // warm-up: buffers are made here
    let before = allocations();
    for _ in 0..100 {
        model.forward_backward(x.view(), y.view(), &Mse).unwrap();
        // A last partial batch, as at the end of an epoch, reuses the same buffers.
        model.forward_backward(x.slice(tail), y.slice(tail), &Mse).unwrap();
        model.visit_params_mut(&mut |_, value, grad, _| value.iter_mut().zip(&*grad).for_each(|(w, g)| *w -= 0.01 * g));
    }
    let after = allocations();
    println!("heap allocations in 200 steady-state steps: {}", after - before);
    assert_eq!(after - before, 0);
}

#[test]
fn every_activation_and_loss_allocates_nothing_after_the_first_batch() {
    use ndnet_layers::{
        Activation, BceWithLogits, CrossEntropy, Huber, LeakyRelu, Loss, Mae, Quantile, RegressionLoss, Sigmoid, Tanh,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut model = Sequential::<f32>::new()
        .push(DenseConfig::new(6, 8).init(&mut rng).unwrap())
        .push(Tanh)
        .push(DenseConfig::new(8, 8).init(&mut rng).unwrap())
        .push(Sigmoid)
        .push(DenseConfig::new(8, 8).init(&mut rng).unwrap())
        .push(LeakyRelu::default())
        .push(DenseConfig::new(8, 8).init(&mut rng).unwrap())
        .push(Activation::Tanh)
        .push(DenseConfig::new(8, 3).init(&mut rng).unwrap());
    let x = Array2::from_shape_fn((16, 6), |(i, j)| (i as f32 * 0.3 + j as f32).cos());
    let y = Array2::from_shape_fn((16, 3), |(i, j)| ((i + j) % 2) as f32);
    let classes = Array2::from_shape_fn((16, 1), |(i, _)| (i % 3) as f32);
    let (quantile, by_name) = (Quantile::new(0.9).unwrap(), RegressionLoss::Quantile(0.1));
    let losses: [(&dyn Loss<f32>, &Array2<f32>); 7] = [
        (&Mae, &y),
        (&Huber::new(0.5), &y),
        (&BceWithLogits, &y),
        (&CrossEntropy, &classes),
        (&Mse, &y),
        (&quantile, &y),
        (&by_name, &y),
    ];
    for (loss, y) in losses {
        model.forward_backward(x.view(), y.view(), loss).unwrap(); // warm-up
    }
    let before = allocations();
    for _ in 0..20 {
        for (loss, y) in losses {
            model.forward_backward(x.view(), y.view(), loss).unwrap();
        }
    }
    let after = allocations();
    println!("heap allocations in 140 steady-state steps with every activation and loss: {}", after - before);
    assert_eq!(after - before, 0);
}

#[test]
fn dropout_norms_and_embedding_allocate_nothing_after_the_first_batch_in_either_mode() {
    use ndnet_layers::{BatchNorm1d, Dropout, EmbeddingConfig, LayerNorm, Mode};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    let mut model = Sequential::<f32>::new()
        .push(EmbeddingConfig::new(2, 5, 3).init(&mut rng).unwrap())
        .push(DenseConfig::new(7, 8).init(&mut rng).unwrap())
        .push(BatchNorm1d::new(8))
        .push(Relu)
        .push(Dropout::new(0.3).unwrap().with_seed(1))
        .push(LayerNorm::new(8))
        .push(DenseConfig::new(8, 1).init(&mut rng).unwrap());
    let mut x = Array2::from_shape_fn((32, 5), |(i, j)| (i as f32 * 0.1 - j as f32 * 0.2).sin());
    x.column_mut(2).iter_mut().enumerate().for_each(|(i, c)| *c = (i % 6) as f32); // code 5 is unknown
    let y = Array2::from_shape_fn((32, 1), |(i, _)| i as f32 * 0.01);
    let tail = ndarray::s![..7, ..];
    for mode in [Mode::Train, Mode::Eval] {
        model.set_mode(mode);
        model.forward_backward(x.view(), y.view(), &Mse).unwrap(); // warm-up
    }
    let before = allocations();
    for _ in 0..50 {
        for mode in [Mode::Train, Mode::Eval] {
            model.set_mode(mode);
            model.forward_backward(x.view(), y.view(), &Mse).unwrap();
            model.forward_backward(x.slice(tail), y.slice(tail), &Mse).unwrap();
        }
    }
    let after = allocations();
    println!("heap allocations in 200 steady-state steps with the stateful layers: {}", after - before);
    assert_eq!(after - before, 0);
}

#[test]
fn the_counter_sees_an_allocation() {
    let before = allocations();
    let v = std::hint::black_box(vec![0u8; 64]);
    assert_eq!(allocations() - before, 1, "{}", v.len());
}
