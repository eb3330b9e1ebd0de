//! The XML (and, for STS when asked, JSON) documents of AWS's query APIs: `<ActionResponse>`
//! with its `<ActionResult>` and `<ResponseMetadata>`, and `<ErrorResponse>`.

use crate::error::AwsError;

/// The IAM namespace.
pub const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// The STS namespace.
pub const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Escapes text for XML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// An element tree, written with AWS's two-space indentation.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `<name>text</name>`.
    Text(String, String),
    /// `<name>children</name>`.
    Element(String, Vec<Node>),
}

impl Node {
    /// A text element.
    pub fn text(name: &str, value: impl Into<String>) -> Self {
        Node::Text(name.to_string(), value.into())
    }

    /// An element with children.
    pub fn element(name: &str, children: Vec<Node>) -> Self {
        Node::Element(name.to_string(), children)
    }

    fn write(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        match self {
            Node::Text(name, value) => {
                out.push_str(&format!("{pad}<{name}>{}</{name}>\n", escape(value)));
            }
            Node::Element(name, children) => {
                out.push_str(&format!("{pad}<{name}>\n"));
                for child in children {
                    child.write(out, depth + 1);
                }
                out.push_str(&format!("{pad}</{name}>\n"));
            }
        }
    }

    /// As JSON (`{"name": …}` members), for STS's JSON answers.
    fn json(&self) -> (String, serde_json::Value) {
        match self {
            Node::Text(name, value) => (name.clone(), serde_json::Value::String(value.clone())),
            Node::Element(name, children) => (
                name.clone(),
                serde_json::Value::Object(children.iter().map(Node::json).collect()),
            ),
        }
    }
}

/// `<{action}Response xmlns=…>` with the result (if any) and the request id.
pub fn response(
    action: &str,
    namespace: &str,
    result: Option<Vec<Node>>,
    request_id: &str,
) -> String {
    let mut out = format!("<{action}Response xmlns=\"{namespace}\">\n");
    if let Some(children) = result {
        Node::element(&format!("{action}Result"), children).write(&mut out, 1);
    }
    Node::element(
        "ResponseMetadata",
        vec![Node::text("RequestId", request_id)],
    )
    .write(&mut out, 1);
    out.push_str(&format!("</{action}Response>\n"));
    out
}

/// The same answer as STS's JSON (`{"{action}Response": {"{action}Result": …,
/// "ResponseMetadata": {"RequestId": …}}}`).
pub fn json_response(action: &str, result: Option<Vec<Node>>, request_id: &str) -> String {
    let mut body = serde_json::Map::new();
    if let Some(children) = result {
        body.insert(
            format!("{action}Result"),
            serde_json::Value::Object(children.iter().map(Node::json).collect()),
        );
    }
    body.insert(
        "ResponseMetadata".into(),
        serde_json::json!({"RequestId": request_id}),
    );
    serde_json::json!({ format!("{action}Response"): body }).to_string()
}

/// `<ErrorResponse>` of a query API.
pub fn error(error: &AwsError, namespace: &str, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{namespace}\">\n  <Error>\n    <Type>{}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        error.fault(),
        error.code,
        escape(&error.message),
        request_id
    )
}

/// STS's JSON error: `{"Error":{"Code":…,"Message":…,"Type":…},"RequestId":…}`.
pub fn json_error(error: &AwsError, request_id: &str) -> String {
    serde_json::json!({
        "Error": {"Code": error.code, "Message": error.message, "Type": error.fault()},
        "RequestId": request_id,
    })
    .to_string()
}

#[cfg(test)]
mod tests;
