//! The two parameter visits (`visit_params`, read-only, and `visit_params_mut`, what an
//! optimizer and a restore use) see the same tensors in the same order, with the same names and
//! shapes: for every layer kind inside a `Sequential`, and for a user's model. State entries are
//! visited apart, never as parameters.
use ndarray::{ArrayView2, ArrayViewD, ArrayViewMut2};
use ndnet_layers::{
    BatchNorm1d, DenseConfig, Dropout, EmbeddingConfig, LayerNorm, Loss, Mode, Model, ParamName, Relu, Result,
    Sequential,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Name, shape and the value's address and length of each tensor, in visiting order.
type Seen = Vec<(String, Vec<usize>, *const f64, usize)>;

fn both_visits(model: &mut dyn Model<f64>) -> (Seen, Seen) {
    let mut read = Seen::new();
    model.visit_params(&mut |name, v| read.push((name.to_string(), v.shape().to_vec(), v.as_ptr(), v.len())));
    let mut write = Seen::new();
    model.visit_params_mut(&mut |shape, value, grad, name| {
        assert_eq!(value.len(), grad.len(), "{name}: a gradient per value");
        write.push((name.to_string(), shape.to_vec(), value.as_ptr(), value.len()))
    });
    (read, write)
}

fn every_layer_kind() -> Sequential<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    Sequential::new()
        .push(EmbeddingConfig::new(0, 4, 2).init(&mut rng).unwrap())
        .push(DenseConfig::new(4, 5).init(&mut rng).unwrap())
        .push(BatchNorm1d::new(5))
        .push(Relu)
        .push(Dropout::new(0.2).unwrap())
        .push(LayerNorm::new(5))
        .push(DenseConfig::new(5, 2).init(&mut rng).unwrap())
}

#[test]
fn a_sequential_hands_over_every_tensor_once_in_order() {
    let mut model = every_layer_kind();
    let (read, write) = both_visits(&mut model);
    let names: Vec<_> = read.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        ["0.weight", "1.weight", "1.bias", "2.weight", "2.bias", "5.weight", "5.bias", "6.weight", "6.bias"]
    );
    assert_eq!(read, write);
    let mut state = Vec::new();
    model.visit_state(&mut |name, _, _| state.push(name.to_string()));
    assert_eq!(
        state,
        ["2.running_mean", "2.running_var", "2.num_batches_tracked", "4.seed", "4.calls"],
        "state is visited apart from the parameters"
    );
}

/// A user's model over two Sequentials, visiting with module names.
struct Pair(Sequential<f64>, Sequential<f64>);

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
        self.0.visit_params(&mut |name, v| f(name.in_module("a"), v));
        self.1.visit_params(&mut |name, v| f(name.in_module("b"), v));
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [f64], &mut [f64], ParamName)) {
        self.0.visit_params_mut(&mut |s, v, g, name| f(s, v, g, name.in_module("a")));
        self.1.visit_params_mut(&mut |s, v, g, name| f(s, v, g, name.in_module("b")));
    }
    fn set_mode(&mut self, mode: Mode) {
        self.0.set_mode(mode);
        self.1.set_mode(mode);
    }
}

#[test]
fn a_users_model_names_its_modules() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut pair = Pair(every_layer_kind(), Sequential::mlp(&[2, 3, 1], &mut rng).unwrap());
    let (read, write) = both_visits(&mut pair);
    assert_eq!(read.len(), 13);
    assert_eq!(read, write);
    assert_eq!(read[0].0, "a.0.weight");
    assert_eq!(read[12].0, "b.2.bias");
    assert!(pair.state_snapshot().is_empty(), "the default visit_state has none");
}
