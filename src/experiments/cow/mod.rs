//! cow — コピーオンライト
//!
//! The document's experiment: take 100 MiB and touch every page, look at the
//! system's memory, `fork()`; the child shows the system's memory and its own
//! VSZ, RSS and fault counts, writes every page, and shows them again.
//!
//! What the kernel does: `fork` copies the parent's page tables, not its
//! pages, and marks every private page read-only in both processes. The first
//! write to such a page in either process is a page fault; the fault handler
//! copies that one page for the writer and makes its entry writable again. So
//! fork is cheap, and memory is spent only page by page as the child writes.
//!
//! memlab measures each stage in both processes: VSZ, RSS, PSS and
//! shared/private from `/proc/PID/smaps_rollup`, faults from
//! `getrusage(RUSAGE_SELF)` in the process itself and from `/proc/PID/stat`,
//! and the system's memory from `/proc/meminfo`, read several times at each
//! stage (the spread of those readings is the host's background, measured
//! while memlab does nothing). The child's protocol is in [`child`], the
//! checks — a pure function of the rows and measurements — in [`checks`].

pub mod checks;
mod child;
mod view;

use std::time::{Duration, Instant};

use anyhow::Result;

use self::checks::{AFTER_ACCESS, AFTER_EXIT, AFTER_FORK, BEFORE_FORK, Row, SYSTEM};
use self::child::{CHILD_VALUE, Got, PARENT_VALUE, SelfView, ToChild};
use super::{Ctx, Recorded};
use crate::i18n::tr;
use crate::probe::pagecache::CacheReading;
use crate::probe::process::ProcHandle;
use crate::report::{EndedBy, Report};
use crate::sys::{self, HugeAdvice, MapOptions, Region, Sharing};
use crate::units::{Size, human_kib};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How much memory the parent maps and touches before fork (binary units: 100M = 100 MiB)
    #[arg(long, allow_hyphen_values = true, default_value = "100M")]
    pub size: Size,
    /// What the child does to every page after fork
    #[arg(long, value_enum, default_value_t = Access::Write)]
    pub access: Access,
    /// Map the region MAP_SHARED: parent and child share the pages, nothing is copied
    #[arg(long)]
    pub shared: bool,
    /// Ask for transparent huge pages (MADV_HUGEPAGE) instead of 4 KiB pages (MADV_NOHUGEPAGE)
    #[arg(long)]
    pub thp: bool,
    /// Run even if SIZE is more than half of the available memory
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "cow",
    section: "コピーオンライト",
    summary: "fork copies page tables only; the child's writes copy pages",
    needs: "-",
    page: include_str!("../../../experiments/cow.md"),
    plots: true,
    chart: Some(view::chart),
    quick: Some(&["--size", "64M"]),
    key_figures: &["fork_us", "copied_kib", "child_access_minflt"],
    judge: checks::judge,
    page_ja: Some(include_str!("../../../experiments/ja/cow.md")),
};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Write one byte in every page (each write to a shared page is a copy)
    Write,
    /// Only read every page (nothing needs copying)
    Read,
}

impl Access {
    fn name(self) -> &'static str {
        match self {
            Access::Write => "write",
            Access::Read => "read",
        }
    }
}

/// The smallest region whose copies stand out of the noise: below it the
/// PSS and system-memory checks compare figures of a few pages against
/// tolerances of a few pages.
const COW_MIN_SIZE: u64 = 4 << 20;
/// Readings of system memory at each stage after the first, and before the
/// fork (the longest quiet window cow has), this far apart: their spread is
/// the host's background noise.
const STAGE_READINGS: usize = 5;
const BEFORE_FORK_READINGS: usize = 9;
const READING_GAP: Duration = Duration::from_millis(20);

/// The run in progress: the report and what every row needs.
struct Run {
    r: Report,
    t0: Instant,
    parent_pid: i32,
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let size = args.size.bytes();
    let page = sys::page_size();
    crate::guard::at_least(
        "--size",
        args.size,
        COW_MIN_SIZE,
        &tr("cow.err.too_small", &[]),
        "16M",
    )?;
    let copies = !args.shared && args.access == Access::Write;
    // A private write doubles the footprint: the child ends up with its own
    // copy of every page while the parent keeps the original.
    crate::guard::check_footprint("--size", args.size, if copies { 2 } else { 1 }, args.force)?;
    let mut r = Report::new("cow", &ctx.meta);
    r.param("size_bytes", size);
    r.param("access", args.access.name());
    r.param("shared", args.shared);
    r.param("thp", args.thp);
    r.measure("page_size_bytes", page);
    r.columns_from(&Row::default());
    let me = ProcHandle::myself()?;
    let mut run = Run {
        r,
        t0: Instant::now(),
        parent_pid: me.pid(),
    };
    let region = map_region(args, ctx, &mut run.r)?;
    if touch(args, ctx, &mut run, &region)? {
        measure_fork(args, ctx, &mut run, &me, &region)?;
    }
    Ok(finish(run.r, args))
}

/// Take SIZE, in 4 KiB pages unless --thp.
fn map_region(args: &Args, ctx: &Ctx, r: &mut Report) -> Result<Region> {
    let region = Region::anon(
        args.size.bytes(),
        MapOptions {
            sharing: if args.shared {
                Sharing::Shared
            } else {
                Sharing::Private
            },
            ..MapOptions::default()
        },
    )?;
    // MADV_NOHUGEPAGE keeps the region in 4 KiB pages whatever the host's
    // THP mode, so the counts follow the document's reasoning (one fault,
    // one copy per 4 KiB page). --thp asks for 2 MiB pages instead.
    region.advise_huge(if args.thp {
        HugeAdvice::Huge
    } else {
        HugeAdvice::NoHuge
    })?;
    if args.thp && ctx.meta.thp_enabled.as_deref() == Some("never") {
        r.note_t("cow.note.thp_never", &[]);
    }
    Ok(region)
}

/// Touch every page in the parent. Writes, not reads: a read fault on
/// untouched private memory maps the shared zero page and allocates
/// nothing, so there would be nothing to copy later. `false` when
/// interrupted.
fn touch(args: &Args, ctx: &Ctx, run: &mut Run, region: &Region) -> Result<bool> {
    let size = args.size.bytes();
    let page = sys::page_size();
    ctx.ui.say(&tr(
        "cow.say.touch",
        &[
            ("size", &human_kib((size / 1024) as f64)),
            ("pages", &size.div_ceil(page).to_string()),
            ("page_kib", &(page / 1024).to_string()),
            ("mapping", mapping(args.shared)),
        ],
    ));
    let before = sys::rusage_self_faults();
    let step = (size / 100).max(page).next_multiple_of(page);
    let bar = ctx.ui.progress(size, &tr("cow.say.progress", &[]));
    let mut off = 0;
    while off < size {
        if sys::interrupted() {
            run.r.interrupted = true;
            return Ok(false);
        }
        let end = (off + step).min(size);
        region.write_range(off, end, page, PARENT_VALUE);
        off = end;
        bar.set(off);
    }
    bar.finish();
    run.r.measure(
        "parent_touch_faults",
        sys::rusage_self_faults().0 - before.0,
    );
    Ok(true)
}

/// Fork, and measure both processes at each stage. Returns early (the
/// report kept) when interrupted or when the child dies.
fn measure_fork(
    args: &Args,
    ctx: &Ctx,
    run: &mut Run,
    me: &ProcHandle,
    region: &Region,
) -> Result<()> {
    let page = sys::page_size();
    let p0 = SelfView::read(me)?;
    let pid = run.parent_pid;
    if !stage(
        run,
        BEFORE_FORK,
        &[("parent", pid, &p0)],
        BEFORE_FORK_READINGS,
    )? {
        return Ok(());
    }
    let (from_child, to_parent) = sys::chan()?;
    let (from_parent, to_child) = sys::chan()?;
    ctx.ui.say(&tr("cow.say.fork", &[]));
    let mut kid =
        sys::fork_child(|| child::body(region, args.access, page, &to_parent, &from_parent))?;
    run.r.measure(
        "fork_us",
        (kid.fork_time().as_secs_f64() * 1e7).round() / 10.0,
    );
    drop((to_parent, from_parent));
    let cpid = kid.pid().as_raw();
    // After fork: the child has measured itself and waits.
    let c1 = match child::recv(&from_child, AFTER_FORK)? {
        Got::Report(v, _) => v,
        Got::Interrupted => return interrupted(run),
        Got::Died => return child_died(run, kid, AFTER_FORK),
    };
    let p1 = SelfView::read(me)?;
    if !stage(
        run,
        AFTER_FORK,
        &[("parent", pid, &p1), ("child", cpid, &c1)],
        STAGE_READINGS,
    )? {
        return Ok(());
    }
    // The child accesses every page, measures itself and waits.
    ctx.ui.say(&tr(
        match args.access {
            Access::Write => "cow.say.child_write",
            Access::Read => "cow.say.child_read",
        },
        &[],
    ));
    if to_child.send_msg(&ToChild::Access).is_err() {
        return child_died(run, kid, AFTER_ACCESS);
    }
    let (c2, faults) = match child::recv(&from_child, AFTER_ACCESS)? {
        Got::Report(v, f) => (v, f),
        Got::Interrupted => return interrupted(run),
        Got::Died => return child_died(run, kid, AFTER_ACCESS),
    };
    run.r.measure("child_access_minflt", faults.0);
    run.r.measure("child_access_majflt", faults.1);
    let p2 = SelfView::read(me)?;
    if !stage(
        run,
        AFTER_ACCESS,
        &[("parent", pid, &p2), ("child", cpid, &c2)],
        STAGE_READINGS,
    )? {
        return Ok(());
    }
    // Let the child exit, reap it (wait4 hands over its rusage), and
    // measure once more: its copies are freed.
    let _ = to_child.send_msg(&ToChild::Leave);
    let Some(exit) = kid.wait()? else {
        return interrupted(run);
    };
    if exit.exit_code != Some(0) {
        return died_with(run, cpid, Some(&exit), None);
    }
    run.r.measure("child_wait4_minflt", exit.rusage_minflt);
    run.r.measure("child_wait4_majflt", exit.rusage_majflt);
    let p3 = SelfView::read(me)?;
    stage(run, AFTER_EXIT, &[("parent", pid, &p3)], STAGE_READINGS)?;
    // Whose data does each of the parent's pages hold now? (All pages are
    // mapped in the parent, so this read faults nothing.)
    let size = args.size.bytes();
    let pages = size.div_ceil(page);
    let sum = region.read_range(0, size, page);
    run.r.measure(
        "parent_pages_with_child_value",
        sum.saturating_sub(pages * PARENT_VALUE as u64) / (CHILD_VALUE - PARENT_VALUE) as u64,
    );
    if p0.rollup.is_none() {
        run.r.skip_t("cow.skip.no_rollup", &[]);
    }
    Ok(())
}

/// Record a stage: each process's view of itself with one reading of system
/// memory, then `readings` more readings of system memory, READING_GAP
/// apart, while both processes wait. `false` when interrupted.
fn stage(
    run: &mut Run,
    stage: &str,
    procs: &[(&str, i32, &SelfView)],
    readings: usize,
) -> Result<bool> {
    let own: u64 = procs
        .iter()
        .map(|(_, _, v)| v.rollup.map_or(v.sample.rss_kib, |x| x.pss_own_kib()))
        .sum();
    let mem = CacheReading::read()?;
    for (process, pid, v) in procs {
        let row = Row {
            pid: Some(*pid),
            vsz_kib: Some(v.sample.vsz_kib),
            rss_kib: Some(v.rss_kib()),
            pss_kib: v.rollup.map(|r| r.pss_kib),
            pss_own_kib: v.rollup.map(|r| r.pss_own_kib()),
            shared_kib: v.rollup.map(|r| r.shared_kib),
            private_kib: v.rollup.map(|r| r.private_kib),
            anon_huge_kib: v.rollup.map(|r| r.anon_huge_kib),
            minflt: Some(v.sample.minflt),
            majflt: Some(v.sample.majflt),
            rusage_minflt: Some(v.rusage_minflt),
            rusage_majflt: Some(v.rusage_majflt),
            ..system_row(run, stage, process, &mem, own)
        };
        run.r.push_row(&row);
    }
    for _ in 0..readings {
        if !sys::sleep_until(Instant::now() + READING_GAP) {
            run.r.interrupted = true;
            return Ok(false);
        }
        let mem = CacheReading::read()?;
        let row = system_row(run, stage, SYSTEM, &mem, own);
        run.r.push_row(&row);
    }
    Ok(true)
}

fn system_row(run: &Run, stage: &str, process: &str, s: &CacheReading, own: u64) -> Row {
    Row {
        stage: stage.into(),
        process: process.into(),
        t_s: (run.t0.elapsed().as_secs_f64() * 1e4).round() / 1e4,
        mem_used_kib: s.mem.used_kib,
        mem_used_adj_kib: s.mem.used_adj_kib,
        pcp_free_kib: s.mem.pcp_free_kib,
        mem_shared_kib: s.mem.shared_kib,
        mem_available_kib: s.mem.available_kib,
        anon_pages_kib: s.anon_pages_kib,
        cached_kib: s.cached_kib,
        own_kib: own,
        others_kib: s.others_kib(own),
        ..Row::default()
    }
}

fn interrupted(run: &mut Run) -> Result<()> {
    run.r.interrupted = true;
    Ok(())
}

/// The child died before `stage`: reap it, keep what was measured, say so.
fn child_died(run: &mut Run, mut kid: sys::Child, stage: &str) -> Result<()> {
    let pid = kid.pid().as_raw();
    let exit = kid.wait()?;
    if exit.is_none() {
        return interrupted(run);
    }
    died_with(run, pid, exit.as_ref(), Some(stage))
}

/// Say that the child died (`stage`: before its report of that stage;
/// `None`: before it could exit normally), on stderr and as a note.
fn died_with(
    run: &mut Run,
    pid: i32,
    exit: Option<&sys::ChildExit>,
    stage: Option<&str>,
) -> Result<()> {
    let pid = pid.to_string();
    let (kind, what) = match exit.map(|e| (e.signal, e.exit_code)) {
        Some((Some(s), _)) => ("killed", ("signal", s.as_str().to_string())),
        Some((None, Some(c))) => ("exited", ("code", c.to_string())),
        _ => ("ended", ("code", String::new())),
    };
    let id = match stage {
        Some(_) => format!("cow.note.child_{kind}"),
        // Reaped with a status: it did not end silently.
        None if kind == "ended" => "cow.note.child_exited_at_exit".to_string(),
        None => format!("cow.note.child_{kind}_at_exit"),
    };
    let args = [
        ("pid", pid.as_str()),
        (what.0, what.1.as_str()),
        ("stage", stage.unwrap_or("")),
    ];
    eprintln!("memlab: {}", tr(&id, &args));
    run.r.note_t(&id, &args);
    run.r.ended_by = EndedBy::WorkerDied;
    Ok(())
}

/// The region's mapping as the kernel names it.
fn mapping(shared: bool) -> &'static str {
    if shared { "MAP_SHARED" } else { "MAP_PRIVATE" }
}

/// The view and the chart, from the rows (a run cut short included).
fn finish(mut r: Report, args: &Args) -> Report {
    view::set_view(&mut r, args.thp, args.shared);
    let m = |k: &str| r.measurements.get(k).and_then(|v| v.as_f64());
    if let (Some(fork), Some(faults)) = (m("fork_us"), m("child_access_minflt")) {
        let id = match args.access {
            Access::Write => "cow.note.fork_took_write",
            Access::Read => "cow.note.fork_took_read",
        };
        r.note_t(
            id,
            &[
                ("fork_us", &format!("{fork:.0}")),
                ("faults", &format!("{faults:.0}")),
            ],
        );
    }
    // The chart as `memlab report` draws it again from the JSON.
    r.chart = view::chart(&Recorded::of(&r)).ok().flatten();
    r
}

#[cfg(test)]
mod tests {
    use super::checks::{AFTER_ACCESS, AFTER_FORK, BEFORE_FORK, Row, SYSTEM};
    use super::*;
    use crate::experiments::fixture::Fixture;

    fn row(stage: &str, process: &str, rss: u64, used: u64) -> Row {
        Row {
            stage: stage.into(),
            process: process.into(),
            rss_kib: (process != SYSTEM).then_some(rss),
            pss_kib: (process != SYSTEM).then_some(rss / 2),
            mem_used_adj_kib: used,
            ..Row::default()
        }
    }

    fn recorded(access: &str) -> Fixture {
        Fixture::new("cow")
            .param("size_bytes", 16u64 << 20)
            .param("access", access)
            .param("shared", false)
            .param("thp", false)
            .measure("fork_us", 120.0)
            .measure("child_access_minflt", 4096)
            .rows(&[
                row(BEFORE_FORK, "parent", 17_000, 1_000_000),
                row(BEFORE_FORK, SYSTEM, 0, 1_000_010),
                row(AFTER_FORK, "parent", 17_000, 1_000_200),
                row(AFTER_FORK, "child", 16_500, 1_000_200),
                row(AFTER_ACCESS, "parent", 17_000, 1_016_600),
                row(AFTER_ACCESS, "child", 16_900, 1_016_600),
            ])
    }

    /// The chart a run draws is the one `memlab report` draws again from
    /// the recorded data (and from its JSON).
    #[test]
    fn the_run_draws_the_chart_the_recorded_data_draws() {
        for access in [Access::Write, Access::Read] {
            let f = recorded(access.name());
            let from_data = view::chart(&Recorded::of(&f)).unwrap().unwrap();
            let json = serde_json::to_string(&*f).unwrap();
            let back: Report = serde_json::from_str(&json).unwrap();
            let from_json = view::chart(&Recorded::of(&back)).unwrap().unwrap();
            let args = Args {
                size: Size(16 << 20),
                access,
                shared: false,
                thp: false,
                force: false,
            };
            let run = finish(back, &args);
            let drawn = run.chart.expect("the run sets its chart");
            assert_eq!(format!("{drawn:?}"), format!("{from_data:?}"));
            assert_eq!(format!("{from_json:?}"), format!("{from_data:?}"));
            let crate::report::ChartKind::Bars { categories, series } = &drawn.kind else {
                panic!("not bars: {drawn:?}");
            };
            // One bar group per process row, the system readings left out.
            assert_eq!(categories.len(), 5, "{categories:?}");
            assert_eq!(categories[0], "before-fork parent");
            // Growth of system used since before-fork, in MiB.
            assert_eq!(series[2].1[4], 16_600.0 / 1024.0);
            assert!(drawn.title.contains(access.name()), "{}", drawn.title);
        }
    }

    #[test]
    fn no_process_rows_no_chart() {
        let f = Fixture::new("cow")
            .param("size_bytes", 16u64 << 20)
            .param("access", "write")
            .param("shared", false)
            .param("thp", false);
        assert!(view::chart(&Recorded::of(&f)).unwrap().is_none());
    }
}
