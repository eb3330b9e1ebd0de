//! Tests of Go-compatible column alignment.

use super::TabWriter;

#[test]
fn aligns_columns_with_kubectl_padding_and_leaves_the_last_cell_unpadded() {
    let text = "NAME\tAGE\nminjun-csr\t10s\n";
    assert_eq!(
        TabWriter::KUBECTL.render(text),
        "NAME         AGE\nminjun-csr   10s\n"
    );
}

#[test]
fn honours_the_minimum_width() {
    assert_eq!(TabWriter::KUBECTL.render("A\tB\n"), "A     B\n");
    assert_eq!(TabWriter::DESCRIBE.render("A\tB\n"), "A  B\n");
}

#[test]
fn counts_characters_not_bytes() {
    let text = "G\tL\tX\n✔\t✖\tY\n";
    assert_eq!(TabWriter::DESCRIBE.render(text), "G  L  X\n✔  ✖  Y\n");
}

#[test]
fn a_line_without_tabs_ends_the_table() {
    let text = "a\tb\nlonger-cell\tc\nsection\nx\ty\n";
    assert_eq!(
        TabWriter::DESCRIBE.render(text),
        "a            b\nlonger-cell  c\nsection\nx  y\n"
    );
}

#[test]
fn column_blocks_are_independent() {
    // The second column exists only on the first two lines; the third line's long first cell
    // still shares the first column's block.
    let text = "a\tb\tc\nbb\tdddd\te\nccccc\tf\n";
    assert_eq!(
        TabWriter::DESCRIBE.render(text),
        "a      b     c\nbb     dddd  e\nccccc  f\n"
    );
}

#[test]
fn keeps_a_missing_final_newline_missing() {
    assert_eq!(TabWriter::DESCRIBE.render("a\tb"), "a  b");
    assert_eq!(TabWriter::DESCRIBE.render(""), "");
}
