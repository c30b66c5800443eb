//! Children and orphans of `watch -- CMD`: memlab as a child subreaper.
//!
//! A process whose parent exits is normally re-parented to init, and leaves
//! the tree of the command that started it (`cmd &` in a script, a daemon
//! that forks twice). With `PR_SET_CHILD_SUBREAPER` such orphans are
//! re-parented to memlab instead, so they stay in the watched tree, and
//! memlab reaps them (collecting the kernel's totals of each, `wait4`).

use std::io;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::signal::{self, Signal};

use super::{Child, ChildExit, exit_of};

/// Make memlab the subreaper of everything it starts from now on.
pub fn become_child_subreaper() -> Result<()> {
    nix::sys::prctl::set_child_subreaper(true).context("prctl(PR_SET_CHILD_SUBREAPER)")
}

/// A process memlab reaped, with what `wait4` reported for it: its own
/// counters plus those of every descendant it reaped itself.
#[derive(Clone, Debug)]
pub struct Reaped {
    pub pid: i32,
    pub exit: ChildExit,
    pub utime_s: f64,
    pub stime_s: f64,
}

fn rusage_zeroed() -> libc::rusage {
    // SAFETY: rusage is a plain C struct for which all-zero is valid.
    unsafe { std::mem::zeroed() }
}

fn secs(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// `wait4(pid, WNOHANG)`: the reaped process, or `None` when it has not
/// ended (or is not memlab's child).
fn wait4_nohang(pid: i32) -> Option<Reaped> {
    loop {
        let mut status: libc::c_int = 0;
        let mut ru = rusage_zeroed();
        // SAFETY: wait4 writes only into the two out-parameters given.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        if r <= 0 {
            return None;
        }
        return Some(Reaped {
            pid: r,
            exit: exit_of(status, &ru),
            utime_s: secs(ru.ru_utime),
            stime_s: secs(ru.ru_stime),
        });
    }
}

/// Reap one ended child of memlab other than `keep` (the command, which
/// its [`Child`] reaps). Never blocks.
pub fn reap_other(keep: &Child) -> Option<Reaped> {
    // SAFETY: siginfo_t is a plain C struct for which all-zero is valid.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: waitid with WNOWAIT|WNOHANG only inspects which child ended.
    let r = unsafe {
        libc::waitid(
            libc::P_ALL,
            0,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // SAFETY: si_pid is valid to read after waitid filled (or zeroed) info.
    let pid = unsafe { info.si_pid() };
    if r != 0 || pid == 0 || pid == keep.pid.as_raw() {
        return None;
    }
    wait4_nohang(pid)
}

/// Reap every child of memlab that has ended (the orphans that ended after
/// the command). Never blocks.
pub fn reap_ended() -> Vec<Reaped> {
    std::iter::from_fn(|| wait4_nohang(-1)).collect()
}

impl Child {
    /// Reap the child if it has ended, without blocking.
    pub fn try_reap(&mut self) -> Option<ChildExit> {
        if self.reaped {
            return None;
        }
        let r = wait4_nohang(self.pid.as_raw())?;
        self.reaped = true;
        Some(r.exit)
    }

    /// Send `first` (the signal memlab got, or SIGTERM), give the child
    /// `grace` to end, then SIGKILL it. Reaps it; returns how it ended, or
    /// `None` when it had to be killed.
    pub fn end_with(&mut self, first: Signal, grace: Duration) -> Option<ChildExit> {
        if self.reaped {
            return None;
        }
        let _ = signal::kill(self.pid, first);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Some(e) = self.try_reap() {
                return Some(e);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.kill();
        None
    }
}

/// In a child about to exec: its stdout goes where memlab's stderr goes
/// (memlab's stdout carries data, `--csv -` or `--json -`).
pub fn stdout_to_stderr() {
    let _ = nix::unistd::dup2(2, 1);
}
