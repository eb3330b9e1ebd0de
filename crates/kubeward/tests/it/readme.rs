//! The README is executed: every `sh` block of its seed sections runs, in order, in one bash
//! session in the directory of a running `kubeward up` (`./kubeward-data`, `examples/` beside
//! it), with a browser that signs in as seed 001's user. A comment `# => TEXT` on a command is
//! what it must print (a trailing `…` makes it a prefix); a command whose answer is `Error …` or
//! `no` must fail, every other must succeed. A README that drifts from what kubeward does fails.

use std::path::Path;
use std::process::Command;

use kubeward_testkit::cluster::Cluster;

use crate::support::{self, repo};

/// One command of a block: its text (continuation lines and heredocs included) and what it must
/// print.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    text: String,
    expect: Option<String>,
}

/// The `sh` blocks of the `### Seed …` sections, in order (the `bash` blocks of the lab node and
/// of EKS start their own `up`: their own tests run them).
fn seed_blocks(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut in_seed = false;
    let mut block: Option<String> = None;
    for line in readme.lines() {
        if let Some(body) = block.as_mut() {
            if line.trim_start() == "```" {
                blocks.push(std::mem::take(body));
                block = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
            continue;
        }
        if line.starts_with("### ") {
            in_seed = line.starts_with("### Seed ");
        } else if line.starts_with("## ") {
            in_seed = false;
        } else if in_seed && line.trim_start() == "```sh" {
            block = Some(String::new());
        }
    }
    blocks
}

/// The commands of a block: comment lines skipped, `\` continuations and heredocs joined.
fn steps(block: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = block.lines();
    while let Some(line) = lines.next() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let mut text = line.to_string();
        let mut last = line.to_string();
        while last.ends_with('\\') {
            let Some(next) = lines.next() else { break };
            text.push('\n');
            text.push_str(next);
            last = next.to_string();
        }
        if let Some(delimiter) = heredoc(&text) {
            for next in lines.by_ref() {
                text.push('\n');
                text.push_str(next);
                if next == delimiter {
                    break;
                }
            }
        }
        let expect = last
            .split_once("# =>")
            .map(|(_, expected)| expected.trim().to_string());
        steps.push(Step { text, expect });
    }
    steps
}

/// The delimiter of a heredoc the command opens (`<<EOF`, `<<'EOF'`).
fn heredoc(text: &str) -> Option<String> {
    let (_, rest) = text.split_once("<<")?;
    let word = rest.split_whitespace().next()?;
    Some(word.trim_matches(|c| c == '\'' || c == '"').to_string())
}

/// Whether a command with this expectation must fail.
fn must_fail(expect: Option<&str>) -> bool {
    expect.is_some_and(|e| e.starts_with("Error") || e == "no")
}

#[test]
fn the_readme_is_parsed_as_written() {
    let block = "eval \"$(kubeward up --print-env)\"\n\
                 # a comment\n\
                 A=$(curl -sS x \\\n  -d y)   # => Error from server (Forbidden): pods…\n\
                 cat <<EOF > f\n\
                 line # => not a comment\n\
                 EOF\n\
                 kubectl auth can-i get pods   # => no\n";
    assert_eq!(
        steps(block),
        [
            Step {
                text: "eval \"$(kubeward up --print-env)\"".into(),
                expect: None,
            },
            Step {
                text: "A=$(curl -sS x \\\n  -d y)   # => Error from server (Forbidden): pods…"
                    .into(),
                expect: Some("Error from server (Forbidden): pods…".into()),
            },
            Step {
                text: "cat <<EOF > f\nline # => not a comment\nEOF".into(),
                expect: None,
            },
            Step {
                text: "kubectl auth can-i get pods   # => no".into(),
                expect: Some("no".into()),
            },
        ]
    );
    assert!(must_fail(Some("no")) && must_fail(Some("Error from server (NotFound)")));
    assert!(!must_fail(Some("yes")) && !must_fail(None));
    let readme = "## Setup\n```sh\nnot run\n```\n### Seed 000 — x\n```sh\nrun\n```\n```\nnot sh\n```\n\
                  ### Seed 001\n```sh\nalso\n```\n## Other\n```sh\nnot run\n```\n";
    assert_eq!(seed_blocks(readme), ["run\n", "also\n"]);
}

#[test]
fn the_seed_sections_of_the_readme_run_as_written() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let all: Vec<Step> = seed_blocks(&readme).iter().flat_map(|b| steps(b)).collect();
    assert!(all.len() > 40, "the seed sections hold the commands");

    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let home = dir.path().join("home");
    let out = dir.path().join("out");
    for d in [&work, &home, &out] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::os::unix::fs::symlink(repo().join("examples"), work.join("examples")).unwrap();
    let browser = support::browser_bin(dir.path(), "test", "test-password");
    let path = support::path_with(&[&browser]);
    let _cluster = Cluster::up_in(dir, &work, "kubeward-data");

    let mut script = String::from("cd \"$WORK\"\n");
    for (i, step) in all.iter().enumerate() {
        script.push_str(&format!(
            "{{ {}\n}} >\"$OUT/{i}.out\" 2>\"$OUT/{i}.err\" </dev/null; echo $? >\"$OUT/{i}.rc\"\n",
            step.text
        ));
    }
    let ran = Command::new("bash")
        .args(["--noprofile", "--norc", "-c", &script])
        .env_clear()
        .env("PATH", &path)
        .env("HOME", &home)
        .env("LANG", "C.UTF-8")
        .env("WORK", &work)
        .env("OUT", &out)
        .output()
        .expect("bash runs");
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    for (i, step) in all.iter().enumerate() {
        check(&out, i, step);
    }
}

/// Checks what command `i` printed and how it exited.
fn check(out: &Path, i: usize, step: &Step) {
    let read = |ext: &str| std::fs::read_to_string(out.join(format!("{i}.{ext}"))).unwrap();
    let (stdout, stderr) = (read("out"), read("err"));
    let rc: i32 = read("rc").trim().parse().unwrap();
    let said = format!(
        "README command:\n{}\nexit {rc}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        step.text
    );
    let expect = step.expect.as_deref();
    if must_fail(expect) {
        assert_ne!(rc, 0, "it should fail\n{said}");
    } else {
        assert_eq!(rc, 0, "it should succeed\n{said}");
    }
    if let Some(expected) = expect {
        let text = expected.trim_end_matches('…');
        assert!(
            stdout.contains(text) || stderr.contains(text),
            "it should print {text:?}\n{said}"
        );
    }
}
