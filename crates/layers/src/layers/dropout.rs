//! [`Dropout`]: in training, each element is zeroed with probability `p` and the rest are scaled
//! by `1 / (1 − p)` (inverted dropout, as PyTorch and Keras do), so inference is the identity.
//!
//! The masks are a function of the seed and the number of training forwards so far, nothing
//! else: forward `n` draws from a ChaCha8 generator seeded with the seed on stream `n`, element by
//! element in row-major order. So they are the same for any thread count, and a resume that
//! restores the two counts ([`Layer::visit_state`]) draws the masks the uninterrupted run drew.
//!
//! ```
//! use ndnet_layers::{Dropout, Layer, Mode};
//! let mut dropout = Dropout::new(0.25).unwrap().with_seed(1);
//! let x = ndarray::Array2::<f32>::ones((64, 16));
//! let mut y = ndarray::Array2::zeros((64, 16));
//! dropout.forward(x.view(), y.view_mut());
//! let kept = y.iter().filter(|&&v| v != 0.0).count() as f64 / y.len() as f64;
//! assert!((kept - 0.75).abs() < 0.05, "{kept}");
//! assert!((y.mean().unwrap() - 1.0).abs() < 0.07); // the scaling keeps the mean
//! ```

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat, ShapeBuilder, Zip};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::onnx::OnnxLayer;
use crate::{BoxedLayer, BuildContext, Layer, LayerError, LayerSpec, Mode, Result, Saved, StateValue, StateValueMut};

/// A [`Dropout`] in a model description: its drop probability; its mask stream is seeded from
/// the model's seed and its position. Kind `dropout`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropoutSpec {
    /// The drop probability, in [0, 1).
    pub p: f64,
}

impl DropoutSpec {
    /// Drop probability `p`.
    pub fn new(p: f64) -> Self {
        DropoutSpec { p }
    }
}

impl LayerSpec for DropoutSpec {
    const KIND: &'static str = "dropout";
    const ABOUT: &'static str = "zeroes inputs at random while training";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Dropout::<f64>::new(self.p)?;
        Ok(input_width)
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        Ok(BoxedLayer::new(Dropout::<F>::new(self.p)?.with_seed(ctx.layer_seed())))
    }

    fn torch(&self, _: usize) -> Option<String> {
        Some(format!("nn.Dropout({})", self.p))
    }

    /// The identity: inference never drops.
    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        Ok(layer.input.clone())
    }
}

/// Inverted dropout with drop probability `p`; the identity in [`Mode::Eval`].
#[derive(Debug, Clone)]
pub struct Dropout<F> {
    p: f64,
    /// Keep an element when a uniform `u32` is at least this (`p · 2³²`).
    threshold: u64,
    scale: F,
    seed: u64,
    /// Training forwards so far: the stream of the next mask.
    calls: u64,
    mode: Mode,
    /// The last training forward's multipliers (0 or `1 / (1 − p)`), row-major; grows to the
    /// largest batch and is reused.
    mask: Vec<F>,
    cols: usize,
}

impl<F: NdFloat> Dropout<F> {
    /// Dropout with drop probability `p`, seed 0 (give each Dropout of a model its own seed with
    /// [`with_seed`](Dropout::with_seed)).
    ///
    /// Errors unless `0 ≤ p < 1`.
    pub fn new(p: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(LayerError::Config {
                name: "Dropout p".into(),
                value: p.to_string(),
                allowed: "0 ≤ p < 1".into(),
            });
        }
        let scale = F::from(1.0 / (1.0 - p)).unwrap_or_else(F::one);
        let threshold = (p * 4_294_967_296.0) as u64;
        Ok(Dropout { p, threshold, scale, seed: 0, calls: 0, mode: Mode::Train, mask: Vec::new(), cols: 0 })
    }

    /// Sets the seed the masks are drawn from, and starts its mask stream from the beginning.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self.calls = 0;
        self
    }

    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// Draws the mask of the next training forward for a `rows × cols` batch.
    fn draw(&mut self, rows: usize, cols: usize) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(self.calls);
        self.calls += 1;
        self.cols = cols;
        self.mask.clear();
        self.mask.resize(rows * cols, F::zero());
        let (threshold, scale) = (self.threshold, self.scale);
        // Drawn row by row (the sequence a seed has always given), kept feature-major like the
        // model's buffers, so applying it is one contiguous pass.
        for i in 0..rows {
            for j in 0..cols {
                self.mask[j * rows + i] = if u64::from(rng.next_u32()) >= threshold { scale } else { F::zero() };
            }
        }
    }

    /// The last mask as a `rows × cols` feature-major view.
    fn mask(&self, rows: usize) -> ArrayView2<'_, F> {
        ArrayView2::from_shape((rows, self.cols).f(), &self.mask[..rows * self.cols]).expect("drawn for this batch")
    }
}

impl<F: NdFloat> Layer<F> for Dropout<F> {
    fn kind(&self) -> &'static str {
        "Dropout"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        if self.mode == Mode::Eval {
            output.assign(&input);
            return;
        }
        self.draw(input.nrows(), input.ncols());
        let mask = self.mask(input.nrows());
        Zip::from(&mut output).and(&input).and(&mask).for_each(|y, &x, &m| *y = x * m);
    }

    fn backward(
        &mut self,
        _input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        let Some(mut dx) = grad_input else { return };
        if self.mode == Mode::Eval {
            dx.assign(&grad_output);
            return;
        }
        let mask = self.mask(grad_output.nrows());
        Zip::from(&mut dx).and(&grad_output).and(&mask).for_each(|dx, &dy, &m| *dx = dy * m);
    }

    fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// `seed` and `calls`, checkpoints only: PyTorch keeps no dropout state.
    fn visit_state(&self, f: &mut dyn FnMut(&'static str, StateValue<'_, F>, Saved)) {
        f("seed", StateValue::Count(self.seed), Saved::CheckpointOnly);
        f("calls", StateValue::Count(self.calls), Saved::CheckpointOnly);
    }

    fn visit_state_mut(&mut self, f: &mut dyn FnMut(&'static str, StateValueMut<'_, F>)) {
        f("seed", StateValueMut::Count(&mut self.seed));
        f("calls", StateValueMut::Count(&mut self.calls));
    }
}
