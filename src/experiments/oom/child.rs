//! The children of oom and what they say to memlab.
//!
//! * The virtual child lowers its own RLIMIT_AS and maps 1 MiB chunks until
//!   `mmap` fails, reports [`Reserved`] (built on the stack: its heap may
//!   have no room to grow), waits for memlab's [`Go`] while memlab reads its
//!   VSZ, then gives the chunks back and maps and touches one again.
//! * The physical child joins the cgroup, says [`Ready`], waits for the
//!   [`Go`], and touches memory at the asked rate, publishing how much it has
//!   touched in a shared page, until the OOM killer ends it.

use std::time::{Duration, Instant};

use nix::sys::resource::{Resource, getrlimit, setrlimit};
use serde::{Deserialize, Serialize};

use crate::probe::process::ProcHandle;
use crate::sys::{self, HugeAdvice, MapOptions, Region};
use crate::units::Rate;

/// The virtual child maps this much per `mmap`, so it stops within one
/// chunk of its RLIMIT_AS.
pub const CHUNK: u64 = 1 << 20;
/// The physical child touches this much between progress updates and pacing
/// steps.
pub const STEP: u64 = 256 << 10;

/// The virtual child's report when `mmap` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reserved {
    /// The RLIMIT_AS it set, in bytes.
    pub limit: u64,
    /// What it mapped before `mmap` failed, in bytes.
    pub reserved: u64,
    /// `mmap`'s errno (0 if the loop ended without a failure, -1 if the
    /// error carried none).
    pub errno: i32,
}

/// The physical child's word before it touches anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ready {
    /// It is in the cgroup, its oom_score_adj set.
    Joined,
    /// Writing its pid to `cgroup.procs` failed.
    JoinFailed,
}

/// memlab's word to a child to go on: the virtual child gives its chunks
/// back, the physical child starts touching.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Go;

/// Exit statuses of the children besides 0.
pub const CHILD_JOIN_FAILED: i32 = 10;
pub const CHILD_NO_GO: i32 = 11;
pub const CHILD_MAP_FAILED: i32 = 12;
pub const CHILD_NOT_KILLED: i32 = 13;
pub const CHILD_SETRLIMIT_FAILED: i32 = 14;
pub const CHILD_NOT_ENOMEM: i32 = 15;
pub const CHILD_CANNOT_MAP_AFTER: i32 = 16;

/// What an exit status of a child means, in words.
pub fn exit_meaning(code: i32) -> &'static str {
    crate::i18n::lookup(exit_meaning_id(code)).map_or("unexpected", |m| m.en)
}

/// The catalogue id of what an exit status of a child means.
pub fn exit_meaning_id(code: i32) -> &'static str {
    match code {
        0 => "oom.exit.finished",
        CHILD_JOIN_FAILED => "oom.exit.join_failed",
        CHILD_NO_GO => "oom.exit.no_go",
        CHILD_MAP_FAILED => "oom.exit.map_failed",
        CHILD_NOT_KILLED => "oom.exit.not_killed",
        CHILD_SETRLIMIT_FAILED => "oom.exit.setrlimit_failed",
        CHILD_NOT_ENOMEM => "oom.exit.not_enomem",
        CHILD_CANNOT_MAP_AFTER => "oom.exit.cannot_map_after",
        _ => "oom.exit.unexpected",
    }
}

/// The virtual child's body; returns its exit status.
pub fn virtual_body(headroom: u64, res_w: &sys::Chan, rel_r: &sys::Chan) -> i32 {
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
    // A small message is built on the stack: the heap may have no room to
    // grow now.
    let msg = Reserved {
        limit,
        reserved,
        errno,
    };
    if res_w.send_msg(&msg).is_err() {
        return CHILD_NO_GO;
    }
    // Wait (holding every chunk) while the parent reads our VSZ: for the
    // go, or for memlab to close the pipe or be interrupted.
    let _ = rel_r.recv_msg::<Go>();
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
}

/// What the physical child needs.
pub struct Physical<'a> {
    /// The group's `cgroup.procs`.
    pub procs: &'a std::path::Path,
    /// How much it touches at most (4× the limit).
    pub cap: u64,
    pub rate: Rate,
    /// A shared page: bytes touched so far.
    pub progress: &'a Region,
    pub ready_w: &'a sys::Chan,
    pub go_r: &'a sys::Chan,
}

/// The physical child's body; returns its exit status (it normally never
/// returns: the OOM killer ends it).
pub fn physical_body(p: &Physical) -> i32 {
    // The parent samples this child's /proc/PID; it ends by SIGKILL,
    // which never dumps core.
    sys::let_parent_read_my_proc();
    // Join the group first: everything allocated from here on is
    // charged to it. Write the pid from a stack buffer.
    let mut buf = [0u8; 20];
    let pid = decimal(std::process::id() as u64, &mut buf);
    if std::fs::write(p.procs, pid).is_err() {
        let _ = p.ready_w.send_msg(&Ready::JoinFailed);
        return CHILD_JOIN_FAILED;
    }
    // If anything goes wrong, this process is the one to kill.
    let _ = std::fs::write("/proc/self/oom_score_adj", b"1000");
    if p.ready_w.send_msg(&Ready::Joined).is_err() {
        return CHILD_NO_GO;
    }
    match p.go_r.recv_msg::<Go>() {
        Ok(Some(Go)) => {}
        _ => return CHILD_NO_GO,
    }
    let Ok(region) = Region::anon(p.cap, MapOptions::default()) else {
        return CHILD_MAP_FAILED;
    };
    // 4 KiB pages: the charge grows page by page, as the document
    // reasons, whatever the host's THP mode.
    let _ = region.advise_huge(HugeAdvice::NoHuge);
    let page = sys::page_size();
    let start = Instant::now();
    let mut off = 0;
    while off < p.cap {
        region.write_range(off, off + STEP, page, 1);
        off += STEP;
        p.progress.write_bytes(0, &off.to_ne_bytes());
        if let Rate::PerSecond(s) = p.rate {
            let due = Duration::from_secs_f64(off as f64 / s.bytes() as f64);
            sys::sleep_until(start + due);
        }
    }
    CHILD_NOT_KILLED
}

/// `v` in decimal, written into `buf` (no heap).
pub fn decimal(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
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
    fn every_status_has_words() {
        for c in [0, 10, 11, 12, 13, 14, 15, 16] {
            assert_ne!(exit_meaning(c), "unexpected");
        }
    }
}
