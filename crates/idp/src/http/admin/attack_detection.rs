//! `/admin/realms/{realm}/attack-detection/brute-force/users[/{id}]`: a user's brute-force status
//! (`numFailures`, `disabled`, `lastFailure`, …), and clearing it for one user or all.

use axum::extract::Path;

use super::super::clock;
use super::access::EditRealm;
use super::answer::{Answer, no_content, ok_json};

/// `GET …/attack-detection/brute-force/users/{id}`.
pub(super) async fn status(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let r = at.realm()?;
    let status = at.ctx.provider.failure_status(&r, &id, clock::now());
    ok_json(&status)
}

/// `DELETE …/attack-detection/brute-force/users/{id}`.
pub(super) async fn clear(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    at.ctx.provider.clear_failures(&*at.realm()?, Some(&id));
    no_content()
}

/// `DELETE …/attack-detection/brute-force/users`.
pub(super) async fn clear_all(at: EditRealm) -> Answer {
    at.ctx.provider.clear_failures(&*at.realm()?, None);
    no_content()
}
