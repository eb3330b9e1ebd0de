//! Running the golden steps' own commands (`../shared/golden/DIR/NN-name.cmd`) against a
//! `kubeward up`, with the variables the captures used (`$W`, `$P`, `$R`, `$API`, `$ADMINCURL`,
//! `KUBECONFIG`) and their helper functions, and comparing with what a real kube-apiserver
//! answered.

use std::process::{Command, Stdio};

use crate::cluster::Cluster;
use crate::golden;

/// The helper functions the captures' commands call.
const PRELUDE: &str = r#"
b64url() { local s="$1"; s="${s//-/+}"; s="${s//_//}"; while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done; printf '%s' "$s" | base64 -d; }
jwtheader() { b64url "$(printf '%s' "$1" | cut -d. -f1)" | python3 -m json.tool --indent 2; }
jwtpayload() { b64url "$(printf '%s' "$1" | cut -d. -f2)" | python3 -m json.tool --indent 2; }
mkcsr() { openssl genrsa -out "$W/$1.key" 2048 2>/dev/null && openssl req -new -key "$W/$1.key" -subj "$2" -out "$W/$1.csr"; }
"#;

/// What a step printed.
#[derive(Debug)]
pub struct Ran {
    /// Exit code.
    pub code: i32,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

/// Runs `command` in bash with the captures' variables, kubectl being `kubectl`.
pub fn bash(cluster: &Cluster, command: &str) -> Ran {
    bash_with(cluster, command, "/usr/bin")
}

/// Runs `command` with the kubectl of `kubectl_dir` first on `PATH`.
pub fn bash_with(cluster: &Cluster, command: &str, kubectl_dir: &str) -> Ran {
    let work = cluster.scratch("w");
    std::fs::create_dir_all(&work).expect("scratch folder");
    let pki = cluster.data_dir.join("pki");
    let curl = format!(
        "curl -sS -i --cacert {0}/ca.crt --cert {0}/admin.crt --key {0}/admin.key",
        pki.display()
    );
    let path = format!(
        "{kubectl_dir}:{}",
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!("{PRELUDE}\n{command}"))
        .env("W", &work)
        .env("P", &pki)
        .env("R", &cluster.data_dir)
        .env("A", cluster.dir.path())
        .env("API", &cluster.server)
        .env("ADMINCURL", curl)
        .env("KUBECONFIG", &cluster.admin_kubeconfig)
        .env("HOME", cluster.dir.path())
        .env("PATH", path)
        .stdin(Stdio::null())
        .output()
        .expect("bash runs");
    Ran {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs golden step `step`'s command.
pub fn run(cluster: &Cluster, step: &str) -> Ran {
    let command = golden::command_of(step);
    bash(cluster, &command)
}

/// Runs golden step `step`'s command with kubectl 1.`minor` (from the Cloud SDK) as `kubectl`.
pub fn run_with_kubectl(cluster: &Cluster, step: &str, minor: u32) -> Ran {
    let dir = cluster.scratch(&format!("kubectl-1.{minor}"));
    if !dir.exists() {
        std::fs::create_dir_all(&dir).expect("a folder for the kubectl link");
        let binary = format!("/usr/lib/google-cloud-sdk/bin/kubectl.1.{minor}");
        std::os::unix::fs::symlink(&binary, dir.join("kubectl")).expect("link kubectl");
    }
    bash_with(
        cluster,
        &golden::command_of(step),
        &dir.display().to_string(),
    )
}

/// How a step's output is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Byte for byte, after masking credential ids.
    Exact,
    /// As tables whose age cells are masked.
    Table,
    /// A `curl -i` capture: the status line and the body, not the headers (dates, ids).
    Http,
    /// Exit code only.
    ExitCode,
}

/// Runs `step` and compares exit code, stdout and stderr with the golden capture.
pub fn check(cluster: &Cluster, step: &str, compare: Compare) -> Ran {
    let mut ran = run(cluster, step);
    // The captures print the scratch folders by their variable names.
    let folders = [
        (cluster.scratch("w"), "$W"),
        (cluster.data_dir.join("pki"), "$P"),
        (cluster.data_dir.clone(), "$R"),
    ];
    for (path, variable) in folders {
        let path = path.display().to_string();
        ran.stdout = ran.stdout.replace(&path, variable);
        ran.stderr = ran.stderr.replace(&path, variable);
    }
    assert_eq!(
        ran.code,
        golden::exit_code_of(step),
        "{step}: exit code\nstdout:\n{}\nstderr:\n{}",
        ran.stdout,
        ran.stderr
    );
    match compare {
        Compare::Exact => {
            assert_eq!(
                mask(&ran.stdout),
                mask(&golden::stdout_of(step)),
                "{step}: stdout"
            );
            assert_eq!(
                mask(&ran.stderr),
                mask(&golden::stderr_of(step)),
                "{step}: stderr"
            );
        }
        Compare::Table => {
            assert_eq!(
                golden::table_cells(&mask(&ran.stdout)),
                golden::table_cells(&mask(&golden::stdout_of(step))),
                "{step}: table"
            );
            assert_eq!(
                mask(&ran.stderr),
                mask(&golden::stderr_of(step)),
                "{step}: stderr"
            );
        }
        Compare::Http => {
            let (status, body) = http_parts(&ran.stdout);
            let (golden_status, golden_body) = http_parts(&golden::stdout_of(step));
            assert_eq!(status, golden_status, "{step}: status line");
            assert_eq!(body, golden_body, "{step}: body");
        }
        Compare::ExitCode => {}
    }
    ran
}

/// Masks what differs on every run: credential ids (`X509SHA256=…`, `JTI=…`).
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["X509SHA256=", "JTI="]
            .iter()
            .filter_map(|marker| rest.find(marker).map(|i| (i, marker.len())))
            .min();
        let Some((start, length)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start + length]);
        out.push_str("<masked>");
        let tail = &rest[start + length..];
        let end = tail
            .find(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
}

/// The status line and the body of a `curl -i` output.
fn http_parts(output: &str) -> (String, String) {
    let normalized = output.replace("\r\n", "\n");
    let status = normalized
        .lines()
        .next()
        .unwrap_or("")
        .trim_end()
        .to_string();
    let body = normalized
        .split_once("\n\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}
