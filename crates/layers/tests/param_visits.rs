//! The optimizer's visit (`visit_param_slices_mut`) sees exactly the tensors the named visit
//! (`visit_params_mut`) sees, in the same order: the overrides in `Dense` and `Sequential`, and
//! the defaults a user's layer or model gets.
use ndarray::{ArrayView2, ArrayViewD, ArrayViewMut2};
use ndnet_layers::{Dense, DenseConfig, Layer, Loss, Model, ParamMut, ParamName, Result, Sequential};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Shape, value and gradient (address and length) of each tensor, in visiting order.
type Seen = Vec<(Vec<usize>, *const f64, usize, *const f64, usize)>;

fn seen(shape: &[usize], value: &[f64], grad: &[f64]) -> (Vec<usize>, *const f64, usize, *const f64, usize) {
    (shape.to_vec(), value.as_ptr(), value.len(), grad.as_ptr(), grad.len())
}

fn both_visits(model: &mut dyn Model<f64>) -> (Seen, Seen) {
    let (mut named, mut slices) = (Seen::new(), Seen::new());
    model.visit_params_mut(&mut |_, p| named.push(seen(p.shape, p.value, p.grad)));
    model.visit_param_slices_mut(&mut |shape, value, grad| slices.push(seen(shape, value, grad)));
    (named, slices)
}

#[test]
fn a_sequential_hands_over_every_tensor_in_order() {
    let mut model = Sequential::<f64>::mlp(&[3, 5, 4, 2], &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
    let (named, slices) = both_visits(&mut model);
    assert_eq!(named.len(), 6, "three dense layers, a weight and a bias each");
    assert_eq!(named, slices);
}

/// A dense layer behind a user's wrapper that implements only the named visit.
struct Wrapped(Dense<f64>);

impl Layer<f64> for Wrapped {
    fn kind(&self) -> &'static str {
        "Wrapped"
    }
    fn output_width(&self, input_width: usize) -> Result<usize> {
        self.0.output_width(input_width)
    }
    fn forward(&mut self, x: ArrayView2<'_, f64>, y: ArrayViewMut2<'_, f64>) {
        self.0.forward(x, y);
    }
    fn backward(
        &mut self,
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
        dy: ArrayView2<'_, f64>,
        dx: Option<ArrayViewMut2<'_, f64>>,
    ) {
        self.0.backward(x, y, dy, dx);
    }
    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, f64>)) {
        self.0.visit_params(f);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(ParamMut<'_, f64>)) {
        self.0.visit_params_mut(f);
    }
}

/// A user's model over two layers that implements only the named visits.
struct Pair(Wrapped, Dense<f64>);

impl Model<f64> for Pair {
    fn forward(&mut self, _: ArrayView2<'_, f64>) -> Result<ArrayView2<'_, f64>> {
        unreachable!("only visited")
    }
    fn forward_backward_input(
        &mut self,
        _: ArrayView2<'_, f64>,
        _: ArrayView2<'_, f64>,
        _: &dyn Loss<f64>,
        _: Option<ArrayViewMut2<'_, f64>>,
    ) -> Result<f64> {
        unreachable!("only visited")
    }
    fn visit_params(&self, f: &mut dyn FnMut(ParamName, ArrayViewD<'_, f64>)) {
        self.0.visit_params(&mut |name, v| f(ParamName::new(name).in_module("a"), v));
        self.1.visit_params(&mut |name, v| f(ParamName::new(name).in_module("b"), v));
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(ParamName, ParamMut<'_, f64>)) {
        self.0.visit_params_mut(&mut |p| f(ParamName::new(p.name).in_module("a"), p));
        self.1.visit_params_mut(&mut |p| f(ParamName::new(p.name).in_module("b"), p));
    }
}

#[test]
fn the_defaults_follow_the_named_visits() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let dense = |i, o, rng: &mut ChaCha8Rng| DenseConfig::new(i, o).init(rng).unwrap();
    let mut pair = Pair(Wrapped(dense(3, 4, &mut rng)), dense(4, 1, &mut rng));
    let (named, slices) = both_visits(&mut pair);
    assert_eq!(named.len(), 4);
    assert_eq!(named, slices);
    // The wrapper's default against the dense layer's own override.
    let (mut through_default, mut direct) = (Seen::new(), Seen::new());
    pair.0.visit_param_slices_mut(&mut |s, v, g| through_default.push(seen(s, v, g)));
    pair.0.0.visit_param_slices_mut(&mut |s, v, g| direct.push(seen(s, v, g)));
    assert_eq!(through_default, direct);
}
