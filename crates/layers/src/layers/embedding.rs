//! [`Embedding`]: one input column holds an integer category code; the layer replaces it with
//! a learned vector of `dim` values (PyTorch's `nn.Embedding`, Keras' `Embedding`), and passes
//! the other columns through unchanged. So a text column with hundreds of values costs `dim`
//! inputs instead of hundreds of one-hot ones.
//!
//! The output is the other columns in their order, then the vector. A code is read as the
//! nearest integer; one that is not a valid code (negative, `≥ categories`, NaN: an unknown
//! category) gets the zero vector and no gradient. The code column gets a zero input gradient
//! (a code is not differentiable).
//!
//! ```
//! use ndnet_layers::{EmbeddingConfig, Layer};
//! use rand::SeedableRng;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! // column 1 of 3 holds codes 0..4, each becomes 2 values: 3 − 1 + 2 = 4 outputs
//! let mut emb = EmbeddingConfig::new(1, 4, 2).init::<f64, _>(&mut rng).unwrap();
//! assert_eq!(emb.output_width(3).unwrap(), 4);
//! let x = ndarray::array![[0.5, 3.0, -1.0], [0.7, 9.0, 2.0]];
//! let mut y = ndarray::Array2::zeros((2, 4));
//! emb.forward(x.view(), y.view_mut());
//! assert_eq!(y.row(0).to_vec()[..2], [0.5, -1.0]); // passed through
//! assert_eq!(y.row(0).to_vec()[2..], emb.weight().row(3).to_vec()[..]);
//! assert_eq!(y.row(1).to_vec()[2..], [0.0, 0.0]); // 9 is no code: the zero vector
//! let missing = ndarray::array![[0.5, f64::NAN, -1.0]];
//! emb.forward(missing.view(), y.slice_mut(ndarray::s![..1, ..]));
//! assert_eq!(y.row(0).to_vec()[2..], [0.0, 0.0]); // nor is NaN
//! ```

use ndarray::{Array2, ArrayView2, ArrayViewD, ArrayViewMut2, Axis, NdFloat, Slice};
use rand::Rng;

use crate::onnx::{OnnxAttr, OnnxLayer};
use crate::{BoxedLayer, BuildContext, Init, Layer, LayerError, LayerSpec, Result, check_width};

/// Builds an [`Embedding`], with `with_*` setters. The default initialiser is Keras'
/// (`uniform(−0.05, 0.05)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmbeddingConfig {
    /// The input column that holds the codes.
    pub column: usize,
    /// The number of codes (`0..categories`).
    pub categories: usize,
    /// The width of each code's vector.
    pub dim: usize,
    /// How the table is filled.
    pub init: Init,
}

impl EmbeddingConfig {
    /// Codes `0..categories` in input column `column`, each a vector of `dim` values.
    pub fn new(column: usize, categories: usize, dim: usize) -> Self {
        EmbeddingConfig { column, categories, dim, init: Init::Uniform { low: -0.05, high: 0.05 } }
    }

    /// Sets the initialiser of the table.
    pub fn with_init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Draws the `categories × dim` table (row-major) from `rng`.
    ///
    /// Errors when `categories` or `dim` is zero, or the initialiser's bounds are invalid.
    pub fn init<F: NdFloat, R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Embedding<F>> {
        for (name, value) in [("Embedding categories", self.categories), ("Embedding dim", self.dim)] {
            if value == 0 {
                return Err(LayerError::Config { name: name.into(), value: "0".into(), allowed: "≥ 1".into() });
            }
        }
        let weight = self.init.sample((self.categories, self.dim), self.categories, self.dim, rng)?;
        Ok(Embedding { column: self.column, grad_weight: Array2::zeros(weight.raw_dim()), weight })
    }
}

/// An [`Embedding`] in a model description: the column of codes, how many codes there are and
/// the vector width (Keras' initialiser). Kind `embedding`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddingSpec {
    /// The input column that holds the codes.
    pub column: usize,
    /// The number of codes, 1 to [`MAX_CATEGORIES`].
    pub categories: usize,
    /// The width of each code's vector, 1 to [`MAX_WIDTH`](crate::MAX_WIDTH).
    pub dim: usize,
}

/// The most codes an embedding may have.
pub const MAX_CATEGORIES: usize = 1 << 20;

impl LayerSpec for EmbeddingSpec {
    const KIND: &'static str = "embedding";
    const ABOUT: &'static str = "a learned vector per category code of one column";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        check_width("embedding dim", self.dim)?;
        if !(1..=MAX_CATEGORIES).contains(&self.categories) {
            let (value, allowed) = (self.categories.to_string(), format!("1 to {MAX_CATEGORIES}"));
            return Err(LayerError::Config { name: "embedding categories".into(), value, allowed });
        }
        if self.column >= input_width {
            let (value, allowed) = (self.column.to_string(), format!("< the input width {input_width}"));
            return Err(LayerError::Config { name: "embedding column".into(), value, allowed });
        }
        Ok(input_width - 1 + self.dim)
    }

    fn param_count(&self, _: usize) -> u128 {
        self.categories as u128 * self.dim as u128
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        let config = EmbeddingConfig::new(self.column, self.categories, self.dim);
        Ok(BoxedLayer::new(config.init::<F, _>(&mut *ctx.rng)?))
    }

    /// The code column as a one-hot row (`Equal` against 0, 1, …: any other value, −1 for an
    /// unknown category or a missing cell, is all zeros) times the table, after the other columns.
    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let (w, c) = (layer.input_width, self.column);
        let input = layer.input.clone();
        let axis = [OnnxAttr::Int("axis", 1)];
        let code_index = layer.graph.int64s("code_column", &[1], &[c as i64]);
        let code = layer.graph.node("Gather", &[&input, &code_index], &axis);
        let codes: Vec<f64> = (0..self.categories).map(|k| k as f64).collect();
        let codes = layer.graph.constant("codes", &[self.categories], &codes);
        let one_hot = layer.graph.node("Equal", &[&code, &codes], &[]);
        let to = layer.graph.node("CastLike", &[&one_hot, &codes], &[]);
        let table = layer.param("weight", &[self.categories, self.dim])?;
        let vectors = layer.graph.node("MatMul", &[&to, &table], &[]);
        if w == 1 {
            return Ok(vectors);
        }
        let others: Vec<i64> = (0..w as i64).filter(|&j| j != c as i64).collect();
        let others = layer.graph.int64s("other_columns", &[w - 1], &others);
        let passed = layer.graph.node("Gather", &[&input, &others], &axis);
        Ok(layer.graph.node("Concat", &[&passed, &vectors], &axis))
    }
}

/// A learned vector per category code in one input column; see the module docs.
#[derive(Debug, Clone)]
pub struct Embedding<F> {
    column: usize,
    weight: Array2<F>,
    grad_weight: Array2<F>,
}

impl<F: NdFloat> Embedding<F> {
    /// The table, one row per code.
    pub fn weight(&self) -> &Array2<F> {
        &self.weight
    }

    /// The input column that holds the codes.
    pub fn column(&self) -> usize {
        self.column
    }

    /// The table row of a code, or `None` for no valid code.
    fn code(&self, value: F) -> Option<usize> {
        let code = value.round();
        // `code >= 0` is false for NaN.
        (code >= F::zero() && code < F::from(self.weight.nrows()).unwrap_or_else(F::zero))
            .then(|| code.to_usize())
            .flatten()
    }
}

impl<F: NdFloat> Layer<F> for Embedding<F> {
    fn kind(&self) -> &'static str {
        "Embedding"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        if self.column >= input_width {
            return Err(LayerError::Config {
                name: "Embedding column".into(),
                value: self.column.to_string(),
                allowed: format!("< the input width {input_width}"),
            });
        }
        Ok(input_width - 1 + self.weight.ncols())
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        let (c, passed) = (self.column, input.ncols() - 1);
        for (j, x) in input.columns().into_iter().enumerate().filter(|&(j, _)| j != c) {
            output.column_mut(if j < c { j } else { j - 1 }).assign(&x);
        }
        for (i, &value) in input.column(c).iter().enumerate() {
            let mut out = output.row_mut(i).slice_axis_move(Axis(0), Slice::from(passed..));
            match self.code(value) {
                Some(code) => out.assign(&self.weight.row(code)),
                None => out.fill(F::zero()),
            }
        }
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        let (c, passed) = (self.column, input.ncols() - 1);
        self.grad_weight.fill(F::zero());
        for (i, &value) in input.column(c).iter().enumerate() {
            if let Some(code) = self.code(value) {
                let mut row = self.grad_weight.row_mut(code);
                row += &grad_output.row(i).slice_axis_move(Axis(0), Slice::from(passed..));
            }
        }
        if let Some(mut dx) = grad_input {
            for j in 0..input.ncols() {
                match j.cmp(&c) {
                    std::cmp::Ordering::Less => dx.column_mut(j).assign(&grad_output.column(j)),
                    std::cmp::Ordering::Equal => dx.column_mut(j).fill(F::zero()),
                    std::cmp::Ordering::Greater => dx.column_mut(j).assign(&grad_output.column(j - 1)),
                }
            }
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        f("weight", self.weight.view().into_dyn());
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        let (rows, cols) = self.weight.dim();
        f(
            &[rows, cols],
            self.weight.as_slice_mut().expect("the table is made in standard layout"),
            self.grad_weight.as_slice_mut().expect("the table is made in standard layout"),
            "weight",
        );
    }
}
