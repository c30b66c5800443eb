//! Signals: SIGINT, SIGTERM, SIGHUP and SIGQUIT set a flag that every loop
//! polls, and write a byte to a pipe that every blocking wait watches.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use anyhow::{Context, Result};
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// How many interrupting signals have arrived (a write loop stops when one
/// more arrives while it writes, even if the run was already interrupted).
pub(super) static SIGNALS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A pipe the handler writes one byte to (read end, write end; -1 until
/// installed). A flag alone has a gap: a signal that lands after a loop
/// looked at the flag and before it entered a blocking call is not seen
/// until that call returns on its own (a sleep of a whole interval, a wait
/// for a child). The byte stays in the pipe, so a blocking call that also
/// polls the pipe returns at once whenever the signal came.
pub(super) static SIGNAL_PIPE: [AtomicI32; 2] = [AtomicI32::new(-1), AtomicI32::new(-1)];

/// The number of the last interrupting signal (0 before any).
static LAST_SIGNAL: AtomicI32 = AtomicI32::new(0);

pub(super) extern "C" fn on_interrupt(sig: libc::c_int) {
    LAST_SIGNAL.store(sig, Ordering::SeqCst);
    INTERRUPTED.store(true, Ordering::SeqCst);
    SIGNALS.fetch_add(1, Ordering::SeqCst);
    let w = SIGNAL_PIPE[1].load(Ordering::SeqCst);
    if w >= 0 {
        let byte = 1u8;
        // SAFETY: write(2) is async-signal-safe; the fd is non-blocking, so
        // a full pipe (already readable) just drops the byte.
        unsafe { libc::write(w, (&raw const byte).cast(), 1) };
    }
}

/// Install the SIGINT/SIGTERM/SIGHUP/SIGQUIT handlers (a closed terminal
/// or Ctrl-\\ ends a run as Ctrl-C does: clean up, write, exit 130, no
/// core). No `SA_RESTART`: a blocking wait or
/// sleep returns `EINTR`, and `block_on` also watches the handler's pipe, so
/// the run notices within a fraction of a second.
pub fn install_interrupt_handlers() -> Result<()> {
    use std::os::fd::IntoRawFd;
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK)
        .with_context(|| crate::i18n::tr("err.sys.signal_pipe", &[]))?;
    // Kept open for the life of the process.
    SIGNAL_PIPE[0].store(r.into_raw_fd(), Ordering::SeqCst);
    SIGNAL_PIPE[1].store(w.into_raw_fd(), Ordering::SeqCst);
    let action = SigAction::new(
        SigHandler::Handler(on_interrupt),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for sig in INTERRUPTING {
        // SAFETY: the handler only stores to an atomic and writes to a pipe,
        // both async-signal-safe.
        unsafe { signal::sigaction(sig, &action) }
            .with_context(|| crate::i18n::tr("err.sys.signal_handlers", &[]))?;
    }
    Ok(())
}

/// The signals that end a run cleanly.
pub const INTERRUPTING: [Signal; 4] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
];

/// True once SIGINT, SIGTERM, SIGHUP or SIGQUIT has arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Which signal interrupted the run (the last one, when several came).
pub fn interrupt_signal() -> Option<Signal> {
    Signal::try_from(LAST_SIGNAL.load(Ordering::SeqCst)).ok()
}

/// Why `block_on` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Wake {
    Ready,
    Timeout,
    Interrupted,
}

/// Block until `fd` is readable (or hung up), `deadline` passes, or
/// SIGINT/SIGTERM arrives, whichever comes first.
pub(super) fn block_on(fd: Option<RawFd>, deadline: Option<std::time::Instant>) -> Wake {
    loop {
        if interrupted() {
            return Wake::Interrupted;
        }
        let mut fds = Vec::with_capacity(2);
        if let Some(fd) = fd {
            fds.push(libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let sig = SIGNAL_PIPE[0].load(Ordering::SeqCst);
        if sig >= 0 {
            fds.push(libc::pollfd {
                fd: sig,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let ts = match deadline {
            Some(d) => {
                let now = std::time::Instant::now();
                if now >= d {
                    return Wake::Timeout;
                }
                let left = d - now;
                Some(libc::timespec {
                    tv_sec: left.as_secs() as libc::time_t,
                    tv_nsec: left.subsec_nanos() as libc::c_long,
                })
            }
            None => None,
        };
        let ts_ptr = ts.as_ref().map_or(std::ptr::null(), |t| t as *const _);
        // SAFETY: ppoll reads `fds.len()` pollfds from the live vector and
        // writes their revents; `ts_ptr` is null or points at a live
        // timespec; a null signal mask leaves the mask as it is.
        let r = unsafe {
            libc::ppoll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                ts_ptr,
                std::ptr::null(),
            )
        };
        if r < 0 {
            if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            // Let the caller's own call report the error.
            return Wake::Ready;
        }
        if interrupted() {
            return Wake::Interrupted;
        }
        if r == 0 {
            continue; // the deadline: the clock is checked at the top
        }
        if fd.is_some() && fds[0].revents != 0 {
            return Wake::Ready;
        }
        // The pipe is readable but this process was not interrupted: a byte
        // from a forked child's copy of the handler, in the instant before
        // it reset its signals. Drain it, or every poll would return at once.
        if sig >= 0 {
            let mut junk = [0u8; 64];
            // SAFETY: read(2) into a live stack buffer of that length; the
            // fd is non-blocking.
            while unsafe { libc::read(sig, junk.as_mut_ptr().cast(), junk.len()) } > 0 {}
        }
    }
}

/// Sleep until `deadline` (an absolute point, so sampling does not drift).
/// Returns early, with `false`, when the run is interrupted.
pub fn sleep_until(deadline: std::time::Instant) -> bool {
    block_on(None, Some(deadline)) == Wake::Timeout
}
