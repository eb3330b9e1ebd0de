//! Helpers: running the binary, and the paths of the examples.

use std::path::PathBuf;

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

/// A folder `<dir>/bin` holding `xdg-open`: headless Chromium (the login tests' playwright
/// script) signing in as `user` with `password` on the page it is sent to, as a person would in
/// their browser. With it first on `PATH`, kubeconfigs that run `kubectl oidc-login` work
/// unchanged.
pub fn browser_bin(dir: &std::path::Path, user: &str, password: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("a bin folder");
    let script = bin.join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nBROWSER_USER='{user}' BROWSER_PASSWORD='{password}' exec node '{}' \"$@\"\n",
            repo()
                .join("crates/kubeward/tests/it/login/browser.mjs")
                .display()
        ),
    )
    .expect("writes xdg-open");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin
}

/// `PATH` with `dirs` first, then the folder of the built binaries (`kubeward`,
/// `kubectl-oidc_login`), then the inherited `PATH`.
pub fn path_with(dirs: &[&std::path::Path]) -> String {
    let binaries = assert_cmd::cargo::cargo_bin("kubeward");
    let mut parts: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    parts.push(
        binaries
            .parent()
            .expect("the binaries' folder")
            .display()
            .to_string(),
    );
    parts.push(std::env::var("PATH").unwrap_or_default());
    parts.join(":")
}

/// The permission bits of a file or folder.
pub fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}
