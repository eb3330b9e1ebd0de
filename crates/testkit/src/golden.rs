//! The golden answers of a real kube-apiserver (`../shared/golden`, beside the checkout): each
//! step's command run against a [`Cluster`] with the captures' variables (`$W`, `$P`, `$R`,
//! `$API`, `$ADMINCURL`, `KUBECONFIG`) and helper functions, and compared with what the real
//! server answered through one masking function ([`mask`]) for what differs on every run.

use std::process::{Command, Stdio};

use crate::cluster::Cluster;

/// The stdout a real kubectl printed for a golden step (`DIR/NN-name`).
pub fn stdout_of(step: &str) -> String {
    read(step, "out")
}

/// The bash command of a golden step.
pub fn command_of(step: &str) -> String {
    read(step, "cmd")
}

/// The stderr a real kubectl printed for a golden step.
pub fn stderr_of(step: &str) -> String {
    read(step, "err")
}

/// The exit code of a golden step.
pub fn exit_code_of(step: &str) -> i32 {
    read(step, "rc").trim().parse().expect("an exit code")
}

fn read(step: &str, extension: &str) -> String {
    let path = crate::repo()
        .join("../shared/golden")
        .join(format!("{step}.{extension}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A table as rows of cells (columns are separated by two or more spaces), with ages
/// (`0s`, `12s`, `3m2s`, `5h`, `2d`, `<invalid>`) replaced by `<age>`: column widths change with
/// the ages, the cells do not.
pub fn table_cells(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|cell| !cell.is_empty())
                .map(|cell| {
                    if is_age(cell) {
                        "<age>".to_string()
                    } else {
                        cell.to_string()
                    }
                })
                .collect()
        })
        .collect()
}

/// Whether `cell` is an age as kubectl prints it (`duration.HumanDuration`).
fn is_age(cell: &str) -> bool {
    if cell == "<invalid>" {
        return true;
    }
    let mut digits = false;
    let mut units = 0;
    for c in cell.chars() {
        match c {
            '0'..='9' => digits = true,
            's' | 'm' | 'h' | 'd' | 'y' if digits => {
                digits = false;
                units += 1;
            }
            _ => return false,
        }
    }
    !digits && units > 0
}

/// The helper functions the captures' commands call.
const PRELUDE: &str = r#"
b64url() { local s="$1"; s="${s//-/+}"; s="${s//_//}"; while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done; printf '%s' "$s" | base64 -d; }
jwtheader() { b64url "$(printf '%s' "$1" | cut -d. -f1)" | python3 -m json.tool --indent 2; }
jwtpayload() { b64url "$(printf '%s' "$1" | cut -d. -f2)" | python3 -m json.tool --indent 2; }
mkcsr() { openssl genrsa -out "$W/$1.key" 2048 2>/dev/null && openssl req -new -key "$W/$1.key" -subj "$2" -out "$W/$1.csr"; }
resign() { python3 - "$1" "$2" "$3" <<'PY'
import base64, json, sys, time
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
token, key_file, expression = sys.argv[1:4]
def decode(part): return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
def encode(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
header, c = decode(token.split(".")[0]), decode(token.split(".")[1])
now = int(time.time())
exec(expression)
key = serialization.load_pem_private_key(open(key_file, "rb").read(), None)
signing_input = encode(json.dumps(header).encode()) + "." + encode(json.dumps(c).encode())
print(signing_input + "." + encode(key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())))
PY
}
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
    let dir = kubectl_link(cluster, "kubectl", "/usr/bin/kubectl");
    bash_with(cluster, command, &dir.display().to_string())
}

/// A scratch folder named `name` holding only a `kubectl` link to `binary`: put first on `PATH`,
/// it chooses kubectl without putting the other programs of the binary's folder (a system
/// `python3` beside `/usr/bin/kubectl`, say) ahead of the user's.
fn kubectl_link(cluster: &Cluster, name: &str, binary: &str) -> std::path::PathBuf {
    let dir = cluster.scratch(name);
    std::fs::create_dir_all(&dir).expect("a folder for the kubectl link");
    match std::os::unix::fs::symlink(binary, dir.join("kubectl")) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        linked => linked.expect("link kubectl"),
    }
    dir
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
    let command = command_of(step);
    bash(cluster, &command)
}

/// Runs golden step `step`'s command with kubectl 1.`minor` (from the Cloud SDK) as `kubectl`.
pub fn run_with_kubectl(cluster: &Cluster, step: &str, minor: u32) -> Ran {
    let dir = kubectl_link(
        cluster,
        &format!("kubectl-1.{minor}"),
        &format!("/usr/lib/google-cloud-sdk/bin/kubectl.1.{minor}"),
    );
    bash_with(cluster, &command_of(step), &dir.display().to_string())
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
        exit_code_of(step),
        "{step}: exit code\nstdout:\n{}\nstderr:\n{}",
        ran.stdout,
        ran.stderr
    );
    match compare {
        Compare::Exact => {
            assert_eq!(mask(&ran.stdout), mask(&stdout_of(step)), "{step}: stdout");
            assert_eq!(mask(&ran.stderr), mask(&stderr_of(step)), "{step}: stderr");
        }
        Compare::Table => {
            assert_eq!(
                table_cells(&mask(&ran.stdout)),
                table_cells(&mask(&stdout_of(step))),
                "{step}: table"
            );
            assert_eq!(mask(&ran.stderr), mask(&stderr_of(step)), "{step}: stderr");
        }
        Compare::Http => {
            let (status, body) = http_parts(&ran.stdout);
            let (golden_status, golden_body) = http_parts(&stdout_of(step));
            assert_eq!(status, golden_status, "{step}: status line");
            assert_eq!(body, golden_body, "{step}: body");
            assert_eq!(
                header_names(&ran.stdout),
                header_names(&stdout_of(step)),
                "{step}: header names"
            );
        }
        Compare::ExitCode => {}
    }
    ran
}

/// Masks what differs on every run: credential ids (`X509SHA256=…`, `JTI=…`), uids,
/// timestamps and resource versions.
pub fn mask(text: &str) -> String {
    let text = mask_credential_ids(text);
    let text = replace_shapes(&text, "hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh", "<uid>");
    let text = replace_shapes(&text, "dddd-dd-ddTdd:dd:ddZ", "<time>");
    text.lines()
        .map(|line| match line.split_once("resourceVersion: \"") {
            Some((head, _)) => format!("{head}resourceVersion: \"<rv>\""),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if text.ends_with('\n') { "\n" } else { "" }
}

/// Replaces every run of `text` that has `shape` (`h`: a lowercase hex digit, `d`: a digit, any
/// other character: itself) with `replacement`.
fn replace_shapes(text: &str, shape: &str, replacement: &str) -> String {
    let bytes = text.as_bytes();
    let shape = shape.as_bytes();
    let fits = |at: usize| {
        at + shape.len() <= bytes.len()
            && shape.iter().zip(&bytes[at..]).all(|(s, b)| match s {
                b'h' => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
                b'd' => b.is_ascii_digit(),
                other => other == b,
            })
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if fits(at) {
            out.extend_from_slice(replacement.as_bytes());
            at += shape.len();
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Masks credential ids (`X509SHA256=…`, `JTI=…`).
fn mask_credential_ids(text: &str) -> String {
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
/// The names of the headers of a `curl -i` capture, lower case and sorted (their values hold
/// dates, ids and uids that differ on every run).
fn header_names(output: &str) -> Vec<String> {
    let normalized = output.replace("\r\n", "\n");
    let head = normalized
        .split_once("\n\n")
        .map_or(normalized.as_str(), |(head, _)| head);
    let mut names: Vec<String> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, _)| name.trim().to_ascii_lowercase())
        .collect();
    names.sort();
    names
}

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
