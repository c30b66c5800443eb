//! oom — Out Of Memory / 仮想メモリの枯渇と物理メモリの枯渇
//!
//! Two ways a process runs out of memory, both contained so the host is never
//! at risk:
//!
//! * virtual: a child lowers its own `RLIMIT_AS` (the cap on its address
//!   space, VSZ) and keeps mapping 1 MiB chunks without touching them. Once
//!   the next mapping would cross the cap, `mmap` fails with ENOMEM: the
//!   process is told "no" and lives on. No physical memory is involved.
//! * physical: a child joins a fresh memory cgroup limited to `--limit` with
//!   swap off, and touches memory. The kernel charges every touched page to
//!   the group; at the limit, reclaim finds nothing (anonymous pages, no
//!   swap), and the OOM killer picks a victim *inside the group* and sends it
//!   SIGKILL. Nobody outside the group is considered.
//!
//! The parent never joins the group; the child joins before it allocates.
//! The group is removed in every case (see `cgroup_sandbox`), and groups
//! left by a memlab killed with SIGKILL are swept at the start of every
//! run. The children's side is in [`child`], the checks — a pure function
//! of the rows and measurements — in [`checks`].

pub mod checks;
mod child;
mod view;

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::ValueEnum;
use nix::sys::resource::{Resource, getrlimit};

use self::checks::Row;
use super::Ctx;
use crate::cgroup_sandbox::{Sandbox, sweep_stale};
use crate::i18n::tr;
use crate::probe::cgroup::{MemCgroup, Version};
use crate::probe::pagecache::CacheReading;
use crate::probe::process::ProcHandle;
use crate::report::{EndedBy, Report};
use crate::sampler::Sampler;
use crate::sys::{self, MapOptions, Region, Sharing};
use crate::units::{Interval, Rate, Size, human_bytes};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Memory limit of the physical child's cgroup (swap off for it)
    #[arg(long, allow_hyphen_values = true, default_value = "64M")]
    pub limit: Size,
    /// RLIMIT_AS of the virtual child: its VSZ at start plus this much
    #[arg(long, allow_hyphen_values = true, default_value = "256M")]
    pub as_headroom: Size,
    /// How fast the physical child touches memory (or max)
    #[arg(long, allow_hyphen_values = true, default_value = "128M/s")]
    pub rate: Rate,
    /// How often memlab samples the physical child (at least 1ms)
    #[arg(long, allow_hyphen_values = true, default_value = "10ms")]
    pub interval: Interval,
    /// Which exhaustion(s) to show
    #[arg(long, value_enum, default_value = "both")]
    pub part: Part,
    /// Run even if --limit is more than half of the available memory
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "oom",
    section: "仮想メモリの枯渇と物理メモリの枯渇",
    summary: "RLIMIT_AS exhaustion, and the OOM killer inside a memory cgroup",
    needs: "root or a delegated memory cgroup for the physical part",
    page: include_str!("../../../experiments/oom.md"),
    plots: false,
    chart: None,
    quick: Some(&["--limit", "32M"]),
    key_figures: &["physical_touched_kib", "oom_kill_count"],
    judge: checks::judge,
    page_ja: Some(include_str!("../../../experiments/ja/oom.md")),
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Part {
    Virtual,
    Physical,
    Both,
}

/// The physical child stops after touching this many times the limit: if the
/// cgroup somehow does not hold it, it still cannot eat the host.
const CAP_FACTOR: u64 = 4;
/// The most the virtual child reserves: a million 1 MiB mmap calls take a
/// second or so; far more would take minutes and prove nothing more.
const MAX_AS_HEADROOM: u64 = 1 << 40;
/// The longest the physical child may take to reach the limit.
const MAX_FILL_SECONDS: u64 = 600;
/// memlab samples /proc; no interval of its is shorter than this.
const MIN_INTERVAL: Duration = Duration::from_millis(1);
/// Readings of system memory before the physical child starts and after its
/// group is removed, this far apart: their spread is the host's background.
const QUIET_READINGS: usize = 9;
const READING_GAP: Duration = Duration::from_millis(20);

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    validate(args, ctx)?;
    let mut r = Report::new("oom", &ctx.meta);
    r.param("part", format!("{:?}", args.part).to_lowercase());
    r.param("limit_bytes", args.limit.bytes());
    r.param("as_headroom_bytes", args.as_headroom.bytes());
    match args.rate {
        Rate::PerSecond(s) => {
            r.param("rate_bytes_per_s", s.bytes());
            r.param("rate_max", false);
        }
        // No rate in bytes to record (a `null` could not be typed back).
        Rate::Max => r.param("rate_max", true),
    }
    r.param("interval_s", args.interval.0.as_secs_f64());
    r.columns_from(&Row::default());
    sweep(ctx, &mut r);
    let t0 = Instant::now();
    if args.part != Part::Physical {
        virtual_part(args, ctx, &mut r, t0)?;
    }
    let go_on = !r.interrupted && !sys::interrupted() && r.ended_by == EndedBy::Completed;
    if args.part != Part::Virtual && go_on {
        physical_part(args, ctx, &mut r, t0)?;
    }
    view::set_view(&mut r);
    Ok(r)
}

/// Refuse options that cannot make a sensible run (exit 2).
fn validate(args: &Args, ctx: &Ctx) -> Result<()> {
    let usage = |id: &str, a: &[(&str, &str)]| Err(crate::error::usage(tr(id, a)));
    let physical = args.part != Part::Virtual;
    if physical {
        crate::guard::check_flag("--limit", args.limit, args.force)?;
    }
    if args.limit.bytes() < 4 << 20 {
        return usage("oom.err.limit_small", &[("limit", &args.limit.to_string())]);
    }
    if args.as_headroom.bytes() < 4 * child::CHUNK {
        return usage(
            "oom.err.headroom_small",
            &[("headroom", &args.as_headroom.to_string())],
        );
    }
    if args.as_headroom.bytes() > MAX_AS_HEADROOM {
        return usage(
            "oom.err.headroom_large",
            &[
                ("headroom", &args.as_headroom.to_string()),
                ("max", &human_bytes(MAX_AS_HEADROOM)),
            ],
        );
    }
    if args.interval.0 < MIN_INTERVAL {
        return usage(
            "oom.err.interval_small",
            &[("interval", &args.interval.to_string())],
        );
    }
    // Above the RAM the cgroup limit can never be what stops the child: the
    // host would run out first, and --force does not change that.
    let total = ctx.meta.mem_total_kib * 1024;
    if physical && total > 0 && args.limit.bytes() > total {
        return usage(
            "oom.err.limit_above_ram",
            &[
                ("limit", &args.limit.to_string()),
                ("total", &human_bytes(total)),
            ],
        );
    }
    // A rate so slow the child would take more than ten minutes to reach
    // the limit is a typo (1M/s for 1G/s, or a missing unit).
    if let (true, Rate::PerSecond(rate)) = (physical, args.rate) {
        let secs = args.limit.bytes() / rate.bytes().max(1);
        if secs > MAX_FILL_SECONDS {
            return usage(
                "oom.err.rate_slow",
                &[
                    ("rate", &args.rate.to_string()),
                    ("secs", &secs.to_string()),
                    ("limit", &args.limit.to_string()),
                    ("max", &MAX_FILL_SECONDS.to_string()),
                ],
            );
        }
    }
    Ok(())
}

/// Remove the groups that memlabs killed with SIGKILL left behind (nobody
/// holds their lock, no process is in them), and say so.
fn sweep(ctx: &Ctx, r: &mut Report) {
    let Some(own) = MemCgroup::current() else {
        return;
    };
    for dir in sweep_stale(&own) {
        let dir = dir.display().to_string();
        ctx.ui.say(&tr("oom.note.swept", &[("dir", &dir)]));
        r.note_t("oom.note.swept", &[("dir", &dir)]);
    }
}

/// The worker died before the run ended: keep what was measured, say so in
/// a plain sentence.
/// `physical`: the physical child, before joining its cgroup; else the
/// virtual child, before reporting.
fn worker_died(r: &mut Report, physical: bool, pid: i32, exit: Option<&sys::ChildExit>) {
    let (id, signal, code) = match exit.map(|e| (e.signal, e.exit_code)) {
        Some((Some(s), _)) if physical => ("oom.note.physical_killed", s.as_str(), None),
        Some((Some(s), _)) => ("oom.note.virtual_killed", s.as_str(), None),
        Some((None, Some(c))) if physical => ("oom.note.physical_exit", "", Some(c)),
        Some((None, Some(c))) => ("oom.note.virtual_exit", "", Some(c)),
        _ if physical => ("oom.note.physical_ended", "", None),
        _ => ("oom.note.virtual_ended", "", None),
    };
    let pid = pid.to_string();
    let code_s = code.map(|c| c.to_string()).unwrap_or_default();
    let meaning = |lang| {
        code.map(|c| crate::i18n::tr_in(lang, child::exit_meaning_id(c), &[]))
            .unwrap_or_default()
    };
    let args = |meaning: &str| {
        [
            ("pid", pid.clone()),
            ("signal", signal.to_string()),
            ("code", code_s.clone()),
            ("meaning", meaning.to_string()),
        ]
    };
    // The reader's language on stderr; the JSON keeps the English.
    let shown = args(&meaning(crate::i18n::current()));
    let shown: Vec<(&str, &str)> = shown.iter().map(|(k, v)| (*k, v.as_str())).collect();
    eprintln!("memlab: {}", tr(id, &shown));
    let kept = args(&meaning(crate::i18n::Lang::En));
    let kept: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (*k, v.as_str())).collect();
    r.note_t(id, &kept);
    r.ended_by = EndedBy::WorkerDied;
}

/// Memory figures of a row, with the other-processes signal (memlab's own
/// process is `own_kib`).
fn with_mem(row: Row, s: &CacheReading, own_kib: Option<u64>) -> Row {
    Row {
        mem_used_kib: Some(s.mem.used_kib),
        mem_used_adj_kib: Some(s.mem.used_adj_kib),
        mem_available_kib: Some(s.mem.available_kib),
        anon_pages_kib: Some(s.anon_pages_kib),
        cached_kib: Some(s.cached_kib),
        own_kib,
        others_kib: own_kib.map(|o| s.others_kib(o)),
        ..row
    }
}

// ---------------------------------------------------------------------------
// Virtual exhaustion
// ---------------------------------------------------------------------------

fn virtual_part(args: &Args, ctx: &Ctx, r: &mut Report, t0: Instant) -> Result<()> {
    ctx.ui.say(&tr(
        "oom.say.virtual_start",
        &[
            ("headroom", &args.as_headroom.to_string()),
            ("chunk", &human_bytes(child::CHUNK)),
        ],
    ));
    let headroom = args.as_headroom.bytes();
    let (res_r, res_w) = sys::chan()?;
    let (rel_r, rel_w) = sys::chan()?;
    let mut kid = sys::fork_child(|| child::virtual_body(headroom, &res_w, &rel_r))?;
    drop((res_w, rel_r));
    let pid = kid.pid().as_raw();
    let handle = ProcHandle::new(pid)?;
    let Some(got) = res_r
        .recv_msg::<child::Reserved>()
        .with_context(|| tr("oom.err.virtual_report", &[]))?
    else {
        if sys::interrupted() {
            r.interrupted = true;
            return Ok(());
        }
        let exit = kid.wait()?;
        worker_died(r, false, pid, exit.as_ref());
        return Ok(());
    };
    let child::Reserved {
        limit,
        reserved,
        errno,
    } = got;
    let at_enomem = handle.sample().ok();
    let t_enomem = t0.elapsed().as_secs_f64();
    let _ = rel_w.send_msg(&child::Go);
    drop(rel_w);
    let Some(exit) = kid.wait()? else {
        r.interrupted = true;
        return Ok(());
    };
    let outcome = format!(
        "{}; {}",
        checks::errno_name(errno),
        match (exit.signal, exit.exit_code) {
            (Some(s), _) => format!("then killed by {}", s.as_str()),
            (None, Some(0)) => "survived, mapped and touched again, exit 0".into(),
            (None, Some(c)) => format!("exit {c}"),
            _ => "ended".into(),
        }
    );
    ctx.ui.say(&tr(
        if exit.signal.is_none() && exit.exit_code == Some(0) {
            "oom.say.virtual_end"
        } else {
            "oom.say.virtual_end_abnormal"
        },
        &[
            ("errno", &checks::errno_name(errno)),
            ("reserved", &human_bytes(reserved)),
            (
                "vsz",
                &at_enomem.map_or("?".into(), |s| human_bytes(s.vsz_kib * 1024)),
            ),
            ("limit", &human_bytes(limit)),
        ],
    ));
    let row = Row {
        t_s: t_enomem,
        part: "virtual".into(),
        event: "enomem".into(),
        vsz_kib: at_enomem.map(|s| s.vsz_kib),
        rss_kib: at_enomem.map(|s| s.rss_kib),
        reserved_kib: Some(reserved / 1024),
        outcome,
        ..Row::default()
    };
    let row = match CacheReading::read() {
        Ok(m) => with_mem(row, &m, None),
        Err(_) => row,
    };
    r.push_row(&row);
    r.measure("virtual_as_limit_bytes", limit);
    r.measure("virtual_reserved_bytes", reserved);
    r.measure("virtual_vsz_at_enomem_kib", at_enomem.map(|s| s.vsz_kib));
    r.measure("virtual_rss_at_enomem_kib", at_enomem.map(|s| s.rss_kib));
    r.measure("virtual_errno", errno);
    r.measure("virtual_exit_code", exit.exit_code);
    r.measure("virtual_signal", exit.signal.map(|s| s.as_str()));
    Ok(())
}

// ---------------------------------------------------------------------------
// Physical exhaustion
// ---------------------------------------------------------------------------

/// Record why the physical part cannot run here: the report prints it once,
/// as one line, with the other skipped parts.
fn skip_physical(r: &mut Report, id: &str, args: &[(&str, &str)]) {
    r.skip_t(id, args);
}

/// Why the physical part cannot run on this host, if it cannot: a skip
/// reason's id and arguments.
fn physical_refusal(ctx: &Ctx, cap: u64) -> Option<(&'static str, Vec<(&'static str, String)>)> {
    // vm.panic_on_oom: 0 kills a process; 1 panics on a system-wide OOM but
    // still only kills inside a cgroup; 2 panics the machine even for a
    // cgroup's OOM. memlab only runs the physical part on 0.
    if ctx.meta.panic_on_oom != Some(0) {
        return Some(match ctx.meta.panic_on_oom {
            Some(v) => ("oom.skip.panic_on_oom", vec![("value", v.to_string())]),
            None => ("oom.skip.panic_on_oom_unreadable", Vec::new()),
        });
    }
    inherited_as_limit(cap)
}

/// An address-space limit memlab inherited (`ulimit -v`, `prlimit --as`)
/// that the child, which maps `cap` bytes, would hit before the cgroup's
/// limit: then its mmap fails and the OOM killer is never reached.
fn inherited_as_limit(cap: u64) -> Option<(&'static str, Vec<(&'static str, String)>)> {
    let (soft, _) = getrlimit(Resource::RLIMIT_AS).ok()?;
    if soft == libc::RLIM_INFINITY {
        return None;
    }
    let vsz = ProcHandle::myself()
        .and_then(|p| p.sample())
        .map_or(0, |s| s.vsz_kib * 1024);
    (vsz + cap > soft).then(|| {
        (
            "oom.skip.as_limit",
            vec![
                ("soft_kib", (soft / 1024).to_string()),
                ("soft", human_bytes(soft)),
                ("cap", human_bytes(cap)),
                ("vsz", human_bytes(vsz)),
            ],
        )
    })
}

fn physical_part(args: &Args, ctx: &Ctx, r: &mut Report, t0: Instant) -> Result<()> {
    let limit = args.limit.bytes();
    if let Some((id, args)) = physical_refusal(ctx, limit * CAP_FACTOR) {
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        skip_physical(r, id, &args);
        return Ok(());
    }
    let Some(own) = MemCgroup::current() else {
        skip_physical(r, "oom.skip.no_cgroup", &[]);
        return Ok(());
    };
    let mut sb = match Sandbox::create(&own, limit) {
        Ok(sb) => sb,
        Err(refusal) => {
            skip_physical(r, "oom.skip.sandbox", &[("why", &refusal.0)]);
            return Ok(());
        }
    };
    describe_sandbox(ctx, r, &sb, limit);
    let me = ProcHandle::myself()?;
    if !quiet_readings(r, t0, &me, "before")? {
        return interrupted(r, sb);
    }
    r.measure("oom_kill_before", sb.counters().oom_kill);
    // One shared page where the child publishes how much it has touched.
    let progress = Region::anon(
        sys::page_size(),
        MapOptions {
            sharing: Sharing::Shared,
            ..MapOptions::default()
        },
    )?;
    progress.write_bytes(0, &0u64.to_ne_bytes());
    let Some(handle) = start_child(args, ctx, r, &mut sb, &progress)? else {
        return Ok(());
    };
    let timed_out = sample_child(args, ctx, r, t0, &mut sb, &handle, &progress);
    if sys::interrupted() {
        return interrupted(r, sb);
    }
    end_physical(ctx, r, t0, sb, &progress, timed_out)?;
    if !quiet_readings(r, t0, &me, "after")? {
        r.interrupted = true;
    }
    Ok(())
}

/// Kill and reap the child, then remove the group, before reporting.
fn remove_group(r: &mut Report, sb: &mut Sandbox) -> Result<()> {
    let dir = sb.dir.clone();
    sb.remove()?;
    r.measure("cgroup_removed", !dir.exists());
    r.measure("cgroup_dir", dir.display().to_string());
    Ok(())
}

fn interrupted(r: &mut Report, mut sb: Sandbox) -> Result<()> {
    remove_group(r, &mut sb)?;
    r.interrupted = true;
    Ok(())
}

fn describe_sandbox(ctx: &Ctx, r: &mut Report, sb: &Sandbox, limit: u64) {
    let version = match sb.version {
        Version::V1 => "v1",
        Version::V2 => "v2",
    };
    ctx.ui.say(&tr(
        if sb.swap_limited {
            "oom.say.sandbox_swap0"
        } else {
            "oom.say.sandbox_no_swap"
        },
        &[
            ("version", version),
            ("dir", &sb.dir.display().to_string()),
            ("placement", &crate::i18n::localize(&sb.placement)),
            ("limit", &human_bytes(limit)),
        ],
    ));
    r.measure("cgroup_version", version);
    r.measure("cgroup_dir", sb.dir.display().to_string());
    r.measure("swap_limited", sb.swap_limited);
    if !sb.swap_limited {
        r.note_t(
            if ctx.meta.swap_total_kib == 0 {
                "oom.note.no_swap_limit"
            } else {
                "oom.note.no_swap_limit_swap"
            },
            &[("swap_kib", &ctx.meta.swap_total_kib.to_string())],
        );
    }
}

/// Several readings of system memory, READING_GAP apart, while memlab does
/// nothing (`event` "before" the child starts, "after" its group is
/// removed). `false` when interrupted.
fn quiet_readings(r: &mut Report, t0: Instant, me: &ProcHandle, event: &str) -> Result<bool> {
    let own = me.rollup().ok().flatten().map(|x| x.pss_own_kib());
    for i in 0..QUIET_READINGS {
        if i > 0 && !sys::sleep_until(Instant::now() + READING_GAP) {
            return Ok(false);
        }
        let s = CacheReading::read()?;
        let row = Row {
            t_s: t0.elapsed().as_secs_f64(),
            part: "physical".into(),
            event: event.into(),
            ..Row::default()
        };
        r.push_row(&with_mem(row, &s, own));
    }
    Ok(true)
}

/// Fork the child, let it join the group and start it. `None` when it could
/// not start (interrupted, or it died: recorded).
fn start_child(
    args: &Args,
    ctx: &Ctx,
    r: &mut Report,
    sb: &mut Sandbox,
    progress: &Region,
) -> Result<Option<ProcHandle>> {
    let (ready_r, ready_w) = sys::chan()?;
    let (go_r, go_w) = sys::chan()?;
    let procs = sb.procs_path();
    let spec = child::Physical {
        procs: &procs,
        cap: args.limit.bytes() * CAP_FACTOR,
        rate: args.rate,
        progress,
        ready_w: &ready_w,
        go_r: &go_r,
    };
    let kid = sys::fork_child(|| child::physical_body(&spec))?;
    let pid = kid.pid().as_raw();
    sb.adopt(kid);
    drop((ready_w, go_r));
    match ready_r
        .recv_msg::<child::Ready>()
        .with_context(|| tr("oom.err.join_wait", &[]))?
    {
        Some(child::Ready::Joined) => {}
        Some(child::Ready::JoinFailed) => anyhow::bail!(tr(
            "oom.err.join_failed",
            &[("dir", &sb.dir.display().to_string())],
        )),
        None if sys::interrupted() => {
            remove_group(r, sb)?;
            r.interrupted = true;
            return Ok(None);
        }
        None => {
            let exit = sb.child().and_then(|c| c.wait().ok().flatten());
            worker_died(r, true, pid, exit.as_ref());
            remove_group(r, sb)?;
            return Ok(None);
        }
    }
    let handle = ProcHandle::new(pid)?;
    // The child set it before saying it was ready: read back what the
    // kernel holds rather than repeat what was asked for.
    let adj = handle.oom_score_adj();
    r.measure("oom_score_adj", adj);
    ctx.ui.say(&tr(
        "oom.say.child_joined",
        &[
            ("pid", &pid.to_string()),
            (
                "adj",
                &adj.map_or_else(|| tr("oom.say.unreadable", &[]), |v| v.to_string()),
            ),
            ("rate", &args.rate.to_string()),
        ],
    ));
    go_w.send_msg(&child::Go)
        .with_context(|| tr("oom.err.start", &[]))?;
    Ok(Some(handle))
}

fn touched_bytes(progress: &Region) -> u64 {
    let b = progress.read_bytes(0, 8);
    u64::from_ne_bytes(b.try_into().unwrap_or([0; 8]))
}

/// Sample the child with the shared sampler until it ends. Returns whether
/// it was still running at the deadline.
fn sample_child(
    args: &Args,
    ctx: &Ctx,
    r: &mut Report,
    t0: Instant,
    sb: &mut Sandbox,
    handle: &ProcHandle,
    progress: &Region,
) -> bool {
    let limit = args.limit.bytes();
    let cap = limit * CAP_FACTOR;
    // Expect the end well within the time to touch the cap, plus slack.
    let expected = match args.rate {
        Rate::PerSecond(s) => Duration::from_secs_f64(cap as f64 / s.bytes().max(1) as f64),
        Rate::Max => Duration::from_secs(10),
    };
    let deadline = Instant::now() + expected + Duration::from_secs(20);
    let bar = ctx.ui.progress(limit / 1024, "touching (KiB)");
    let mut best_score = None;
    let mut s = Sampler::start(args.interval.0);
    let mut timed_out = false;
    while s.wait(None).is_some() {
        if !sb.child().is_some_and(|c| c.is_running()) {
            break;
        }
        if Instant::now() > deadline {
            timed_out = true;
            break;
        }
        // A process that has just died reads as empty; not a sample.
        let (Ok(Some(sample)), Ok(m)) = (s.read(handle), s.timed(CacheReading::read)) else {
            break;
        };
        let touched = touched_bytes(progress);
        let oom_score = s.timed(|| handle.oom_score());
        // The score reads 0 once the OOM killer has taken the process
        // (its memory is marked as already reaped): keep the highest.
        best_score = best_score.max(oom_score);
        bar.set((touched / 1024).min(limit / 1024));
        let row = Row {
            t_s: t0.elapsed().as_secs_f64(),
            part: "physical".into(),
            event: "sample".into(),
            vsz_kib: Some(sample.vsz_kib),
            rss_kib: Some(sample.rss_kib),
            touched_kib: Some(touched / 1024),
            cgroup_usage_kib: sb.usage_bytes().map(|b| b / 1024),
            oom_score,
            ..Row::default()
        };
        r.push_row(&with_mem(row, &m, None));
        s.record();
    }
    bar.finish();
    let st = s.finish();
    r.measure(
        "sampler",
        serde_json::json!({
            "duration_s": (st.duration_s * 1e3).round() / 1e3,
            "samples_taken": st.samples_taken,
            "samples_asked": st.samples_asked,
            "samples_skipped": st.samples_skipped,
            "samples_late": st.samples_late,
            "jitter_mean_us": st.jitter_mean_us,
            "jitter_max_us": (st.jitter_max_us * 1e3).round() / 1e3,
            "sample_read_mean_us": st.read_mean_us,
        }),
    );
    r.measure("oom_score", best_score);
    timed_out
}

/// Reap the child, read the group's counters, remove the group, record.
fn end_physical(
    ctx: &Ctx,
    r: &mut Report,
    t0: Instant,
    mut sb: Sandbox,
    progress: &Region,
    timed_out: bool,
) -> Result<()> {
    if timed_out {
        ctx.ui.say(&tr("oom.note.timeout", &[]));
        r.note_t("oom.note.timeout", &[]);
        if let Some(c) = sb.child() {
            c.kill();
        }
    }
    let exit = match sb.child() {
        Some(c) if !timed_out => c.wait()?,
        _ => None,
    };
    let touched = touched_bytes(progress);
    let counters = sb.counters();
    let usage_end = sb.usage_bytes();
    let peak = sb.peak_bytes();
    let signal = exit.as_ref().and_then(|e| e.signal).map(|s| s.as_str());
    let code = exit.as_ref().and_then(|e| e.exit_code);
    let outcome = match (timed_out, signal, code) {
        (true, ..) => "killed by memlab (timeout)".to_string(),
        (_, Some(s), _) => format!("killed by {s}"),
        (_, None, Some(c)) => format!("exit {c} ({})", child::exit_meaning(c)),
        _ => "ended".into(),
    };
    r.push_row(&Row {
        t_s: t0.elapsed().as_secs_f64(),
        part: "physical".into(),
        event: "ended".into(),
        touched_kib: Some(touched / 1024),
        cgroup_usage_kib: usage_end.map(|b| b / 1024),
        outcome: outcome.clone(),
        ..Row::default()
    });
    let dir = sb.dir.clone();
    sb.remove()?;
    let removed = !dir.exists();
    let said_outcome = match (timed_out, signal, code) {
        (true, ..) => tr("oom.say.outcome.timeout", &[]),
        (_, Some(s), _) => tr("oom.say.outcome.killed", &[("signal", s)]),
        (_, None, Some(c)) => tr(
            "oom.say.outcome.exit",
            &[
                ("code", &c.to_string()),
                ("meaning", &tr(child::exit_meaning_id(c), &[])),
            ],
        ),
        _ => tr("oom.say.outcome.ended", &[]),
    };
    ctx.ui.say(&tr(
        "oom.say.physical_end",
        &[
            ("outcome", &said_outcome),
            ("touched", &human_bytes(touched)),
            ("peak", &peak.map_or("?".into(), human_bytes)),
            (
                "removed",
                &tr(
                    if removed {
                        "oom.say.removed"
                    } else {
                        "oom.say.not_removed"
                    },
                    &[],
                ),
            ),
        ],
    ));
    r.measure("physical_timed_out", timed_out);
    r.measure("physical_signal", signal);
    r.measure("physical_exit_code", code);
    r.measure("physical_touched_bytes", touched);
    r.measure(
        "physical_maxrss_kib",
        exit.as_ref().map(|e| e.rusage_maxrss_kib),
    );
    r.measure("oom_kill_after", counters.oom_kill);
    r.measure("cgroup_limit_hits", counters.limit_hits);
    r.measure("cgroup_peak_bytes", peak);
    r.measure("cgroup_usage_at_end_bytes", usage_end);
    r.measure("cgroup_removed", removed);
    r.note_t(
        "oom.note.sysctl",
        &[
            (
                "panic_on_oom",
                &ctx.meta
                    .panic_on_oom
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ),
            (
                "overcommit",
                &ctx.meta
                    .overcommit_memory
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ),
        ],
    );
    Ok(())
}
