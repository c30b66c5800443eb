//! The processes isolation runs: part 1's forked child reports through a
//! pipe; part 2's workers are fresh copies of memlab, exec'd with ASLR off.

use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::probe::pagemap::{Frame, Pagemap};
use crate::sys::{self, MapOptions, Region};

use super::Args;

/// Part 1's child's report: its pid, the address, the value it reads there
/// after writing its pid, and the frame behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct ChildSaw {
    pub pid: u64,
    pub addr: u64,
    pub value: u64,
    pub frame: Frame,
}

/// memlab's word to part 1's child: it may let go of its page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Release;

pub(super) fn frame_of(addr: u64) -> Frame {
    Pagemap::open("self")
        .and_then(|pm| pm.frame(addr))
        .unwrap_or(Frame::Absent)
}

// ---------------------------------------------------------------------------
// Part 2's worker: a fresh copy of memlab, exec'd with ASLR off.
// ---------------------------------------------------------------------------

/// A variable in the program's data segment. With ASLR off its virtual
/// address is the same in every run of the binary.
static WORKER_DATA: AtomicU64 = AtomicU64::new(0);

/// The registry's hidden entry point: `memlab isolation --worker` runs
/// [`worker`] instead of the experiment.
pub fn worker_entry(args: &Args) -> Option<Result<i32>> {
    if !args.worker {
        return None;
    }
    // The worker speaks framed messages on a pipe to its parent; typed by
    // a person it would print one and wait for stdin to close.
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Some(Err(crate::error::usage(crate::i18n::tr(
            "isolation.err.worker_by_hand",
            &[],
        ))));
    }
    Some(Ok(worker()))
}

/// `memlab isolation --worker`: store this run's pid in a data-segment
/// variable and in a freshly mapped page, report the addresses and frames
/// (and those of its own code), then wait for stdin to close.
pub fn worker() -> i32 {
    let pid = std::process::id() as u64;
    // Writing the variable gives this process its own copy of the page.
    WORKER_DATA.store(pid, Ordering::SeqCst);
    let data_addr = &WORKER_DATA as *const AtomicU64 as u64;
    let code_addr = worker as fn() -> i32 as usize as u64;
    let anon = match Region::anon(sys::page_size(), MapOptions::default()) {
        Ok(r) => r,
        Err(_) => return 1,
    };
    anon.write_bytes(0, &pid.to_le_bytes());
    let aslr_off = nix::sys::personality::get()
        .map(|p| p.contains(nix::sys::personality::Persona::ADDR_NO_RANDOMIZE))
        .unwrap_or(false);
    let report = WorkerReport {
        pid,
        data_addr,
        data_value: WORKER_DATA.load(Ordering::SeqCst),
        data_frame: frame_of(data_addr),
        code_addr,
        code_frame: frame_of(code_addr),
        anon_addr: anon.addr(),
        anon_frame: frame_of(anon.addr()),
        aslr_off,
    };
    let stdout = std::io::stdout();
    use std::os::fd::AsFd;
    if sys::write_msg(stdout.as_fd(), &report).is_err() {
        return 1;
    }
    // Stay alive (so the two runs exist at the same time and cannot reuse
    // each other's frames) until the parent closes our stdin.
    let mut buf = [0u8; 64];
    loop {
        match nix::unistd::read(0, &mut buf) {
            Ok(0) => return 0,
            Ok(_) => continue,
            Err(nix::errno::Errno::EINTR) if sys::interrupted() => return 130,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return 1,
        }
    }
}

/// What one worker reports on its stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct WorkerReport {
    pub pid: u64,
    pub data_addr: u64,
    pub data_value: u64,
    pub data_frame: Frame,
    pub code_addr: u64,
    pub code_frame: Frame,
    pub anon_addr: u64,
    pub anon_frame: Frame,
    pub aslr_off: bool,
}

/// Fork a child that turns ASLR off (`personality`, inherited across exec)
/// and re-executes memlab itself as a worker, its stdout and stdin on pipes.
pub(super) fn spawn_worker() -> Result<(sys::Child, sys::Chan, sys::Chan)> {
    let (out_r, out_w) = sys::chan()?;
    let (in_r, in_w) = sys::chan()?;
    let exe = CString::new("/proc/self/exe").context("exe path")?;
    let argv = [
        exe,
        CString::new("isolation").context("argv")?,
        CString::new("--worker").context("argv")?,
    ];
    let child = sys::fork_child(|| {
        if sys::disable_aslr().is_err() {
            return 126;
        }
        // The pipes are O_CLOEXEC; their copies on 0 and 1 are not.
        if nix::unistd::dup2(out_w.raw(), 1).is_err() || nix::unistd::dup2(in_r.raw(), 0).is_err() {
            return 126;
        }
        sys::exec(&argv);
        127
    })?;
    drop(out_w);
    drop(in_r);
    Ok((child, out_r, in_w))
}

pub(super) fn read_worker(out: &sys::Chan) -> Result<WorkerReport> {
    match out.recv_msg::<WorkerReport>()? {
        Some(w) => Ok(w),
        None => bail!(crate::i18n::tr("isolation.err.worker_silent", &[])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every kind of frame survives the trip from a worker to memlab.
        #[test]
        fn reports_cross_the_pipe_unchanged(p in 1u64..(1 << 55), a in any::<u64>()) {
            let (r, w) = sys::chan().unwrap();
            for f in [Frame::Absent, Frame::Hidden, Frame::Pfn(p)] {
                let sent = WorkerReport {
                    pid: 7,
                    data_addr: a,
                    data_value: 7,
                    data_frame: f,
                    code_addr: a / 2,
                    code_frame: f,
                    anon_addr: a / 3,
                    anon_frame: Frame::Pfn(p),
                    aslr_off: true,
                };
                sys::write_msg(w.fd(), &sent).unwrap();
                prop_assert_eq!(read_worker(&r).unwrap(), sent);
            }
        }
    }
}
