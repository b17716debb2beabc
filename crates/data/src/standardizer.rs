//! [`Standardizer`]: per-column `(v − mean) / std`, fitted on training rows only.
//!
//! ```
//! use ndnet_data::Standardizer;
//! let x = ndarray::array![[1.0, 5.0], [3.0, 5.0]];
//! let s = Standardizer::fit(&x);
//! assert_eq!(s.transform(&x), ndarray::array![[-1.0, 0.0], [1.0, 0.0]]); // constant column: centred only
//! assert_eq!(s.inverse_transform(&s.transform(&x)), x);
//! ```

use ndarray::{Array1, Array2, Axis, Zip};
use serde::{Deserialize, Serialize};

/// Column means and standard deviations (population, as scikit-learn's `StandardScaler`).
/// A column with zero variance gets a scale of 1, so it is centred but not divided by zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Column means.
    pub mean: Array1<f64>,
    /// Column scales (the standard deviation, or 1 where that is 0).
    pub scale: Array1<f64>,
}

impl Standardizer {
    /// Fits on `x` (rows × columns).
    ///
    /// # Panics
    /// When `x` has no rows.
    pub fn fit(x: &Array2<f64>) -> Self {
        let mean = x.mean_axis(Axis(0)).expect("Standardizer::fit needs at least one row");
        let scale = x.std_axis(Axis(0), 0.0).mapv(|s| if s > 0.0 && s.is_finite() { s } else { 1.0 });
        Standardizer { mean, scale }
    }

    /// The identity: mean 0, scale 1, for `columns` columns.
    pub fn identity(columns: usize) -> Self {
        Standardizer { mean: Array1::zeros(columns), scale: Array1::ones(columns) }
    }

    /// `(x − mean) / scale`, column by column.
    pub fn transform(&self, x: &Array2<f64>) -> Array2<f64> {
        let mut out = x.clone();
        for mut row in out.rows_mut() {
            Zip::from(&mut row).and(&self.mean).and(&self.scale).for_each(|v, &m, &s| *v = (*v - m) / s);
        }
        out
    }

    /// `x · scale + mean`: back to original units.
    pub fn inverse_transform(&self, x: &Array2<f64>) -> Array2<f64> {
        let mut out = x.clone();
        for mut row in out.rows_mut() {
            Zip::from(&mut row).and(&self.mean).and(&self.scale).for_each(|v, &m, &s| *v = *v * s + m);
        }
        out
    }
}
