//! IANA time zones as Go's `time.LoadLocation` finds them for kube's CronJobs: `""` and `UTC`
//! are UTC, `Local` the machine's zone, any other name the system's zoneinfo or, without one,
//! the copy bundled into the binary (kube-controller-manager embeds Go's `time/tzdata`).

use jiff::tz::TimeZone;
use time::{OffsetDateTime, UtcOffset};

/// The zone named `name`, or Go's `unknown time zone NAME`.
pub fn load(name: &str) -> Result<TimeZone, String> {
    match name {
        "" | "UTC" => Ok(TimeZone::UTC),
        "Local" => Ok(TimeZone::system()),
        // The database's names are files to Go: their case counts (jiff's lookup ignores it).
        _ => TimeZone::get(name)
            .ok()
            .filter(|zone| zone.iana_name() == Some(name))
            .ok_or_else(|| format!("unknown time zone {name}")),
    }
}

/// The instant `at` with the offset `zone` has then (its wall-clock fields are the zone's).
pub fn in_zone(zone: &TimeZone, at: OffsetDateTime) -> OffsetDateTime {
    let seconds = jiff::Timestamp::from_second(at.unix_timestamp())
        .map(|instant| zone.to_offset(instant).seconds())
        .unwrap_or(0);
    UtcOffset::from_whole_seconds(seconds).map_or(at, |offset| at.to_offset(offset))
}

#[cfg(test)]
mod tests;
