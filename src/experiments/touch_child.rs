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
use serde::{Deserialize, Serialize};

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

/// memlab → child.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Down {
    /// Touch the span.
    Go,
    /// Time `plan.forks` forks.
    Fork,
    /// Exit.
    Bye,
}

/// child → memlab. `anon_huge_kib` is `None` where the child could not read
/// its smaps_rollup (never a 0 that would look like a measurement).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Up {
    /// Mapped (and advised): waiting for `Go`.
    Ready { anon_huge_kib: Option<u64> },
    /// mmap failed with this errno.
    MapFailed { errno: i32 },
    /// madvise failed with this errno.
    AdviseFailed { errno: i32 },
    /// Touched this many pages.
    Touched {
        pages: u64,
        anon_huge_kib: Option<u64>,
    },
    /// Each fork's time in ns; `None` when a fork failed.
    Forks { ns: Option<Vec<u64>> },
}

/// Run one case in a fresh child.
pub fn run(plan: Plan) -> Result<Outcome> {
    let (down_r, down_w) = sys::chan()?;
    let (up_r, up_w) = sys::chan()?;
    let mut child = sys::fork_child(move || child_body(plan, &down_r, &up_w))?;
    let proc = ProcHandle::new(child.pid().as_raw())?;

    let before = match up_r.recv_msg::<Up>().context("reading from the child")? {
        None => return interrupted_or_dead(&mut child),
        Some(Up::Ready { anon_huge_kib }) => stage(&proc, anon_huge_kib)?,
        Some(Up::MapFailed { errno }) => {
            drop(down_w);
            let _ = child.wait();
            return Ok(Outcome::MapFailed(errno));
        }
        Some(Up::AdviseFailed { errno }) => {
            drop(down_w);
            let _ = child.wait();
            return Ok(advise_failed(plan.advice, errno));
        }
        Some(m) => bail!("unexpected message from the touching child: {m:?}"),
    };
    down_w.send_msg(&Down::Go).context("writing to the child")?;
    let (touched, after) = match up_r.recv_msg::<Up>().context("reading from the child")? {
        None => return interrupted_or_dead(&mut child),
        Some(Up::Touched {
            pages,
            anon_huge_kib,
        }) => (pages, stage(&proc, anon_huge_kib)?),
        Some(m) => bail!("unexpected message from the touching child: {m:?}"),
    };

    let mut fork_us = Vec::new();
    if plan.forks > 0 {
        down_w
            .send_msg(&Down::Fork)
            .context("writing to the child")?;
        let ns = match up_r.recv_msg::<Up>().context("reading from the child")? {
            None => return interrupted_or_dead(&mut child),
            Some(Up::Forks { ns: Some(ns) }) => ns,
            Some(Up::Forks { ns: None }) => bail!("fork failed in the child holding the region"),
            Some(m) => bail!("unexpected message from the touching child: {m:?}"),
        };
        fork_us = ns.iter().map(|n| *n as f64 / 1000.0).collect();
    }
    down_w
        .send_msg(&Down::Bye)
        .context("writing to the child")?;
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

/// madvise failed in the child with `errno`: say why in words.
fn advise_failed(advice: HugeAdvice, errno: i32) -> Outcome {
    let why = if std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
        std::io::Error::from_raw_os_error(errno).to_string()
    } else {
        "this kernel has no transparent huge pages".to_string()
    };
    let adv = match advice {
        HugeAdvice::Huge => "MADV_HUGEPAGE",
        HugeAdvice::NoHuge => "MADV_NOHUGEPAGE",
        HugeAdvice::Default => "none",
    };
    Outcome::AdviseFailed(format!("madvise({adv}) failed: {why}"))
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

fn stage(p: &ProcHandle, anon_huge_kib: Option<u64>) -> Result<Stage> {
    Ok(Stage {
        sample: p.sample()?,
        status: p.status_mem()?,
        anon_huge_kib,
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
            let _ = up.send_msg(&Up::MapFailed { errno });
            return 0;
        }
    };
    if let Err(e) = region.advise_huge(plan.advice) {
        let errno = sys::errno_of(&e).unwrap_or(0);
        let _ = up.send_msg(&Up::AdviseFailed { errno });
        return 0;
    }
    let addr = region.addr();
    let skip = addr.next_multiple_of(plan.align.max(1)) - addr;
    let ready = Up::Ready {
        anon_huge_kib: own_anon_huge_kib(),
    };
    if up.send_msg(&ready).is_err() {
        return 1;
    }
    loop {
        let Ok(Some(m)) = down.recv_msg::<Down>() else {
            return 1;
        };
        match m {
            Down::Go => {
                let end = (skip + plan.span).min(region.len());
                region.write_range(skip, end, plan.stride, 1);
                let msg = Up::Touched {
                    pages: (end - skip).div_ceil(plan.stride),
                    anon_huge_kib: own_anon_huge_kib(),
                };
                if up.send_msg(&msg).is_err() {
                    return 1;
                }
            }
            Down::Fork => {
                let ns: Option<Vec<u64>> = (0..plan.forks)
                    .map(|_| {
                        // The clock of fork_child brackets the fork(2) call
                        // alone; the grandchild exits at once and is reaped.
                        sys::fork_child(|| 0)
                            .and_then(|mut c| {
                                let took = c.fork_time();
                                c.wait()?;
                                Ok(took.as_nanos() as u64)
                            })
                            .ok()
                    })
                    .collect();
                if up.send_msg(&Up::Forks { ns }).is_err() {
                    return 1;
                }
            }
            Down::Bye => return 0,
        }
    }
}

/// The child's own `AnonHugePages`, `None` where smaps_rollup is absent or
/// cannot be read.
fn own_anon_huge_kib() -> Option<u64> {
    ProcHandle::myself()
        .and_then(|p| p.rollup())
        .ok()
        .flatten()
        .map(|r| r.anon_huge_kib)
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
