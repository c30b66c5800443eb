//! The application layer: what each command does, above the experiments
//! and below the command line. Dispatch, `list`, `explain` and `judge`.

use anyhow::Result;

use crate::error::{exit, print as print_error, usage_t};
use crate::experiments::{self, ALL, Ctx, Experiment};
use crate::i18n::tr;
use crate::output::{Emitted, OutputArgs, Plan};
use crate::probe::host::Meta;
use crate::report::{EndedBy, EndedEarly, Report, SCHEMA_VERSION};

/// `memlab judge PATH.json`.
#[derive(clap::Args, Debug)]
pub struct JudgeArgs {
    /// A JSON file that memlab wrote (`--json PATH` of any experiment)
    #[arg(value_name = "PATH.json")]
    pub path: std::path::PathBuf,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// One experiment from the command line.
pub fn run_experiment(e: &Experiment) -> Result<i32> {
    if let Some(code) = e.worker() {
        return code;
    }
    run_one(e.out(), e.plot(), |ctx| {
        let mut report = match e.run(ctx) {
            Ok(r) => r,
            Err(err) => match err.downcast::<EndedEarly>() {
                // What was measured before the end is judged too, when the
                // checks can read it; else it is written without checks.
                Ok(mut early) => {
                    if experiments::judge(&mut early.report).is_err() {
                        early.report.checks.clear();
                    }
                    return Err(anyhow::Error::new(early));
                }
                Err(err) => return Err(err),
            },
        };
        experiments::judge(&mut report)?;
        Ok(report)
    })
}

/// Validate the outputs, gather the host facts once, run, export, and turn
/// the report into an exit status. A run that ended early with something
/// measured ([`EndedEarly`]) is written too, then its reason is printed.
pub fn run_one(
    out: &OutputArgs,
    plot: Option<&std::path::PathBuf>,
    body: impl FnOnce(&Ctx) -> Result<Report>,
) -> Result<i32> {
    let plan = Plan::new(out, plot)?;
    let ctx = Ctx {
        meta: Meta::gather(),
        ui: plan.ui(),
        stream: plan.stream_hook(),
    };
    crate::sys::hook("run");
    let (mut report, why) = match body(&ctx) {
        Ok(r) => (r, None),
        Err(e) => match e.downcast::<EndedEarly>() {
            Ok(early) => (*early.report, Some(early.why)),
            Err(e) => return Err(e),
        },
    };
    if crate::sys::interrupted() {
        report.interrupted = true;
    }
    if report.interrupted && report.ended_by == EndedBy::Completed {
        report.ended_by = EndedBy::Interrupted;
    }
    if why.is_some() && report.ended_by == EndedBy::Completed {
        report.ended_by = EndedBy::Error;
    }
    let emitted = if ctx.stream.is_open() {
        // The rows went out as they were taken: complete those outputs.
        let mut emitted = Emitted::default();
        match ctx.stream.finish(&report) {
            Ok(notes) => notes.iter().for_each(|n| ctx.ui.say(&n.text())),
            Err(e) => {
                crate::error::print(&format!("{e:#}"));
                emitted.failed += 1;
            }
        }
        emitted.and(plan.emit_after_stream(&report))
    } else {
        plan.emit(&report)
    };
    match (why, report.ended_by) {
        (Some(why), _) => print_error(&tr("err.written_anyway", &[("why", &why)])),
        (None, EndedBy::WorkerDied) => print_error(&tr("err.worker_died", &[])),
        (None, EndedBy::Error) => print_error(&tr("err.run_stopped", &[])),
        _ => {}
    }
    Ok(status_of(&report, emitted))
}

/// The exit status of a finished run (README, "Exit status"): 130 when a
/// signal cut the run or a write, else 1 when the run ended early or an
/// output could not be written, else 3 when a check did not hold, else 0.
pub fn status_of(report: &Report, emitted: Emitted) -> i32 {
    if report.interrupted || emitted.interrupted {
        exit::INTERRUPTED
    } else if let Some(code) = report.exit_status {
        // watch -- CMD: the command's status (or 127/126 when it could
        // not be run), as time(1) gives it; 1 if it was 0 and an output
        // could not be written.
        if code == exit::OK && emitted.failed > 0 {
            exit::FAILED
        } else {
            code
        }
    } else if matches!(report.ended_by, EndedBy::WorkerDied | EndedBy::Error) || emitted.failed > 0
    {
        exit::FAILED
    } else if report.all_hold() {
        exit::OK
    } else {
        exit::CHECK_FAILED
    }
}

/// A closed stdout (`memlab list | head -1`) is an error here, which
/// `run` turns into a quiet exit, not a panic as `println!` would.
pub fn list() -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let lang = crate::i18n::current();
    // The summary in the reader's language (the catalogue's `list.NAME`).
    let say = |name: &str, english: &'static str| -> String {
        match lang {
            crate::i18n::Lang::En => english.to_string(),
            _ => crate::i18n::try_tr_in(lang, &format!("list.{name}"), &[])
                .unwrap_or_else(|| english.to_string()),
        }
    };
    // What it needs, likewise (`needs.NAME`).
    let needs = |name: &str, english: &'static str| -> String {
        match lang {
            _ if english == "-" => english.to_string(),
            crate::i18n::Lang::En => english.to_string(),
            _ => crate::i18n::try_tr_in(lang, &format!("needs.{name}"), &[])
                .unwrap_or_else(|| english.to_string()),
        }
    };
    let said: Vec<(&str, String, String)> = ALL
        .iter()
        .map(|i| (i.name, say(i.name, i.summary), needs(i.name, i.needs)))
        .chain([("all", say("all", crate::lab::SUMMARY), "-".to_string())])
        .collect();
    let rows: Vec<(&str, &str, &str)> = said
        .iter()
        .map(|(n, s, d)| (*n, s.as_str(), d.as_str()))
        .collect();
    let width = crate::output::term::width(crate::output::term::Stream::Stdout);
    write!(out, "{}", crate::output::table::list(&rows, width))
}

pub fn explain(name: &str) -> Result<i32> {
    let page = if name == "all" {
        crate::lab::PAGE
    } else {
        match experiments::find(name) {
            Some(i) => i.page,
            None => {
                return Err(usage_t("err.explain.unknown", &[("name", name)]));
            }
        }
    };
    let lang = crate::i18n::current();
    if lang.is_ja() {
        let ja = if name == "all" {
            Some(crate::lab::PAGE_JA)
        } else {
            experiments::find(name).and_then(|i| i.page_ja)
        };
        match ja {
            Some(ja) => {
                crate::output::page::show(ja)?;
                return Ok(exit::OK);
            }
            None => println!("{}", crate::i18n::tr("ui.explain.no_ja", &[])),
        }
    }
    crate::output::page::show(page)?;
    Ok(exit::OK)
}

/// Judge a run read from `path` again, from its rows: refused when rows
/// were removed from it (the file of a streaming run holds every row it
/// took; a run whose recorded checks its rows can no longer give).
pub fn rejudge(report: &mut Report, path: &std::path::Path) -> Result<()> {
    let shown = path.display().to_string();
    if let Some(took) = report.row_count.or(rows_taken(&report.measurements))
        && took != report.rows.len() as u64
    {
        return Err(usage_t(
            "err.judge.rows_cut",
            &[
                ("path", &shown),
                ("n", &report.rows.len().to_string()),
                ("took", &took.to_string()),
            ],
        ));
    }
    let had = report.checks.len();
    report.summary.clear();
    report.checks.clear();
    experiments::judge(report)?;
    if had > 0 && report.checks.is_empty() {
        return Err(usage_t(
            "err.judge.nothing_left",
            &[("path", &shown), ("had", &had.to_string())],
        ));
    }
    Ok(())
}

/// How many rows the run took, where it recorded that beside them
/// (the experiments that stream their rows: watch, demand-paging, free).
fn rows_taken(m: &serde_json::Map<String, serde_json::Value>) -> Option<u64> {
    let online = m.get("online");
    m.get("rows")
        .or_else(|| online.and_then(|o| o.get("rows")))
        .or_else(|| online.and_then(|o| o.get("samples")))
        .and_then(serde_json::Value::as_u64)
}

/// Read a JSON memlab wrote and check that it is one this memlab can judge.
pub fn read_run(path: &std::path::Path) -> Result<Report> {
    let shown = path.display().to_string();
    let p = ("path", shown.as_str());
    let with_cause =
        |id: &str, e: &dyn std::fmt::Display| usage_t(id, &[p, ("cause", &e.to_string())]);
    let bytes = std::fs::read(path).map_err(|e| with_cause("err.judge.cannot_read", &e))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| with_cause("err.judge.not_json", &e))?;
    let name = value
        .get("experiment")
        .and_then(|v| v.as_str())
        .filter(|_| value.get("rows").is_some() && value.get("meta").is_some())
        .ok_or_else(|| usage_t("err.judge.not_memlab", &[p]))?
        .to_string();
    let reads = SCHEMA_VERSION.to_string();
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(SCHEMA_VERSION) => {}
        Some(v) => {
            let version = v.to_string();
            return Err(usage_t(
                "err.judge.schema",
                &[p, ("version", &version), ("reads", &reads)],
            ));
        }
        None => {
            return Err(usage_t("err.judge.no_schema", &[p, ("reads", &reads)]));
        }
    }
    if experiments::find(&name).is_none() {
        return Err(usage_t(
            "err.judge.unknown_experiment",
            &[p, ("name", &name)],
        ));
    }
    let mut report: Report =
        serde_json::from_value(value).map_err(|e| with_cause("err.judge.unreadable", &e))?;
    report.columns_from_rows();
    Ok(report)
}

/// `memlab judge PATH.json`: the summary and checks again, from the rows.
pub fn judge(a: &JudgeArgs) -> Result<i32> {
    let plan = Plan::new(&a.out, None)?;
    let mut report = read_run(&a.path)?;
    rejudge(&mut report, &a.path)?;
    let emitted = plan.emit(&report);
    // The judged run's own ending (interrupted, worker died) is part of
    // the data; only this command's own writes decide 130 and 1 here.
    let mut now = report.clone();
    now.interrupted = false;
    now.ended_by = EndedBy::Completed;
    Ok(status_of(&now, emitted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Check;

    fn report() -> Report {
        Report::new("free", &Meta::default())
    }

    #[test]
    fn exit_status_precedence_is_130_then_1_then_3_then_0() {
        let ok = Emitted::default();
        let mut r = report();
        assert_eq!(status_of(&r, ok), exit::OK);
        r.check(Check::new("c", "claim", "e", "m", false));
        assert_eq!(status_of(&r, ok), exit::CHECK_FAILED);
        let failed_write = Emitted {
            failed: 1,
            interrupted: false,
        };
        assert_eq!(status_of(&r, failed_write), exit::FAILED);
        r.ended_by = EndedBy::WorkerDied;
        assert_eq!(status_of(&r, ok), exit::FAILED);
        r.interrupted = true;
        assert_eq!(status_of(&r, failed_write), exit::INTERRUPTED);
        let cut_write = Emitted {
            failed: 0,
            interrupted: true,
        };
        assert_eq!(status_of(&report(), cut_write), exit::INTERRUPTED);
    }

    #[test]
    fn a_run_that_ended_early_is_written_with_its_ending_and_exits_1() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("r.json");
        let out = OutputArgs {
            csv: Some(dir.path().join("r.csv")),
            json: Some(json.clone()),
            quiet: true,
        };
        let code = run_one(&out, None, |ctx| {
            let mut r = Report::new("free", &ctx.meta);
            r.measure("pages_touched", 12);
            Err(r.ended_early(EndedBy::WorkerDied, "the worker 1 was killed by SIGKILL"))
        })
        .unwrap();
        assert_eq!(code, exit::FAILED);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(v["ended_by"], "worker_died");
        assert_eq!(v["measurements"]["pages_touched"], 12);
        assert!(dir.path().join("r.csv").exists());
    }
}
