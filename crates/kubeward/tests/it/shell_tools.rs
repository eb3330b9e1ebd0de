//! `kubeward version` (and `--version`) against what `kubeward up` answers kubectl, completion
//! scripts loaded by the real bash, zsh and fish, and the manual pages read by `man`.

use std::process::Command;

use kubeward_testkit::cluster::{Cluster, ok};
use serde_json::Value;

use crate::support;

/// Runs `SHELL -c SCRIPT` with the built `kubeward` first on `PATH`; returns its stdout.
fn shell(shell: &str, script: &str) -> String {
    let output = Command::new(shell)
        .args(["-c", script])
        .env("PATH", support::path_with(&[]))
        .output()
        .unwrap_or_else(|e| panic!("{shell} runs (.ci/run installs it): {e}"));
    assert!(
        output.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_version_names_the_kubernetes_version_kubectl_sees() {
    let cluster = Cluster::up();
    let answer: Value =
        serde_json::from_str(&ok(&cluster.kubectl(&["version", "-o", "json"]))).unwrap();
    let server = answer["serverVersion"]["gitVersion"].as_str().unwrap();
    let emulated = server.strip_suffix("-kubeward").unwrap();

    let (code, out, _) = support::run(&["version"]);
    assert_eq!(code, 0);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        out.starts_with(&format!("kubeward {version}\nKubernetes API: {emulated} ")),
        "{out}"
    );
    let (_, line, _) = support::run(&["--version"]);
    assert_eq!(
        line,
        format!("kubeward {version} (Kubernetes {emulated})\n")
    );
    let (_, json, _) = support::run(&["version", "-o", "json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["kubeward"], version);
    assert_eq!(json["kubernetes"]["gitVersion"], server);
}

#[test]
fn printing_into_a_closed_pipe_ends_quietly() {
    // `head` stops reading after one line; the runs of kubeward after that write into a closed
    // pipe.
    for command in ["completion bash", "completion zsh", "version"] {
        let output = Command::new("bash")
            .args([
                "-c",
                &format!("for i in $(seq 200); do kubeward {command}; done | head -1; echo \"${{PIPESTATUS[0]}}\""),
            ])
            .env("PATH", support::path_with(&[]))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{command}: {stderr}");
        let said = String::from_utf8_lossy(&output.stdout);
        let mut lines = said.lines();
        assert!(lines.next().is_some_and(|l| !l.is_empty()), "{said}");
        // The last run ended by SIGPIPE (128 + 13), as any Unix filter does; a panic exits 101.
        assert_eq!(lines.next(), Some("141"), "{command}: {said}");
    }
}

#[test]
fn completion_scripts_complete_commands_and_flags_in_bash_zsh_and_fish() {
    let bash = shell(
        "bash",
        "source <(kubeward completion bash) && COMP_WORDS=(kubeward up --merge) COMP_CWORD=2 \
         && _kubeward kubeward --merge up && echo \"${COMPREPLY[@]}\"",
    );
    assert_eq!(bash.trim(), "--merge-kubeconfig");
    let fish = shell(
        "fish",
        "kubeward completion fish | source; complete -C'kubeward id'; complete -C'kubeward up --print'",
    );
    assert!(fish.starts_with("idp\t"), "{fish}");
    assert!(fish.contains("\n--print-env\t"), "{fish}");
    let zsh = shell(
        "zsh",
        "autoload -U compinit && compinit -u && source <(kubeward completion zsh) && print $_comps[kubeward]",
    );
    assert_eq!(zsh.trim(), "_kubeward");
}

#[test]
fn manual_pages_are_written_for_every_command_and_read_by_man() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let (code, said, err) = support::run(&["man", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let pages = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(
        said,
        format!("{pages} manual pages written to {}\n", out.display())
    );
    for page in [
        "kubeward.1",
        "kubeward-up.1",
        "kubeward-idp-user-create.1",
        "kubeward-rbac-can-i.1",
    ] {
        assert!(out.join(page).exists(), "{page}");
    }
    let read = Command::new("man")
        .arg("-l")
        .arg(out.join("kubeward-up.1"))
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .output()
        .expect("man runs");
    let text = String::from_utf8_lossy(&read.stdout);
    assert!(text.contains("--merge-kubeconfig"), "{text}");
    assert!(text.contains("--print-env"), "{text}");
}
