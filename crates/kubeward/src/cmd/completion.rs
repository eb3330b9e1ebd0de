//! `kubeward completion SHELL`: the shell's completion script for every command and flag
//! (clap_complete), and `kubeward man`: the manual pages (clap_mangen), one per command.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use clap_complete::Shell;

/// `kubeward completion` flags.
#[derive(Debug, Args)]
#[command(after_help = "Load it in the current shell:\n  \
    bash: source <(kubeward completion bash)\n  \
    zsh:  source <(kubeward completion zsh)\n  \
    fish: kubeward completion fish | source")]
pub struct CompletionArgs {
    /// The shell.
    shell: Shell,
}

/// `kubeward man` flags.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write kubeward.1 and one page per subcommand (kubeward-idp-user.1, …) into this folder
    /// (default: print kubeward.1 on standard output).
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    output_dir: Option<PathBuf>,
}

/// Runs `kubeward completion` for `command`, kubeward's whole command line.
pub fn completion(args: CompletionArgs, mut command: clap::Command) -> anyhow::Result<ExitCode> {
    // Generated into memory first: clap_complete panics on a failed write, and a closed
    // standard output is an error to report as one.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "kubeward", &mut script);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &script)
        .context("writing the completion script")?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `kubeward man` for `command`, kubeward's whole command line.
pub fn man(args: ManArgs, command: clap::Command) -> anyhow::Result<ExitCode> {
    match args.output_dir {
        None => clap_mangen::Man::new(command).render(&mut std::io::stdout())?,
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let mut written = 0;
            write_pages(&dir, command, &mut written)?;
            println!("{written} manual pages written to {}", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the page of `command` and of each subcommand, named `parent-child.1`.
fn write_pages(dir: &Path, command: clap::Command, written: &mut usize) -> anyhow::Result<()> {
    let mut command = command;
    command.build();
    write_tree(dir, &command, command.get_name().to_string(), written)
}

fn write_tree(
    dir: &Path,
    command: &clap::Command,
    name: String,
    written: &mut usize,
) -> anyhow::Result<()> {
    let page = command.clone().name(&name);
    let mut text = Vec::new();
    clap_mangen::Man::new(page).render(&mut text)?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    *written += 1;
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        write_tree(dir, sub, format!("{name}-{}", sub.get_name()), written)?;
    }
    Ok(())
}
