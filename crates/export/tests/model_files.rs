//! A model file is untrusted input: structure-aware mutations of a real weights file's metadata
//! and of a real checkpoint (the same harness as the cargo-fuzz target `model_file`) load as
//! `Ok` or `Err` and predict, never panic or abort. A few hundred cases here; the million-case
//! run is `cargo +nightly fuzz run model_file -- -runs=1000000` (see docs/reliability.md).

#[path = "../../../fuzz/common/model_files.rs"]
mod model_files;

use proptest::prelude::*;

#[test]
fn the_unmutated_templates_load() {
    assert!(model_files::run_one(&[0]), "the weights template");
    assert!(model_files::run_one(&[1]), "the checkpoint template");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn mutated_model_files_never_panic(data in proptest::collection::vec(any::<u8>(), 1..40)) {
        model_files::run_one(&data);
    }
}
