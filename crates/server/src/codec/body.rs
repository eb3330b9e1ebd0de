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
                return Err(too_large());
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(collected.freeze())
}

/// 413 RequestEntityTooLarge, as kube-apiserver words it.
fn too_large() -> Status {
    Status::failure(
        413,
        "RequestEntityTooLarge",
        "Request entity too large: limit is 3145728".to_string(),
        None,
    )
}

/// Decodes an object body by its `Content-Type`: Kubernetes' protobuf (what kubectl's typed
/// clients send) or JSON; 400 with kube-apiserver's wording when it does not decode, 415 for a
/// protobuf kind without a schema here.
pub fn decode_object(headers: &http::HeaderMap, bytes: &[u8]) -> Result<serde_json::Value, Status> {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with(kubeward_core::protobuf::MEDIA_TYPE) {
        return kubeward_core::protobuf::decode(bytes).map_err(|error| match error {
            kubeward_core::protobuf::ProtobufError::UnknownKind { .. } => Status::failure(
                415,
                "UnsupportedMediaType",
                format!("the body of the request was in an unknown format - accepted media types include: application/json ({error})"),
                None,
            ),
            other => status::bad_request(&other.to_string()),
        });
    }
    if content_type.starts_with("application/yaml") {
        return decode_yaml(bytes);
    }
    decode_json(bytes)
}

/// Decodes a YAML object body (`Content-Type: application/yaml`, as kube-apiserver accepts).
fn decode_yaml(bytes: &[u8]) -> Result<serde_json::Value, Status> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| status::bad_request("the YAML body of the request is not UTF-8"))?;
    let value: serde_json::Value = serde_saphyr::from_str(text)
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
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/cbor ({error})"
        ))
    })?;
    if !value.is_object() {
        return Err(status::bad_request(
            "the body of the request was not a JSON object",
        ));
    }
    Ok(value)
}
