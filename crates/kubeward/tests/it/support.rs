//! Helpers: running the binary, and the paths of the examples.

use assert_cmd::Command;
pub use kubeward_testkit::repo;

/// A folder or file under `examples/`.
pub fn example(path: &str) -> String {
    repo().join("examples").join(path).display().to_string()
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
