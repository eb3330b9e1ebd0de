//! A CronJob's schedule as robfig/cron's `ParseStandard` reads it (what kube-controller-manager
//! uses): five fields — minute, hour, day of month, month, day of week — each `*`, `?`, a value,
//! a range `a-b`, a step `*/n`, `a-b/n` or `a/n`, or a list of those, with month and weekday
//! names; or a descriptor (`@hourly`, `@daily`/`@midnight`, `@weekly`, `@monthly`,
//! `@yearly`/`@annually`). The days match robfig's way: when either day field is a bare `*`,
//! both must match; otherwise either may. The fields are read on the wall clock of the
//! CronJob's time zone. Pure: no clock is read here.

use jiff::tz::TimeZone;
use time::{Duration, OffsetDateTime};

use crate::time_zone;

/// A parsed schedule: one bit a permitted value of each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    days_of_week: u64,
    /// Either day field is a bare `*` (or `?`): both days must then match.
    day_star: bool,
    /// The zone of a `TZ=`/`CRON_TZ=` prefix (kube keeps it on CronJobs made before the
    /// `timeZone` field).
    zone: Option<String>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// The bounds and names of one field.
struct Field {
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Field = Field {
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Field = Field {
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Field = Field {
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    min: 1,
    max: 12,
    names: &MONTHS,
};
const DAY_OF_WEEK: Field = Field {
    min: 0,
    max: 6,
    names: &WEEKDAYS,
};

impl Field {
    fn value(&self, text: &str) -> Result<u32, String> {
        let lower = text.to_ascii_lowercase();
        if let Some(at) = self.names.iter().position(|n| *n == lower) {
            return Ok(self.min + at as u32);
        }
        text.parse::<u32>()
            .map_err(|_| format!("failed to parse int from {text}"))
    }

    /// The bits of one field's text, and whether it is a bare star.
    fn bits(&self, text: &str) -> Result<(u64, bool), String> {
        let mut bits = 0u64;
        let mut star = false;
        for part in text.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => (
                    range,
                    Some(
                        step.parse::<u32>()
                            .map_err(|_| format!("failed to parse int from {step}"))?,
                    ),
                ),
                None => (part, None),
            };
            let (start, end) = if range == "*" || range == "?" {
                star = step.is_none_or(|s| s == 1);
                (self.min, self.max)
            } else if let Some((low, high)) = range.split_once('-') {
                (self.value(low)?, self.value(high)?)
            } else {
                let single = self.value(range)?;
                // `a/n` means `a-max/n`.
                (single, if step.is_some() { self.max } else { single })
            };
            if start < self.min {
                return Err(format!(
                    "beginning of range ({start}) below minimum ({}): {part}",
                    self.min
                ));
            }
            if end > self.max {
                return Err(format!(
                    "end of range ({end}) above maximum ({}): {part}",
                    self.max
                ));
            }
            if start > end {
                return Err(format!(
                    "beginning of range ({start}) beyond end of range ({end}): {part}"
                ));
            }
            let step = step.unwrap_or(1);
            if step == 0 {
                return Err(format!("step of range should be a positive number: {part}"));
            }
            let mut value = start;
            while value <= end {
                bits |= 1 << value;
                value += step;
            }
        }
        Ok((bits, star))
    }
}

impl Schedule {
    /// Parses `spec`, with its `TZ=`/`CRON_TZ=` prefix if it has one.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (zone, spec) = match spec
            .strip_prefix("TZ=")
            .or_else(|| spec.strip_prefix("CRON_TZ="))
        {
            Some(rest) => {
                let (zone, rest) = rest.split_once(' ').unwrap_or((rest, ""));
                (Some(zone.to_string()), rest.trim())
            }
            None => (None, spec.trim()),
        };
        let expanded = match spec {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other if other.starts_with('@') => {
                return Err(format!("unsupported descriptor: {other}"));
            }
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = fields[..] else {
            return Err(format!(
                "expected exactly 5 fields, found {}: [{}]",
                fields.len(),
                fields.join(" ")
            ));
        };
        let (minutes, _) = MINUTE.bits(minute)?;
        let (hours, _) = HOUR.bits(hour)?;
        let (days_of_month, dom_star) = DAY_OF_MONTH.bits(dom)?;
        let (months, _) = MONTH.bits(month)?;
        let (days_of_week, dow_star) = DAY_OF_WEEK.bits(dow)?;
        Ok(Self {
            minutes,
            hours,
            days_of_month,
            months,
            days_of_week,
            day_star: dom_star || dow_star,
            zone,
        })
    }

    /// The zone named by the schedule's `TZ=`/`CRON_TZ=` prefix.
    pub fn zone(&self) -> Option<&str> {
        self.zone.as_deref()
    }

    /// Whether the minute that starts at `at` is scheduled, read on `at`'s own offset.
    pub fn matches(&self, at: OffsetDateTime) -> bool {
        let bit = |bits: u64, value: u32| bits & (1 << value) != 0;
        let dom = bit(self.days_of_month, u32::from(at.day()));
        let dow = bit(
            self.days_of_week,
            u32::from(at.weekday().number_days_from_sunday()),
        );
        let days = if self.day_star {
            dom && dow
        } else {
            dom || dow
        };
        bit(self.minutes, u32::from(at.minute()))
            && bit(self.hours, u32::from(at.hour()))
            && bit(self.months, u32::from(u8::from(at.month())))
            && days
    }

    /// The latest scheduled minute after `after` and not after `now`, on the wall clock of
    /// `zone`, looking back at most a year (a schedule missed for longer starts afresh, as kube
    /// gives up on too many misses).
    pub fn latest_between(
        &self,
        after: OffsetDateTime,
        now: OffsetDateTime,
        zone: &TimeZone,
    ) -> Option<OffsetDateTime> {
        let mut at = now.replace_second(0).ok()?.replace_nanosecond(0).ok()?;
        let oldest = (now - Duration::days(366)).max(after);
        while at > oldest {
            if self.matches(time_zone::in_zone(zone, at)) {
                return Some(at);
            }
            at -= Duration::minutes(1);
        }
        None
    }
}

#[cfg(test)]
mod tests;
