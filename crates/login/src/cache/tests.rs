//! Unit tests of the token cache on a temporary directory.

use std::os::unix::fs::PermissionsExt as _;
use std::sync::{Arc, Barrier};

use super::*;

fn key() -> CacheKey {
    CacheKey {
        issuer: "https://idp.example".into(),
        client_id: "kubernetes".into(),
        ..CacheKey::default()
    }
}

#[test]
fn the_key_separates_issuer_client_secret_and_scopes() {
    let base = key();
    let names = [
        base.file_name(),
        CacheKey {
            issuer: "https://other".into(),
            ..key()
        }
        .file_name(),
        CacheKey {
            client_id: "other".into(),
            ..key()
        }
        .file_name(),
        CacheKey {
            client_secret: "s".into(),
            ..key()
        }
        .file_name(),
        CacheKey {
            extra_scopes: vec!["email".into()],
            ..key()
        }
        .file_name(),
        CacheKey {
            username: "alice".into(),
            ..key()
        }
        .file_name(),
    ];
    for (i, a) in names.iter().enumerate() {
        assert_eq!(a.len(), 64);
        for b in &names[i + 1..] {
            assert_ne!(a, b);
        }
    }
    assert_eq!(base.file_name(), key().file_name());
}

#[test]
fn saves_0600_files_in_a_0700_directory_and_reads_them_back() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = TokenCache::new(tmp.path().join("a/oidc-login"));
    assert_eq!(cache.load(&key()).unwrap(), None);
    let tokens = TokenSet {
        id_token: "id".into(),
        refresh_token: Some("rt".into()),
    };
    cache.save(&key(), &tokens).unwrap();
    assert_eq!(cache.load(&key()).unwrap(), Some(tokens));
    let file_mode = fs::metadata(cache.path(&key()))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(file_mode & 0o777, 0o600);
    let dir_mode = fs::metadata(cache.dir()).unwrap().permissions().mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    assert_eq!(
        fs::read_to_string(cache.path(&key())).unwrap(),
        r#"{"id_token":"id","refresh_token":"rt"}"#
    );
    assert!(cache.remove(&key()).unwrap());
    assert!(!cache.remove(&key()).unwrap());
    assert_eq!(cache.load(&key()).unwrap(), None);
}

#[test]
fn a_corrupt_file_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = TokenCache::new(tmp.path());
    fs::write(cache.path(&key()), "{not json").unwrap();
    let error = cache.load(&key()).unwrap_err();
    assert!(matches!(error, CacheError::Corrupt { .. }));
    assert!(error.to_string().contains(&key().file_name()));
}

#[test]
fn the_lock_serializes_writers() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = Arc::new(TokenCache::new(tmp.path()));
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let cache = Arc::clone(&cache);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                for round in 0..20 {
                    let _lock = cache.lock(&key()).unwrap();
                    let seen = cache.load(&key()).unwrap();
                    let count = seen.map_or(0, |t| t.id_token.parse::<u32>().unwrap());
                    cache
                        .save(
                            &key(),
                            &TokenSet {
                                id_token: (count + 1).to_string(),
                                refresh_token: Some(format!("{i}-{round}")),
                            },
                        )
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(cache.load(&key()).unwrap().unwrap().id_token, "160");
}
