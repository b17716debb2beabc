//! The one error type of the optim crate.

use thiserror::Error;

/// Everything that can go wrong building or stepping an optimizer.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum OptimError {
    /// A hyper-parameter (configuration value) outside its allowed range.
    #[error("invalid {name} = {value}: allowed {allowed}")]
    Config {
        /// The hyper-parameter, e.g. `learning_rate`.
        name: &'static str,
        /// The value given.
        value: String,
        /// The allowed range, e.g. `> 0 and finite`.
        allowed: &'static str,
    },
    /// A program's flag outside its allowed values, or given to a kind that does not take it.
    #[error("invalid --{name} {value}: allowed {allowed}")]
    Flag {
        /// The flag, without dashes, e.g. `lr`.
        name: String,
        /// The value given, short (`1e308`, not 309 digits).
        value: String,
        /// What is allowed, e.g. `> 0 and finite`.
        allowed: String,
    },
    /// A parameter's shape differs from the shape its state was made for.
    #[error("parameter {index}: optimizer state has shape {expected:?}, the parameter has shape {actual:?}")]
    Shape {
        /// Position in the parameter order.
        index: usize,
        /// The state's shape.
        expected: Vec<usize>,
        /// The parameter's shape.
        actual: Vec<usize>,
    },
    /// A different number of parameters than the state was made for.
    #[error("the optimizer has state for {expected} parameters, got {actual}")]
    Count {
        /// Parameters in the state.
        expected: usize,
        /// Parameters given.
        actual: usize,
    },
    /// A parameter that cannot be stepped: value and gradient of different shapes, or a view
    /// that is not contiguous and row-major.
    #[error("parameter {index}: {message}")]
    Param {
        /// Position in the parameter order.
        index: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A saved state from another kind of optimizer.
    #[error("the saved state is for {actual}, this optimizer is {expected}")]
    Kind {
        /// This optimizer's kind.
        expected: String,
        /// The state's kind.
        actual: String,
    },
    /// A saved state whose buffers do not fit this optimizer's configuration.
    #[error("saved state, parameter {index}: {message}")]
    State {
        /// Position in the parameter order.
        index: usize,
        /// What does not fit.
        message: String,
    },
}

/// Result alias of the optim crate.
pub type Result<T> = std::result::Result<T, OptimError>;

/// Checks a hyper-parameter; `ok` is the range test.
pub(crate) fn check(name: &'static str, value: f64, ok: bool, allowed: &'static str) -> Result<()> {
    if ok { Ok(()) } else { Err(OptimError::Config { name, value: short(value), allowed }) }
}

/// Learning rates must be positive and finite.
pub(crate) fn check_lr(lr: f64) -> Result<()> {
    check("learning_rate", lr, lr > 0.0 && lr.is_finite(), "> 0 and finite")
}

/// A number as a person writes it: `1e308` and `1e-320`, not hundreds of digits; `0.001` as is.
///
/// ```
/// assert_eq!(ndnet_optim::short(1e308), "1e308");
/// assert_eq!(ndnet_optim::short(0.001), "0.001");
/// ```
pub fn short(v: f64) -> String {
    if v != 0.0 && v.is_finite() && (v.abs() >= 1e16 || v.abs() < 1e-6) { format!("{v:e}") } else { v.to_string() }
}
