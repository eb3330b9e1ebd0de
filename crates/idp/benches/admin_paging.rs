//! The admin API's list calls on a large realm (10,000 users, 1,000 groups, each user in three
//! groups), through the whole router minus the socket: token check, paging, search, JSON.
//! Issue 22's target: a page in under 10 ms.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_idp::bootstrap;
use kubeward_idp::defaults;
use kubeward_idp::directory::Directory;
use kubeward_idp::model::{Group, User};
use kubeward_idp::provider::request::TokenRequest;
use kubeward_idp::provider::{Provider, RandomMinter};
use kubeward_store::{RedbStore, Store};
use tower::ServiceExt as _;

const USERS: usize = 10_000;
const GROUPS: usize = 1_000;

fn setup() -> (tempfile::TempDir, axum::Router, String) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(RedbStore::open(&dir.path().join("store.redb")).unwrap());
    let directory = Directory::open(store).unwrap();
    bootstrap::ensure_master(
        &directory,
        Some(("admin".into(), "bench-pw".into())),
        &mut RandomMinter,
        0,
    )
    .unwrap();
    directory
        .update_realm("master", |r| {
            r.settings.access_token_lifespan = 3600;
            Ok(())
        })
        .unwrap();
    let mut realm = defaults::new_realm("bench".into(), "bench".into(), &mut RandomMinter);
    for g in 0..GROUPS {
        realm
            .add_group(Group::new(format!("g{g}"), &format!("group{g:04}"), None))
            .unwrap();
    }
    for u in 0..USERS {
        let mut user = User::new(format!("u{u}"), &format!("user{u:05}"));
        user.email = Some(format!("user{u:05}@example.com"));
        user.groups = (0..3)
            .map(|k| format!("g{}", (u + k * 7) % GROUPS))
            .collect();
        realm.give_default_role(&mut user);
        realm.users.push(user);
    }
    directory.create_realm(realm).unwrap();
    let provider = Arc::new(Provider::new(directory));
    let token = provider
        .token(
            "master",
            "https://127.0.0.1/realms/master",
            &TokenRequest {
                form: [
                    ("grant_type", "password"),
                    ("client_id", "admin-cli"),
                    ("username", "admin"),
                    ("password", "bench-pw"),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
                authorization: None,
            },
            kubeward_idp::http::clock::now(),
        )
        .unwrap();
    let router = kubeward_idp::http::router(provider, "https://127.0.0.1");
    (dir, router, format!("Bearer {}", token.access_token))
}

fn get(rt: &tokio::runtime::Runtime, router: &axum::Router, bearer: &str, uri: &str) -> usize {
    rt.block_on(async {
        let request = Request::get(uri)
            .header("Authorization", bearer)
            .body(Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert!(
            response.status().is_success(),
            "{uri}: {}",
            response.status()
        );
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .len()
    })
}

fn paging(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_dir, router, bearer) = setup();
    let base = "/admin/realms/bench";
    for (name, uri) in [
        (
            "users, first page of 100",
            format!("{base}/users?first=0&max=100"),
        ),
        (
            "users, page of 100 at 9,900",
            format!("{base}/users?first=9900&max=100"),
        ),
        (
            "users, brief, page at 5,000",
            format!("{base}/users?first=5000&max=100&briefRepresentation=true"),
        ),
        (
            "users, search",
            format!("{base}/users?search=user12&max=100"),
        ),
        ("users/count", format!("{base}/users/count")),
        (
            "groups, page of 100 at 900",
            format!("{base}/groups?first=900&max=100"),
        ),
        ("groups/count", format!("{base}/groups/count")),
        (
            "group members, page of 100",
            format!("{base}/groups/g7/members?max=100"),
        ),
        ("user's groups", format!("{base}/users/u42/groups")),
    ] {
        c.bench_function(&format!("admin/{name} (10,000 users, 1,000 groups)"), |b| {
            b.iter(|| get(&rt, &router, &bearer, &uri))
        });
    }
}

criterion_group!(benches, paging);
criterion_main!(benches);
