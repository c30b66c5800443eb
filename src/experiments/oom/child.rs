//! The children of oom and what they say to memlab.
//!
//! * The virtual child lowers its own RLIMIT_AS and maps 1 MiB chunks until
//!   `mmap` fails, reports (limit, reserved bytes, errno) from a stack
//!   buffer, waits while memlab reads its VSZ, then gives the chunks back and
//!   maps and touches one again.
//! * The physical child joins the cgroup, says it is ready, waits for the
//!   go, and touches memory at the asked rate, publishing how much it has
//!   touched in a shared page, until the OOM killer ends it.

use std::time::{Duration, Instant};

use nix::sys::resource::{Resource, getrlimit, setrlimit};

use crate::probe::process::ProcHandle;
use crate::sys::{self, HugeAdvice, MapOptions, Region};
use crate::units::Rate;

/// The virtual child maps this much per `mmap`, so it stops within one
/// chunk of its RLIMIT_AS.
pub const CHUNK: u64 = 1 << 20;
/// The physical child touches this much between progress updates and pacing
/// steps.
pub const STEP: u64 = 256 << 10;

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
    match code {
        0 => "finished normally",
        CHILD_JOIN_FAILED => "could not join the cgroup",
        CHILD_NO_GO => "lost contact with memlab",
        CHILD_MAP_FAILED => "could not map its memory",
        CHILD_NOT_KILLED => "touched 4× the limit without being killed",
        CHILD_SETRLIMIT_FAILED => "could not set its RLIMIT_AS",
        CHILD_NOT_ENOMEM => "mmap failed with another error than ENOMEM",
        CHILD_CANNOT_MAP_AFTER => "could not map memory again after ENOMEM",
        _ => "unexpected",
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
        let _ = p.ready_w.send(&[1]);
        return CHILD_JOIN_FAILED;
    }
    // If anything goes wrong, this process is the one to kill.
    let _ = std::fs::write("/proc/self/oom_score_adj", b"1000");
    if p.ready_w.send(&[0]).is_err() {
        return CHILD_NO_GO;
    }
    match p.go_r.recv(1) {
        Ok(Some(_)) => {}
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
