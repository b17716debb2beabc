//! Showing a run as it goes: [`EpochPrinter`] prints `Epoch 7, Loss: 0.1234` lines as the seed
//! does; [`ProgressBar`] draws a bar on a terminal instead.
//!
//! ```
//! use ndnet_trainer::TrainerConfig;
//! // Printing is on by default; `with_verbose(false)` turns it off, and the bar appears when
//! // stderr is a terminal.
//! assert!(TrainerConfig::new(10).verbose);
//! ```

use std::io::{IsTerminal, Write};

use indicatif::ProgressStyle;
use ndarray::NdFloat;

use crate::{Callback, Context, Result, TrainError};

/// Prints `Epoch N, Loss: …[, Val loss: …]` after every epoch, and why a run stopped early.
/// A closed standard output is a [`TrainError::Output`], which programs end quietly on.
#[derive(Debug, Clone, Copy, Default)]
pub struct EpochPrinter;

fn print(line: std::fmt::Arguments<'_>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").map_err(|source| TrainError::Output { source })
}

impl<F: NdFloat> Callback<F> for EpochPrinter {
    fn name(&self) -> &'static str {
        "EpochPrinter"
    }

    fn on_epoch_end(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        let r = ctx.record();
        match (r.val_loss, r.val_accuracy) {
            (Some(v), Some(a)) => print(format_args!(
                "Epoch {}, Loss: {:.4}, Val loss: {v:.4}, Val accuracy: {a:.4}",
                r.epoch, r.train_loss
            )),
            (Some(v), None) => print(format_args!("Epoch {}, Loss: {:.4}, Val loss: {v:.4}", r.epoch, r.train_loss)),
            (None, _) => print(format_args!("Epoch {}, Loss: {:.4}", r.epoch, r.train_loss)),
        }
    }

    fn on_train_end(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        match ctx.stop.as_deref() {
            Some(reason) => print(format_args!("{reason}")),
            None => Ok(()),
        }
    }
}

/// A progress bar over the epochs on standard error, drawn only when that is a terminal.
#[derive(Debug, Default)]
pub struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
}

impl<F: NdFloat> Callback<F> for ProgressBar {
    fn name(&self) -> &'static str {
        "ProgressBar"
    }

    fn on_epoch_begin(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        if self.bar.is_none() && std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(ctx.epochs);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} epochs {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_position(ctx.epoch - 1);
            self.bar = Some(bar);
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        if let Some(bar) = &self.bar {
            bar.set_position(ctx.epoch);
            bar.set_message(format!("loss {:.4}", ctx.record().train_loss));
        }
        Ok(())
    }

    fn on_train_end(&mut self, _ctx: &mut Context<'_, F>) -> Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        Ok(())
    }
}
