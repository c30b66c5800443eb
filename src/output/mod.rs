//! Everything that leaves memlab: narration, the human table, CSV, JSON and
//! SVG, all rendered from one [`Report`]. Nothing here reads `/proc`.

pub mod args;
pub mod checktext;
pub mod csv;
pub mod html;
pub mod json;
pub mod page;
pub mod stream;
pub mod svg;
pub mod table;
pub mod term;
#[cfg(test)]
mod tests;
pub mod write;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::usage;
use crate::report::Report;
pub use args::OutputArgs;

/// Where one export goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dest {
    Stdout,
    File(PathBuf),
}

impl Dest {
    fn from_arg(p: &Path) -> Dest {
        if p.as_os_str() == "-" {
            Dest::Stdout
        } else {
            Dest::File(p.to_path_buf())
        }
    }
}

/// The outputs asked for, validated before anything runs.
#[derive(Clone, Debug)]
pub struct Plan {
    pub csv: Option<Dest>,
    pub json: Option<Dest>,
    pub plot: Option<PathBuf>,
    pub quiet: bool,
}

impl Plan {
    /// Check every output path now, so a typo costs nothing: a folder that
    /// does not exist or cannot be written is a usage error before the run.
    pub fn new(args: &OutputArgs, plot: Option<&PathBuf>) -> Result<Plan> {
        let csv = args.csv.as_deref().map(Dest::from_arg);
        let json = args.json.as_deref().map(Dest::from_arg);
        if csv == Some(Dest::Stdout) && json == Some(Dest::Stdout) {
            return Err(usage(
                "--csv and --json cannot both go to stdout; give one a file, e.g. --json run.json",
            ));
        }
        let mut files: Vec<&Path> = Vec::new();
        for (flag, d) in [("--csv", &csv), ("--json", &json)] {
            if let Some(Dest::File(p)) = d {
                write::check_writable(flag, p)?;
                files.push(p);
            }
        }
        if let Some(p) = plot {
            if p.as_os_str() == "-" {
                return Err(usage("--plot needs a file path, e.g. --plot chart.svg"));
            }
            write::check_writable("--plot", p)?;
            files.push(p);
        }
        let ids: Vec<PathBuf> = files.iter().map(|p| write::identity(p)).collect();
        for (i, a) in files.iter().enumerate() {
            if ids[i + 1..].contains(&ids[i]) {
                return Err(usage(format!(
                    "the same file '{}' is given for two outputs; give each its own path",
                    a.display()
                )));
            }
        }
        Ok(Plan {
            csv,
            json,
            plot: plot.cloned(),
            quiet: args.quiet,
        })
    }

    /// Data goes to stdout, so a person's text goes to stderr.
    pub fn stdout_taken(&self) -> bool {
        self.csv == Some(Dest::Stdout) || self.json == Some(Dest::Stdout)
    }

    pub fn ui(&self) -> Ui {
        Ui {
            quiet: self.quiet,
            to_stderr: self.stdout_taken(),
        }
    }

    /// Write every export of `report`, files atomically. The human result
    /// goes to stdout when it is free, else to stderr (not under -q).
    pub fn emit(&self, report: &Report) -> Result<()> {
        self.emit_parts(report, true)
    }

    /// Everything but the CSV and the JSON, which the run streamed itself
    /// (`stream::Hook`).
    pub fn emit_after_stream(&self, report: &Report) -> Result<()> {
        self.emit_parts(report, false)
    }

    /// The streaming hook for an experiment's `Ctx`: the same CSV and JSON
    /// destinations.
    pub fn stream_hook(&self) -> stream::Hook {
        stream::Hook::new(self.csv.clone(), self.json.clone())
    }

    fn emit_parts(&self, report: &Report, data: bool) -> Result<()> {
        if let Some(d) = self.csv.as_ref().filter(|_| data) {
            send(d, &csv::render(report)?)?;
        }
        if let Some(d) = self.json.as_ref().filter(|_| data) {
            send(d, &json::render(report)?)?;
        }
        if let Some(p) = &self.plot {
            match &report.chart {
                Some(chart) => write::atomic(p, svg::render(chart)?.as_bytes())?,
                None => self.ui().say("(no chart: this run has nothing to plot)"),
            }
        }
        // Laid out for the stream it goes to: its width, its colour.
        if !self.stdout_taken() {
            write_all_stdout(table::render_for(report, term::Stream::Stdout).as_bytes())?;
        } else if !self.quiet {
            let text = table::render_for(report, term::Stream::Stderr);
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
        Ok(())
    }
}

fn send(d: &Dest, bytes: &[u8]) -> Result<()> {
    match d {
        Dest::Stdout => write_all_stdout(bytes),
        Dest::File(p) => write::atomic(p, bytes),
    }
}

fn write_all_stdout(bytes: &[u8]) -> Result<()> {
    use anyhow::Context;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("writing to stdout")
}

/// Narration and progress for a person, on stdout or stderr, or nowhere
/// under `-q`.
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    pub quiet: bool,
    pub to_stderr: bool,
}

impl Ui {
    pub fn say(&self, line: &str) {
        if self.quiet {
            return;
        }
        if self.to_stderr {
            let line = term::fit(line, &term::Style::of(term::Stream::Stderr));
            let _ = writeln!(std::io::stderr(), "{line}");
        } else {
            let line = term::fit(line, &term::Style::of(term::Stream::Stdout));
            let _ = writeln!(std::io::stdout(), "{line}");
        }
    }

    /// A progress bar on stderr, only on a terminal and not under -q. Drawn
    /// on update only (no ticker thread, so a later fork stays safe).
    pub fn progress(&self, len: u64, what: &str) -> Progress {
        use std::io::IsTerminal;
        if self.quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let pb = indicatif::ProgressBar::new(len);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg:>12} [{bar:40}] {percent:>3}% {elapsed_precise}",
        ) {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(what.to_string());
        Progress(Some(pb))
    }
}

/// A progress bar that may be absent.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub fn set(&self, pos: u64) {
        if let Some(p) = &self.0 {
            p.set_position(pos);
        }
    }
    pub fn message(&self, m: &str) {
        if let Some(p) = &self.0 {
            p.set_message(m.to_string());
        }
    }
    pub fn finish(&self) {
        if let Some(p) = &self.0 {
            p.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
