//! all — every experiment that can run here, with quick defaults, into one
//! folder: `<name>.csv`, `<name>.json`, `<name>.svg` and `report.html`.
//! Which experiments run, and with what, comes from the registry
//! (`Info::quick`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;

use crate::error::{exit, usage};
use crate::experiments::{ALL, Info};
use crate::output::{Ui, html, write};
use crate::probe::host::Meta;
use crate::report::Report;
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

/// What one experiment left: its report, its chart and the files written,
/// or why it could not run here.
type Outcome = Result<(Report, Option<String>, Vec<String>), String>;

/// `all`'s line in `memlab list`.
pub const SUMMARY: &str = "run every experiment with quick defaults into a lab report";
/// `all`'s page.
pub const PAGE: &str = include_str!("../experiments/all.md");

pub fn run(args: &Args) -> Result<i32> {
    prepare_dir(&args.out)?;
    let started = Instant::now();
    let meta = Meta::gather();
    let ui = Ui {
        quiet: args.quiet,
        to_stderr: false,
    };
    let mut results: Vec<(&'static Info, Outcome)> = Vec::new();
    let runnable: Vec<&'static Info> = ALL.iter().copied().filter(|i| i.quick.is_some()).collect();
    let progress = ui.progress(runnable.len() as u64, "experiments");
    for (n, info) in runnable.iter().enumerate() {
        if crate::sys::interrupted() {
            break;
        }
        progress.set(n as u64);
        progress.message(info.name);
        let outcome = run_quick(info, &args.out);
        if !args.quiet {
            progress.finish();
        }
        match &outcome {
            Ok((r, _, _)) => ui.say(&format!(
                "{:<14} {}",
                info.name,
                crate::output::table::tally_text(r)
            )),
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
            page: Some(info.page),
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

/// Run one experiment with its quick settings in a process of its own (memlab
/// re-executed, as if the user had typed the command): each starts from a
/// clean heap, clean counters and a clean glibc state, and a crash or a leak
/// in one cannot touch the others. It writes its own CSV, JSON and chart into
/// `dir`; the report is read back from the JSON.
fn run_quick(info: &Info, dir: &Path) -> Outcome {
    let name = info.name;
    let mut argv: Vec<String> = vec!["memlab".into(), name.into()];
    argv.extend(info.quick.unwrap_or(&[]).iter().map(|s| s.to_string()));
    let has_plot = info.plots;
    let file = |ext: &str| dir.join(format!("{name}.{ext}"));
    let mut files = vec![format!("{name}.csv"), format!("{name}.json")];
    argv.extend(["-q".into(), "--csv".into(), path_arg(&file("csv"))?]);
    argv.extend(["--json".into(), path_arg(&file("json"))?]);
    if has_plot {
        argv.extend(["--plot".into(), path_arg(&file("svg"))?]);
        files.push(format!("{name}.svg"));
    }
    let exe = std::ffi::CString::new("/proc/self/exe").map_err(|e| e.to_string())?;
    let mut cargs: Vec<std::ffi::CString> = vec![exe];
    for a in &argv[1..] {
        cargs.push(std::ffi::CString::new(a.as_str()).map_err(|e| e.to_string())?);
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
    }
    let code = exit.as_ref().and_then(|e| e.exit_code);
    let interrupted = exit.is_none() || code == Some(130);
    if !interrupted && !matches!(code, Some(0) | Some(3)) {
        let msg = String::from_utf8_lossy(&stderr);
        let line = msg.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(match (code, exit.and_then(|e| e.signal)) {
            (_, Some(sig)) => format!("ended by {}", sig.as_str()),
            _ => line.trim_start_matches("memlab: error: ").to_string(),
        });
    }
    let json = std::fs::read(file("json")).map_err(|e| format!("no JSON written: {e}"))?;
    let mut report = Report::from_json(&json).map_err(|e| format!("JSON does not parse: {e}"))?;
    report.interrupted |= interrupted;
    let svg = if has_plot {
        std::fs::read_to_string(file("svg")).ok()
    } else {
        None
    };
    files.retain(|f| dir.join(f).exists());
    Ok((report, svg, files))
}

fn path_arg(p: &Path) -> Result<String, String> {
    p.to_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{} is not valid UTF-8", p.display()))
}
