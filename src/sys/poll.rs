//! Looking at a pipe without blocking, so a sampler can pick up a worker's
//! messages between two deadlines without ever waiting on the worker.

use std::io;
use std::os::fd::RawFd;

/// What a look at a pipe found.
#[derive(Debug, PartialEq, Eq)]
pub enum Polled<T> {
    /// Nothing to read yet.
    Empty,
    /// One whole message.
    Msg(T),
    /// The other end is closed and nothing is left to read.
    Closed,
}

/// Whether a read of `fd` would not block now (data, or the other end
/// closed); never blocks. A signal during the look counts as "not yet".
pub(super) fn readable(fd: RawFd) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll reads and writes exactly the one pollfd given; a zero
    // timeout returns at once.
    let r = unsafe { libc::poll(&mut pfd, 1, 0) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EINTR) {
            return Ok(false);
        }
        return Err(e);
    }
    Ok(r > 0 && pfd.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0)
}
