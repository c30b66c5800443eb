//! Writes that a signal can end, and the pipes that step parent and
//! child through an experiment.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::Ordering;

use super::signals::{SIGNALS, Wake, block_on, interrupted};
use anyhow::{Context, Result};

/// Write all of `data` to `fd` straight through write(2) (no stdio buffer:
/// a line written before a crash is never lost). A write blocked on a pipe
/// nobody reads ends when SIGINT/SIGTERM/SIGHUP/SIGQUIT arrives: the error
/// is then `ErrorKind::Interrupted`.
pub fn write_fd(fd: BorrowedFd<'_>, data: &[u8]) -> io::Result<()> {
    write_fd_raw(fd.as_raw_fd(), data)
}

/// [`write_fd`] on a raw descriptor number (stdout, or an fd given as
/// `/proc/self/fd/N`). Allocates nothing.
pub fn write_fd_raw(fd: RawFd, data: &[u8]) -> io::Result<()> {
    // A signal makes a blocked pipe write return early: with EINTR when
    // nothing was written yet, else with a short count. Either way a
    // signal that arrived since the write began ends it.
    let seen = SIGNALS.load(Ordering::SeqCst);
    let cut = || {
        io::Error::new(
            io::ErrorKind::Interrupted,
            "interrupted while the write was blocked",
        )
    };
    let mut rest = data;
    while !rest.is_empty() {
        // SAFETY: write(2) reads at most `rest.len()` bytes from the live
        // slice; a bad descriptor is an error, not undefined behaviour.
        let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if n >= 0 {
            rest = &rest[n as usize..];
        } else {
            let e = io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EINTR) {
                return Err(e);
            }
        }
        if !rest.is_empty() && SIGNALS.load(Ordering::SeqCst) != seen {
            return Err(cut());
        }
    }
    Ok(())
}

/// One end of a pipe used to step parent and child through the stages of an
/// experiment. Messages are fixed-size arrays of `u64`.
pub struct Chan {
    pub(super) fd: OwnedFd,
}

/// A new descriptor (close-on-exec) for what `fd` is open on, owned by the
/// caller: an output named `/proc/self/fd/N` written from a thread.
pub fn dup_fd(fd: RawFd) -> io::Result<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) only creates a new descriptor; a bad
    // `fd` is an error (-1), not undefined behaviour.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `new` was just created by fcntl and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// A pipe: (read end, write end).
pub fn chan() -> Result<(Chan, Chan)> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("pipe")?;
    Ok((Chan { fd: r }, Chan { fd: w }))
}

impl Chan {
    pub fn fd(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.fd.as_fd()
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    pub fn send(&self, words: &[u64]) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(words.len() * 8);
        for w in words {
            bytes.extend_from_slice(&w.to_ne_bytes());
        }
        write_fd(self.fd(), &bytes)
    }

    /// Read exactly `n` words. `Ok(None)` when the other end closed first, or
    /// when memlab is interrupted while waiting.
    pub fn recv(&self, n: usize) -> io::Result<Option<Vec<u64>>> {
        let bytes = match self.recv_bytes(n * 8)? {
            Some(b) => b,
            None => return Ok(None),
        };
        Ok(Some(
            bytes
                .chunks_exact(8)
                .map(|c| u64::from_ne_bytes(c.try_into().expect("8-byte chunk")))
                .collect(),
        ))
    }

    /// Read exactly `n` bytes (see [`Chan::recv`]).
    pub fn recv_bytes(&self, n: usize) -> io::Result<Option<Vec<u8>>> {
        let mut buf = vec![0u8; n];
        let mut got = 0;
        while got < n {
            if block_on(Some(self.fd.as_raw_fd()), None) == Wake::Interrupted {
                return Ok(None);
            }
            match nix::unistd::read(self.fd.as_raw_fd(), &mut buf[got..]) {
                Ok(0) => return Ok(None),
                Ok(k) => got += k,
                Err(nix::errno::Errno::EINTR) => {
                    if interrupted() {
                        return Ok(None);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Some(buf))
    }

    /// Read everything until the other end closes (or interruption).
    pub fn read_to_end(&self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            if block_on(Some(self.fd.as_raw_fd()), None) == Wake::Interrupted {
                return Ok(out);
            }
            match nix::unistd::read(self.fd.as_raw_fd(), &mut buf) {
                Ok(0) => return Ok(out),
                Ok(k) => out.extend_from_slice(&buf[..k]),
                Err(nix::errno::Errno::EINTR) => {
                    if interrupted() {
                        return Ok(out);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}
