//! demand-paging — デマンドページング
//!
//! The document's experiment: a process reserves 100 MiB, waits, touches it
//! at 10 MiB per second, waits, and exits, while a `ps` loop in another
//! terminal prints its VSZ, RSS and faults once a second. The kernel gives a
//! page its physical frame only on the first access (a minor page fault), so
//! reserving moves VSZ and not RSS, touching moves RSS at the touch rate, and
//! exiting gives everything back.
//!
//! Here a forked worker does the reserving and touching; memlab samples it
//! from outside through /proc on fixed deadlines ([`crate::sampler`]), with
//! the system's `used`/`available` from /proc/meminfo, and steps the worker
//! through the phases over a pipe.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::Ctx;
use crate::error::usage;
use crate::probe::meminfo::{MemInfo, pcp_free_kib};
use crate::probe::process::ProcHandle;
use crate::report::{Band, Chart, ChartKind, Check, Report, Series};
use crate::sampler::{Sampler, slope};
use crate::sys::{self, Chan, HugeAdvice, MapOptions, Polled, Region};
use crate::units::{Interval, Rate, Size};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How much the worker reserves and then touches (binary units: 100M = 100 MiB)
    #[arg(long, allow_hyphen_values = true, default_value = "100M")]
    pub size: Size,
    /// How fast it touches, e.g. 10M/s (the document's pace), or max
    #[arg(long, allow_hyphen_values = true, default_value = "10M/s")]
    pub rate: Rate,
    /// Time between two samples (at least 1ms)
    #[arg(long, allow_hyphen_values = true, default_value = "100ms")]
    pub interval: Interval,
    /// How long each quiet phase (before-alloc, allocated, touched, exited)
    /// lasts; the document waits about a second
    #[arg(long, allow_hyphen_values = true, default_value = "1s")]
    pub hold: Interval,
    /// Ask for transparent huge pages (MADV_HUGEPAGE) instead of 4 KiB pages
    #[arg(long)]
    pub thp: bool,
    /// Run even if SIZE is more than half of the available memory
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "demand-paging",
    section: "デマンドページング",
    summary: "reserve 100 MiB, touch it at 10 MiB/s, sample VSZ/RSS/faults",
    needs: "-",
    page: include_str!("../../experiments/demand-paging.md"),
    plots: true,
    quick: Some(&[
        "--size",
        "32M",
        "--rate",
        "64M/s",
        "--interval",
        "20ms",
        "--hold",
        "200ms",
    ]),
    key_figures: &[],
    judge: None,
};

/// The phases of the document's procedure, in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    #[default]
    BeforeAlloc,
    Allocated,
    Touching,
    Touched,
    Exited,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::BeforeAlloc => "before-alloc",
            Phase::Allocated => "allocated",
            Phase::Touching => "touching",
            Phase::Touched => "touched",
            Phase::Exited => "exited",
        }
    }
}

/// One sample. Process columns are empty once the worker has exited.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Row {
    pub t_s: f64,
    pub phase: Phase,
    pub vsz_kib: Option<u64>,
    pub rss_kib: Option<u64>,
    pub minflt: Option<u64>,
    pub majflt: Option<u64>,
    /// How far the worker had touched when the sample was taken.
    pub touched_kib: u64,
    pub mem_used_kib: u64,
    pub mem_used_adj_kib: u64,
    pub mem_available_kib: u64,
    /// Free pages in the per-CPU lists (from /proc/zoneinfo; see `pcp_every`).
    pub pcp_free_kib: u64,
}

// Thresholds ---------------------------------------------------------------

/// Fitted slopes (RSS and system used while touching) must be within 10% of
/// the rate, as the issue asks.
const SLOPE_TOLERANCE: f64 = 0.10;
/// Per-process counters are exact: faults and RSS must match SIZE/page within
/// 3% (the worker's own stack, heap and pipe buffers fault a few pages too).
const EXACT_TOLERANCE: f64 = 0.03;
/// VSZ may move by memlab's worker's own heap besides the region: 1 MiB.
const VSZ_SLACK_KIB: u64 = 1024;
/// A page table page, the worker's pipe buffers: RSS may move by 1% of SIZE
/// (and at least 256 KiB) in a phase where nothing is touched.
const FLAT_FRACTION: f64 = 0.01;
const FLAT_MIN_KIB: u64 = 256;
/// System-wide figures move with everything else on the host: allow 10% of
/// SIZE for a claim about `used`.
const SYSTEM_TOLERANCE: f64 = 0.10;
/// The least number of samples inside the touching phase to fit a slope.
const MIN_FIT_SAMPLES: usize = 4;

// The pipe protocol: three words per message -------------------------------

const CMD_WARM_UP: u64 = 0;
const CMD_RESERVE: u64 = 1;
const CMD_TOUCH: u64 = 2;
const CMD_EXIT: u64 = 3;

const EV_READY: u64 = 9;
const EV_ALLOCATED: u64 = 10;
const EV_PROGRESS: u64 = 11;
const EV_TOUCHED: u64 = 12;
const EV_FAILED: u64 = 13;

/// What the worker needs to know, fixed before the fork.
#[derive(Clone, Copy, Debug)]
struct Plan {
    size: u64,
    page: u64,
    step: u64,
    /// Bytes per second; `None` for `--rate max`.
    rate: Option<u64>,
    advice: HugeAdvice,
}

/// A run that would touch for longer than an hour is a typo, not a lab.
const MAX_TOUCH_S: u64 = 3600;

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let size = args.size.bytes();
    let interval = args.interval.0;
    let hold = args.hold.0.as_secs_f64();
    if size == 0 {
        return Err(usage("--size must be more than 0 (e.g. --size 100M)"));
    }
    if interval < Duration::from_millis(1) {
        return Err(usage(format!(
            "--interval {} is below the 1ms floor (e.g. --interval 1ms)",
            args.interval
        )));
    }
    let rate = match args.rate {
        Rate::PerSecond(s) if s.bytes() == 0 => {
            return Err(usage("--rate must be more than 0 (e.g. --rate 10M/s)"));
        }
        Rate::PerSecond(s) => Some(s.bytes()),
        Rate::Max => None,
    };
    if let Some(r) = rate
        && size / r > MAX_TOUCH_S
    {
        return Err(usage(format!(
            "--rate {} would take {} s to touch {}: more than an hour (e.g. --rate 10M/s)",
            args.rate,
            size / r,
            args.size
        )));
    }
    crate::guard::check(args.size, args.force)?;

    let page = sys::page_size();
    let plan = Plan {
        size,
        page,
        step: step_bytes(size, rate, page),
        rate,
        advice: if args.thp {
            HugeAdvice::Huge
        } else {
            HugeAdvice::NoHuge
        },
    };

    // Fork first: the worker starts small and carries none of the sampling
    // buffers allocated below.
    let (cmd_rx, cmd_tx) = sys::chan()?;
    let (ev_rx, ev_tx) = sys::chan()?;
    let mut worker = sys::fork_child(move || worker_main(&cmd_rx, &ev_tx, plan))?;
    let worker_pid = worker.pid().as_raw();
    let target = ProcHandle::new(worker_pid)?;
    cmd_tx
        .send(&[CMD_WARM_UP, 0, 0])
        .context("commanding the worker")?;
    match ev_rx.recv(3).context("waiting for the worker")? {
        Some(m) if m[0] == EV_READY => {}
        _ if sys::interrupted() => {}
        _ => bail!("the worker {worker_pid} ended before it was ready"),
    }

    let mut r = Report::new("demand-paging", &ctx.meta);
    r.param("size_bytes", size);
    r.param("rate", args.rate.to_string());
    r.param("interval", args.interval.to_string());
    r.param("hold", args.hold.to_string());
    r.param("thp", args.thp);
    r.param("step_bytes", plan.step);
    r.summary("worker_pid", worker_pid);

    // zoneinfo costs several times more than meminfo: read it every sample
    // at 10 ms and slower, every ⌈10 ms / interval⌉ samples below, and at
    // every phase change.
    let pcp_every =
        (Duration::from_millis(10).as_nanos() / interval.as_nanos().max(1)).max(1) as u64;
    let touch_s = rate.map_or(0.5, |b| size as f64 / b as f64);
    let expect_rows = ((4.0 * hold + touch_s) / interval.as_secs_f64()) as usize + 64;
    let mut rows: Vec<Row> = Vec::with_capacity(expect_rows.min(10_000_000));

    ctx.ui.say(&format!(
        "worker {worker_pid}: reserve {} then touch it at {} ({} steps of {} KiB), sampling every {}",
        args.size,
        args.rate,
        size.div_ceil(plan.step),
        plan.step / 1024,
        args.interval
    ));
    let bar = ctx.ui.progress(size / 1024, Phase::BeforeAlloc.name());

    let mut sampler = Sampler::start(interval);
    let mut phase = Phase::BeforeAlloc;
    let mut phase_start = 0.0;
    let mut phase_changed = true;
    let mut touched = 0u64;
    let mut pcp = pcp_free_kib().unwrap_or(0);
    let mut touch_result: Option<(u64, u64)> = None;
    let mut exit_info = None;
    let mut interrupted = false;

    loop {
        let Some(tick) = sampler.wait(None) else {
            interrupted = true;
            break;
        };
        let t = tick.t_s;
        // The worker's news since the last sample.
        loop {
            match ev_rx.try_recv(3).context("reading the worker's pipe")? {
                Polled::Empty => break,
                Polled::Closed => break,
                Polled::Msg(m) => match m[0] {
                    EV_PROGRESS => touched = m[1],
                    EV_TOUCHED => {
                        touched = size;
                        touch_result = Some((m[1], m[2]));
                        phase = Phase::Touched;
                        phase_start = t;
                        phase_changed = true;
                    }
                    EV_FAILED => return Err(reserve_failed(size, m[1])),
                    other => bail!("unexpected message {other} from the worker"),
                },
            }
        }
        // Move on when the phase has lasted its time.
        let due = t - phase_start >= hold;
        let next = match phase {
            Phase::BeforeAlloc if due => {
                cmd_tx
                    .send(&[CMD_RESERVE, 0, 0])
                    .context("commanding the worker")?;
                match ev_rx.recv(3).context("waiting for the worker")? {
                    Some(m) if m[0] == EV_ALLOCATED => {}
                    Some(m) if m[0] == EV_FAILED => return Err(reserve_failed(size, m[1])),
                    Some(m) => bail!("unexpected message {} from the worker", m[0]),
                    None if sys::interrupted() => {
                        interrupted = true;
                        break;
                    }
                    None => bail!("the worker {worker_pid} ended before reserving"),
                }
                Some(Phase::Allocated)
            }
            Phase::Allocated if due => {
                cmd_tx
                    .send(&[CMD_TOUCH, 0, 0])
                    .context("commanding the worker")?;
                Some(Phase::Touching)
            }
            Phase::Touched if due => {
                cmd_tx
                    .send(&[CMD_EXIT, 0, 0])
                    .context("commanding the worker")?;
                match worker.wait()? {
                    Some(e) => exit_info = Some(e),
                    None => {
                        interrupted = true;
                        break;
                    }
                }
                Some(Phase::Exited)
            }
            Phase::Exited if due => break,
            _ => None,
        };
        if let Some(p) = next {
            phase = p;
            phase_start = t;
            phase_changed = true;
        }
        if phase_changed {
            bar.message(phase.name());
        }
        bar.set(touched / 1024);

        // The sample: the worker's stat + statm, then meminfo.
        let proc_sample = if phase == Phase::Exited {
            None
        } else {
            match sampler.read(&target)? {
                Some(s) => Some(s),
                None => {
                    if worker.is_running() {
                        // /proc/PID vanished for a process that still runs:
                        // the kernel hides it from us (hidepid).
                        bail!(
                            "cannot read /proc/{worker_pid} although the worker runs \
                             (/proc mounted with hidepid?)"
                        );
                    }
                    let how = worker
                        .wait()?
                        .map(|e| format!("{e:?}"))
                        .unwrap_or_else(|| "interrupted".into());
                    if sys::interrupted() {
                        interrupted = true;
                        break;
                    }
                    bail!("the worker {worker_pid} died unexpectedly ({how})");
                }
            }
        };
        if phase_changed || tick.index % pcp_every == 0 {
            pcp = sampler.timed(pcp_free_kib).unwrap_or(0);
        }
        phase_changed = false;
        let mem = sampler.timed(|| MemInfo::read_with_pcp(pcp))?;
        rows.push(Row {
            t_s: (t * 1e6).round() / 1e6,
            phase,
            vsz_kib: proc_sample.map(|s| s.vsz_kib),
            rss_kib: proc_sample.map(|s| s.rss_kib),
            minflt: proc_sample.map(|s| s.minflt),
            majflt: proc_sample.map(|s| s.majflt),
            touched_kib: touched / 1024,
            mem_used_kib: mem.used_kib,
            mem_used_adj_kib: mem.used_adj_kib,
            mem_available_kib: mem.available_kib,
            pcp_free_kib: mem.pcp_free_kib,
        });
        sampler.record();
    }
    bar.finish();
    let stats = sampler.finish();
    // On interruption the worker is killed and reaped here, before anything
    // is written.
    worker.kill();

    r.columns_from(&Row::default());
    for row in &rows {
        r.push_row(row);
    }
    r.table_rows = Some(table_rows(&rows));
    r.table_hide = vec!["mem_used_kib".into(), "pcp_free_kib".into()];
    r.chart = Some(chart(&rows, args));
    stats.summarize(&mut r);
    if let Some(e) = &exit_info {
        r.summary("worker_exit_code", e.exit_code);
    }
    if let Some((ns, faults)) = touch_result {
        r.summary("touch_s", (ns as f64 / 1e9 * 1e6).round() / 1e6);
        r.summary("touch_minflt", faults);
        if rate.is_none() && faults > 0 && ns > 0 {
            r.summary("faults_per_s", (faults as f64 / (ns as f64 / 1e9)).round());
            r.summary("ns_per_fault", (ns as f64 / faults as f64).round());
        }
    }
    r.note(format!(
        "system used is `used` minus the free pages parked in per-CPU lists \
         (mem_used_adj_kib); /proc/zoneinfo was re-read every {pcp_every} sample(s) and at each phase change"
    ));

    if interrupted {
        r.interrupted = true;
        r.note(format!(
            "interrupted during {}: worker {worker_pid} killed and reaped; checks skipped",
            phase.name()
        ));
        return Ok(r);
    }
    checks(&mut r, &rows, args, &plan, touch_result, ctx);
    Ok(r)
}

/// The worker's EV_FAILED message (it carries the errno of mmap or madvise).
fn reserve_failed(size: u64, errno: u64) -> anyhow::Error {
    anyhow::anyhow!(
        "the worker could not reserve {size} bytes: {}",
        std::io::Error::from_raw_os_error(errno as i32)
    )
}

/// Touch in steps of at most 1% of SIZE (so RSS rises as a ramp), and at most
/// 10 ms of touching at the chosen rate; whole pages, at least one.
fn step_bytes(size: u64, rate: Option<u64>, page: u64) -> u64 {
    let mut step = size / 100;
    if let Some(r) = rate {
        step = step.min(r / 100);
    }
    (step / page * page).max(page)
}

/// The worker: reserve, touch at the rate, hold, exit, each on command.
/// Runs in the forked child; returns its exit code.
fn worker_main(cmd: &Chan, ev: &Chan, plan: Plan) -> i32 {
    // memlab samples this process from outside: where /proc is mounted with
    // hidepid, only a dumpable process's files are open to its parent.
    sys::let_parent_read_my_proc();
    let expect = |want: u64| matches!(cmd.recv(3), Ok(Some(m)) if m[0] == want);
    let fail = |e: &anyhow::Error| {
        let errno = sys::errno_of(e).unwrap_or(libc::ENOMEM);
        let _ = ev.send(&[EV_FAILED, errno as u64, 0]);
        1
    };
    // A forked child maps its parent's code afresh: each function it runs
    // for the first time faults its text pages in and grows its RSS. Run
    // every path of the phases once, on one page, before memlab starts
    // sampling, so RSS moves only with the region.
    // Receiving a command is part of every phase too.
    if !expect(CMD_WARM_UP) {
        return 1;
    }
    if let Ok(w) = Region::anon(plan.page, MapOptions::default()) {
        let _ = w.advise_huge(plan.advice);
        sys::sleep_until(Instant::now());
        w.write_range(0, plan.page, plan.page, 1);
        let _ = sys::rusage_self_faults();
    }
    if ev.send(&[EV_READY, 0, 0]).is_err() || !expect(CMD_RESERVE) {
        return 1;
    }
    // Reserving only records a range (a VMA): no frame is allocated yet.
    let region = match Region::anon(plan.size, MapOptions::default()) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    // MADV_NOHUGEPAGE keeps every fault a 4 KiB page whatever the host's THP
    // mode, as the document reasons; --thp asks for 2 MiB pages instead.
    if let Err(e) = region.advise_huge(plan.advice) {
        return fail(&e);
    }
    if ev.send(&[EV_ALLOCATED, 0, 0]).is_err() || !expect(CMD_TOUCH) {
        return 1;
    }
    let (f0, _) = sys::rusage_self_faults();
    let t0 = Instant::now();
    let mut off = 0;
    while off < plan.size {
        // Deadlines are absolute, from the start of touching: the ramp keeps
        // the rate even if one step is late.
        if let Some(rate) = plan.rate {
            let due = t0 + Duration::from_secs_f64(off as f64 / rate as f64);
            sys::sleep_until(due);
        }
        let end = (off + plan.step).min(plan.size);
        // One write per page: each is a first access, so each is a minor
        // fault that gives the page its frame.
        region.write_range(off, end, plan.page, 1);
        off = end;
        if ev.send(&[EV_PROGRESS, off, 0]).is_err() {
            return 1;
        }
    }
    let ns = t0.elapsed().as_nanos() as u64;
    let (f1, _) = sys::rusage_self_faults();
    if ev.send(&[EV_TOUCHED, ns, f1 - f0]).is_err() {
        return 1;
    }
    let _ = expect(CMD_EXIT);
    drop(region);
    0
}

/// Rows at phase boundaries (first and last of each phase) and the first row
/// of every second.
fn table_rows(rows: &[Row]) -> Vec<usize> {
    let mut keep = Vec::new();
    let mut next_second = 0.0;
    for (i, row) in rows.iter().enumerate() {
        let first = i == 0 || rows[i - 1].phase != row.phase;
        let last = i + 1 == rows.len() || rows[i + 1].phase != row.phase;
        let second = row.t_s >= next_second;
        if second {
            next_second = row.t_s.floor() + 1.0;
        }
        if first || last || second {
            keep.push(i);
        }
    }
    keep
}

fn chart(rows: &[Row], args: &Args) -> Chart {
    let mib = |kib: u64| kib as f64 / 1024.0;
    // The axis starts at 0 MiB: draw system used above its lowest point of
    // the run, so the line keeps its shape whichever way the host drifted.
    let base = rows.iter().map(|r| r.mem_used_adj_kib).min().unwrap_or(0) as f64;
    let pts = |f: &dyn Fn(&Row) -> Option<f64>| -> Vec<(f64, f64)> {
        rows.iter()
            .filter_map(|r| f(r).map(|v| (r.t_s, v)))
            .collect()
    };
    let series = vec![
        Series {
            name: "VSZ (worker)".into(),
            points: pts(&|r| r.vsz_kib.map(mib)),
        },
        Series {
            name: "RSS (worker)".into(),
            points: pts(&|r| r.rss_kib.map(mib)),
        },
        Series {
            name: "system used (adj.) above its lowest".into(),
            points: pts(&|r| Some((r.mem_used_adj_kib as f64 - base) / 1024.0)),
        },
    ];
    let mut bands = Vec::new();
    let end_t = rows.last().map_or(0.0, |r| r.t_s);
    for (i, row) in rows.iter().enumerate() {
        if i == 0 || rows[i - 1].phase != row.phase {
            let to = rows[i..]
                .iter()
                .find(|r| r.phase != row.phase)
                .map_or(end_t, |r| r.t_s);
            bands.push(Band {
                label: row.phase.name().into(),
                from: row.t_s,
                to,
            });
        }
    }
    Chart {
        title: format!("demand paging: {} touched at {}", args.size, args.rate),
        x_label: "time (s)".into(),
        y_label: "MiB".into(),
        kind: ChartKind::Lines { series, bands },
    }
}

/// The rows of one phase.
fn phase_rows(rows: &[Row], p: Phase) -> Vec<&Row> {
    rows.iter().filter(|r| r.phase == p).collect()
}

fn spread(v: impl Iterator<Item = i64>) -> i64 {
    let v: Vec<i64> = v.collect();
    match (v.iter().min(), v.iter().max()) {
        (Some(a), Some(b)) => b - a,
        _ => 0,
    }
}

/// The document's 考察, each against the measurement.
fn checks(
    r: &mut Report,
    rows: &[Row],
    args: &Args,
    plan: &Plan,
    touch: Option<(u64, u64)>,
    ctx: &Ctx,
) {
    let size_kib = plan.size / 1024;
    let mib = |kib: f64| kib / 1024.0;
    let before = phase_rows(rows, Phase::BeforeAlloc);
    let alloc = phase_rows(rows, Phase::Allocated);
    let touching = phase_rows(rows, Phase::Touching);
    let touched = phase_rows(rows, Phase::Touched);
    let exited = phase_rows(rows, Phase::Exited);
    let (Some(b), Some(a), Some(t_first), Some(t_last), Some(x_last)) = (
        before.last(),
        alloc.last(),
        touched.first(),
        touched.last(),
        exited.last(),
    ) else {
        r.note("a phase has no sample (interval longer than the hold?); checks skipped");
        return;
    };
    let v = |row: &Row| row.vsz_kib.unwrap_or(0) as i64;
    let rs = |row: &Row| row.rss_kib.unwrap_or(0) as i64;
    let used = |row: &Row| row.mem_used_adj_kib as i64;
    let flat_kib = ((size_kib as f64 * FLAT_FRACTION) as u64).max(FLAT_MIN_KIB) as i64;
    let sys_tol = (size_kib as f64 * SYSTEM_TOLERANCE) as i64;
    let rate_kib_s = plan.rate.map(|b| b as f64 / 1024.0);
    let thp = args.thp && ctx.meta.thp_enabled.as_deref() != Some("never");

    // Other activity on the host: `used` should move exactly with the
    // worker's RSS (and drop by it at exit), so the spread of the difference
    // is what everything else did meanwhile.
    let noise = spread(
        rows.iter()
            .map(|row| used(row) - row.rss_kib.unwrap_or(0) as i64),
    );
    r.summary("system_noise_kib", noise);
    let system_check = |name: &str, claim: &str, expected: String, measured: String, ok: bool| {
        if !ok && noise * 2 > sys_tol {
            Check::inconclusive(
                name,
                claim,
                expected,
                format!(
                    "{measured}; other activity moved system used by up to {:.1} MiB meanwhile",
                    mib(noise as f64)
                ),
            )
        } else {
            Check::new(name, claim, expected, measured, ok)
        }
    };

    // 1. Reserving: VSZ +SIZE, RSS flat, system used flat.
    let dv = v(a) - v(b);
    r.check(Check::new(
        "vsz_grows_by_size_on_reserve",
        "reserving memory raises the virtual size (VSZ) by about the size reserved",
        format!("+{size_kib} KiB (up to +{} KiB)", size_kib + VSZ_SLACK_KIB),
        format!("{dv:+} KiB"),
        dv >= size_kib as i64 && dv <= (size_kib + VSZ_SLACK_KIB) as i64,
    ));
    let dr = rs(a) - rs(b);
    r.check(Check::new(
        "rss_flat_on_reserve",
        "until the region is accessed, the process's physical memory (RSS) does not change",
        format!("within ±{flat_kib} KiB"),
        format!("{dr:+} KiB"),
        dr.abs() <= flat_kib,
    ));
    let du = used(a) - used(b);
    r.check(system_check(
        "system_used_flat_on_reserve",
        "reserving memory hardly changes the system's physical memory use",
        format!("within ±{:.1} MiB", mib(sys_tol as f64)),
        format!("{:+.1} MiB", mib(du as f64)),
        du.abs() <= sys_tol,
    ));

    // 2. Touching: RSS and used rise at RATE, VSZ does not move.
    if let Some(rate) = rate_kib_s {
        let fit = |f: &dyn Fn(&Row) -> i64| -> Option<f64> {
            let pts: Vec<(f64, f64)> = touching
                .iter()
                .map(|row| (row.t_s, f(row) as f64))
                .collect();
            if pts.len() < MIN_FIT_SAMPLES {
                None
            } else {
                slope(&pts)
            }
        };
        let expected = format!("{:.2} MiB/s ± {:.0}%", mib(rate), SLOPE_TOLERANCE * 100.0);
        let too_few = format!(
            "only {} sample(s) while touching; use a shorter --interval",
            touching.len()
        );
        let claim_rss = "while touching, the process's RSS rises at the touch rate";
        match fit(&rs) {
            Some(s) => {
                r.summary("rss_slope_kib_per_s", s.round());
                r.check(Check::new(
                    "rss_rises_at_rate",
                    claim_rss,
                    expected.clone(),
                    format!("RSS rose at {:.2} MiB/s", mib(s)),
                    (s - rate).abs() <= rate * SLOPE_TOLERANCE,
                ))
            }
            None => r.check(Check::inconclusive(
                "rss_rises_at_rate",
                claim_rss,
                expected.clone(),
                too_few.clone(),
            )),
        }
        let claim_sys = "while touching, the system's used memory rises at the touch rate";
        match fit(&used) {
            Some(s) => {
                r.summary("system_used_slope_kib_per_s", s.round());
                r.check(system_check(
                    "system_used_rises_at_rate",
                    claim_sys,
                    expected,
                    format!("used rose at {:.2} MiB/s", mib(s)),
                    (s - rate).abs() <= rate * SLOPE_TOLERANCE,
                ))
            }
            None => r.check(Check::inconclusive(
                "system_used_rises_at_rate",
                claim_sys,
                expected,
                too_few,
            )),
        }
    } else {
        r.note("--rate max: no target rate, so the slopes are not checked; see faults_per_s and ns_per_fault");
    }
    let moving: Vec<&Row> = rows
        .iter()
        .filter(|row| matches!(row.phase, Phase::Touching | Phase::Touched))
        .collect();
    let dv_touch = spread(moving.iter().map(|row| v(row)));
    r.check(Check::new(
        "vsz_flat_while_touching",
        "touching allocates physical memory only: the virtual size does not grow",
        format!("VSZ moves by ≤ {VSZ_SLACK_KIB} KiB"),
        format!("VSZ moved by {dv_touch} KiB"),
        dv_touch <= VSZ_SLACK_KIB as i64,
    ));

    // Faults: one per page (4 KiB), or one per 2 MiB with THP.
    let sampled_faults = t_last.minflt.unwrap_or(0) as i64 - a.minflt.unwrap_or(0) as i64;
    let faults = touch.map_or(sampled_faults, |(_, f)| f as i64);
    r.summary("touching_minflt_sampled", sampled_faults);
    if thp {
        let huge = plan.size.div_ceil(sys::HUGE_PAGE_BYTES) as i64;
        let claim = "with transparent huge pages one fault maps 2 MiB at a time";
        let expected = format!(
            "about {huge} faults (SIZE / 2 MiB), far fewer than {}",
            plan.size / plan.page
        );
        let measured = format!("{faults} minor faults");
        // Too many faults means the kernel had no huge pages to give, not
        // that the claim is wrong: only a pass or inconclusive.
        r.check(Check::judged(
            "faults_per_huge_page",
            claim,
            expected,
            measured,
            (faults <= huge * 2 + 16).then_some(true),
            "the kernel fell back to 4 KiB pages for part of the region (no free 2 MiB blocks?)",
        ));
    } else {
        let pages = (plan.size / plan.page) as i64;
        let tol = (pages as f64 * EXACT_TOLERANCE) as i64;
        let mut expected = format!("{pages} ± {tol} (SIZE / {} B page)", plan.page);
        if args.thp {
            expected.push_str("; THP is disabled on this host, so 4 KiB pages");
        }
        r.check(Check::new(
            "faults_once_per_page",
            "each page faults once, on its first access, when the kernel gives it a frame",
            expected,
            format!("{faults} minor faults while touching ({sampled_faults} between samples)"),
            (faults - pages).abs() <= tol,
        ));
    }

    // 3. After touching nothing changes.
    let drs = spread(touched.iter().map(|row| rs(row)));
    r.check(Check::new(
        "rss_flat_after_touching",
        "after the accesses end, the process's memory use stays where it is",
        format!("RSS moves by ≤ {flat_kib} KiB"),
        format!("RSS moved by {drs} KiB"),
        drs <= flat_kib,
    ));
    let dus = used(t_last) - used(t_first);
    r.check(system_check(
        "system_used_flat_after_touching",
        "after the accesses end, the system's used memory stays where it is",
        format!("within ±{:.1} MiB", mib(sys_tol as f64)),
        format!("{:+.1} MiB", mib(dus as f64)),
        dus.abs() <= sys_tol,
    ));

    // 4. RSS ends up SIZE above where it started.
    let drt = rs(t_last) - rs(b);
    let tol = (size_kib as f64 * EXACT_TOLERANCE) as i64;
    r.check(Check::new(
        "rss_up_by_size_after_touching",
        "after touching, the process's physical memory is about SIZE more than before reserving",
        format!("+{size_kib} KiB ± {tol}"),
        format!("{drt:+} KiB"),
        (drt - size_kib as i64).abs() <= tol,
    ));

    // 5. After exit the system is back where it started.
    let dx = used(x_last) - used(b);
    r.check(system_check(
        "system_used_back_after_exit",
        "when the process exits, system memory use returns to its level before the process started",
        format!("within ±{:.1} MiB of before-alloc", mib(sys_tol as f64)),
        format!("{:+.1} MiB", mib(dx as f64)),
        dx.abs() <= sys_tol,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_at_most_one_percent_and_whole_pages() {
        assert_eq!(
            step_bytes(100 << 20, Some(10 << 20), 4096),
            104_857 / 4096 * 4096
        );
        assert_eq!(
            step_bytes(100 << 20, None, 4096),
            (100 << 20) / 100 / 4096 * 4096
        );
        assert_eq!(
            step_bytes(16 << 20, Some(64 << 20), 4096),
            (16 << 20) / 100 / 4096 * 4096
        );
        assert_eq!(step_bytes(8192, None, 4096), 4096);
    }

    fn row(t: f64, phase: Phase) -> Row {
        Row {
            t_s: t,
            phase,
            vsz_kib: None,
            rss_kib: None,
            minflt: None,
            majflt: None,
            touched_kib: 0,
            mem_used_kib: 0,
            mem_used_adj_kib: 0,
            mem_available_kib: 0,
            pcp_free_kib: 0,
        }
    }

    #[test]
    fn table_keeps_boundaries_and_seconds() {
        let phases = [Phase::BeforeAlloc, Phase::Allocated, Phase::Touching];
        let rows: Vec<Row> = (0..30)
            .map(|i| row(i as f64 * 0.1, phases[i / 10]))
            .collect();
        let keep = table_rows(&rows);
        assert_eq!(keep, vec![0, 9, 10, 19, 20, 29]);
    }
}
