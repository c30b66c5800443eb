//! The child that maps the file and makes every access to it.
//!
//! A file can shrink under its mapping (another program truncates it): a
//! page wholly past the new end then raises SIGBUS on its next access, and
//! a process cannot resume after it. So memlab's own process never touches
//! the mapping: a forked child maps the file and does each access on cue,
//! reading its own counters (`/proc/self`, always readable, while the child
//! stays non-dumpable and so never writes a core) and answering on a pipe.
//! When it dies of SIGBUS the parent keeps every step measured so far.

use std::os::fd::{AsFd, BorrowedFd};

use anyhow::{Context, Result, bail};

use crate::probe::process::ProcHandle;
use crate::sys::{self, MapOptions, Region};

/// The commands the parent sends (first word; the second is an argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Cmd {
    /// Send `/proc/self/maps` (its bytes follow the reply).
    Maps = 1,
    /// mmap the file MAP_SHARED (argument 1: then MADV_RANDOM).
    Map = 2,
    /// Send the first `argument` bytes through the mapping.
    ReadHead = 3,
    /// Store HELLO at offset 0 through the mapping.
    WriteHello = 4,
    /// msync(MS_SYNC) the mapping.
    Msync = 5,
    /// munmap it.
    Unmap = 6,
    /// Read one byte of every page through the mapping.
    ReadAll = 7,
    /// Only the counters.
    Sample = 8,
    Bye = 9,
}

/// The child's answer: how the command went and its counters after it.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    /// 0, or the errno of the command's system call.
    pub errno: i32,
    /// The mapping's address (Map), or the length of the bytes that follow.
    pub word: u64,
    pub vsz_kib: u64,
    pub rss_kib: u64,
    pub minflt: u64,
    pub majflt: u64,
    /// Pages of the mapping in the page cache (mincore), when mapped.
    pub cached_pages: Option<u64>,
    /// The bytes of Maps and ReadHead.
    pub bytes: Vec<u8>,
}

const REPLY_WORDS: usize = 7;
const NONE: u64 = u64::MAX;
pub const HELLO: &[u8] = b"HELLO";

/// The parent's handle on the child.
pub struct Mapper {
    child: sys::Child,
    down: sys::Chan,
    up: sys::Chan,
}

/// How the child answered.
pub enum Answer {
    Reply(Reply),
    /// The pipe closed without an answer (it died) or memlab was
    /// interrupted while waiting: the caller tells which.
    Ended,
}

impl Cmd {
    fn of(word: u64) -> Option<Cmd> {
        [
            Cmd::Maps,
            Cmd::Map,
            Cmd::ReadHead,
            Cmd::WriteHello,
            Cmd::Msync,
            Cmd::Unmap,
            Cmd::ReadAll,
            Cmd::Sample,
        ]
        .into_iter()
        .find(|c| *c as u64 == word)
    }
}

impl Mapper {
    /// Fork the child that will map `len` bytes of `file` with `opts`.
    pub fn start(file: BorrowedFd<'_>, len: u64, opts: MapOptions) -> Result<Mapper> {
        let (down_r, down_w) = sys::chan()?;
        let (up_r, up_w) = sys::chan()?;
        let child = sys::fork_child(move || body(file, len, opts, &down_r, &up_w))?;
        Ok(Mapper {
            child,
            down: down_w,
            up: up_r,
        })
    }

    /// Send one command and read the answer.
    pub fn ask(&mut self, cmd: Cmd, arg: u64) -> Result<Answer> {
        if self.down.send(&[cmd as u64, arg]).is_err() {
            return Ok(Answer::Ended);
        }
        let Some(w) = self
            .up
            .recv(REPLY_WORDS)
            .with_context(|| crate::i18n::tr("filemap.err.from_child", &[]))?
        else {
            return Ok(Answer::Ended);
        };
        let mut reply = Reply {
            errno: w[0] as i32,
            word: w[1],
            vsz_kib: w[2],
            rss_kib: w[3],
            minflt: w[4],
            majflt: w[5],
            cached_pages: (w[6] != NONE).then_some(w[6]),
            bytes: Vec::new(),
        };
        if matches!(cmd, Cmd::Maps | Cmd::ReadHead) && reply.errno == 0 {
            let Some(b) = self.up.recv_bytes(reply.word as usize)? else {
                return Ok(Answer::Ended);
            };
            reply.bytes = b;
        }
        Ok(Answer::Reply(reply))
    }

    /// Like [`Mapper::ask`], but a failed system call is an error.
    pub fn ask_ok(&mut self, cmd: Cmd, arg: u64, what: &str) -> Result<Answer> {
        let a = self.ask(cmd, arg)?;
        if let Answer::Reply(r) = &a
            && r.errno != 0
        {
            bail!(crate::i18n::tr(
                "filemap.err.child_call",
                &[
                    ("step", what),
                    (
                        "error",
                        &std::io::Error::from_raw_os_error(r.errno).to_string()
                    ),
                ],
            ));
        }
        Ok(a)
    }

    /// How the child ended, once it stopped answering: `None` when memlab
    /// was interrupted (the child is then killed on drop).
    pub fn ended(&mut self) -> Result<Option<sys::ChildExit>> {
        if sys::interrupted() {
            return Ok(None);
        }
        self.child.wait()
    }

    /// Tell the child to leave and reap it.
    pub fn finish(mut self) -> Result<()> {
        let _ = self.down.send(&[Cmd::Bye as u64, 0]);
        self.child.wait()?;
        Ok(())
    }
}

/// The child's side: answer each command until Bye or a closed pipe.
fn body(file: BorrowedFd<'_>, len: u64, opts: MapOptions, down: &sys::Chan, up: &sys::Chan) -> i32 {
    let Ok(me) = ProcHandle::myself() else {
        return 1;
    };
    let mut region: Option<Region> = None;
    loop {
        let Ok(Some(m)) = down.recv(2) else { return 1 };
        let mut errno = 0;
        let mut word = 0;
        let mut bytes = Vec::new();
        let Some(cmd) = Cmd::of(m[0]) else { return 0 };
        match cmd {
            Cmd::Maps => {
                let mut text = String::with_capacity(1 << 16);
                match crate::probe::maps::read_into("self", &mut text) {
                    Ok(()) => bytes = text.into_bytes(),
                    Err(e) => errno = sys::errno_of(&e).unwrap_or(libc::EIO),
                }
            }
            Cmd::Map => match Region::file(len, opts, file.as_fd(), 0) {
                Ok(r) => {
                    if m[1] == 1
                        && let Err(e) = r.advise_random()
                    {
                        errno = sys::errno_of(&e).unwrap_or(libc::EINVAL);
                    }
                    word = r.addr();
                    region = Some(r);
                }
                Err(e) => errno = sys::errno_of(&e).unwrap_or(libc::EINVAL),
            },
            Cmd::ReadHead | Cmd::WriteHello | Cmd::Msync | Cmd::ReadAll => match &region {
                None => errno = libc::EINVAL,
                Some(r) => errno = access(r, cmd, m[1], len, &mut bytes),
            },
            Cmd::Unmap => region = None,
            Cmd::Sample | Cmd::Bye => {}
        }
        if matches!(cmd, Cmd::Maps | Cmd::ReadHead) {
            word = bytes.len() as u64;
        }
        let s = me.sample().unwrap_or_default();
        let cached = region
            .as_ref()
            .and_then(|r| r.resident_pages().ok())
            .unwrap_or(NONE);
        let head = [
            errno as u64,
            word,
            s.vsz_kib,
            s.rss_kib,
            s.minflt,
            s.majflt,
            cached,
        ];
        if up.send(&head).is_err() || sys::write_fd(up.fd(), &bytes).is_err() {
            return 1;
        }
    }
}

/// One access to the mapping (where SIGBUS may strike); 0 or an errno.
fn access(r: &Region, cmd: Cmd, arg: u64, len: u64, bytes: &mut Vec<u8>) -> i32 {
    match cmd {
        Cmd::ReadHead => *bytes = r.read_bytes(0, arg.min(len) as usize),
        Cmd::WriteHello => r.write_bytes(0, HELLO),
        Cmd::Msync => {
            if let Err(e) = r.sync() {
                return sys::errno_of(&e).unwrap_or(libc::EIO);
            }
        }
        _ => {
            r.read_range(0, len, sys::page_size());
        }
    }
    0
}
