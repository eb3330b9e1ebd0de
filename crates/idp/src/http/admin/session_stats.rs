//! `GET /admin/realms/{realm}/client-session-stats`: per client with sessions, how many active
//! and offline user sessions it has, as Keycloak 26 counts them (`id`, `clientId`, `active`,
//! `offline`; the counts as strings), sorted by `clientId`.

use std::collections::BTreeMap;

use serde_json::json;

use super::super::{blocking, clock};
use super::access::EditRealm;
use super::answer::{Answer, ok_json};
use crate::provider::lifetimes::session_lifetimes;

/// `GET …/client-session-stats`.
pub(super) async fn get(at: EditRealm) -> Answer {
    let r = at.realm()?;
    let provider = at.ctx.provider.clone();
    let name = r.name.clone();
    let all = blocking(move || provider.directory().sessions(&name)).await?;
    let now = clock::now();
    // clientId → (active, offline)
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for s in all
        .iter()
        .filter(|s| s.active(session_lifetimes(&r, s), now))
    {
        let mut clients: Vec<&str> = s
            .families
            .values()
            .filter(|f| !f.revoked)
            .map(|f| f.client_id.as_str())
            .collect();
        clients.sort_unstable();
        clients.dedup();
        for client in clients {
            let entry = counts.entry(client.to_string()).or_default();
            if s.offline {
                entry.1 += 1;
            } else {
                entry.0 += 1;
            }
        }
    }
    let list: Vec<serde_json::Value> = counts
        .iter()
        .filter_map(|(client_id, (active, offline))| {
            let client = r.clients.iter().find(|c| &c.client_id == client_id)?;
            Some(json!({
                "id": client.id,
                "clientId": client.client_id,
                "active": active.to_string(),
                "offline": offline.to_string(),
            }))
        })
        .collect();
    ok_json(&list)
}
