//! Optimizers by name, as the programs take them: `--optimizer sgd|rmsprop|adam|adamw` with
//! `--preset`, or one word for the comparison (`rmsprop-pytorch`, `adamw-optax`, `sgd-momentum`).

use std::error::Error;

use ndnet::prelude::*;

/// The optimizer kinds.
pub const KINDS: [&str; 4] = ["sgd", "rmsprop", "adam", "adamw"];

/// A configured optimizer before it is built, so a program can change its options.
#[derive(Debug, Clone, Copy)]
pub enum Config {
    Sgd(SgdConfig),
    RmsProp(RmsPropConfig),
    Adam(AdamConfig),
}

/// The configuration for `kind` with `preset` (default: pytorch for SGD, keras otherwise).
pub fn config(kind: &str, preset: Option<&str>, lr: f64) -> Result<Config, Box<dyn Error>> {
    let bad = |allowed: &str| format!("invalid --preset {} for {kind}: allowed {allowed}", preset.unwrap_or(""));
    Ok(match kind {
        "sgd" => match preset.unwrap_or("pytorch") {
            "pytorch" => Config::Sgd(SgdConfig::pytorch(lr)),
            "keras" => Config::Sgd(SgdConfig::keras(lr)),
            _ => return Err(bad("pytorch, keras").into()),
        },
        "rmsprop" => {
            let p: RmsPropPreset =
                preset.unwrap_or("keras").parse().map_err(|_| bad("pytorch, keras, tf1, optax, textbook"))?;
            Config::RmsProp(RmsPropConfig::preset(p, lr))
        }
        "adam" | "adamw" => {
            let base = preset.unwrap_or("keras");
            let name = if kind == "adamw" { format!("{base}-adamw") } else { base.to_string() };
            let p: AdamPreset = name.parse().map_err(|_| bad("pytorch, keras, optax"))?;
            Config::Adam(AdamConfig::preset(p, lr))
        }
        other => return Err(format!("invalid optimizer `{other}`: allowed {}", KINDS.join(", ")).into()),
    })
}

/// The default learning rate of a kind: 0.01 for SGD, 0.001 for the adaptive ones.
pub fn default_lr(kind: &str) -> f64 {
    if kind == "sgd" { 0.01 } else { 0.001 }
}

impl Config {
    /// Validates and builds the optimizer.
    pub fn build(self) -> Result<Box<dyn Optimizer<f32>>, Box<dyn Error>> {
        Ok(match self {
            Config::Sgd(c) => Box::new(Sgd::new(c)?),
            Config::RmsProp(c) => Box::new(RmsProp::new(c)?),
            Config::Adam(c) => Box::new(Adam::new(c)?),
        })
    }
}

/// A comparison entry: `sgd`, `sgd-momentum` (μ 0.9), or `KIND` / `KIND-PRESET` for the others.
pub fn named(name: &str, lr: f64) -> Result<Box<dyn Optimizer<f32>>, Box<dyn Error>> {
    let allowed = "sgd, sgd-momentum, rmsprop[-pytorch|-keras|-tf1|-optax|-textbook], adam[-pytorch|-keras|-optax], adamw[-pytorch|-keras|-optax]";
    let fail = || format!("invalid --optimizers entry `{name}`: allowed {allowed}");
    if name == "sgd-momentum" {
        return Ok(Box::new(Sgd::new(SgdConfig::pytorch(lr).with_momentum(0.9))?));
    }
    let (kind, preset) = match name.split_once('-') {
        Some((kind, preset)) => (kind, Some(preset)),
        None => (name, None),
    };
    config(kind, preset, lr).map_err(|_| fail())?.build()
}
