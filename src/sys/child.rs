//! Child processes: forked with a safe setup, waited for with their
//! rusage, killed and reaped on drop.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::fault::IN_CHILD;
use super::signals::{INTERRUPTING, SIGNAL_PIPE, Wake, block_on, interrupted};
use anyhow::{Context, Result, bail};
use nix::sys::signal::{self, Signal};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

/// A child process, killed (SIGKILL) and reaped when dropped unless it was
/// already reaped: no child ever outlives memlab's handling of it.
pub struct Child {
    pub(super) pid: Pid,
    pub(super) reaped: bool,
    fork_time: Duration,
}

/// How a child ended, with its resource usage from `wait4`.
#[derive(Clone, Debug)]
pub struct ChildExit {
    pub exit_code: Option<i32>,
    pub signal: Option<Signal>,
    pub core_dumped: bool,
    pub rusage_minflt: u64,
    pub rusage_majflt: u64,
    pub rusage_maxrss_kib: u64,
}

/// In words for a person: "exited with status 3", "was killed by SIGKILL
/// (core dumped)". Never the Debug form in a message.
impl std::fmt::Display for ChildExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.exit_code, self.signal) {
            (Some(c), _) => write!(f, "exited with status {c}")?,
            (None, Some(s)) => write!(f, "was killed by {}", s.as_str())?,
            (None, None) => f.write_str("ended")?,
        }
        if self.core_dumped {
            f.write_str(" (core dumped)")?;
        }
        Ok(())
    }
}

impl Child {
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// How long the `fork(2)` call itself took in the parent (from just
    /// before the call to its return; memlab's own checks excluded).
    pub fn fork_time(&self) -> Duration {
        self.fork_time
    }

    /// Wait for the child to end, collecting its rusage (`wait4`). Returns
    /// `Ok(None)` when interrupted by SIGINT/SIGTERM (the child is then killed
    /// and reaped on drop).
    pub fn wait(&mut self) -> Result<Option<ChildExit>> {
        // Wait for the child's exit and the signal pipe at once (a pidfd is
        // readable once the process has ended; Linux 5.3+). Without a pidfd,
        // wait4 alone still returns on EINTR.
        if !self.reaped
            && let Some(pidfd) = pidfd_open(self.pid)
            && block_on(Some(pidfd.as_raw_fd()), None) == Wake::Interrupted
        {
            return Ok(None);
        }
        loop {
            if interrupted() {
                return Ok(None);
            }
            let mut status: libc::c_int = 0;
            // SAFETY: zeroed rusage is a valid value for wait4 to overwrite.
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: wait4 writes only into the two out-parameters given.
            let r = unsafe { libc::wait4(self.pid.as_raw(), &mut status, 0, &mut ru) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return Err(e).with_context(|| {
                    crate::i18n::tr("err.sys.waiting", &[("pid", &self.pid.to_string())])
                });
            }
            self.reaped = true;
            let exit = exit_of(status, &ru);
            // Ctrl-C reaches the whole process group: a child that died of
            // the user's signal is not a result of the experiment.
            if interrupted() && exit.signal.is_some_and(|s| INTERRUPTING.contains(&s)) {
                return Ok(None);
            }
            return Ok(Some(exit));
        }
    }

    /// True while the child has not exited (without reaping it).
    pub fn is_running(&self) -> bool {
        if self.reaped {
            return false;
        }
        let mut info: libc::siginfo_t = unsafe_zeroed_siginfo();
        // SAFETY: waitid with WNOWAIT|WNOHANG only inspects the child's state.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                self.pid.as_raw() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: si_pid is valid to read after waitid filled (or zeroed) info.
        r == 0 && unsafe { info.si_pid() } == 0
    }

    /// Ask the child to stop (SIGTERM), give it `grace` to write what it has,
    /// then SIGKILL it. Reaps it either way and returns how it ended.
    pub fn stop(&mut self, grace: Duration) -> Option<ChildExit> {
        if self.reaped {
            return None;
        }
        let _ = signal::kill(self.pid, Signal::SIGTERM);
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            let mut status: libc::c_int = 0;
            // SAFETY: zeroed rusage is a valid value for wait4 to overwrite.
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: wait4 writes only into the two out-parameters given.
            let r = unsafe { libc::wait4(self.pid.as_raw(), &mut status, libc::WNOHANG, &mut ru) };
            if r == self.pid.as_raw() {
                self.reaped = true;
                return Some(exit_of(status, &ru));
            }
            if r < 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill();
        None
    }

    /// Kill (SIGKILL) and reap now.
    pub fn kill(&mut self) {
        if !self.reaped {
            let _ = signal::kill(self.pid, Signal::SIGKILL);
            loop {
                match waitpid(self.pid, Some(WaitPidFlag::__WALL)) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    Ok(WaitStatus::StillAlive) => continue,
                    _ => break,
                }
            }
            self.reaped = true;
        }
    }
}

/// A wait status and its rusage as a [`ChildExit`].
pub(super) fn exit_of(status: libc::c_int, ru: &libc::rusage) -> ChildExit {
    let signal = if libc::WIFSIGNALED(status) {
        Signal::try_from(libc::WTERMSIG(status)).ok()
    } else {
        None
    };
    ChildExit {
        exit_code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal,
        core_dumped: libc::WIFSIGNALED(status) && libc::WCOREDUMP(status),
        rusage_minflt: ru.ru_minflt as u64,
        rusage_majflt: ru.ru_majflt as u64,
        rusage_maxrss_kib: ru.ru_maxrss as u64,
    }
}

/// A pidfd for `pid` (readable once it has ended), or None on kernels
/// without pidfd_open.
fn pidfd_open(pid: Pid) -> Option<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    // SAFETY: a non-negative result is a new fd that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

fn unsafe_zeroed_siginfo() -> libc::siginfo_t {
    // SAFETY: siginfo_t is a plain C struct for which all-zero is valid.
    unsafe { std::mem::zeroed() }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill();
    }
}

/// In a child made by `fork_child` that never faults on purpose: make it
/// dumpable again so that its parent, running as the same ordinary user, may
/// still open its /proc/PID files where /proc is mounted with `hidepid`
/// (there the kernel shows a process's folder only to readers allowed to
/// ptrace-read it, and a non-dumpable process allows none but root).
/// RLIMIT_CORE stays 0, so a crash still writes no core file.
pub fn let_parent_read_my_proc() {
    // SAFETY: prctl with these constant arguments only changes this
    // process's own dumpable flag.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0) };
}

/// Fork a child that runs `body` and `_exit`s with its return value.
///
/// The child dies with its parent (`PR_SET_PDEATHSIG`), never dumps core
/// (`PR_SET_DUMPABLE 0`, `RLIMIT_CORE 0`, which also stops piped core
/// handlers), and takes SIGINT/SIGTERM with the default action. Must be called
/// while memlab is single-threaded (checked).
pub fn fork_child<F: FnOnce() -> i32>(body: F) -> Result<Child> {
    ensure_single_threaded()?;
    let parent = nix::unistd::getpid();
    let t0 = std::time::Instant::now();
    // SAFETY: memlab is single-threaded here (checked above), so the child
    // inherits no lock held by another thread; it runs `body` and `_exit`s.
    let forked = unsafe { nix::unistd::fork() };
    let fork_time = t0.elapsed();
    match forked.context("fork")? {
        nix::unistd::ForkResult::Parent { child } => Ok(Child {
            pid: child,
            reaped: false,
            fork_time,
        }),
        nix::unistd::ForkResult::Child => {
            child_setup(parent);
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(101);
            // SAFETY: _exit ends the child without running the parent's
            // atexit handlers or flushing its copied stdio buffers.
            unsafe { libc::_exit(code) }
        }
    }
}

/// What every child does first.
fn child_setup(parent: Pid) {
    IN_CHILD.store(true, Ordering::SeqCst);
    // SAFETY: prctl/setrlimit/signal with these constant arguments, and
    // close of this process's copies of the signal pipe, only change this
    // (child) process's own attributes.
    unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        );
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        // The soft limit only: `restore_inherited_limits` can then give a
        // command run under `watch --` its own limit back before exec.
        let mut core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::getrlimit(libc::RLIMIT_CORE, &mut core);
        core.rlim_cur = 0;
        libc::setrlimit(libc::RLIMIT_CORE, &core);
        // The child takes SIGINT/SIGTERM with the default action and has no
        // handler: it must not watch the parent's signal pipe either (the
        // parent's signals would make it readable here too).
        for end in &SIGNAL_PIPE {
            let fd = end.swap(-1, Ordering::SeqCst);
            if fd >= 0 {
                libc::close(fd);
            }
        }
        for sig in INTERRUPTING {
            libc::signal(sig as libc::c_int, libc::SIG_DFL);
        }
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // The parent may have died between fork and prctl.
    if nix::unistd::getppid() != parent {
        // SAFETY: leaving at once is the right thing for an orphaned child.
        unsafe { libc::_exit(1) };
    }
}

/// The calling process's thread count, from /proc/self/status.
fn ensure_single_threaded() -> Result<()> {
    let status = std::fs::read_to_string("/proc/self/status")
        .with_context(|| crate::i18n::tr("err.sys.reading", &[("path", "/proc/self/status")]))?;
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(1);
    if threads > 1 {
        bail!(crate::i18n::tr(
            "err.sys.threads",
            &[("threads", &threads.to_string())]
        ));
    }
    Ok(())
}

/// In a child about to exec: send its stdout to /dev/null and its stderr to
/// `stderr_to`.
pub fn redirect_output(stderr_to: RawFd) -> Result<()> {
    let null = nix::fcntl::open(
        "/dev/null",
        nix::fcntl::OFlag::O_WRONLY,
        nix::sys::stat::Mode::empty(),
    )
    .with_context(|| crate::i18n::tr("err.sys.opening", &[("path", "/dev/null")]))?;
    nix::unistd::dup2(null, 1).context("dup2")?;
    nix::unistd::dup2(stderr_to, 2).context("dup2")?;
    let _ = nix::unistd::close(null);
    Ok(())
}

/// Replace the child's program with `argv` (for `watch -- CMD`).
pub fn exec(argv: &[std::ffi::CString]) -> nix::errno::Errno {
    match nix::unistd::execvp(&argv[0], argv) {
        Err(e) => e,
        Ok(never) => match never {},
    }
}
