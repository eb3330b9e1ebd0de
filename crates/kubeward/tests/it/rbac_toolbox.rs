//! `kubeward rbac …` end to end: every subcommand against a live `kubeward up`, read through a
//! kubeconfig whose user is an exec credential plugin (a script printing an ExecCredential with a
//! ServiceAccount token from `kubectl create token`), gives the same answers as against the same
//! policy on disk; cross-checked with the real kubectl; `viz` opened in headless Chromium; and
//! bad input (Forbidden, unreachable cluster, malformed manifests).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{self, repo};
use kubeward_testkit::cluster::{Cluster, ok};

/// seed 004's lab plus a ServiceAccount allowed to read RBAC objects.
fn lab() -> String {
    data("lab.yaml")
}

fn data(name: &str) -> String {
    repo()
        .join("crates/kubeward/tests/it/rbac_toolbox")
        .join(name)
        .display()
        .to_string()
}

/// A kubeconfig for the ServiceAccount `namespace/name` whose credential is an exec plugin: a
/// script that asks the admin for a fresh token and prints it as an ExecCredential.
fn exec_kubeconfig(cluster: &Cluster, namespace: &str, name: &str) -> PathBuf {
    let ca = ok(&cluster.kubectl(&[
        "config",
        "view",
        "--raw",
        "-o",
        "jsonpath={.clusters[0].cluster.certificate-authority-data}",
    ]));
    assert!(!ca.is_empty(), "the admin kubeconfig embeds its CA");
    let script = cluster.scratch(&format!("{namespace}-{name}-credential.sh"));
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nset -e\n\
             token=$(/usr/bin/kubectl --kubeconfig '{admin}' create token {name} -n {namespace})\n\
             printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"%s\"}}}}\\n' \"$token\"\n",
            admin = cluster.admin_kubeconfig.display(),
        ),
    )
    .expect("the credential script is written");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    let kubeconfig = cluster.scratch(&format!("{namespace}-{name}.kubeconfig"));
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\n\
             clusters:\n- name: kubeward\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\n\
             users:\n- name: {name}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {script}\n      interactiveMode: Never\n\
             contexts:\n- name: {name}\n  context:\n    cluster: kubeward\n    user: {name}\n\
             current-context: {name}\n",
            server = cluster.server,
            script = script.display(),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&kubeconfig, std::fs::Permissions::from_mode(0o600)).unwrap();
    kubeconfig
}

/// `kubeward ARGS…` with `kubeconfig`; returns (exit code, stdout, stderr).
fn kubeward(cluster: &Cluster, kubeconfig: &Path, args: &[&str]) -> (i32, String, String) {
    let output = support::kubeward(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", cluster.dir.path())
        .env_remove("NO_COLOR")
        .output()
        .expect("kubeward runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A cluster with the lab applied, and the exec kubeconfig of the RBAC reader.
fn lab_cluster() -> (Cluster, PathBuf) {
    let cluster = Cluster::up();
    ok(&cluster.kubectl(&["create", "-f", &lab()]));
    let reader = exec_kubeconfig(&cluster, "toolbox", "rbac-reader");
    (cluster, reader)
}

#[test]
fn every_command_answers_the_same_live_and_on_disk() {
    let (cluster, reader) = lab_cluster();
    let lab = lab();
    let dev = "system:serviceaccount:dev-team:dev-k8s";
    let cases: Vec<Vec<&str>> = vec![
        vec!["summary", "dev-k8s", "-n", "dev-team"],
        vec!["summary", "-k", "ServiceAccount", "infra-team:infra-k8s"],
        vec!["summary", "-k", "Group", "system:masters"],
        vec!["summary", "-k", "Group", "system:authenticated"],
        vec!["summary", "-k", "User", "system:kube-proxy", "-o", "json"],
        vec!["who-can", "get", "pods", "-n", "dev-team"],
        vec!["who-can", "list", "clusterroles", "-o", "yaml"],
        vec!["matrix", "--as", dev, "-n", "dev-team"],
        vec!["matrix", "--as", dev],
        vec![
            "matrix",
            "--for",
            "pods",
            "-n",
            "dev-team",
            "--verbs",
            "get,list,delete",
        ],
        vec!["lookup", "dev-k8s"],
        vec!["lookup", "-e", "^system:kube-", "-o", "json"],
        vec!["policy-rules", "infra-k8s"],
        vec!["explain", "get", "pods", "--as", dev, "-n", "infra-team"],
        vec!["explain", "delete", "pods", "--as", dev, "-n", "dev-team"],
        vec!["can-i", "list", "pods", "--as", dev, "-n", "dev-team"],
        vec!["can-i", "--list", "--as", dev, "-n", "dev-team"],
        vec!["viz", "-o", "dot"],
    ];
    for case in &cases {
        let mut live_args = vec!["rbac"];
        live_args.extend(case);
        let live = kubeward(&cluster, &reader, &live_args);
        let mut disk_args = live_args.clone();
        disk_args.extend(["--from", lab.as_str()]);
        let disk = kubeward(&cluster, &reader, &disk_args);
        assert_eq!(
            live.0, disk.0,
            "{case:?}: exit codes\nlive: {}\ndisk: {}",
            live.2, disk.2
        );
        assert!(live.0 == 0 || case[0] == "explain", "{case:?}: {}", live.2);
        assert!(!live.1.is_empty(), "{case:?} printed nothing: {}", live.2);
        assert_eq!(live.1, disk.1, "{case:?}: live and on-disk answers differ");
    }

    // What the answers say, beyond being equal.
    let (_, summary, _) = kubeward(
        &cluster,
        &reader,
        &["rbac", "summary", "dev-k8s", "-n", "dev-team"],
    );
    assert_eq!(
        summary,
        "ServiceAccount: dev-team/dev-k8s\nSecrets:\n\nPolicies:\n\
         • [RB] dev-team/roleB-dev-team ⟶  [R] dev-team/role-dev-team\n\
         \x20 Resource  Name  Exclude  Verbs  G L W C U P D DC\n\
         \x20 *.*       [*]     [-]     [-]   ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔\n\n\n"
    );
    let (_, masters, _) = kubeward(
        &cluster,
        &reader,
        &["rbac", "summary", "-k", "Group", "system:masters"],
    );
    assert!(masters.contains("• [CRB] */cluster-admin ⟶  [CR] */cluster-admin\n  Resource  Name  Exclude  Verbs  G L W C U P D DC\n  *.*       [*]     [-]     [-]   ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔\n"), "{masters}");
    let (_, lookup, _) = kubeward(&cluster, &reader, &["rbac", "lookup", "dev-k8s"]);
    assert!(
        lookup.contains(
            "  dev-k8s | ServiceAccount | Role  | dev-team  | role-dev-team | roleB-dev-team"
        ),
        "{lookup}"
    );

    // The same policy: nothing gained or lost between the manifests and the cluster.
    let (code, diff, err) = kubeward(&cluster, &reader, &["rbac", "diff", "--from", &lab]);
    assert_eq!(
        (code, diff.as_str()),
        (0, "No changes in permissions.\n"),
        "{err}"
    );
    // And a change shows up as a gain.
    ok(&cluster.kubectl(&[
        "create",
        "rolebinding",
        "extra",
        "-n",
        "infra-team",
        "--clusterrole=view",
        "--serviceaccount=dev-team:dev-k8s",
    ]));
    let (_, diff, _) = kubeward(&cluster, &reader, &["rbac", "diff", "--from", &lab]);
    assert!(
        diff.starts_with("ServiceAccount/dev-team/dev-k8s\n"),
        "{diff}"
    );
    for gained in ["get pods", "list pods", "watch deployments.apps"] {
        assert!(
            diff.contains(&format!("\n  + {gained} in namespace infra-team\n")),
            "{gained}: {diff}"
        );
    }
    assert!(!diff.contains("  - "), "{diff}");
}

#[test]
fn lint_finds_the_same_risks_live_and_on_disk() {
    let (cluster, reader) = lab_cluster();
    let lab = lab();
    let strip = |json: &str| -> Vec<(String, String, String)> {
        let findings: Vec<serde_json::Value> = serde_json::from_str(json).expect("lint -o json");
        findings
            .iter()
            .map(|f| {
                (
                    f["severity"].as_str().unwrap().to_string(),
                    f["rule"].as_str().unwrap().to_string(),
                    f["object"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let live = kubeward(&cluster, &reader, &["rbac", "lint", "-o", "json"]);
    let disk = kubeward(
        &cluster,
        &reader,
        &["rbac", "lint", "-o", "json", "--from", &lab],
    );
    assert_eq!(strip(&live.1), strip(&disk.1));
    let findings = strip(&live.1);
    assert!(
        findings.contains(&(
            "critical".into(),
            "wildcard".into(),
            "Role/dev-team/role-dev-team".into()
        )),
        "{findings:?}"
    );
    // Locations: the file on disk, namespace/name live.
    assert!(
        live.1.contains("\"location\": \"dev-team/role-dev-team\""),
        "{}",
        live.1
    );
    assert!(
        disk.1.contains(&format!("\"location\": \"{lab}\"")),
        "{}",
        disk.1
    );

    let (code, sarif, _) = kubeward(
        &cluster,
        &reader,
        &["rbac", "lint", "-o", "sarif", "--fail-on", "critical"],
    );
    assert_eq!(code, 1, "a critical finding fails the run");
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["runs"][0]["results"].as_array().unwrap().len(),
        findings.len()
    );
    let (code, _, _) = kubeward(
        &cluster,
        &reader,
        &[
            "rbac",
            "lint",
            "--from",
            &lab,
            "--no-bootstrap",
            "--fail-on",
            "critical",
        ],
    );
    assert_eq!(code, 1);
    let (code, _, err) = kubeward(&cluster, &reader, &["rbac", "lint", "--fail-on", "severe"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown severity \"severe\""), "{err}");
}

#[test]
fn the_current_user_comes_from_a_self_subject_review() {
    let (cluster, reader) = lab_cluster();
    let (code, out, err) = kubeward(&cluster, &reader, &["rbac", "whoami"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["ATTRIBUTE", "VALUE"]
    );
    assert!(
        lines[1].starts_with("Username ")
            && lines[1].ends_with(" system:serviceaccount:toolbox:rbac-reader"),
        "{out}"
    );
    assert!(
        out.contains(
            "[system:serviceaccounts system:serviceaccounts:toolbox system:authenticated]"
        ),
        "{out}"
    );
    // The same table kubectl prints for the same credentials, up to the token's JTI.
    let kubectl = Command::new("/usr/bin/kubectl")
        .args(["auth", "whoami"])
        .env("KUBECONFIG", &reader)
        .env("HOME", cluster.dir.path())
        .output()
        .unwrap();
    let kubectl = ok(&kubectl);
    let mask = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("Extra: "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(mask(&out), mask(&kubectl));

    // matrix without --as: the current user's.
    let current = kubeward(&cluster, &reader, &["rbac", "matrix", "-n", "dev-team"]);
    let as_flag = kubeward(
        &cluster,
        &reader,
        &[
            "rbac",
            "matrix",
            "-n",
            "dev-team",
            "--as",
            "system:serviceaccount:toolbox:rbac-reader",
            "--from",
            &lab(),
        ],
    );
    assert_eq!(current.1, as_flag.1, "{}", current.2);
    let roles = current
        .1
        .lines()
        .find(|l| l.starts_with("roles.rbac.authorization.k8s.io "))
        .unwrap();
    assert_eq!(
        roles.split_whitespace().collect::<Vec<_>>(),
        ["roles.rbac.authorization.k8s.io", "✔", "✖", "✖", "✖"]
    );
}

#[test]
fn the_matrix_agrees_with_kubectl_auth_can_i() {
    let (cluster, reader) = lab_cluster();
    let dev = "system:serviceaccount:dev-team:dev-k8s";
    let (_, matrix, _) = kubeward(
        &cluster,
        &reader,
        &["rbac", "matrix", "--as", dev, "-n", "infra-team"],
    );
    let (_, own, _) = kubeward(
        &cluster,
        &reader,
        &["rbac", "matrix", "--as", dev, "-n", "dev-team"],
    );
    for (text, namespace) in [(&matrix, "infra-team"), (&own, "dev-team")] {
        for resource in [
            "pods",
            "secrets",
            "deployments.apps",
            "rolebindings.rbac.authorization.k8s.io",
        ] {
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("{resource} ")))
                .unwrap_or_else(|| panic!("{resource} in {text}"));
            let cells: Vec<&str> = line.split_whitespace().skip(1).collect();
            for (verb, cell) in ["list", "create", "update", "delete"].iter().zip(cells) {
                let answer = cluster.kubectl(&[
                    "auth", "can-i", verb, resource, "-n", namespace, "--as", dev,
                ]);
                let said = String::from_utf8_lossy(&answer.stdout).trim().to_string();
                let expected = if cell == "✔" { "yes" } else { "no" };
                assert_eq!(
                    said, expected,
                    "{verb} {resource} in {namespace}: matrix says {cell}"
                );
            }
        }
    }
}

#[test]
fn an_unprivileged_user_gets_the_servers_own_answers() {
    let (cluster, _) = lab_cluster();
    // dev-k8s may do anything in dev-team, and may not list the cluster's RBAC objects.
    let dev = exec_kubeconfig(&cluster, "dev-team", "dev-k8s");
    let kubectl_as_dev = |args: &[&str]| {
        Command::new("/usr/bin/kubectl")
            .env("KUBECONFIG", &dev)
            .env("HOME", cluster.dir.path())
            .args(args)
            .output()
            .expect("kubectl runs")
    };

    // matrix: one SelfSubjectAccessReview per cell, each the server's decision.
    for namespace in ["dev-team", "infra-team"] {
        let (code, matrix, err) = kubeward(&cluster, &dev, &["rbac", "matrix", "-n", namespace]);
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("each cell was asked of the API server (SelfSubjectAccessReview): every answer is the server's own decision, and complete"),
            "{err}"
        );
        for resource in [
            "pods",
            "secrets",
            "deployments.apps",
            "roles.rbac.authorization.k8s.io",
        ] {
            let line = matrix
                .lines()
                .find(|l| l.starts_with(&format!("{resource} ")))
                .unwrap_or_else(|| panic!("{resource} in {matrix}"));
            let cells: Vec<&str> = line.split_whitespace().skip(1).collect();
            for (verb, cell) in ["list", "create", "update", "delete"].iter().zip(cells) {
                let said = kubectl_as_dev(&["auth", "can-i", verb, resource, "-n", namespace]);
                let said = String::from_utf8_lossy(&said.stdout).trim().to_string();
                assert_eq!(
                    said,
                    if cell == "✔" { "yes" } else { "no" },
                    "{verb} {resource} in {namespace}"
                );
            }
        }
    }

    // summary of oneself: the rules the server reports, as kubectl auth can-i --list prints them.
    let (code, summary, err) = kubeward(
        &cluster,
        &dev,
        &["rbac", "summary", "dev-k8s", "-n", "dev-team"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("SelfSubjectRulesReview"), "{err}");
    assert!(err.contains("The list is complete."), "{err}");
    let listed = kubectl_as_dev(&["auth", "can-i", "--list", "-n", "dev-team"]);
    assert_eq!(summary, String::from_utf8_lossy(&listed.stdout));
    // Somebody else's summary needs the permission; the message says what can be shown.
    let (code, _, err) = kubeward(
        &cluster,
        &dev,
        &["rbac", "summary", "infra-k8s", "-n", "infra-team"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("only your own rules can be shown: kubeward rbac summary -k User \"system:serviceaccount:dev-team:dev-k8s\""),
        "{err}"
    );

    // can-i without --as asks about the current user, as kubectl does.
    for (args, code) in [
        (vec!["list", "pods", "-n", "dev-team"], 0),
        (vec!["list", "pods", "-n", "infra-team"], 1),
        (vec!["--list", "-n", "dev-team"], 0),
    ] {
        let mut ours = vec!["rbac", "can-i"];
        ours.extend(&args);
        let (got, out, err) = kubeward(&cluster, &dev, &ours);
        assert_eq!(got, code, "{args:?}: {err}");
        let mut theirs = vec!["auth", "can-i"];
        theirs.extend(&args);
        let kubectl = kubectl_as_dev(&theirs);
        assert_eq!(out, String::from_utf8_lossy(&kubectl.stdout), "{args:?}");
    }
}

#[test]
fn forbidden_unreachable_and_malformed_input_get_clear_errors() {
    let (cluster, _) = lab_cluster();
    // dev-k8s may do anything in dev-team but list nothing cluster-wide.
    let dev = exec_kubeconfig(&cluster, "dev-team", "dev-k8s");
    let (code, out, err) = kubeward(
        &cluster,
        &dev,
        &["rbac", "summary", "-k", "Group", "system:masters"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("cannot list clusterroles.rbac.authorization.k8s.io at the cluster scope")
            && err.contains("User \\\"system:serviceaccount:dev-team:dev-k8s\\\" cannot list resource \\\"clusterroles\\\"")
                | err.contains("User \"system:serviceaccount:dev-team:dev-k8s\" cannot list resource \"clusterroles\"")
            && err.contains("needs the \"list\" verb on clusterroles.rbac.authorization.k8s.io"),
        "{err}"
    );

    // A cluster nobody listens on.
    let unreachable = cluster.scratch("unreachable.kubeconfig");
    let text = std::fs::read_to_string(&dev)
        .unwrap()
        .replace(&cluster.server, "https://127.0.0.1:1");
    std::fs::write(&unreachable, text).unwrap();
    let started = std::time::Instant::now();
    let (code, _, err) = kubeward(&cluster, &unreachable, &["rbac", "lookup", "x"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot reach the cluster while listing clusterroles"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 30, "no hang");
    let (code, _, err) = kubeward(&cluster, &unreachable, &["rbac", "whoami"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot reach the cluster for a SelfSubjectReview"),
        "{err}"
    );

    // Anonymous users may not create SelfSubjectReviews: kubectl's message.
    let anonymous = cluster.scratch("anonymous.kubeconfig");
    let text = std::fs::read_to_string(&dev).unwrap();
    let users = text.find("users:").unwrap();
    let contexts = text.find("contexts:").unwrap();
    let text = format!(
        "{}users:\n- name: dev-k8s\n  user: {{}}\n{}",
        &text[..users],
        &text[contexts..]
    );
    std::fs::write(&anonymous, text).unwrap();
    let (code, _, err) = kubeward(&cluster, &anonymous, &["rbac", "whoami"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it"),
        "{err}"
    );

    // No kubeconfig at all.
    let (code, _, err) = kubeward(
        &cluster,
        &cluster.scratch("missing.kubeconfig"),
        &["rbac", "viz"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("no kubeconfig: none of the files in $KUBECONFIG exists"),
        "{err}"
    );

    // Malformed manifests name the file and line.
    let bad = cluster.scratch("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: x\n",
    )
    .unwrap();
    for command in [["summary", "x"], ["lint", "-o"], ["viz", "-o"]] {
        let mut args = vec!["rbac", command[0]];
        if command[0] == "summary" {
            args.push(command[1]);
        }
        args.extend(["--from", bad.to_str().unwrap()]);
        let (code, out, err) = kubeward(&cluster, &dev, &args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(
            err.contains(&format!("{}:", bad.display())),
            "{args:?}: {err}"
        );
    }
    let (code, _, err) = kubeward(
        &cluster,
        &dev,
        &["rbac", "summary", "-k", "Robot", "x", "--from", &lab()],
    );
    assert_eq!(code, 2);
    assert!(err.contains("\"Robot\" is unknown SubjectKind"), "{err}");
    let (code, _, err) = kubeward(
        &cluster,
        &dev,
        &["rbac", "lookup", "-e", "(", "--from", &lab()],
    );
    assert_eq!(code, 2);
    assert!(err.contains("invalid regular expression"), "{err}");
    let (code, _, err) = kubeward(&cluster, &dev, &["rbac", "matrix", "--from", &lab()]);
    assert_eq!(code, 2);
    assert!(err.contains("--as is required with --from"), "{err}");
}

#[test]
fn viz_renders_in_headless_chromium_and_finds_a_subject() {
    let (cluster, reader) = lab_cluster();
    let page = cluster.scratch("rbac.html");
    let (code, _, err) = kubeward(
        &cluster,
        &reader,
        &["rbac", "viz", "-f", page.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("<script src") && !html.contains("<link"),
        "self-contained"
    );

    for tool in ["/usr/bin/node", "/usr/bin/chromium"] {
        assert!(
            Path::new(tool).exists(),
            "{tool} is required (install nodejs and chromium)"
        );
    }
    let playwright = repo().join("testpeers/node_modules/playwright-core/index.mjs");
    assert!(
        playwright.exists(),
        "run `npm ci --prefix testpeers` first ({} is missing)",
        playwright.display()
    );
    let screenshot = cluster.scratch("rbac.png");
    let profile = cluster.scratch("chromium-profile");
    let output = Command::new("/usr/bin/node")
        .arg(data("viz_check.mjs"))
        .arg(&playwright)
        .arg("/usr/bin/chromium")
        .arg(&page)
        .arg("dev-k8s")
        .arg(&screenshot)
        .arg(&profile)
        .output()
        .expect("node runs");
    let stdout = ok(&output);
    let result: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    // At first only the lab's own subjects and bindings: the bootstrap policy is hidden.
    assert_eq!(result["subjects"], 3, "{result}");
    assert_eq!(result["bindings"], 3, "{result}");
    assert!(result["edges"].as_u64().unwrap() > 6, "{result}");
    assert_eq!(result["builtinShownAtFirst"], false, "{result}");
    assert_eq!(
        result["matches"],
        serde_json::json!(["dev-team/dev-k8s"]),
        "{result}"
    );
    assert!(
        result["dimmed"].as_u64().unwrap() > 0,
        "the rest of the graph is dimmed: {result}"
    );
    assert!(
        result["status"]
            .as_str()
            .unwrap()
            .contains("1 match \"dev-k8s\""),
        "{result}"
    );
    assert_eq!(result["errors"], serde_json::json!([]), "{result}");
    assert_eq!(
        result["remote"],
        serde_json::json!([]),
        "no network: {result}"
    );
    // The checkbox brings the ~50 controller bindings' subjects, and takes them away again.
    assert!(result["withBuiltin"].as_u64().unwrap() > 20, "{result}");
    assert!(result["systemShown"].as_u64().unwrap() > 0, "{result}");
    assert_eq!(result["withoutBuiltin"], 3, "{result}");
    assert_eq!(
        result["kinds"],
        serde_json::json!(["ServiceAccount"]),
        "{result}"
    );
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(
        png.len() > 1000 && png.starts_with(b"\x89PNG"),
        "{} bytes",
        png.len()
    );
}

#[test]
fn colour_and_progress_only_on_a_terminal() {
    let (cluster, reader) = lab_cluster();
    let binary = assert_cmd::cargo::cargo_bin("kubeward");
    let command = format!(
        "{} rbac matrix --as system:serviceaccount:dev-team:dev-k8s -n dev-team",
        binary.display()
    );
    // `script` runs the command on a pseudo-terminal (stdout and stderr).
    let output = Command::new("/usr/bin/script")
        .args(["-qec", &command, "/dev/null"])
        .env("KUBECONFIG", &reader)
        .env("HOME", cluster.dir.path())
        .env_remove("NO_COLOR")
        .output()
        .expect("script (util-linux) runs");
    let terminal = ok(&output);
    assert!(terminal.contains("\x1b[32m✔\x1b[0m"), "{terminal:?}");
    assert!(
        terminal.contains("reading clusterroles: "),
        "progress: {terminal:?}"
    );
    let (_, piped, err) = kubeward(
        &cluster,
        &reader,
        &[
            "rbac",
            "matrix",
            "--as",
            "system:serviceaccount:dev-team:dev-k8s",
            "-n",
            "dev-team",
        ],
    );
    assert!(
        !piped.contains('\x1b') && !err.contains("reading"),
        "{piped:?} {err:?}"
    );
    assert!(piped.contains('✔'));
}

#[test]
fn diff_between_two_directories_for_a_pull_request() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    std::fs::create_dir_all(&old).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    let lab = std::fs::read_to_string(lab()).unwrap();
    std::fs::write(old.join("lab.yaml"), &lab).unwrap();
    // The pull request narrows infra-team's Role to reading pods.
    let narrowed = lab.replacen(
        "metadata: {name: role-infra-team, namespace: infra-team}\nrules:\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]",
        "metadata: {name: role-infra-team, namespace: infra-team}\nrules:\n- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"get\", \"list\"]",
        1,
    );
    assert_ne!(narrowed, lab);
    std::fs::write(new.join("lab.yaml"), narrowed).unwrap();
    let (code, out, err) = support::run(&[
        "rbac",
        "diff",
        "--from",
        old.to_str().unwrap(),
        "--to",
        new.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "ServiceAccount/infra-team/infra-k8s\n  \
         + get pods in namespace infra-team\n  \
         + list pods in namespace infra-team\n  \
         - * *.* in namespace infra-team\n"
    );
    let (_, json, _) = support::run(&[
        "rbac",
        "diff",
        "--from",
        old.to_str().unwrap(),
        "--to",
        new.to_str().unwrap(),
        "-o",
        "json",
    ]);
    let changes: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(changes[0]["lost"][0]["verb"], "*");
}
