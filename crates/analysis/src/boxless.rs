//! Tables as olekukonko/tablewriter prints them with `SetBorder(false)` (rbac-tool's tables):
//! upper-case headers, a `---+---` line under them, cells framed by spaces and separated by `|`.
//! Trailing spaces are trimmed.

/// Renders `headers` and `rows` (every row as wide as `headers`).
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let mut text = String::from(" ");
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                text.push('|');
            }
            text.push(' ');
            text.push_str(cell);
            text.push_str(&" ".repeat(widths[i].saturating_sub(cell.chars().count())));
            text.push(' ');
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let upper: Vec<String> = headers.iter().map(|h| h.to_uppercase()).collect();
    line(&mut upper.iter().map(String::as_str), &mut out);
    out.push('-');
    for (i, w) in widths.iter().enumerate() {
        out.push_str(&"-".repeat(w + 2));
        out.push(if i + 1 == widths.len() { '-' } else { '+' });
    }
    out.push('\n');
    for row in rows {
        line(&mut row.iter().map(String::as_str), &mut out);
    }
    out
}
