//! demand-paging — デマンドページング
//!
//! The document's experiment: a process reserves 100 MiB, waits, touches it
//! at 10 MiB per second, waits, and exits, while a `ps` loop in another
//! terminal prints its VSZ, RSS and faults once a second. The kernel gives a
//! page its physical frame only on the first access (a minor page fault), so
//! reserving moves VSZ and not RSS, touching moves RSS at the touch rate, and
//! exiting gives everything back.
//!
//! Here a forked worker ([`worker`]) does the reserving and touching; memlab
//! samples it from outside through /proc on fixed deadlines
//! ([`crate::sampler`]), with the system's memory from /proc/meminfo, and
//! steps the worker through the phases over a pipe. The rows and a few
//! measurements are all the checks ([`checks::judge`]) see.
//!
//! Rows stream to the `--csv`/`--json` outputs as they are taken
//! (`output::stream`); memlab keeps the figures its checks need, folded as
//! the rows come ([`online`]), and a bounded selection of rows for the
//! table and the chart ([`view::Keep`]), so a run of an hour at 1 ms costs
//! what a run of a second does.

pub mod checks;
pub mod online;
pub mod view;
pub mod worker;

use std::time::Duration;

use anyhow::{Context, Result, bail};

use self::checks::{Measurements, Phase, Row};
use self::online::Online;
use self::view::Keep;
use self::worker::{Cmd, Event, Plan};
use super::{Ctx, Recorded};
use crate::error::usage;
use crate::i18n::tr;
use crate::output::Progress;
use crate::probe::meminfo::pcp_free_kib;
use crate::probe::process::ProcHandle;
use crate::probe::sysmem::{RollupLines, StatmFile, SysReading};
use crate::report::{EndedBy, Report};
use crate::sampler::{Sampler, Tick};
use crate::sys::{self, Chan, Child, HugeAdvice, Polled};
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
    /// Ask for transparent huge pages (MADV_HUGEPAGE, 2 MiB-aligned region)
    /// instead of 4 KiB pages
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
    page: include_str!("../../../experiments/demand-paging.md"),
    plots: true,
    chart: Some(view::chart),
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
    key_figures: &["rss_slope_kib_per_s", "touch_minflt", "touch_s"],
    judge: checks::judge,
    page_ja: Some(include_str!("../../../experiments/ja/demand-paging.md")),
};

/// A run that would touch for longer than an hour is a typo, not a lab.
const MAX_TOUCH_S: u64 = 3600;

/// The options checked and resolved into the worker's plan.
fn plan_of(args: &Args) -> Result<Plan> {
    let size = args.size.bytes();
    if size == 0 {
        return Err(usage(tr("demand_paging.err.size_zero", &[])));
    }
    if args.interval.0 < Duration::from_millis(1) {
        return Err(usage(tr(
            "demand_paging.err.interval_floor",
            &[("interval", &args.interval.to_string())],
        )));
    }
    let rate = match args.rate {
        Rate::PerSecond(s) if s.bytes() == 0 => {
            return Err(usage(tr("demand_paging.err.rate_zero", &[])));
        }
        Rate::PerSecond(s) => Some(s.bytes()),
        Rate::Max => None,
    };
    if let Some(r) = rate
        && size / r > MAX_TOUCH_S
    {
        return Err(usage(tr(
            "demand_paging.err.rate_too_slow",
            &[
                ("rate", &args.rate.to_string()),
                ("seconds", &(size / r).to_string()),
                ("size", &args.size.to_string()),
            ],
        )));
    }
    let page = sys::page_size();
    // The touch covers every byte of SIZE, so the last partial page too.
    let len = size.div_ceil(page) * page;
    Ok(Plan {
        len,
        page,
        step: worker::step_bytes(len, rate, page),
        rate,
        advice: if args.thp {
            HugeAdvice::Huge
        } else {
            HugeAdvice::NoHuge
        },
        align_huge: args.thp,
    })
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let plan = plan_of(args)?;
    crate::guard::check(args.size, args.force)?;

    // Fork first: the worker starts small and carries none of the sampling
    // buffers allocated below.
    let mut s = Session::start(plan, args)?;
    let mut r = Report::new(INFO.name, &ctx.meta);
    r.param("size_bytes", args.size.bytes());
    r.param("rate_bytes_per_s", plan.rate);
    r.param("rate_max", plan.rate.is_none());
    r.param("interval_s", args.interval.0.as_secs_f64());
    r.param("hold_s", args.hold.0.as_secs_f64());
    r.param("thp", args.thp);
    r.param("step_bytes", plan.step);
    ctx.ui.say(&tr(
        "demand_paging.say.start",
        &[
            ("pid", &s.pid.to_string()),
            ("size", &args.size.to_string()),
            ("rate", &args.rate.to_string()),
            ("steps", &plan.len.div_ceil(plan.step).to_string()),
            ("step_kib", &(plan.step / 1024).to_string()),
            ("interval", &args.interval.to_string()),
        ],
    ));
    r.columns_from(&Row::default());
    // The outputs' writer threads start after the fork above.
    for n in ctx.stream.open(&r)? {
        ctx.ui.say(&n.text());
        n.add_to(&mut r);
    }
    let bar = ctx.ui.progress(plan.len / 1024, Phase::BeforeAlloc.name());
    let outcome = s.sample_all(&bar, ctx);
    bar.finish();
    let stats = s.sampler.finish();
    // On interruption or error the worker is killed and reaped here, before
    // anything is written.
    s.worker.kill();
    let interrupted = outcome?;

    // The report keeps the table's rows; the JSON's `table_rows` are
    // their indices among all the rows streamed.
    let table = s.keep.table();
    for (_, row) in &table {
        r.push_row(row);
    }
    ctx.stream
        .set_view_rows(table.iter().map(|(i, _)| *i as usize).collect());
    r.table_hide = view::HIDDEN.iter().map(|c| c.to_string()).collect();
    if s.keep.seen() > table.len() as u64 {
        r.note_t(
            "demand_paging.note.table_selection",
            &[
                ("shown", &table.len().to_string()),
                ("rows", &s.keep.seen().to_string()),
            ],
        );
    }
    let dropped = ctx.stream.dropped();
    if dropped > 0 {
        r.note_t("out.rows_dropped", &[("n", &dropped.to_string())]);
    }
    if s.reader_left {
        r.note_t("out.reader_left", &[]);
    }
    // The sampler's figures go through the measurements, so that `memlab
    // judge` rebuilds the same summary.
    stats.summarize(&mut r);
    let sampler = std::mem::take(&mut r.summary);
    let m = Measurements {
        online: Some(s.online.figures()),
        worker_pid: Some(s.pid),
        sampler,
        touch_ns: s.touch_result.map(|t| t.0),
        touch_minflt: s.touch_result.map(|t| t.1),
        worker_exit_code: s.exit_code,
        cpus: std::thread::available_parallelism()
            .ok()
            .map(|n| n.get() as u64),
    };
    for (k, v) in serde_json::to_value(&m)?.as_object().into_iter().flatten() {
        r.measure(k, v);
    }
    r.measure("rows_dropped", dropped);
    r.measure(
        "rss_exact_source",
        if s.rollup_seen {
            "smaps_rollup"
        } else {
            "statm"
        },
    );
    r.note_t(
        "demand_paging.note.used_adj",
        &[("every", &s.pcp_every.to_string())],
    );
    if interrupted {
        r.interrupted = true;
        r.ended_by = EndedBy::Interrupted;
        r.note_t(
            "demand_paging.note.interrupted",
            &[("phase", s.phase.name()), ("pid", &s.pid.to_string())],
        );
    }
    // The chart from the rows kept for it, through the same function as
    // `memlab report` draws it from a JSON file with every row.
    let mut drawn = Report::new(INFO.name, &ctx.meta);
    drawn.params = r.params.clone();
    for (_, row) in s.keep.rows() {
        drawn.push_row(&row);
    }
    r.chart = view::chart(&Recorded::of(&drawn))?;
    Ok(r)
}

/// The worker, the pipes and the sampling state of one run.
struct Session {
    worker: Child,
    pid: i32,
    target: ProcHandle,
    statm: StatmFile,
    me: StatmFile,
    cmd: Chan,
    ev: Chan,
    size: u64,
    hold: f64,
    sampler: Sampler,
    pcp_every: u64,
    pcp: u64,
    phase: Phase,
    phase_start: f64,
    phase_changed: bool,
    touched: u64,
    /// The worker's Shared_Dirty at the latest smaps_rollup reading.
    shared: Option<u64>,
    rollup_seen: bool,
    touch_result: Option<(u64, u64)>,
    exit_code: Option<i32>,
    /// The figures the checks need, folded as rows come.
    online: Online,
    /// The rows the table and the chart show.
    keep: Keep,
    interval: Duration,
    /// The reader of `--csv -`/`--json -` left: sampling stopped there.
    reader_left: bool,
}

/// What a wake-up leads to.
enum Flow {
    Go,
    Done,
    Interrupted,
}

impl Session {
    /// Fork the worker and let it warm up; sampling starts when it is ready.
    fn start(plan: Plan, args: &Args) -> Result<Session> {
        let (cmd_rx, cmd_tx) = sys::chan()?;
        let (ev_rx, ev_tx) = sys::chan()?;
        let worker = sys::fork_child(move || worker::worker_main(&cmd_rx, &ev_tx, plan))?;
        let pid = worker.pid().as_raw();
        let interval = args.interval.0;
        // zoneinfo costs several times more than meminfo: read it every
        // sample at 10 ms and slower, every ⌈10 ms / interval⌉ samples
        // below, and at every phase change.
        let pcp_every =
            (Duration::from_millis(10).as_nanos() / interval.as_nanos().max(1)).max(1) as u64;
        let hold = args.hold.0.as_secs_f64();
        let s = Session {
            target: ProcHandle::new(pid)?,
            statm: StatmFile::of(pid),
            me: StatmFile::myself(),
            worker,
            pid,
            cmd: cmd_tx,
            ev: ev_rx,
            size: plan.len,
            hold,
            sampler: Sampler::start(interval),
            pcp_every,
            pcp: pcp_free_kib().unwrap_or(0),
            phase: Phase::BeforeAlloc,
            phase_start: 0.0,
            phase_changed: true,
            touched: 0,
            shared: None,
            rollup_seen: false,
            touch_result: None,
            exit_code: None,
            online: Online::default(),
            keep: Keep::default(),
            interval,
            reader_left: false,
        };
        s.command(Cmd::WarmUp)?;
        // The warm-up's own touch loop reports progress too: skip it.
        loop {
            match s.ev.recv_msg().with_context(waiting)? {
                Some(Event::Ready) => break,
                Some(Event::Progress { .. }) => {}
                Some(Event::Failed { errno }) => return Err(reserve_failed(plan.len, errno)),
                _ if sys::interrupted() => break,
                _ => bail!(tr(
                    "demand_paging.err.not_ready",
                    &[("pid", &pid.to_string())]
                )),
            }
        }
        let mut s = s;
        // Sampling starts now, with the worker warm.
        s.sampler = Sampler::start(interval);
        Ok(s)
    }

    fn command(&self, c: Cmd) -> Result<()> {
        self.cmd
            .send_msg(&c)
            .with_context(|| tr("demand_paging.err.commanding", &[]))
    }

    /// Sample until the exited phase has lasted its time. `Ok(true)` when
    /// interrupted.
    fn sample_all(&mut self, bar: &Progress, ctx: &Ctx) -> Result<bool> {
        loop {
            let Some(tick) = self.sampler.wait(None) else {
                return Ok(true);
            };
            if ctx.stream.reader_gone() {
                // `--csv - | head`: nobody reads what follows.
                self.reader_left = true;
                return Ok(false);
            }
            let t = tick.t_s;
            self.drain(t)?;
            let due = t - self.phase_start >= self.hold;
            // The first and last sample of a phase also read smaps_rollup
            // (exact RSS); the touching phase ends on the worker's word, so
            // only its first sample does.
            let boundary = self.phase_changed || (due && self.phase != Phase::Touching);
            if self.phase_changed {
                bar.message(self.phase.name());
            }
            bar.set(self.touched / 1024);
            match self.sample(&tick, boundary)? {
                Some(row) => {
                    self.online.push(&row);
                    self.keep.push(&row);
                    ctx.stream.push(&row);
                    self.sampler.record();
                    ctx.stream.before_idle(self.interval);
                }
                None => return Ok(true),
            }
            self.phase_changed = false;
            if due {
                match self.advance(t)? {
                    Flow::Go => {}
                    Flow::Done => return Ok(false),
                    Flow::Interrupted => return Ok(true),
                }
            }
        }
    }

    /// The worker's news since the last sample.
    fn drain(&mut self, t: f64) -> Result<()> {
        loop {
            match self
                .ev
                .try_recv_msg()
                .with_context(|| tr("demand_paging.err.reading_pipe", &[]))?
            {
                Polled::Empty | Polled::Closed => return Ok(()),
                Polled::Msg(m) => match m {
                    Event::Progress { touched } => self.touched = touched,
                    Event::Touched { ns, minflt } => {
                        self.touched = self.size;
                        self.touch_result = Some((ns, minflt));
                        self.enter(Phase::Touched, t);
                    }
                    Event::Failed { errno } => return Err(reserve_failed(self.size, errno)),
                    other => bail!(unexpected(&other)),
                },
            }
        }
    }

    fn enter(&mut self, p: Phase, t: f64) {
        self.phase = p;
        self.phase_start = t;
        self.phase_changed = true;
    }

    /// The current phase has lasted its time: command the next one.
    fn advance(&mut self, t: f64) -> Result<Flow> {
        let next = match self.phase {
            Phase::BeforeAlloc => {
                self.command(Cmd::Reserve)?;
                match self.ev.recv_msg().with_context(waiting)? {
                    Some(Event::Allocated) => {}
                    Some(Event::Failed { errno }) => return Err(reserve_failed(self.size, errno)),
                    Some(m) => bail!(unexpected(&m)),
                    None if sys::interrupted() => return Ok(Flow::Interrupted),
                    None => bail!(tr(
                        "demand_paging.err.ended_before_reserving",
                        &[("pid", &self.pid.to_string())]
                    )),
                }
                Phase::Allocated
            }
            Phase::Allocated => {
                self.command(Cmd::Touch)?;
                Phase::Touching
            }
            Phase::Touched => {
                self.command(Cmd::Exit)?;
                match self.worker.wait()? {
                    Some(e) => self.exit_code = e.exit_code,
                    None => return Ok(Flow::Interrupted),
                }
                Phase::Exited
            }
            Phase::Exited => return Ok(Flow::Done),
            Phase::Touching => return Ok(Flow::Go),
        };
        self.enter(next, t);
        Ok(Flow::Go)
    }

    /// One row: the worker's stat and statm (and smaps_rollup on a
    /// boundary), memlab's own statm, then meminfo. `None` when the worker
    /// vanished because memlab is being interrupted.
    fn sample(&mut self, tick: &Tick, boundary: bool) -> Result<Option<Row>> {
        let proc_sample = if self.phase == Phase::Exited {
            None
        } else {
            match self.sampler.read(&self.target)? {
                Some(s) => Some(s),
                None => return self.vanished().map(|()| None),
            }
        };
        let alive = proc_sample.is_some();
        let statm = if alive {
            self.sampler.timed(|| self.statm.read()).ok()
        } else {
            None
        };
        let rollup = if boundary && alive {
            self.sampler
                .timed(|| RollupLines::read(self.pid))
                .ok()
                .flatten()
        } else {
            None
        };
        if let Some(ru) = rollup {
            self.shared = Some(ru.shared_dirty_kib);
            self.rollup_seen = true;
        }
        if self.phase_changed || tick.index.is_multiple_of(self.pcp_every) {
            self.pcp = self.sampler.timed(pcp_free_kib).unwrap_or(0);
        }
        let me = self.sampler.timed(|| self.me.read())?.anon_kib();
        let sysr = self.sampler.timed(|| SysReading::read_with_pcp(self.pcp))?;
        let worker_anon = statm.map(|s| s.anon_kib());
        let mem = sysr.mem;
        Ok(Some(Row {
            t_s: (tick.t_s * 1e6).round() / 1e6,
            phase: self.phase,
            vsz_kib: proc_sample.map(|s| s.vsz_kib),
            rss_kib: proc_sample.map(|s| s.rss_kib),
            rss_anon_kib: worker_anon,
            rss_rollup_kib: rollup.map(|r| r.rss_kib),
            anon_huge_kib: rollup.map(|r| r.anon_huge_kib),
            worker_shared_kib: if alive { self.shared } else { None },
            minflt: proc_sample.map(|s| s.minflt),
            majflt: proc_sample.map(|s| s.majflt),
            touched_kib: self.touched / 1024,
            mem_used_kib: mem.used_kib,
            mem_used_adj_kib: mem.used_adj_kib,
            mem_available_kib: mem.available_kib,
            pcp_free_kib: mem.pcp_free_kib,
            memlab_anon_kib: me,
            others_kib: sysr
                .anon_shmem_cached_kib()
                .saturating_sub(me + worker_anon.unwrap_or(0)),
        }))
    }

    /// /proc/PID could not be read: say why. `Ok(())` when memlab is being
    /// interrupted (the worker died with it).
    fn vanished(&mut self) -> Result<()> {
        if self.worker.is_running() {
            // /proc/PID vanished for a process that still runs: the kernel
            // hides it from us (hidepid).
            bail!(tr(
                "demand_paging.err.hidepid",
                &[("pid", &self.pid.to_string())]
            ));
        }
        let how = self
            .worker
            .wait()?
            .map(|e| format!("{e:?}"))
            .unwrap_or_else(|| "interrupted".into());
        if sys::interrupted() {
            return Ok(());
        }
        bail!(tr(
            "demand_paging.err.died",
            &[("pid", &self.pid.to_string()), ("how", &how)]
        ))
    }
}

/// The worker's `Event::Failed` message (it carries the errno of mmap or madvise).
fn reserve_failed(size: u64, errno: i32) -> anyhow::Error {
    anyhow::anyhow!(tr(
        "demand_paging.err.reserve_failed",
        &[
            ("size", &size.to_string()),
            (
                "error",
                &std::io::Error::from_raw_os_error(errno).to_string()
            ),
        ]
    ))
}

/// The context of a failed wait for the worker's message.
fn waiting() -> String {
    tr("demand_paging.err.waiting", &[])
}

/// A message the worker should not have sent now.
fn unexpected(m: &Event) -> String {
    tr(
        "demand_paging.err.unexpected",
        &[("msg", &format!("{m:?}"))],
    )
}
