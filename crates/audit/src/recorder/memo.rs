//! The JSON of the parts of an event that come again and again on a thread — the user, the
//! client (source IPs and user agent), the object reference — kept with the values it was
//! written from: the next record whose values are equal copies that JSON instead of escaping
//! them anew (one ServiceAccount, one client, one resource, request after request). A value
//! that differs is written as before and replaces the kept one.
//!
//! The values are compared text by text in line ([`same`]), not with `==`: for the short texts
//! of a request (names, groups, resources, addresses) `==` calls libc's `memcmp`, which natively
//! costs about three times an inline loop a call, and a record compares some fifteen texts.

use std::cell::RefCell;
use std::thread::LocalKey;

use kubeward_core::UserInfo;

use crate::encode;
use crate::event::ObjectReference;
use crate::source_ips::SourceIps;

/// Values whose JSON is longer than this are not kept (a user with many groups, a long agent).
const MAX_KEPT: usize = 4096;

/// Texts longer than this are compared by `memcmp` (`==`), which pays for its call there.
const SHORT: usize = 32;

/// A value and its JSON.
struct Kept<K> {
    key: K,
    /// Empty when nothing is kept yet.
    json: String,
}

/// The client's values: the source IPs and the `User-Agent` as received.
#[derive(Default)]
struct Client {
    source_ips: SourceIps,
    user_agent: String,
}

thread_local! {
    static USER: RefCell<Kept<UserInfo>> = RefCell::new(Kept { key: UserInfo::default(), json: String::new() });
    static CLIENT: RefCell<Kept<Client>> = RefCell::new(Kept { key: Client::default(), json: String::new() });
    static OBJECT_REF: RefCell<Kept<ObjectReference>> = RefCell::new(Kept { key: ObjectReference::default(), json: String::new() });
}

/// Appends what `write` writes into `out`: the kept JSON when `same` holds for the kept value,
/// else written anew (and kept, with the value `store` puts in).
fn copy_or_write<K: 'static>(
    kept: &'static LocalKey<RefCell<Kept<K>>>,
    out: &mut String,
    same: impl FnOnce(&K) -> bool,
    store: impl FnOnce(&mut K),
    write: impl Fn(&mut String),
) {
    let copied = kept
        .try_with(|kept| {
            let Ok(mut kept) = kept.try_borrow_mut() else {
                return false;
            };
            let kept = &mut *kept;
            if kept.json.is_empty() || !same(&kept.key) {
                let start = out.len();
                write(out);
                let json = &out[start..];
                if json.len() <= MAX_KEPT {
                    kept.json.clear();
                    kept.json.push_str(json);
                    store(&mut kept.key);
                } else {
                    kept.json.clear();
                }
                return true;
            }
            out.push_str(&kept.json);
            true
        })
        .unwrap_or(false);
    if !copied {
        write(out);
    }
}

/// `user` as [`encode::write_user`] writes it.
pub(super) fn write_user(out: &mut String, user: &UserInfo) {
    copy_or_write(
        &USER,
        out,
        |kept| same_user(kept, user),
        |kept| kept.clone_from(user),
        |out| encode::write_user(out, user),
    );
}

/// The client's part as [`encode::write_client`] writes it, of `user_agent` as received and
/// `truncated`, what the event records of it.
pub(super) fn write_client(
    out: &mut String,
    source_ips: &SourceIps,
    user_agent: &str,
    truncated: &str,
) {
    if user_agent.len() > MAX_KEPT {
        encode::write_client_addresses(out, source_ips.as_slice(), truncated);
        return;
    }
    copy_or_write(
        &CLIENT,
        out,
        |kept| kept.source_ips == *source_ips && same(&kept.user_agent, user_agent),
        |kept| {
            kept.source_ips.clone_from(source_ips);
            kept.user_agent.clear();
            kept.user_agent.push_str(user_agent);
        },
        |out| encode::write_client_addresses(out, source_ips.as_slice(), truncated),
    );
}

/// `reference` as [`encode::write_object_ref`] writes it.
pub(super) fn write_object_ref(out: &mut String, reference: &ObjectReference) {
    copy_or_write(
        &OBJECT_REF,
        out,
        |kept| same_reference(kept, reference),
        |kept| kept.clone_from(reference),
        |out| encode::write_object_ref(out, reference),
    );
}

/// Whether `a` and `b` are the same text: short ones compared byte by byte in line.
#[inline]
fn same(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > SHORT {
        return a == b;
    }
    a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Whether `a` and `b` hold the same texts in the same order.
fn same_texts(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
}

/// `a == b`, by [`same`].
fn same_user(a: &UserInfo, b: &UserInfo) -> bool {
    // Taken apart, so that a field added to the user cannot be forgotten here.
    let UserInfo {
        name,
        uid,
        groups,
        extra,
    } = a;
    same(name, &b.name)
        && same(uid, &b.uid)
        && same_texts(groups, &b.groups)
        && extra.len() == b.extra.len()
        && extra
            .iter()
            .zip(&b.extra)
            .all(|((key, values), (other_key, other_values))| {
                same(key, other_key) && same_texts(values, other_values)
            })
}

/// `a == b`, by [`same`].
fn same_reference(a: &ObjectReference, b: &ObjectReference) -> bool {
    let ObjectReference {
        resource,
        namespace,
        name,
        uid,
        api_group,
        api_version,
        resource_version,
        subresource,
    } = a;
    same(resource, &b.resource)
        && same(namespace, &b.namespace)
        && same(name, &b.name)
        && same(uid, &b.uid)
        && same(api_group, &b.api_group)
        && same(api_version, &b.api_version)
        && same(resource_version, &b.resource_version)
        && same(subresource, &b.subresource)
}

#[cfg(test)]
mod tests;
