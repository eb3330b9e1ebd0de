//! `kubeward up --print-env` (shell exports the real bash evals, then kubectl and curl use) and
//! `--merge-kubeconfig` (kubeward's cluster, users and contexts added to the user's kubeconfig
//! beside what it held, as kind adds its own).

use std::process::Command;

use kubeward_testkit::cluster::{Cluster, ok};

use crate::support;

#[test]
fn print_env_exports_what_kubectl_and_curl_need_from_any_directory() {
    let cluster = Cluster::up();
    let elsewhere = tempfile::tempdir().unwrap();
    let script = format!(
        "eval \"$(kubeward up --print-env --data-dir '{}')\" && kubectl auth whoami -o jsonpath='{{.status.userInfo.username}}' \
         && echo && curl -sS --cacert \"$KUBEWARD_CA\" \"$KUBEWARD_ISSUER/.well-known/openid-configuration\" | jq -r .issuer \
         && echo \"$KUBEWARD_SERVER $KUBEWARD_IDP\"",
        cluster.data_dir.display()
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .current_dir(elsewhere.path())
        .env("PATH", support::path_with(&[]))
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let out = ok(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "kubernetes-admin",
            &format!("{}/realms/kubernetes", cluster.idp),
            &format!("{} {}", cluster.server, cluster.idp),
        ]
    );

    // A data directory no `up` ever ran in: an error, and nothing created.
    let missing = elsewhere.path().join("nothing-here");
    let (code, stdout, err) =
        support::run(&["up", "--print-env", "--data-dir", missing.to_str().unwrap()]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{err}");
    assert!(err.contains("holds no admin.kubeconfig"), "{err}");
    assert!(!missing.exists());
}

#[test]
fn merge_kubeconfig_adds_kubewards_contexts_and_keeps_the_others() {
    let home = tempfile::tempdir().unwrap();
    let mine = home.path().join("config");
    let kubectl = |args: &[&str]| {
        Command::new("kubectl")
            .arg(format!("--kubeconfig={}", mine.display()))
            .args(args)
            .output()
            .unwrap()
    };
    ok(&kubectl(&[
        "config",
        "set-cluster",
        "prod",
        "--server=https://prod.example:6443",
    ]));
    ok(&kubectl(&[
        "config",
        "set-context",
        "prod",
        "--cluster=prod",
        "--user=me",
    ]));
    ok(&kubectl(&["config", "use-context", "prod"]));

    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::up_with_env(
        dir,
        &["--merge-kubeconfig".to_string()],
        &[("KUBECONFIG", mine.as_os_str())],
    );
    assert!(
        cluster.banner.contains(&format!(
            "Merged into {}: contexts kubeward (now current) and kubeward-oidc.",
            mine.display()
        )),
        "{}",
        cluster.banner
    );
    assert_eq!(support::mode(&mine), 0o600);
    let contexts = ok(&kubectl(&["config", "get-contexts", "-o", "name"]));
    let mut names: Vec<&str> = contexts.lines().collect();
    names.sort();
    assert_eq!(names, ["kubeward", "kubeward-oidc", "prod"]);
    assert_eq!(
        ok(&kubectl(&["config", "current-context"])).trim(),
        "kubeward"
    );
    // The merged admin works without KUBECONFIG pointing at kubeward's own file.
    let whoami = ok(&kubectl(&[
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    ]));
    assert_eq!(whoami, "kubernetes-admin");
    let server = ok(&kubectl(&[
        "config",
        "view",
        "-o",
        "jsonpath={.clusters[?(@.name==\"kubeward\")].cluster.server}",
    ]));
    assert_eq!(server, cluster.server);
}
