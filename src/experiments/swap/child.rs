//! The child that holds the memory being swapped: it maps, writes, pages
//! out and reads back on the parent's command, and times each page it reads
//! back, classifying the access by the fault it took (`getrusage` before and
//! after). Commands and replies are words over two pipes.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::i18n::tr;
use crate::sys::{self, Chan, Child, HugeAdvice, MapOptions, Region};

const CMD_MAP_WRITE: u64 = 1;
const CMD_PAGEOUT: u64 = 2;
const CMD_READ: u64 = 3;
const CMD_EXIT: u64 = 4;

/// Words in every reply: status (0 or an errno), minor faults, major
/// faults, nanoseconds for the whole step.
const BASIC: usize = 4;
/// Words in a timed read's reply: BASIC, then per-access figures.
const TIMED: usize = BASIC + 8;

/// What a step cost the child.
#[derive(Clone, Copy, Debug, Default)]
pub struct Step {
    pub minflt: u64,
    pub majflt: u64,
    pub ns: u64,
}

/// A timed read-back: the accesses that took a major fault, those that
/// took a minor fault, and their times.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timed {
    pub step: Step,
    pub n_major: u64,
    pub n_minor: u64,
    pub major_sum_ns: u64,
    pub minor_sum_ns: u64,
    pub major_median_ns: u64,
    pub minor_median_ns: u64,
    pub minor_p90_ns: u64,
    pub major_p90_ns: u64,
}

/// The parent's end: the child's pid and the two pipes.
pub struct Link {
    cmd: Chan,
    reply: Chan,
}

/// Why a command got no answer.
#[derive(Debug)]
pub enum Gone {
    /// memlab was interrupted while waiting.
    Interrupted,
    /// The child ended (killed, e.g. by the OOM killer).
    Ended,
}

/// Fork the child. With `join`, it first writes its pid to that
/// `cgroup.procs`, so everything it allocates is charged to the group.
/// Returns once the child is ready (or says why it is not).
pub fn spawn(join: Option<PathBuf>) -> Result<(Child, Link)> {
    let (cmd_r, cmd_w) = sys::chan()?;
    let (rep_r, rep_w) = sys::chan()?;
    let child = sys::fork_child(move || {
        sys::swapfile::default_hangup_in_child();
        sys::let_parent_read_my_proc();
        if let Some(p) = &join {
            let pid = std::process::id().to_string();
            if let Err(e) = std::fs::write(p, pid) {
                let _ = rep_w.send(&[e.raw_os_error().unwrap_or(1) as u64]);
                return 10;
            }
        }
        if rep_w.send(&[0]).is_err() {
            return 11;
        }
        serve(&cmd_r, &rep_w)
    })?;
    // The closure, and with it the parent's copies of the child's pipe
    // ends, was dropped in the parent when fork_child returned.
    let link = Link {
        cmd: cmd_w,
        reply: rep_r,
    };
    match link
        .reply
        .recv(1)
        .with_context(|| tr("swap.err.waiting", &[]))?
    {
        Some(v) if v[0] == 0 => Ok((child, link)),
        Some(v) => anyhow::bail!(tr(
            "swap.err.child_cgroup",
            &[(
                "error",
                &std::io::Error::from_raw_os_error(v[0] as i32).to_string()
            )],
        )),
        None if sys::interrupted() => Err(anyhow::Error::new(Interrupted)),
        None => anyhow::bail!(tr("swap.err.child_not_ready", &[])),
    }
}

/// The run was interrupted (an error type, so `?` carries it up).
#[derive(Debug)]
pub struct Interrupted;
impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}
impl std::error::Error for Interrupted {}

impl Link {
    fn call(&self, words: &[u64], n: usize) -> Result<std::result::Result<Vec<u64>, Gone>> {
        if self.cmd.send(words).is_err() {
            return Ok(Err(Gone::Ended));
        }
        match self
            .reply
            .recv(n)
            .with_context(|| tr("swap.err.reply", &[]))?
        {
            Some(v) => Ok(Ok(v)),
            None if sys::interrupted() => Ok(Err(Gone::Interrupted)),
            None => Ok(Err(Gone::Ended)),
        }
    }

    fn basic(v: &[u64], what: &str) -> Result<Step> {
        if v[0] != 0 {
            return Err(std::io::Error::from_raw_os_error(v[0] as i32))
                .with_context(|| tr("swap.err.child_step", &[("what", what)]));
        }
        Ok(Step {
            minflt: v[1],
            majflt: v[2],
            ns: v[3],
        })
    }

    /// Map `size` bytes (4 KiB pages) and write a non-zero byte to every
    /// page (an all-zero page would not be written to swap on 6.12+).
    pub fn map_write(&self, size: u64) -> Result<std::result::Result<Step, Gone>> {
        Ok(match self.call(&[CMD_MAP_WRITE, size, 0], BASIC)? {
            Ok(v) => Ok(Self::basic(&v, "mmap")?),
            Err(g) => Err(g),
        })
    }

    /// `madvise(MADV_PAGEOUT)` on the whole region.
    pub fn pageout(&self) -> Result<std::result::Result<Step, Gone>> {
        Ok(match self.call(&[CMD_PAGEOUT, 0, 0], BASIC)? {
            Ok(v) => Ok(Self::basic(&v, "madvise(MADV_PAGEOUT)")?),
            Err(g) => Err(g),
        })
    }

    /// Read one byte of every page in `[from, to)`, timing each access.
    pub fn read_timed(&self, from: u64, to: u64) -> Result<std::result::Result<Timed, Gone>> {
        Ok(match self.call(&[CMD_READ, from, to], TIMED)? {
            Ok(v) => {
                let step = Self::basic(&v, "read")?;
                Ok(Timed {
                    step,
                    n_major: v[4],
                    n_minor: v[5],
                    major_sum_ns: v[6],
                    minor_sum_ns: v[7],
                    major_median_ns: v[8],
                    minor_median_ns: v[9],
                    minor_p90_ns: v[10],
                    major_p90_ns: v[11],
                })
            }
            Err(g) => Err(g),
        })
    }

    /// Ask the child to exit (it returns 0).
    pub fn exit(&self) {
        let _ = self.cmd.send(&[CMD_EXIT, 0, 0]);
    }
}

/// The child's loop: one command at a time until EXIT or the pipe closes.
fn serve(cmd: &Chan, reply: &Chan) -> i32 {
    let page = sys::page_size();
    let mut region: Option<Region> = None;
    loop {
        let Ok(Some(c)) = cmd.recv(3) else {
            return 12;
        };
        let before = sys::rusage_self_faults();
        let t0 = Instant::now();
        let mut extra: Vec<u64> = Vec::new();
        let status: u64 = match c[0] {
            CMD_MAP_WRITE => match Region::anon(c[1], MapOptions::default()) {
                Ok(r) => {
                    // 4 KiB pages whatever the THP mode: the counts follow
                    // the document's page-by-page reasoning.
                    let _ = r.advise_huge(HugeAdvice::NoHuge);
                    r.write_range(0, r.len(), page, 0x5a);
                    region = Some(r);
                    0
                }
                Err(e) => sys::errno_of(&e).unwrap_or(1) as u64,
            },
            CMD_PAGEOUT => match region.as_ref().map(|r| r.pageout()) {
                Some(Ok(())) => 0,
                Some(Err(e)) => sys::errno_of(&e).unwrap_or(1) as u64,
                None => libc::EINVAL as u64,
            },
            CMD_READ => match &region {
                Some(r) => {
                    extra = timed_read(r, c[1], c[2], page);
                    0
                }
                None => libc::EINVAL as u64,
            },
            CMD_EXIT => return 0,
            _ => return 13,
        };
        let ns = t0.elapsed().as_nanos() as u64;
        let after = sys::rusage_self_faults();
        let mut words = vec![status, after.0 - before.0, after.1 - before.1, ns];
        if c[0] == CMD_READ {
            extra.resize(TIMED - BASIC, 0);
            words.extend(extra);
        }
        if reply.send(&words).is_err() {
            return 14;
        }
    }
}

/// Time one read per page; an access is "major" when the major-fault count
/// rose across it, "minor" when only the minor count did (the `getrusage`
/// calls lie outside the timed span). Returns n_major, n_minor, the sums,
/// and the medians and 90th percentiles.
fn timed_read(r: &Region, from: u64, to: u64, page: u64) -> Vec<u64> {
    let to = to.min(r.len());
    let n = (to.saturating_sub(from)).div_ceil(page) as usize;
    // Filled with non-zero values so every page of these buffers is
    // touched now, not during the timed loop.
    let mut major = vec![1u64; n];
    let mut minor = vec![1u64; n];
    let (mut nj, mut nm) = (0usize, 0usize);
    let mut prev = sys::rusage_self_faults();
    let mut sink = 0u64;
    let mut off = from;
    while off < to {
        let t = Instant::now();
        sink = sink.wrapping_add(r.read_range(off, off + 1, page));
        let ns = t.elapsed().as_nanos() as u64;
        let now = sys::rusage_self_faults();
        if now.1 > prev.1 {
            major[nj] = ns;
            nj += 1;
        } else if now.0 > prev.0 {
            minor[nm] = ns;
            nm += 1;
        }
        prev = now;
        off += page;
    }
    std::hint::black_box(sink);
    let major = &mut major[..nj];
    let minor = &mut minor[..nm];
    major.sort_unstable();
    minor.sort_unstable();
    let q = |v: &[u64], f: f64| {
        if v.is_empty() {
            0
        } else {
            v[((v.len() as f64 * f) as usize).min(v.len() - 1)]
        }
    };
    vec![
        nj as u64,
        nm as u64,
        major.iter().sum(),
        minor.iter().sum(),
        q(major, 0.5),
        q(minor, 0.5),
        q(minor, 0.9),
        q(major, 0.9),
    ]
}
