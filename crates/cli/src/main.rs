//! `ndnet`: see `ndnet --help`, and the README.

fn main() {
    ndnet_cli::program::finish(ndnet_cli::run(ndnet_cli::parse()));
}
