//! What the console's forms send, read back: redirect URIs one a line, checkboxes, and a role
//! chosen in a list (`r:NAME` for a realm role, `c:CLIENT-UUID:NAME` for a client role).

use std::collections::HashMap;

/// A role as a select's option names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRef {
    /// A realm role.
    Realm(String),
    /// A role of the client with this internal id.
    Client {
        /// The client's internal id.
        client: String,
        /// The role's name.
        name: String,
    },
}

impl RoleRef {
    /// Reads an option value.
    pub fn parse(value: &str) -> Option<Self> {
        if let Some(name) = value.strip_prefix("r:") {
            return (!name.is_empty()).then(|| Self::Realm(name.to_string()));
        }
        let (client, name) = value.strip_prefix("c:")?.split_once(':')?;
        (!client.is_empty() && !name.is_empty()).then(|| Self::Client {
            client: client.to_string(),
            name: name.to_string(),
        })
    }

    /// The option value.
    pub fn value(&self) -> String {
        match self {
            Self::Realm(name) => format!("r:{name}"),
            Self::Client { client, name } => format!("c:{client}:{name}"),
        }
    }
}

/// Redirect URIs typed one a line (or separated by spaces): trimmed, empty ones dropped, each
/// once.
pub fn uris(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for uri in text.split_whitespace() {
        if !out.iter().any(|u| u == uri) {
            out.push(uri.to_string());
        }
    }
    out
}

/// Whether a checkbox was ticked.
pub fn ticked(form: &HashMap<String, String>, name: &str) -> bool {
    form.get(name).is_some_and(|v| v == "on" || v == "true")
}

/// A required text field, trimmed; `None` when missing or blank.
pub fn text<'f>(form: &'f HashMap<String, String>, name: &str) -> Option<&'f str> {
    form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests;
