//! The losses: each one file with its mean and its gradient; the trait is [`Loss`](crate::Loss).

pub(crate) mod bce;
pub(crate) mod class_weighted;
pub(crate) mod cross_entropy;
pub(crate) mod huber;
pub(crate) mod label_smoothing;
pub(crate) mod mae;
pub(crate) mod mse;
pub(crate) mod quantile;
pub(crate) mod regression;
