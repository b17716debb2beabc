//! What the examples share with the `ndnet` program (`ndnet_cli::program`): which file and
//! columns to load when the user names none, and how a program starts and ends (one-line
//! errors, exit 1; quiet on a closed stdout).
#![allow(dead_code, unused_imports)]

pub use ndnet_cli::program::{
    HOUSING_FEATURES, check, create_dir, data_path, features, finish, parse, refuse_overwrite, say, with_flag_hint,
};
