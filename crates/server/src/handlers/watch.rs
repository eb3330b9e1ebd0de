//! `?watch=true`: a stream of `{"type":…,"object":…}` lines, as kube-apiserver's watch
//! (JSON framing), from a resourceVersion or from "now" (with the current objects first as
//! `ADDED`), with optional bookmarks, until `timeoutSeconds` or the client leaves.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http_body_util::{BodyExt as _, StreamBody};
use hyper::body::Frame;
use kubeward_core::status::{self, Status};
use kubeward_store::{EventType, StoreError, StoreExt as _};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::context::Context;
use crate::codec::respond::{self, Body};
use crate::registry::generic::store_status;
use crate::registry::kinds::Kind;
use crate::registry::printing;

/// kube-apiserver's default upper bound of a watch (`--min-request-timeout` 1800 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// How often a bookmark is sent when the client allows them.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(60);

/// Starts a watch.
pub fn serve(context: &Context<'_>, kind: &'static Kind) -> Result<Response<Body>, Status> {
    let selectors = super::rest::selectors(context, kind)?;
    let bookmarks = context.query("allowWatchBookmarks").as_deref() == Some("true");
    let timeout = context
        .query("timeoutSeconds")
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs)
        .min(DEFAULT_TIMEOUT);
    let as_table = printing::wants_table(context.accept());
    let scope = kind.scope(&context.info.namespace);
    let requested = context.query("resourceVersion").unwrap_or_default();
    let store = &context.state.store;
    let (initial, since) = if requested.is_empty() || requested == "0" {
        let listing = store
            .list_all(&scope)
            .map_err(|e| store_status(e, kind, ""))?;
        (listing.items, listing.revision)
    } else {
        let since = requested
            .parse::<u64>()
            .map_err(|_| status::bad_request(&format!("invalid resource version: {requested}")))?;
        (Vec::new(), since)
    };
    let mut watch = store.watch(&scope, since).map_err(|error| match error {
        StoreError::Gone { requested, oldest } => {
            status::expired(&format!("too old resource version: {requested} ({oldest})"))
        }
        other => store_status(other, kind, ""),
    })?;

    let (sender, receiver) = mpsc::channel::<Result<Frame<Bytes>, Infallible>>(64);
    let state = context.state_handle();
    // An object that cannot be converted to the watched version (a failing conversion
    // webhook) ends the watch, as kube-apiserver's watch encoder does.
    let encode = move |event_type: &str, object: &Value| -> Option<Frame<Bytes>> {
        let mut object = object.clone();
        if event_type != "BOOKMARK" {
            crate::registry::generic::in_version(&state, kind, &mut object).ok()?;
        }
        let object = if as_table && event_type != "BOOKMARK" {
            let revision = crate::registry::objects::resource_version(&object).to_string();
            kind.table(
                std::slice::from_ref(&object),
                &revision,
                crate::clock::now(),
            )
        } else {
            object
        };
        let mut line = json!({"type": event_type, "object": object}).to_string();
        line.push('\n');
        Some(Frame::data(Bytes::from(line)))
    };
    let metrics = context.state.metrics.clone();
    let sent = move || metrics.watch_event(kind.group, kind.version, kind.resource);
    tokio::spawn(async move {
        for object in initial.iter().filter(|o| selectors.matches(o)) {
            let Some(frame) = encode("ADDED", object) else {
                return;
            };
            if sender.send(Ok(frame)).await.is_err() {
                return;
            }
            sent();
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(BOOKMARK_INTERVAL);
        ticker.tick().await;
        let mut last_revision = since;
        loop {
            tokio::select! {
                event = watch.next() => {
                    let Some(event) = event else { break };
                    last_revision = event.revision;
                    if !selectors.matches(&event.object) {
                        continue;
                    }
                    let kind = match event.kind {
                        EventType::Added => "ADDED",
                        EventType::Modified => "MODIFIED",
                        EventType::Deleted => "DELETED",
                    };
                    let Some(frame) = encode(kind, &event.object) else {
                        break;
                    };
                    if sender.send(Ok(frame)).await.is_err() {
                        break;
                    }
                    sent();
                }
                _ = ticker.tick(), if bookmarks => {
                    let bookmark = json!({
                        "kind": kind.kind,
                        "apiVersion": kind.api_version(),
                        "metadata": {"resourceVersion": last_revision.to_string()},
                    });
                    let Some(frame) = encode("BOOKMARK", &bookmark) else {
                        break;
                    };
                    if sender.send(Ok(frame)).await.is_err() {
                        break;
                    }
                }
                () = &mut deadline => break,
                () = sender.closed() => break,
            }
        }
    });
    let body = StreamBody::new(ReceiverStream::new(receiver)).boxed();
    Ok(respond::with(200, "application/json", body))
}
