use std::time::{Duration, UNIX_EPOCH};

use super::*;

fn micro(t: SystemTime) -> String {
    let mut out = String::new();
    push_micro(&mut out, t);
    out
}

fn nano(t: SystemTime) -> String {
    let mut out = String::new();
    push_rfc3339_nano(&mut out, t);
    out
}

#[test]
fn micro_time_has_six_digits_truncated_in_utc() {
    let t = UNIX_EPOCH + Duration::new(1_790_069_030, 185_427_999);
    assert_eq!(micro(t), "2026-09-22T09:23:50.185427Z");
    assert_eq!(micro(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
    // A leap day and the turn of a century.
    let t = UNIX_EPOCH + Duration::new(951_782_400, 7_000);
    assert_eq!(micro(t), "2000-02-29T00:00:00.000007Z");
}

#[test]
fn rfc3339_nano_drops_trailing_zeros() {
    let base = UNIX_EPOCH + Duration::from_secs(1_790_069_030);
    assert_eq!(nano(base), "2026-09-22T09:23:50Z");
    assert_eq!(
        nano(base + Duration::from_nanos(185_427_000)),
        "2026-09-22T09:23:50.185427Z"
    );
    assert_eq!(
        nano(base + Duration::from_nanos(5)),
        "2026-09-22T09:23:50.000000005Z"
    );
    assert_eq!(
        nano(base + Duration::from_millis(100)),
        "2026-09-22T09:23:50.1Z"
    );
}

#[test]
fn agrees_with_the_time_crate_over_four_centuries() {
    let mut secs: u64 = 0;
    while secs < 13_000_000_000 {
        let t = UNIX_EPOCH + Duration::new(secs, 123_456_789);
        let expected = time::OffsetDateTime::from(t)
            .format(&time::format_description::well_known::Rfc3339)
            .expect("formats");
        assert_eq!(nano(t), expected);
        assert_eq!(parse(&expected), Some(t));
        secs += 86_400 * 17 + 3_607;
    }
}

#[test]
fn parses_what_kubernetes_writes_and_offsets() {
    let t = UNIX_EPOCH + Duration::new(1_790_069_030, 185_427_000);
    assert_eq!(parse("2026-09-22T09:23:50.185427Z"), Some(t));
    assert_eq!(parse("2026-09-22T18:23:50.185427+09:00"), Some(t));
    assert_eq!(
        parse("2026-09-22T09:23:50Z"),
        Some(t - Duration::from_nanos(185_427_000))
    );
    for bad in [
        "",
        "2026-09-22",
        "2026-13-22T09:23:50Z",
        "2026-09-22T09:23:50",
        "2026-09-22T09:23:50.Z",
        "x026-09-22T09:23:50Z",
    ] {
        assert_eq!(parse(bad), None, "{bad}");
    }
}

#[test]
fn micro_time_near_a_known_one_is_the_same_text() {
    let known = UNIX_EPOCH + Duration::new(1_790_069_030, 185_427_999);
    let text = micro(known);
    let near = |t: SystemTime| {
        let mut out = String::new();
        push_micro_near(&mut out, t, (known, &text));
        out
    };
    for t in [
        known,
        known + Duration::from_nanos(1),
        known + Duration::from_micros(1),
        known + Duration::from_nanos(814_572_000),
        known + Duration::from_nanos(814_573_000),
        known + Duration::from_secs(1),
        known + Duration::from_secs(86_400 * 40),
        known - Duration::from_nanos(185_427_999),
        known - Duration::from_nanos(185_428_000),
        UNIX_EPOCH,
    ] {
        assert_eq!(near(t), micro(t), "{t:?}");
    }
    // A text that is not a MicroTime's is not trusted.
    let mut out = String::new();
    push_micro_near(&mut out, known, (known, "민준"));
    assert_eq!(out, text);
}

#[test]
fn a_second_written_before_is_copied_and_another_computed() {
    let base = UNIX_EPOCH + Duration::from_secs(1_790_069_030);
    // The same second again (its date and time copied), the next, then the first once more.
    assert_eq!(
        micro(base + Duration::from_micros(1)),
        "2026-09-22T09:23:50.000001Z"
    );
    assert_eq!(
        micro(base + Duration::from_micros(999_999)),
        "2026-09-22T09:23:50.999999Z"
    );
    assert_eq!(
        micro(base + Duration::from_secs(1)),
        "2026-09-22T09:23:51.000000Z"
    );
    assert_eq!(
        micro(base + Duration::from_secs(86_400)),
        "2026-09-23T09:23:50.000000Z"
    );
    assert_eq!(micro(base), "2026-09-22T09:23:50.000000Z");
    // Another thread keeps its own second.
    let other = std::thread::spawn(move || micro(base + Duration::from_secs(3600)))
        .join()
        .unwrap();
    assert_eq!(other, "2026-09-22T10:23:50.000000Z");
    assert_eq!(
        micro(base + Duration::from_micros(7)),
        "2026-09-22T09:23:50.000007Z"
    );
}
