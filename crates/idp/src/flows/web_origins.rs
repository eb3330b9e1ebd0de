//! Which browser origins may read a client's answers (CORS), as Keycloak decides from the
//! client's `webOrigins`: an origin as written (`https://app.example.com`), `+` for the origins
//! of its redirect URIs, `*` for any origin.

use crate::model::Client;

/// Whether a page of `origin` (the request's `Origin` header) may read answers about `client`.
pub fn allows(client: &Client, origin: &str) -> bool {
    client.web_origins.iter().any(|w| match w.as_str() {
        "*" => true,
        "+" => client
            .redirect_uris
            .iter()
            .filter_map(|uri| origin_of(uri))
            .any(|o| o == origin),
        other => other == origin,
    })
}

/// The origin of an `http` or `https` URI: `scheme://host[:port]`, the port only when written
/// (Keycloak's `UriUtils.getOrigin`); `None` for other URIs.
pub fn origin_of(uri: &str) -> Option<&str> {
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))?;
    let authority = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let scheme = uri.len() - rest.len();
    (authority > 0).then(|| &uri[..scheme + authority])
}

#[cfg(test)]
mod tests;
