//! Go's formatting of times and lists.

use super::*;

#[test]
fn go_time_formats_like_time_time() {
    assert_eq!(go_time(UNIX_EPOCH), "1970-01-01 00:00:00 +0000 UTC");
    assert_eq!(
        go_time(UNIX_EPOCH + Duration::from_millis(1_893_456_000_500)),
        "2030-01-01 00:00:00.5 +0000 UTC"
    );
    assert_eq!(
        go_time(UNIX_EPOCH - Duration::from_secs(62_135_596_800)),
        "0001-01-01 00:00:00 +0000 UTC"
    );
    assert_eq!(
        go_time(UNIX_EPOCH + Duration::from_secs(951_782_400)),
        "2000-02-29 00:00:00 +0000 UTC"
    );
}

#[test]
fn go_list_quotes_like_percent_q() {
    assert_eq!(go_list(&["a".into(), "b\"c".into()]), "[\"a\" \"b\\\"c\"]");
    assert_eq!(go_list(&[]), "[]");
}
