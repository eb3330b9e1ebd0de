//! `GET /realms/{realm}/kubeward/revocations`: the realm's revoked tokens as newline-delimited
//! JSON (`{"realm":…,"sub"|"sid":…,"notBefore":…,"reason":…}`), first those of the last day,
//! then each new one as it happens; an empty line every [`HEARTBEAT`] so that a follower
//! notices a dead connection. A follower that falls too far behind is cut off (it connects
//! again and reads the list anew). It holds subject and session ids only, never a token.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse as _, Response};
use futures_util::StreamExt as _;
use http::{StatusCode, header};
use tokio_stream::wrappers::BroadcastStream;

use super::{Ctx, respond};

/// How often an idle feed sends an empty line.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

fn line(entry: &kubeward_authn::revocation::Entry) -> Bytes {
    let mut text = serde_json::to_vec(entry).unwrap_or_default();
    text.push(b'\n');
    Bytes::from(text)
}

/// The realm's feed.
pub async fn follow(State(ctx): State<Arc<Ctx>>, Path(realm): Path<String>) -> Response {
    if ctx.provider.realm(&realm).is_err() {
        return respond::realm_not_found();
    }
    let (entries, receiver) = ctx.provider.directory().revocations().subscribe(&realm);
    let first = futures_util::stream::iter(entries.iter().map(line).collect::<Vec<_>>());
    let wanted = realm.clone();
    let next = BroadcastStream::new(receiver)
        .take_while(|item| std::future::ready(item.is_ok()))
        .filter_map(move |item| {
            std::future::ready(match item {
                Ok(entry) if entry.realm == wanted => Some(line(&entry)),
                _ => None,
            })
        });
    let heartbeat = futures_util::stream::unfold((), |()| async {
        tokio::time::sleep(HEARTBEAT).await;
        Some((Bytes::from_static(b"\n"), ()))
    });
    let live = futures_util::stream::select(
        next.map(Some).chain(futures_util::stream::iter([None])),
        heartbeat.map(Some),
    )
    .take_while(|item| std::future::ready(item.is_some()))
    .filter_map(std::future::ready);
    let body = first.chain(live).map(Ok::<_, std::convert::Infallible>);
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}
