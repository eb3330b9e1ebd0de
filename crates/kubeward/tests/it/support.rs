//! Helpers: running the binary, and the paths of examples and golden files.

use std::path::PathBuf;

use assert_cmd::Command;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A folder or file under `examples/`.
pub fn example(path: &str) -> String {
    repo().join("examples").join(path).display().to_string()
}

/// The stdout a real kubectl printed for a golden step (`DIR/NN-name`).
pub fn golden_out(step: &str) -> String {
    let path = repo().join("../shared/golden").join(format!("{step}.out"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `kubeward ARGS…`.
pub fn kubeward(args: &[&str]) -> Command {
    let mut command = Command::cargo_bin("kubeward").expect("the kubeward binary is built");
    command.args(args);
    command
}

/// Runs `kubeward ARGS…` and returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let output = kubeward(args).output().expect("kubeward runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
