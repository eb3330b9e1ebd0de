//! Webhook conversion of custom resources, as apiextensions-apiserver's `webhookConverter`
//! does it: a definition's `spec.conversion` read (`strategy: Webhook`, the client config, the
//! `conversionReviewVersions` in the order the definition lists them), the `ConversionReview`
//! sent for the objects not yet in the desired version, and the answer checked with
//! kube-apiserver's words — the review's type and `uid` (v1 only), `result.status`, the number
//! of objects, each object's group/version and kind, the same name, namespace and uid, and of
//! the metadata only `labels` and `annotations` taken from the webhook (validated when
//! changed). Pure: the call itself is the converter's (`converter`). The checks of the stanza
//! at the definition's write are here too (`validate`).

use base64::Engine as _;
use kubeward_core::status::{BadValue, FieldError};
use kubeward_core::validation::content;
use serde_json::{Map, Value, json};

/// How kube-apiserver posts to a conversion webhook: its client's timeout, also sent as the
/// URL's `timeout` query parameter.
pub const TIMEOUT_SECONDS: u64 = 30;

/// A Service a webhook is reached through (`clientConfig.service`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    /// The Service's namespace.
    pub namespace: String,
    /// The Service's name.
    pub name: String,
    /// The URL path (`""`: none).
    pub path: String,
    /// The Service port (443 unless given).
    pub port: i64,
}

/// A definition's conversion webhook (`spec.conversion.webhook`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// `conversionReviewVersions`, the definition's order.
    pub review_versions: Vec<String>,
    /// `clientConfig.url`.
    pub url: Option<String>,
    /// `clientConfig.service`.
    pub service: Option<ServiceRef>,
    /// `clientConfig.caBundle`, decoded (PEM).
    pub ca_bundle: Option<String>,
}

impl Webhook {
    /// The webhook of a definition's spec whose conversion strategy is `Webhook`.
    pub fn of(spec: &Value) -> Option<Self> {
        let conversion = spec.get("conversion")?;
        if conversion.get("strategy").and_then(Value::as_str) != Some("Webhook") {
            return None;
        }
        let webhook = conversion.get("webhook").unwrap_or(&Value::Null);
        let client = webhook.get("clientConfig").unwrap_or(&Value::Null);
        let text = |value: &Value, field: &str| {
            value
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let service = client.get("service").map(|service| ServiceRef {
            namespace: text(service, "namespace"),
            name: text(service, "name"),
            path: text(service, "path"),
            port: service.get("port").and_then(Value::as_i64).unwrap_or(443),
        });
        let ca_bundle = client
            .get("caBundle")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
            .and_then(|text| base64::engine::general_purpose::STANDARD.decode(text).ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        Some(Self {
            review_versions: strings(webhook.get("conversionReviewVersions")),
            url: client
                .get("url")
                .and_then(Value::as_str)
                .map(str::to_string),
            service,
            ca_bundle,
        })
    }

    /// The URL posted to, as kube-apiserver's webhook client writes it (a Service as
    /// `https://<name>.<namespace>.svc:<port><path>`), with `?timeout=30s`.
    pub fn request_url(&self) -> String {
        let base = match (&self.url, &self.service) {
            (Some(url), _) => url.clone(),
            (None, Some(service)) => format!(
                "https://{}.{}.svc:{}{}",
                service.name, service.namespace, service.port, service.path
            ),
            (None, None) => String::new(),
        };
        format!("{base}?timeout={TIMEOUT_SECONDS}s")
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// Go's `GroupVersionKind.String()` of an object's `apiVersion` and `kind`:
/// `group/version, Kind=kind`.
pub fn gvk_text(api_version: &str, kind: &str) -> String {
    let (group, version) = split_api_version(api_version);
    format!("{group}/{version}, Kind={kind}")
}

/// `apiVersion` as Go's `ParseGroupVersion` splits it (no slash: the core group).
fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// Go's `GroupVersion.String()`: `group/version`, or `version` for the core group.
fn gv_text(api_version: &str) -> String {
    match split_api_version(api_version) {
        ("", version) => version.to_string(),
        (group, version) => format!("{group}/{version}"),
    }
}

/// Which `ConversionReview` version a request was sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewVersion {
    /// `apiextensions.k8s.io/v1`: the answer's type and `uid` are checked.
    V1,
    /// `apiextensions.k8s.io/v1beta1`: they are not (kube-apiserver's compatibility).
    V1beta1,
}

/// The `ConversionReview` for `objects` into `desired` (an apiVersion), in the first of
/// `versions` kube-apiserver speaks, as Go marshals it.
pub fn review(
    versions: &[String],
    objects: &[Value],
    desired: &str,
    uid: &str,
) -> Result<(Value, ReviewVersion), String> {
    let version = versions
        .iter()
        .find_map(|v| match v.as_str() {
            "v1beta1" => Some(ReviewVersion::V1beta1),
            "v1" => Some(ReviewVersion::V1),
            _ => None,
        })
        .ok_or_else(|| "no supported conversion review versions".to_string())?;
    let api_version = match version {
        ReviewVersion::V1 => "apiextensions.k8s.io/v1",
        ReviewVersion::V1beta1 => "apiextensions.k8s.io/v1beta1",
    };
    let body = json!({
        "kind": "ConversionReview",
        "apiVersion": api_version,
        "request": {"uid": uid, "desiredAPIVersion": desired, "objects": objects},
        "response": {"uid": "", "convertedObjects": null, "result": {"metadata": {}}},
    });
    Ok((body, version))
}

/// The converted objects of a webhook's answer, or why the answer is refused
/// (`getConvertedObjectsFromResponse`).
pub fn converted(version: ReviewVersion, uid: &str, answer: &Value) -> Result<Vec<Value>, String> {
    if version == ReviewVersion::V1 {
        let api_version = answer
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = answer.get("kind").and_then(Value::as_str).unwrap_or("");
        if api_version != "apiextensions.k8s.io/v1" || kind != "ConversionReview" {
            return Err(format!(
                "expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got {}",
                gvk_text(api_version, kind)
            ));
        }
    }
    let Some(response) = answer.get("response").filter(|r| !r.is_null()) else {
        return Err("no response provided".to_string());
    };
    if version == ReviewVersion::V1 {
        let got = response.get("uid").and_then(Value::as_str).unwrap_or("");
        if got != uid {
            return Err(format!(
                "expected response.uid={}, got {}",
                kubeward_core::go::quote(uid),
                kubeward_core::go::quote(got)
            ));
        }
    }
    let result = response.get("result").unwrap_or(&Value::Null);
    let status = result.get("status").and_then(Value::as_str).unwrap_or("");
    if status != "Success" {
        let message = result.get("message").and_then(Value::as_str).unwrap_or("");
        if !message.is_empty() {
            return Err(message.to_string());
        }
        return Err(format!(
            "response.result.status was '{status}', not 'Success'"
        ));
    }
    Ok(response
        .get("convertedObjects")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// Places the webhook's `converted` objects (one per object of `sent`, in order) after
/// kube-apiserver's checks; `input` is the converted object's or list's GroupVersionKind as
/// Go prints it, `list` whether a list was converted (its messages name the index).
pub fn accept(
    input: &str,
    list: bool,
    sent: &[Value],
    converted: Vec<Value>,
    desired: &str,
) -> Result<Vec<Value>, String> {
    if converted.len() != sent.len() {
        return Err(format!(
            "conversion webhook for {input} returned {} objects, expected {}",
            converted.len(),
            sent.len()
        ));
    }
    let mut out = Vec::with_capacity(sent.len());
    for (index, (original, mut object)) in sent.iter().zip(converted).enumerate() {
        if !object.is_object() {
            return Err(if list {
                format!(
                    "conversion webhook for {input} returned invalid converted object at index {index}: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    go_json_kind(&object)
                )
            } else {
                format!(
                    "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    go_json_kind(&object)
                )
            });
        }
        // kube-apiserver counts the object before these checks of a list's item: its messages
        // name the next index.
        let (prefix, shown) = if list {
            (
                format!(
                    "conversion webhook for {input} returned invalid converted object at index"
                ),
                index + 1,
            )
        } else {
            (
                format!("conversion webhook for {input} returned invalid object at index"),
                0,
            )
        };
        let got_version = text(&object, "apiVersion");
        if gv_text(got_version) != gv_text(desired) {
            return Err(format!(
                "{prefix} {shown}: invalid groupVersion (expected {}, received {})",
                gv_text(desired),
                gv_text(got_version)
            ));
        }
        let (expected_kind, got_kind) = (text(original, "kind"), text(&object, "kind"));
        if expected_kind != got_kind {
            return Err(format!(
                "{prefix} {shown}: invalid kind (expected {expected_kind}, received {got_kind})"
            ));
        }
        if let Err(error) = same_identity(original, &object) {
            return Err(if list {
                format!("{prefix} {shown}: {error}")
            } else {
                format!("conversion webhook for {input} returned invalid object: {error}")
            });
        }
        if let Err(error) = restore_metadata(original, &mut object) {
            return Err(if list {
                format!(
                    "conversion webhook for {input} returned invalid metadata in object at index {shown}: {error}"
                )
            } else {
                format!("conversion webhook for {input} returned invalid metadata: {error}")
            });
        }
        out.push(object);
    }
    Ok(out)
}

fn text<'a>(object: &'a Value, field: &str) -> &'a str {
    object.get(field).and_then(Value::as_str).unwrap_or("")
}

fn meta_text<'a>(object: &'a Value, field: &str) -> &'a str {
    object
        .get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `validateConvertedObject`: the kind, name, namespace and uid are the original's.
fn same_identity(original: &Value, converted: &Value) -> Result<(), String> {
    let (a, b) = (text(original, "kind"), text(converted, "kind"));
    if a != b {
        return Err(format!("must have the same kind: {a} != {b}"));
    }
    for (field, label) in [("name", "name"), ("namespace", "namespace"), ("uid", "UID")] {
        let (a, b) = (meta_text(original, field), meta_text(converted, field));
        if a != b {
            return Err(format!("must have the same {label}: {a} != {b}"));
        }
    }
    Ok(())
}

/// Go's `%T` of a value decoded into `interface{}` (integers as unstructured decodes them).
fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// How `encoding/json` names a JSON value's kind in an unmarshal error.
fn go_json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `restoreObjectMeta`: the original's metadata, with the webhook's labels and annotations.
fn restore_metadata(original: &Value, converted: &mut Value) -> Result<(), String> {
    let answered = match converted.get("metadata") {
        None => return Err("missing metadata in converted object".to_string()),
        Some(Value::Object(map)) => map.clone(),
        Some(other) => {
            return Err(format!(
                "invalid metadata of type {} in converted object",
                go_type(other)
            ));
        }
    };
    let mut metadata: Map<String, Value> = original
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for field in ["labels", "annotations"] {
        let given = match answered.get(field) {
            None | Some(Value::Null) => {
                metadata.remove(field);
                continue;
            }
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(format!(
                    "invalid metadata.{field} of type {} in converted object",
                    go_type(other)
                ));
            }
        };
        let before = match metadata.get(field) {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(other) => {
                return Err(format!(
                    "invalid metadata.{field} of type {} in original object",
                    go_type(other)
                ));
            }
        };
        let mut changed = before.len() != given.len();
        for (key, value) in given {
            if !value.is_string() {
                return Err(format!(
                    "metadata.{field}[{key}] must be a string, but is {} in converted object",
                    go_type(value)
                ));
            }
            changed |= before.get(key) != Some(value);
        }
        if changed {
            let errors = if field == "labels" {
                label_errors(given)
            } else {
                annotation_errors(given)
            };
            if !errors.is_empty() {
                return Err(kubeward_core::status::aggregate(
                    errors.iter().map(ToString::to_string),
                ));
            }
        }
        metadata.insert(field.to_string(), Value::Object(given.clone()));
    }
    converted["metadata"] = Value::Object(metadata);
    Ok(())
}

/// `ValidateLabels` at `metadata.labels`.
fn label_errors(labels: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (key, value) in labels {
        let value = value.as_str().unwrap_or("");
        for message in content::label_key(key) {
            errors.push(FieldError::invalid(
                "metadata.labels",
                key.as_str(),
                &message,
            ));
        }
        for message in content::label_value(value) {
            errors.push(FieldError::invalid("metadata.labels", value, &message));
        }
    }
    errors
}

/// `ValidateAnnotations` at kube-apiserver's `metadata.annotation` (sic): the keys.
fn annotation_errors(annotations: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for key in annotations.keys() {
        for message in content::label_key(&key.to_lowercase()) {
            errors.push(FieldError::invalid(
                "metadata.annotation",
                key.as_str(),
                &message,
            ));
        }
    }
    errors
}

/// The checks of `spec.conversion` at a definition's write (`validateCustomResourceConversion`
/// on the internal version: its paths name `webhookClientConfig`).
pub fn validate(spec: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Some(conversion) = spec.get("conversion").filter(|c| !c.is_null()) else {
        return errors;
    };
    let strategy = text(conversion, "strategy");
    match strategy {
        "" => errors.push(FieldError::required("spec.conversion.strategy", "")),
        "None" | "Webhook" => {}
        other => errors.push(FieldError::not_supported(
            "spec.conversion.strategy",
            other,
            &["None", "Webhook"],
        )),
    }
    let webhook = conversion.get("webhook").filter(|w| !w.is_null());
    let client = webhook
        .and_then(|w| w.get("clientConfig"))
        .filter(|c| !c.is_null());
    let versions = webhook
        .map(|w| strings(w.get("conversionReviewVersions")))
        .unwrap_or_default();
    if strategy != "Webhook" {
        if client.is_some() {
            errors.push(FieldError::forbidden(
                "spec.conversion.webhookClientConfig",
                "should not be set when strategy is not set to Webhook",
            ));
        }
        if !versions.is_empty() {
            errors.push(FieldError::forbidden(
                "spec.conversion.conversionReviewVersions",
                "should not be set when strategy is not set to Webhook",
            ));
        }
        return errors;
    }
    match client {
        None => errors.push(FieldError::required(
            "spec.conversion.webhookClientConfig",
            "required when strategy is set to Webhook",
        )),
        Some(client) => {
            let url = client.get("url").and_then(Value::as_str);
            let service = client.get("service").filter(|s| !s.is_null());
            match (url, service) {
                (Some(url), None) => errors.extend(url_errors(url)),
                (None, Some(service)) => errors.extend(service_errors(service)),
                _ => errors.push(FieldError::required(
                    "spec.conversion.webhookClientConfig",
                    "exactly one of url or service is required",
                )),
            }
        }
    }
    errors.extend(review_version_errors(&versions));
    errors
}

/// `ValidateWebhookURL` with https required.
fn url_errors(url: &str) -> Vec<FieldError> {
    const FIELD: &str = "spec.conversion.webhookClientConfig.url";
    const FORM: &str = "; desired format: https://host[/path]";
    let mut errors = Vec::new();
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = if scheme.is_empty() {
        ""
    } else {
        rest.split('/').next().unwrap_or("")
    };
    let (user, host) = match authority.rsplit_once('@') {
        Some((user, host)) => (Some(user), host),
        None => (None, authority),
    };
    if scheme != "https" {
        errors.push(FieldError::invalid(
            FIELD,
            scheme,
            &format!("'https' is the only allowed URL scheme{FORM}"),
        ));
    }
    if host.is_empty() {
        errors.push(FieldError::invalid(
            FIELD,
            host,
            &format!("host must be specified{FORM}"),
        ));
    }
    if let Some(user) = user {
        let shown = match user.split_once(':') {
            Some((name, _)) => format!("{name}:xxxxx"),
            None => user.to_string(),
        };
        errors.push(FieldError::invalid(
            FIELD,
            shown.as_str(),
            "user information is not permitted in the URL",
        ));
    }
    if !fragment.is_empty() {
        errors.push(FieldError::invalid(
            FIELD,
            fragment,
            "fragments are not permitted in the URL",
        ));
    }
    if !query.is_empty() {
        errors.push(FieldError::invalid(
            FIELD,
            query,
            "query parameters are not permitted in the URL",
        ));
    }
    errors
}

/// `ValidateWebhookService`.
fn service_errors(service: &Value) -> Vec<FieldError> {
    const FIELD: &str = "spec.conversion.webhookClientConfig.service";
    let mut errors = Vec::new();
    if text(service, "name").is_empty() {
        errors.push(FieldError::required(
            &format!("{FIELD}.name"),
            "service name is required",
        ));
    }
    if text(service, "namespace").is_empty() {
        errors.push(FieldError::required(
            &format!("{FIELD}.namespace"),
            "service namespace is required",
        ));
    }
    let port = service.get("port").and_then(Value::as_i64).unwrap_or(443);
    if !(1..=65535).contains(&port) {
        errors.push(FieldError::invalid(
            &format!("{FIELD}.port"),
            BadValue::Int(port),
            "port is not valid: must be between 1 and 65535, inclusive",
        ));
    }
    let Some(path) = service.get("path").and_then(Value::as_str) else {
        return errors;
    };
    let field = format!("{FIELD}.path");
    if path.is_empty() || path == "/" {
        return errors;
    }
    if path == "//" {
        errors.push(FieldError::invalid(
            &field,
            path,
            "segment[0] may not be empty",
        ));
        return errors;
    }
    if !path.starts_with('/') {
        errors.push(FieldError::invalid(&field, path, "must start with a '/'"));
    }
    let mut check = path.get(1..).unwrap_or("");
    if let Some(trimmed) = check.strip_suffix('/') {
        check = trimmed;
    }
    for (index, step) in check.split('/').enumerate() {
        if step.is_empty() {
            errors.push(FieldError::invalid(
                &field,
                path,
                &format!("segment[{index}] may not be empty"),
            ));
            continue;
        }
        for failure in content::dns1123_subdomain(step) {
            errors.push(FieldError::invalid(
                &field,
                path,
                &format!("segment[{index}]: {failure}"),
            ));
        }
    }
    errors
}

/// `validateConversionReviewVersions` (a recognized version required).
fn review_version_errors(versions: &[String]) -> Vec<FieldError> {
    const FIELD: &str = "spec.conversion.conversionReviewVersions";
    if versions.is_empty() {
        return vec![FieldError::required(FIELD, "")];
    }
    let mut errors = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (index, version) in versions.iter().enumerate() {
        let field = format!("{FIELD}[{index}]");
        if seen.contains(&version.as_str()) {
            errors.push(FieldError::invalid(
                &field,
                version.as_str(),
                "duplicate version",
            ));
            continue;
        }
        seen.push(version);
        for message in content::dns1035_label(version) {
            errors.push(FieldError::invalid(&field, version.as_str(), &message));
        }
    }
    if !versions.iter().any(|v| v == "v1" || v == "v1beta1") {
        errors.push(FieldError::invalid(
            FIELD,
            BadValue::json(versions),
            "must include at least one of v1, v1beta1",
        ));
    }
    errors
}

#[cfg(test)]
mod tests;
