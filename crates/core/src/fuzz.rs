//! Fuzz targets of the parsers in this crate that read untrusted bytes: request paths and query
//! strings, label and field selectors, ServiceAccount user names, protobuf bodies, the strict
//! decoder's duplicate-field walk and object metadata validation (`docs/fuzzing.md`).
//!
//! Each target is a bolero harness that runs as an ordinary test on the stable toolchain: it
//! replays its corpus (`src/__fuzz__/<target>/corpus`, realistic inputs and every crash found so
//! far) and then generates random inputs for a bounded time. `cargo bolero test` runs the same
//! targets under libFuzzer or AFL for as long as one wants.
//!
//! Text targets read their input in one of two ways: as text, or — when the first byte is 0x80
//! or more — as a list of tokens of the grammar, one byte each, so that random inputs reach deep
//! into the parser instead of failing at the first character. Corpus files are plain text.

use std::time::Duration;

use serde_json::Value;

use crate::selectors::{fields, labels};
use crate::validation::{NameRule, object_meta};

/// How long a target generates random inputs in a normal test run, after its corpus
/// (`BOLERO_RANDOM_TEST_TIME_MS` overrides it for a longer run).
const RANDOM_TIME: Duration = Duration::from_millis(1500);

/// The text of an input: the bytes as text, or the tokens they pick (first byte ≥ 0x80).
fn text(input: &[u8], tokens: &[&str]) -> String {
    match input.split_first() {
        Some((first, rest)) if *first >= 0x80 => rest
            .iter()
            .map(|b| tokens[usize::from(*b) % tokens.len()])
            .collect(),
        _ => String::from_utf8_lossy(input).into_owned(),
    }
}

const REQUEST_TOKENS: &[&str] = &[
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "HEAD",
    "get",
    "\n",
    "/",
    "//",
    "api",
    "apis",
    "v1",
    "apps",
    "namespaces",
    "default",
    "pods",
    "status",
    "finalize",
    "watch",
    "proxy",
    "log",
    "x",
    ".",
    "..",
    "%",
    "%2F",
    "%2f",
    "%zz",
    "%00",
    "%ff",
    "é",
    "?",
    "&",
    "=",
    ";",
    "+",
    "watch=true",
    "watch=0",
    "limit=500",
    "limit=-1",
    "fieldSelector=",
    "labelSelector=",
    "metadata.name%3D",
    "metadata.name=",
    "a%3Db",
    "%5C%2C",
    "in",
    "(",
    ")",
    ",",
    "!",
    "timeoutSeconds=x",
];

/// Method, path and query resolve without a panic into a request info consistent with them.
#[test]
fn request_info() {
    bolero::check!(name = "request_info")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let text = text(input, REQUEST_TOKENS);
            let mut lines = text.splitn(3, '\n');
            let method = lines.next().unwrap_or_default();
            let path = lines.next().unwrap_or_default();
            let query = lines.next().unwrap_or_default();
            crate::request_info::parse_query(query);
            let Ok(info) = crate::RequestInfo::parse(method, path, query) else {
                return;
            };
            if info.is_resource_request {
                assert!(info.api_prefix == "api" || info.api_prefix == "apis");
                assert_eq!(info.parts.first(), Some(&info.resource));
                assert!(
                    info.name.is_empty() || info.parts.get(1) == Some(&info.name) || {
                        // A name from a `metadata.name` field selector.
                        info.parts.len() == 1 && matches!(info.verb.as_str(), "list" | "watch")
                    }
                );
            } else {
                assert_eq!(info.verb, method.to_lowercase());
            }
            info.to_attributes(crate::UserInfo::new("fuzz", ["system:authenticated"]));
        });
}

const LABEL_TOKENS: &[&str] = &[
    "a",
    "b",
    "app",
    "x.io/name",
    "k8s.io/",
    "-a",
    "a-",
    "1",
    "-1",
    "99999999999999999999",
    "in",
    "notin",
    "(",
    ")",
    ",",
    "!",
    "=",
    "==",
    "!=",
    ">",
    "<",
    " ",
    "\t",
    "\0",
    "é",
    "_",
    ".",
    "/",
    "a_b",
    "A",
    "z",
    "0",
    "gt",
    "lt",
];

/// Go's `labels.Selector.String()`: requirements joined by commas, in their order.
fn render_labels(selector: &labels::Selector) -> String {
    use labels::Operator;
    let rendered: Vec<String> = selector
        .requirements
        .iter()
        .map(|r| {
            let values = r.values.join(",");
            let key = &r.key;
            match r.operator {
                Operator::In => format!("{key} in ({values})"),
                Operator::NotIn => format!("{key} notin ({values})"),
                Operator::Equals => format!("{key}={values}"),
                Operator::DoubleEquals => format!("{key}=={values}"),
                Operator::NotEquals => format!("{key}!={values}"),
                Operator::GreaterThan => format!("{key}>{values}"),
                Operator::LessThan => format!("{key}<{values}"),
                Operator::Exists => key.clone(),
                Operator::DoesNotExist => format!("!{key}"),
            }
        })
        .collect();
    rendered.join(",")
}

/// A label selector parses without a panic, and the parsed selector, written back as Go writes
/// it, parses to the same selector.
#[test]
fn label_selector() {
    bolero::check!(name = "label_selector")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let text = text(input, LABEL_TOKENS);
            let Ok(selector) = labels::parse(&text) else {
                return;
            };
            let rendered = render_labels(&selector);
            assert_eq!(
                labels::parse(&rendered).as_ref(),
                Ok(&selector),
                "{text:?} rendered as {rendered:?}"
            );
            selector.matches(|key| (key.len() % 2 == 0).then_some("1"));
        });
}

const FIELD_TOKENS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "status.phase",
    "spec.nodeName",
    "a",
    "",
    "=",
    "==",
    "!=",
    "!",
    ",",
    "\\",
    "\\,",
    "\\=",
    "\\\\",
    "\\x",
    "é",
    " ",
    "Running",
    "x=y",
];

/// `fields.Selector.String()` of the parsed terms: escaped values, `=` or `!=`.
fn render_fields(selector: &fields::Selector) -> String {
    let rendered: Vec<String> = selector
        .requirements
        .iter()
        .map(|r| {
            let value = r
                .value
                .replace('\\', "\\\\")
                .replace(',', "\\,")
                .replace('=', "\\=");
            let operator = if r.equal { "=" } else { "!=" };
            format!("{}{operator}{value}", r.field)
        })
        .collect();
    rendered.join(",")
}

/// A field selector parses without a panic, and the parsed terms, written back with their values
/// escaped, parse to the same terms.
#[test]
fn field_selector() {
    bolero::check!(name = "field_selector")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let text = text(input, FIELD_TOKENS);
            let Ok(selector) = fields::parse(&text) else {
                return;
            };
            let rendered = render_fields(&selector);
            let mut again = fields::parse(&rendered)
                .unwrap_or_else(|e| panic!("{text:?} rendered as {rendered:?}: {e}"))
                .requirements;
            let mut first = selector.requirements.clone();
            let key = |r: &fields::Requirement| (r.field.clone(), r.value.clone(), r.equal);
            first.sort_by_key(key);
            again.sort_by_key(key);
            assert_eq!(again, first, "{text:?} rendered as {rendered:?}");
            selector.exact_match("metadata.name");
        });
}

const USER_TOKENS: &[&str] = &[
    "system:",
    "serviceaccount",
    "serviceaccounts",
    ":",
    "ns",
    "a",
    "",
];

/// A user name (Impersonate-User, a token's subject) splits into a ServiceAccount's namespace
/// and name only when joining them gives the name back.
#[test]
fn service_account_username() {
    bolero::check!(name = "service_account_username")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let text = text(input, USER_TOKENS);
            if let Some((namespace, name)) = crate::user::split_service_account_username(&text) {
                assert_eq!(crate::user::service_account_username(namespace, name), text);
                assert!(!namespace.is_empty() && !name.is_empty() && !name.contains(':'));
            }
        });
}

/// A protobuf body, with or without the `k8s\0` magic, decodes without a panic into an object
/// that carries its `apiVersion` and `kind`.
#[test]
fn protobuf() {
    bolero::check!(name = "protobuf")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let _ = crate::protobuf::decode(input);
            let with_magic = [crate::protobuf::MAGIC, input].concat();
            if let Ok(object) = crate::protobuf::decode(&with_magic) {
                assert!(object.get("apiVersion").is_some_and(Value::is_string));
                assert!(object.get("kind").is_some_and(Value::is_string));
            }
        });
}

/// The duplicate-field walk accepts exactly the documents serde_json accepts, and finds no
/// duplicate in a document serde_json wrote.
#[test]
fn json_duplicate_fields() {
    bolero::check!(name = "json_duplicate_fields")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let walked = crate::json::duplicate_fields(input);
            let parsed = serde_json::from_slice::<Value>(input);
            assert_eq!(walked.is_ok(), parsed.is_ok(), "{walked:?} vs {parsed:?}");
            if let Ok(value) = parsed {
                let written = serde_json::to_vec(&value).expect("a value serializes");
                assert_eq!(
                    crate::json::duplicate_fields(&written).ok(),
                    Some(Vec::new())
                );
            }
        });
}

/// Object metadata of any JSON document validates without a panic under every name rule, and
/// the kind checks of the stored kinds run on it.
#[test]
fn object_meta() {
    bolero::check!(name = "object_meta")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let Ok(object) = serde_json::from_slice::<Value>(input) else {
                return;
            };
            for rule in [
                NameRule::Dns1123Label,
                NameRule::Dns1123Subdomain,
                NameRule::Dns1035Label,
                NameRule::PathSegment,
                NameRule::Any,
            ] {
                object_meta::validate_create(&object, true, rule);
                object_meta::validate_create(&object, false, rule);
            }
            object_meta::validate_update(&object, &object);
            object_meta::validate_update(&object, &Value::Null);
            use crate::validation::kinds;
            kinds::config_map(&object);
            kinds::secret(&object);
            kinds::namespace_finalizers(&object);
            kinds::pod_spec(object.get("spec"), "spec");
        });
}
