//! # ndnet-export
//!
//! A trained model and its whole preprocessing as one ONNX graph ([`export_onnx`]): the columns
//! as the graph's inputs, the pipeline's fills, codes and scalers, each layer of the model
//! description as its own kind writes it, and the outputs in the target's units, intervals and
//! prediction sets included; written with a small protobuf writer of its own.
//!
//! ```
//! use ndnet_data::{PipelineConfig, Prepared, Table};
//! use ndnet_trainer::{Architecture, RunMetadata};
//! let csv = b"price,rooms,town\n100,3,A\n150,4,B\n120,4,A\n180,5,B\n90,2,A\n";
//! let table = Table::from_csv_bytes(csv, "t.csv".as_ref()).unwrap();
//! let p = Prepared::<f32>::from_table(&table, &PipelineConfig::new("price"), 0.0, 0.0, 1).unwrap();
//! let architecture = Architecture::mlp(p.pipeline.input_width(), &[4], 1);
//! let model = architecture.build::<f32>(7).unwrap();
//! let metadata = RunMetadata::default().with_pipeline(p.pipeline.clone()).with_architecture(architecture);
//! let bytes = ndnet_export::export_onnx(&model, &metadata).unwrap();
//! assert_eq!(&bytes[..2], [0x08, 0x08]); // field 1 (ir_version) = 8
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod onnx;
mod protobuf;

pub use error::{ExportError, Result};
pub use onnx::{ONNX_ML_OPSET, ONNX_OPSET, export_onnx, export_onnx_with, write_onnx};
