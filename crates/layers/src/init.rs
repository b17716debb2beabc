//! Weight initialisers, all drawn from a caller-supplied (seeded) RNG.

use ndarray::{Array, Dimension, NdFloat, ShapeBuilder};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::Uniform;
use rand::Rng;

use crate::{LayerError, Result};

/// How a parameter tensor is filled when a layer is built.
///
/// Values are drawn in `f64` and rounded to the layer's float type, so an `f32` and an `f64`
/// model built from the same seed start from the same point. Elements are drawn in row-major
/// order.
///
/// ```
/// use ndnet_layers::Init;
/// use rand::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
/// let w = Init::GlorotUniform.sample::<f64, _, _>((10, 10), 10, 10, &mut rng).unwrap();
/// let bound = (6.0_f64 / 20.0).sqrt();
/// assert!(w.iter().all(|v| v.abs() <= bound));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Init {
    /// All zeros (Keras' and the usual bias default).
    Zeros,
    /// Every element the same value.
    Constant(f64),
    /// U(−√(6/(fan_in+fan_out)), +…): Glorot/Xavier uniform, Keras' default for `Dense` kernels.
    GlorotUniform,
    /// U(−√(6/fan_in), +…): He/Kaiming uniform for ReLU (`kaiming_uniform_(nonlinearity="relu")`,
    /// Keras `he_uniform`).
    HeUniform,
    /// U(−1/√fan_in, +…): what PyTorch's `nn.Linear` does for its weight and bias by default
    /// (`kaiming_uniform_(a=√5)`).
    TorchLinear,
    /// U(low, high).
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound (exclusive).
        high: f64,
    },
}

impl Init {
    /// Errors when the settings cannot draw anything: a constant that is not finite, uniform
    /// bounds that are not finite or not `low < high`.
    pub fn validate(&self) -> Result<()> {
        let bad = |value: String, allowed: &str| LayerError::Config {
            name: "initialiser".into(),
            value,
            allowed: allowed.into(),
        };
        match *self {
            Init::Constant(c) if !c.is_finite() => Err(bad(c.to_string(), "a finite constant")),
            Init::Uniform { low, high } if !(low.is_finite() && high.is_finite() && low < high) => {
                Err(bad(format!("[{low}, {high})"), "finite, low < high"))
            }
            _ => Ok(()),
        }
    }

    /// Draws a tensor of `shape` for a layer with the given fans.
    ///
    /// Errors when the bounds are not finite or `low ≥ high` for [`Init::Uniform`].
    pub fn sample<F, Sh, R>(&self, shape: Sh, fan_in: usize, fan_out: usize, rng: &mut R) -> Result<Array<F, Sh::Dim>>
    where
        F: NdFloat,
        Sh: ShapeBuilder,
        Sh::Dim: Dimension,
        R: Rng + ?Sized,
    {
        let bound = match *self {
            Init::Zeros => return Ok(Array::zeros(shape)),
            Init::Constant(c) => return Ok(Array::from_elem(shape, cast(c))),
            Init::GlorotUniform => (6.0 / (fan_in + fan_out) as f64).sqrt(),
            Init::HeUniform => (6.0 / fan_in as f64).sqrt(),
            Init::TorchLinear => 1.0 / (fan_in as f64).sqrt(),
            Init::Uniform { low, high } => return uniform(shape, low, high, rng),
        };
        uniform(shape, -bound, bound, rng)
    }
}

fn uniform<F, Sh, R>(shape: Sh, low: f64, high: f64, rng: &mut R) -> Result<Array<F, Sh::Dim>>
where
    F: NdFloat,
    Sh: ShapeBuilder,
    R: Rng + ?Sized,
{
    let dist = Uniform::new(low, high).map_err(|_| LayerError::Config {
        name: "uniform initialiser bounds".into(),
        value: format!("[{low}, {high})"),
        allowed: "finite, low < high".into(),
    })?;
    Ok(Array::<f64, _>::random_using(shape, dist, rng).mapv(cast))
}

/// `v` rounded to the nearest `F` (exact for `f64`): the one f64 → float conversion the
/// layers and the trainer use.
///
/// ```
/// assert_eq!(ndnet_layers::cast::<f32>(0.1), 0.1_f32);
/// ```
pub fn cast<F: NdFloat>(v: f64) -> F {
    // Every NdFloat (f32, f64) represents (a rounding of) any f64.
    F::from(v).unwrap_or_else(F::nan)
}
