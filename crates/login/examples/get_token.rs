//! The plugin's command line alone (`get-token`, `setup`, `logout`, `clean`), linked without the
//! rest of kubeward: `cargo run --release -p kubeward-login --example get_token -- get-token …`.
//! Used to time a cached `get-token` with hyperfine (see docs/performance.md).

use std::process::ExitCode;

fn main() -> ExitCode {
    kubeward_login::cli::main()
}
