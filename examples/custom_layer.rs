//! A layer written in a research crate, joining ndnet the way a built-in kind does: Swish with
//! a learned β per feature, `y = x·σ(β·x)` (Ramachandran et al. 2017).
//!
//! The layer has a hand-written backward pass (proven by the gradient checker in f64) and a spec
//! (`LayerSpec`: its name, checks, builder and ONNX nodes). Registered in the program's own
//! [`Registry`], it goes in a model description, trains on `data/housing.csv`, is saved in the
//! weights file, rebuilt by `load_model_with` (which a registry without it refuses by name) and
//! exported to ONNX.
//!
//! `cargo run --release --example custom_layer -- --help`

use std::error::Error;
use std::path::PathBuf;

use clap::Parser;

mod common;
use common::say;
use ndnet::data::{PipelineConfig, Prepared, Table, Task};
use ndnet::gradcheck;
use ndnet::layers::onnx::OnnxLayer;
use ndnet::layers::{BoxedLayer, BuildContext};
use ndnet::ndarray::{Array1, ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};
use ndnet::prelude::*;
use ndnet::trainer::{load_model, load_model_with, save_safetensors};

/// `y = x·σ(β·x)` with a learned β per feature (β starts at 1: SiLU).
struct Swish<F> {
    beta: Array1<F>,
    grad_beta: Array1<F>,
}

fn sigmoid<F: NdFloat>(v: F) -> F {
    F::one() / (F::one() + (-v).exp())
}

impl<F: NdFloat> Layer<F> for Swish<F> {
    fn kind(&self) -> &'static str {
        "Swish"
    }

    fn output_width(&self, input_width: usize) -> ndnet::layers::Result<usize> {
        match input_width == self.beta.len() {
            true => Ok(input_width),
            false => Err(ndnet::layers::LayerError::Width {
                context: "Swish".into(),
                expected: self.beta.len(),
                actual: input_width,
            }),
        }
    }

    fn forward(&mut self, x: ArrayView2<'_, F>, mut y: ArrayViewMut2<'_, F>) {
        for ((j, mut y), x) in y.columns_mut().into_iter().enumerate().zip(x.columns()) {
            let b = self.beta[j];
            y.zip_mut_with(&x, |y, &x| *y = x * sigmoid(b * x));
        }
    }

    /// dy/dx = σ + βx·σ(1 − σ); dy/dβ = x²·σ(1 − σ).
    fn backward(
        &mut self,
        x: ArrayView2<'_, F>,
        _: ArrayView2<'_, F>,
        dy: ArrayView2<'_, F>,
        mut dx: Option<ArrayViewMut2<'_, F>>,
    ) {
        for j in 0..x.ncols() {
            let b = self.beta[j];
            let mut g = F::zero();
            for i in 0..x.nrows() {
                let (xv, d) = (x[(i, j)], dy[(i, j)]);
                let s = sigmoid(b * xv);
                let slope = s * (F::one() - s);
                g += d * xv * xv * slope;
                if let Some(dx) = dx.as_mut() {
                    dx[(i, j)] = d * (s + b * xv * slope);
                }
            }
            self.grad_beta[j] = g;
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        f("beta", self.beta.view().into_dyn());
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        let n = self.beta.len();
        let (beta, grad) = (self.beta.as_slice_mut(), self.grad_beta.as_slice_mut());
        f(&[n], beta.expect("made contiguous"), grad.expect("made contiguous"), "beta");
    }
}

/// The layer as a kind of the model description: `{"kind": "swish"}`.
#[derive(Debug, Clone, PartialEq, ndnet::serde::Serialize, ndnet::serde::Deserialize)]
#[serde(crate = "ndnet::serde", deny_unknown_fields)]
struct SwishSpec {}

impl LayerSpec for SwishSpec {
    const KIND: &'static str = "swish";
    const ABOUT: &'static str = "x·σ(βx), β learned per feature";
    const ACTIVATION: bool = true;

    fn output_width(&self, input_width: usize) -> ndnet::layers::Result<usize> {
        Ok(input_width)
    }

    fn param_count(&self, input_width: usize) -> u128 {
        input_width as u128
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> ndnet::layers::Result<BoxedLayer<F>> {
        let n = ctx.input_width;
        Ok(BoxedLayer::new(Swish { beta: Array1::ones(n), grad_beta: Array1::zeros(n) }))
    }

    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> ndnet::layers::Result<String> {
        let beta = layer.param("beta", &[layer.input_width])?;
        let x = layer.input.clone();
        let scaled = layer.graph.node("Mul", &[&x, &beta], &[]);
        let gate = layer.graph.node("Sigmoid", &[&scaled], &[]);
        Ok(layer.graph.node("Mul", &[&x, &gate], &[]))
    }
}

/// Train a model holding a layer of this crate, save it, load it back with this crate's registry.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Epochs, ≥ 1
    #[arg(long, default_value_t = 40)]
    epochs: u64,
    /// Output folder (created if missing)
    #[arg(long, default_value = "runs/custom_layer")]
    out: PathBuf,
}

fn run(args: Args) -> Result<(), Box<dyn Error>> {
    common::check("epochs", args.epochs >= 1, args.epochs, "≥ 1")?;
    // The proof first: the backward pass against finite differences, in f64.
    let x = ndnet::ndarray::Array2::from_shape_fn((7, 3), |(i, j)| ((i * 3 + j) as f64 * 0.37).sin() * 2.0);
    let mut layer = Swish { beta: ndnet::ndarray::array![0.5, 1.0, 2.0], grad_beta: Array1::zeros(3) };
    let report = gradcheck::check_layer(&mut layer, x.view())?;
    say(format_args!("Gradient check (f64): largest relative error {:.2e}", report.max_rel_error()))?;

    let registry = Registry::builtin().with::<SwishSpec>();
    let table = Table::from_csv(common::data_path(None))?;
    let features = common::HOUSING_FEATURES.iter().map(|s| s.to_string()).collect();
    let config = PipelineConfig::new("price").with_features(Some(features)).with_task(Some(Task::Regression));
    let p = Prepared::<f32>::from_table(&table, &config, 0.15, 0.15, 42)?;
    let spec =
        ModelSpec::new(p.pipeline.input_width()).push(&DenseSpec::new(16)).push(&SwishSpec {}).push(&DenseSpec::new(1));
    say(format_args!("Model: {spec}"))?;
    let mut model = spec.build::<f32>(&registry, 42)?;
    let mut optimizer = Adam::new(AdamConfig::pytorch(0.003))?;
    let mut trainer = Trainer::new(TrainerConfig::new(args.epochs).with_seed(42).with_verbose(false))?;
    let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), 32)?;
    trainer.fit(&mut model, &Mse, &mut optimizer, &mut batches, Some((&p.val_x, &p.val_y)))?;
    let predicted = p.predict_original(&mut model, &p.test_x)?;
    say(format_args!("Test ({} rows): {}", p.test_x.nrows(), Metrics::compute(&predicted, &p.split.test.y)))?;

    common::create_dir(&args.out)?;
    let path = args.out.join("weights.safetensors");
    let metadata = RunMetadata::default().with_pipeline(p.pipeline.clone()).with_model(spec);
    save_safetensors(&model, &metadata, &path)?;
    let (mut loaded, _) = load_model_with::<f32>(&path, &registry)?;
    let again = p.predict_original(&mut loaded, &p.test_x)?;
    let same = again.iter().zip(&predicted).all(|(a, b)| a.to_bits() == b.to_bits());
    say(format_args!("Reloaded with this crate's registry: the same predictions bit for bit: {same}"))?;
    let refused = load_model::<f32>(&path).err().map(|e| e.to_string()).unwrap_or_default();
    say(format_args!("Without it: {refused}"))?;
    let onnx = args.out.join("model.onnx");
    ndnet::files::write_atomic(&onnx, &ndnet::export::export_onnx_with(&loaded, &metadata, &registry)?)?;
    say(format_args!("Wrote weights.safetensors and model.onnx to {}", args.out.display()))
}

fn main() {
    common::finish(run(common::parse()));
}
