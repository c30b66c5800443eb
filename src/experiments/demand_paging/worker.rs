//! The worker: a forked child that reserves, touches at the rate, holds and
//! exits, each on memlab's command over a pipe, while memlab samples it from
//! outside.
//!
//! The protocol: three `u64` words per message, `[kind, a, b]`.
//! memlab → worker: WARM_UP, RESERVE, TOUCH, EXIT.
//! worker → memlab: READY, ALLOCATED, PROGRESS(bytes touched),
//! TOUCHED(ns, minor faults), FAILED(errno).

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::sys::{self, Chan, HUGE_PAGE_BYTES, HugeAdvice, MapOptions, Region};

pub const WORDS: usize = 3;

pub const CMD_WARM_UP: u64 = 0;
pub const CMD_RESERVE: u64 = 1;
pub const CMD_TOUCH: u64 = 2;
pub const CMD_EXIT: u64 = 3;

pub const EV_READY: u64 = 9;
pub const EV_ALLOCATED: u64 = 10;
pub const EV_PROGRESS: u64 = 11;
pub const EV_TOUCHED: u64 = 12;
pub const EV_FAILED: u64 = 13;

/// What the worker needs to know, fixed before the fork.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// The region: SIZE rounded up to whole pages.
    pub len: u64,
    pub page: u64,
    /// Bytes per touch step.
    pub step: u64,
    /// Bytes per second; `None` for `--rate max`.
    pub rate: Option<u64>,
    pub advice: HugeAdvice,
    /// Start the region on a 2 MiB boundary (`--thp`), so that every whole
    /// 2 MiB of it can be one huge page.
    pub align_huge: bool,
}

/// Touch in steps of at most 1% of SIZE (so RSS rises as a ramp), and at most
/// 10 ms of touching at the chosen rate; whole pages, at least one.
pub fn step_bytes(size: u64, rate: Option<u64>, page: u64) -> u64 {
    let mut step = size / 100;
    if let Some(r) = rate {
        step = step.min(r / 100);
    }
    (step / page * page).max(page)
}

/// Runs in the forked child; returns its exit code.
pub fn worker_main(cmd: &Chan, ev: &Chan, plan: Plan) -> i32 {
    // memlab samples this process from outside: where /proc is mounted with
    // hidepid, only a dumpable process's files are open to its parent.
    sys::let_parent_read_my_proc();
    if !expect(cmd, CMD_WARM_UP) {
        return 1;
    }
    // A forked child maps its parent's code afresh: each function it runs
    // for the first time faults its text and read-only data in and grows its
    // RSS. So before memlab takes its first sample the worker runs every path
    // of the phases once on a two-page region, with the same functions:
    // reserving (aligned or not), advising, a paced touch loop whose second
    // step really sleeps (the first deadline is "now", which returns before
    // the sleep's own code runs), the progress messages and the fault count.
    // From then on RSS moves only with the region.
    let warm = Plan {
        len: 2 * plan.page,
        step: plan.page,
        rate: Some(plan.page * 1000),
        ..plan
    };
    match reserve(&warm) {
        Ok(w) => {
            if touch(&w, &warm, ev).is_none() {
                return 1;
            }
        }
        Err(e) => return fail(ev, &e),
    }
    if ev.send(&[EV_READY, 0, 0]).is_err() || !expect(cmd, CMD_RESERVE) {
        return 1;
    }
    // Reserving only records a range (a VMA): no frame is allocated yet.
    let region = match reserve(&plan) {
        Ok(r) => r,
        Err(e) => return fail(ev, &e),
    };
    if ev.send(&[EV_ALLOCATED, 0, 0]).is_err() || !expect(cmd, CMD_TOUCH) {
        return 1;
    }
    let Some((ns, faults)) = touch(&region, &plan, ev) else {
        return 1;
    };
    if ev.send(&[EV_TOUCHED, ns, faults]).is_err() {
        return 1;
    }
    let _ = expect(cmd, CMD_EXIT);
    drop(region);
    0
}

fn expect(cmd: &Chan, want: u64) -> bool {
    matches!(cmd.recv(WORDS), Ok(Some(m)) if m[0] == want)
}

/// Tell memlab that mmap or madvise failed, with the errno.
fn fail(ev: &Chan, e: &anyhow::Error) -> i32 {
    let errno = sys::errno_of(e).unwrap_or(libc::ENOMEM);
    let _ = ev.send(&[EV_FAILED, errno as u64, 0]);
    1
}

/// Map the region. MADV_NOHUGEPAGE keeps every fault a 4 KiB page whatever
/// the host's THP mode, as the document reasons; `--thp` asks for 2 MiB
/// pages instead, on a 2 MiB-aligned region.
fn reserve(plan: &Plan) -> Result<Region> {
    if plan.align_huge {
        return Region::anon_aligned(plan.len, HUGE_PAGE_BYTES, plan.advice);
    }
    let r = Region::anon(plan.len, MapOptions::default())?;
    r.advise_huge(plan.advice)?;
    Ok(r)
}

/// Write one byte per page, step by step at the rate; report each step.
/// Returns the loop's time and the minor faults it took, `None` when memlab
/// has gone.
fn touch(region: &Region, plan: &Plan, ev: &Chan) -> Option<(u64, u64)> {
    let (f0, _) = sys::rusage_self_faults();
    let t0 = Instant::now();
    let mut off = 0;
    while off < region.len() {
        // Deadlines are absolute, from the start of touching: the ramp keeps
        // the rate even if one step is late.
        if let Some(rate) = plan.rate {
            sys::sleep_until(t0 + Duration::from_secs_f64(off as f64 / rate as f64));
        }
        let end = (off + plan.step).min(region.len());
        // Each write is a first access: a minor fault that gives the page
        // its frame.
        region.write_range(off, end, plan.page, 1);
        off = end;
        ev.send(&[EV_PROGRESS, off, 0]).ok()?;
    }
    let ns = t0.elapsed().as_nanos() as u64;
    let (f1, _) = sys::rusage_self_faults();
    Some((ns, f1 - f0))
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
}
