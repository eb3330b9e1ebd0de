//! `kubeward auth explain` against a real `kubeward up` that trusts npm `oidc-provider` (the
//! helpers of `oidc_issuer`): a good token walked step by step to the mapped user and an RBAC
//! answer (live SubjectAccessReview and offline manifests), the failing step of expired,
//! wrong-audience, unknown-kid and wrong-issuer tokens with the reason the server logs, the same
//! verdict as the live server for every token, the kubeconfig's exec plugin as the token source,
//! ServiceAccount and static tokens, and bad input.

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;
use std::time::Duration;

use kubeward_jose::jws::sign;
use kubeward_jose::{Algorithm, SigningKey};
use serde_json::{Value, json};

use crate::oidc_issuer::{CLIENT_ID, Provider, curl_as, golden_flags, unix_now, wait_accepted};
use crate::support::kubeward;
use kubeward_testkit::cluster::{Cluster, ok};

/// `kubeward auth explain ARGS…` → (exit code, stdout, stderr).
fn explain(args: &[String]) -> (i32, String, String) {
    let output = kubeward(&["auth", "explain"])
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .expect("kubeward runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The explanation of `token` as JSON, with the server's flags.
fn explain_json(cluster: &Cluster, provider: &Provider, token: &str) -> (i32, Value) {
    let mut args = server_flags(cluster, provider);
    args.extend([format!("--token={token}"), "-o".into(), "json".into()]);
    let (code, stdout, stderr) = explain(&args);
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("JSON ({e}): {stdout}\nstderr: {stderr}"));
    (code, value)
}

fn server_flags(cluster: &Cluster, provider: &Provider) -> Vec<String> {
    let mut flags = golden_flags(provider);
    flags.push(format!("--data-dir={}", cluster.data_dir.display()));
    flags
}

/// The step that failed: (name, detail, hint).
fn failed_step(report: &Value) -> (String, String, String) {
    let steps = report["steps"].as_array().expect("steps");
    let last = steps.last().expect("a step");
    assert_eq!(last["passed"], false, "{report:#}");
    assert!(
        steps[..steps.len() - 1].iter().all(|s| s["passed"] == true),
        "stops at the first failure: {report:#}"
    );
    (
        last["step"].as_str().unwrap_or_default().to_string(),
        last["detail"].as_str().unwrap_or_default().to_string(),
        last["hint"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn explain_walks_the_oidc_checks_and_agrees_with_the_server() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let provider = Provider::start(
        dir.path(),
        SigningKey::generate(Algorithm::RS256).expect("key"),
    );
    let cluster = Cluster::up_with(dir, &golden_flags(&provider));
    let good = provider.id_token("jiwoo");
    wait_accepted(&cluster, &good, Duration::from_secs(20));
    ok(&cluster.kubectl(&[
        "create",
        "clusterrole",
        "pod-reader",
        "--verb=get,list",
        "--resource=pods",
    ]));
    ok(&cluster.kubectl(&[
        "create",
        "clusterrolebinding",
        "pod-reader",
        "--clusterrole=pod-reader",
        "--group=oidc:dev-team",
    ]));

    // A good token, step by step, with the seed's `oidc:` groups prefix and the RBAC answer of
    // the live cluster's SubjectAccessReview.
    let mut args = server_flags(&cluster, &provider);
    args.extend([
        format!("--token={good}"),
        "--verb=list".into(),
        "--resource=pods".into(),
        "-n".into(),
        "default".into(),
    ]);
    let (code, stdout, stderr) = explain(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let names: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("✔ "))
        .map(|l| l.split_whitespace().next().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "issuer",
            "discovery",
            "token",
            "iss",
            "aud",
            "exp",
            "nbf",
            "alg",
            "signature",
            "username",
            "groups",
            "uid",
            "rbac:"
        ],
        "{stdout}"
    );
    let issuer = provider.issuer();
    assert!(stdout.starts_with(&format!(
        "token: --token\nauthenticator: OIDC issuer {issuer}\n"
    )));
    assert!(stdout.contains(&format!(
        "keys fetched through {issuer}/.well-known/openid-configuration: 1 key(s): \"{}\" (RS256)",
        provider.key.key_id()
    )));
    assert!(
        stdout.contains("\"jiwoo\" (claim \"preferred_username\")"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[\"oidc:dev-team\"] (claim \"groups\", prefix \"oidc:\")"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "authenticated as \"jiwoo\"\n  uid:    \"\"\n  groups: [oidc:dev-team system:authenticated]\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("✔ rbac: list pods in namespace \"default\" → yes - RBAC: allowed by ClusterRoleBinding \"pod-reader\" of ClusterRole \"pod-reader\" to Group \"oidc:dev-team\" (SubjectAccessReview)"),
        "{stdout}"
    );
    // The token itself is never printed.
    assert!(!stdout.contains(&good));

    // Denied by RBAC: exit 1, the user still shown.
    let mut args = server_flags(&cluster, &provider);
    args.extend([
        format!("--token={good}"),
        "--verb=delete".into(),
        "--resource=namespaces".into(),
    ]);
    let (code, stdout, _) = explain(&args);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("✖ rbac: delete namespaces (cluster-wide) → no"),
        "{stdout}"
    );

    // Offline: the key set from a file and the policy from manifests plus the bootstrap policy.
    let jwks_uri = {
        let out = Command::new("curl")
            .args(["-sS", "--cacert"])
            .arg(provider.ca())
            .arg(format!("{issuer}/.well-known/openid-configuration"))
            .output()
            .expect("curl");
        let doc: Value = serde_json::from_slice(&out.stdout).expect("discovery JSON");
        doc["jwks_uri"].as_str().expect("jwks_uri").to_string()
    };
    let jwks = cluster.scratch("jwks.json");
    let out = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(provider.ca())
        .arg(&jwks_uri)
        .output()
        .expect("curl");
    std::fs::write(&jwks, &out.stdout).expect("write the JWKS");
    let policy = cluster.scratch("policy.yaml");
    std::fs::write(
        &policy,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ns-reader}\nrules:\n- apiGroups: ['']\n  resources: [namespaces]\n  verbs: [get, list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ns-reader}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ns-reader}\nsubjects:\n- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: 'oidc:dev-team'}\n",
    )
    .expect("write the policy");
    let mut args = golden_flags(&provider);
    args.extend([
        format!("--token={good}"),
        format!("--jwks={}", jwks.display()),
        "--verb=list".into(),
        "--resource=namespaces".into(),
        format!("--from={}", policy.display()),
        "-o".into(),
        "json".into(),
    ]);
    let (code, stdout, stderr) = explain(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["authenticated"], true);
    assert_eq!(
        report["user"],
        json!({"username": "jiwoo", "uid": "", "groups": ["oidc:dev-team", "system:authenticated"], "extra": {}})
    );
    assert_eq!(report["authorization"]["allowed"], true);
    assert_eq!(report["authorization"]["via"], "manifests");
    assert_eq!(
        report["authorization"]["reason"],
        "RBAC: allowed by ClusterRoleBinding \"ns-reader\" of ClusterRole \"ns-reader\" to Group \"oidc:dev-team\""
    );

    // An AuthenticationConfiguration file, offline: CEL mappings and validation rules are steps;
    // mallory's unverified email stops at the claim validation rule with the server's message
    // (the one `oidc_issuer::an_authentication_config_file_maps_with_cel` finds in its log).
    let config = cluster.scratch("authn.yaml");
    std::fs::write(
        &config,
        format!(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: {issuer}\n    audiences: [{CLIENT_ID}]\n  claimValidationRules:\n  - expression: claims.email_verified == true\n    message: email must be verified\n  claimMappings:\n    username:\n      expression: \"'oidc:' + claims.email\"\n    groups:\n      claim: groups\n      prefix: 'idp:'\n"
        ),
    )
    .expect("write the configuration");
    let file_args = |token: &str| {
        vec![
            format!("--authentication-config={}", config.display()),
            format!("--jwks={}", jwks.display()),
            format!("--token={token}"),
            "-o".to_string(),
            "json".to_string(),
        ]
    };
    let (code, stdout, stderr) = explain(&file_args(&good));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["user"]["username"], "oidc:jiwoo@example.com");
    assert_eq!(
        report["user"]["groups"],
        json!(["idp:dev-team", "system:authenticated"])
    );
    let (code, stdout, _) = explain(&file_args(&provider.id_token("mallory")));
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    let (step, detail, _) = failed_step(&report);
    assert_eq!(step, "claim validation rules");
    assert_eq!(
        detail,
        "oidc: error evaluating claim validation expression: validation expression 'claims.email_verified == true' failed: email must be verified"
    );
    // A bad file is refused as `kubeward serve` refuses it: exit 2, the field named.
    std::fs::write(&config, "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: http://issuer.example\n    audiences: [k]\n  claimMappings:\n    username:\n      claim: sub\n      prefix: ''\n").expect("write");
    let (code, _, stderr) = explain(&file_args(&good));
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "jwt[0].issuer.url: Invalid value: \"http://issuer.example\": URL scheme must be https"
        ),
        "{stderr}"
    );

    // Bad tokens: the failing step, kube-apiserver's reason, a hint.
    let claims = provider.claims();
    let with = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let stranger = SigningKey::generate(Algorithm::RS256).expect("key");
    let now = unix_now();
    let expired = provider.forge(&with("exp", json!(now - 120)));
    let (code, report) = explain_json(&cluster, &provider, &expired);
    assert_eq!(code, 1);
    let (step, detail, hint) = failed_step(&report);
    assert_eq!(step, "exp");
    assert!(
        detail.starts_with("oidc: verify token: oidc: token is expired (Token Expiry: "),
        "{detail}"
    );
    assert!(hint.starts_with("expired 2m"), "{hint}");

    let audience = provider.forge(&with("aud", json!("someone-else")));
    let (code, report) = explain_json(&cluster, &provider, &audience);
    assert_eq!(code, 1);
    let (step, detail, hint) = failed_step(&report);
    assert_eq!(step, "aud");
    assert_eq!(
        detail,
        format!(
            "oidc: verify token: oidc: expected audience \"{CLIENT_ID}\" got [\"someone-else\"]"
        )
    );
    assert_eq!(
        hint,
        "the API server accepts tokens for [\"kubernetes\"] (--oidc-client-id / audiences)"
    );

    let unknown_kid = sign(&claims, &stranger).expect("sign");
    let (code, report) = explain_json(&cluster, &provider, &unknown_kid);
    assert_eq!(code, 1);
    let (step, detail, hint) = failed_step(&report);
    assert_eq!(step, "signature");
    assert_eq!(
        detail,
        "oidc: verify token: failed to verify signature: failed to verify id token signature"
    );
    assert_eq!(
        hint,
        format!(
            "unknown kid {:?}: the issuer publishes [{:?}] (signed by another key or another issuer?)",
            stranger.key_id(),
            provider.key.key_id()
        )
    );

    let wrong_issuer = provider.forge(&with("iss", json!("https://evil.example")));
    let (code, report) = explain_json(&cluster, &provider, &wrong_issuer);
    assert_eq!(code, 1);
    let (step, detail, _) = failed_step(&report);
    assert_eq!(step, "issuer");
    assert_eq!(
        detail,
        format!("iss \"https://evil.example\" is none of the configured issuers [\"{issuer}\"]")
    );
    assert_eq!(report["authenticator"], Value::Null);

    // The same verdict as the live server for every token, and the reason it logs.
    for (name, token) in [
        ("good", &good),
        ("expired", &expired),
        ("wrong audience", &audience),
        ("unknown kid", &unknown_kid),
        ("wrong issuer", &wrong_issuer),
    ] {
        let (code, report) = explain_json(&cluster, &provider, token);
        let (status, body) = curl_as(&cluster, token, "/api/v1/namespaces/default");
        let accepted = status != "HTTP/2 401";
        assert_eq!(code == 0, accepted, "{name}: {status} {body}\n{report:#}");
        assert_eq!(report["authenticated"], accepted, "{name}");
        if !accepted {
            let reason = report["reason"].as_str().expect("a reason");
            assert!(
                reason.starts_with("invalid bearer token"),
                "{name}: {reason}"
            );
            assert!(
                cluster.log().contains(reason),
                "{name}: the server did not log {reason:?}:\n{}",
                cluster.log()
            );
        }
    }

    // The current kubeconfig's exec plugin, run as kubectl runs it.
    let token_file = cluster.scratch("plugin-token");
    std::fs::write(&token_file, &good).expect("write token");
    let info = cluster.scratch("exec-info.json");
    let plugin = cluster.scratch("get-token.sh");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > '{}'\nprintf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"%s\"}}}}' \"$(cat '{}')\"\n",
            info.display(),
            token_file.display()
        ),
    )
    .expect("write plugin");
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let kubeconfig = cluster.scratch("oidc.kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {}\ncontexts:\n- name: oidc\n  context:\n    cluster: c\n    user: oidc-user\ncurrent-context: oidc\nusers:\n- name: oidc-user\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
            cluster.server,
            plugin.display()
        ),
    )
    .expect("write kubeconfig");
    let output = kubeward(&["auth", "explain"])
        .args(server_flags(&cluster, &provider))
        .env("KUBECONFIG", &kubeconfig)
        .output()
        .expect("kubeward runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.starts_with(&format!(
        "token: kubeconfig user \"oidc-user\" (exec: {})\n",
        plugin.display()
    )));
    let exec_info: Value =
        serde_json::from_str(&std::fs::read_to_string(&info).expect("the plugin ran"))
            .expect("KUBERNETES_EXEC_INFO is JSON");
    assert_eq!(
        exec_info,
        json!({"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1", "spec": {"interactive": false}})
    );

    // A ServiceAccount token is the ServiceAccount authenticator's.
    let sa_token = ok(&cluster.kubectl(&["create", "token", "default", "-n", "default"]));
    let (code, report) = explain_json(&cluster, &provider, sa_token.trim());
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["authenticator"],
        "ServiceAccount tokens (--service-account-issuer)"
    );
    assert_eq!(
        report["user"]["username"],
        "system:serviceaccount:default:default"
    );
}

#[test]
fn static_tokens_and_bad_input() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let csv = dir.path().join("tokens.csv");
    std::fs::write(&csv, "s3cret-token,alice,1001,\"dev,ops\"\n").expect("write");
    let file = format!("--token-auth-file={}", csv.display());
    let (code, stdout, stderr) = explain(&[file.clone(), "--token=s3cret-token".into()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "token: --token\nauthenticator: static token file (--token-auth-file)\n✔ static token  listed in --token-auth-file for user \"alice\"\nauthenticated as \"alice\"\n  uid:    \"1001\"\n  groups: [dev ops system:authenticated]\n"
    );
    let (code, stdout, _) = explain(&[file.clone(), "--token=other".into()]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("✖ issuer  not a JWT, and not a static token of --token-auth-file\n401 Unauthorized; the API server logs: invalid bearer token\n"),
        "{stdout}"
    );

    // An issuer whose discovery cannot be fetched: the discovery step fails, exit 1.
    let key = SigningKey::generate(Algorithm::ES256).expect("key");
    let now = unix_now();
    let unreachable = sign(
        &json!({"iss": "https://127.0.0.1:1", "aud": "k", "sub": "x", "exp": now + 60}),
        &key,
    )
    .expect("sign");
    let (code, stdout, stderr) = explain(&[
        "--oidc-issuer-url=https://127.0.0.1:1".into(),
        "--oidc-client-id=k".into(),
        format!("--token={unreachable}"),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("✔ issuer     iss \"https://127.0.0.1:1\" is the configured issuer https://127.0.0.1:1\n✖ discovery  oidc authenticator: initializing plugin: https://127.0.0.1:1/.well-known/openid-configuration: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("401 Unauthorized; the API server logs: invalid bearer token, oidc: authenticator not initialized\n"),
        "{stdout}"
    );

    // Bad input: exit 2 with a clear message, never a panic.
    let (code, _, stderr) = explain(&["--token=abc".into()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("error: no authenticator to explain"),
        "{stderr}"
    );
    let (code, _, stderr) = explain(&[file.clone(), "--verb=get".into(), "--token=x".into()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--resource"), "{stderr}");
    let (code, _, stderr) = explain(&[
        "--oidc-issuer-url=http://insecure.example".into(),
        "--oidc-client-id=k".into(),
        "--token=x".into(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("https"), "{stderr}");
    let (code, _, stderr) = explain(&[file.clone(), "--token-file=/nonexistent/token".into()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read the token file"), "{stderr}");
    // No token and no kubeconfig.
    let output = kubeward(&["auth", "explain", &file])
        .env_remove("KUBECONFIG")
        .env("HOME", dir.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no token to explain"));
}
