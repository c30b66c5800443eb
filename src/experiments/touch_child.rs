//! A forked child that maps one region, touches it on cue, and (optionally)
//! times forks of itself: shared by `page-table` and `hugepage`.
//!
//! Why a child per case: page tables are freed only when a whole table page
//! becomes empty and the range is unmapped, and memlab's own process already
//! has page tables for its heap, stack and libraries. A fresh child starts
//! from the same small footprint every time, does nothing but map and touch,
//! and waits on a pipe while the parent reads its `/proc/PID/status`
//! (`VmPTE`), `stat` (minflt) and `smaps_rollup` (AnonHugePages) before and
//! after. Its counters then hold only what the touching cost.

use anyhow::{Context, Result, anyhow, bail};

use crate::probe::meminfo::HugeAndTables;
use crate::probe::process::{ProcHandle, Sample, StatusMem};
use crate::sys::{self, HugeAdvice, MapOptions, Region};

/// What the child maps and how it touches it.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Bytes to map (the touched span plus any alignment slack).
    pub map_len: u64,
    pub opts: MapOptions,
    pub advice: HugeAdvice,
    /// Start touching at the first address aligned to this (1: no alignment).
    pub align: u64,
    /// Bytes to cover from that start.
    pub span: u64,
    /// Touch one byte every `stride` bytes.
    pub stride: u64,
    /// How many forks of the child to time after touching (0: none).
    pub forks: usize,
}

/// One reading of the child's counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stage {
    pub sample: Sample,
    pub status: StatusMem,
    /// `AnonHugePages` of smaps_rollup, read by the child itself: children
    /// are not dumpable (no core files), and the kernel lets only the process
    /// itself or a ptrace-capable reader open a non-dumpable process's smaps.
    /// `None` where smaps_rollup cannot be read (kernels before 4.14).
    pub anon_huge_kib: Option<u64>,
    /// `HugePages_Free` of the whole host (hugetlbfs pages are not in the
    /// process's AnonHugePages; the pool shows them).
    pub hugepages_free: u64,
}

/// What a child measured.
pub struct Measured {
    pub before: Stage,
    pub after: Stage,
    /// Pages the child wrote to (one byte each).
    pub touched: u64,
    /// Each timed fork, in microseconds.
    pub fork_us: Vec<f64>,
}

/// What a child measured, or why it could not map.
pub enum Outcome {
    /// mmap failed in the child with this errno.
    MapFailed(i32),
    /// madvise failed in the child: the error as text.
    AdviseFailed(String),
    Done(Box<Measured>),
    /// SIGINT/SIGTERM while waiting for the child.
    Interrupted,
}

const READY: u64 = 0;
const GO: u64 = 1;
const FORK: u64 = 2;
const BYE: u64 = 3;
/// On the pipe, first word: mmap failed (errno follows).
const MAP_FAILED: u64 = 1;
/// On the pipe, first word: madvise failed (errno follows).
const ADVISE_FAILED: u64 = 4;
/// On the pipe: a reading the child could not take.
const UNREADABLE: u64 = u64::MAX;

/// Run one case in a fresh child.
pub fn run(plan: Plan) -> Result<Outcome> {
    let (down_r, down_w) = sys::chan()?;
    let (up_r, up_w) = sys::chan()?;
    let mut child = sys::fork_child(move || child_body(plan, &down_r, &up_w))?;
    let proc = ProcHandle::new(child.pid().as_raw())?;

    let Some(first) = up_r.recv(3).context("reading from the child")? else {
        return interrupted_or_dead(&mut child);
    };
    if first[0] != READY {
        drop(down_w);
        let _ = child.wait();
        let err = first[1] as i32;
        return Ok(if first[0] == ADVISE_FAILED {
            let why = if std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
                std::io::Error::from_raw_os_error(err).to_string()
            } else {
                "this kernel has no transparent huge pages".to_string()
            };
            let adv = match plan.advice {
                sys::HugeAdvice::Huge => "MADV_HUGEPAGE",
                sys::HugeAdvice::NoHuge => "MADV_NOHUGEPAGE",
                sys::HugeAdvice::Default => "none",
            };
            Outcome::AdviseFailed(format!("madvise({adv}) failed: {why}"))
        } else {
            Outcome::MapFailed(err)
        });
    }
    let before = stage(&proc, first[2])?;
    down_w.send(&[GO]).context("writing to the child")?;
    let Some(t) = up_r.recv(2).context("reading from the child")? else {
        return interrupted_or_dead(&mut child);
    };
    let touched = t[0];
    let after = stage(&proc, t[1])?;

    let mut fork_us = Vec::new();
    if plan.forks > 0 {
        down_w.send(&[FORK]).context("writing to the child")?;
        let Some(ns) = up_r.recv(plan.forks).context("reading from the child")? else {
            return interrupted_or_dead(&mut child);
        };
        if ns.contains(&u64::MAX) {
            bail!("fork failed in the child holding the region");
        }
        fork_us = ns.iter().map(|n| *n as f64 / 1000.0).collect();
    }
    down_w.send(&[BYE]).context("writing to the child")?;
    match child.wait()? {
        None => return Ok(Outcome::Interrupted),
        Some(e) if e.exit_code != Some(0) => {
            return Err(anyhow!("the touching child ended abnormally: {e:?}"));
        }
        Some(_) => {}
    }
    Ok(Outcome::Done(Box::new(Measured {
        before,
        after,
        touched,
        fork_us,
    })))
}

fn interrupted_or_dead(child: &mut sys::Child) -> Result<Outcome> {
    if sys::interrupted() {
        return Ok(Outcome::Interrupted);
    }
    // The child closed its pipe without answering: it died. Say how.
    let how = child.wait()?;
    Err(anyhow!(
        "the touching child ended before answering: {how:?}"
    ))
}

fn stage(p: &ProcHandle, anon_huge_word: u64) -> Result<Stage> {
    Ok(Stage {
        sample: p.sample()?,
        status: p.status_mem()?,
        anon_huge_kib: (anon_huge_word != UNREADABLE).then_some(anon_huge_word),
        hugepages_free: HugeAndTables::read()?.hugepages_free,
    })
}

/// The child's side: map, report, touch on cue, time forks on cue.
fn child_body(plan: Plan, down: &sys::Chan, up: &sys::Chan) -> i32 {
    // The parent reads this child's /proc/PID/{stat,statm,status}.
    sys::let_parent_read_my_proc();
    let region = match Region::anon(plan.map_len, plan.opts) {
        Ok(r) => r,
        Err(e) => {
            let errno = sys::errno_of(&e).unwrap_or(0);
            let _ = up.send(&[MAP_FAILED, errno as u64, 0]);
            return 0;
        }
    };
    if let Err(e) = region.advise_huge(plan.advice) {
        let _ = up.send(&[ADVISE_FAILED, sys::errno_of(&e).unwrap_or(0) as u64, 0]);
        return 0;
    }
    let addr = region.addr();
    let skip = addr.next_multiple_of(plan.align.max(1)) - addr;
    if up.send(&[READY, addr + skip, own_anon_huge_kib()]).is_err() {
        return 1;
    }
    loop {
        let Ok(Some(m)) = down.recv(1) else { return 1 };
        match m[0] {
            GO => {
                let end = (skip + plan.span).min(region.len());
                region.write_range(skip, end, plan.stride, 1);
                let touched = (end - skip).div_ceil(plan.stride);
                if up.send(&[touched, own_anon_huge_kib()]).is_err() {
                    return 1;
                }
            }
            FORK => {
                let ns: Vec<u64> = (0..plan.forks)
                    .map(|_| {
                        // The clock of fork_child brackets the fork(2) call
                        // alone; the grandchild exits at once and is reaped.
                        sys::fork_child(|| 0)
                            .and_then(|mut c| {
                                let took = c.fork_time();
                                c.wait()?;
                                Ok(took.as_nanos() as u64)
                            })
                            .unwrap_or(u64::MAX)
                    })
                    .collect();
                if up.send(&ns).is_err() {
                    return 1;
                }
            }
            _ => return 0,
        }
    }
}

/// The child's own `AnonHugePages`, or `UNREADABLE` where smaps_rollup is
/// absent or cannot be read (never a 0 that would look like a measurement).
fn own_anon_huge_kib() -> u64 {
    ProcHandle::myself()
        .and_then(|p| p.rollup())
        .ok()
        .flatten()
        .map_or(UNREADABLE, |r| r.anon_huge_kib)
}

/// The median of some timings (`None` when there are none).
pub fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(super::median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(super::median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(super::median(&[]), None);
    }
}
