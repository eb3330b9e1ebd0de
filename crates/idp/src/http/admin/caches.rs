//! `POST /admin/realms/{realm}/clear-realm-cache`, `clear-user-cache`, `clear-keys-cache`:
//! Keycloak empties its caches and answers 204. kubeward's caches are written through (a
//! change is stored before it is visible, and followed from the store among replicas), so
//! there is nothing stale to drop: the realm is checked and the answer is Keycloak's.

use super::access::ReadRealm;
use super::answer::{Answer, no_content};

/// `POST …/clear-realm-cache`, `…/clear-user-cache`, `…/clear-keys-cache`.
pub(super) async fn clear(ReadRealm(_): ReadRealm) -> Answer {
    no_content()
}
