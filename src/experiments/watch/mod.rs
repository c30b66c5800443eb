//! watch — the general sampler (the document's `ps` loop, `capture.sh`)
//!
//! The document watches its experiment with a shell loop that runs `ps` once
//! a second. `watch` samples any process instead — one given by `--pid`, or
//! a command memlab starts after `--` — and by default all its descendants
//! (`tree.rs`), every INTERVAL (down to 1 ms) on fixed deadlines, until it
//! exits or `--duration` passes: VSZ and RSS (statm), minor/major faults and
//! CPU time (stat), and with `--pss` the proportional set size at a lower
//! rate (smaps_rollup makes the kernel walk every mapping).
//!
//! Rows stream to the outputs as they are taken (`output::stream`); memlab
//! keeps only an online summary, a bounded table and a bounded chart
//! series (`view.rs`), so a run of a day costs what a run of a minute does.
//! For `-- CMD`, memlab exits with the command's status, as time(1) does.

pub mod checks;
mod tree;
pub mod view;

use std::ffi::CString;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::signal::Signal;

use super::Ctx;
use crate::error::usage;
use crate::i18n::tr;
use crate::output::Ui;
use crate::probe::process::ProcHandle;
use crate::report::{EndedBy, Report};
use crate::sampler::{Sampler, is_denied, is_gone};
use crate::sys;
use crate::sys::reap;
use crate::units::Interval;
pub use checks::judge;
use checks::{Measured, PEAK_SHARE_MIN};
use tree::Tree;
use view::{ChartData, Online, Row, TABLE_ROWS, TableKeep};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The process to watch (or give a command after --)
    #[arg(long, allow_hyphen_values = true, conflicts_with = "command")]
    pub pid: Option<i32>,
    /// Time between two samples (at least 1ms)
    #[arg(long, allow_hyphen_values = true, default_value = "100ms")]
    pub interval: Interval,
    /// Stop after this long (a command started after -- is then sent SIGTERM, SIGKILL a second later; exit 0)
    #[arg(long, allow_hyphen_values = true)]
    pub duration: Option<Interval>,
    /// Also sum PSS from /proc/PID/smaps_rollup, at a lower rate (each read walks every mapping)
    #[arg(long)]
    pub pss: bool,
    /// Watch the process alone, not its descendants
    #[arg(long)]
    pub no_children: bool,
    /// A command to start and watch: memlab watch -- CMD ARGS... memlab then
    /// exits with its status (128+N when signal N ended it, 127 not found,
    /// 126 not executable). When --csv - or --json - takes stdout, the
    /// command's stdout goes to memlab's stderr.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "watch",
    section: "(the document's ps loop)",
    summary: "sample a process tree's VSZ/RSS/faults every 1 ms or more",
    needs: "-",
    page: include_str!("../../../experiments/watch.md"),
    plots: true,
    chart: Some(view::chart_of_recorded),
    quick: None,
    key_figures: &["peak_rss_kib", "peak_rss_kernel_kib"],
    judge: checks::judge,
    page_ja: Some(include_str!("../../../experiments/ja/watch.md")),
};

/// How the watching ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Exited,
    Duration,
    ReaderLeft,
    Interrupted,
}

impl End {
    fn word(self) -> &'static str {
        match self {
            End::Exited => "exit",
            End::Duration => "duration",
            End::ReaderLeft => "reader_left",
            End::Interrupted => "interrupt",
        }
    }
}

/// A command's end after the grace: SIGTERM (or the signal memlab got),
/// then SIGKILL.
const GRACE: Duration = Duration::from_secs(1);
/// `--pss`: read smaps_rollup at most every this many intervals, and never
/// more often than [`PSS_COST_FACTOR`] times what the last read cost.
const PSS_EVERY_INTERVALS: u32 = 10;
const PSS_COST_FACTOR: u32 = 50;
/// What memlab's forked copy may touch between fork and exec beyond what
/// it shares with memlab (a stack page or two, the exec pipe).
const EXEC_COPY_MARGIN_KIB: u64 = 256;

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    validate(args)?;
    // A command keeps stdout for itself: memlab's narration goes to stderr.
    let ui = if args.command.is_empty() {
        ctx.ui
    } else {
        Ui {
            to_stderr: true,
            ..ctx.ui
        }
    };
    let mut child = None;
    let mut copy_kib = 0;
    let pid = match args.pid {
        Some(p) => p,
        None => {
            reap::become_child_subreaper()?;
            match start(&args.command, ctx.ui.to_stderr)? {
                Ok((c, kib)) => {
                    let pid = c.pid().as_raw();
                    child = Some(c);
                    copy_kib = kib;
                    pid
                }
                Err(not_run) => return Ok(exec_failed(args, ctx, not_run)),
            }
        }
    };
    let what = view::what(pid, (!args.command.is_empty()).then_some(&args.command[..]));
    first_reading(pid, args.pss, child.is_some())?;
    let mut r = report_head(args, ctx, pid);
    let adopter = child.as_ref().map(|_| std::process::id() as i32);
    let mut tree = Tree::new(pid, args.interval.0, !args.no_children, adopter)
        .with_context(|| tr("watch.err.reading_proc", &[("pid", &pid.to_string())]))?;
    // The outputs' writer threads start after the fork above.
    for n in ctx.stream.open(&r)? {
        ui.say(&n.text());
        n.add_to(&mut r);
    }
    let id = match (args.no_children, args.duration.is_some()) {
        (false, false) => "watch.say.watching",
        (false, true) => "watch.say.watching_for",
        (true, false) => "watch.say.watching_alone",
        (true, true) => "watch.say.watching_alone_for",
    };
    let duration = args.duration.map(|d| d.to_string()).unwrap_or_default();
    ui.say(&tr(
        id,
        &[
            ("what", &what),
            ("interval", &args.interval.to_string()),
            ("duration", &duration),
        ],
    ));
    let mut w = Watched::default();
    let end = sample_loop(args, ctx, &mut tree, child.as_ref(), &mut w)?;
    let stats = w.sampler_stats.take();
    let exit = end_command(&mut child, end, &mut tree, &what, &ui);
    let f = Finish {
        end,
        exit,
        copy_kib,
        tree: &tree,
        w,
        stats,
        what: &what,
    };
    finish(args, ctx, &mut r, f);
    Ok(r)
}

fn validate(args: &Args) -> Result<()> {
    if args.interval.0 < Duration::from_millis(1) {
        return Err(usage(tr(
            "watch.err.interval_floor",
            &[("interval", &args.interval.to_string())],
        )));
    }
    if args.pid.is_none() && args.command.is_empty() {
        return Err(usage(tr("watch.err.nothing", &[])));
    }
    if let Some(p) = args.pid
        && p <= 0
    {
        return Err(usage(tr("watch.err.bad_pid", &[("pid", &p.to_string())])));
    }
    Ok(())
}

/// The first reading says whether this process can be watched at all.
fn first_reading(pid: i32, pss: bool, ours: bool) -> Result<()> {
    let p = pid.to_string();
    let p = [("pid", p.as_str())];
    let target = match ProcHandle::new(pid) {
        Ok(h) => h,
        Err(e) if is_denied(&e) => {
            return Err(e.context(tr("watch.err.denied", &p)));
        }
        Err(_) => {
            return Err(usage(tr("watch.err.no_process", &p)));
        }
    };
    match target.sample() {
        Ok(s) if s.vsz_kib == 0 && !ours => {
            return Err(usage(tr("watch.err.no_memory", &p)));
        }
        Ok(_) => {}
        Err(e) if is_gone(&e) && !ours => {
            return Err(usage(tr("watch.err.exited", &p)));
        }
        Err(e) if is_gone(&e) => {}
        Err(e) => {
            return Err(e.context(tr("watch.err.denied", &p)));
        }
    }
    if pss
        && let Err(e) = target.rollup()
        && !is_gone(&e)
    {
        return Err(e.context(tr("watch.err.pss_denied", &p)));
    }
    Ok(())
}

fn report_head(args: &Args, ctx: &Ctx, pid: i32) -> Report {
    let mut r = Report::new("watch", &ctx.meta);
    r.param("pid", pid);
    r.param(
        "command",
        (!args.command.is_empty()).then_some(&args.command),
    );
    r.param("interval_s", args.interval.0.as_secs_f64());
    r.param("duration_s", args.duration.map(|d| d.0.as_secs_f64()));
    r.param("pss", args.pss);
    r.param("children", !args.no_children);
    // pss_kib is a column only with --pss.
    r.columns_from(&Row {
        pss_kib: args.pss.then_some(0),
        ..Row::default()
    });
    r
}

/// What the loop keeps: bounded whatever the duration.
struct Watched {
    online: Online,
    keep: TableKeep,
    chart: ChartData,
    pss_reads: u64,
    pss_ns: u128,
    /// The root's reaped-children faults at the last sample (did it have
    /// children that came and went between scans?).
    root_cminflt: u64,
    sampler_stats: Option<crate::sampler::Stats>,
}

impl Default for Watched {
    fn default() -> Self {
        Watched {
            online: Online::default(),
            keep: TableKeep::new(TABLE_ROWS),
            chart: ChartData::default(),
            pss_reads: 0,
            pss_ns: 0,
            root_cminflt: 0,
            sampler_stats: None,
        }
    }
}

fn sample_loop(
    args: &Args,
    ctx: &Ctx,
    tree: &mut Tree,
    child: Option<&sys::Child>,
    w: &mut Watched,
) -> Result<End> {
    let interval = args.interval.0;
    let stop_after = args.duration.map(|d| d.0.as_secs_f64());
    let mut pss_next = Instant::now();
    let mut sampler = Sampler::start(interval);
    let end = loop {
        let Some(tick) = sampler.wait(stop_after) else {
            break if sys::interrupted() {
                End::Interrupted
            } else {
                End::Duration
            };
        };
        if ctx.stream.reader_gone() {
            break End::ReaderLeft;
        }
        if let Some(c) = child {
            // Orphans that ended (memlab is their subreaper); then the
            // command itself: once it has exited it is a zombie, with no
            // memory left to read.
            while let Some(gone) = reap::reap_other(c) {
                tree.add_reaped(&gone);
            }
            if !c.is_running() {
                break End::Exited;
            }
        }
        sampler.timed(|| tree.discover());
        sampler.timed(|| tree.maybe_read_hwm());
        let Some(s) = sampler.timed(|| tree.sample())? else {
            break End::Exited;
        };
        let mut pss_kib = None;
        if args.pss && Instant::now() >= pss_next {
            let t0 = Instant::now();
            pss_kib = sampler.timed(|| tree.pss_kib())?;
            let cost = t0.elapsed();
            w.pss_reads += 1;
            w.pss_ns += cost.as_nanos();
            pss_next = t0 + (interval * PSS_EVERY_INTERVALS).max(cost * PSS_COST_FACTOR);
        }
        let row = Row {
            t_s: (tick.t_s * 1e6).round() / 1e6,
            nprocs: s.nprocs,
            vsz_kib: s.vsz_kib,
            rss_kib: s.rss_kib,
            minflt: s.minflt,
            majflt: s.majflt,
            utime_s: (s.utime_s * 1e3).round() / 1e3,
            stime_s: (s.stime_s * 1e3).round() / 1e3,
            pss_kib,
        };
        w.keep.push(w.online.rows, &row);
        w.online.push(&row);
        w.chart.push(&row);
        ctx.stream.push(&row);
        // A long interval: hand the row to the outputs now, not after the
        // sleep (the first row of `--interval 10s` would wait 10 s).
        ctx.stream.before_idle(interval);
        w.root_cminflt = s.root_cminflt;
        sampler.record();
    };
    w.sampler_stats = Some(sampler.finish());
    Ok(end)
}

/// How the command ended, as `wait4` told.
struct CommandEnd {
    exit: Option<sys::ChildExit>,
    /// memlab had to kill it (SIGKILL after the grace).
    killed: bool,
}

/// Reap the command (ending it first unless it exited), then every orphan
/// that has ended.
fn end_command(
    child: &mut Option<sys::Child>,
    end: End,
    tree: &mut Tree,
    what: &str,
    ui: &Ui,
) -> Option<CommandEnd> {
    let c = child.as_mut()?;
    let first = match end {
        End::Exited => None,
        End::Interrupted => Some(sys::interrupt_signal().unwrap_or(Signal::SIGTERM)),
        End::Duration | End::ReaderLeft => Some(Signal::SIGTERM),
    };
    let got = match first {
        // It has exited: a zombie, reaped at once.
        None => c.try_reap().or_else(|| c.end_with(Signal::SIGTERM, GRACE)),
        Some(sig) => c.end_with(sig, GRACE),
    };
    for gone in reap::reap_ended() {
        tree.add_reaped(&gone);
    }
    let killed = got.is_none();
    ui.say(&match &got {
        Some(e) => match (e.exit_code, e.signal) {
            (Some(code), _) => tr(
                "watch.say.exited",
                &[("what", what), ("code", &code.to_string())],
            ),
            (_, Some(sig)) => tr(
                "watch.say.signalled",
                &[("what", what), ("signal", sig.as_str())],
            ),
            _ => tr("watch.say.ended", &[("what", what)]),
        },
        None => tr(
            "watch.say.killed",
            &[("what", what), ("grace", &format!("{GRACE:?}"))],
        ),
    });
    Some(CommandEnd { exit: got, killed })
}

struct Finish<'a> {
    end: End,
    exit: Option<CommandEnd>,
    /// memlab's resident size when it forked the command.
    copy_kib: u64,
    tree: &'a Tree,
    w: Watched,
    stats: Option<crate::sampler::Stats>,
    what: &'a str,
}

/// The report: the kept rows for the table, the measurements the checks
/// and the summary come from, the chart, the exit status.
fn finish(args: &Args, ctx: &Ctx, r: &mut Report, f: Finish<'_>) {
    let m = measured(args, ctx, &f);
    let Finish {
        end, exit, w, what, ..
    } = f;
    let kept = w.keep.rows();
    for (_, row) in &kept {
        r.push_row(row);
    }
    ctx.stream
        .set_view_rows(kept.iter().map(|(i, _)| *i as usize).collect());
    // The chart from the bounded series kept while sampling: the rows
    // themselves were streamed, not kept. `chart_of_recorded` draws the same
    // from a saved JSON's rows.
    r.chart = Some(w.chart.chart(what, !args.no_children));
    if m.single_process
        && let (Some(s), Some(k)) = (m.peak_rss_kib, m.peak_rss_kernel_kib)
        && (s as f64) < k as f64 * PEAK_SHARE_MIN
        && !m.kernel_peak_before_watch
    {
        r.note_t(
            "watch.note.missed_peak",
            &[
                ("sampled", &s.to_string()),
                ("share", &format!("{:.0}", PEAK_SHARE_MIN * 100.0)),
                ("kernel", &k.to_string()),
            ],
        );
    }
    if !args.no_children && m.procs_seen > 1 {
        r.note_t("watch.note.upper_bound", &[]);
    }
    if m.rows > kept.len() as u64 {
        r.note_t(
            "watch.note.table_rows",
            &[
                ("shown", &kept.len().to_string()),
                ("total", &m.rows.to_string()),
            ],
        );
    }
    if m.rows_dropped > 0 {
        r.note_t("watch.note.dropped", &[("n", &m.rows_dropped.to_string())]);
    }
    if m.rows == 0 && end == End::Exited {
        r.note_t("watch.note.ended_before_first", &[]);
    }
    if let Some(CommandEnd { killed: true, .. }) = exit {
        let pid = r.params.get("pid").cloned().unwrap_or_default();
        r.note_t(
            "watch.note.killed",
            &[("cmd", &args.command.join(" ")), ("pid", &pid.to_string())],
        );
    }
    r.exit_status = Some(match (&exit, end) {
        (Some(CommandEnd { exit: Some(e), .. }), End::Exited) => status_of(e),
        _ => 0,
    });
    if end == End::Interrupted {
        r.interrupted = true;
    }
    if let serde_json::Value::Object(map) = serde_json::to_value(&m).unwrap_or_default() {
        r.measurements = map;
    }
}

/// The command's status as a shell (and time(1)) gives it.
fn status_of(e: &sys::ChildExit) -> i32 {
    match (e.exit_code, e.signal) {
        (Some(code), _) => code,
        (_, Some(sig)) => 128 + sig as i32,
        _ => 0,
    }
}

fn measured(args: &Args, ctx: &Ctx, f: &Finish<'_>) -> Measured {
    let Finish {
        end,
        exit,
        copy_kib,
        tree,
        w,
        stats,
        ..
    } = f;
    let (end, copy_kib, tree, stats) = (*end, *copy_kib, *tree, *stats);
    let exit = exit.as_ref();
    let e = exit.and_then(|c| c.exit.as_ref());
    let had_children = w.root_cminflt > 0 || tree.procs_seen > 1 || tree.orphans_reaped > 0;
    // The command's ru_maxrss is the largest of memlab's copy before exec,
    // the command after it, and the children it reaped: only a figure
    // above the copy's size is the command's own.
    let cmd_maxrss = e.map_or(0, |e| e.rusage_maxrss_kib);
    let cmd_maxrss = if cmd_maxrss > copy_kib + EXEC_COPY_MARGIN_KIB {
        cmd_maxrss
    } else {
        0
    };
    let kernel = if !args.no_children {
        tree.hwm_tree_kib
            .max(tree.reaped_maxrss_kib)
            .max(cmd_maxrss)
    } else if had_children || tree.hwm_root_kib > 0 {
        // The process alone: its own VmHWM. The command's ru_maxrss also
        // covers the children it reaped, which memlab may not have seen;
        // it stands in only when VmHWM was never read.
        tree.hwm_root_kib
    } else {
        cmd_maxrss
    };
    let mut sampler = stats.map(|s| s.figures()).unwrap_or_default();
    sampler.insert("tree_scans".into(), tree.scans.into());
    let scan_us = tree.scan_ns as f64 / tree.scans.max(1) as f64 / 1e3;
    sampler.insert(
        "tree_scan_mean_us".into(),
        ((scan_us * 1e3).round() / 1e3).into(),
    );
    if args.pss {
        sampler.insert("pss_reads".into(), w.pss_reads.into());
        let us = w.pss_ns as f64 / w.pss_reads.max(1) as f64 / 1e3;
        sampler.insert("pss_read_mean_us".into(), ((us * 1e3).round() / 1e3).into());
    }
    Measured {
        end: end.word().into(),
        children: !args.no_children,
        rows: w.online.rows,
        rows_dropped: ctx.stream.dropped(),
        nprocs_max: w.online.nprocs_max,
        procs_seen: tree.procs_seen,
        single_process: args.no_children || !had_children,
        peak_rss_kib: w.online.peak_rss.map(|p| p.0),
        peak_rss_t_s: w.online.peak_rss.map(|p| p.1),
        min_rss_kib: w.online.min_rss_kib,
        peak_vsz_kib: w.online.peak_vsz_kib,
        peak_pss_kib: w.online.peak_pss_kib,
        peak_rss_kernel_kib: (kernel > 0).then_some(kernel),
        kernel_peak_before_watch: args.pid.is_some()
            && tree.hwm_root_first_kib == Some(tree.hwm_root_kib),
        first_row: w.online.first,
        last_row: w.online.last,
        // A command ended by the user's own signal (passed on by memlab, or
        // sent to the whole group by Ctrl-C) has no result of its own.
        exit_code: e
            .and_then(|e| e.exit_code)
            .filter(|_| end != End::Interrupted),
        exit_signal: match exit {
            _ if end == End::Interrupted => None,
            Some(CommandEnd { killed: true, .. }) => Some("SIGKILL".into()),
            _ => e.and_then(|e| e.signal).map(|s| s.as_str().to_string()),
        },
        rusage_maxrss_kib: e.map(|e| e.rusage_maxrss_kib),
        rusage_minflt: e.map(|e| e.rusage_minflt),
        rusage_majflt: e.map(|e| e.rusage_majflt),
        orphans_reaped: tree.orphans_reaped,
        sampler,
    }
}

/// Fork and exec `cmd`. The child keeps memlab's stdin, stdout and stderr,
/// except that its stdout goes to stderr when memlab's stdout carries data.
/// A close-on-exec pipe tells whether exec worked: it closes with no data
/// when the new program starts, or carries the errno when exec failed.
/// `Ok(Err((status, why)))`: it could not be run (127 not found, 126 not
/// executable, as a shell says).
/// The command could not be run: its status, its name and why.
type NotRun = (i32, String, String);

fn start(cmd: &[String], stdout_taken: bool) -> Result<Result<(sys::Child, u64), NotRun>> {
    let argv: Vec<CString> = cmd
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| usage(tr("watch.err.nul", &[])))?;
    let (rx, tx) = sys::chan()?;
    // Between fork and exec the child is a copy of memlab, and the kernel
    // keeps that copy's resident size in the command's ru_maxrss.
    let copy_kib = ProcHandle::myself()
        .and_then(|me| me.sample())
        .map_or(0, |s| s.rss_kib);
    let mut child = sys::fork_child(move || {
        if stdout_taken {
            reap::stdout_to_stderr();
        }
        // The command may dump core as it would outside memlab.
        sys::restore_inherited_limits();
        let e = sys::exec(&argv);
        let _ = tx.send(&[e as i32 as u64]);
        127
    })?;
    match rx
        .recv(1)
        .with_context(|| tr("watch.err.waiting_start", &[]))?
    {
        None => Ok(Ok((child, copy_kib))),
        Some(e) => {
            let _ = child.wait();
            let errno = nix::errno::Errno::from_raw(e[0] as i32);
            let code = match errno {
                nix::errno::Errno::ENOENT | nix::errno::Errno::ENOTDIR => 127,
                _ => 126,
            };
            Ok(Err((code, cmd[0].clone(), errno.desc().to_string())))
        }
    }
}

/// The command could not be run: say so, exit 127 or 126 as a shell does,
/// and still write what there is (`ended_by: error`).
fn exec_failed(args: &Args, ctx: &Ctx, (code, cmd, why): NotRun) -> Report {
    let a = [("cmd", cmd.as_str()), ("error", why.as_str())];
    crate::error::print(&tr("watch.err.cannot_run", &a));
    let mut r = report_head(args, ctx, 0);
    r.ended_by = EndedBy::Error;
    r.note_t("watch.err.cannot_run", &a);
    r.exit_status = Some(code);
    let m = Measured {
        end: "exec_failed".into(),
        children: !args.no_children,
        ..Measured::default()
    };
    if let serde_json::Value::Object(map) = serde_json::to_value(&m).unwrap_or_default() {
        r.measurements = map;
    }
    r
}
