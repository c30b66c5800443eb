//! all — every experiment that can run here, with quick defaults, into one
//! folder: `<name>.csv`, `<name>.json`, `<name>.svg` and `report.html`.
//! Which experiments run, and with what, comes from the registry
//! (`Info::quick`).

use std::ffi::{CString, OsString};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;

use crate::error::{exit, usage};
use crate::experiments::{ALL, ChartFn, Info, Recorded};
use crate::i18n::tr;
use crate::output::{Ui, html, write};
use crate::probe::host::Meta;
use crate::report::{EndedBy, Report};
use crate::sys;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder for the CSV, JSON, SVG files and report.html (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// No narration and no progress bar
    #[arg(short, long)]
    pub quiet: bool,
}

/// What one experiment left: its report, its chart and the files written
/// (all by this run), or why it could not run here; and the exit status it
/// counts for in `all`'s own (see [`exit::worst`]).
struct Part {
    outcome: Result<(Report, Option<String>, Vec<String>), String>,
    status: i32,
}

/// `all`'s line in `memlab list`.
pub const SUMMARY: &str = "run every experiment with quick defaults into a lab report";
/// `all`'s page.
pub const PAGE: &str = include_str!("../experiments/all.md");
/// The same page in Japanese.
pub const PAGE_JA: &str = include_str!("../experiments/ja/all.md");

pub fn run(args: &Args) -> Result<i32> {
    prepare_dir(&args.out)?;
    // Two `all` runs into one folder would mix their files.
    let _lock = match write::lock_folder(&args.out) {
        Ok(l) => l,
        Err(Some(pid)) => anyhow::bail!(
            "{}",
            tr(
                "lab.err.locked",
                &[
                    ("pid", &pid.to_string()),
                    ("dir", &args.out.display().to_string())
                ],
            )
        ),
        Err(None) => {
            return Err(usage(tr(
                "lab.err.no_lock",
                &[("dir", &args.out.display().to_string())],
            )));
        }
    };
    let started = Instant::now();
    let meta = Meta::gather();
    let ui = Ui {
        quiet: args.quiet,
        to_stderr: false,
    };
    let mut results: Vec<(&'static Info, Part)> = Vec::new();
    let runnable: Vec<&'static Info> = ALL.iter().copied().filter(|i| i.quick.is_some()).collect();
    let progress = ui.progress(runnable.len() as u64, &tr("lab.say.progress", &[]));
    for (n, info) in runnable.iter().enumerate() {
        if crate::sys::interrupted() {
            break;
        }
        progress.set(n as u64);
        progress.message(info.name);
        let part = run_quick(info, &args.out);
        if !args.quiet {
            progress.finish();
        }
        ui.say(&format!("{:<14} {}", info.name, part_line(&part)));
        results.push((info, part));
    }
    progress.finish();

    let sections: Vec<html::Section<'_>> = results
        .iter()
        .map(|(info, p)| html::Section {
            name: info.name,
            section: info.section,
            page: Some(html_page(info)),
            outcome: match &p.outcome {
                Ok((r, svg, files)) => html::Outcome::Ran {
                    report: r,
                    svg: svg.as_deref(),
                    files: files.clone(),
                },
                Err(why) => html::Outcome::NotRun(why.clone()),
            },
        })
        .collect();
    let page = html::render(&meta, &sections, started.elapsed().as_secs_f64());
    let report_path = args.out.join("report.html");
    let mut status = results
        .iter()
        .map(|(_, p)| p.status)
        .fold(exit::OK, exit::worst);
    match write::atomic(&report_path, page.as_bytes()) {
        Ok(()) => ui.say(&tr(
            "lab.say.wrote",
            &[
                ("path", &report_path.display().to_string()),
                ("secs", &format!("{:.1}", started.elapsed().as_secs_f64())),
            ],
        )),
        Err(e) => {
            crate::error::print(&format!("{e:#}"));
            status = exit::worst(status, exit::FAILED);
        }
    }
    if crate::sys::interrupted() {
        status = exit::INTERRUPTED;
    }
    Ok(status)
}

/// One part's line: "8 of 11 held, 1 inconclusive", said to be
/// interrupted or cut short when it was.
fn part_line(p: &Part) -> String {
    let r = match &p.outcome {
        Ok((r, _, _)) => r,
        Err(why) => return tr("lab.say.not_run", &[("why", why)]),
    };
    let (held, failed, unk) = r.tally();
    let line = if r.checks.is_empty() && !r.skipped.is_empty() {
        // Every part skipped (the reasons are in its JSON and the report).
        tr("ui.tally.all_skipped", &[])
    } else {
        crate::output::checktext::tally(crate::i18n::current(), held, failed, unk)
    };
    let how = match r.ended_by {
        _ if r.interrupted => "lab.say.interrupted",
        EndedBy::Interrupted => "lab.say.interrupted",
        EndedBy::WorkerDied => "lab.say.worker_died",
        EndedBy::Error => "lab.say.error",
        EndedBy::Completed if p.status == exit::FAILED => "lab.say.output_failed",
        EndedBy::Completed => return line,
    };
    tr(how, &[("tally", &line)])
}

/// The output folder: created when missing, refused when it is a file or
/// cannot be written.
fn prepare_dir(dir: &Path) -> Result<()> {
    let shown = dir.display().to_string();
    if dir.exists() && !dir.is_dir() {
        return Err(usage(tr("lab.err.not_a_folder", &[("dir", &shown)])));
    }
    if !dir.exists() {
        // `lab/` names the folder to create, as `lab` does.
        let plain: std::path::PathBuf = dir.components().collect();
        write::check_writable("--out", &plain)?;
        std::fs::create_dir(dir).map_err(|e| {
            usage(tr(
                "lab.err.create",
                &[("dir", &shown), ("error", &e.to_string())],
            ))
        })?;
    }
    if nix::unistd::access(dir, nix::unistd::AccessFlags::W_OK).is_err() {
        return Err(usage(tr("lab.err.not_writable", &[("dir", &shown)])));
    }
    Ok(())
}

/// Run one experiment with its quick settings in a process of its own (memlab
/// re-executed, as if the user had typed the command): each starts from a
/// clean heap, clean counters and a clean glibc state, and a crash or a leak
/// in one cannot touch the others. It writes its own CSV, JSON and chart into
/// `dir`, after the files of an earlier run are removed: a report read back
/// is always this run's.
fn run_quick(info: &Info, dir: &Path) -> Part {
    let not_run = |why: String, status: i32| Part {
        outcome: Err(why),
        status,
    };
    let name = info.name;
    let file = |ext: &str| dir.join(format!("{name}.{ext}"));
    let mut files = vec![format!("{name}.csv"), format!("{name}.json")];
    if info.plots {
        files.push(format!("{name}.svg"));
    }
    for f in &files {
        match std::fs::remove_file(dir.join(f)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                let why = tr("lab.why.remove", &[("file", f), ("error", &e.to_string())]);
                return not_run(why, exit::FAILED);
            }
        }
    }
    let argv = part_argv(info, dir, crate::i18n::current());
    let (code, signal, stderr) = match spawn_part(&argv) {
        Ok(v) => v,
        Err(e) => return not_run(e, exit::FAILED),
    };
    let interrupted = code.is_none() && signal.is_none() || code == Some(exit::INTERRUPTED);
    let first_line = || {
        let msg = String::from_utf8_lossy(&stderr);
        let line = msg.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        // The part's own error prefix, in either language.
        let mut line = line;
        for lang in [crate::i18n::Lang::En, crate::i18n::current()] {
            let prefix = crate::i18n::tr_in(lang, "err.line", &[("what", "")]);
            line = line.strip_prefix(prefix.as_str()).unwrap_or(line);
        }
        line.to_string()
    };
    if let Some(sig) = signal {
        return not_run(
            tr("lab.why.signal", &[("signal", sig.as_str())]),
            exit::FAILED,
        );
    }
    if code == Some(exit::USAGE) {
        // The quick arguments are fixed and valid: a part that refuses them
        // lacks a privilege or a feature here (not a failure of `all`).
        return not_run(first_line(), exit::OK);
    }
    let report = match std::fs::read(file("json")) {
        Ok(json) => match Report::from_json(&json) {
            Ok(r) => r,
            Err(e) => {
                let why = tr("lab.why.bad_json", &[("error", &e.to_string())]);
                return not_run(why, exit::FAILED);
            }
        },
        Err(_) if interrupted => {
            return not_run(tr("lab.why.interrupted", &[]), exit::INTERRUPTED);
        }
        Err(_) => {
            let why = match first_line() {
                l if l.is_empty() => tr("lab.why.no_json", &[]),
                l => l,
            };
            return not_run(why, exit::FAILED);
        }
    };
    let mut report = report;
    report.interrupted |= interrupted;
    if report.interrupted && report.ended_by == EndedBy::Completed {
        report.ended_by = EndedBy::Interrupted;
    }
    let status = match code {
        _ if interrupted => exit::INTERRUPTED,
        Some(c) => c,
        None => exit::FAILED,
    };
    // Drawn again from the rows the part wrote (its own SVG file when its
    // experiment has no chart function yet).
    let svg = chart_svg(&report, &file("svg"));
    files.retain(|f| dir.join(f).exists());
    Part {
        outcome: Ok((report, svg, files)),
        status,
    }
}

/// A run's chart as SVG, drawn again from its rows (and params and
/// measurements) by its experiment's chart function, so a report rebuilt
/// from JSON files, or from runs made elsewhere, draws what the data
/// says. An experiment without a chart function yet gets the SVG file
/// `beside` its JSON, when there is one.
pub fn chart_svg(r: &Report, beside: &Path) -> Option<String> {
    let chart = crate::experiments::find(&r.experiment).and_then(|i| i.chart);
    chart_with(chart, r, beside)
}

pub(crate) fn chart_with(chart: Option<ChartFn>, r: &Report, beside: &Path) -> Option<String> {
    if let Some(draw) = chart {
        match draw(&Recorded::of(r)) {
            // Nothing to draw (too few rows): no chart, as the run had none.
            Ok(None) => return None,
            Ok(Some(c)) => {
                if let Ok(svg) = crate::output::svg::render(&c) {
                    return Some(svg);
                }
            }
            // Rows this memlab cannot read: the chart the run drew.
            Err(_) => {}
        }
    }
    std::fs::read_to_string(beside).ok()
}

/// The page a report quotes the document's claim from: the Japanese one
/// in a Japanese report, where the experiment has one.
pub fn html_page(info: &Info) -> &'static str {
    match info.page_ja {
        Some(ja) if crate::i18n::current().is_ja() => ja,
        _ => info.page,
    }
}

/// The command line of a part: its quick arguments, its files in `dir`,
/// and the language `all` speaks (the part's errors become the reasons
/// shown for parts that did not run).
fn part_argv(info: &Info, dir: &Path, lang: crate::i18n::Lang) -> Vec<OsString> {
    let lang = match lang {
        crate::i18n::Lang::En => "en",
        crate::i18n::Lang::Ja => "ja",
        crate::i18n::Lang::Mark => "mark",
    };
    let file = |ext: &str| dir.join(format!("{}.{ext}", info.name)).into_os_string();
    let mut argv: Vec<OsString> = vec!["--lang".into(), lang.into(), info.name.into()];
    argv.extend(info.quick.unwrap_or(&[]).iter().map(OsString::from));
    argv.extend(["-q".into(), "--csv".into(), file("csv")]);
    argv.extend(["--json".into(), file("json")]);
    if info.plots {
        argv.extend(["--plot".into(), file("svg")]);
    }
    argv
}

/// How a part's process ended: its exit code, the signal that killed it,
/// its stderr.
type Ended = (Option<i32>, Option<nix::sys::signal::Signal>, Vec<u8>);

/// Run `memlab ARGV...` (this very binary) with stdout to /dev/null and
/// stderr captured; its exit code (None when it was cut short by memlab's
/// own interruption), the signal that killed it, and its stderr.
fn spawn_part(argv: &[OsString]) -> Result<Ended, String> {
    use std::os::unix::ffi::OsStrExt;
    let mut cargs: Vec<CString> = vec![c"/proc/self/exe".to_owned()];
    for a in argv {
        cargs.push(CString::new(a.as_bytes()).map_err(|e| e.to_string())?);
    }
    let (err_r, err_w) = sys::chan().map_err(|e| format!("{e:#}"))?;
    let mut child = sys::fork_child(|| {
        if sys::redirect_output(err_w.raw()).is_err() {
            return 1;
        }
        sys::exec(&cargs);
        1
    })
    .map_err(|e| format!("{e:#}"))?;
    drop(err_w);
    let stderr = err_r.read_to_end().unwrap_or_default();
    let mut exit = child.wait().map_err(|e| format!("{e:#}"))?;
    if exit.is_none() {
        // memlab was interrupted: let the experiment write what it measured.
        exit = child.stop(std::time::Duration::from_secs(3));
        return Ok((
            exit.as_ref()
                .and_then(|e| e.exit_code)
                .filter(|&c| c == exit::INTERRUPTED),
            None,
            stderr,
        ));
    }
    let code = exit.as_ref().and_then(|e| e.exit_code);
    let signal = exit.and_then(|e| e.signal);
    Ok((code, signal, stderr))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::part_argv;
    use crate::i18n::Lang;

    #[test]
    fn a_part_speaks_the_language_of_all() {
        let info = crate::experiments::find("faults").unwrap();
        let argv = part_argv(info, Path::new("lab"), Lang::Ja);
        let argv: Vec<&str> = argv.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(argv[..3], ["--lang", "ja", "faults"]);
        assert!(argv.ends_with(&["--plot", "lab/faults.svg"]), "{argv:?}");
        let argv = part_argv(info, Path::new("lab"), Lang::En);
        assert_eq!(argv[1], "en");
    }
}
