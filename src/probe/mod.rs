//! Read-only views of the kernel, typed once. Nothing here changes the host.

pub mod available;
pub mod cgroup;
pub mod fs;
pub mod host;
pub mod maps;
pub mod meminfo;
pub mod pagecache;
pub mod pagemap;
pub mod process;
pub mod swaps;
pub mod sysmem;
pub mod vmstat;

use std::fs::File;
use std::os::unix::fs::FileExt;

use anyhow::{Context, Result};

/// Read a file holding one integer (a sysctl, a cgroup limit).
pub fn read_u64(path: impl AsRef<std::path::Path>) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// A /proc file opened once and read again and again from offset 0.
///
/// Most /proc files are seq files: the kernel builds their text afresh on
/// every read that starts at offset 0, so `pread(fd, buf, 0)` on a descriptor
/// kept open gives a new reading each time. That saves the path walk, the
/// open and the close of each reading (three of the four system calls), and
/// keeps the file's kernel objects warm between samples. A descriptor on
/// /proc/PID/... also stays bound to that process: once it has been reaped,
/// reads fail with ESRCH even if the pid is reused.
#[derive(Debug)]
pub struct ProcFile {
    path: String,
    file: std::sync::OnceLock<File>,
}

impl ProcFile {
    /// Open `path` now.
    pub fn open(path: impl Into<String>) -> Result<ProcFile> {
        let f = Self::lazy(path);
        f.file()?;
        Ok(f)
    }

    /// Open `path` at the first read. A handle on a child's files is made
    /// right after fork, before the child may have made itself readable
    /// (with `hidepid`, a non-dumpable process's files cannot be opened).
    pub fn lazy(path: impl Into<String>) -> ProcFile {
        ProcFile {
            path: path.into(),
            file: std::sync::OnceLock::new(),
        }
    }

    fn file(&self) -> Result<&File> {
        if let Some(f) = self.file.get() {
            return Ok(f);
        }
        let f = File::open(&self.path)
            .with_context(|| crate::i18n::tr("err.sys.opening", &[("path", &self.path)]))?;
        Ok(self.file.get_or_init(|| f))
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// Read the whole file into `buf` (a stack buffer: no allocation) and
    /// return the text. Fails if the file does not fit.
    pub fn read<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str> {
        let mut n = 0;
        loop {
            if n == buf.len() {
                anyhow::bail!(crate::i18n::tr(
                    "err.sys.too_long",
                    &[("path", &self.path), ("n", &buf.len().to_string())]
                ));
            }
            let got = self
                .file()?
                .read_at(&mut buf[n..], n as u64)
                .with_context(|| crate::i18n::tr("err.sys.reading", &[("path", &self.path)]))?;
            if got == 0 {
                break;
            }
            n += got;
        }
        std::str::from_utf8(&buf[..n])
            .with_context(|| crate::i18n::tr("err.sys.not_utf8", &[("path", &self.path)]))
    }

    /// Read the whole file into a growable buffer (for files whose length
    /// depends on the machine, such as /proc/zoneinfo).
    pub fn read_vec<'b>(&self, buf: &'b mut Vec<u8>) -> Result<&'b str> {
        buf.clear();
        loop {
            if buf.capacity() - buf.len() < 4096 {
                buf.reserve(buf.capacity().max(4096));
            }
            let n = buf.len();
            buf.resize(buf.capacity(), 0);
            let got = self
                .file()?
                .read_at(&mut buf[n..], n as u64)
                .with_context(|| crate::i18n::tr("err.sys.reading", &[("path", &self.path)]))?;
            buf.truncate(n + got);
            if got == 0 {
                break;
            }
        }
        std::str::from_utf8(buf)
            .with_context(|| crate::i18n::tr("err.sys.not_utf8", &[("path", &self.path)]))
    }
}
