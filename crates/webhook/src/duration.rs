//! Go's `time.Duration` as configuration files and flags write it: parsed as
//! `time.ParseDuration` reads it (`300ms`, `1.5h`, `2h45m`, `5m0s`) and printed as
//! `Duration.String` prints it (`5m0s`, `30s`, `500ms`).

use std::time::Duration;

use kubeward_core::go::quote;

/// A text that is not a Go duration, worded as Go's parser words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("time: {0}")]
pub struct DurationError(String);

/// Nanoseconds per unit name.
const UNITS: [(&str, u128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Parses `text` as Go's `time.ParseDuration`; negative durations are refused (nothing here
/// can wait a negative time).
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let error = |problem: &str| DurationError(format!("{problem} {}", quote(text)));
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.starts_with('-') {
        return Err(error("negative duration"));
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(error("invalid duration"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let whole: u128 = if digits == 0 {
            0
        } else {
            rest[..digits]
                .parse()
                .map_err(|_| error("invalid duration"))?
        };
        rest = &rest[digits..];
        let mut fraction = (0u128, 1u128);
        if let Some(after) = rest.strip_prefix('.') {
            let count = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            if digits == 0 && count == 0 {
                return Err(error("invalid duration"));
            }
            for digit in after[..count].bytes().take(18) {
                fraction = (fraction.0 * 10 + u128::from(digit - b'0'), fraction.1 * 10);
            }
            rest = &after[count..];
        } else if digits == 0 {
            return Err(error("invalid duration"));
        }
        let unit_end = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        if unit.is_empty() {
            return Err(error("missing unit in duration"));
        }
        let Some((_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(DurationError(format!(
                "unknown unit {} in duration {}",
                quote(unit),
                quote(text)
            )));
        };
        total += whole * scale + fraction.0 * scale / fraction.1;
        rest = &rest[unit_end..];
    }
    let nanos = u64::try_from(total).map_err(|_| error("invalid duration"))?;
    Ok(Duration::from_nanos(nanos))
}

/// Prints `duration` as Go's `Duration.String`: `0s`, `500ms`, `1.5s`, `5m0s`, `1h0m0s`.
pub fn format(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos == 0 {
        return "0s".to_string();
    }
    if nanos < 1_000_000_000 {
        let (scale, unit) = if nanos < 1_000 {
            (1, "ns")
        } else if nanos < 1_000_000 {
            (1_000, "µs")
        } else {
            (1_000_000, "ms")
        };
        return format!("{}{unit}", decimal(nanos, scale));
    }
    let hours = nanos / 3_600_000_000_000;
    let minutes = nanos / 60_000_000_000 % 60;
    let seconds = decimal(nanos % 60_000_000_000, 1_000_000_000);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, m) => format!("{m}m{seconds}s"),
        (h, m) => format!("{h}h{m}m{seconds}s"),
    }
}

/// `value / scale` with the fraction's trailing zeros dropped.
fn decimal(value: u128, scale: u128) -> String {
    let whole = value / scale;
    let fraction = value % scale;
    if fraction == 0 {
        return whole.to_string();
    }
    let width = scale.ilog10() as usize;
    let digits = format!("{fraction:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests;
