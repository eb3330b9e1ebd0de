//! Request bodies: read whole, bounded as kube-apiserver bounds them (3 MiB), and decoded from
//! JSON, YAML or Kubernetes' protobuf by their `Content-Type`.

use bytes::Bytes;
use http_body_util::BodyExt as _;
use http_body_util::combinators::UnsyncBoxBody;
use kubeward_core::status::{self, Status};

/// Why reading a request body failed (the connection broke, a protocol error).
pub type BodyError = Box<dyn std::error::Error + Send + Sync>;

/// A request body, whatever carried it (a connection, or a test).
pub type RequestBody = UnsyncBoxBody<Bytes, BodyError>;

/// Any body as a [`RequestBody`].
pub fn boxed<B>(body: B) -> RequestBody
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BodyError>,
{
    body.map_err(Into::into).boxed_unsync()
}

/// kube-apiserver's limit on request bodies (`MaxRequestBodyBytes`, 3 MiB).
pub const MAX_REQUEST_BODY_BYTES: usize = 3 * 1024 * 1024;

/// How much of a too-large body is still read, and dropped, before the 413 goes out, and for
/// how long at most: a client still sending then gets to the end of its body and reads the
/// answer, instead of a connection reset under its upload (Go's servers close such a
/// connection lingering, which gives clients the same chance). Past either bound the 413 goes
/// out anyway.
const DRAINED_PAST_LIMIT: usize = 128 * 1024 * 1024;
/// The time bound of [`DRAINED_PAST_LIMIT`].
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads the whole body; 413 past the limit (whether the body is sized or chunked), 400 when
/// the connection breaks mid-body.
pub async fn read(mut body: RequestBody) -> Result<Bytes, Status> {
    let mut collected = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            status::bad_request(&format!("error reading request body: {error}"))
        })?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > MAX_REQUEST_BODY_BYTES {
                let _ = tokio::time::timeout(DRAIN_TIME, drain(body, DRAINED_PAST_LIMIT)).await;
                return Err(too_large());
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(collected.freeze())
}

/// Reads and drops up to `budget` more bytes of `body` (less if it ends or breaks first).
async fn drain(mut body: RequestBody, budget: usize) {
    let mut left = budget;
    while let Some(Ok(frame)) = body.frame().await {
        if let Ok(data) = frame.into_data() {
            if data.len() >= left {
                return;
            }
            left -= data.len();
        }
    }
}

/// 413 RequestEntityTooLarge, as kube-apiserver words it.
pub fn too_large() -> Status {
    Status::failure(
        413,
        "RequestEntityTooLarge",
        "Request entity too large: limit is 3145728".to_string(),
        None,
    )
}

/// The media types a body may come in (CBOR is behind a feature gate that is off).
const ACCEPTED_MEDIA_TYPES: &str =
    "application/json, application/yaml, application/vnd.kubernetes.protobuf";

/// The formats an object body comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Yaml,
    Protobuf,
}

/// The format of a `Content-Type` (none: JSON, the first supported), or kube-apiserver's 415.
fn format(headers: &http::HeaderMap) -> Result<Format, Status> {
    let Some(value) = headers.get(http::header::CONTENT_TYPE) else {
        return Ok(Format::Json);
    };
    let media = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" => Ok(Format::Json),
        "application/yaml" => Ok(Format::Yaml),
        kubeward_core::protobuf::MEDIA_TYPE => Ok(Format::Protobuf),
        _ => Err(unsupported_media_type(ACCEPTED_MEDIA_TYPES)),
    }
}

/// 415 UnsupportedMediaType with the media types that are accepted.
fn unsupported_media_type(accepted: &str) -> Status {
    Status::failure(
        415,
        "UnsupportedMediaType",
        format!(
            "the body of the request was in an unknown format - accepted media types include: {accepted}"
        ),
        None,
    )
}

/// Decodes an object body by its `Content-Type`: JSON, YAML, or Kubernetes' protobuf (what
/// kubectl's typed clients send); 415 for another media type, 400 with kube-apiserver's wording
/// when it does not decode.
pub fn decode_object(headers: &http::HeaderMap, bytes: &[u8]) -> Result<serde_json::Value, Status> {
    match format(headers)? {
        Format::Protobuf => kubeward_core::protobuf::decode(bytes).map_err(|error| match error {
            kubeward_core::protobuf::ProtobufError::UnknownKind { .. } => {
                unsupported_media_type(&format!("application/json ({error})"))
            }
            other => status::bad_request(&other.to_string()),
        }),
        Format::Yaml => decode_yaml(bytes),
        Format::Json => decode_json(bytes),
    }
}

/// What the strict decoder finds in a body beside unknown fields, in its words: the fields a
/// JSON body repeats (`duplicate field "metadata.name"`), or the first key a YAML body repeats
/// (go-yaml's `UnmarshalStrict`, as `YAMLToJSONStrict` reports it); none for other formats.
pub fn strict_errors(headers: &http::HeaderMap, bytes: &[u8]) -> Vec<String> {
    match format(headers) {
        Ok(Format::Json) => kubeward_core::json::duplicate_fields(bytes)
            .unwrap_or_default()
            .iter()
            .map(|field| format!("duplicate field {}", kubeward_core::go::quote(field)))
            .collect(),
        Ok(Format::Yaml) => yaml_duplicate_key(bytes).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// go-yaml's strict error for the first repeated key of a YAML document, if it repeats one.
fn yaml_duplicate_key(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        with_snippet: false,
    };
    match serde_saphyr::from_str_with_options::<serde_json::Value>(text, options) {
        Err(serde_saphyr::Error::DuplicateMappingKey { key, location }) => Some(format!(
            "yaml: unmarshal errors:\n  line {}: key {} already set in map",
            location.line(),
            kubeward_core::go::quote(key.as_deref().unwrap_or(""))
        )),
        _ => None,
    }
}

/// Decodes a YAML object body (`Content-Type: application/yaml`, as kube-apiserver accepts): a
/// repeated key keeps its last value, as go-yaml's lenient decoding does (the strict decoder
/// reports it, see [`strict_errors`]).
fn decode_yaml(bytes: &[u8]) -> Result<serde_json::Value, Status> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| status::bad_request("the YAML body of the request is not UTF-8"))?;
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
    };
    let value: serde_json::Value = serde_saphyr::from_str_with_options(text, options)
        .map_err(|error| status::bad_request(&format!("error converting YAML to JSON: {error}")))?;
    if !value.is_object() {
        return Err(status::bad_request(
            "the body of the request was not a YAML mapping",
        ));
    }
    Ok(value)
}

/// Decodes a JSON object body.
fn decode_json(bytes: &[u8]) -> Result<serde_json::Value, Status> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        status::bad_request(&format!(
            "the body of the request was in an unknown format - accepted media types include: {ACCEPTED_MEDIA_TYPES} ({error})"
        ))
    })?;
    if !value.is_object() {
        return Err(status::bad_request(
            "the body of the request was not a JSON object",
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests;
