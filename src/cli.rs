//! The command line (clap derive). Each experiment's own options live beside
//! the experiment (`experiments::<name>::Args`); the subcommands of the
//! experiments come from the registry (`experiments::Experiment`); the
//! output flags they share live in `output::args`.

use clap::{Parser, Subcommand};

use crate::experiments::Experiment;

#[derive(Parser, Debug)]
#[command(
    name = "memlab",
    version,
    about = "Run the experiments of a Linux memory-management chapter on this host, \
             measure them with the kernel's own counters, and check each claim.",
    after_help = "Every experiment: memlab list. Its page: memlab explain NAME."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Every experiment, one line each, with what it needs
    List,
    /// Print an experiment's page (what it shows, columns, checks, a real run)
    Explain {
        /// Experiment name, e.g. cow
        name: String,
    },
    /// Judge a saved run again: recompute its summary and checks from its rows
    Judge(crate::app::JudgeArgs),
    /// Run every experiment with quick defaults into DIR, with report.html
    All(crate::lab::Args),
    #[command(flatten)]
    Experiment(Experiment),
}
