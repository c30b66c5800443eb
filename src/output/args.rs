//! The output flags every experiment shares, and the wrappers that put them
//! around an experiment's own options, so experiments never see them.

use std::path::PathBuf;

use clap::Args;

/// Outputs every experiment takes.
#[derive(Args, Clone, Debug, Default)]
pub struct OutputArgs {
    /// Write the rows as CSV to PATH (no PATH or `-`: stdout)
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "-")]
    pub csv: Option<PathBuf>,
    /// Write {schema_version, experiment, ended_by, meta, params, measurements, summary, columns, rows, checks, notes, skipped, said, interrupted, table_rows, table_hide} as JSON to PATH (no PATH or `-`: stdout); a run that streams its rows writes ended_by, measurements and summary after rows
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

/// An experiment's options with the output flags.
#[derive(Args, Clone, Debug)]
pub struct Plain<A: Args> {
    #[command(flatten)]
    pub args: A,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// An experiment's options with the output flags and `--plot`.
#[derive(Args, Clone, Debug)]
pub struct Plotted<A: Args> {
    #[command(flatten)]
    pub args: A,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub plot: PlotArgs,
}

/// What the application layer needs of either wrapper.
pub trait Wrapped {
    type Inner;
    fn inner(&self) -> &Self::Inner;
    fn out(&self) -> &OutputArgs;
    fn plot(&self) -> Option<&PathBuf>;
}

impl<A: Args> Wrapped for Plain<A> {
    type Inner = A;
    fn inner(&self) -> &A {
        &self.args
    }
    fn out(&self) -> &OutputArgs {
        &self.out
    }
    fn plot(&self) -> Option<&PathBuf> {
        None
    }
}

impl<A: Args> Wrapped for Plotted<A> {
    type Inner = A;
    fn inner(&self) -> &A {
        &self.args
    }
    fn out(&self) -> &OutputArgs {
        &self.out
    }
    fn plot(&self) -> Option<&PathBuf> {
        self.plot.plot.as_ref()
    }
}
