//! Timestamps as Kubernetes writes them: `metav1.MicroTime` (RFC 3339 in UTC with exactly six
//! fractional digits, truncated), Go's `time.RFC3339Nano` (trailing zeros dropped) for the legacy
//! format, and the reading of either back.

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds and nanoseconds since the epoch (clamped to the epoch for earlier times).
fn split(t: SystemTime) -> (u64, u32) {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    (since.as_secs(), since.subsec_nanos())
}

/// `(year, month, day)` of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a civil date (`days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn push_digits(out: &mut String, value: u64, width: usize) {
    let mut buf = [b'0'; 20];
    put_digits(&mut buf[..width], value);
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[..width]).unwrap_or("0"));
}

/// Writes `value`'s last `slot.len()` decimal digits into `slot`, zero-padded.
fn put_digits(slot: &mut [u8], value: u64) {
    let mut v = value;
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// `2006-01-02T15:04:05` of `secs` since the epoch, in UTC.
fn push_date_time(out: &mut String, secs: u64) {
    let mut text = [0u8; 19];
    put_date_time(&mut text, secs);
    // Only ASCII was written.
    out.push_str(std::str::from_utf8(&text).unwrap_or_default());
}

/// `2006-01-02T15:04:05` of `secs` since the epoch, in UTC, into `text`'s first 19 bytes.
fn put_date_time(text: &mut [u8], secs: u64) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    put_digits(&mut text[0..4], year as u64);
    text[4] = b'-';
    put_digits(&mut text[5..7], u64::from(month));
    text[7] = b'-';
    put_digits(&mut text[8..10], u64::from(day));
    text[10] = b'T';
    put_digits(&mut text[11..13], rem / 3600);
    text[13] = b':';
    put_digits(&mut text[14..16], rem / 60 % 60);
    text[16] = b':';
    put_digits(&mut text[17..19], rem % 60);
}

/// The length of a `metav1.MicroTime`'s text.
pub const MICRO_LEN: usize = 27;

thread_local! {
    /// The second [`push_micro`] last wrote on this thread, and its date and time.
    static LAST_SECOND: Cell<(u64, [u8; 19])> = const { Cell::new((u64::MAX, [0; 19])) };
}

/// `metav1.MicroTime`'s JSON text (without quotes): `2006-01-02T15:04:05.000000Z`. The date
/// and time of the second this thread wrote last are copied, not computed again.
pub fn push_micro(out: &mut String, t: SystemTime) {
    let (secs, nanos) = split(t);
    let mut text = [0u8; MICRO_LEN];
    let known = LAST_SECOND.try_with(Cell::get).ok();
    match known {
        Some((second, date_time)) if second == secs => text[..19].copy_from_slice(&date_time),
        _ => {
            put_date_time(&mut text, secs);
            let mut date_time = [0u8; 19];
            date_time.copy_from_slice(&text[..19]);
            let _ = LAST_SECOND.try_with(|last| last.set((secs, date_time)));
        }
    }
    put_fraction(&mut text[19..], nanos);
    // Only ASCII was written: the whole text is checked at once.
    out.push_str(std::str::from_utf8(&text).unwrap_or_default());
}

/// `.000000Z`: the microseconds of `nanos`, truncated.
fn put_fraction(slot: &mut [u8], nanos: u32) {
    slot[0] = b'.';
    put_digits(&mut slot[1..7], u64::from(nanos / 1000));
    slot[7] = b'Z';
}

/// [`push_micro`] of `t`, given `known`, an earlier time and its text as [`push_micro`] wrote
/// it: the same microsecond is that text copied, the same second its date and time copied with
/// the fraction written in; only another second is computed from the calendar.
pub fn push_micro_near(out: &mut String, t: SystemTime, known: (SystemTime, &str)) {
    let (secs, nanos) = split(t);
    let (known_secs, known_nanos) = split(known.0);
    let text = known.1;
    let date_time = match text.get(..19) {
        Some(date_time) if secs == known_secs && text.len() == MICRO_LEN => date_time,
        _ => return push_micro(out, t),
    };
    if nanos / 1000 == known_nanos / 1000 {
        out.push_str(text);
        return;
    }
    out.push_str(date_time);
    let mut fraction = [0u8; 8];
    put_fraction(&mut fraction, nanos);
    // Only ASCII was written.
    out.push_str(std::str::from_utf8(&fraction).unwrap_or_default());
}

/// Go's `time.RFC3339Nano` in UTC: `2006-01-02T15:04:05.999999999Z`, trailing zeros (and a bare
/// dot) dropped.
pub fn push_rfc3339_nano(out: &mut String, t: SystemTime) {
    let (secs, nanos) = split(t);
    push_date_time(out, secs);
    if nanos != 0 {
        let mut digits = 9;
        let mut value = nanos;
        while value % 10 == 0 {
            value /= 10;
            digits -= 1;
        }
        out.push('.');
        push_digits(out, u64::from(value), digits);
    }
    out.push('Z');
}

/// Reads an RFC 3339 timestamp (any number of fractional digits, `Z` or an offset).
pub fn parse(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(range)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        for (i, c) in fraction[..digits].bytes().enumerate() {
            if i < 9 {
                nanos = nanos * 10 + u32::from(c - b'0');
            }
        }
        for _ in digits..9 {
            nanos *= 10;
        }
        rest = &fraction[digits..];
    }
    let offset: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let (sign, hm) = match rest.as_bytes().first()? {
                b'+' => (1, &rest[1..]),
                b'-' => (-1, &rest[1..]),
                _ => return None,
            };
            let (h, m) = hm.split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
        }
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
        - offset;
    let secs = u64::try_from(secs).ok()?;
    Some(UNIX_EPOCH + Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests;
