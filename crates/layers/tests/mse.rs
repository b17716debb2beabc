//! Mean squared error by hand, and its shape checks.

use ndarray::{Array2, array};
use ndnet_layers::LayerError;
use ndnet_layers::{Loss, Mse};

#[test]
fn value_and_gradient_by_hand() {
    let p = array![[1.0_f32, 2.0], [3.0, 4.0]];
    let t = array![[0.0_f32, 2.0], [5.0, 3.0]];
    let mut g = Array2::zeros((2, 2));
    // errors 1, 0, -2, 1 → squares 1, 0, 4, 1 → mean 1.5; grad = 2 d / 4
    assert_eq!(Mse.loss_and_grad(p.view(), t.view(), g.view_mut()).unwrap(), 1.5);
    assert_eq!(g, array![[0.5, 0.0], [-1.0, 0.5]]);
    assert_eq!(Mse.loss(p.view(), t.view()).unwrap(), 1.5);
}

#[test]
fn wrong_target_shape_and_empty_batch_are_errors() {
    let p = Array2::<f64>::zeros((4, 1));
    let t = Array2::<f64>::zeros((4, 2));
    let err = Mse.loss(p.view(), t.view()).unwrap_err();
    assert_eq!(err.to_string(), "Mse target: expected shape 4 × 1, got 4 × 2");
    let e = Array2::<f64>::zeros((0, 1));
    assert!(matches!(Mse.loss(e.view(), e.view()), Err(LayerError::EmptyBatch { .. })));
}
