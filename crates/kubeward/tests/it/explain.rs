//! `kubectl explain` as a user sees it, with the oldest and newest supported kubectl (1.27 and
//! 1.33): built-in kinds of several groups (OpenAPI v3, kubectl's default, and v2 in protobuf with
//! `--output plaintext-openapiv2`) with Kubernetes' own descriptions and types, field paths,
//! `--recursive` and `--api-version`; a CustomResourceDefinition's kind, explained as soon as it
//! is applied, changed at once when the definition changes and gone with it; an unknown
//! resource with kubectl's own error. Beside it, what kubectl's other OpenAPI readers do
//! (`apply` twice, `--validate=strict`, `create --dry-run=client -o yaml`), and the documents'
//! HTTP as kube-openapi serves them (`ETag`, 304, the v3 index's `?hash=`, protobuf v2).

use kubeward_testkit::cluster::{Cluster, ok};
use kubeward_testkit::golden as steps;

fn explain(cluster: &Cluster, minor: u32, args: &[&str]) -> String {
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    ok(&cluster.kubectl_version(minor, &all))
}

/// Asserts that `text` holds each of `parts`.
fn holds(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part:?} missing in:\n{text}");
    }
}

const CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A Widget is a thing made for the explain test.
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [size]
            properties:
              size: {type: integer, description: How big the widget is.}
              colour: {type: string, description: The colour of the widget.}
";

fn explains_kinds(minor: u32) {
    let cluster = Cluster::up();

    let pods = explain(&cluster, minor, &["pods"]);
    holds(
        &pods,
        &[
            "KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is a collection of containers that can run on a host.",
            "\n  spec\t<PodSpec>\n    Specification of the desired behavior of the pod.",
            "\n  metadata\t<ObjectMeta>\n    Standard object's metadata.",
        ],
    );

    let containers = explain(&cluster, minor, &["pod.spec.containers"]);
    holds(
        &containers,
        &[
            "KIND:       Pod\nVERSION:    v1\n\nFIELD: containers <[]Container>\n",
            "\nDESCRIPTION:\n    List of containers belonging to the pod.",
            "\n  image\t<string>\n    Container image name.",
            "\n  name\t<string> -required-\n",
            "\n  livenessProbe\t<Probe>\n",
        ],
    );

    let deployment = explain(&cluster, minor, &["deployments", "--recursive"]);
    holds(
        &deployment,
        &[
            "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nDESCRIPTION:\n    Deployment enables declarative updates for Pods and ReplicaSets.",
            "\n  spec\t<DeploymentSpec>\n    minReadySeconds\t<integer>\n",
            "\n      rollingUpdate\t<RollingUpdateDeployment>\n        maxSurge\t<IntOrString>\n",
        ],
    );

    let role = explain(&cluster, minor, &["roles.rbac.authorization.k8s.io"]);
    holds(
        &role,
        &[
            "GROUP:      rbac.authorization.k8s.io\nKIND:       Role\nVERSION:    v1\n",
            "\n  rules\t<[]PolicyRule>\n    Rules holds all the PolicyRules for this Role\n",
        ],
    );

    let role_ref = explain(&cluster, minor, &["clusterrolebinding.roleRef"]);
    holds(
        &role_ref,
        &[
            "FIELD: roleRef <RoleRef>\n",
            "\n  apiGroup\t<string> -required-\n    APIGroup is the group for the resource being referenced\n",
            "\n  kind\t<string> -required-\n",
            "\n  name\t<string> -required-\n    Name is the name of resource being referenced\n",
        ],
    );

    let cronjobs = explain(&cluster, minor, &["--api-version=batch/v1", "cronjobs"]);
    holds(
        &cronjobs,
        &[
            "GROUP:      batch\nKIND:       CronJob\nVERSION:    v1\n\nDESCRIPTION:\n    CronJob represents the configuration of a single cron job.",
            "\n  spec\t<CronJobSpec>\n",
        ],
    );

    // OpenAPI v2, in protobuf.
    let v2 = explain(
        &cluster,
        minor,
        &["pods.spec.restartPolicy", "--output", "plaintext-openapiv2"],
    );
    holds(
        &v2,
        &[
            "KIND:     Pod\nVERSION:  v1\n\nFIELD:    restartPolicy <string>\n",
            "Restart policy for all containers within the pod.",
        ],
    );

    // A custom kind: explained once applied, changed with its definition, gone with it.
    std::fs::write(cluster.scratch("widgets.yaml"), CRD).unwrap();
    let widgets = cluster.scratch("widgets.yaml");
    let widgets = widgets.to_str().unwrap();
    ok(&cluster.kubectl_version(minor, &["apply", "-f", widgets]));
    let widget = explain(&cluster, minor, &["widgets.spec"]);
    holds(
        &widget,
        &[
            "GROUP:      example.com\nKIND:       Widget\nVERSION:    v1\n\nFIELD: spec <Object>\n",
            "\nDESCRIPTION:\n    What the widget should be.\n",
            "\n  colour\t<string>\n    The colour of the widget.\n",
            "\n  size\t<integer> -required-\n    How big the widget is.\n",
        ],
    );
    let v2 = explain(
        &cluster,
        minor,
        &["widgets", "--output", "plaintext-openapiv2"],
    );
    holds(
        &v2,
        &[
            "KIND:     Widget\nVERSION:  example.com/v1\n",
            "A Widget is a thing made for the explain test.",
        ],
    );
    std::fs::write(
        cluster.scratch("widgets.yaml"),
        CRD.replace(
            "colour: {type: string, description: The colour of the widget.}",
            "shape: {type: string, description: The shape of the widget.}",
        ),
    )
    .unwrap();
    ok(&cluster.kubectl_version(minor, &["apply", "-f", widgets]));
    let widget = explain(&cluster, minor, &["widgets.spec"]);
    holds(
        &widget,
        &["\n  shape\t<string>\n    The shape of the widget.\n"],
    );
    assert!(!widget.contains("colour"), "{widget}");
    ok(&cluster.kubectl_version(minor, &["delete", "-f", widgets]));

    let index = ok(&cluster.kubectl(&["get", "--raw", "/openapi/v3"]));
    assert!(!index.contains("example.com"), "{index}");
    let v2 = ok(&cluster.kubectl(&["get", "--raw", "/openapi/v2"]));
    assert!(!v2.contains("com.example.v1.Widget"));

    // Gone, and never known: kubectl's own error (once its discovery cache is gone: a cached
    // list still naming widgets makes kubectl look the kind up in OpenAPI, which fails).
    std::fs::remove_dir_all(cluster.scratch(".kube/cache")).unwrap();
    for resource in ["widgets", "nosuchthings"] {
        let out = cluster.kubectl_version(minor, &["explain", resource]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("the server doesn't have a resource type \"{resource}\"\n")
        );
    }
}

#[test]
fn kubectl_1_33_explains_built_in_and_custom_kinds() {
    explains_kinds(33);
}

#[test]
fn kubectl_1_27_explains_built_in_and_custom_kinds() {
    explains_kinds(27);
}

/// kubectl's other readers of OpenAPI: `create --dry-run=client -o yaml`, `apply` of a changed
/// object (a strategic merge patch), and `--validate=strict`, which kubectl leaves to the server
/// because v3 names the `fieldValidation` parameter.
fn other_openapi_readers(minor: u32) {
    let cluster = Cluster::up();
    let dir = cluster.scratch(&format!("kubectl-1.{minor}"));
    std::fs::create_dir_all(&dir).unwrap();
    let binary = format!("/usr/lib/google-cloud-sdk/bin/kubectl.1.{minor}");
    std::os::unix::fs::symlink(binary, dir.join("kubectl")).unwrap();
    let ran = steps::bash_with(
        &cluster,
        "kubectl create deployment web --image=nginx:1.27 --dry-run=client -o yaml > $A/web.yaml && \
         grep -c 'image: nginx:1.27' $A/web.yaml && \
         kubectl apply -f $A/web.yaml && sed -i 's/nginx:1.27/nginx:1.28/' $A/web.yaml && \
         kubectl apply -f $A/web.yaml && \
         kubectl get deployment web -o jsonpath='{.spec.template.spec.containers[0].image}{\"\\n\"}' && \
         sed 's/replicas: 1/replicas: 1\\n  bogus: 1/' $A/web.yaml | kubectl apply --validate=strict -f -",
        dir.to_str().unwrap(),
    );
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (
            1,
            "1\ndeployment.apps/web created\ndeployment.apps/web configured\nnginx:1.28\n",
        ),
        "{}",
        ran.stderr
    );
    // kube-apiserver's patch handler: 422 about `patch`, the strategic merge patch shown as Go
    // prints the map (`fmt.Sprintf("%+v", patchMap)`).
    assert!(
        ran.stderr.starts_with(
            "The request is invalid: patch: Invalid value: \"map[metadata:map[annotations:map[\
             kubectl.kubernetes.io/last-applied-configuration:{"
        ),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("] spec:map[bogus:1")
            && ran
                .stderr
                .ends_with("]\": strict decoding error: unknown field \"spec.bogus\"\n"),
        "{}",
        ran.stderr
    );
}

#[test]
fn kubectl_1_33_other_openapi_readers_still_work() {
    other_openapi_readers(33);
}

#[test]
fn kubectl_1_27_other_openapi_readers_still_work() {
    other_openapi_readers(27);
}

/// `$C`: curl as the admin (headers left out of the output, unlike the golden steps' curl).
const CURL: &str = "C=\"curl -sS --cacert $P/ca.crt --cert $P/admin.crt --key $P/admin.key\"; ";

/// The response headers `curl -D -` printed, one map per response.
fn responses(dump: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut all = Vec::new();
    let mut current = std::collections::BTreeMap::new();
    for line in dump.lines().map(str::trim_end) {
        if line.is_empty() {
            if !current.is_empty() {
                all.push(std::mem::take(&mut current));
            }
        } else if let Some(status) = line.strip_prefix("HTTP/") {
            let code = status.split_whitespace().nth(1).unwrap_or("");
            current.insert("status".to_string(), code.to_string());
        } else if let Some((name, value)) = line.split_once(':') {
            current.insert(name.to_ascii_lowercase(), value.trim().to_string());
        }
    }
    if !current.is_empty() {
        all.push(current);
    }
    all
}

/// Asserts that `response` has exactly `expected` among the headers that matter here (and no
/// other of them).
fn headers(response: &std::collections::BTreeMap<String, String>, expected: &[(&str, &str)]) {
    let names = [
        "status",
        "etag",
        "cache-control",
        "content-type",
        "vary",
        "location",
    ];
    let got: Vec<(String, String)> = response
        .iter()
        .filter(|(name, _)| names.contains(&name.as_str()))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    want.sort();
    assert_eq!(got, want, "{response:?}");
    assert_eq!(
        response.contains_key("expires"),
        response.get("cache-control").map(String::as_str) == Some("public, immutable")
    );
}

#[test]
fn openapi_documents_are_served_as_kube_openapi_serves_them() {
    let cluster = Cluster::up();
    let index: serde_json::Value =
        serde_json::from_str(&ok(&cluster.kubectl(&["get", "--raw", "/openapi/v3"]))).unwrap();
    let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap()
        .to_string();
    let hash = url.split("hash=").nth(1).unwrap_or("").to_string();
    assert_eq!(hash.len(), 128, "{url}");
    assert!(
        hash.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
        "{hash}"
    );
    let document: serde_json::Value =
        serde_json::from_str(&ok(&cluster.kubectl(&["get", "--raw", &url]))).unwrap();
    assert_eq!(
        document["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"],
        serde_json::json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
    );

    // The document with its hash, its ETag, an old hash, a media type not served; the index.
    let ran = steps::bash(
        &cluster,
        &format!(
            "{CURL}$C -o $A/apps.json -D - \"$API{url}\"; \
             $C -o /dev/null -D - -H 'If-None-Match: \"{hash}\"' \"$API/openapi/v3/apis/apps/v1\"; \
             $C -o /dev/null -D - \"$API/openapi/v3/apis/apps/v1?hash=0\"; \
             $C -o /dev/null -D - -H 'Accept: text/html' \"$API/openapi/v3/apis/apps/v1\"; \
             $C -o $A/index.json -D - \"$API/openapi/v3\"; \
             sha512sum $A/apps.json $A/index.json | cut -c1-128 | tr a-f A-F"
        ),
    );
    let all = responses(&ran.stdout);
    assert_eq!(all.len(), 5, "{}", ran.stdout);
    let sums: Vec<&str> = ran.stdout.trim_end().lines().rev().take(2).collect();
    assert_eq!(sums[1], hash, "the hash is the document's SHA-512");
    let etag = format!("\"{hash}\"");
    headers(
        &all[0],
        &[
            ("status", "200"),
            ("cache-control", "public, immutable"),
            ("content-type", "application/json"),
            ("vary", "Accept"),
            ("etag", &etag),
        ],
    );
    headers(
        &all[1],
        &[
            ("status", "304"),
            ("cache-control", "no-cache, private"),
            ("vary", "Accept"),
            ("etag", &etag),
        ],
    );
    headers(
        &all[2],
        &[
            ("status", "301"),
            ("cache-control", "no-cache, private"),
            ("content-type", "text/html; charset=utf-8"),
            ("location", &url),
        ],
    );
    headers(
        &all[3],
        &[
            ("status", "406"),
            ("cache-control", "no-cache, private"),
            ("vary", "Accept"),
        ],
    );
    let index_etag = format!("\"{}\"", sums[0]);
    headers(
        &all[4],
        &[
            ("status", "200"),
            ("cache-control", "no-cache, private"),
            ("content-type", "application/json"),
            ("etag", &index_etag),
        ],
    );

    // v2: protobuf as kubectl asks for it, with the JSON document's ETag; 304 when unchanged.
    let ran = steps::bash(
        &cluster,
        &format!(
            "{CURL}$C -o $A/v2.json -D $A/json.h \"$API/openapi/v2\" && \
         $C -o $A/v2.pb -D $A/pb.h -H 'Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf' \"$API/openapi/v2\" && \
         sha512sum $A/v2.json | cut -c1-128 | tr a-f A-F && grep -ih '^etag' $A/json.h $A/pb.h && \
         grep -i '^content-type' $A/pb.h && \
         etag=$(grep -i '^etag' $A/pb.h | cut -d' ' -f2 | tr -d '\\r') && \
         $C -o /dev/null -w '%{{http_code}}\\n' -H \"If-None-Match: $etag\" \"$API/openapi/v2\""
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().map(str::trim_end).collect();
    let quoted = format!("etag: \"{}\"", lines[0]);
    assert_eq!(
        lines[1..],
        [
            quoted.as_str(),
            quoted.as_str(),
            "content-type: application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
            "304"
        ],
        "{}",
        ran.stdout
    );
}
