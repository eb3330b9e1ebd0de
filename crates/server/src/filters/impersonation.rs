//! kube-apiserver's impersonation filter: `Impersonate-User`, `-Group`, `-Uid` and
//! `Impersonate-Extra-*` headers, each authorized through the `impersonate` verb (by the
//! upstream, in a gateway: the client's headers are never forwarded as they came).

use http::HeaderMap;
use kubeward_core::UserInfo;
use kubeward_core::attributes::Attributes;
use kubeward_core::status::{self, Status};
use kubeward_core::user::{impersonated_user, split_service_account_username};

use crate::state::State;

const USER_HEADER: &str = "impersonate-user";
const GROUP_HEADER: &str = "impersonate-group";
const UID_HEADER: &str = "impersonate-uid";
const EXTRA_PREFIX: &str = "impersonate-extra-";

/// Whether the request asks to run as another user (what the audit records as
/// `impersonatedUser` once allowed).
pub fn requested(headers: &HeaderMap) -> bool {
    headers.contains_key(USER_HEADER)
}

/// The user to run the request as: `requester` when no impersonation header is present, else the
/// impersonated user once every part of it is allowed.
pub async fn impersonate(
    state: &State,
    headers: &HeaderMap,
    requester: UserInfo,
) -> Result<UserInfo, Status> {
    let user = headers.get(USER_HEADER).and_then(|v| v.to_str().ok());
    let groups: Vec<String> = headers
        .get_all(GROUP_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let uid = headers.get(UID_HEADER).and_then(|v| v.to_str().ok());
    let mut extras: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        if let Some(key) = name.as_str().strip_prefix(EXTRA_PREFIX)
            && let Ok(value) = value.to_str()
        {
            extras.push((unescape_extra_key(key), value.to_string()));
        }
    }
    let Some(user) = user else {
        if groups.is_empty() && uid.is_none() && extras.is_empty() {
            return Ok(requester);
        }
        return Err(status::bad_request(
            "requested impersonation of groups, uid or extras without impersonating a user",
        ));
    };

    let mut checks = vec![match split_service_account_username(user) {
        Some((namespace, name)) => Attributes::resource(
            requester.clone(),
            "impersonate",
            "",
            "serviceaccounts",
            namespace,
        )
        .with_name(name),
        None => {
            Attributes::resource(requester.clone(), "impersonate", "", "users", "").with_name(user)
        }
    }];
    for group in &groups {
        checks.push(
            Attributes::resource(requester.clone(), "impersonate", "", "groups", "")
                .with_name(group),
        );
    }
    if let Some(uid) = uid {
        checks.push(
            Attributes::resource(
                requester.clone(),
                "impersonate",
                "authentication.k8s.io",
                "uids",
                "",
            )
            .with_name(uid),
        );
    }
    for (key, value) in &extras {
        checks.push(
            Attributes::resource(
                requester.clone(),
                "impersonate",
                "authentication.k8s.io",
                "userextras",
                "",
            )
            .with_subresource(key)
            .with_name(value),
        );
    }
    for attrs in &checks {
        if let Some(reason) = crate::authorizer::impersonation_denial(state, attrs).await {
            return Err(status::forbidden(attrs, &reason));
        }
    }

    let mut impersonated = impersonated_user(user, groups);
    if let Some(uid) = uid {
        impersonated.uid = uid.to_string();
    }
    for (key, value) in extras {
        impersonated.extra.entry(key).or_default().push(value);
    }
    Ok(impersonated)
}

/// Extra keys travel percent-encoded in header names (`Impersonate-Extra-Foo%2fbar`).
fn unescape_extra_key(key: &str) -> String {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;
