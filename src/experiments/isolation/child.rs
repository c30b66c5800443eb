//! The processes isolation runs: part 1's forked child reports through a
//! pipe; part 2's workers are fresh copies of memlab, exec'd with ASLR off.

use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};

use crate::probe::pagemap::{Frame, Pagemap};
use crate::sys::{self, MapOptions, Region};

use super::Args;

/// Frame numbers travel between processes as one word: 0 = not present,
/// `HIDDEN` = present but hidden from an unprivileged reader.
const HIDDEN: u64 = 1 << 63;

pub(super) fn encode(f: Frame) -> u64 {
    match f {
        Frame::Absent => 0,
        Frame::Hidden => HIDDEN,
        Frame::Pfn(p) => p,
    }
}

pub(super) fn decode(w: u64) -> Frame {
    match w {
        0 => Frame::Absent,
        HIDDEN => Frame::Hidden,
        p => Frame::Pfn(p),
    }
}

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

/// Words a worker reports on its stdout.
const WORKER_WORDS: usize = 9;

/// The registry's hidden entry point: `memlab isolation --worker` runs
/// [`worker`] instead of the experiment.
pub fn worker_entry(args: &Args) -> Option<Result<i32>> {
    if !args.worker {
        return None;
    }
    // The worker speaks binary words on a pipe to its parent; typed by a
    // person it would print them and wait for stdin to close.
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Some(Err(crate::error::usage(
            "--worker is for memlab's own use (isolation runs itself with it); \
             e.g. memlab isolation",
        )));
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
    let words = [
        pid,
        data_addr,
        WORKER_DATA.load(Ordering::SeqCst),
        encode(frame_of(data_addr)),
        code_addr,
        encode(frame_of(code_addr)),
        anon.addr(),
        encode(frame_of(anon.addr())),
        aslr_off as u64,
    ];
    let mut bytes = Vec::with_capacity(WORKER_WORDS * 8);
    for w in words {
        bytes.extend_from_slice(&w.to_ne_bytes());
    }
    let stdout = std::io::stdout();
    use std::os::fd::AsFd;
    if sys::write_fd(stdout.as_fd(), &bytes).is_err() {
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

/// What one worker reported.
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
    let w = match out.recv(WORKER_WORDS)? {
        Some(w) => w,
        None => bail!("the re-executed memlab (isolation --worker) ended without reporting"),
    };
    Ok(WorkerReport {
        pid: w[0],
        data_addr: w[1],
        data_value: w[2],
        data_frame: decode(w[3]),
        code_addr: w[4],
        code_frame: decode(w[5]),
        anon_addr: w[6],
        anon_frame: decode(w[7]),
        aslr_off: w[8] != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A frame survives the trip from a worker to memlab as one word.
        #[test]
        fn frames_cross_the_pipe_unchanged(p in 1u64..(1 << 55)) {
            for f in [Frame::Absent, Frame::Hidden, Frame::Pfn(p)] {
                prop_assert_eq!(decode(encode(f)), f);
            }
        }
    }
}
