//! `/admin/realms/{realm}/events` (login events), `…/admin-events`, `…/events/config`, and the
//! middleware that records admin events: every successful change (POST, PUT, DELETE) under a
//! realm, with who made it (the admin token's user and client), Keycloak's operation and
//! resource types, the resource path (of the created resource for a 201) and, with details on,
//! the body.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};

use super::super::{Ctx, blocking, clock};
use super::access::{EditRealm, ReadRealm};
use super::answer::{Answer, Page, no_content, ok_json, strict};
use crate::events::{self, AdminEvent};
use crate::http::respond;
use crate::provider::new_id;
use crate::representation::{self, RealmRepresentation};

/// `GET …/events[?type=&client=&user=&first=&max=]`, newest first.
pub(super) async fn list(at: EditRealm, RawQuery(raw): RawQuery) -> Answer {
    at.realm()?;
    let q = respond::query(raw.as_deref());
    let list = at.ctx.provider.directory().modify_events(&at.name, |log| {
        let found: Vec<events::Event> = Page::of(&q, Some(100))
            .apply(events::query(log, &q).into_iter())
            .cloned()
            .collect();
        (found, false)
    });
    ok_json(&list)
}

/// `GET …/admin-events[?operationTypes=&resourceTypes=&resourcePath=&first=&max=]`.
pub(super) async fn list_admin(at: EditRealm, RawQuery(raw): RawQuery) -> Answer {
    at.realm()?;
    let q = respond::query(raw.as_deref());
    let list = at.ctx.provider.directory().modify_events(&at.name, |log| {
        let found: Vec<AdminEvent> = Page::of(&q, Some(100))
            .apply(events::query_admin(log, &q).into_iter())
            .cloned()
            .collect();
        (found, false)
    });
    ok_json(&list)
}

/// `DELETE …/events`.
pub(super) async fn clear(at: EditRealm) -> Answer {
    at.realm()?;
    at.ctx.provider.directory().modify_events(&at.name, |log| {
        log.login.clear();
        ((), true)
    });
    no_content()
}

/// `DELETE …/admin-events`.
pub(super) async fn clear_admin(at: EditRealm) -> Answer {
    at.realm()?;
    at.ctx.provider.directory().modify_events(&at.name, |log| {
        log.admin.clear();
        ((), true)
    });
    no_content()
}

/// `GET …/events/config` (Keycloak's `RealmEventsConfigRepresentation`).
pub(super) async fn config(ReadRealm(r): ReadRealm) -> Answer {
    let e = &r.events;
    ok_json(&json!({
        "eventsEnabled": e.events_enabled,
        "eventsExpiration": e.events_expiration,
        "eventsListeners": e.events_listeners,
        "enabledEventTypes": e.enabled_event_types,
        "adminEventsEnabled": e.admin_events_enabled,
        "adminEventsDetailsEnabled": e.admin_events_details_enabled,
    }))
}

/// `PUT …/events/config`.
pub(super) async fn set_config(at: EditRealm, bytes: Bytes) -> Answer {
    // The fields are those of the realm representation.
    let rep: RealmRepresentation = strict(&bytes)?;
    at.change(move |r| {
        representation::apply_events(&mut r.events, &rep);
        Ok(())
    })
    .await?;
    no_content()
}

/// Keycloak's operation type of an admin request.
fn operation(method: &Method, path: &str) -> &'static str {
    let action = [
        "logout",
        "reset-password",
        "client-secret",
        "sync",
        "execute-actions-email",
    ]
    .iter()
    .any(|a| path.ends_with(a));
    match *method {
        _ if action => "ACTION",
        Method::POST => "CREATE",
        Method::PUT => "UPDATE",
        _ => "DELETE",
    }
}

/// The realm and the path under it of an admin URL path (`/admin/realms/<realm>/<rest>`).
fn realm_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.split("/admin/realms/").nth(1)?;
    match rest.split_once('/') {
        Some((realm, rest)) => Some((realm, rest)),
        None => Some((rest, "")),
    }
}

/// Records the admin event of a successful change.
pub(super) async fn record(State(ctx): State<Arc<Ctx>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if !matches!(method, Method::POST | Method::PUT | Method::DELETE) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let Some((realm, _)) = realm_path(&path) else {
        return next.run(request).await;
    };
    let realm = realm.to_string();
    let recording = ctx
        .provider
        .directory()
        .realm(&realm)
        .is_some_and(|r| r.events.admin_events_enabled)
        || ctx.provider.has_listeners();
    if !recording {
        return next.run(request).await;
    }
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(kubeward_jose::jws::unverified_payload)
        .unwrap_or_default();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024 * 1024).await else {
        return Response::builder()
            .status(413)
            .body(Body::empty())
            .unwrap_or_default();
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    if !response.status().is_success() {
        return response;
    }
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| realm_path(l).map(|(_, p)| p.to_string()));
    let resource_path = location.unwrap_or_else(|| {
        realm_path(&path)
            .map(|(_, p)| p.to_string())
            .unwrap_or_default()
    });
    let text = |k: &str| {
        bearer
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let issuer = text("iss");
    let mut auth = BTreeMap::new();
    let admin_realm = issuer.rsplit('/').next().unwrap_or("").to_string();
    if let Some(r) = ctx.provider.directory().realm(&admin_realm) {
        auth.insert("realmId".to_string(), r.id.clone());
    }
    auth.insert("clientId".to_string(), text("azp"));
    auth.insert("userId".to_string(), text("sub"));
    let username = text("preferred_username");
    let provider = ctx.provider.clone();
    let event = move |realm_id: String| AdminEvent {
        id: new_id(),
        time: clock::now() * 1000,
        realm_id,
        auth_details: auth,
        operation_type: operation(&method, &resource_path).to_string(),
        resource_type: events::resource_type(&resource_path).to_string(),
        resource_path,
        representation: events::representation(&bytes),
    };
    blocking(move || {
        if let Some(r) = provider.directory().realm(&realm) {
            provider.log_admin_event(&r, event(r.id.clone()), &username);
        }
    })
    .await;
    response
}
