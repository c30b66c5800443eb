//! Everything that leaves memlab: narration, the human table, CSV, JSON and
//! SVG, all rendered from one [`Report`]. Nothing here reads `/proc`.

pub mod args;
pub mod checktext;
pub mod csv;
pub mod downsample;
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

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::usage_t;
use crate::report::Report;
pub use args::OutputArgs;

/// Where one export goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dest {
    Stdout,
    /// A descriptor named by path (`/dev/stderr`, `/proc/self/fd/N`),
    /// written directly as stdout is.
    Fd(i32),
    /// A file, as the user spelled it (`shown`) and where a write lands
    /// (`target`: a symbolic link followed).
    File {
        shown: PathBuf,
        target: PathBuf,
    },
}

impl Dest {
    fn from_arg(p: &Path) -> Dest {
        if p.as_os_str() == "-" {
            return Dest::Stdout;
        }
        match write::fd_path(p) {
            Some(1) => Dest::Stdout,
            Some(fd) => Dest::Fd(fd),
            None => Dest::File {
                shown: p.to_path_buf(),
                target: write::resolve(p),
            },
        }
    }
}

/// The outputs asked for, validated before anything runs.
#[derive(Clone, Debug)]
pub struct Plan {
    pub csv: Option<Dest>,
    pub json: Option<Dest>,
    pub plot: Option<Dest>,
    pub quiet: bool,
}

/// What writing the outputs came to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Emitted {
    /// Outputs that could not be written (each reported on stderr).
    pub failed: usize,
    /// A write to stdout ended by a signal.
    pub interrupted: bool,
}

impl Emitted {
    /// Both together.
    pub fn and(self, other: Emitted) -> Emitted {
        Emitted {
            failed: self.failed + other.failed,
            interrupted: self.interrupted || other.interrupted,
        }
    }
}

impl Plan {
    /// Check every output now, so a typo costs nothing: each file's folder
    /// must take the real temporary file and have room for it; `/proc` and
    /// `/sys` paths, a deleted working folder, a full filesystem, a stdout
    /// that was closed, two outputs that are one file: a usage error
    /// before the run.
    pub fn new(args: &OutputArgs, plot: Option<&PathBuf>) -> Result<Plan> {
        let csv = args.csv.as_deref().map(Dest::from_arg);
        let json = args.json.as_deref().map(Dest::from_arg);
        if let Some(p) = plot
            && p.as_os_str() == "-"
        {
            return Err(usage_t("err.out.plot_stdout", &[]));
        }
        let plot_dest = plot.map(|p| Dest::from_arg(p));
        let mut seen: Vec<(String, write::Identity)> = Vec::new();
        let outputs = [("--csv", &csv), ("--json", &json), ("--plot", &plot_dest)];
        for (flag, d) in outputs {
            let (shown, id) = match d {
                None => continue,
                Some(Dest::Stdout) => {
                    if crate::sys::std_fd_was_closed(1) {
                        let example = if flag == "--json" {
                            "out.json"
                        } else {
                            "out.csv"
                        };
                        return Err(usage_t(
                            "err.out.stdout_closed",
                            &[("flag", flag), ("example", example)],
                        ));
                    }
                    ("stdout".to_string(), None)
                }
                Some(Dest::Fd(fd)) => {
                    let shown = match flag {
                        "--csv" => args.csv.as_deref(),
                        "--json" => args.json.as_deref(),
                        _ => plot.map(PathBuf::as_path),
                    }
                    .unwrap_or(Path::new("-"));
                    write::check_fd(flag, shown, *fd)?;
                    (dest_words(&Dest::Fd(*fd)), write::fd_identity(*fd))
                }
                Some(Dest::File { shown, target }) => {
                    write::probe(flag, shown, target, write::ESTIMATE_BYTES)?;
                    (
                        format!("'{}'", shown.display()),
                        Some(write::identity(target)),
                    )
                }
            };
            if shown == "stdout" && seen.iter().any(|(s, _)| s == "stdout") {
                return Err(usage_t("err.out.both_stdout", &[]));
            }
            if let Some(id) = id {
                if let Some((other, _)) = seen.iter().find(|(_, i)| *i == id) {
                    return Err(usage_t(
                        "err.out.same_file",
                        &[("flag", flag), ("shown", &shown), ("other", other)],
                    ));
                }
                seen.push((shown, id));
            } else {
                seen.push((shown, write::Identity::Path(PathBuf::new())));
            }
        }
        // The table (or the data) goes to stdout: a stdout redirected into
        // one of the output files would be written twice.
        if let Some(id) = write::fd_identity(1)
            && let Some((other, _)) = seen.iter().find(|(_, i)| *i == id)
        {
            return Err(usage_t("err.out.stdout_redirected", &[("other", other)]));
        }
        Ok(Plan {
            csv,
            json,
            plot: plot_dest,
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

    /// Write every export of `report`: files first (atomically), then
    /// descriptors, then stdout. One that fails is reported on stderr and
    /// does not stop the others. The human result goes to stdout when it is
    /// free, else to stderr (not under -q). A reader that left stdout
    /// (`| head`) ends the stdout writes quietly.
    pub fn emit(&self, report: &Report) -> Emitted {
        self.emit_parts(report, true)
    }

    /// Everything but the CSV and the JSON, which the run streamed itself
    /// (`stream::Hook`).
    pub fn emit_after_stream(&self, report: &Report) -> Emitted {
        self.emit_parts(report, false)
    }

    /// The streaming hook for an experiment's `Ctx`: the same CSV and JSON
    /// destinations.
    pub fn stream_hook(&self) -> stream::Hook {
        stream::Hook::new(self.csv.clone(), self.json.clone())
    }

    fn emit_parts(&self, report: &Report, data: bool) -> Emitted {
        crate::sys::hook("emit");
        let mut done = Emitted::default();
        let mut stdout_data: Option<Vec<u8>> = None;
        let renders: [(&str, &Option<Dest>, Render); 3] = [
            ("--csv", &self.csv, Render::Csv),
            ("--json", &self.json, Render::Json),
            ("--plot", &self.plot, Render::Svg),
        ];
        // Files and descriptors first: a stdout nobody reads cannot hold
        // them back.
        for (flag, dest, render) in renders {
            let Some(d) = dest else { continue };
            if !data && render != Render::Svg {
                continue;
            }
            let bytes = match render.bytes(report) {
                Ok(Some(b)) => b,
                Ok(None) => {
                    self.ui().say(&crate::i18n::tr("ui.no_chart", &[]));
                    continue;
                }
                Err(e) => {
                    done.failed += 1;
                    say_failure(flag, d, &e);
                    continue;
                }
            };
            let r = match d {
                Dest::Stdout => {
                    stdout_data = Some(bytes);
                    continue;
                }
                Dest::Fd(fd) => write::to_fd(*fd, &bytes).map_err(anyhow::Error::from),
                Dest::File { shown, .. } => write::atomic(shown, &bytes),
            };
            if let Err(e) = r {
                if is_interrupted(&e) {
                    done.interrupted = true;
                } else {
                    done.failed += 1;
                    say_failure(flag, d, &e);
                }
            }
        }
        // Data on stdout (written here, or streamed by the run): the table
        // goes to stderr. Laid out for the stream it goes to: its width,
        // its colour.
        let on_stderr = || (!self.quiet).then(|| table::render_for(report, term::Stream::Stderr));
        let (to_stdout, to_stderr) = match stdout_data {
            Some(data) => (Some(data), on_stderr()),
            None if self.stdout_taken() => (None, on_stderr()),
            None => (
                Some(table::render_for(report, term::Stream::Stdout).into_bytes()),
                None,
            ),
        };
        match to_stdout.map_or(Ok(()), |b| write::to_fd(1, &b)) {
            Ok(()) => {}
            // The reader left (`| head`): end quietly, without the table.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return done,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                done.interrupted = true;
                return done;
            }
            Err(e) => {
                done.failed += 1;
                crate::error::print(&crate::i18n::tr(
                    "err.stdout_write",
                    &[("cause", &e.to_string())],
                ));
            }
        }
        if let Some(text) = to_stderr
            && let Err(e) = write::to_fd(2, text.as_bytes())
            && e.kind() == std::io::ErrorKind::Interrupted
        {
            done.interrupted = true;
        }
        done
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Render {
    Csv,
    Json,
    Svg,
}

impl Render {
    fn bytes(self, report: &Report) -> Result<Option<Vec<u8>>> {
        Ok(Some(match self {
            Render::Csv => csv::render(report)?,
            Render::Json => json::render(report)?,
            Render::Svg => match &report.chart {
                Some(chart) => svg::render(chart)?.into_bytes(),
                None => return Ok(None),
            },
        }))
    }
}

fn is_interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::Interrupted)
    })
}

/// An output's destination in the reader's words: stdout, descriptor N,
/// or the path as given, quoted.
fn dest_words(d: &Dest) -> String {
    match d {
        Dest::Stdout => crate::i18n::tr("err.dest.stdout", &[]),
        Dest::Fd(fd) => crate::i18n::tr("err.dest.fd", &[("fd", &fd.to_string())]),
        Dest::File { shown, .. } => format!("'{}'", shown.display()),
    }
}

fn say_failure(flag: &str, d: &Dest, e: &anyhow::Error) {
    let what = dest_words(d);
    let cause = e.chain().last().map(|c| c.to_string()).unwrap_or_default();
    let cause = cause.split(" (os error").next().unwrap_or(&cause);
    crate::error::print(&crate::i18n::tr(
        "err.write_failed",
        &[("flag", flag), ("what", &what), ("cause", cause)],
    ));
}

/// Narration and progress for a person, on stdout or stderr, or nowhere
/// under `-q`.
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    pub quiet: bool,
    pub to_stderr: bool,
}

impl Ui {
    /// A line of narration, in words: under the test-only language `mark`
    /// a line that did not come from the catalogue (no `<<`) is flagged
    /// with [`crate::i18n::UNMARKED`], so a test finds it.
    pub fn say(&self, line: &str) {
        let flagged;
        let line = match crate::i18n::flag_unmarked(line) {
            Some(f) => {
                flagged = f;
                flagged.as_str()
            }
            None => line,
        };
        self.data(line);
    }

    /// A line of data shown as it is: numbers, addresses, a /proc line, a
    /// live row of the table. Never translated and never flagged; words
    /// around it go through [`Ui::say`].
    pub fn data(&self, line: &str) {
        if self.quiet {
            return;
        }
        // Straight through write(2): a stdout nobody reads cannot hold a
        // signal back (see sys::write_fd).
        let (fd, stream) = if self.to_stderr {
            (2, term::Stream::Stderr)
        } else {
            (1, term::Stream::Stdout)
        };
        let line = term::fit(line, &term::Style::of(stream));
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        let _ = write::to_fd(fd, &bytes);
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
