//! `kubeward rbac viz`: rbac-view's graph as one self-contained HTML page, or Graphviz dot.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use kubeward_analysis::viz;

use super::source::{self, PolicySource};

/// `-o` of viz.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
enum VizFormat {
    /// An HTML page with inline script and style; opens offline in any browser.
    #[default]
    Html,
    /// Graphviz dot.
    Dot,
}

#[derive(Debug, Args)]
pub(super) struct VizArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    output: VizFormat,
    /// Write to this file instead of stdout.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<PathBuf>,
    /// Show the objects of the bootstrap policy (system:controller:* bindings, cluster-admin, …)
    /// that no binding of yours reaches; hidden by default (the page has a checkbox too).
    #[arg(long)]
    show_builtin: bool,
    #[command(flatten)]
    source: PolicySource,
}

pub(super) fn run(args: VizArgs) -> anyhow::Result<ExitCode> {
    let policy = source::load(&args.source)?;
    let graph = viz::graph(&policy.policy);
    let text = match args.output {
        VizFormat::Html => viz::html(&graph, args.show_builtin),
        VizFormat::Dot => viz::dot(&graph, args.show_builtin),
    };
    match &args.file {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
