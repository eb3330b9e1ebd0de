//! eksctl's way of printing: log lines `2025-03-16 06:09:54 [ℹ]  …` on stdout, errors as
//! `Error: …` on stderr, tables through kops' tabwriter (tab padding, tab stops of 8), and JSON
//! indented by four spaces without a final newline.

use serde::Serialize;

/// eksctl's log icons.
#[derive(Debug, Clone, Copy)]
pub(super) enum Level {
    /// `ℹ`
    Info,
    /// `!`
    Warning,
}

/// One eksctl log line at `now` (local time when the offset is known, else UTC).
pub(super) fn log_line(level: Level, message: &str, now: time::OffsetDateTime) -> String {
    let icon = match level {
        Level::Info => "ℹ",
        Level::Warning => "!",
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} [{icon}]  {message}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// Prints an eksctl log line.
pub(super) fn log(level: Level, message: &str) {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    println!("{}", log_line(level, message, now));
}

/// kops' table: a header and rows sorted by every column, cells padded with tabs to the next
/// tab stop (8) after the widest cell plus one, the last column unpadded.
pub(super) fn table(header: &[&str], mut rows: Vec<Vec<String>>) -> String {
    rows.sort();
    let lines: Vec<Vec<&str>> = std::iter::once(header.to_vec())
        .chain(rows.iter().map(|r| r.iter().map(String::as_str).collect()))
        .collect();
    let columns = header.len();
    let widths: Vec<usize> = (0..columns.saturating_sub(1))
        .map(|c| {
            let widest = lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0);
            (widest + 1).div_ceil(8) * 8
        })
        .collect();
    let mut out = String::new();
    for line in lines {
        for (c, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if let Some(width) = widths.get(c) {
                let gap = width - cell.chars().count();
                out.push_str(&"\t".repeat(gap.div_ceil(8)));
            }
        }
        out.push('\n');
    }
    out
}

/// Go's `json.MarshalIndent(v, "", "    ")`: four spaces, no final newline.
pub(super) fn json(value: &impl Serialize) -> String {
    let mut buffer = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
    if value.serialize(&mut serializer).is_err() {
        return String::new();
    }
    let mut text = String::from_utf8_lossy(&buffer).into_owned();
    // Go escapes <, > and & in strings.
    for (from, to) in [("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")] {
        if text.contains(from) {
            text = text.replace(from, to);
        }
    }
    text
}

#[cfg(test)]
mod tests;
