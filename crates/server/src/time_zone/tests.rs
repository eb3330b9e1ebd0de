use time::macros::datetime;

use super::*;

#[test]
fn names_load_as_go_loads_them() {
    assert!(load("").is_ok());
    assert!(load("UTC").is_ok());
    assert!(load("Asia/Seoul").is_ok());
    assert!(load("America/New_York").is_ok());
    assert!(
        load("asia/seoul").is_err(),
        "names are case-sensitive, as files are"
    );
    assert_eq!(
        load("Mars/Olympus").err().as_deref(),
        Some("unknown time zone Mars/Olympus")
    );
}

#[test]
fn instants_take_the_zone_s_offset_of_their_day() {
    let seoul = load("Asia/Seoul").expect("Seoul");
    let at = in_zone(&seoul, datetime!(2026-12-05 00:30 UTC));
    assert_eq!((at.hour(), at.minute()), (9, 30));
    assert_eq!(at, datetime!(2026-12-05 00:30 UTC));
    let new_york = load("America/New_York").expect("New York");
    // Daylight saving time in July (UTC-4), standard time in December (UTC-5).
    assert_eq!(
        in_zone(&new_york, datetime!(2026-07-01 12:00 UTC)).hour(),
        8
    );
    assert_eq!(
        in_zone(&new_york, datetime!(2026-12-01 12:00 UTC)).hour(),
        7
    );
}
