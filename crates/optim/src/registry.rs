//! Optimizers by name, as programs take them. [`OptimizerSpec`] is an optimizer's typed
//! configuration, any kind; [`OPTIMIZERS`] is the one list of the kinds a program offers
//! (`--optimizer sgd|rmsprop|adam|adamw`), each with its presets, default learning rate and the
//! hyper-parameters it takes; [`OptimizerOptions`] (the flags' values) is checked against that
//! list and becomes a spec. Parsing, help texts and every "allowed" list are made from it.
//! Names are case-insensitive, and every value is checked in the float type it will be used in
//! (an `--lr 1e-50` is 0 in f32, so it is refused for an f32 model).
//!
//! ```
//! use ndnet_optim::{Optimizer, OptimizerOptions, OptimizerSpec};
//! let adam = OptimizerOptions::new("Adam").with_preset(Some("PyTorch")).with_lr(Some(3e-4));
//! let spec: OptimizerSpec = adam.spec::<f32>().unwrap();
//! assert_eq!(spec.build::<f32>().unwrap().learning_rate(), 3e-4);
//! assert!(OptimizerOptions::new("adam").with_preset(Some("pytorch-adamw")).spec::<f32>().is_err());
//! assert!(OptimizerOptions::new("sgd").with_lr(Some(1e-50)).spec::<f32>().is_err());
//! let e = OptimizerOptions::new("adam").with("rho", Some(0.9)).spec::<f32>().unwrap_err();
//! assert_eq!(e.to_string(), "invalid --rho 0.9: allowed only with rmsprop");
//! assert!(ndnet_optim::named::<f64>("adamw-optax", 1e-3).is_ok());
//! ```

use std::collections::BTreeMap;

use ndarray::NdFloat;
use serde::{Deserialize, Serialize};

use crate::{
    AdagradConfig, AdamConfig, OptimError, Optimizer, Result, RmsPropConfig, SgdConfig, WeightDecay, adagrad, adam,
    rmsprop, sgd, short,
};

/// An optimizer's configuration, of any kind: what a program builds from its flags, a run
/// stores, and [`OptimizerSpec::build`] turns into the optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OptimizerSpec {
    /// [`Sgd`](crate::Sgd).
    Sgd(SgdConfig),
    /// [`RmsProp`](crate::RmsProp).
    RmsProp(RmsPropConfig),
    /// [`Adam`](crate::Adam), AdamW included.
    Adam(AdamConfig),
    /// [`Adagrad`](crate::Adagrad).
    Adagrad(AdagradConfig),
}

/// `$body` with `$c` bound to the config of whichever kind `$spec` is.
macro_rules! each_kind {
    ($spec:expr, $c:ident => $body:expr) => {
        match $spec {
            OptimizerSpec::Sgd($c) => $body,
            OptimizerSpec::RmsProp($c) => $body,
            OptimizerSpec::Adam($c) => $body,
            OptimizerSpec::Adagrad($c) => $body,
        }
    };
}

impl OptimizerSpec {
    /// The optimizer, with empty state; errors name the first hyper-parameter out of range.
    pub fn build<F: NdFloat>(&self) -> Result<Box<dyn Optimizer<F>>> {
        each_kind!(*self, c => Ok(Box::new(crate::Optim::<_, F>::new(c)?)))
    }

    /// The learning rate.
    pub fn learning_rate(&self) -> f64 {
        each_kind!(self, c => crate::Rule::learning_rate(c))
    }

    /// The same optimizer at another learning rate.
    pub fn with_learning_rate(mut self, learning_rate: f64) -> Self {
        each_kind!(&mut self, c => crate::Rule::set_learning_rate(c, learning_rate));
        self
    }

    /// The same optimizer with gradients clipped as `clip` says before each update.
    pub fn with_clip(mut self, clip: Option<crate::Clip>) -> Self {
        each_kind!(&mut self, c => c.clip = clip);
        self
    }
}

/// A hyper-parameter a program takes as a flag (`--momentum`): its name, what it is, the values
/// it may have, and the test of them.
#[derive(Debug, Clone, Copy)]
pub struct Hyper {
    /// The flag's name, e.g. `momentum`.
    pub name: &'static str,
    /// What it is, for the flag's help.
    pub about: &'static str,
    /// The values it may have, e.g. `in [0, 1)`.
    pub allowed: &'static str,
    /// Whether a value is allowed.
    pub ok: fn(f64) -> bool,
}

/// μ, the momentum (SGD, RMSprop).
pub const MOMENTUM: Hyper =
    Hyper { name: "momentum", about: "momentum μ", allowed: "in [0, 1)", ok: |v| (0.0..1.0).contains(&v) };
/// ε, added to the denominator (RMSprop, Adam).
pub const EPS: Hyper =
    Hyper {
        name: "eps", about: "ε in the denominator", allowed: "≥ 0 and finite", ok: |v| v >= 0.0 && v.is_finite()
    };
/// λ, the weight decay (every kind: L2 or decoupled as the kind and preset say).
pub const WEIGHT_DECAY: Hyper = Hyper {
    name: "weight-decay",
    about: "weight decay λ",
    allowed: "≥ 0 and finite",
    ok: |v| v >= 0.0 && v.is_finite(),
};

/// One kind a program offers: its name, what it is, its presets (the first is the default), its
/// default learning rate, the hyper-parameters it takes, and how they make its spec.
#[derive(Debug, Clone, Copy)]
pub struct OptimizerKind {
    /// The name, e.g. `adamw`.
    pub name: &'static str,
    /// What it is.
    pub about: &'static str,
    /// Whose defaults it reproduces, the default first: `keras`, `pytorch`, ….
    pub presets: &'static [&'static str],
    /// The learning rate when none is given.
    pub default_lr: f64,
    /// The hyper-parameters it takes besides the learning rate.
    pub takes: &'static [Hyper],
    /// Its spec for a preset (one of `presets`), a learning rate and the given hyper-parameters.
    pub make: fn(preset: &str, lr: f64, options: &Hyperparameters) -> OptimizerSpec,
}

/// The hyper-parameters given (flag name → value), as a kind's `make` reads them.
pub type Hyperparameters = BTreeMap<&'static str, f64>;

/// The kinds a program offers, in the order help lists them: one line each.
pub const OPTIMIZERS: &[OptimizerKind] = &[sgd::SGD, rmsprop::RMSPROP, adam::ADAM, adam::ADAMW, adagrad::ADAGRAD];

/// The weight decay `λ` as decoupled or L2.
pub(crate) fn decay(options: &Hyperparameters, decoupled: bool) -> Option<WeightDecay> {
    options.get("weight-decay").map(|&l| if decoupled { WeightDecay::Decoupled(l) } else { WeightDecay::L2(l) })
}

/// What a program's optimizer flags said: a kind, maybe a preset and a learning rate, and
/// hyper-parameters by flag name. [`OptimizerOptions::spec`] checks them against the kind.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OptimizerOptions {
    /// The kind's name (any case).
    pub kind: String,
    /// The preset (any case); `None`: the kind's default.
    pub preset: Option<String>,
    /// The learning rate; `None`: the kind's default.
    pub lr: Option<f64>,
    /// Other hyper-parameters by flag name (`momentum`, `eps`, …).
    pub values: BTreeMap<String, f64>,
}

/// An error about a flag: `invalid --<name> <value>: allowed <allowed>`.
fn bad(name: &str, value: &str, allowed: String) -> OptimError {
    OptimError::Flag { name: name.to_string(), value: value.to_string(), allowed }
}

/// Checks `value` against `ok` and that it survives the trip into `F` (finite, and not 0 unless
/// it was 0).
fn check_in<F: NdFloat>(name: &str, value: f64, ok: bool, allowed: &str) -> Result<()> {
    let in_f = F::from(value).unwrap_or(F::nan());
    let kept = in_f.is_finite() && (value == 0.0 || in_f != F::zero());
    match (ok, kept) {
        (true, true) => Ok(()),
        (true, false) => Err(bad(name, &short(value), format!("{allowed} in the model's float type"))),
        (false, _) => Err(bad(name, &short(value), allowed.to_string())),
    }
}

impl OptimizerOptions {
    /// `kind` with every option at its default.
    pub fn new(kind: &str) -> Self {
        OptimizerOptions { kind: kind.to_string(), ..Default::default() }
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

    /// Sets hyper-parameter `name` (a flag's name), when given.
    pub fn with(mut self, name: &str, value: Option<f64>) -> Self {
        if let Some(v) = value {
            self.values.insert(name.to_string(), v);
        }
        self
    }

    /// The kind named, or an error listing the kinds.
    pub fn kind(&self) -> Result<&'static OptimizerKind> {
        let name = self.kind.trim().to_ascii_lowercase();
        OPTIMIZERS.iter().find(|k| k.name == name).ok_or_else(|| {
            bad(
                "optimizer",
                &self.kind,
                format!("one of {}", OPTIMIZERS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")),
            )
        })
    }

    /// The learning rate: the one given, or the kind's default.
    pub fn learning_rate(&self) -> Result<f64> {
        Ok(self.lr.unwrap_or(self.kind()?.default_lr))
    }

    /// Checks every option (which options the kind takes, each one's range, in `F`'s precision)
    /// and makes the spec. Errors name the flag and its allowed values.
    pub fn spec<F: NdFloat>(&self) -> Result<OptimizerSpec> {
        let kind = self.kind()?;
        let lr = self.learning_rate()?;
        check_in::<F>("lr", lr, lr > 0.0 && lr.is_finite(), "> 0 and finite")?;
        let preset = self.preset.as_deref().unwrap_or(kind.presets[0]).trim().to_ascii_lowercase();
        if !kind.presets.contains(&preset.as_str()) {
            let allowed = format!("for {} one of {}", kind.name, kind.presets.join(", "));
            return Err(bad("preset", self.preset.as_deref().unwrap_or_default(), allowed));
        }
        let mut given = Hyperparameters::new();
        for (name, &value) in &self.values {
            let Some(h) = kind.takes.iter().find(|h| h.name == name) else {
                let takers: Vec<&str> =
                    OPTIMIZERS.iter().filter(|k| k.takes.iter().any(|h| h.name == name)).map(|k| k.name).collect();
                let allowed = match takers.is_empty() {
                    true => "no optimizer takes it".to_string(),
                    false => format!("only with {}", takers.join(", ")),
                };
                return Err(bad(name, &short(value), allowed));
            };
            check_in::<F>(name, value, (h.ok)(value), h.allowed)?;
            given.insert(h.name, value);
        }
        let spec = (kind.make)(&preset, lr, &given);
        spec.build::<F>()?;
        Ok(spec)
    }
}

/// The help text of `--optimizer`: each kind, what it is and its presets.
pub fn optimizer_help() -> String {
    let each = OPTIMIZERS.iter().map(|k| format!("{} ({}; presets {})", k.name, k.about, k.presets.join(", ")));
    each.collect::<Vec<_>>().join(", ")
}

/// A comparison entry: `sgd`, `sgd-momentum` (μ 0.9), or `KIND` / `KIND-PRESET` for any kind
/// (`rmsprop-tf1`, `adamw-pytorch`), any case, at learning rate `lr`.
pub fn named<F: NdFloat>(name: &str, lr: f64) -> Result<Box<dyn Optimizer<F>>> {
    named_spec::<F>(name, lr)?.build()
}

/// The spec of a comparison entry (see [`named`]).
pub fn named_spec<F: NdFloat>(name: &str, lr: f64) -> Result<OptimizerSpec> {
    let lower = name.trim().to_ascii_lowercase();
    let options = match lower.as_str() {
        "sgd-momentum" => OptimizerOptions::new("sgd").with("momentum", Some(0.9)),
        _ => match lower.split_once('-') {
            Some((kind, preset)) => OptimizerOptions::new(kind).with_preset(Some(preset)),
            None => OptimizerOptions::new(&lower),
        },
    };
    options.with_lr(Some(lr)).spec::<F>().map_err(|e| match e {
        OptimError::Flag { ref name, .. } if name == "lr" => e,
        _ => bad("optimizers", name, format!("one of {}", entry_names().join(", "))),
    })
}

/// Every comparison entry [`named`] takes: `sgd`, `sgd-momentum`, then each kind and each
/// kind-preset.
pub fn entry_names() -> Vec<String> {
    let mut names = vec!["sgd-momentum".to_string()];
    for k in OPTIMIZERS {
        names.push(k.name.to_string());
        names.extend(k.presets.iter().map(|p| format!("{}-{p}", k.name)));
    }
    names
}
