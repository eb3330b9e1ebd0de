use std::time::{Duration, Instant};

use super::{BearerToken, REREAD_AFTER};
use crate::config::Endpoint;

fn from_file(path: &std::path::Path) -> BearerToken {
    BearerToken::new(&Endpoint {
        bearer_token: Some("first".into()),
        bearer_token_file: Some(path.to_path_buf()),
        ..Endpoint::default()
    })
}

#[test]
fn a_fixed_token_stays() {
    let token = BearerToken::new(&Endpoint {
        bearer_token: Some("fixed".into()),
        ..Endpoint::default()
    });
    let later = Instant::now() + Duration::from_secs(3600);
    assert_eq!(token.current_at(later).as_deref(), Some("fixed"));
    assert_eq!(BearerToken::new(&Endpoint::default()).current(), None);
}

#[test]
fn a_token_file_is_read_again_after_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "first\n").unwrap();
    let token = from_file(&path);
    let now = Instant::now();
    std::fs::write(&path, "rotated\n").unwrap();
    assert_eq!(token.current_at(now).as_deref(), Some("first"));
    let later = now + REREAD_AFTER + Duration::from_secs(1);
    assert_eq!(token.current_at(later).as_deref(), Some("rotated"));
}

#[test]
fn an_unreadable_or_empty_file_keeps_the_last_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "  \n").unwrap();
    let token = from_file(&path);
    let later = Instant::now() + REREAD_AFTER * 2;
    assert_eq!(token.current_at(later).as_deref(), Some("first"));
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        token.current_at(later + REREAD_AFTER * 2).as_deref(),
        Some("first")
    );
}
