//! The reason of an allowed request, in Kubernetes' words: `RBAC: allowed by RoleBinding
//! "name/namespace" of Role "role" to User "who"` (`RBACAuthorizer.Authorize`'s
//! `authorizingVisitor`). One binding allows a requester's requests again and again, so each
//! thread keeps the last few reasons it built with their binding and subject, and copies one when
//! the next allowed request names the same ones (the binding held, so it is the same binding).
//! A few, not one: an audited SelfSubjectAccessReview asks twice — for the request (allowed by
//! `system:basic-user`) and for the attributes it reviews — and a single kept reason would
//! alternate between the two bindings and never be copied.

use std::cell::RefCell;
use std::sync::Arc;

use kubeward_core::{UserInfo, go};

use super::index::effective_sa_namespace;
use crate::model::{Binding, RoleRefKind, Subject};

/// Reasons longer than this are not kept.
const MAX_KEPT: usize = 1024;

/// How many reasons a thread keeps.
const SLOTS: usize = 4;

/// A reason, its binding and the position of the subject it names.
struct Kept {
    binding: Arc<Binding>,
    subject: Option<usize>,
    reason: String,
}

/// A thread's kept reasons; a new one takes the place of the oldest.
struct Memory {
    slots: [Option<Kept>; SLOTS],
    oldest: usize,
}

impl Memory {
    /// The kept reason of `binding` naming the subject at `subject`.
    fn find(&self, binding: &Arc<Binding>, subject: Option<usize>) -> Option<&str> {
        self.slots.iter().flatten().find_map(|kept| {
            (Arc::ptr_eq(&kept.binding, binding) && kept.subject == subject)
                .then_some(kept.reason.as_str())
        })
    }

    /// Keeps `kept` in place of the oldest reason.
    fn keep(&mut self, kept: Kept) {
        self.slots[self.oldest] = Some(kept);
        self.oldest = (self.oldest + 1) % SLOTS;
    }
}

thread_local! {
    static KEPT: RefCell<Memory> = const {
        RefCell::new(Memory { slots: [const { None }; SLOTS], oldest: 0 })
    };
}

/// Why `binding` allows `user`'s request.
pub(super) fn allow_reason(binding: &Arc<Binding>, user: &UserInfo) -> String {
    let subject = first_applying_subject(binding, user);
    let copied = KEPT
        .try_with(|kept| {
            let kept = kept.try_borrow().ok()?;
            kept.find(binding, subject).map(str::to_owned)
        })
        .ok()
        .flatten();
    if let Some(reason) = copied {
        return reason;
    }
    let reason = build(binding, subject.map(|at| &binding.subjects[at]));
    if reason.len() <= MAX_KEPT {
        let _ = KEPT.try_with(|kept| {
            if let Ok(mut kept) = kept.try_borrow_mut() {
                kept.keep(Kept {
                    binding: binding.clone(),
                    subject,
                    reason: reason.clone(),
                });
            }
        });
    }
    reason
}

/// The reason naming `binding` and `subject`.
fn build(binding: &Binding, subject: Option<&Subject>) -> String {
    let mut reason = String::with_capacity(128);
    reason.push_str("RBAC: allowed by ");
    match &binding.namespace {
        None => {
            reason.push_str("ClusterRoleBinding ");
            go::quote_into(&mut reason, &binding.name);
        }
        Some(namespace) => {
            reason.push_str("RoleBinding ");
            go::quote_into(&mut reason, &format!("{}/{}", binding.name, namespace));
        }
    }
    reason.push_str(" of ");
    reason.push_str(kind_name(binding.role_ref.kind));
    reason.push(' ');
    go::quote_into(&mut reason, &binding.role_ref.name);
    reason.push_str(" to ");
    if let Some(subject) = subject {
        describe_subject_into(&mut reason, subject, binding.namespace.as_deref());
    }
    reason
}

/// The position of the first subject of `binding` that applies to `user` (Kubernetes'
/// `appliesTo`), the request being in the binding's namespace for a RoleBinding.
fn first_applying_subject(binding: &Binding, user: &UserInfo) -> Option<usize> {
    binding.subjects.iter().position(|subject| match subject {
        Subject::User(name) => *name == user.name,
        Subject::Group(name) => user.groups.iter().any(|g| g == name),
        Subject::ServiceAccount { namespace, name } => {
            effective_sa_namespace(namespace, binding.namespace.as_deref())
                .is_some_and(|ns| matches_sa_username(ns, name, &user.name))
        }
    })
}

/// `serviceaccount.MatchesUsername`.
fn matches_sa_username(namespace: &str, name: &str, username: &str) -> bool {
    username
        .strip_prefix(kubeward_core::user::SERVICE_ACCOUNT_USER_PREFIX)
        .and_then(|rest| rest.strip_prefix(namespace))
        .and_then(|rest| rest.strip_prefix(':'))
        == Some(name)
}

fn kind_name(kind: RoleRefKind) -> &'static str {
    match kind {
        RoleRefKind::Role => "Role",
        RoleRefKind::ClusterRole => "ClusterRole",
    }
}

/// `describeSubject`: `User "x"`, `Group "x"`, `ServiceAccount "name/namespace"`.
fn describe_subject_into(out: &mut String, subject: &Subject, binding_namespace: Option<&str>) {
    match subject {
        Subject::User(name) => {
            out.push_str("User ");
            go::quote_into(out, name);
        }
        Subject::Group(name) => {
            out.push_str("Group ");
            go::quote_into(out, name);
        }
        Subject::ServiceAccount { namespace, name } => {
            let namespace = if namespace.is_empty() {
                binding_namespace.unwrap_or_default()
            } else {
                namespace
            };
            out.push_str("ServiceAccount ");
            go::quote_into(out, &format!("{name}/{namespace}"));
        }
    }
}

#[cfg(test)]
mod tests;
