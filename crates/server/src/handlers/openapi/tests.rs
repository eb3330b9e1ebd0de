use serde_json::json;

use super::documents;
use super::gnostic;
use crate::registry::kinds::{self, Kind};

fn built_in() -> Vec<&'static Kind> {
    kinds::all().collect()
}

#[test]
fn every_built_in_kind_is_published_under_its_kubernetes_name_with_its_gvk() {
    let definitions = documents::v2_definitions(&built_in());
    let pod = &definitions["io.k8s.api.core.v1.Pod"];
    assert_eq!(
        pod["x-kubernetes-group-version-kind"],
        json!([{"group": "", "kind": "Pod", "version": "v1"}])
    );
    // v2: the `$ref` with its description beside it; metadata not required.
    assert_eq!(
        pod["properties"]["spec"]["$ref"],
        "#/definitions/io.k8s.api.core.v1.PodSpec"
    );
    assert!(pod.get("required").is_none(), "{pod}");
    assert!(definitions.contains_key("io.k8s.api.core.v1.Container"));
    assert!(definitions.contains_key("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
    for def in built_in() {
        if def.schema.is_none() {
            continue;
        }
        let gvk = json!({"group": def.group, "kind": def.kind, "version": def.version});
        let published = definitions.values().any(|schema| {
            schema["x-kubernetes-group-version-kind"]
                .as_array()
                .is_some_and(|list| list.contains(&gvk))
        });
        assert!(
            published,
            "{def:?} has no schema with its group, version and kind"
        );
    }
}

#[test]
fn a_group_versions_v3_document_holds_its_kinds_and_what_they_refer_to() {
    let documents = documents::v3_documents(&built_in());
    let apps = &documents["apis/apps/v1"];
    let schemas = apps["components"]["schemas"].as_object().unwrap();
    let deployment = &schemas["io.k8s.api.apps.v1.Deployment"];
    assert_eq!(
        deployment["x-kubernetes-group-version-kind"],
        json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
    );
    // v3: `allOf` around the `$ref`, as kube-apiserver.
    assert_eq!(
        deployment["properties"]["spec"]["allOf"][0]["$ref"],
        "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"
    );
    assert!(schemas.contains_key("io.k8s.api.core.v1.PodSpec"));
    assert!(!schemas.contains_key("io.k8s.api.batch.v1.Job"));
    assert!(
        apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
            .is_object()
    );
    // Every `$ref` resolves inside its document.
    for (path, document) in &documents {
        let text = document.to_string();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(
                document["components"]["schemas"].get(name).is_some(),
                "{path}: {name} is referred to but missing"
            );
        }
    }
    let core = &documents["api/v1"]["components"]["schemas"];
    assert!(core.get("io.k8s.api.core.v1.Pod").is_some());
}

#[test]
fn gnostic_protobuf_encodes_the_fields_of_a_schema() {
    let schema = json!({
        "description": "d",
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"$ref": "#/definitions/X"}},
        "x-kubernetes-group-version-kind": [{"group": "", "kind": "K", "version": "v1"}],
    });
    let bytes = gnostic::schema(&schema);
    // description (4), required (19), type (22), properties (25), an extension (31), in order.
    let mut expected = vec![0x22, 1, b'd', 0x9a, 0x01, 1, b'a'];
    expected.extend([0xb2, 0x01, 8, 0x0a, 6]);
    expected.extend(b"object");
    let reference = b"#/definitions/X";
    let inner_len = 2 + reference.len();
    let named_len = 3 + 2 + inner_len;
    expected.extend([0xca, 0x01, (2 + named_len) as u8, 0x0a, named_len as u8]);
    expected.extend([
        0x0a,
        1,
        b'a',
        0x12,
        inner_len as u8,
        0x0a,
        reference.len() as u8,
    ]);
    expected.extend(reference);
    assert_eq!(&bytes[..expected.len()], expected.as_slice());
    let rest = &bytes[expected.len()..];
    assert_eq!(rest[0], 0xfa); // field 31, length-delimited
    let text = String::from_utf8_lossy(rest);
    assert!(text.contains("x-kubernetes-group-version-kind"));
    let yaml = &schema["x-kubernetes-group-version-kind"];
    assert!(text.contains(&yaml.to_string()), "{text}");
}

#[test]
fn more_definitions_are_a_second_definitions_field() {
    let mut more = serde_json::Map::new();
    more.insert("io.example.v1.Thing".into(), json!({"type": "object"}));
    let bytes = gnostic::more_definitions(&more);
    assert_eq!(bytes[0], 0x4a); // field 9, length-delimited
    let document = gnostic::document("Kubernetes", "v1.33.0", &serde_json::Map::new());
    assert_eq!(&document[..5], &[0x0a, 3, b'2', b'.', b'0']);
}

#[test]
fn a_custom_kinds_v3_document_refers_to_object_meta_and_holds_it() {
    let core = &documents::v3_documents(&built_in())["api/v1"];
    let object_meta =
        documents::object_meta_closure(core["components"]["schemas"].as_object().unwrap());
    assert!(object_meta.contains_key("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
    assert!(object_meta.contains_key("io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"));
    assert!(!object_meta.contains_key("io.k8s.api.core.v1.Pod"));

    let kind = built_in()
        .into_iter()
        .find(|k| k.kind == "ConfigMap")
        .unwrap();
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object"}}});
    let document = documents::custom_v3_document(&[(kind, Some(schema))], &object_meta);
    let schemas = &document["components"]["schemas"];
    let published = &schemas[documents::custom_schema_name(kind).as_str()];
    assert_eq!(
        published["properties"]["metadata"]["allOf"],
        json!([{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}])
    );
    assert_eq!(published["properties"]["kind"]["type"], "string");
    assert_eq!(published["properties"]["spec"], json!({"type": "object"}));
    assert_eq!(
        published["x-kubernetes-group-version-kind"],
        json!([{"group": "", "kind": "ConfigMap", "version": "v1"}])
    );
    let text = document.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &reference[..reference.find('"').unwrap()];
        assert!(
            schemas.get(name).is_some(),
            "{name} is referred to but missing"
        );
    }

    let v2 = documents::published_schema(kind, json!({"type": "object"}), documents::Flavour::V2);
    assert_eq!(
        v2["properties"]["metadata"]["$ref"],
        "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    );
}
