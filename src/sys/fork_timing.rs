//! Timing `fork()` itself, for the hugepage experiment.
//!
//! `fork_child` does useful set-up around the system call (a thread-count
//! check, PDEATHSIG in the child), which would blur a measurement of what
//! `fork` costs. Here the clock brackets the system call alone: the child does
//! nothing but `_exit(0)`, and the parent reaps it after the clock stopped.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::wait::waitpid;
use nix::unistd::ForkResult;

/// Fork once, time until `fork` returns in the parent, reap the child.
/// The caller must be single-threaded (checked once by [`super::fork_child`]
/// in the process that calls this; memlab's children never start threads).
pub fn time_one_fork() -> Result<Duration> {
    let t0 = Instant::now();
    // SAFETY: the calling process is single-threaded (memlab never starts
    // threads, and this runs in a child made by fork_child, which checked),
    // and the child calls only the async-signal-safe `_exit`.
    let r = unsafe { nix::unistd::fork() }.context("fork")?;
    match r {
        ForkResult::Child => {
            // SAFETY: leave at once, running no destructor or atexit handler.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            let took = t0.elapsed();
            loop {
                match waitpid(child, None) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(e) => return Err(e).context(format!("reaping child {child}")),
                    Ok(_) => break,
                }
            }
            Ok(took)
        }
    }
}
