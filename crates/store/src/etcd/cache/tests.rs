use std::time::Duration;

use serde_json::json;

use super::*;

fn key(namespace: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: String::new(),
        resource: "configmaps".to_string(),
        namespace: Some(namespace.to_string()),
        name: name.to_string(),
    }
}

fn scope(namespace: Option<&str>) -> ListScope {
    ListScope {
        group: String::new(),
        resource: "configmaps".to_string(),
        namespace: namespace.map(str::to_string),
    }
}

fn event(kind: EventType, namespace: &str, name: &str, revision: u64) -> (String, WatchEvent) {
    (
        format!("/registry/configmaps/{namespace}/{name}"),
        WatchEvent {
            kind,
            key: key(namespace, name),
            revision,
            object: json!({"metadata": {"name": name, "resourceVersion": revision.to_string()}}),
        },
    )
}

fn names(listing: &Listing) -> Vec<&str> {
    listing
        .items
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect()
}

fn filled() -> Cache {
    let cache = Cache::new(3, 16);
    cache.reset(Vec::new(), 10);
    for (revision, (namespace, name)) in [("a", "x"), ("a", "y"), ("b", "z"), ("a-b", "w")]
        .into_iter()
        .enumerate()
    {
        let (etcd_key, event) = event(EventType::Added, namespace, name, 11 + revision as u64);
        cache.apply(vec![(etcd_key, event)]);
    }
    cache
}

#[test]
fn lists_in_etcds_key_order_at_the_cache_revision() {
    let cache = filled();
    let all = cache
        .list(
            &scope(None),
            "/registry/configmaps/",
            None,
            None,
            &ListOptions::default(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        names(&all),
        ["w", "x", "y", "z"],
        "a-b/ sorts before a/ in etcd"
    );
    assert_eq!(all.revision, 14);
    let a = cache
        .list(
            &scope(Some("a")),
            "/registry/configmaps/a/",
            None,
            None,
            &ListOptions::default(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(names(&a), ["x", "y"]);
    assert!(
        cache
            .list(
                &scope(None),
                "/registry/configmaps/",
                None,
                Some(13),
                &ListOptions::default()
            )
            .is_none(),
        "not at revision 13 any more"
    );
}

#[test]
fn pages_continue_after_the_last_key() {
    let cache = filled();
    let options = ListOptions {
        limit: Some(2),
        ..ListOptions::default()
    };
    let first = cache
        .list(&scope(None), "/registry/configmaps/", None, None, &options)
        .unwrap()
        .unwrap();
    assert_eq!(names(&first), ["w", "x"]);
    assert_eq!(first.remaining, Some(2));
    let token = first.continue_from.unwrap();
    assert_eq!(token.start, "a/x\u{0}");
    let second = cache
        .list(
            &scope(None),
            "/registry/configmaps/",
            Some(&token.start),
            Some(14),
            &options,
        )
        .unwrap()
        .unwrap();
    assert_eq!(names(&second), ["y", "z"]);
    assert_eq!((second.continue_from, second.remaining), (None, None));
}

#[test]
fn deletes_remove_and_the_window_serves_recent_watches() {
    let cache = filled();
    let (etcd_key, deleted) = event(EventType::Deleted, "a", "x", 15);
    cache.apply(vec![(etcd_key, deleted)]);
    assert_eq!(cache.get("/registry/configmaps/a/x"), None);
    assert!(cache.get("/registry/configmaps/a/y").is_some());
    // The window holds revisions 13, 14, 15: a watch can resume from 12 on.
    assert!(cache.watch(None, 11).is_none());
    let watch = cache.watch(Some(&scope(Some("a"))), 12).unwrap();
    assert_eq!(watch.revision(), 14, "the backlog starts at 15");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let mut watch = watch;
    let first = runtime.block_on(watch.next()).unwrap();
    assert_eq!((first.kind, first.revision), (EventType::Deleted, 15));
}

#[test]
fn forgetting_compacted_events_shortens_the_window() {
    let cache = filled();
    assert!(cache.watch(None, 12).is_some());
    cache.forget_before(14);
    assert!(cache.watch(None, 12).is_none());
    assert!(cache.watch(None, 13).is_some());
}

#[test]
fn a_reset_ends_the_watches_of_the_previous_state() {
    let cache = filled();
    let mut watch = cache.watch(None, 0).unwrap();
    cache.reset(Vec::new(), 20);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(watch.next()), None);
    assert_eq!(cache.revision(), 20);
    assert!(
        cache.watch(None, 19).is_none(),
        "the window starts at the list"
    );
}

#[test]
fn waiting_for_a_revision_returns_when_it_is_applied() {
    let cache = std::sync::Arc::new(filled());
    assert!(cache.wait_for(14, Duration::ZERO));
    assert!(!cache.wait_for(15, Duration::from_millis(10)));
    let applier = {
        let cache = cache.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            cache.advance(15);
        })
    };
    assert!(cache.wait_for(15, Duration::from_secs(10)));
    applier.join().unwrap();
    assert_eq!(cache.revision(), 15);
}
