//! The command line (clap derive). Each experiment's own options live beside
//! the experiment (`experiments::<name>::Args`); the options every experiment
//! shares live here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::experiments;

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
    /// Run every experiment with quick defaults into DIR, with report.html
    All(experiments::all::Args),
    /// Read /proc/meminfo as `free` does, with the document's definitions
    Free(experiments::free::Args),
    /// A child writes to NULL (or another invalid address) and dies of SIGSEGV
    Segv(experiments::segv::Args),
    /// mmap SIZE anonymous memory and show the diff of /proc/self/maps
    Mmap(experiments::mmap::Args),
    /// Reserve 100 MiB, touch it at 10 MiB/s, sample VSZ/RSS/faults and system used
    #[command(name = "demand-paging")]
    DemandPaging(experiments::demand_paging::Args),
    /// Sample any process's VSZ/RSS/faults/CPU every INTERVAL (down to 1 ms) until it exits
    Watch(experiments::watch::Args),
    /// Exhaust virtual memory (RLIMIT_AS) and physical memory (a memory cgroup's OOM killer)
    Oom(experiments::oom::Args),
    /// A flat page table would be 256 GiB; VmPTE for dense and sparse touching
    #[command(name = "page-table")]
    PageTable(experiments::page_table::Args),
    /// 4 KiB pages vs huge pages: faults, VmPTE, AnonHugePages, fork time
    Hugepage(experiments::hugepage::Args),
    /// Map a file MAP_SHARED, write HELLO through memory, read it back; --cold counts major faults
    Filemap(experiments::filemap::Args),
    /// glibc malloc: small blocks come from a pool, large ones get their own mapping
    Malloc(experiments::malloc::Args),
    /// Per-process address spaces, and physically scattered frames behind virtual memory
    Isolation(experiments::isolation::Args),
    /// fork copies page tables only; the child's writes copy pages (RSS, PSS, faults)
    Cow(experiments::cow::Args),
}

/// Outputs every experiment takes.
#[derive(Args, Clone, Debug, Default)]
pub struct OutputArgs {
    /// Write the rows as CSV to PATH (no PATH or `-`: stdout)
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "-")]
    pub csv: Option<PathBuf>,
    /// Write {experiment, meta, params, summary, rows, checks} as JSON to PATH (no PATH or `-`: stdout)
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "-")]
    pub json: Option<PathBuf>,
    /// No narration and no progress bar
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--plot PATH` for experiments that draw a chart.
#[derive(Args, Clone, Debug, Default)]
pub struct PlotArgs {
    /// Draw an SVG chart to PATH
    #[arg(long, value_name = "PATH.svg")]
    pub plot: Option<PathBuf>,
}
