//! all — every experiment that can run here, with quick defaults, into one
//! folder: `<name>.csv`, `<name>.json`, `<name>.svg` and `report.html`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use clap::Parser;

use super::{ALL, Ctx, run_experiment};
use crate::cli::Cli;
use crate::error::{exit, usage};
use crate::output::{self, Ui, html, write};
use crate::probe::host::Meta;
use crate::report::Report;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder for the CSV, JSON, SVG files and report.html (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// No narration and no progress bar
    #[arg(short, long)]
    pub quiet: bool,
}

/// What one experiment left: its report, its chart and the files written,
/// or why it could not run here.
type Outcome = Result<(Report, Option<String>, Vec<String>), String>;

/// Quick settings: small sizes and fast rates, so the whole chapter runs in
/// well under a minute.
const QUICK: &[(&str, &[&str])] = &[
    ("free", &[]),
    ("segv", &["--target", "all"]),
    ("mmap", &["--size", "64M"]),
    ("oom", &["--limit", "32M"]),
    ("page-table", &["--size", "64M", "--reserve", "8G"]),
    ("hugepage", &["--size", "64M", "--forks", "5"]),
    ("filemap", &["--cold"]),
    ("malloc", &[]),
    ("isolation", &[]),
    ("cow", &["--size", "64M"]),
];

pub fn run(args: &Args) -> Result<i32> {
    prepare_dir(&args.out)?;
    let started = Instant::now();
    let meta = Meta::gather();
    let ui = Ui {
        quiet: args.quiet,
        to_stderr: false,
    };
    let mut results: Vec<(&'static super::Info, Outcome)> = Vec::new();
    // `watch` samples a process the user names: not a chapter experiment.
    let runnable: Vec<&super::Info> = ALL
        .iter()
        .filter(|i| i.name != "all" && i.name != "watch")
        .collect();
    let progress = ui.progress(runnable.len() as u64, "experiments");
    for (n, info) in runnable.iter().enumerate() {
        if crate::sys::interrupted() {
            break;
        }
        progress.set(n as u64);
        progress.message(info.name);
        let outcome = match QUICK.iter().find(|(name, _)| *name == info.name) {
            None if !info.built() => Err("not built yet in this version of memlab".to_string()),
            None => Err("has no quick settings for `memlab all` (run it on its own)".to_string()),
            Some((_, quick)) => run_quick(info.name, quick, &meta, &args.out),
        };
        if !args.quiet {
            progress.finish();
        }
        match &outcome {
            Ok((r, _, _)) => {
                let failed = r.checks.iter().filter(|c| c.holds == Some(false)).count();
                ui.say(&format!(
                    "{:<14} {} checks, {}",
                    info.name,
                    r.checks.len(),
                    if failed == 0 {
                        "all held".to_string()
                    } else {
                        format!("{failed} did not hold")
                    }
                ));
            }
            Err(why) => ui.say(&format!("{:<14} not run: {why}", info.name)),
        }
        results.push((info, outcome));
    }
    progress.finish();

    let sections: Vec<html::Section<'_>> = results
        .iter()
        .map(|(info, o)| html::Section {
            name: info.name,
            section: info.section,
            page: info.page,
            outcome: match o {
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
    write::atomic(&report_path, page.as_bytes())?;
    ui.say(&format!(
        "wrote {} ({:.1} s)",
        report_path.display(),
        started.elapsed().as_secs_f64()
    ));
    let any_failed = results
        .iter()
        .any(|(_, o)| matches!(o, Ok((r, _, _)) if !r.all_hold()));
    Ok(if crate::sys::interrupted() {
        exit::INTERRUPTED
    } else if any_failed {
        exit::CHECK_FAILED
    } else {
        exit::OK
    })
}

/// The output folder: created when missing, refused when it is a file or
/// cannot be written.
fn prepare_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(usage(format!(
            "--out '{}' is not a folder; give a folder, e.g. --out lab",
            dir.display()
        )));
    }
    if !dir.exists() {
        // `lab/` names the folder to create, as `lab` does.
        let plain: std::path::PathBuf = dir.components().collect();
        write::check_writable("--out", &plain)?;
        std::fs::create_dir(dir).map_err(|e| {
            usage(format!(
                "--out '{}' cannot be created ({e}); e.g. --out lab",
                dir.display()
            ))
        })?;
    }
    if nix::unistd::access(dir, nix::unistd::AccessFlags::W_OK).is_err() {
        return Err(usage(format!(
            "--out '{}' is not writable; e.g. --out lab",
            dir.display()
        )));
    }
    Ok(())
}

/// Run one experiment in-process with its quick settings and write its files.
fn run_quick(name: &str, quick: &[&str], meta: &Meta, dir: &Path) -> Outcome {
    let mut argv = vec!["memlab", name];
    argv.extend_from_slice(quick);
    let cli = Cli::try_parse_from(&argv).map_err(|e| format!("bad quick settings: {e}"))?;
    let ctx = Ctx {
        meta: meta.clone(),
        ui: Ui {
            quiet: true,
            to_stderr: true,
        },
    };
    let mut report = run_experiment(&cli.command, &ctx).map_err(|e| format!("{e:#}"))?;
    if crate::sys::interrupted() {
        report.interrupted = true;
    }
    let svg = match &report.chart {
        Some(c) => Some(output::svg::render(c).map_err(|e| format!("{e:#}"))?),
        None => None,
    };
    let mut files = Vec::new();
    let mut put = |file: String, bytes: &[u8]| -> Result<(), String> {
        write::atomic(&dir.join(&file), bytes).map_err(|e| format!("{e:#}"))?;
        files.push(file);
        Ok(())
    };
    put(
        format!("{name}.csv"),
        &output::csv::render(&report).map_err(|e| e.to_string())?,
    )?;
    put(
        format!("{name}.json"),
        &output::json::render(&report).map_err(|e| e.to_string())?,
    )?;
    if let Some(s) = &svg {
        put(format!("{name}.svg"), s.as_bytes())?;
    }
    Ok((report, svg, files))
}
