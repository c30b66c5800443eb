//! watch — the general sampler (the document's `ps` loop, `capture.sh`)
//!
//! The document watches its experiment with a shell loop that runs `ps` once
//! a second. `watch` samples any process instead — one given by `--pid`, or
//! a command memlab starts after `--` — every INTERVAL (down to 1 ms) on fixed
//! deadlines, until it exits or `--duration` passes: VSZ and RSS (statm),
//! minor/major faults and CPU time (stat), and with `--pss` the proportional
//! set size (smaps_rollup, which costs the kernel a walk of every mapping).

use std::ffi::CString;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use serde::Serialize;

use super::Ctx;
use crate::error::usage;
use crate::output::Ui;
use crate::probe::process::{ProcHandle, Sample};
use crate::report::{Chart, ChartKind, Report, Series};
use crate::sampler::{Sampler, is_denied, is_gone};
use crate::sys;
use crate::units::Interval;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The process to watch (or give a command after --)
    #[arg(long, allow_hyphen_values = true, conflicts_with = "command")]
    pub pid: Option<i32>,
    /// Time between two samples (at least 1ms)
    #[arg(long, allow_hyphen_values = true, default_value = "100ms")]
    pub interval: Interval,
    /// Stop after this long (a command started after -- is then killed)
    #[arg(long, allow_hyphen_values = true)]
    pub duration: Option<Interval>,
    /// Also read PSS from /proc/PID/smaps_rollup each sample (costs more)
    #[arg(long)]
    pub pss: bool,
    /// A command to start and watch: memlab watch -- CMD ARGS...
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "watch",
    section: "(the document's ps loop)",
    summary: "sample any process's VSZ/RSS/faults every 1 ms or more",
    needs: "-",
    page: include_str!("../../experiments/watch.md"),
    plots: true,
    quick: None,
    key_figures: &[],
    judge: None,
};

#[derive(Clone, Copy, Debug, Serialize)]
struct Row {
    t_s: f64,
    vsz_kib: u64,
    rss_kib: u64,
    minflt: u64,
    majflt: u64,
    utime_s: f64,
    stime_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pss_kib: Option<u64>,
}

/// How the watching ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Exited,
    Duration,
    Interrupted,
}

/// At most this many rows in the human table (CSV/JSON keep all).
const TABLE_ROWS: usize = 20;

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let interval = args.interval.0;
    if interval < Duration::from_millis(1) {
        return Err(usage(format!(
            "--interval {} is below the 1ms floor (e.g. --interval 1ms)",
            args.interval
        )));
    }
    if args.pid.is_none() && args.command.is_empty() {
        return Err(usage(
            "say what to watch: --pid PID, or a command after -- (e.g. memlab watch -- sleep 1)",
        ));
    }
    if let Some(p) = args.pid
        && p <= 0
    {
        return Err(usage(format!(
            "--pid {p} is not a process id (e.g. --pid 4242)"
        )));
    }
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
    let pid = match args.pid {
        Some(p) => p,
        None => {
            let c = start(&args.command)?;
            let pid = c.pid().as_raw();
            child = Some(c);
            pid
        }
    };
    let what = if args.command.is_empty() {
        format!("pid {pid}")
    } else {
        format!("'{}' (pid {pid})", args.command.join(" "))
    };

    let target = match ProcHandle::new(pid) {
        Ok(h) => h,
        Err(e) if is_denied(&e) => {
            return Err(e.context(format!(
                "memlab may not read /proc/{pid} (run as its user or root)"
            )));
        }
        Err(_) => {
            return Err(usage(format!(
                "no process with pid {pid} (it may have exited already; see ps -e)"
            )));
        }
    };
    // The first reading says whether this process can be watched at all.
    match target.sample() {
        Ok(s) if s.vsz_kib == 0 && child.is_none() => {
            return Err(usage(format!(
                "pid {pid} has no user memory to watch (a kernel thread, or exiting)"
            )));
        }
        Ok(_) => {}
        Err(e) if is_gone(&e) && child.is_none() => {
            return Err(usage(format!(
                "no process with pid {pid} (it exited already)"
            )));
        }
        Err(e) if is_gone(&e) => {}
        Err(e) => {
            return Err(e.context(format!(
                "memlab may not read /proc/{pid} (run as its user or root)"
            )));
        }
    }
    if args.pss
        && let Err(e) = target.rollup()
        && !is_gone(&e)
    {
        return Err(e.context(format!(
            "--pss reads /proc/{pid}/smaps_rollup, which needs ptrace access (same user, or root)"
        )));
    }

    let mut r = Report::new("watch", &ctx.meta);
    r.param("pid", pid);
    if !args.command.is_empty() {
        r.param("command", args.command.join(" "));
    }
    r.param("interval", args.interval.to_string());
    r.param("duration", args.duration.map(|d| d.to_string()));
    r.param("pss", args.pss);

    let stop_after = args.duration.map(|d| d.0.as_secs_f64());
    let expect = stop_after.map_or(4096.0, |d| d / interval.as_secs_f64() + 16.0);
    let mut rows: Vec<Row> = Vec::with_capacity((expect as usize).min(1 << 20));
    ui.say(&format!(
        "watching {what} every {}{}",
        args.interval,
        args.duration
            .map(|d| format!(" for up to {d}"))
            .unwrap_or_default()
    ));

    let mut sampler = Sampler::start(interval);
    let end = loop {
        let Some(tick) = sampler.wait(stop_after) else {
            break if sys::interrupted() {
                End::Interrupted
            } else {
                End::Duration
            };
        };
        // A child of ours that has exited is a zombie until reaped: it has no
        // memory left to read.
        if child.as_ref().is_some_and(|c| !c.is_running()) {
            break End::Exited;
        }
        let Some(s) = sampler.read(&target)? else {
            break End::Exited;
        };
        let pss_kib = if args.pss {
            match sampler.timed(|| target.rollup()) {
                Ok(v) => v.map(|r| r.pss_kib),
                Err(e) if is_gone(&e) => break End::Exited,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        rows.push(row(tick.t_s, &s, pss_kib));
        sampler.record();
    };
    let stats = sampler.finish();

    // pss_kib is a column only with --pss.
    r.columns_from(&row(0.0, &Sample::default(), args.pss.then_some(0)));
    for row in &rows {
        r.push_row(row);
    }
    r.table_rows = Some(table_rows(&rows));
    r.chart = Some(chart(&rows, &what));

    r.summary(
        "ended_by",
        match end {
            End::Exited => "exit",
            End::Duration => "duration",
            End::Interrupted => "interrupt",
        },
    );
    r.summary("peak_rss_kib", rows.iter().map(|r| r.rss_kib).max());
    r.summary("peak_vsz_kib", rows.iter().map(|r| r.vsz_kib).max());
    if args.pss {
        r.summary("peak_pss_kib", rows.iter().filter_map(|r| r.pss_kib).max());
    }
    if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
        r.summary("minflt_total", last.minflt);
        r.summary("majflt_total", last.majflt);
        r.summary("minflt_watched", last.minflt - first.minflt);
        r.summary("majflt_watched", last.majflt - first.majflt);
        r.summary("cpu_s", ((last.utime_s + last.stime_s) * 1e3).round() / 1e3);
    }
    stats.summarize(&mut r);

    if let Some(mut c) = child {
        if end == End::Exited {
            // Reap it: its exit status and the kernel's own totals (wait4).
            if let Some(e) = c.wait()? {
                r.summary("exit_code", e.exit_code);
                r.summary("exit_signal", e.signal.map(|s| s.as_str()));
                r.summary("rusage_maxrss_kib", e.rusage_maxrss_kib);
                r.summary("rusage_minflt", e.rusage_minflt);
                r.summary("rusage_majflt", e.rusage_majflt);
                ui.say(&match (e.exit_code, e.signal) {
                    (Some(code), _) => format!("{what} exited with status {code}"),
                    (_, Some(sig)) => format!("{what} was killed by {}", sig.as_str()),
                    _ => format!("{what} ended"),
                });
            }
        } else {
            // Duration passed or memlab was interrupted: the command dies
            // with memlab's handling of it (SIGKILL, reaped).
            c.kill();
            r.summary("exit_code", None::<i32>);
            r.summary("exit_signal", Some("SIGKILL"));
            r.note(format!("{what} was still running and was killed (SIGKILL)"));
        }
    }
    if rows.is_empty() && end == End::Exited {
        r.note("the process ended before the first sample; for a command, the kernel's own totals (wait4) are in rusage_*");
    }
    if end == End::Interrupted {
        r.interrupted = true;
    }
    Ok(r)
}

/// Fork and exec `cmd`. The child keeps memlab's stdin, stdout and stderr.
/// A close-on-exec pipe tells whether exec worked: it closes with no data
/// when the new program starts, or carries the errno when exec failed.
fn start(cmd: &[String]) -> Result<sys::Child> {
    let argv: Vec<CString> = cmd
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| usage("a command argument contains a NUL byte"))?;
    let (rx, tx) = sys::chan()?;
    let mut child = sys::fork_child(move || {
        let e = sys::exec(&argv);
        let _ = tx.send(&[e as i32 as u64]);
        127
    })?;
    match rx.recv(1).context("waiting for the command to start")? {
        None => Ok(child),
        Some(e) => {
            let _ = child.wait();
            Err(anyhow!(
                "cannot run '{}': {}",
                cmd[0],
                nix::errno::Errno::from_raw(e[0] as i32).desc()
            ))
        }
    }
}

fn row(t_s: f64, s: &Sample, pss_kib: Option<u64>) -> Row {
    Row {
        t_s: (t_s * 1e6).round() / 1e6,
        vsz_kib: s.vsz_kib,
        rss_kib: s.rss_kib,
        minflt: s.minflt,
        majflt: s.majflt,
        utime_s: (s.utime_s * 1e3).round() / 1e3,
        stime_s: (s.stime_s * 1e3).round() / 1e3,
        pss_kib,
    }
}

/// Evenly spaced rows, plus the peak of RSS and the last row.
fn table_rows(rows: &[Row]) -> Vec<usize> {
    if rows.len() <= TABLE_ROWS {
        return (0..rows.len()).collect();
    }
    let step = rows.len().div_ceil(TABLE_ROWS - 2);
    let mut keep: Vec<usize> = (0..rows.len()).step_by(step).collect();
    if let Some((peak, _)) = rows.iter().enumerate().max_by_key(|(_, r)| r.rss_kib) {
        keep.push(peak);
    }
    keep.push(rows.len() - 1);
    keep.sort_unstable();
    keep.dedup();
    keep
}

fn chart(rows: &[Row], what: &str) -> Chart {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let mut series = vec![Series {
        name: "RSS".into(),
        points: rows.iter().map(|r| (r.t_s, mib(r.rss_kib))).collect(),
    }];
    if rows.iter().any(|r| r.pss_kib.is_some()) {
        series.push(Series {
            name: "PSS".into(),
            points: rows
                .iter()
                .filter_map(|r| r.pss_kib.map(|p| (r.t_s, mib(p))))
                .collect(),
        });
    }
    // VSZ often dwarfs RSS (reserved but untouched address space): draw it
    // only when it fits on the same scale.
    let peak_rss = rows.iter().map(|r| r.rss_kib).max().unwrap_or(0);
    let peak_vsz = rows.iter().map(|r| r.vsz_kib).max().unwrap_or(0);
    if peak_vsz <= peak_rss.saturating_mul(4) {
        series.push(Series {
            name: "VSZ".into(),
            points: rows.iter().map(|r| (r.t_s, mib(r.vsz_kib))).collect(),
        });
    }
    Chart {
        title: format!("memlab watch {what}"),
        x_label: "time (s)".into(),
        y_label: "MiB".into(),
        kind: ChartKind::Lines {
            series,
            bands: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_short_and_keeps_the_ends() {
        let rows: Vec<Row> = (0..1000)
            .map(|i| Row {
                t_s: i as f64,
                vsz_kib: 1,
                rss_kib: if i == 517 { 99 } else { 1 },
                minflt: 0,
                majflt: 0,
                utime_s: 0.0,
                stime_s: 0.0,
                pss_kib: None,
            })
            .collect();
        let keep = table_rows(&rows);
        assert!(keep.len() <= TABLE_ROWS + 1);
        assert_eq!(keep[0], 0);
        assert_eq!(*keep.last().unwrap(), 999);
        assert!(keep.contains(&517));
    }
}
