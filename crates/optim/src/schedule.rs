//! Learning-rate schedules: closed forms of PyTorch's `StepLR`, `ExponentialLR`,
//! `CosineAnnealingLR`, the cosine with a linear warm-up of the transformer recipes, the
//! flat-then-cosine and `coslog` schedules of RealMLP (Holzmüller et al. 2024), and a stateful
//! [`ReduceOnPlateau`] (`ReduceLROnPlateau`, mode `min`).
//!
//! The caller decides what one tick is (an epoch, as in PyTorch, or a step, as in Keras) and
//! sets the optimizer's learning rate from [`Schedule::learning_rate`].
//!
//! ```
//! use ndnet_optim::Schedule;
//! let s = Schedule::Step { step_size: 10, gamma: 0.5 };
//! assert_eq!(s.learning_rate(0.1, 9), 0.1);
//! assert_eq!(s.learning_rate(0.1, 10), 0.05);
//! ```

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::error::check;

/// A learning rate as a function of the tick (epoch) count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Schedule {
    /// The base rate throughout.
    #[default]
    Constant,
    /// `base · γ^⌊t / step_size⌋`.
    Step {
        /// Ticks between decays (≥ 1).
        step_size: u64,
        /// Factor per decay, in (0, 1].
        gamma: f64,
    },
    /// `base · γ^t`.
    Exponential {
        /// Factor per tick, in (0, 1].
        gamma: f64,
    },
    /// `η_min + (base − η_min)·(1 + cos(π·t/t_max))/2`.
    Cosine {
        /// Half-period in ticks (≥ 1).
        t_max: u64,
        /// The floor, ≥ 0.
        eta_min: f64,
    },
    /// `base·(t + 1)/warmup` for the first `warmup` ticks, then a cosine from `base` to 0 at
    /// `t_max`.
    WarmupCosine {
        /// Ticks of the linear warm-up (< `t_max`).
        warmup: u64,
        /// The tick the rate reaches 0 (≥ 1).
        t_max: u64,
    },
    /// `base` for the first half of `t_max` ticks, then a cosine to 0 (RealMLP's `flat_cos`).
    FlatCosine {
        /// The tick the rate reaches 0 (≥ 1).
        t_max: u64,
    },
    /// `base·(1 − cos(2π·log₂(1 + (2^cycles − 1)·t/t_max)))/2`: `cycles` cosine cycles from 0 to
    /// 0, each twice as long as the one before (RealMLP's `coslog4` has 4).
    CosLog {
        /// Cycles (1 to 16).
        cycles: u32,
        /// The tick the last cycle ends (≥ 1).
        t_max: u64,
    },
}

impl Schedule {
    /// Errors naming the first parameter out of range.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Schedule::Constant => Ok(()),
            Schedule::Step { step_size, gamma } => {
                check("step_size", step_size as f64, step_size >= 1, "≥ 1")?;
                check("gamma", gamma, gamma > 0.0 && gamma <= 1.0, "in (0, 1]")
            }
            Schedule::Exponential { gamma } => check("gamma", gamma, gamma > 0.0 && gamma <= 1.0, "in (0, 1]"),
            Schedule::Cosine { t_max, eta_min } => {
                check("t_max", t_max as f64, t_max >= 1, "≥ 1")?;
                check("eta_min", eta_min, eta_min >= 0.0 && eta_min.is_finite(), "≥ 0 and finite")
            }
            Schedule::WarmupCosine { warmup, t_max } => {
                check("t_max", t_max as f64, t_max >= 1, "≥ 1")?;
                check("warmup", warmup as f64, warmup < t_max, "< t_max")
            }
            Schedule::FlatCosine { t_max } => check("t_max", t_max as f64, t_max >= 1, "≥ 1"),
            Schedule::CosLog { cycles, t_max } => {
                check("t_max", t_max as f64, t_max >= 1, "≥ 1")?;
                check("cycles", f64::from(cycles), (1..=16).contains(&cycles), "1 to 16")
            }
        }
    }

    /// The learning rate at tick `t` (0 = the start) for base rate `base`.
    pub fn learning_rate(&self, base: f64, t: u64) -> f64 {
        match *self {
            Schedule::Constant => base,
            Schedule::Step { step_size, gamma } => base * gamma.powi(exponent(t / step_size.max(1))),
            Schedule::Exponential { gamma } => base * gamma.powi(exponent(t)),
            Schedule::Cosine { t_max, eta_min } => {
                let phase = std::f64::consts::PI * t as f64 / t_max.max(1) as f64;
                eta_min + (base - eta_min) * (1.0 + phase.cos()) / 2.0
            }
            Schedule::WarmupCosine { warmup, .. } if t < warmup => base * (t + 1) as f64 / warmup as f64,
            Schedule::WarmupCosine { warmup, t_max } => {
                let done = ((t - warmup) as f64 / (t_max.max(warmup + 1) - warmup) as f64).min(1.0);
                base * (1.0 + (std::f64::consts::PI * done).cos()) / 2.0
            }
            Schedule::FlatCosine { t_max } => {
                let done = (t as f64 / t_max.max(1) as f64).min(1.0);
                match done < 0.5 {
                    true => base,
                    false => base * (1.0 + (std::f64::consts::PI * (2.0 * done - 1.0)).cos()) / 2.0,
                }
            }
            Schedule::CosLog { cycles, t_max } => {
                let done = (t as f64 / t_max.max(1) as f64).min(1.0);
                let turns = (1.0 + (2f64.powi(cycles as i32) - 1.0) * done).log2();
                base * (1.0 - (2.0 * std::f64::consts::PI * turns).cos()) / 2.0
            }
        }
    }
}

/// The schedules a program offers by name over a run of `ticks` ticks: (name, what it is).
pub const SCHEDULES: &[(&str, &str)] = &[
    ("constant", "the base rate throughout"),
    ("cosine", "a cosine from the base rate to 0"),
    ("warmup-cosine", "a linear warm-up over the first 5 % of the run, then a cosine to 0"),
    ("flat-cosine", "the base rate for the first half, then a cosine to 0"),
    ("coslog4", "four cosine cycles from 0 to 0, each twice as long as the last (RealMLP)"),
];

impl Schedule {
    /// The schedule `name` (one of [`SCHEDULES`], any case) over a run of `ticks` ticks.
    ///
    /// ```
    /// use ndnet_optim::Schedule;
    /// assert_eq!(Schedule::named("flat-cosine", 100).unwrap(), Schedule::FlatCosine { t_max: 100 });
    /// assert!(Schedule::named("linear", 100).unwrap_err().to_string().contains("allowed constant, cosine"));
    /// ```
    pub fn named(name: &str, ticks: u64) -> Result<Schedule> {
        let t_max = ticks.max(1);
        let schedule = match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "constant" => Schedule::Constant,
            "cosine" => Schedule::Cosine { t_max, eta_min: 0.0 },
            "warmup-cosine" => Schedule::WarmupCosine { warmup: (t_max / 20).min(t_max - 1), t_max },
            "flat-cosine" => Schedule::FlatCosine { t_max },
            "coslog4" => Schedule::CosLog { cycles: 4, t_max },
            _ => {
                let names: Vec<&str> = SCHEDULES.iter().map(|s| s.0).collect();
                return Err(crate::OptimError::Flag {
                    name: "schedule".into(),
                    value: name.into(),
                    allowed: names.join(", "),
                });
            }
        };
        schedule.validate()?;
        Ok(schedule)
    }
}

fn exponent(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Cuts the learning rate by `factor` when a metric has not improved for `patience` ticks:
/// PyTorch's `ReduceLROnPlateau(mode="min", threshold_mode="rel")`.
///
/// ```
/// use ndnet_optim::ReduceOnPlateau;
/// let mut r = ReduceOnPlateau::new(0.5, 1).unwrap();
/// let mut lr = 1.0;
/// // two ticks without improvement beyond patience 1 → halve; twice
/// for loss in [3.0, 2.0, 2.0, 2.0, 2.0, 2.0] {
///     lr = r.step(loss, lr);
/// }
/// assert_eq!(lr, 0.25);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReduceOnPlateau {
    /// New rate = rate · factor, in (0, 1).
    pub factor: f64,
    /// Ticks without improvement tolerated.
    pub patience: u64,
    /// Relative improvement needed to count: `metric < best·(1 − threshold)`.
    pub threshold: f64,
    /// Ticks to wait after a cut before counting again.
    pub cooldown: u64,
    /// The rate never goes below this.
    pub min_lr: f64,
    /// Cuts smaller than this are skipped.
    pub eps: f64,
    best: f64,
    bad_ticks: u64,
    cooldown_left: u64,
}

impl ReduceOnPlateau {
    /// PyTorch's defaults except `factor` and `patience`: threshold 1e-4, no cooldown, no floor.
    pub fn new(factor: f64, patience: u64) -> Result<Self> {
        check("factor", factor, factor > 0.0 && factor < 1.0, "in (0, 1)")?;
        Ok(ReduceOnPlateau {
            factor,
            patience,
            threshold: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
            best: f64::INFINITY,
            bad_ticks: 0,
            cooldown_left: 0,
        })
    }

    /// Sets the relative threshold.
    pub fn with_threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }
    /// Sets the cooldown.
    pub fn with_cooldown(mut self, cooldown: u64) -> Self {
        self.cooldown = cooldown;
        self
    }
    /// Sets the floor.
    pub fn with_min_lr(mut self, min_lr: f64) -> Self {
        self.min_lr = min_lr;
        self
    }

    /// Feeds one metric value (lower is better); returns the learning rate to use next.
    pub fn step(&mut self, metric: f64, lr: f64) -> f64 {
        if metric < self.best * (1.0 - self.threshold) {
            self.best = metric;
            self.bad_ticks = 0;
        } else {
            self.bad_ticks += 1;
        }
        if self.cooldown_left > 0 {
            self.cooldown_left -= 1;
            self.bad_ticks = 0;
        }
        if self.bad_ticks > self.patience {
            self.cooldown_left = self.cooldown;
            self.bad_ticks = 0;
            let new = (lr * self.factor).max(self.min_lr);
            if lr - new > self.eps {
                return new;
            }
        }
        lr
    }
}
