//! Looking at a pipe without blocking, so a sampler can pick up a worker's
//! messages between two deadlines without ever waiting on the worker.

use std::io;
use std::os::fd::AsRawFd;

use super::Chan;

/// What a look at a pipe found.
#[derive(Debug, PartialEq, Eq)]
pub enum Polled {
    /// Nothing to read yet.
    Empty,
    /// One whole message.
    Msg(Vec<u64>),
    /// The other end is closed and nothing is left to read.
    Closed,
}

impl Chan {
    /// Read one `n`-word message if one is waiting; never blocks. Messages of
    /// at most `PIPE_BUF` bytes are written atomically by the kernel, so a
    /// readable pipe holds a whole message.
    pub fn try_recv(&self, n: usize) -> io::Result<Polled> {
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll reads and writes exactly the one pollfd given; a zero
        // timeout returns at once.
        let r = unsafe { libc::poll(&mut pfd, 1, 0) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                return Ok(Polled::Empty);
            }
            return Err(e);
        }
        if r == 0 || pfd.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) == 0 {
            return Ok(Polled::Empty);
        }
        match self.recv(n)? {
            Some(m) => Ok(Polled::Msg(m)),
            None if super::interrupted() => Ok(Polled::Empty),
            None => Ok(Polled::Closed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_then_message_then_closed() {
        let (r, w) = crate::sys::chan().unwrap();
        assert_eq!(r.try_recv(2).unwrap(), Polled::Empty);
        w.send(&[7, 9]).unwrap();
        assert_eq!(r.try_recv(2).unwrap(), Polled::Msg(vec![7, 9]));
        drop(w);
        assert_eq!(r.try_recv(2).unwrap(), Polled::Closed);
    }
}
