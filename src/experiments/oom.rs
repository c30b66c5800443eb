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
//! The group is removed in every case (see `cgroup_sandbox`).

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::ValueEnum;
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::sys::signal::Signal;
use serde::Serialize;

use super::Ctx;
use crate::cgroup_sandbox::{OomCounters, Sandbox};
use crate::probe::cgroup::{MemCgroup, Version};
use crate::probe::meminfo::MemInfo;
use crate::probe::process::ProcHandle;
use crate::report::{Check, Report};
use crate::sys::{self, HugeAdvice, MapOptions, Region, Sharing};
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
    /// How often memlab samples the physical child
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
    page: include_str!("../../experiments/oom.md"),
    plots: false,
    quick: Some(&["--limit", "32M"]),
    key_figures: &[],
    judge: None,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Part {
    Virtual,
    Physical,
    Both,
}

/// The virtual child maps this much per `mmap`, so it stops within one
/// chunk of its RLIMIT_AS.
const CHUNK: u64 = 1 << 20;
/// The physical child touches this much between progress updates and pacing
/// steps.
const STEP: u64 = 256 << 10;
/// The physical child stops after touching this many times the limit: if the
/// cgroup somehow does not hold it, it still cannot eat the host.
const CAP_FACTOR: u64 = 4;
/// The most the virtual child reserves: a million 1 MiB mmap calls take a
/// second or so; far more would take minutes and prove nothing more.
const MAX_AS_HEADROOM: u64 = 1 << 40;
/// The longest the physical child may take to reach the limit.
const MAX_FILL_SECONDS: u64 = 600;
/// The OOM kill should come when the group's charge reaches the limit; the
/// child's own count of touched bytes can fall short of it by what else is
/// charged to the group (page tables, its stack, kernel memory on v1), and
/// lead it by one step. Accept 75%..105% of the limit.
const KILLED_AT_LOW: f64 = 0.75;
const KILLED_AT_HIGH: f64 = 1.05;

/// Exit statuses of the children besides 0.
const CHILD_JOIN_FAILED: i32 = 10;
const CHILD_NO_GO: i32 = 11;
const CHILD_MAP_FAILED: i32 = 12;
const CHILD_NOT_KILLED: i32 = 13;
const CHILD_SETRLIMIT_FAILED: i32 = 14;
const CHILD_NOT_ENOMEM: i32 = 15;
const CHILD_CANNOT_MAP_AFTER: i32 = 16;

#[derive(Serialize, Default)]
struct Row {
    t_s: f64,
    part: &'static str,
    event: &'static str,
    vsz_kib: Option<u64>,
    rss_kib: Option<u64>,
    reserved_kib: Option<u64>,
    touched_kib: Option<u64>,
    cgroup_usage_kib: Option<u64>,
    oom_score: Option<u64>,
    mem_used_kib: Option<u64>,
    mem_used_adj_kib: Option<u64>,
    mem_available_kib: Option<u64>,
    outcome: String,
}

impl Row {
    fn with_mem(mut self, m: &MemInfo) -> Row {
        self.mem_used_kib = Some(m.used_kib);
        self.mem_used_adj_kib = Some(m.used_adj_kib);
        self.mem_available_kib = Some(m.available_kib);
        self
    }
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let physical = args.part != Part::Virtual;
    if physical {
        crate::guard::check_flag("--limit", args.limit, args.force)?;
    }
    if args.limit.bytes() < 4 << 20 {
        return Err(crate::error::usage(format!(
            "--limit {} is too small to run a process in; use at least 4M (e.g. --limit 64M)",
            args.limit
        )));
    }
    if args.as_headroom.bytes() < 4 * CHUNK {
        return Err(crate::error::usage(format!(
            "--as-headroom {} leaves no room to map anything; use at least 4M (e.g. --as-headroom 256M)",
            args.as_headroom
        )));
    }
    if args.as_headroom.bytes() > MAX_AS_HEADROOM {
        return Err(crate::error::usage(format!(
            "--as-headroom {} is too large: the child reserves it 1 MiB at a time, up to {} \
             (e.g. --as-headroom 256M)",
            args.as_headroom,
            human_bytes(MAX_AS_HEADROOM)
        )));
    }
    // Above the RAM the cgroup limit can never be what stops the child: the
    // host would run out first, and --force does not change that.
    let total = ctx.meta.mem_total_kib * 1024;
    if physical && total > 0 && args.limit.bytes() > total {
        return Err(crate::error::usage(format!(
            "--limit {} is more than this host's memory ({} MemTotal), so the cgroup could \
             never be what stops the child (e.g. --limit 64M)",
            args.limit,
            human_bytes(total)
        )));
    }
    // A rate so slow the child would take more than ten minutes to reach
    // the limit is a typo (1M/s for 1G/s, or a missing unit).
    if let (true, Rate::PerSecond(rate)) = (physical, args.rate) {
        let secs = args.limit.bytes() / rate.bytes().max(1);
        if secs > MAX_FILL_SECONDS {
            return Err(crate::error::usage(format!(
                "--rate {} would take {secs} s to fill --limit {} (at most {MAX_FILL_SECONDS} s; \
                 e.g. --rate 128M/s)",
                args.rate, args.limit
            )));
        }
    }
    let mut r = Report::new("oom", &ctx.meta);
    r.param("part", format!("{:?}", args.part).to_lowercase());
    r.param("limit_bytes", args.limit.bytes());
    r.param("as_headroom_bytes", args.as_headroom.bytes());
    r.param("rate", args.rate.to_string());
    r.param("interval_s", args.interval.0.as_secs_f64());
    r.summary("panic_on_oom", ctx.meta.panic_on_oom);
    r.summary("overcommit_memory", ctx.meta.overcommit_memory);
    r.columns_from(&Row::default());
    let t0 = Instant::now();

    if args.part != Part::Physical {
        virtual_part(args, ctx, &mut r, t0)?;
    }
    if physical && !r.interrupted && !sys::interrupted() {
        physical_part(args, ctx, &mut r, t0)?;
    }
    // Show the outcome rows and about a dozen samples.
    let samples: Vec<usize> = (0..r.rows.len())
        .filter(|&i| r.rows[i].get("event").and_then(|v| v.as_str()) == Some("sample"))
        .collect();
    let every = samples.len().div_ceil(10).max(1);
    let shown: Vec<usize> = (0..r.rows.len())
        .filter(|i| match samples.iter().position(|s| s == i) {
            Some(k) => k % every == 0 || k + 1 == samples.len(),
            None => true,
        })
        .collect();
    r.table_rows = Some(shown);
    r.table_hide = vec!["mem_used_kib".into(), "mem_used_adj_kib".into()];
    Ok(r)
}

// ---------------------------------------------------------------------------
// Virtual exhaustion
// ---------------------------------------------------------------------------

fn virtual_part(args: &Args, ctx: &Ctx, r: &mut Report, t0: Instant) -> Result<()> {
    ctx.ui.say(&format!(
        "[virtual] a child caps its address space (RLIMIT_AS) at its VSZ + {} and maps {} chunks without touching them",
        args.as_headroom,
        human_bytes(CHUNK)
    ));
    let headroom = args.as_headroom.bytes();
    let (res_r, res_w) = sys::chan()?;
    let (rel_r, rel_w) = sys::chan()?;
    let mut child = sys::fork_child(|| {
        // The parent reads this child's VSZ at ENOMEM from /proc/PID.
        sys::let_parent_read_my_proc();
        // Room for every chunk's handle before the cap is set, so that the
        // loop below allocates nothing but the mappings themselves.
        let mut regions: Vec<Region> = Vec::with_capacity((headroom / CHUNK) as usize + 64);
        let vsz = match ProcHandle::myself().and_then(|p| p.sample()) {
            Ok(s) => s.vsz_kib * 1024,
            Err(_) => return CHILD_SETRLIMIT_FAILED,
        };
        // Only the soft limit is lowered; an unprivileged process may not
        // raise the hard one, so a lower hard limit wins.
        let hard = getrlimit(Resource::RLIMIT_AS)
            .map(|(_, h)| h)
            .unwrap_or(libc::RLIM_INFINITY);
        let limit = (vsz + headroom).min(hard);
        if setrlimit(Resource::RLIMIT_AS, limit, hard).is_err() {
            return CHILD_SETRLIMIT_FAILED;
        }
        let mut errno = 0i32;
        let max_chunks = regions.capacity();
        while regions.len() < max_chunks {
            match Region::anon(CHUNK, MapOptions::default()) {
                Ok(reg) => regions.push(reg),
                Err(e) => {
                    errno = sys::errno_of(&e).unwrap_or(-1);
                    break;
                }
            }
        }
        let reserved = regions.len() as u64 * CHUNK;
        // Report with a stack buffer: the heap may have no room to grow now.
        let mut msg = [0u8; 24];
        msg[0..8].copy_from_slice(&limit.to_ne_bytes());
        msg[8..16].copy_from_slice(&reserved.to_ne_bytes());
        msg[16..24].copy_from_slice(&(errno as i64 as u64).to_ne_bytes());
        if sys::write_fd(res_w.fd(), &msg).is_err() {
            return CHILD_NO_GO;
        }
        // Wait (holding every chunk) while the parent reads our VSZ.
        let mut b = [0u8; 8];
        while let Err(nix::errno::Errno::EINTR) = nix::unistd::read(rel_r.raw(), &mut b) {}
        if errno != libc::ENOMEM {
            return CHILD_NOT_ENOMEM;
        }
        // Still alive and well: give the chunks back, then map and touch
        // one again.
        drop(regions);
        match Region::anon(CHUNK, MapOptions::default()) {
            Ok(reg) => {
                reg.write_range(0, CHUNK, sys::page_size(), 1);
                0
            }
            Err(_) => CHILD_CANNOT_MAP_AFTER,
        }
    })?;
    drop((res_w, rel_r));
    let handle = ProcHandle::new(child.pid().as_raw())?;
    let got = res_r
        .recv(3)
        .context("reading the virtual child's report")?;
    let Some(got) = got else {
        if sys::interrupted() {
            r.interrupted = true;
            return Ok(());
        }
        let exit = child.wait()?;
        anyhow::bail!("the virtual child ended before reporting ({exit:?})");
    };
    let (limit, reserved, errno) = (got[0], got[1], got[2] as i64 as i32);
    let at_enomem = handle.sample().ok();
    let t_enomem = t0.elapsed().as_secs_f64();
    let _ = rel_w.send(&[1]);
    drop(rel_w);
    let Some(exit) = child.wait()? else {
        r.interrupted = true;
        return Ok(());
    };
    let errno_name = errno_name(errno);
    let survived = exit.signal.is_none() && exit.exit_code == Some(0);
    let outcome = format!(
        "{errno_name}; {}",
        match (exit.signal, exit.exit_code) {
            (Some(s), _) => format!("then killed by {}", s.as_str()),
            (None, Some(0)) => "survived, mapped and touched again, exit 0".into(),
            (None, Some(c)) => format!("exit {c}"),
            _ => "ended".into(),
        }
    );
    ctx.ui.say(&format!(
        "[virtual] mmap failed with {errno_name} after reserving {} (VSZ {} of a {} RLIMIT_AS); the child {}",
        human_bytes(reserved),
        at_enomem
            .map(|s| human_bytes(s.vsz_kib * 1024))
            .unwrap_or_else(|| "?".into()),
        human_bytes(limit),
        if survived {
            "lived on and exited normally"
        } else {
            "did not end normally"
        }
    ));
    let mem = MemInfo::read().ok();
    let mut row = Row {
        t_s: t_enomem,
        part: "virtual",
        event: "enomem",
        vsz_kib: at_enomem.map(|s| s.vsz_kib),
        rss_kib: at_enomem.map(|s| s.rss_kib),
        reserved_kib: Some(reserved / 1024),
        outcome,
        ..Row::default()
    };
    if let Some(m) = &mem {
        row = row.with_mem(m);
    }
    r.push_row(&row);

    r.summary("virtual_as_limit_bytes", limit);
    r.summary("virtual_reserved_bytes", reserved);
    r.summary("virtual_vsz_at_enomem_kib", at_enomem.map(|s| s.vsz_kib));
    r.summary("virtual_rss_at_enomem_kib", at_enomem.map(|s| s.rss_kib));
    r.summary("virtual_errno", errno_name.clone());
    r.summary("virtual_exit_code", exit.exit_code);
    r.summary("virtual_signal", exit.signal.map(|s| s.as_str()));

    r.check(Check::new(
        "virtual_mmap_fails_with_enomem",
        "when virtual memory runs out, the allocation fails (mmap returns ENOMEM)",
        "ENOMEM",
        errno_name,
        errno == libc::ENOMEM,
    ));
    let limit_kib = limit / 1024;
    let chunk_kib = CHUNK / 1024;
    match at_enomem {
        Some(s) => r.check(Check::new(
            "virtual_enomem_at_the_limit",
            "the failure comes where the address space reaches its limit",
            format!(
                "VSZ within {} below the {} limit",
                human_bytes(CHUNK),
                human_bytes(limit)
            ),
            format!(
                "VSZ {} ({} below)",
                human_bytes(s.vsz_kib * 1024),
                human_bytes(limit_kib.saturating_sub(s.vsz_kib) * 1024)
            ),
            s.vsz_kib <= limit_kib && limit_kib - s.vsz_kib < chunk_kib,
        )),
        None => r.check(Check::inconclusive(
            "virtual_enomem_at_the_limit",
            "the failure comes where the address space reaches its limit",
            "VSZ within one chunk of the limit",
            "could not read the child's VSZ",
        )),
    }
    r.check(Check::new(
        "virtual_child_survives",
        "running out of virtual memory is an error the process sees, not a kill",
        "exit 0 after ENOMEM",
        match (exit.signal, exit.exit_code) {
            (Some(s), _) => format!("killed by {}", s.as_str()),
            (None, Some(c)) => format!("exit {c}"),
            _ => "unknown".into(),
        },
        survived,
    ));
    Ok(())
}

fn errno_name(e: i32) -> String {
    match e {
        0 => "no error".into(),
        libc::ENOMEM => "ENOMEM".into(),
        libc::EAGAIN => "EAGAIN".into(),
        libc::EPERM => "EPERM".into(),
        libc::EINVAL => "EINVAL".into(),
        other => format!("errno {other}"),
    }
}

// ---------------------------------------------------------------------------
// Physical exhaustion
// ---------------------------------------------------------------------------

fn physical_part(args: &Args, ctx: &Ctx, r: &mut Report, t0: Instant) -> Result<()> {
    let limit = args.limit.bytes();
    // vm.panic_on_oom: 0 kills a process; 1 panics on a system-wide OOM but
    // still only kills inside a cgroup; 2 panics the machine even for a
    // cgroup's OOM. memlab only runs the physical part on 0.
    match ctx.meta.panic_on_oom {
        Some(0) => {}
        other => {
            skip_physical(
                ctx,
                r,
                format!(
                    "vm.panic_on_oom = {} (with 2 even an OOM inside a cgroup panics the machine; 1 would only kill here, but memlab runs this part only with 0, the kernel's default); memlab never changes it",
                    other
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "unreadable".into())
                ),
            );
            return Ok(());
        }
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
    r.summary("cgroup_version", version);
    r.summary("cgroup_dir", sb.dir.display().to_string());
    r.summary("swap_limited", sb.swap_limited);
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

    let before = MemInfo::read()?;
    let counters_before = sb.counters();
    r.push_row(
        &Row {
            t_s: t0.elapsed().as_secs_f64(),
            part: "physical",
            event: "before",
            cgroup_usage_kib: sb.usage_bytes().map(|b| b / 1024),
            ..Row::default()
        }
        .with_mem(&before),
    );

    // One shared page where the child publishes how much it has touched.
    let progress = Region::anon(
        sys::page_size(),
        MapOptions {
            sharing: Sharing::Shared,
            ..MapOptions::default()
        },
    )?;
    progress.write_bytes(0, &0u64.to_ne_bytes());
    let (ready_r, ready_w) = sys::chan()?;
    let (go_r, go_w) = sys::chan()?;
    let procs = sb.procs_path();
    let cap = limit * CAP_FACTOR;
    let rate = args.rate;
    let child = sys::fork_child(|| {
        // The parent samples this child's /proc/PID; it ends by SIGKILL,
        // which never dumps core.
        sys::let_parent_read_my_proc();
        // Join the group first: everything allocated from here on is
        // charged to it. Write the pid from a stack buffer.
        let mut buf = [0u8; 20];
        let pid = decimal(std::process::id() as u64, &mut buf);
        if std::fs::write(&procs, pid).is_err() {
            let _ = ready_w.send(&[1]);
            return CHILD_JOIN_FAILED;
        }
        // If anything goes wrong, this process is the one to kill.
        let _ = std::fs::write("/proc/self/oom_score_adj", b"1000");
        if ready_w.send(&[0]).is_err() {
            return CHILD_NO_GO;
        }
        match go_r.recv(1) {
            Ok(Some(_)) => {}
            _ => return CHILD_NO_GO,
        }
        let Ok(region) = Region::anon(cap, MapOptions::default()) else {
            return CHILD_MAP_FAILED;
        };
        // 4 KiB pages: the charge grows page by page, as the document
        // reasons, whatever the host's THP mode.
        let _ = region.advise_huge(HugeAdvice::NoHuge);
        let page = sys::page_size();
        let start = Instant::now();
        let mut off = 0;
        while off < cap {
            region.write_range(off, off + STEP, page, 1);
            off += STEP;
            progress.write_bytes(0, &off.to_ne_bytes());
            if let Rate::PerSecond(s) = rate {
                let due = Duration::from_secs_f64(off as f64 / s.bytes() as f64);
                sys::sleep_until(start + due);
            }
        }
        CHILD_NOT_KILLED
    })?;
    let pid = child.pid().as_raw();
    sb.adopt(child);
    drop((ready_w, go_r));
    match ready_r
        .recv(1)
        .context("waiting for the child to join the cgroup")?
    {
        Some(v) if v[0] == 0 => {}
        Some(_) => anyhow::bail!(
            "the child could not join the cgroup {} (writing its pid to cgroup.procs failed)",
            sb.dir.display()
        ),
        None => {
            if sys::interrupted() {
                r.interrupted = true;
                return Ok(());
            }
            anyhow::bail!("the child ended before joining the cgroup");
        }
    }
    let handle = ProcHandle::new(pid)?;
    // The child set it before saying it was ready: read back what the
    // kernel holds rather than repeat what was asked for.
    let oom_score_adj = handle.oom_score_adj();
    ctx.ui.say(&format!(
        "[physical] child {pid} joined it (oom_score_adj {}) and touches memory at {} until the OOM killer ends it",
        oom_score_adj.map_or("unreadable".into(), |v| v.to_string()),
        args.rate
    ));
    let bar = ctx.ui.progress(limit / 1024, "touching (KiB)");
    go_w.send(&[1]).context("starting the child")?;

    // Expect the end well within the time to touch the cap, plus slack.
    let expected = match args.rate {
        Rate::PerSecond(s) => Duration::from_secs_f64(cap as f64 / s.bytes().max(1) as f64),
        Rate::Max => Duration::from_secs(10),
    };
    let deadline = Instant::now() + expected + Duration::from_secs(20);
    let mut last: Option<Row> = None;
    let mut peak_rss = 0u64;
    let mut last_oom_score = None;
    let mut next = Instant::now();
    let mut timed_out = false;
    loop {
        let running = sb.child().map(|c| c.is_running()).unwrap_or(false);
        if !running {
            break;
        }
        if Instant::now() > deadline {
            timed_out = true;
            break;
        }
        let (Ok(s), Ok(m)) = (handle.sample(), MemInfo::read()) else {
            break;
        };
        // A process that has just died reads as empty; not a sample.
        if s.vsz_kib == 0 {
            break;
        }
        let touched = u64::from_ne_bytes(progress.read_bytes(0, 8).try_into().expect("8 bytes"));
        let oom_score = handle.oom_score();
        peak_rss = peak_rss.max(s.rss_kib);
        // The score reads 0 once the OOM killer has taken the process
        // (its memory is marked as already reaped): keep the highest.
        last_oom_score = last_oom_score.max(oom_score);
        bar.set((touched / 1024).min(limit / 1024));
        let row = Row {
            t_s: t0.elapsed().as_secs_f64(),
            part: "physical",
            event: "sample",
            vsz_kib: Some(s.vsz_kib),
            rss_kib: Some(s.rss_kib),
            touched_kib: Some(touched / 1024),
            cgroup_usage_kib: sb.usage_bytes().map(|b| b / 1024),
            oom_score,
            ..Row::default()
        }
        .with_mem(&m);
        r.push_row(&row);
        last = Some(row);
        next += args.interval.0;
        if !sys::sleep_until(next) {
            break;
        }
    }
    bar.finish();
    if sys::interrupted() {
        // Kill and reap the child, then remove the group, before reporting.
        let dir = sb.dir.clone();
        sb.remove()?;
        r.summary("cgroup_removed", !dir.exists());
        r.interrupted = true;
        return Ok(());
    }
    if timed_out {
        let why = format!(
            "the child was still running after {:.0} s; memlab killed it",
            (expected + Duration::from_secs(20)).as_secs_f64()
        );
        r.note(why.clone());
        ctx.ui.say(&why);
        if let Some(c) = sb.child() {
            c.kill();
        }
    }
    let exit = match sb.child() {
        Some(c) if !timed_out => c.wait()?,
        _ => None,
    };
    let touched_end = u64::from_ne_bytes(progress.read_bytes(0, 8).try_into().expect("8 bytes"));
    let counters = sb.counters();
    let usage_end = sb.usage_bytes();
    let peak = sb.peak_bytes();
    let t_end = t0.elapsed().as_secs_f64();
    let signal = exit.as_ref().and_then(|e| e.signal);
    let outcome = match exit.as_ref() {
        Some(e) => match (e.signal, e.exit_code) {
            (Some(s), _) => format!("killed by {}", s.as_str()),
            (None, Some(c)) => format!("exit {c} ({})", child_exit_meaning(c)),
            _ => "ended".into(),
        },
        None => "killed by memlab (timeout)".into(),
    };
    r.push_row(&Row {
        t_s: t_end,
        part: "physical",
        event: "ended",
        touched_kib: Some(touched_end / 1024),
        cgroup_usage_kib: usage_end.map(|b| b / 1024),
        outcome: outcome.clone(),
        ..Row::default()
    });
    let dir = sb.dir.clone();
    sb.remove()?;
    let removed = !dir.exists();
    let after = MemInfo::read()?;
    r.push_row(
        &Row {
            t_s: t0.elapsed().as_secs_f64(),
            part: "physical",
            event: "after",
            outcome: if removed {
                "cgroup removed".into()
            } else {
                "cgroup still present".into()
            },
            ..Row::default()
        }
        .with_mem(&after),
    );
    ctx.ui.say(&format!(
        "[physical] the child {} after touching {}; the group had {} charged at most; cgroup removed: {}",
        outcome,
        human_bytes(touched_end),
        peak.map(human_bytes).unwrap_or_else(|| "?".into()),
        if removed { "yes" } else { "NO" }
    ));

    let kills = oom_kills(&counters_before, &counters);
    let (kill_source, kill_count) = match kills {
        Some(n) => (
            match sb.version {
                Version::V1 => "memory.oom_control oom_kill",
                Version::V2 => "memory.events oom_kill",
            },
            Some(n),
        ),
        None => ("absent (kernel before 4.13): memory.failcnt instead", None),
    };
    let last_rss = last.as_ref().and_then(|l| l.rss_kib);
    r.summary("physical_limit_bytes", limit);
    r.summary("physical_signal", signal.map(|s| s.as_str()));
    r.summary(
        "physical_exit_code",
        exit.as_ref().and_then(|e| e.exit_code),
    );
    r.summary("oom_kill_count", kill_count);
    r.summary("oom_kill_source", kill_source);
    r.summary("cgroup_limit_hits", counters.limit_hits);
    r.summary("physical_peak_rss_kib", peak_rss);
    r.summary("physical_last_rss_kib", last_rss);
    r.summary(
        "physical_maxrss_kib",
        exit.as_ref().map(|e| e.rusage_maxrss_kib),
    );
    r.summary("physical_touched_kib", touched_end / 1024);
    r.summary("cgroup_peak_kib", peak.map(|b| b / 1024));
    r.summary("cgroup_usage_at_end_kib", usage_end.map(|b| b / 1024));
    r.summary("oom_score", last_oom_score);
    r.summary("oom_score_adj", oom_score_adj);
    r.summary("cgroup_removed", removed);
    r.summary("mem_available_before_kib", before.available_kib);
    r.summary("mem_available_after_kib", after.available_kib);
    r.summary("mem_used_adj_before_kib", before.used_adj_kib);
    r.summary("mem_used_adj_after_kib", after.used_adj_kib);
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

    // Checks.
    r.check(Check::new(
        "physical_child_killed_by_sigkill",
        "when physical memory runs out, the OOM killer ends a process (SIGKILL)",
        "SIGKILL",
        outcome,
        signal == Some(Signal::SIGKILL),
    ));
    let frac = touched_end as f64 / limit as f64;
    r.check(Check::new(
        "physical_killed_at_the_limit",
        "the kill comes when the memory the process holds reaches what there is (here: the cgroup's limit)",
        format!(
            "touched {:.0}%..{:.0}% of {} when killed",
            KILLED_AT_LOW * 100.0,
            KILLED_AT_HIGH * 100.0,
            human_bytes(limit)
        ),
        format!(
            "touched {} ({:.0}%), group peak {}",
            human_bytes(touched_end),
            frac * 100.0,
            peak.map(human_bytes).unwrap_or_else(|| "unknown".into())
        ),
        signal == Some(Signal::SIGKILL) && (KILLED_AT_LOW..=KILLED_AT_HIGH).contains(&frac),
    ));
    match kill_count {
        Some(n) => r.check(Check::new(
            "oom_kill_counted",
            "the kernel records the OOM kill",
            format!("{kill_source} ≥ 1"),
            n.to_string(),
            n >= 1,
        )),
        None => r.check(Check::inconclusive(
            "oom_kill_counted",
            "the kernel records the OOM kill",
            "oom_kill ≥ 1",
            format!(
                "this kernel has no oom_kill counter for the group; memory.failcnt = {}",
                counters
                    .limit_hits
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "?".into())
            ),
        )),
    }
    r.check(Check::new(
        "cgroup_removed",
        "the experiment leaves no cgroup behind",
        format!("{} gone", dir.display()),
        if removed { "gone" } else { "still present" },
        removed,
    ));
    // System-wide and therefore noisy: only a pass or inconclusive.
    let grew = after.used_adj_kib as i64 - before.used_adj_kib as i64;
    let tolerance = (limit / 1024 / 2) as i64;
    let claim = "the killed process's memory is freed: the system gets it back";
    let expected = format!(
        "used (adjusted) within {} of where it started",
        human_bytes(tolerance as u64 * 1024)
    );
    let measured = format!(
        "used (adjusted) {:+} KiB, MemAvailable {:+} KiB",
        grew,
        after.available_kib as i64 - before.available_kib as i64
    );
    r.check(Check::judged(
        "memory_returned",
        claim,
        expected,
        measured,
        (grew.abs() <= tolerance).then_some(true),
        "other processes moved system memory meanwhile",
    ));
    Ok(())
}

/// Say why the physical part cannot run here (one line), and record it.
fn skip_physical(ctx: &Ctx, r: &mut Report, why: String) {
    ctx.ui.say(&format!("[physical] skipped: {why}"));
    r.skip(format!("physical exhaustion: {why}"));
}

/// OOM kills between two readings, when the kernel counts them.
fn oom_kills(before: &OomCounters, after: &OomCounters) -> Option<u64> {
    Some(after.oom_kill?.saturating_sub(before.oom_kill.unwrap_or(0)))
}

fn child_exit_meaning(code: i32) -> &'static str {
    match code {
        CHILD_JOIN_FAILED => "could not join the cgroup",
        CHILD_NO_GO => "lost contact with memlab",
        CHILD_MAP_FAILED => "could not map its memory",
        CHILD_NOT_KILLED => "touched 4× the limit without being killed",
        _ => "unexpected",
    }
}

/// `v` in decimal, written into `buf` (no heap).
fn decimal(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digits() {
        let mut b = [0u8; 20];
        assert_eq!(decimal(0, &mut b), b"0");
        assert_eq!(decimal(4_194_304, &mut b), b"4194304");
        assert_eq!(decimal(u64::MAX, &mut b), u64::MAX.to_string().as_bytes());
    }

    #[test]
    fn kills_counted_as_a_difference() {
        let a = OomCounters {
            oom_kill: Some(2),
            ..Default::default()
        };
        let b = OomCounters {
            oom_kill: Some(3),
            ..Default::default()
        };
        assert_eq!(oom_kills(&a, &b), Some(1));
        assert_eq!(oom_kills(&a, &OomCounters::default()), None);
    }
}
