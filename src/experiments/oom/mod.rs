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
    page_ja: None,
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
        Rate::Max => {
            r.param("rate_bytes_per_s", serde_json::Value::Null);
            r.param("rate_max", true);
        }
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
    let usage = |m: String| Err(crate::error::usage(m));
    let physical = args.part != Part::Virtual;
    if physical {
        crate::guard::check_flag("--limit", args.limit, args.force)?;
    }
    if args.limit.bytes() < 4 << 20 {
        return usage(format!(
            "--limit {} is too small to run a process in; use at least 4M (e.g. --limit 64M)",
            args.limit
        ));
    }
    if args.as_headroom.bytes() < 4 * child::CHUNK {
        return usage(format!(
            "--as-headroom {} leaves no room to map anything; use at least 4M (e.g. --as-headroom 256M)",
            args.as_headroom
        ));
    }
    if args.as_headroom.bytes() > MAX_AS_HEADROOM {
        return usage(format!(
            "--as-headroom {} is too large: the child reserves it 1 MiB at a time, up to {} \
             (e.g. --as-headroom 256M)",
            args.as_headroom,
            human_bytes(MAX_AS_HEADROOM)
        ));
    }
    if args.interval.0 < MIN_INTERVAL {
        return usage(format!(
            "--interval {} is below 1ms, the shortest memlab takes (e.g. --interval 10ms)",
            args.interval
        ));
    }
    // Above the RAM the cgroup limit can never be what stops the child: the
    // host would run out first, and --force does not change that.
    let total = ctx.meta.mem_total_kib * 1024;
    if physical && total > 0 && args.limit.bytes() > total {
        return usage(format!(
            "--limit {} is more than this host's memory ({} MemTotal), so the cgroup could \
             never be what stops the child (e.g. --limit 64M)",
            args.limit,
            human_bytes(total)
        ));
    }
    // A rate so slow the child would take more than ten minutes to reach
    // the limit is a typo (1M/s for 1G/s, or a missing unit).
    if let (true, Rate::PerSecond(rate)) = (physical, args.rate) {
        let secs = args.limit.bytes() / rate.bytes().max(1);
        if secs > MAX_FILL_SECONDS {
            return usage(format!(
                "--rate {} would take {secs} s to fill --limit {} (at most {MAX_FILL_SECONDS} s; \
                 e.g. --rate 128M/s)",
                args.rate, args.limit
            ));
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
        let line = format!(
            "removed the cgroup {} left by an earlier memlab that was killed (nobody held its lock and no process was in it)",
            dir.display()
        );
        ctx.ui.say(&line);
        r.note(line);
    }
}

/// The worker died before the run ended: keep what was measured, say so in
/// a plain sentence.
fn worker_died(r: &mut Report, who: &str, exit: Option<&sys::ChildExit>, when: &str) {
    let how = match exit.map(|e| (e.signal, e.exit_code)) {
        Some((Some(s), _)) => format!("was killed by {}", s.as_str()),
        Some((None, Some(c))) => format!("exited with status {c} ({})", child::exit_meaning(c)),
        _ => "ended".into(),
    };
    let why = format!("{who} {how} {when}; what was measured until then is kept");
    eprintln!("memlab: {why}");
    r.note(why);
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
    ctx.ui.say(&format!(
        "[virtual] a child caps its address space (RLIMIT_AS) at its VSZ + {} and maps {} chunks without touching them",
        args.as_headroom,
        human_bytes(child::CHUNK)
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
        .context("reading the virtual child's report")?
    else {
        if sys::interrupted() {
            r.interrupted = true;
            return Ok(());
        }
        let exit = kid.wait()?;
        worker_died(
            r,
            &format!("the virtual child {pid}"),
            exit.as_ref(),
            "before reporting",
        );
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
    ctx.ui.say(&format!(
        "[virtual] mmap failed with {} after reserving {} (VSZ {} of a {} RLIMIT_AS); the child {}",
        checks::errno_name(errno),
        human_bytes(reserved),
        at_enomem.map_or("?".into(), |s| human_bytes(s.vsz_kib * 1024)),
        human_bytes(limit),
        if exit.signal.is_none() && exit.exit_code == Some(0) {
            "lived on and exited normally"
        } else {
            "did not end normally"
        }
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
fn skip_physical(_ctx: &Ctx, r: &mut Report, why: String) {
    r.skip(format!("physical exhaustion: {why}"));
}

/// Why the physical part cannot run on this host, if it cannot.
fn physical_refusal(ctx: &Ctx, cap: u64) -> Option<String> {
    // vm.panic_on_oom: 0 kills a process; 1 panics on a system-wide OOM but
    // still only kills inside a cgroup; 2 panics the machine even for a
    // cgroup's OOM. memlab only runs the physical part on 0.
    if ctx.meta.panic_on_oom != Some(0) {
        return Some(format!(
            "vm.panic_on_oom = {} (with 2 even an OOM inside a cgroup panics the machine; 1 would only kill here, but memlab runs this part only with 0, the kernel's default); memlab never changes it",
            ctx.meta
                .panic_on_oom
                .map_or("unreadable".into(), |v| v.to_string())
        ));
    }
    inherited_as_limit(cap)
}

/// An address-space limit memlab inherited (`ulimit -v`, `prlimit --as`)
/// that the child, which maps `cap` bytes, would hit before the cgroup's
/// limit: then its mmap fails and the OOM killer is never reached.
fn inherited_as_limit(cap: u64) -> Option<String> {
    let (soft, _) = getrlimit(Resource::RLIMIT_AS).ok()?;
    if soft == libc::RLIM_INFINITY {
        return None;
    }
    let vsz = ProcHandle::myself()
        .and_then(|p| p.sample())
        .map_or(0, |s| s.vsz_kib * 1024);
    (vsz + cap > soft).then(|| {
        format!(
            "memlab runs under an inherited address-space limit (RLIMIT_AS, ulimit -v) of {} KiB ({}); the child maps {} (4× --limit) beside memlab's own {}, so its mmap would fail before the cgroup's limit is reached; run it without that limit (ulimit -v unlimited)",
            soft / 1024,
            human_bytes(soft),
            human_bytes(cap),
            human_bytes(vsz)
        )
    })
}

fn physical_part(args: &Args, ctx: &Ctx, r: &mut Report, t0: Instant) -> Result<()> {
    let limit = args.limit.bytes();
    if let Some(why) = physical_refusal(ctx, limit * CAP_FACTOR) {
        skip_physical(ctx, r, why);
        return Ok(());
    }
    let Some(own) = MemCgroup::current() else {
        skip_physical(
            ctx,
            r,
            "no memory cgroup controller is mounted, and memlab never runs it uncontained; mount the memory controller (cgroup v2 with memory in cgroup.controllers, or v1's memory hierarchy)".into(),
        );
        return Ok(());
    };
    let mut sb = match Sandbox::create(&own, limit) {
        Ok(sb) => sb,
        Err(refusal) => {
            skip_physical(ctx, r, refusal.0);
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
    ctx.ui.say(&format!(
        "[physical] cgroup {} {} created {}: limit {}, {}",
        version,
        sb.dir.display(),
        sb.placement,
        human_bytes(limit),
        if sb.swap_limited {
            "swap 0"
        } else {
            "no swap accounting (swap is not charged separately)"
        }
    ));
    r.measure("cgroup_version", version);
    r.measure("cgroup_dir", sb.dir.display().to_string());
    r.measure("swap_limited", sb.swap_limited);
    if !sb.swap_limited {
        r.note(format!(
            "the cgroup could not be given a swap limit; host swap total {} KiB{}",
            ctx.meta.swap_total_kib,
            if ctx.meta.swap_total_kib == 0 {
                " (none, so the memory limit is the whole limit)"
            } else {
                ": the child may swap before the OOM killer comes; it stops by itself at 4× the limit"
            }
        ));
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
        .context("waiting for the child to join the cgroup")?
    {
        Some(child::Ready::Joined) => {}
        Some(child::Ready::JoinFailed) => anyhow::bail!(
            "the child could not join the cgroup {} (writing its pid to cgroup.procs failed)",
            sb.dir.display()
        ),
        None if sys::interrupted() => {
            remove_group(r, sb)?;
            r.interrupted = true;
            return Ok(None);
        }
        None => {
            let exit = sb.child().and_then(|c| c.wait().ok().flatten());
            worker_died(
                r,
                &format!("the physical child {pid}"),
                exit.as_ref(),
                "before joining the cgroup",
            );
            remove_group(r, sb)?;
            return Ok(None);
        }
    }
    let handle = ProcHandle::new(pid)?;
    // The child set it before saying it was ready: read back what the
    // kernel holds rather than repeat what was asked for.
    let adj = handle.oom_score_adj();
    r.measure("oom_score_adj", adj);
    ctx.ui.say(&format!(
        "[physical] child {pid} joined it (oom_score_adj {}) and touches memory at {} until the OOM killer ends it",
        adj.map_or("unreadable".into(), |v| v.to_string()),
        args.rate
    ));
    go_w.send_msg(&child::Go).context("starting the child")?;
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
        let why = "the child was still running at the deadline; memlab killed it".to_string();
        ctx.ui.say(&why);
        r.note(why);
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
    ctx.ui.say(&format!(
        "[physical] the child {outcome} after touching {}; the group had {} charged at most; cgroup removed: {}",
        human_bytes(touched),
        peak.map_or("?".into(), human_bytes),
        if removed { "yes" } else { "NO" }
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
    r.note(format!(
        "vm.panic_on_oom = {} (0: the OOM killer kills a process), vm.overcommit_memory = {}",
        ctx.meta
            .panic_on_oom
            .map(|v| v.to_string())
            .unwrap_or_default(),
        ctx.meta
            .overcommit_memory
            .map(|v| v.to_string())
            .unwrap_or_default()
    ));
    Ok(())
}
