//! Output habits shared by the subcommands: `-o table|json|yaml`, colour only on a terminal.

use std::io::IsTerminal as _;

use clap::ValueEnum;
use kubeward_analysis::paint::Paint;

/// `-o`: how to print an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(super) enum Format {
    /// Aligned columns, as kubectl prints.
    #[default]
    Table,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// Colour when stdout is a terminal and `NO_COLOR` is not set.
pub(super) fn paint() -> Paint {
    Paint {
        enabled: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Prints `value` as JSON or YAML, or `table()` for tables.
pub(super) fn print<T: serde::Serialize>(
    format: Format,
    value: &T,
    table: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    match format {
        Format::Table => print!("{}", table()),
        Format::Json => println!("{}", serde_json::to_string_pretty(value)?),
        Format::Yaml => print!("{}", serde_saphyr::to_string(value)?),
    }
    Ok(())
}
