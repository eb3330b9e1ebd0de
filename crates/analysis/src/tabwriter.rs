//! Column alignment exactly as Go's `text/tabwriter`, which kubectl prints every table with.
//!
//! Cells are separated by `\t`; the text after a line's last tab is not part of any column. A
//! column's width is the widest cell of its *column block* (consecutive lines that have a cell
//! in that column) plus the padding, at least the minimum width. A line without tabs ends the
//! current table, as it does in Go.

/// Alignment settings of one kind of table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TabWriter {
    /// Minimal width of a column, padding included.
    pub min_width: usize,
    /// Spaces added to the widest cell of a column.
    pub padding: usize,
}

impl TabWriter {
    /// The settings of kubectl's printers (`printers.GetNewTabWriter`: min width 6, padding 3),
    /// used by `get` tables and `auth can-i --list`.
    pub const KUBECTL: Self = Self {
        min_width: 6,
        padding: 3,
    };
    /// The settings of `kubectl describe` (min width 0, padding 2).
    pub const DESCRIBE: Self = Self {
        min_width: 0,
        padding: 2,
    };

    /// Aligns `text` (lines of tab-separated cells) and returns the printed form.
    pub fn render(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() * 2);
        let mut table: Vec<Vec<&str>> = Vec::new();
        let ends_with_newline = text.ends_with('\n');
        let mut lines: Vec<&str> = text.split('\n').collect();
        if ends_with_newline {
            lines.pop();
        }
        for line in lines {
            let cells: Vec<&str> = line.split('\t').collect();
            let single = cells.len() == 1;
            table.push(cells);
            if single {
                self.format_table(&table, &mut out);
                table.clear();
            }
        }
        self.format_table(&table, &mut out);
        if !ends_with_newline && out.ends_with('\n') {
            out.pop();
        }
        out
    }

    fn format_table(&self, table: &[Vec<&str>], out: &mut String) {
        let mut widths = Vec::new();
        self.format_block(table, 0, table.len(), &mut widths, out);
    }

    /// Go's recursive `format`: lines `line0..line1` share the column widths in `widths`.
    fn format_block(
        &self,
        table: &[Vec<&str>],
        mut line0: usize,
        line1: usize,
        widths: &mut Vec<usize>,
        out: &mut String,
    ) {
        let column = widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= table[this].len() {
                this += 1;
                continue;
            }
            write_lines(&table[line0..this], widths, out);
            line0 = this;
            let mut width = self.min_width;
            while this < line1 && column + 1 < table[this].len() {
                width = width.max(cell_width(table[this][column]) + self.padding);
                this += 1;
            }
            widths.push(width);
            self.format_block(table, line0, this, widths, out);
            widths.pop();
            line0 = this;
        }
        write_lines(&table[line0..line1], widths, out);
    }
}

fn write_lines(lines: &[Vec<&str>], widths: &[usize], out: &mut String) {
    for cells in lines {
        for (j, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if j + 1 < cells.len()
                && let Some(&width) = widths.get(j)
            {
                let pad = width.saturating_sub(cell_width(cell));
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}

/// The width of a cell as Go counts it: in characters (runes).
fn cell_width(cell: &str) -> usize {
    cell.chars().count()
}

#[cfg(test)]
mod tests;
