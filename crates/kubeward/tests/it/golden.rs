//! Comparing what kubectl printed against a real kube-apiserver's answers in
//! `../shared/golden`, masking only what differs on every run.

use crate::support::repo;

/// The stdout a real kubectl printed for a golden step (`DIR/NN-name`).
pub fn stdout_of(step: &str) -> String {
    read(step, "out")
}

/// The bash command of a golden step.
pub fn command_of(step: &str) -> String {
    read(step, "cmd")
}

/// The stderr a real kubectl printed for a golden step.
pub fn stderr_of(step: &str) -> String {
    read(step, "err")
}

/// The exit code of a golden step.
pub fn exit_code_of(step: &str) -> i32 {
    read(step, "rc").trim().parse().expect("an exit code")
}

fn read(step: &str, extension: &str) -> String {
    let path = repo()
        .join("../shared/golden")
        .join(format!("{step}.{extension}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A table as rows of cells (columns are separated by two or more spaces), with ages
/// (`0s`, `12s`, `3m2s`, `5h`, `2d`, `<invalid>`) replaced by `<age>`: column widths change with
/// the ages, the cells do not.
pub fn table_cells(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|cell| !cell.is_empty())
                .map(|cell| {
                    if is_age(cell) {
                        "<age>".to_string()
                    } else {
                        cell.to_string()
                    }
                })
                .collect()
        })
        .collect()
}

/// Whether `cell` is an age as kubectl prints it (`duration.HumanDuration`).
fn is_age(cell: &str) -> bool {
    if cell == "<invalid>" {
        return true;
    }
    let mut digits = false;
    let mut units = 0;
    for c in cell.chars() {
        match c {
            '0'..='9' => digits = true,
            's' | 'm' | 'h' | 'd' | 'y' if digits => {
                digits = false;
                units += 1;
            }
            _ => return false,
        }
    }
    !digits && units > 0
}
