use time::macros::datetime;

use jiff::tz::TimeZone;

use super::*;

#[test]
fn fields_steps_ranges_lists_and_names() {
    let every_five = Schedule::parse("*/5 * * * *").unwrap();
    assert!(every_five.matches(datetime!(2026-12-05 10:35 UTC)));
    assert!(!every_five.matches(datetime!(2026-12-05 10:36 UTC)));
    let office = Schedule::parse("0 9-17/4 * JAN-mar mon-FRI").unwrap();
    assert!(office.matches(datetime!(2027-01-04 13:00 UTC)), "a Monday");
    assert!(!office.matches(datetime!(2027-01-04 11:00 UTC)));
    assert!(
        !office.matches(datetime!(2027-01-02 13:00 UTC)),
        "a Saturday"
    );
    assert!(!office.matches(datetime!(2027-04-05 13:00 UTC)), "April");
    let list = Schedule::parse("15,45 0 * * *").unwrap();
    assert!(list.matches(datetime!(2026-12-05 00:45 UTC)));
    assert_eq!(
        Schedule::parse("@daily").unwrap(),
        Schedule::parse("0 0 * * *").unwrap()
    );
}

#[test]
fn restricted_days_match_either_way_as_robfig_does() {
    // Both restricted: the 1st of the month OR a Monday.
    let either = Schedule::parse("0 0 1 * 1").unwrap();
    assert!(
        either.matches(datetime!(2026-12-01 00:00 UTC)),
        "a Tuesday, the 1st"
    );
    assert!(either.matches(datetime!(2026-12-07 00:00 UTC)), "a Monday");
    assert!(!either.matches(datetime!(2026-12-08 00:00 UTC)));
    // One is a star: both must match.
    let both = Schedule::parse("0 0 * * 1").unwrap();
    assert!(!both.matches(datetime!(2026-12-01 00:00 UTC)));
    assert!(both.matches(datetime!(2026-12-07 00:00 UTC)));
}

#[test]
fn bad_schedules_are_refused_in_robfig_s_words() {
    assert_eq!(
        Schedule::parse("bad").unwrap_err(),
        "expected exactly 5 fields, found 1: [bad]"
    );
    assert_eq!(
        Schedule::parse("61 * * * *").unwrap_err(),
        "end of range (61) above maximum (59): 61"
    );
    assert_eq!(
        Schedule::parse("* * 0 * *").unwrap_err(),
        "beginning of range (0) below minimum (1): 0"
    );
    assert_eq!(
        Schedule::parse("*/0 * * * *").unwrap_err(),
        "step of range should be a positive number: */0"
    );
}

#[test]
fn the_latest_scheduled_minute_after_the_last_run() {
    let hourly = Schedule::parse("@hourly").unwrap();
    let now = datetime!(2026-12-05 10:35:12 UTC);
    assert_eq!(
        hourly.latest_between(datetime!(2026-12-05 08:30 UTC), now, &TimeZone::UTC),
        Some(datetime!(2026-12-05 10:00 UTC))
    );
    assert_eq!(
        hourly.latest_between(datetime!(2026-12-05 10:00 UTC), now, &TimeZone::UTC),
        None,
        "10:00 already ran"
    );
}

#[test]
fn a_schedule_runs_on_its_time_zone_s_wall_clock() {
    let nine_am = Schedule::parse("0 9 * * *").unwrap();
    let seoul = crate::time_zone::load("Asia/Seoul").unwrap();
    let now = datetime!(2026-12-05 10:35 UTC);
    assert_eq!(
        nine_am.latest_between(datetime!(2026-12-04 00:00 UTC), now, &seoul),
        Some(datetime!(2026-12-05 00:00 UTC)),
        "09:00 in Seoul is 00:00 UTC"
    );
    assert_eq!(
        nine_am.latest_between(datetime!(2026-12-04 00:00 UTC), now, &TimeZone::UTC),
        Some(datetime!(2026-12-05 09:00 UTC))
    );
    let new_york = crate::time_zone::load("America/New_York").unwrap();
    assert_eq!(
        nine_am.latest_between(
            datetime!(2026-07-01 00:00 UTC),
            datetime!(2026-07-01 23:00 UTC),
            &new_york
        ),
        Some(datetime!(2026-07-01 13:00 UTC)),
        "summer time: UTC-4"
    );
}

#[test]
fn a_tz_prefix_names_the_zone() {
    let prefixed = Schedule::parse("CRON_TZ=Asia/Seoul 0 9 * * *").unwrap();
    assert_eq!(prefixed.zone(), Some("Asia/Seoul"));
    assert_eq!(
        prefixed,
        Schedule::parse("TZ=Asia/Seoul 0 9 * * *").unwrap()
    );
    assert_eq!(Schedule::parse("0 9 * * *").unwrap().zone(), None);
}
