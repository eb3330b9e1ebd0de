//! Webhook conversion of a custom resource through kubectl, with a real conversion webhook
//! over TLS (`custom_resources/conversion_webhook.py`, Python's standard library, serving with
//! a certificate of the cluster CA given as the definition's `caBundle`): objects stored in the
//! storage version `v1` read at `v2` (get, list, watch), an apply at `v2` stored as `v1`, the
//! ConversionReview the webhook receives, the errors kubectl prints when the webhook fails,
//! answers another uid, renames the object or cannot be reached through its Service, and the
//! checks of the `conversion` stanza with kube-apiserver's messages.

use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;
use kubeward_testkit::process::{Process, Stream};
use serde_json::Value;

const LISTENING: &str = "listening on ";

/// The webhook, serving with the cluster's API server certificate (valid for 127.0.0.1).
fn start_webhook(cluster: &Cluster) -> (Process, u16) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/custom_resources/conversion_webhook.py");
    let pki = cluster.data_dir.join("pki");
    let mut command = Command::new("python3");
    command
        .arg(script)
        .arg(pki.join("apiserver.crt"))
        .arg(pki.join("apiserver.key"))
        .arg(cluster.scratch("reviews.log"))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let process = Process::start(command, Stream::Stdout, Duration::from_secs(30), |line| {
        line.starts_with(LISTENING)
    });
    let port = process
        .printed
        .lines()
        .find_map(|line| line.strip_prefix(LISTENING))
        .and_then(|port| port.trim().parse().ok())
        .expect("the webhook says its port");
    (process, port)
}

fn definition(client_config: &str, ca: &str) -> String {
    format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: crontabs.stable.example.com}}
spec:
  group: stable.example.com
  scope: Namespaced
  names: {{plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct]}}
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1, v1beta1]
      clientConfig:
        {client_config}
        caBundle: {ca}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {{type: object, properties: {{cronSpec: {{type: string}}}}}}
  - name: v2
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {{type: object, properties: {{schedule: {{type: string}}}}}}
"
    )
}

/// The reviews the webhook received, in order.
fn reviews(cluster: &Cluster) -> Vec<Value> {
    std::fs::read_to_string(cluster.scratch("reviews.log"))
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

#[test]
fn a_webhook_converts_between_the_stored_and_the_requested_version() {
    let cluster = Cluster::up();
    let (_webhook, port) = start_webhook(&cluster);
    let ca = base64::engine::general_purpose::STANDARD.encode(cluster.ca_pem());
    let url = |path: &str| format!("url: https://127.0.0.1:{port}{path}");
    std::fs::write(
        cluster.scratch("crd.yaml"),
        definition(&url("/convert"), &ca),
    )
    .unwrap();
    std::fs::write(
        cluster.scratch("v2.yaml"),
        "apiVersion: stable.example.com/v2\nkind: CronTab\nmetadata: {name: nightly, namespace: default}\nspec: {schedule: '0 3 * * *'}\n",
    )
    .unwrap();
    let ran = steps::bash(
        &cluster,
        "kubectl apply -f $A/crd.yaml && kubectl wait --for condition=established crd/crontabs.stable.example.com && \
         printf 'apiVersion: stable.example.com/v1\\nkind: CronTab\\nmetadata: {name: hourly}\\nspec: {cronSpec: \"0 * * * *\"}\\n' \
           | kubectl create -f - && \
         kubectl get crontabs.v2.stable.example.com hourly -o jsonpath='{.apiVersion} {.spec}{\"\\n\"}' && \
         kubectl apply -f $A/v2.yaml && \
         kubectl get crontabs.v1.stable.example.com nightly -o jsonpath='{.apiVersion} {.spec}{\"\\n\"}' && \
         kubectl get crontabs.v2.stable.example.com -o custom-columns=NAME:.metadata.name,VERSION:.apiVersion,SCHEDULE:.spec.schedule",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created\n\
         customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com condition met\n\
         crontab.stable.example.com/hourly created\n\
         stable.example.com/v2 {\"schedule\":\"0 * * * *\"}\n\
         crontab.stable.example.com/nightly created\n\
         stable.example.com/v1 {\"cronSpec\":\"0 3 * * *\"}\n\
         NAME      VERSION                 SCHEDULE\n\
         hourly    stable.example.com/v2   0 * * * *\n\
         nightly   stable.example.com/v2   0 3 * * *\n"
    );
    let seen = reviews(&cluster);
    let first = &seen[0]["review"];
    assert_eq!(
        first["apiVersion"], "apiextensions.k8s.io/v1",
        "the first listed version"
    );
    assert_eq!(first["kind"], "ConversionReview");
    assert_eq!(
        first["request"]["desiredAPIVersion"],
        "stable.example.com/v2"
    );
    assert_eq!(
        first["request"]["objects"][0]["spec"]["cronSpec"],
        "0 * * * *"
    );
    assert_eq!(seen[0]["path"], "/convert?timeout=30s");
    assert!(
        seen.iter().any(
            |r| r["review"]["request"]["desiredAPIVersion"] == "stable.example.com/v1"
                && r["review"]["request"]["objects"][0]["spec"]["schedule"] == "0 3 * * *"
        ),
        "the apply at v2 was converted to the storage version: {seen:?}"
    );
    let listed = seen
        .iter()
        .find(|r| {
            r["review"]["request"]["objects"]
                .as_array()
                .is_some_and(|o| o.len() == 2)
        })
        .expect("a list converted in one review");
    assert_eq!(
        listed["review"]["request"]["desiredAPIVersion"],
        "stable.example.com/v2"
    );

    let ran = steps::bash(
        &cluster,
        "kubectl get --raw '/apis/stable.example.com/v2/namespaces/default/crontabs?watch=true&timeoutSeconds=1' \
           | python3 -c 'import json,sys; [print(e[\"type\"], e[\"object\"][\"apiVersion\"], e[\"object\"][\"spec\"]) for e in map(json.loads, sys.stdin)]'",
    );
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (
            0,
            "ADDED stable.example.com/v2 {'schedule': '0 * * * *'}\nADDED stable.example.com/v2 {'schedule': '0 3 * * *'}\n"
        ),
        "{}",
        ran.stderr
    );

    // Server-side apply at v2, stored at v1.
    let ran = steps::bash(
        &cluster,
        "sed 's/0 3/0 4/' $A/v2.yaml | kubectl apply --server-side -f - && \
         kubectl get crontabs.v1.stable.example.com nightly -o jsonpath='{.spec}'",
    );
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (
            0,
            "crontab.stable.example.com/nightly serverside-applied\n{\"cronSpec\":\"0 4 * * *\"}"
        ),
        "{}",
        ran.stderr
    );

    // A webhook that fails, answers another uid, renames the object, a Service that is not there.
    let patch = |client_config: &str| {
        format!(
            "kubectl patch crd crontabs.stable.example.com --type=merge -p '{{\"spec\":{{\"conversion\":{{\"webhook\":{{\"clientConfig\":{client_config}}}}}}}}}' >/dev/null && \
             kubectl get crontabs.v2.stable.example.com hourly"
        )
    };
    let ran = steps::bash(
        &cluster,
        &[
            patch(&format!("{{\"url\":\"https://127.0.0.1:{port}/fail\"}}")),
            patch(&format!("{{\"url\":\"https://127.0.0.1:{port}/rename\"}}")),
            patch("{\"url\":null,\"service\":{\"namespace\":\"default\",\"name\":\"converter\",\"path\":\"/convert\"}}"),
        ]
        .join("; "),
    );
    assert_eq!(
        ran.stderr,
        "Error from server: conversion webhook for stable.example.com/v1, Kind=CronTab failed: cronSpec cannot be converted\n\
         Error from server: conversion webhook for stable.example.com/v1, Kind=CronTab returned invalid object: must have the same name: hourly != hourly-renamed\n\
         Error from server: conversion webhook for stable.example.com/v1, Kind=CronTab failed: Post \"https://converter.default.svc:443/convert?timeout=30s\": service \"converter\" not found\n"
    );
    let ran = steps::bash(
        &cluster,
        &patch(&format!(
            "{{\"service\":null,\"url\":\"https://127.0.0.1:{port}/wrong-uid\"}}"
        )),
    );
    let uid = reviews(&cluster)
        .last()
        .and_then(|r| r["review"]["request"]["uid"].as_str().map(str::to_string))
        .expect("the review's uid");
    assert_eq!(
        ran.stderr,
        format!(
            "Error from server: conversion webhook for stable.example.com/v1, Kind=CronTab failed: expected response.uid=\"{uid}\", got \"not-{uid}\"\n"
        )
    );
    // The storage version itself needs no webhook.
    let ran = steps::bash(
        &cluster,
        "kubectl get crontabs.v1.stable.example.com hourly -o name",
    );
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (0, "crontab.stable.example.com/hourly\n"),
        "{}",
        ran.stderr
    );
}

#[test]
fn the_conversion_stanza_is_checked_as_kube_apiserver_checks_it() {
    let cluster = Cluster::up();
    let crd = definition("url: https://127.0.0.1:1/convert", "");
    let cases = [
        crd.replace(
            "    webhook:\n      conversionReviewVersions: [v1, v1beta1]\n      clientConfig:\n        url: https://127.0.0.1:1/convert\n        caBundle: \n",
            "",
        ),
        crd.replace("[v1, v1beta1]", "[v3]")
            .replace("https://127.0.0.1:1/convert", "http://127.0.0.1:1/convert?x=1")
            .replace("        caBundle: \n", ""),
    ];
    for (index, case) in cases.iter().enumerate() {
        std::fs::write(cluster.scratch(&format!("crd{index}.yaml")), case).unwrap();
    }
    let ran = steps::bash(
        &cluster,
        "kubectl create -f $A/crd0.yaml; kubectl create -f $A/crd1.yaml",
    );
    assert_eq!(
        ran.stderr,
        "The CustomResourceDefinition \"crontabs.stable.example.com\" is invalid: \n\
         * spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook\n\
         * spec.conversion.conversionReviewVersions: Required value\n\
         The CustomResourceDefinition \"crontabs.stable.example.com\" is invalid: \n\
         * spec.conversion.webhookClientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]\n\
         * spec.conversion.webhookClientConfig.url: Invalid value: \"x=1\": query parameters are not permitted in the URL\n\
         * spec.conversion.conversionReviewVersions: Invalid value: [\"v3\"]: must include at least one of v1, v1beta1\n"
    );
}

/// Validation ratcheting (kube-apiserver 1.30+): once the schema tightens, an object that no
/// longer passes can still be changed where it is valid; changing the invalid value is refused.
#[test]
fn unchanged_invalid_values_are_ratcheted_on_update() {
    let cluster = Cluster::up();
    let crd = |extra: &str| {
        format!(
            "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: gadgets.stable.example.com}}
spec:
  group: stable.example.com
  scope: Namespaced
  names: {{plural: gadgets, singular: gadget, kind: Gadget}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {{type: integer{extra}}}
              color: {{type: string}}
              name: {{type: string, x-kubernetes-validations: [{{rule: \"self.startsWith('g')\"}}]}}
"
        )
    };
    std::fs::write(cluster.scratch("loose.yaml"), crd("")).unwrap();
    std::fs::write(cluster.scratch("strict.yaml"), crd(", maximum: 5")).unwrap();
    let ran = steps::bash(
        &cluster,
        "kubectl apply -f $A/loose.yaml >/dev/null && kubectl wait --for condition=established crd/gadgets.stable.example.com >/dev/null && \
         printf 'apiVersion: stable.example.com/v1\\nkind: Gadget\\nmetadata: {name: big}\\nspec: {size: 9, color: red, name: gizmo}\\n' | kubectl create -f - && \
         kubectl apply -f $A/strict.yaml >/dev/null && \
         kubectl label gadget big tier=gold && \
         kubectl patch gadget big --type=merge -p '{\"spec\":{\"color\":\"blue\"}}' && \
         kubectl patch gadget big --type=merge -p '{\"spec\":{\"size\":8}}'; \
         kubectl patch gadget big --type=merge -p '{\"spec\":{\"name\":\"widget\"}}'",
    );
    assert_eq!(
        ran.stdout,
        "gadget.stable.example.com/big created\n\
         gadget.stable.example.com/big labeled\n\
         gadget.stable.example.com/big patched\n"
    );
    assert_eq!(
        ran.stderr,
        "The Gadget \"big\" is invalid: spec.size: Invalid value: 8: spec.size in body should be less than or equal to 5\n\
         The Gadget \"big\" is invalid: spec.name: Invalid value: \"string\": failed rule: self.startsWith('g')\n"
    );
}

/// Ratcheting correlates the items of a `listType: map` list by their keys: an invalid item
/// left as it was still passes when items are added before it, and changing it is refused.
#[test]
fn map_list_items_are_ratcheted_one_by_one() {
    let cluster = Cluster::up();
    let crd = |extra: &str| {
        format!(
            "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: gadgets.stable.example.com}}
spec:
  group: stable.example.com
  scope: Namespaced
  names: {{plural: gadgets, singular: gadget, kind: Gadget}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {{type: string}}
                    port: {{type: integer{extra}}}
"
        )
    };
    std::fs::write(cluster.scratch("loose.yaml"), crd("")).unwrap();
    std::fs::write(cluster.scratch("strict.yaml"), crd(", maximum: 1000")).unwrap();
    let ran = steps::bash(
        &cluster,
        "kubectl apply -f $A/loose.yaml >/dev/null && kubectl wait --for condition=established crd/gadgets.stable.example.com >/dev/null && \
         printf 'apiVersion: stable.example.com/v1\\nkind: Gadget\\nmetadata: {name: big}\\nspec: {ports: [{name: a, port: 5000}, {name: b, port: 6000}]}\\n' | kubectl create -f - && \
         kubectl apply -f $A/strict.yaml >/dev/null && \
         kubectl patch gadget big --type=json -p '[{\"op\":\"add\",\"path\":\"/spec/ports/0\",\"value\":{\"name\":\"c\",\"port\":80}}]' && \
         kubectl get gadget big -o jsonpath='{.spec.ports[*].name}{\"\\n\"}'; \
         kubectl patch gadget big --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/ports/2/port\",\"value\":7000}]'; \
         kubectl patch gadget big --type=json -p '[{\"op\":\"add\",\"path\":\"/spec/ports/-\",\"value\":{\"name\":\"d\",\"port\":2000}}]'",
    );
    assert_eq!(
        ran.stdout,
        "gadget.stable.example.com/big created\n\
         gadget.stable.example.com/big patched\n\
         c a b\n"
    );
    assert_eq!(
        ran.stderr,
        "The Gadget \"big\" is invalid: spec.ports[2].port: Invalid value: 7000: spec.ports[2].port in body should be less than or equal to 1000\n\
         The Gadget \"big\" is invalid: spec.ports[3].port: Invalid value: 2000: spec.ports[3].port in body should be less than or equal to 1000\n"
    );
}

/// A Python filter printing one line per managedFields entry of the JSON object on stdin:
/// manager, operation, apiVersion and the fields (sorted JSON).
const ENTRIES: &str = "python3 -c '\
import json, sys\n\
o = json.load(sys.stdin)\n\
[print(e[\"manager\"], e[\"operation\"], e[\"apiVersion\"], json.dumps(e[\"fieldsV1\"], sort_keys=True)) \
 for e in o[\"metadata\"].get(\"managedFields\", [])]'";

#[test]
fn managers_at_two_versions_own_a_renamed_field_under_its_name_in_each() {
    let cluster = Cluster::up();
    let (_webhook, port) = start_webhook(&cluster);
    let ca = base64::engine::general_purpose::STANDARD.encode(cluster.ca_pem());
    let crd = definition(&format!("url: https://127.0.0.1:{port}/convert"), &ca)
        .replace(
            "cronSpec: {type: string}",
            "cronSpec: {type: string}, image: {type: string}",
        )
        .replace(
            "schedule: {type: string}",
            "schedule: {type: string}, image: {type: string}",
        );
    std::fs::write(cluster.scratch("crd.yaml"), crd).unwrap();
    let crontab = |name: &str, version: &str, spec: &str| {
        format!(
            "apiVersion: stable.example.com/{version}\nkind: CronTab\nmetadata: {{name: {name}}}\nspec: {spec}\n"
        )
    };
    for (file, name, version, spec) in [
        (
            "alice.yaml",
            "nightly",
            "v1",
            "{cronSpec: '* * * * *', image: a}",
        ),
        (
            "alice-later.yaml",
            "nightly",
            "v1",
            "{cronSpec: '5 * * * *', image: a}",
        ),
        ("bob-same.yaml", "nightly", "v2", "{schedule: '* * * * *'}"),
        ("bob-new.yaml", "nightly", "v2", "{schedule: '0 * * * *'}"),
        (
            "carol-v1.yaml",
            "hourly",
            "v1",
            "{cronSpec: '0 * * * *', image: a}",
        ),
        ("carol-v2.yaml", "hourly", "v2", "{image: b}"),
    ] {
        std::fs::write(cluster.scratch(file), crontab(name, version, spec)).unwrap();
    }
    let apply = |manager: &str, file: &str| {
        format!("kubectl apply --server-side --field-manager={manager} -f $A/{file}")
    };
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl apply -f $A/crd.yaml >/dev/null && \
             kubectl wait --for condition=established crd/crontabs.stable.example.com >/dev/null && \
             {} && {}",
            apply("alice", "alice.yaml"),
            apply("bob", "bob-new.yaml")
        ),
    );
    // Bob's v2 `schedule` is Alice's v1 `cronSpec`: the conflict names it as Alice owns it.
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "crontab.stable.example.com/nightly serverside-applied\n"
    );
    assert!(
        ran.stderr.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"alice\": .spec.cronSpec\n"
        ),
        "{}",
        ran.stderr
    );
    // The same value: both own it, each under its version's name; then Alice's change
    // conflicts with Bob's `schedule`, and Bob's forced change takes `cronSpec` from Alice.
    let ran = steps::bash(
        &cluster,
        &format!(
            "{} && kubectl get crontabs.v1.stable.example.com nightly -o json --show-managed-fields | {ENTRIES} && \
             {}; {} --force-conflicts && \
             kubectl get crontabs.v2.stable.example.com nightly -o json --show-managed-fields | {ENTRIES} && \
             kubectl get crontabs.v1.stable.example.com nightly -o jsonpath='{{.spec}}{{\"\\n\"}}'",
            apply("bob", "bob-same.yaml"),
            apply("alice", "alice-later.yaml"),
            apply("bob", "bob-new.yaml"),
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "crontab.stable.example.com/nightly serverside-applied\n\
         alice Apply stable.example.com/v1 {\"f:spec\": {\"f:cronSpec\": {}, \"f:image\": {}}}\n\
         bob Apply stable.example.com/v2 {\"f:spec\": {\"f:schedule\": {}}}\n\
         crontab.stable.example.com/nightly serverside-applied\n\
         alice Apply stable.example.com/v1 {\"f:spec\": {\"f:image\": {}}}\n\
         bob Apply stable.example.com/v2 {\"f:spec\": {\"f:schedule\": {}}}\n\
         {\"cronSpec\":\"0 * * * *\",\"image\":\"a\"}\n"
    );
    assert!(
        ran.stderr.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"bob\": .spec.schedule\n"
        ),
        "{}",
        ran.stderr
    );
    // An applier that moves to v2 and no longer applies the renamed field loses it: it is
    // pruned in the version it was applied at.
    let ran = steps::bash(
        &cluster,
        &format!(
            "{} >/dev/null && {} >/dev/null && \
             kubectl get crontabs.v2.stable.example.com hourly -o json --show-managed-fields | {ENTRIES} && \
             kubectl get crontabs.v2.stable.example.com hourly -o jsonpath='{{.spec}}{{\"\\n\"}}'",
            apply("carol", "carol-v1.yaml"),
            apply("carol", "carol-v2.yaml"),
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "carol Apply stable.example.com/v2 {\"f:spec\": {\"f:image\": {}}}\n\
         {\"image\":\"b\"}\n"
    );
}
