//! Typed messages over a pipe: one codec for every parent/child protocol.
//!
//! A frame is a 4-byte little-endian length, then that many bytes of JSON
//! (serde_json) for the message. Each experiment defines its messages as a
//! serde type (an enum per direction, or a struct) next to its child.
//!
//! Every frame is written with one write(2), so a frame of at most
//! `PIPE_BUF` (4096) bytes reaches the pipe whole. A small frame
//! ([`INLINE_BYTES`] at most) is built and read in stack buffers, so a child
//! whose heap cannot grow (oom's virtual child, at its RLIMIT_AS) can still
//! send and receive (messages of numbers and unit variants decode without
//! the heap); the buffers are small so that a child between two readings of
//! its own memory touches no new stack page for them. A larger frame spills
//! to the heap, which a forked child may use since memlab forks only while
//! single-threaded.
//! Receiving refuses a length over [`MAX_FRAME_BYTES`] before allocating.

use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::fd::BorrowedFd;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::chan::{Chan, write_fd};
use super::poll::{Polled, readable};

/// Frames up to this size (header included) are built, and bodies up to
/// this size read, on the stack. Every message memlab's children send
/// between two readings fits (cow's largest, a stage report, is some 300
/// bytes).
pub const INLINE_BYTES: usize = 512;

/// The largest message body a receiver accepts: far above any message
/// memlab sends (faults' copy-on-write child sends one time per page, some
/// 2.5 MB of JSON for 1 GiB), far below an allocation that could hurt.
pub const MAX_FRAME_BYTES: usize = 64 << 20;

const HEADER: usize = 4;

/// A frame being built: on the stack until it outgrows it.
struct FrameBuf {
    inline: [u8; INLINE_BYTES],
    len: usize,
    heap: Option<Vec<u8>>,
}

impl FrameBuf {
    fn new() -> FrameBuf {
        FrameBuf {
            inline: [0; INLINE_BYTES],
            len: HEADER,
            heap: None,
        }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        match &mut self.heap {
            Some(v) => v,
            None => &mut self.inline[..self.len],
        }
    }
}

impl Write for FrameBuf {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if let Some(v) = &mut self.heap {
            v.extend_from_slice(data);
        } else if self.len + data.len() <= INLINE_BYTES {
            self.inline[self.len..self.len + data.len()].copy_from_slice(data);
            self.len += data.len();
        } else {
            let mut v = Vec::with_capacity(2 * (self.len + data.len()));
            v.extend_from_slice(&self.inline[..self.len]);
            v.extend_from_slice(data);
            self.heap = Some(v);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Encode `msg` as one frame and write it to `fd` (a pipe's write end, or
/// the stdout of an exec'd worker). A blocked write ends on SIGINT/SIGTERM
/// as [`write_fd`]'s does.
pub fn write_msg<T: Serialize>(fd: BorrowedFd<'_>, msg: &T) -> io::Result<()> {
    let mut f = FrameBuf::new();
    serde_json::to_writer(&mut f, msg).map_err(io::Error::other)?;
    let bytes = f.bytes_mut();
    let body = bytes.len() - HEADER;
    if body > MAX_FRAME_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a message of {body} bytes is over the {MAX_FRAME_BYTES}-byte bound"),
        ));
    }
    bytes[..HEADER].copy_from_slice(&(body as u32).to_le_bytes());
    write_fd(fd, bytes)
}

/// Decode one message body.
fn decode<T: DeserializeOwned>(body: &[u8]) -> io::Result<T> {
    serde_json::from_slice(body).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

impl Chan {
    /// Send one typed message (see [`write_msg`]).
    pub fn send_msg<T: Serialize>(&self, msg: &T) -> io::Result<()> {
        write_msg(self.fd(), msg)
    }

    /// Receive one typed message. `Ok(None)` when the other end closed
    /// before a whole frame came (nothing sent, or a child killed while it
    /// wrote), or when memlab is interrupted while waiting. A length over
    /// [`MAX_FRAME_BYTES`] or a body that is not a `T` is an error.
    pub fn recv_msg<T: DeserializeOwned>(&self) -> io::Result<Option<T>> {
        let mut head = [0u8; HEADER];
        if !self.recv_exact(&mut head)? {
            return Ok(None);
        }
        let len = u32::from_le_bytes(head) as usize;
        if len > MAX_FRAME_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a frame of {len} bytes is over the {MAX_FRAME_BYTES}-byte bound"),
            ));
        }
        if len <= INLINE_BYTES {
            let mut body = [0u8; INLINE_BYTES];
            return match self.recv_exact(&mut body[..len])? {
                true => decode(&body[..len]).map(Some),
                false => Ok(None),
            };
        }
        match self.recv_bytes(len)? {
            Some(body) => decode(&body).map(Some),
            None => Ok(None),
        }
    }

    /// Receive one typed message if one is waiting; never blocks on an empty
    /// pipe. A frame of at most `PIPE_BUF` (4096) bytes was written at once,
    /// so a readable pipe holds all of it; a longer one is read to its end.
    pub fn try_recv_msg<T: DeserializeOwned>(&self) -> io::Result<Polled<T>> {
        if !readable(self.fd.as_raw_fd())? {
            return Ok(Polled::Empty);
        }
        match self.recv_msg()? {
            Some(m) => Ok(Polled::Msg(m)),
            None if super::interrupted() => Ok(Polled::Empty),
            None => Ok(Polled::Closed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Msg {
        Ready { addr: u64, huge_kib: u64 },
        Failed(i32),
        Times(Vec<u64>),
        Bye,
    }

    #[test]
    fn messages_round_trip_in_order() {
        let (r, w) = crate::sys::chan().unwrap();
        let sent = [
            Msg::Ready {
                addr: u64::MAX,
                huge_kib: 2048,
            },
            Msg::Failed(-12),
            Msg::Times(vec![0, 1, 1 << 40]),
            Msg::Bye,
        ];
        for m in &sent {
            w.send_msg(m).unwrap();
        }
        for m in &sent {
            assert_eq!(r.recv_msg::<Msg>().unwrap().as_ref(), Some(m));
        }
        drop(w);
        assert_eq!(r.recv_msg::<Msg>().unwrap(), None);
    }

    #[test]
    fn a_frame_larger_than_the_stack_buffer_round_trips() {
        let (r, w) = crate::sys::chan().unwrap();
        let big = Msg::Times((0..2000).map(|i| i * 1_000_003).collect());
        // Larger than a pipe holds: write from a thread while reading here.
        let t = std::thread::spawn(move || w.send_msg(&big).map(|_| big));
        let got = r.recv_msg::<Msg>().unwrap();
        let big = t.join().unwrap().unwrap();
        assert_eq!(got, Some(big));
    }

    #[test]
    fn eof_mid_frame_is_none() {
        // Inside the header.
        let (r, w) = crate::sys::chan().unwrap();
        write_fd(w.fd(), &[9, 0]).unwrap();
        drop(w);
        assert_eq!(r.recv_msg::<Msg>().unwrap(), None);
        // Inside the body: 20 bytes announced, 5 sent.
        let (r, w) = crate::sys::chan().unwrap();
        let mut f = 20u32.to_le_bytes().to_vec();
        f.extend_from_slice(b"{\"Fai");
        write_fd(w.fd(), &f).unwrap();
        drop(w);
        assert_eq!(r.recv_msg::<Msg>().unwrap(), None);
    }

    #[test]
    fn an_oversized_frame_is_refused_not_allocated() {
        let (r, w) = crate::sys::chan().unwrap();
        write_fd(w.fd(), &u32::MAX.to_le_bytes()).unwrap();
        let e = r.recv_msg::<Msg>().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let (r, w) = crate::sys::chan().unwrap();
        write_fd(w.fd(), &((MAX_FRAME_BYTES + 1) as u32).to_le_bytes()).unwrap();
        assert!(r.recv_msg::<Msg>().is_err());
    }

    #[test]
    fn a_body_of_another_type_is_an_error() {
        let (r, w) = crate::sys::chan().unwrap();
        w.send_msg(&"not a Msg").unwrap();
        let e = r.recv_msg::<Msg>().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn try_recv_sees_empty_then_message_then_closed() {
        let (r, w) = crate::sys::chan().unwrap();
        assert_eq!(r.try_recv_msg::<Msg>().unwrap(), Polled::Empty);
        w.send_msg(&Msg::Failed(5)).unwrap();
        assert_eq!(
            r.try_recv_msg::<Msg>().unwrap(),
            Polled::Msg(Msg::Failed(5))
        );
        drop(w);
        assert_eq!(r.try_recv_msg::<Msg>().unwrap(), Polled::Closed);
    }

    #[test]
    fn a_small_frame_is_built_without_the_heap() {
        let mut f = FrameBuf::new();
        serde_json::to_writer(&mut f, &Msg::Times(vec![7; 100])).unwrap();
        assert!(f.heap.is_none());
        let mut f = FrameBuf::new();
        serde_json::to_writer(&mut f, &Msg::Times(vec![7; 300])).unwrap();
        assert!(f.heap.is_some());
        assert!(f.bytes_mut().len() <= libc::PIPE_BUF);
    }
}
