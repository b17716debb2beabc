//! [`RegressionLoss`]: the regression losses a program chooses by name (`--loss`), each
//! registered once in [`RegressionLoss::KINDS`] with its name, parameter and range; parsing, the
//! "allowed" list and the flag's help come from there.

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat};

use crate::{LayerError, Loss, Result};

/// A regression loss chosen at run time (a program's `--loss`). Parses from `mse`, `mae`,
/// `huber` (δ = 1, PyTorch's default), `huber:δ` and `quantile:τ` (the pinball loss, τ in (0, 1)):
/// see [`RegressionLoss::KINDS`].
///
/// ```
/// use ndnet_layers::{Loss, RegressionLoss};
/// let (p, t) = (ndarray::array![[3.0]], ndarray::array![[0.0]]);
/// let huber: RegressionLoss = "huber".parse().unwrap();
/// assert_eq!(huber.loss(p.view(), t.view()).unwrap(), 2.5);
/// assert_eq!("quantile:0.9".parse::<RegressionLoss>().unwrap(), RegressionLoss::Quantile(0.9));
/// assert!("quantile:1".parse::<RegressionLoss>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum RegressionLoss {
    /// [`Mse`](crate::Mse).
    Mse,
    /// [`Mae`](crate::Mae).
    Mae,
    /// [`Huber`](crate::Huber) with this δ.
    Huber(f64),
    /// [`Quantile`](crate::Quantile) with this τ.
    Quantile(f64),
}

/// The parameter of a loss (`huber:δ`): its symbol, its range as the help shows it, and whether
/// it may be left out (then the loss's own default holds).
#[derive(Debug, Clone, Copy)]
pub struct LossParameter {
    /// The symbol, e.g. `δ`.
    pub symbol: &'static str,
    /// The allowed values, e.g. `δ > 0`.
    pub range: &'static str,
    /// Whether `name` alone is allowed.
    pub optional: bool,
}

/// One regression loss as a program names it: its name (and another spelling), what it is, its
/// parameter (`huber:δ`), and how the loss is made from it (`None` when the parameter is out of
/// range).
#[derive(Debug, Clone, Copy)]
pub struct LossKind {
    /// The name, e.g. `huber`.
    pub name: &'static str,
    /// Another spelling (`l1` for `mae`), if any.
    pub alias: Option<&'static str>,
    /// Its parameter, if it has one.
    pub parameter: Option<LossParameter>,
    /// What the loss is.
    pub about: &'static str,
    /// The loss for a parameter (given or not); `None` when it is out of range.
    pub make: fn(Option<f64>) -> Option<RegressionLoss>,
}

impl RegressionLoss {
    /// Every regression loss: the one list parsing, help and errors read.
    pub const KINDS: [LossKind; 4] = [
        LossKind {
            name: "mse",
            alias: None,
            parameter: None,
            about: "mean squared error",
            make: |_| Some(RegressionLoss::Mse),
        },
        LossKind {
            name: "mae",
            alias: Some("l1"),
            parameter: None,
            about: "mean absolute error",
            make: |_| Some(RegressionLoss::Mae),
        },
        LossKind {
            name: "huber",
            alias: None,
            parameter: Some(LossParameter { symbol: "δ", range: "δ > 0, 1 if left out", optional: true }),
            about: "squared within δ, absolute beyond",
            make: |d| match d.unwrap_or(1.0) {
                d if d > 0.0 && d.is_finite() => Some(RegressionLoss::Huber(d)),
                _ => None,
            },
        },
        LossKind {
            name: "quantile",
            alias: Some("pinball"),
            parameter: Some(LossParameter { symbol: "τ", range: "τ in (0, 1)", optional: false }),
            about: "the pinball loss of the τ-quantile",
            make: |t| t.filter(|t| *t > 0.0 && *t < 1.0).map(RegressionLoss::Quantile),
        },
    ];

    /// What `--loss` takes, for errors and help: `mse, mae, huber, huber:δ (δ > 0, 1 if left out),
    /// quantile:τ (τ in (0, 1))`.
    pub fn allowed() -> String {
        let each = Self::KINDS.iter().map(|k| match k.parameter {
            None => k.name.to_string(),
            Some(p) if p.optional => format!("{0}, {0}:{1} ({2})", k.name, p.symbol, p.range),
            Some(p) => format!("{}:{} ({})", k.name, p.symbol, p.range),
        });
        each.collect::<Vec<_>>().join(", ")
    }

    /// Each loss with what it is, for a flag's help.
    pub fn help() -> String {
        let each = Self::KINDS.iter().map(|k| format!("{} ({})", k.name, k.about));
        each.collect::<Vec<_>>().join(", ")
    }
}

impl std::fmt::Display for RegressionLoss {
    /// The name `--loss` takes: `mse`, `huber:0.5`, `quantile:0.9`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegressionLoss::Mse => f.write_str("mse"),
            RegressionLoss::Mae => f.write_str("mae"),
            RegressionLoss::Huber(d) => write!(f, "huber:{d}"),
            RegressionLoss::Quantile(t) => write!(f, "quantile:{t}"),
        }
    }
}

impl std::str::FromStr for RegressionLoss {
    type Err = LayerError;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || LayerError::Config {
            name: "loss".into(),
            value: s.to_string(),
            allowed: format!("one of {}", RegressionLoss::allowed()),
        };
        let lower = s.trim().to_ascii_lowercase();
        let (name, parameter) = match lower.split_once(':') {
            Some((name, p)) => (name.trim(), Some(p.trim().parse::<f64>().map_err(|_| bad())?)),
            None => (lower.as_str(), None),
        };
        let kind = Self::KINDS.iter().find(|k| k.name == name || k.alias == Some(name)).ok_or_else(bad)?;
        match (kind.parameter, parameter) {
            (None, Some(_)) => Err(bad()),
            _ => (kind.make)(parameter).ok_or_else(bad),
        }
    }
}

impl<F: NdFloat> Loss<F> for RegressionLoss {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        match *self {
            RegressionLoss::Mse => crate::Mse.loss(prediction, target),
            RegressionLoss::Mae => crate::Mae.loss(prediction, target),
            RegressionLoss::Huber(delta) => crate::Huber::new(delta).loss(prediction, target),
            RegressionLoss::Quantile(tau) => crate::Quantile::new(tau)?.loss(prediction, target),
        }
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        match *self {
            RegressionLoss::Mse => crate::Mse.loss_and_grad(prediction, target, grad),
            RegressionLoss::Mae => crate::Mae.loss_and_grad(prediction, target, grad),
            RegressionLoss::Huber(delta) => crate::Huber::new(delta).loss_and_grad(prediction, target, grad),
            RegressionLoss::Quantile(tau) => crate::Quantile::new(tau)?.loss_and_grad(prediction, target, grad),
        }
    }
}
