//! Optimizers by name, as programs take them: [`OptimizerSpec`] is `--optimizer sgd|rmsprop|adam|adamw`
//! with `--preset`, `--lr`, `--momentum`, `--rho`, `--eps` and `--weight-decay`; [`named`] is one
//! word of a comparison (`rmsprop-pytorch`, `adamw-optax`, `sgd-momentum`). Names are
//! case-insensitive everywhere, and every value is checked in the float type it will be used in
//! (an `--lr 1e-50` is 0 in f32, so it is refused for an f32 model).
//!
//! ```
//! use ndnet_optim::{Optimizer, OptimizerSpec};
//! let adam = OptimizerSpec::new("Adam").with_preset(Some("PyTorch")).with_lr(Some(3e-4));
//! let opt: Box<dyn Optimizer<f32>> = adam.build().unwrap();
//! assert_eq!(opt.learning_rate(), 3e-4);
//! assert!(OptimizerSpec::new("adam").with_preset(Some("pytorch-adamw")).build::<f32>().is_err());
//! assert!(OptimizerSpec::new("sgd").with_lr(Some(1e-50)).build::<f32>().is_err());
//! assert!(ndnet_optim::named::<f64>("adamw-optax", 1e-3).is_ok());
//! ```

use ndarray::NdFloat;

use crate::{
    Adam, AdamConfig, AdamPreset, OptimError, Optimizer, Result, RmsProp, RmsPropConfig, RmsPropPreset, Sgd, SgdConfig,
    WeightDecay,
};

/// The optimizer kinds [`OptimizerSpec`] takes.
pub const OPTIMIZER_KINDS: [&str; 4] = ["sgd", "rmsprop", "adam", "adamw"];

/// An optimizer described by name and options, as on a command line; [`OptimizerSpec::build`]
/// checks it and makes the optimizer.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerSpec {
    /// `sgd`, `rmsprop`, `adam` or `adamw` (any case).
    pub kind: String,
    /// Whose defaults: `pytorch` or `keras` for SGD; `pytorch`, `keras`, `tf1`, `optax` or
    /// `textbook` for RMSprop; `pytorch`, `keras` or `optax` for Adam and AdamW. Default:
    /// pytorch for SGD, keras otherwise.
    pub preset: Option<String>,
    /// The learning rate; default 0.01 for SGD, 0.001 otherwise.
    pub lr: Option<f64>,
    /// Momentum (SGD, RMSprop), in [0, 1).
    pub momentum: f64,
    /// RMSprop's ρ, in [0, 1); default the preset's.
    pub rho: Option<f64>,
    /// ε (RMSprop, Adam), ≥ 0; default the preset's.
    pub eps: Option<f64>,
    /// Weight decay, ≥ 0: L2 for SGD, and for RMSprop and Adam under the PyTorch, TF1, optax and
    /// textbook presets; decoupled for AdamW and under the Keras preset.
    pub weight_decay: Option<f64>,
}

/// An error about an option: `invalid <name> = <value>: allowed <allowed>`.
fn bad(name: &'static str, value: impl ToString, allowed: &'static str) -> OptimError {
    OptimError::Config { name, value: value.to_string(), allowed }
}

/// Checks `value` against `ok` and that it survives the trip into `F` (finite, and not 0 unless
/// it was 0).
fn check<F: NdFloat>(name: &'static str, value: f64, ok: bool, allowed: &'static str) -> Result<()> {
    let in_f = F::from(value).unwrap_or(F::nan());
    let kept = in_f.is_finite() && (value == 0.0 || in_f != F::zero());
    if ok && kept { Ok(()) } else { Err(bad(name, value, allowed)) }
}

impl OptimizerSpec {
    /// `kind` with every option at its default.
    pub fn new(kind: &str) -> Self {
        OptimizerSpec {
            kind: kind.to_string(),
            preset: None,
            lr: None,
            momentum: 0.0,
            rho: None,
            eps: None,
            weight_decay: None,
        }
    }
    /// Sets the preset.
    pub fn with_preset(mut self, preset: Option<&str>) -> Self {
        self.preset = preset.map(str::to_string);
        self
    }
    /// Sets the learning rate.
    pub fn with_lr(mut self, lr: Option<f64>) -> Self {
        self.lr = lr;
        self
    }
    /// Sets the momentum.
    pub fn with_momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }
    /// Sets ρ.
    pub fn with_rho(mut self, rho: Option<f64>) -> Self {
        self.rho = rho;
        self
    }
    /// Sets ε.
    pub fn with_eps(mut self, eps: Option<f64>) -> Self {
        self.eps = eps;
        self
    }
    /// Sets the weight decay.
    pub fn with_weight_decay(mut self, weight_decay: Option<f64>) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// The kind, lower case.
    fn kind(&self) -> String {
        self.kind.to_ascii_lowercase()
    }

    /// The preset, lower case, or the kind's default.
    fn preset(&self) -> String {
        let default = if self.kind() == "sgd" { "pytorch" } else { "keras" };
        self.preset.as_deref().unwrap_or(default).to_ascii_lowercase()
    }

    /// The learning rate: the one given, or 0.01 for SGD and 0.001 otherwise.
    pub fn learning_rate(&self) -> f64 {
        self.lr.unwrap_or(if self.kind() == "sgd" { 0.01 } else { 0.001 })
    }

    /// Checks every option (ranges, which options the kind takes, in `F`'s precision) and builds
    /// the optimizer. Errors name the option and its allowed values.
    pub fn build<F: NdFloat>(&self) -> Result<Box<dyn Optimizer<F>>> {
        let (kind, preset, lr) = (self.kind(), self.preset(), self.learning_rate());
        check::<F>("lr", lr, lr > 0.0 && lr.is_finite(), "> 0 and finite in the model's float type")?;
        check::<F>("momentum", self.momentum, (0.0..1.0).contains(&self.momentum), "in [0, 1)")?;
        if let Some(eps) = self.eps {
            check::<F>("eps", eps, eps >= 0.0 && eps.is_finite(), "≥ 0 and finite in the model's float type")?;
        }
        if let Some(rho) = self.rho {
            check::<F>("rho", rho, (0.0..1.0).contains(&rho), "in [0, 1)")?;
        }
        if let Some(l) = self.weight_decay {
            check::<F>("weight-decay", l, l >= 0.0 && l.is_finite(), "≥ 0 and finite")?;
        }
        let only = |name: &'static str, given: bool, allowed: &'static str| match given {
            true => Err(bad(name, "given", allowed)),
            false => Ok(()),
        };
        let decay = |decoupled: bool| {
            self.weight_decay.map(|l| if decoupled { WeightDecay::Decoupled(l) } else { WeightDecay::L2(l) })
        };
        Ok(match kind.as_str() {
            "sgd" => {
                only("rho", self.rho.is_some(), "only with the rmsprop optimizer")?;
                only("eps", self.eps.is_some(), "only with the rmsprop, adam or adamw optimizers")?;
                let c = match preset.as_str() {
                    "pytorch" => SgdConfig::pytorch(lr),
                    "keras" => SgdConfig::keras(lr),
                    _ => return Err(bad("preset", &preset, "for sgd one of pytorch, keras")),
                };
                let c = c.with_momentum(self.momentum);
                Box::new(Sgd::new(decay(false).map_or(c, |d| c.with_weight_decay(d)))?)
            }
            "rmsprop" => {
                let mut c = RmsPropConfig::preset(
                    preset.parse::<RmsPropPreset>().map_err(|_| {
                        bad("preset", &preset, "for rmsprop one of pytorch, keras, tf1, optax, textbook")
                    })?,
                    lr,
                )
                .with_momentum(self.momentum);
                c = self.rho.map_or(c, |rho| c.with_rho(rho));
                c = self.eps.map_or(c, |eps| c.with_epsilon(eps));
                Box::new(RmsProp::new(decay(preset == "keras").map_or(c, |d| c.with_weight_decay(d)))?)
            }
            "adam" | "adamw" => {
                only("momentum", self.momentum != 0.0, "only with sgd or rmsprop (Adam's β₁ plays that part)")?;
                only("rho", self.rho.is_some(), "only with the rmsprop optimizer")?;
                // `pytorch-adamw` is a preset of the enum, not of the kind: AdamW is its own kind.
                let allowed = "for adam and adamw one of pytorch, keras, optax";
                let name = if kind == "adamw" { format!("{preset}-adamw") } else { preset.clone() };
                let parsed = name.parse::<AdamPreset>().ok().filter(|_| !preset.contains('-'));
                let mut c = AdamConfig::preset(parsed.ok_or_else(|| bad("preset", &preset, allowed))?, lr);
                c = self.eps.map_or(c, |eps| c.with_epsilon(eps));
                let decoupled = kind == "adamw" || preset == "keras";
                Box::new(Adam::new(decay(decoupled).map_or(c, |d| c.with_weight_decay(d)))?)
            }
            _ => return Err(bad("optimizer", &self.kind, "one of sgd, rmsprop, adam, adamw")),
        })
    }
}

/// `invalid --<option> <value>: allowed <range>` for an option error of [`OptimizerSpec::build`]
/// (whose option names are the flags' names: `lr`, `momentum`, `rho`, `eps`, `weight-decay`,
/// `preset`, `optimizer`), for a program whose flags are those names; other errors as they are.
///
/// ```
/// let e = ndnet_optim::OptimizerSpec::new("sgd").with_lr(Some(-1.0)).build::<f32>().err().unwrap();
/// assert_eq!(ndnet_optim::flag_message(&e), "invalid --lr -1: allowed > 0 and finite in the model's float type");
/// ```
pub fn flag_message(e: &OptimError) -> String {
    match e {
        OptimError::Config { name, value, allowed } if !name.contains(' ') => {
            format!("invalid --{name} {value}: allowed {allowed}")
        }
        other => other.to_string(),
    }
}

/// A comparison entry: `sgd`, `sgd-momentum` (μ 0.9), or `KIND` / `KIND-PRESET` for the others
/// (`rmsprop-tf1`, `adamw-pytorch`), any case, at learning rate `lr`.
pub fn named<F: NdFloat>(name: &str, lr: f64) -> Result<Box<dyn Optimizer<F>>> {
    let lower = name.to_ascii_lowercase();
    if lower == "sgd-momentum" {
        return OptimizerSpec::new("sgd").with_lr(Some(lr)).with_momentum(0.9).build();
    }
    let (kind, preset) = match lower.split_once('-') {
        Some((kind, preset)) => (kind, Some(preset)),
        None => (lower.as_str(), None),
    };
    OptimizerSpec::new(kind).with_preset(preset).with_lr(Some(lr)).build().map_err(|e| match e {
        OptimError::Config { name: "lr", .. } => e,
        _ => bad(
            "optimizer entry",
            name,
            "sgd, sgd-momentum, rmsprop[-pytorch|-keras|-tf1|-optax|-textbook], adam[-pytorch|-keras|-optax], adamw[-pytorch|-keras|-optax]",
        ),
    })
}
