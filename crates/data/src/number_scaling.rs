//! How numeric inputs are scaled: [`NumberScaling`] says which way (the choice), and
//! [`NumberTransform`] is what a pipeline fitted for it beyond its affine scaler (saved with the
//! model).
//!
//! - `standard`: `(x − mean) / std`, every input (scikit-learn's `StandardScaler`).
//! - `robust`: the numeric columns centred on their median and divided by their interquartile
//!   range (half the range when that is 0, as RealMLP does), then smoothly clipped,
//!   `x / √(1 + (x/3)²)`, so a few extreme rows cannot set the scale of the rest (Holzmüller et
//!   al. 2024); other inputs (one-hot, yes/no) stay 0/1.
//! - `quantile`: each numeric column mapped through its training quantiles to a standard normal
//!   (scikit-learn's `QuantileTransformer(output_distribution="normal")` with TabR's and TabM's
//!   `n_quantiles = clamp(n / 30, 10, 1000)`).
//!
//! ```
//! use ndnet_data::{NumberTransform, smooth_clip};
//! assert_eq!(smooth_clip(0.0, 3.0), 0.0);
//! assert!((smooth_clip(1e9, 3.0) - 3.0).abs() < 1e-6); // never past ±3
//! let q = NumberTransform::fit_quantiles(&[(0..101).map(f64::from).collect()], &[0]);
//! let normal = q.apply_one(0, 50.0).unwrap();
//! assert!(normal.abs() < 1e-12); // the median maps to 0
//! ```

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::config;
use crate::{DataError, Result};

/// How numeric inputs are scaled (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberScaling {
    /// Mean and standard deviation, every input.
    #[default]
    Standard,
    /// Median and interquartile range, then a smooth clip at ±3.
    Robust,
    /// Training quantiles to a standard normal.
    Quantile,
}

impl FromStr for NumberScaling {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "standard" => Ok(NumberScaling::Standard),
            "robust" => Ok(NumberScaling::Robust),
            "quantile" => Ok(NumberScaling::Quantile),
            _ => Err(config("number-scaling", s, "one of standard, robust, quantile")),
        }
    }
}

/// The smooth clip limit of robust scaling.
pub const CLIP: f64 = 3.0;

/// `x / √(1 + (x/limit)²)`: the identity near 0, ±`limit` far out, smooth between.
pub fn smooth_clip(x: f64, limit: f64) -> f64 {
    x / (1.0 + (x / limit).powi(2)).sqrt()
}

/// What a pipeline applies to its numeric inputs besides the affine scaler.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NumberTransform {
    /// Nothing: the affine scaler alone.
    #[default]
    None,
    /// After the scaler, [`smooth_clip`] at `limit` on `inputs`.
    SmoothClip {
        /// The clip limit.
        limit: f64,
        /// The inputs clipped.
        inputs: Vec<usize>,
    },
    /// Before the scaler (the identity on these inputs), each of `inputs` through its training
    /// quantiles `knots` to a standard normal.
    Quantile {
        /// The inputs mapped.
        inputs: Vec<usize>,
        /// Each input's quantiles at `0, 1/(K−1), …, 1`.
        knots: Vec<Vec<f64>>,
    },
}

/// The bound of the quantile map's probabilities (scikit-learn's `BOUNDS_THRESHOLD`).
const BOUND: f64 = 1e-7;

impl NumberTransform {
    /// The quantile map of `inputs`, one column of training values each (missing cells already
    /// filled).
    pub fn fit_quantiles(columns: &[Vec<f64>], inputs: &[usize]) -> Self {
        let knots = columns
            .iter()
            .map(|c| {
                let mut v: Vec<f64> = c.iter().copied().filter(|v| v.is_finite()).collect();
                v.sort_by(f64::total_cmp);
                let k = (v.len() / 30).clamp(10, 1000).min(v.len().max(1));
                (0..k)
                    .map(|i| {
                        let pos = if k == 1 { 0.0 } else { i as f64 / (k - 1) as f64 * (v.len() - 1) as f64 };
                        let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
                        let hi = (lo + 1).min(v.len() - 1);
                        v[lo] + frac * (v[hi] - v[lo])
                    })
                    .collect()
            })
            .collect();
        NumberTransform::Quantile { inputs: inputs.to_vec(), knots }
    }

    /// Applies the quantile map of the `k`-th mapped input to `x` (`None` for other transforms).
    pub fn apply_one(&self, k: usize, x: f64) -> Option<f64> {
        match self {
            NumberTransform::Quantile { knots, .. } => Some(quantile_normal(&knots[k], x)),
            _ => None,
        }
    }

    /// Checks a transform read from a file against the input width: inputs in range, a finite
    /// positive limit, sorted finite knots.
    pub fn validate(&self, width: usize) -> std::result::Result<(), String> {
        let inputs_ok = |inputs: &[usize]| inputs.iter().all(|&i| i < width);
        match self {
            NumberTransform::None => Ok(()),
            NumberTransform::SmoothClip { limit, inputs } if limit.is_finite() && *limit > 0.0 && inputs_ok(inputs) => {
                Ok(())
            }
            NumberTransform::Quantile { inputs, knots }
                if inputs_ok(inputs)
                    && knots.len() == inputs.len()
                    && knots.iter().all(|k| {
                        !k.is_empty() && k.iter().all(|v| v.is_finite()) && k.windows(2).all(|w| w[0] <= w[1])
                    }) =>
            {
                Ok(())
            }
            _ => Err("a number transform that does not fit the inputs (or holds unsorted or non-finite knots)".into()),
        }
    }

    /// Applies the transform's part that comes before the affine scaler to row values `row`.
    pub(crate) fn before_scaler(&self, row: &mut [f64]) {
        if let NumberTransform::Quantile { inputs, knots } = self {
            for (&i, k) in inputs.iter().zip(knots) {
                row[i] = quantile_normal(k, row[i]);
            }
        }
    }

    /// Applies the transform's part that comes after the affine scaler to row values `row`.
    pub(crate) fn after_scaler(&self, row: &mut [f64]) {
        if let NumberTransform::SmoothClip { limit, inputs } = self {
            for &i in inputs {
                row[i] = smooth_clip(row[i], *limit);
            }
        }
    }
}

/// `x` through quantiles `knots` (at evenly spaced probabilities) to a standard normal, as
/// scikit-learn computes it: the mean of the interpolation from below and from above (so a run
/// of equal knots maps to its middle), probabilities bounded to `[1e-7, 1 − 1e-7]`.
fn quantile_normal(knots: &[f64], x: f64) -> f64 {
    let n = knots.len();
    if n < 2 || x.is_nan() {
        return if x.is_nan() { x } else { 0.0 };
    }
    let p = if x - BOUND < knots[0] {
        0.0
    } else if x + BOUND > knots[n - 1] {
        1.0
    } else {
        let refs = |i: usize| i as f64 / (n - 1) as f64;
        // From below: the last knot ≤ x; from above: the first knot ≥ x.
        let up = knots.partition_point(|&k| k <= x).clamp(1, n - 1);
        let lo = up - 1;
        let forward = interpolate(knots[lo], knots[up], refs(lo), refs(up), x);
        let down = knots.partition_point(|&k| k < x).clamp(1, n - 1);
        let backward = interpolate(knots[down - 1], knots[down], refs(down - 1), refs(down), x);
        0.5 * (forward + backward)
    };
    normal_quantile(p.clamp(BOUND, 1.0 - BOUND))
}

fn interpolate(x0: f64, x1: f64, y0: f64, y1: f64, x: f64) -> f64 {
    if x1 == x0 { y1 } else { y0 + (x - x0) * (y1 - y0) / (x1 - x0) }
}

/// The standard normal's quantile function Φ⁻¹(p), p in (0, 1): Wichura's algorithm AS 241
/// (PPND16), about 1e-16 relative accuracy.
pub fn normal_quantile(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-r.ln()).sqrt();
    let v = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -v } else { v }
}

/// `c[0] + c[1]·x + … + c[7]·x⁷`.
fn poly(c: &[f64; 8], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &c| acc * x + c)
}

const A: [f64; 8] = [
    3.387_132_872_796_366_5,
    1.331_416_678_917_843_8e2,
    1.971_590_950_306_551_3e3,
    1.373_169_376_550_946e4,
    4.592_195_393_154_987e4,
    6.726_577_092_700_87e4,
    3.343_057_558_358_813e4,
    2.509_080_928_730_122_7e3,
];
const B: [f64; 8] = [
    1.0,
    4.231_333_070_160_091e1,
    6.871_870_074_920_579e2,
    5.394_196_021_424_751e3,
    2.121_379_430_158_659_7e4,
    3.930_789_580_009_271e4,
    2.872_908_573_572_194_3e4,
    5.226_495_278_852_545e3,
];
const C: [f64; 8] = [
    1.423_437_110_749_683_5,
    4.630_337_846_156_546,
    5.769_497_221_460_691,
    3.647_848_324_763_204_5,
    1.270_458_252_452_368_4,
    2.417_807_251_774_506e-1,
    2.272_384_498_926_918_4e-2,
    7.745_450_142_783_414e-4,
];
const D: [f64; 8] = [
    1.0,
    2.053_191_626_637_759,
    1.676_384_830_183_803_8,
    6.897_673_349_851e-1,
    1.481_039_764_274_800_8e-1,
    1.519_866_656_361_645_7e-2,
    5.475_938_084_995_345e-4,
    1.050_750_071_644_416_9e-9,
];
const E: [f64; 8] = [
    6.657_904_643_501_103,
    5.463_784_911_164_114,
    1.784_826_539_917_291_3,
    2.965_605_718_285_048_7e-1,
    2.653_218_952_657_612_4e-2,
    1.242_660_947_388_078_4e-3,
    2.711_555_568_743_487_6e-5,
    2.010_334_399_292_288_1e-7,
];
const F: [f64; 8] = [
    1.0,
    5.998_322_065_558_88e-1,
    1.369_298_809_227_358e-1,
    1.487_536_129_085_061_5e-2,
    7.868_691_311_456_133e-4,
    1.846_318_317_510_054_8e-5,
    1.421_511_758_316_446e-7,
    2.043_131_560_126_399_4e-15,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_quantile_inverts_the_normal_cdf() {
        // Φ⁻¹ at a few probabilities, from scipy.stats.norm.ppf.
        for (p, want) in [
            (0.975, 1.959_963_984_540_054),
            (0.5, 0.0),
            (1e-7, -5.199_337_582_192_816_5),
            (0.3, -0.524_400_512_708_040_9),
            (0.02, -2.053_748_910_631_823),
            (0.999, 3.090_232_306_167_813),
        ] {
            let got = normal_quantile(p);
            assert!((got - want).abs() <= 1e-14 * want.abs().max(1.0), "{p}: {got} vs {want}");
        }
        // Far past the 1e-7 the quantile map uses, AS 241 and Cephes part at the 12th digit.
        assert!((normal_quantile(1e-300) / -37.047_096_299_361_2 - 1.0).abs() < 1e-11);
    }

    #[test]
    fn ties_map_to_the_middle_of_their_run() {
        let t = NumberTransform::Quantile { inputs: vec![0], knots: vec![vec![0.0, 1.0, 1.0, 1.0, 2.0]] };
        assert_eq!(t.apply_one(0, 1.0).unwrap(), 0.0); // probabilities ¼ to ¾: the middle, ½
        assert_eq!(t.apply_one(0, 0.5).unwrap(), normal_quantile(0.125));
        assert_eq!(t.apply_one(0, -10.0).unwrap(), normal_quantile(BOUND)); // below the training rows
        assert_eq!(t.apply_one(0, 2.0).unwrap(), normal_quantile(1.0 - BOUND));
    }
}
