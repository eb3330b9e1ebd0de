//! redirect_uri matching: exact match with a client's registered URIs, Keycloak's trailing `*`
//! wildcard, and any port on a loopback address for native clients (RFC 8252 §7.3).

/// Whether `requested` may receive the authorization response of a client registered with
/// `registered`.
pub fn allowed(registered: &[String], requested: &str) -> bool {
    if requested.contains('#') {
        return false;
    }
    registered.iter().any(|r| matches_one(r, requested))
}

/// A client's registered redirect URIs as Keycloak checks them: a relative one (`/path…`) is
/// made absolute with the client's `rootUrl` (where `${authBaseUrl}` and `${authAdminUrl}`
/// stand for `base`, the provider's URL as the request reached it, without a trailing `/`)
/// or, without a `rootUrl`, with `base`'s origin. So the built-in `account-console`
/// (`${authBaseUrl}` and `/realms/<realm>/account/*`) and clients configured with a root URL
/// and relative redirect URIs (as Terraform's provider and the admin console write them) match.
pub fn resolve(registered: &[String], root_url: Option<&str>, base: &str) -> Vec<String> {
    let base = base.trim_end_matches('/');
    let root = root_url.filter(|r| !r.is_empty()).map(|r| {
        r.replace("${authBaseUrl}", base)
            .replace("${authAdminUrl}", base)
    });
    let root = root.unwrap_or_else(|| origin(base).to_string());
    let root = root.trim_end_matches('/');
    registered
        .iter()
        .map(|r| {
            if r.starts_with('/') {
                format!("{root}{r}")
            } else {
                r.clone()
            }
        })
        .collect()
}

/// `scheme://authority` of an absolute URL.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

fn matches_one(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    if let Some(prefix) = registered.strip_suffix('*') {
        return requested.starts_with(prefix) && !requested[prefix.len()..].contains("/../");
    }
    match (loopback_parts(registered), loopback_parts(requested)) {
        (Some((scheme_r, host_r, path_r)), Some((scheme_q, host_q, path_q))) => {
            scheme_r == scheme_q && host_r == host_q && path_r == path_q
        }
        _ => false,
    }
}

/// `(scheme, host, path-and-query)` of an `http` URI on a loopback IP literal (RFC 8252 §7.3
/// names `127.0.0.1` and `[::1]`; `localhost` is accepted too, as Keycloak and kubelogin use it).
fn loopback_parts(uri: &str) -> Option<(&str, &str, &str)> {
    let rest = uri.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = if let Some(v6) = authority.strip_prefix('[') {
        let end = v6.find(']')?;
        let host = &authority[..end + 2];
        let after = &authority[end + 2..];
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        host
    } else {
        match authority.split_once(':') {
            Some((host, port)) if is_port(port) => host,
            Some(_) => return None,
            None => authority,
        }
    };
    let path = if path.is_empty() { "/" } else { path };
    matches!(host, "127.0.0.1" | "[::1]" | "localhost").then_some(("http", host, path))
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests;
