//! `cargo fuzz run model_file`: a weights file's metadata or a checkpoint, mutated as a JSON tree
//! (see `fuzz/common/model_files.rs`), loads as `Ok` or `Err` and predicts, never panics or aborts.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../common/model_files.rs"]
mod model_files;

fuzz_target!(|data: &[u8]| {
    model_files::run_one(data);
});
