//! Dropout's mask stream: a function of the seed and the call count, whatever the layout.

use ndarray::{Array2, ShapeBuilder};
use ndnet_layers::{Dropout, Layer, StateValueMut};

#[test]
fn the_mask_depends_on_seed_and_call_count_not_on_layout() {
    let x = Array2::from_shape_fn((7, 5), |(i, j)| (i * 5 + j) as f64 + 1.0);
    let mut a = Dropout::new(0.5).unwrap().with_seed(3);
    let mut b = Dropout::new(0.5).unwrap().with_seed(3);
    let mut row_major = Array2::zeros((7, 5));
    let mut col_major = Array2::zeros((7, 5).f());
    a.forward(x.view(), row_major.view_mut());
    b.forward(x.view(), col_major.view_mut());
    assert_eq!(row_major, col_major);
    let first = row_major.clone();
    a.forward(x.view(), row_major.view_mut());
    assert_ne!(first, row_major, "the next call draws a new mask");
    let mut c = Dropout::new(0.5).unwrap().with_seed(3);
    c.visit_state_mut(&mut |name, v| {
        if let (StateValueMut::Count(n), "calls") = (v, name) {
            *n = 1;
        }
    });
    c.forward(x.view(), col_major.view_mut());
    assert_eq!(col_major, row_major, "restoring the call count restores the stream");
}

#[test]
fn p_outside_zero_to_one_is_an_error() {
    for p in [-0.1, 1.0, f64::NAN] {
        let err = Dropout::<f32>::new(p).unwrap_err();
        assert!(err.to_string().contains("0 ≤ p < 1"), "{err}");
    }
    let mut zero = Dropout::new(0.0).unwrap();
    let x = Array2::from_elem((3, 3), 2.0_f32);
    let mut y = Array2::zeros((3, 3));
    zero.forward(x.view(), y.view_mut());
    assert_eq!(y, x);
}
