//! swap — スワップ
//!
//! The document: when physical memory runs out, part of a storage device is
//! used in place of memory; Linux's rescue from OOM. Three parts:
//!
//! * page-out: a child writes SIZE and `madvise(MADV_PAGEOUT)`s it; its
//!   `VmSwap` rises by SIZE and its RSS falls. Reading it back right away
//!   takes minor faults (the pages are still in the swap cache); after the
//!   eviction recipe (wait for writeback, read every page once, page out
//!   again: clean swap-cache pages are freed without I/O) it takes major
//!   faults that read from swap.
//! * rescue: the same child in a memory cgroup limited to LIMIT survives
//!   touching SIZE with swap, and is OOM-killed with swap denied to its group.
//! * cost: each read-back access is timed and classified by the fault it
//!   took; swap-in against minor, with the read-ahead counters.
//!
//! Swap on the host is used as it is; without it, `--swapfile SIZE` (root)
//! adds a temporary swap file for the run and always removes it.

pub mod checks;
mod child;
mod view;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;

use self::checks::{Measured, Row};
use self::child::{Gone, Link, Step, Timed};
use super::Ctx;
use crate::cgroup_sandbox::{Sandbox, SwapRule};
use crate::i18n::tr;
use crate::probe::cgroup::MemCgroup;
use crate::probe::swaps::{self, SwapArea, SwapSettings};
use crate::probe::vmstat::SwapCounters;
use crate::report::Report;
use crate::sys::{self, swapfile};
use crate::units::{Size, human_bytes};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Memory the child maps and writes (4 KiB pages)
    #[arg(long, allow_hyphen_values = true, default_value = "64M")]
    pub size: Size,
    /// Memory limit of the rescue part's cgroups (default: half of --size)
    #[arg(long, allow_hyphen_values = true)]
    pub limit: Option<Size>,
    /// As root on a host without swap: a temporary swap file of this size for the run (e.g. 256M)
    #[arg(long, allow_hyphen_values = true, value_name = "SIZE")]
    pub swapfile: Option<Size>,
    /// Folder for the temporary swap file (ext4, XFS or btrfs)
    #[arg(long, default_value = "/var/tmp", value_name = "DIR")]
    pub swap_dir: PathBuf,
    /// Run even if --size is more than half of the available memory
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry. `all` runs it with a small size and
/// never with `--swapfile`: on a host without swap it skips with one line.
pub const INFO: super::Info = super::Info {
    name: "swap",
    section: "スワップ",
    summary: "page-out, swap-in faults and their cost, swap rescuing from OOM",
    needs: "swap (or root with --swapfile); root or a delegated memory cgroup for the rescue",
    page: include_str!("../../../experiments/swap.md"),
    plots: false,
    chart: None,
    quick: Some(&["--size", "32M"]),
    key_figures: &[
        "pageout_swapped_kib",
        "evicted_retouch_majflt",
        "swapin_ns_per_fault",
        "minor_ns_per_fault",
    ],
    judge: checks::judge,
    page_ja: Some(include_str!("../../../experiments/ja/swap.md")),
};

/// How long a run waits for another swap run's lock.
const LOCK_PATIENCE: Duration = Duration::from_secs(60);
/// How long to wait for the page-out's writes to reach the device.
const WRITEBACK_PATIENCE: Duration = Duration::from_secs(10);
/// A quiet window for the swap-out counters' background.
const QUIET: Duration = Duration::from_millis(250);
/// TEST ONLY: `MEMLAB_TEST_PAUSE=<stage>` makes a run stop at that stage
/// (`pageout`: the pages are in swap; `rescue`: the rescued child holds its
/// memory in its cgroup; `no-swap`: the no-swap child is in its cgroup),
/// say so on stderr, and wait up to 30 s (a signal ends the wait), so a test
/// can signal or kill memlab at a known moment. Not for users.
const TEST_PAUSE_VAR: &str = "MEMLAB_TEST_PAUSE";

/// TEST ONLY (see [`TEST_PAUSE_VAR`]).
fn test_pause(stage: &str) {
    if std::env::var(TEST_PAUSE_VAR).is_ok_and(|v| v == stage) {
        eprintln!("memlab: test pause at {stage}");
        sys::sleep_until(Instant::now() + Duration::from_secs(30));
    }
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let limit = validate(args)?;
    let mut r = Report::new("swap", &ctx.meta);
    r.param("size_bytes", args.size.bytes());
    r.param("limit_bytes", limit);
    r.param("swapfile_bytes", args.swapfile.map(|s| s.bytes()));
    r.param("swap_dir", args.swap_dir.display().to_string());
    r.columns_from(&Row::default());
    let mut m = Measured {
        page_size: sys::page_size(),
        swap_settings: SwapSettings::read(),
        swap_source: "none".into(),
        ..Measured::default()
    };
    let root = ctx.meta.root;
    // A closed terminal must not leave a swap area or a group behind.
    swapfile::catch_hangup()?;
    // Root: take the lock, and sweep what a SIGKILLed run left.
    let lock = if root {
        match swapfile::SwapLock::acquire(&swapfile::lock_path(), LOCK_PATIENCE)? {
            Some(l) => Some(l),
            None => {
                r.interrupted = true;
                return Ok(finish(r, &m));
            }
        }
    } else {
        None
    };
    if let Some(l) = &lock {
        sweep(l, args, ctx, &mut r);
    }
    let host: Vec<SwapArea> = swaps::areas()
        .into_iter()
        .filter(|a| !swapfile::is_memlab_swapfile(&a.filename))
        .collect();
    let mut file = None;
    if !host.is_empty() {
        m.swap_source = "host".into();
        describe_host(&host, args, ctx, &mut r);
    } else {
        let made = match (args.swapfile, &lock) {
            (Some(sz), Some(l)) => make_swapfile(args, sz, ctx, l)?,
            (Some(_), None) => Err(Skip::new("swap.skip.swapfile_needs_root", &[])),
            (None, _) if root => Err(Skip::new("swap.skip.no_swap_root", &[])),
            (None, _) => Err(Skip::new("swap.skip.no_swap_user", &[])),
        };
        match made {
            Ok(f) => {
                m.swap_source = "swapfile".into();
                file = Some(f);
            }
            Err(why) => {
                why.record(ctx, &mut r);
                return Ok(finish(r, &m));
            }
        }
    }
    m.swap_areas = swaps::areas();
    let settings = settings_args(&m.swap_settings);
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ctx.ui.say(&tr("swap.note.settings", &settings));
    r.note_t("swap.note.settings", &settings);
    let outcome = parts(args, limit, ctx, &mut r, &mut m);
    // The swap file goes first, whatever happened.
    if let Some(mut f) = file {
        let shown = f.path.display().to_string();
        f.remove()?;
        ctx.ui
            .say(&tr("swap.say.swapfile_removed", &[("path", &shown)]));
        r.note_t("swap.note.swapfile_removed", &[("path", &shown)]);
    }
    drop(lock);
    match outcome {
        Ok(()) => {}
        // A child that died of the same Ctrl-C can surface as an error.
        Err(e) if e.downcast_ref::<child::Interrupted>().is_some() || sys::interrupted() => {
            r.interrupted = true;
        }
        Err(e) => return Err(e),
    }
    if sys::interrupted() {
        r.interrupted = true;
    }
    Ok(finish(r, &m))
}

/// What a SIGKILLed run left: its swap file (swapped off, removed) and its
/// empty cgroups. Only while holding the lock.
fn sweep(l: &swapfile::SwapLock, args: &Args, ctx: &Ctx, r: &mut Report) {
    let active: Vec<String> = swaps::areas().into_iter().map(|a| a.filename).collect();
    for line in swapfile::sweep_stale(l, &[args.swap_dir.as_path()], &active) {
        ctx.ui.say(&tr("swap.note.swept", &[("line", &line)]));
        r.note_t("swap.note.swept", &[("line", &line)]);
    }
    if let Some(own) = MemCgroup::current() {
        crate::cgroup_sandbox::sweep_stale(&own);
    }
}

/// Say which swap the host has (used as it is).
fn describe_host(host: &[SwapArea], args: &Args, ctx: &Ctx, r: &mut Report) {
    let names: Vec<String> = host
        .iter()
        .map(|a| {
            format!(
                "{} ({}, {})",
                a.filename,
                a.kind,
                human_bytes(a.size_kib * 1024)
            )
        })
        .collect();
    ctx.ui
        .say(&tr("swap.say.host_swap", &[("areas", &names.join(", "))]));
    if args.swapfile.is_some() {
        ctx.ui.say(&tr("swap.note.swapfile_unused", &[]));
        r.note_t("swap.note.swapfile_unused", &[]);
    }
}

/// The settings that shape swapping: the arguments of their line
/// (`swap.note.settings`).
fn settings_args(st: &SwapSettings) -> Vec<(&'static str, String)> {
    vec![
        ("swappiness", opt(st.swappiness)),
        ("page_cluster", opt(st.page_cluster)),
        (
            "ra_pages",
            st.page_cluster
                .map_or("?".into(), |c| (1u64 << c.min(20)).to_string()),
        ),
        ("vma_ra", onoff(st.vma_ra_enabled).into()),
        ("zswap", onoff(st.zswap_enabled).into()),
    ]
}

/// A part that cannot run here: its reason from the catalogue (the English
/// starts with the part's name, which the checks look for), said and
/// recorded.
struct Skip {
    id: &'static str,
    args: Vec<(&'static str, String)>,
}

impl Skip {
    fn new(id: &'static str, args: &[(&'static str, String)]) -> Skip {
        Skip {
            id,
            args: args.to_vec(),
        }
    }

    fn record(&self, ctx: &Ctx, r: &mut Report) {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ctx.ui
            .say(&tr("swap.say.skipped", &[("why", &tr(self.id, &args))]));
        r.skip_t(self.id, &args);
    }
}

/// Mark how the run ended before the judge reads it.
fn mark_ended(r: &mut Report) {
    if sys::interrupted() {
        r.interrupted = true;
    }
    if r.interrupted {
        r.ended_by = crate::report::EndedBy::Interrupted;
    }
}

fn opt(v: Option<u64>) -> String {
    v.map_or("?".into(), |v| v.to_string())
}

fn onoff(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "on",
        Some(false) => "off",
        None => "absent",
    }
}

/// Free space in the swap areas, KiB.
fn swap_free_kib() -> u64 {
    swaps::areas()
        .iter()
        .map(|a| a.size_kib.saturating_sub(a.used_kib))
        .sum()
}

/// The sizes, checked; returns LIMIT in bytes.
fn validate(args: &Args) -> Result<u64> {
    crate::guard::at_least(
        "--size",
        args.size,
        8 << 20,
        &tr("swap.err.size_floor", &[]),
        "64M",
    )?;
    crate::guard::check(args.size, args.force)?;
    let limit = args.limit.map_or(args.size.bytes() / 2, |l| l.bytes());
    if limit < 4 << 20 || limit >= args.size.bytes() {
        return Err(crate::error::usage(tr(
            "swap.err.limit",
            &[
                ("limit", &human_bytes(limit)),
                ("size", &args.size.to_string()),
                ("example", &((args.size.bytes() / 2) >> 20).to_string()),
            ],
        )));
    }
    if let Some(sf) = args.swapfile {
        crate::guard::at_least(
            "--swapfile",
            sf,
            args.size.bytes() + args.size.bytes() / 4 + (4 << 20),
            &tr("swap.err.swapfile_floor", &[]),
            "256M",
        )?;
    }
    Ok(limit)
}

/// Make, format and switch on the temporary swap file; `Err(skip)` when
/// it cannot be done here (the parts are then skipped).
fn make_swapfile(
    args: &Args,
    size: Size,
    ctx: &Ctx,
    lock: &swapfile::SwapLock,
) -> Result<std::result::Result<swapfile::SwapFile, Skip>> {
    let dir = &args.swap_dir;
    let shown = dir.display().to_string();
    let (kind, _) = crate::probe::fs::kind(dir).map_err(|e| {
        crate::error::usage(tr(
            "swap.err.swap_dir",
            &[("dir", &shown), ("error", &format!("{e:#}"))],
        ))
    })?;
    if !swapfile::fs_supports_swapfile(&kind) {
        return Err(crate::error::usage(tr(
            "swap.err.swap_dir_fs",
            &[("dir", &shown), ("fs", &kind)],
        )));
    }
    let free = crate::probe::fs::free_bytes(dir)?;
    if size.bytes() > free / 2 {
        return Err(crate::error::usage(tr(
            "swap.err.swapfile_space",
            &[
                ("size", &size.to_string()),
                ("free", &human_bytes(free)),
                ("dir", &shown),
            ],
        )));
    }
    let path = dir.join(format!(
        "{}{}{}",
        swapfile::FILE_PREFIX,
        std::process::id(),
        swapfile::FILE_SUFFIX
    ));
    lock.record(&path)?;
    let mut f = swapfile::SwapFile::create(dir, size.bytes(), kind == "btrfs")?;
    if let Err(e) = f.activate() {
        let why = match e.raw_os_error() {
            Some(libc::EPERM) => Skip::new("swap.skip.swapon_refused", &[]),
            _ => Skip::new(
                "swap.skip.swapon_failed",
                &[
                    ("path", f.path.display().to_string()),
                    ("error", e.to_string()),
                ],
            ),
        };
        return Ok(Err(why));
    }
    ctx.ui.say(&tr(
        "swap.say.swapfile_made",
        &[
            ("path", &f.path.display().to_string()),
            ("size", &human_bytes(f.size_bytes)),
        ],
    ));
    Ok(Ok(f))
}

/// The three parts, in order; each records its rows or why it was skipped.
fn parts(args: &Args, limit: u64, ctx: &Ctx, r: &mut Report, m: &mut Measured) -> Result<()> {
    let t0 = Instant::now();
    pageout_part(args, ctx, r, m, t0)?;
    if sys::interrupted() {
        return Err(anyhow::Error::new(child::Interrupted));
    }
    rescue_part(args, limit, ctx, r, m, t0)?;
    let timed = r.rows.iter().any(|row| {
        row.get("major_timed")
            .and_then(|v| v.as_u64())
            .is_some_and(|n| n > 0)
    });
    if !timed {
        r.skip_t("swap.skip.cost", &[]);
    }
    Ok(())
}

/// System-wide readings around a step.
#[derive(Clone, Copy)]
struct Snap {
    vm: SwapCounters,
    swap_used_kib: u64,
    at: Instant,
}

impl Snap {
    fn now() -> Result<Snap> {
        let mi = crate::probe::meminfo::MemInfo::read()?;
        Ok(Snap {
            vm: SwapCounters::read()?,
            swap_used_kib: mi.swap_used_kib,
            at: Instant::now(),
        })
    }
}

/// A row for a step of the child `pid`, between two snapshots.
fn step_row(part: &str, step: &str, t0: Instant, pid: i32, a: &Snap, b: &Snap, s: Step) -> Row {
    let d = b.vm.since(&a.vm);
    let (swap, rss) = swaps::process_swap_rss(pid).unzip();
    Row {
        part: part.into(),
        step: step.into(),
        t_s: t0.elapsed().as_secs_f64(),
        vm_swap_kib: swap,
        rss_kib: rss,
        minflt: Some(s.minflt),
        majflt: Some(s.majflt),
        step_ms: Some(s.ns as f64 / 1e6),
        pswpout_pages: d.pswpout,
        zswpout_pages: d.zswpout,
        swpout_zero_pages: d.swpout_zero,
        pswpin_pages: d.pswpin,
        zswpin_pages: d.zswpin,
        swpin_zero_pages: d.swpin_zero,
        swap_ra_pages: d.swap_ra,
        swap_ra_hit_pages: d.swap_ra_hit,
        sys_swap_used_delta_kib: Some(b.swap_used_kib as i64 - a.swap_used_kib as i64),
        writeback_kib: swaps::writeback_kib(),
        ..Row::default()
    }
}

/// A timed read-back's figures in its row.
fn with_timing(mut row: Row, t: &Timed) -> Row {
    let mean = |sum: u64, n: u64| (n > 0).then(|| sum / n);
    row.major_timed = Some(t.n_major);
    row.minor_timed = Some(t.n_minor);
    row.major_ns_mean = mean(t.major_sum_ns, t.n_major);
    row.major_ns_median = (t.n_major > 0).then_some(t.major_median_ns);
    row.major_ns_p90 = (t.n_major > 0).then_some(t.major_p90_ns);
    row.minor_ns_mean = mean(t.minor_sum_ns, t.n_minor);
    row.minor_ns_median = (t.n_minor > 0).then_some(t.minor_median_ns);
    row.minor_ns_p90 = (t.n_minor > 0).then_some(t.minor_p90_ns);
    row
}

/// The answer of a command, or the end of the part. `what`: the
/// catalogue's error that names the command (`swap.err.ended_*`).
fn answered<T>(got: std::result::Result<T, Gone>, what: &str) -> Result<T> {
    match got {
        Ok(v) => Ok(v),
        Err(Gone::Interrupted) => Err(anyhow::Error::new(child::Interrupted)),
        Err(Gone::Ended) => anyhow::bail!(tr(what, &[])),
    }
}

/// How much the swap-out counters moved in a quiet window, per second.
fn quiet_rate() -> Result<f64> {
    let a = Snap::now()?;
    if !sys::sleep_until(Instant::now() + QUIET) {
        return Err(anyhow::Error::new(child::Interrupted));
    }
    let b = Snap::now()?;
    let pages = b.vm.since(&a.vm).out_pages() as f64;
    Ok(pages / (b.at - a.at).as_secs_f64())
}

fn pageout_part(
    args: &Args,
    ctx: &Ctx,
    r: &mut Report,
    m: &mut Measured,
    t0: Instant,
) -> Result<()> {
    let size = args.size.bytes();
    let free_kib = swap_free_kib();
    if free_kib * 1024 < size + size / 4 {
        Skip::new(
            "swap.skip.pageout_no_room",
            &[
                ("free", human_bytes(free_kib * 1024)),
                ("size", args.size.to_string()),
            ],
        )
        .record(ctx, r);
        return Ok(());
    }
    ctx.ui.say(&tr(
        "swap.say.pageout_start",
        &[("size", &args.size.to_string())],
    ));
    let (mut kid, link) = child::spawn(None)?;
    let pid = kid.pid().as_raw();
    let a = Snap::now()?;
    let st = answered(link.map_write(size)?, "swap.err.ended_writes")?;
    let b = Snap::now()?;
    r.push_row(&step_row("pageout", "written", t0, pid, &a, &b, st));
    let before_rate = quiet_rate()?;
    let a = Snap::now()?;
    let st = match link.pageout() {
        Ok(Err(g)) => return answered(Err(g), "swap.err.ended_pageout").map(|_: ()| ()),
        Err(e) => {
            let why = if sys::errno_of(&e) == Some(libc::EINVAL) {
                Skip::new("swap.skip.pageout_needs_5_4", &[])
            } else {
                Skip::new("swap.skip.pageout_failed", &[("error", format!("{e:#}"))])
            };
            why.record(ctx, r);
            return Ok(());
        }
        Ok(Ok(s)) => s,
    };
    let b = Snap::now()?;
    let row = step_row("pageout", "paged-out", t0, pid, &a, &b, st);
    let step_s = (b.at - a.at).as_secs_f64();
    ctx.ui.say(&tr(
        "swap.say.pageout_done",
        &[
            ("swap", &row.vm_swap_kib.unwrap_or(0).to_string()),
            ("rss", &row.rss_kib.unwrap_or(0).to_string()),
            ("pswpout", &row.pswpout_pages.unwrap_or(0).to_string()),
            ("zswpout", &row.zswpout_pages.unwrap_or(0).to_string()),
            ("zero", &row.swpout_zero_pages.unwrap_or(0).to_string()),
        ],
    ));
    r.push_row(&row);
    test_pause("pageout");
    let after_rate = quiet_rate()?;
    m.background_out_pages = Some(before_rate.max(after_rate) * step_s.max(QUIET.as_secs_f64()));
    m.background_windows = 2;
    // Eviction recipe, step 1: let the writes reach the device.
    let waited = Instant::now();
    let mut wb = swaps::writeback_kib();
    while wb.unwrap_or(0) > 0 && waited.elapsed() < WRITEBACK_PATIENCE {
        if !sys::sleep_until(Instant::now() + Duration::from_millis(20)) {
            return Err(anyhow::Error::new(child::Interrupted));
        }
        wb = swaps::writeback_kib();
    }
    r.push_row(&Row {
        part: "pageout".into(),
        step: "written-back".into(),
        t_s: t0.elapsed().as_secs_f64(),
        step_ms: Some(waited.elapsed().as_secs_f64() * 1e3),
        writeback_kib: wb,
        // Data: the rows stay English in every language.
        outcome: if wb.unwrap_or(0) > 0 {
            "writeback still under way when memlab stopped waiting".into()
        } else {
            "waited until meminfo Writeback was 0".into()
        },
        ..Row::default()
    });
    retouch_and_evict(&link, size, ctx, r, t0, pid)?;
    link.exit();
    let _ = kid.wait()?;
    Ok(())
}

/// Read every page back (swap cache: minor faults), page out again (clean
/// swap-cache pages are freed without I/O), read back again (major faults).
fn retouch_and_evict(
    link: &Link,
    size: u64,
    ctx: &Ctx,
    r: &mut Report,
    t0: Instant,
    pid: i32,
) -> Result<()> {
    let a = Snap::now()?;
    let t = answered(link.read_timed(0, size)?, "swap.err.ended_readback")?;
    let b = Snap::now()?;
    let row = with_timing(
        step_row("pageout", "retouched", t0, pid, &a, &b, t.step),
        &t,
    );
    ctx.ui.say(&tr(
        "swap.say.retouched",
        &[
            ("minor", &t.step.minflt.to_string()),
            ("major", &t.step.majflt.to_string()),
        ],
    ));
    r.push_row(&row);
    let a = Snap::now()?;
    let st = answered(link.pageout()?, "swap.err.ended_pageout_again")?;
    let b = Snap::now()?;
    r.push_row(&step_row("pageout", "paged-out-again", t0, pid, &a, &b, st));
    let a = Snap::now()?;
    let t = answered(link.read_timed(0, size)?, "swap.err.ended_evicted_readback")?;
    let b = Snap::now()?;
    let row = with_timing(
        step_row("pageout", "evicted-retouch", t0, pid, &a, &b, t.step),
        &t,
    );
    ctx.ui.say(&tr(
        "swap.say.evicted",
        &[
            ("major", &t.step.majflt.to_string()),
            ("minor", &t.step.minflt.to_string()),
            ("pswpin", &row.pswpin_pages.unwrap_or(0).to_string()),
            ("ra", &row.swap_ra_pages.unwrap_or(0).to_string()),
        ],
    ));
    r.push_row(&row);
    Ok(())
}

fn rescue_part(
    args: &Args,
    limit: u64,
    ctx: &Ctx,
    r: &mut Report,
    m: &mut Measured,
    t0: Instant,
) -> Result<()> {
    let size = args.size.bytes();
    // Both parts skipped, for one reason: (rescue's, no-swap's) ids.
    let skip_both =
        |r: &mut Report, ids: (&'static str, &'static str), args: &[(&'static str, String)]| {
            Skip::new(ids.0, args).record(ctx, r);
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            r.skip_t(ids.1, &args);
        };
    let why_ids = ("swap.skip.rescue", "swap.skip.no_swap");
    let Some(own) = MemCgroup::current() else {
        skip_both(
            r,
            ("swap.skip.rescue_no_cgroup", "swap.skip.no_swap_no_cgroup"),
            &[],
        );
        return Ok(());
    };
    if let Some(why) = crate::cgroup_sandbox::ancestor_denies_swap(&own) {
        skip_both(r, why_ids, &[("why", why)]);
        return Ok(());
    }
    let free_kib = swap_free_kib();
    if free_kib * 1024 < (size - limit) * 2 {
        skip_both(
            r,
            ("swap.skip.rescue_no_room", "swap.skip.no_swap_no_room"),
            &[
                ("free", human_bytes(free_kib * 1024)),
                ("need", human_bytes(size - limit)),
            ],
        );
        return Ok(());
    }
    let (mut sb, mech) = match Sandbox::create_for_swap(&own, limit, SwapRule::Allow) {
        Ok(v) => v,
        Err(crate::cgroup_sandbox::Refusal(why)) => {
            skip_both(r, why_ids, &[("why", why)]);
            return Ok(());
        }
    };
    m.rescue_mechanism = Some(mech);
    ctx.ui.say(&tr(
        "swap.say.rescue_start",
        &[
            ("limit", &human_bytes(limit)),
            ("size", &args.size.to_string()),
        ],
    ));
    let (kid, link) = child::spawn(Some(sb.procs_path()))?;
    let pid = kid.pid().as_raw();
    sb.adopt(kid);
    let a = Snap::now()?;
    let touched = link.map_write(size)?;
    let b = Snap::now()?;
    if let Ok(st) = &touched {
        let mut row = step_row("rescue", "touched", t0, pid, &a, &b, *st);
        row.cgroup_usage_kib = sb.usage_bytes().map(|v| v / 1024);
        r.push_row(&row);
        test_pause("rescue");
        let a = Snap::now()?;
        let t = answered(link.read_timed(0, size - limit)?, "swap.err.ended_reread")?;
        let b = Snap::now()?;
        let row = with_timing(step_row("rescue", "reread", t0, pid, &a, &b, t.step), &t);
        r.push_row(&row);
        link.exit();
    } else if let Err(Gone::Interrupted) = touched {
        return Err(anyhow::Error::new(child::Interrupted));
    }
    let end = ended_row("rescue", t0, &mut sb, None)?;
    let vm_swap = r
        .rows
        .iter()
        .rev()
        .find_map(|x| (x.get("step")? == "touched").then(|| x.get("vm_swap_kib").cloned())?)
        .unwrap_or_default();
    ctx.ui.say(&tr(
        "swap.say.rescue_end",
        &[
            ("outcome", &outcome_words(&end)),
            ("swap", &vm_swap.to_string()),
        ],
    ));
    r.push_row(&end);
    sb.remove()?;
    drop(sb);
    no_swap_part(size, limit, &own, ctx, r, m, t0)
}

/// How the child ended, in the reader's language (the row's `outcome`
/// stays English).
fn outcome_words(end: &Row) -> String {
    match (&end.signal, end.exit_code) {
        (Some(s), _) => tr("swap.say.killed_by", &[("signal", s)]),
        (None, Some(0)) => tr("swap.say.survived", &[]),
        (None, Some(c)) => tr("swap.say.exit", &[("code", &c.to_string())]),
        _ => tr("swap.say.ended", &[]),
    }
}

/// The child's end in its group (exit status, OOM kills), as a row.
fn ended_row(
    part: &str,
    t0: Instant,
    sb: &mut Sandbox,
    before: Option<crate::cgroup_sandbox::OomCounters>,
) -> Result<Row> {
    let exit = match sb.child() {
        Some(c) => c.wait()?,
        None => None,
    };
    let Some(exit) = exit else {
        return Err(anyhow::Error::new(child::Interrupted));
    };
    let after = sb.counters();
    let kills = after
        .oom_kill
        .map(|n| n.saturating_sub(before.and_then(|b| b.oom_kill).unwrap_or(0)));
    let signal = exit.signal.map(|s| s.as_str().to_string());
    let outcome = match (&signal, exit.exit_code) {
        (Some(s), _) => format!("killed by {s}"),
        (None, Some(0)) => "survived, exit 0".into(),
        (None, Some(c)) => format!("exit {c}"),
        _ => "ended".into(),
    };
    Ok(Row {
        part: part.into(),
        step: "ended".into(),
        t_s: t0.elapsed().as_secs_f64(),
        cgroup_usage_kib: sb.peak_bytes().map(|v| v / 1024),
        exit_code: exit.exit_code,
        signal,
        oom_kills: if part == "no-swap" {
            kills
        } else {
            after.oom_kill
        },
        outcome,
        ..Row::default()
    })
}

fn no_swap_part(
    size: u64,
    limit: u64,
    own: &MemCgroup,
    ctx: &Ctx,
    r: &mut Report,
    m: &mut Measured,
    t0: Instant,
) -> Result<()> {
    let (mut sb, mech) = match Sandbox::create_for_swap(own, limit, SwapRule::Deny) {
        Ok(v) => v,
        Err(crate::cgroup_sandbox::Refusal(why)) => {
            Skip::new("swap.skip.no_swap", &[("why", why)]).record(ctx, r);
            return Ok(());
        }
    };
    ctx.ui.say(&tr(
        "swap.say.no_swap_start",
        &[("mechanism", &mech.to_string())],
    ));
    m.no_swap_mechanism = Some(mech);
    let before = sb.counters();
    let (kid, link) = child::spawn(Some(sb.procs_path()))?;
    sb.adopt(kid);
    test_pause("no-swap");
    match link.map_write(size)? {
        Err(Gone::Interrupted) => return Err(anyhow::Error::new(child::Interrupted)),
        Ok(_) => link.exit(),
        Err(Gone::Ended) => {}
    }
    let end = ended_row("no-swap", t0, &mut sb, Some(before))?;
    ctx.ui.say(&tr(
        "swap.say.no_swap_end",
        &[("outcome", &outcome_words(&end))],
    ));
    r.push_row(&end);
    sb.remove()?;
    Ok(())
}

/// Record the measurements and the view.
fn finish(mut r: Report, m: &Measured) -> Report {
    mark_ended(&mut r);
    if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(m) {
        for (k, v) in map {
            r.measurements.insert(k, v);
        }
    }
    view::apply(&mut r);
    r
}
