//! The figures a system-memory check needs besides `free`'s columns (the
//! rule for system-wide claims): the meminfo lines that stand for other processes'
//! memory (`AnonPages`, `Shmem`, `Cached`), and a process's resident set split
//! into its anonymous part (what counts in `used`) and the rest, from one
//! reading of /proc/PID/statm.

use std::sync::OnceLock;

use anyhow::{Context, Result};

use super::ProcFile;
use super::meminfo::{MemInfo, parse_meminfo};

/// /proc/meminfo, kept open for this module's readings (see [`ProcFile`]).
static MEMINFO: OnceLock<Option<ProcFile>> = OnceLock::new();
const MEMINFO_BUF: usize = 8192;

/// One reading of /proc/meminfo: `free`'s columns and the lines that move
/// with every process's anonymous memory, tmpfs and page cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SysReading {
    pub mem: MemInfo,
    /// `AnonPages`: anonymous memory mapped by every process.
    pub anon_pages_kib: u64,
    /// `Shmem`: shared memory and tmpfs.
    pub shmem_kib: u64,
    /// `Cached`: the page cache (Shmem included).
    pub cached_kib: u64,
    /// `PageTables` + `KernelStack` + `SUnreclaim`: kernel memory that other
    /// processes make the kernel hold (in `used`, in no process's RSS).
    pub kernel_kib: u64,
}

impl SysReading {
    /// One reading, with a per-CPU free figure read separately
    /// ([`super::meminfo::pcp_free_kib`]).
    pub fn read_with_pcp(pcp_free_kib: u64) -> Result<SysReading> {
        let file = match MEMINFO.get_or_init(|| ProcFile::open("/proc/meminfo").ok()) {
            Some(f) => f,
            None => {
                return Err(ProcFile::open("/proc/meminfo").err().unwrap_or_else(|| {
                    anyhow::anyhow!(crate::i18n::tr(
                        "err.sys.first_open",
                        &[("path", "/proc/meminfo")]
                    ))
                }));
            }
        };
        let mut buf = [0u8; MEMINFO_BUF];
        Self::parse(file.read(&mut buf)?, pcp_free_kib)
            .with_context(|| crate::i18n::tr("err.sys.parsing", &[("path", "/proc/meminfo")]))
    }

    /// The pure half of [`SysReading::read_with_pcp`].
    pub fn parse(text: &str, pcp_free_kib: u64) -> Result<SysReading> {
        let f = parse_meminfo(text)?;
        let anon = text
            .lines()
            .find_map(|l| l.strip_prefix("AnonPages:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        Ok(SysReading {
            mem: MemInfo::from_fields(f, pcp_free_kib),
            anon_pages_kib: anon,
            shmem_kib: f.shmem,
            cached_kib: f.cached,
            kernel_kib: super::pagecache::kernel_kib(text),
        })
    }

    /// Every process's anonymous memory, tmpfs and page cache, and the
    /// kernel memory processes make the kernel hold (page tables, kernel
    /// stacks, unreclaimable slab): a signal of other processes' memory once
    /// memlab's own anonymous memory is taken out of it.
    pub fn anon_shmem_cached_kib(&self) -> u64 {
        self.anon_pages_kib + self.shmem_kib + self.cached_kib + self.kernel_kib
    }
}

/// /proc/PID/statm in KiB: the first three numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Statm {
    pub size_kib: u64,
    pub resident_kib: u64,
    /// Resident pages backed by a file or shared memory.
    pub shared_kib: u64,
}

impl Statm {
    /// The anonymous part of the resident set: what a process adds to the
    /// system's `used` (file pages count as cache).
    pub fn anon_kib(&self) -> u64 {
        self.resident_kib.saturating_sub(self.shared_kib)
    }

    /// Parse `size resident shared text lib data dt` (pages).
    pub fn parse(text: &str, page_kib: u64) -> Result<Statm> {
        let mut f = text.split_ascii_whitespace().map(|w| w.parse::<u64>());
        let mut next = |name: &str| -> Result<u64> {
            f.next()
                .with_context(|| crate::i18n::tr("err.sys.no_field", &[("name", name)]))?
                .with_context(|| crate::i18n::tr("err.sys.not_number", &[("name", name)]))
        };
        Ok(Statm {
            size_kib: next("size")? * page_kib,
            resident_kib: next("resident")? * page_kib,
            shared_kib: next("shared")? * page_kib,
        })
    }
}

/// /proc/PID/statm opened once, read at every sample.
pub struct StatmFile {
    file: ProcFile,
    page_kib: u64,
}

impl StatmFile {
    /// The file of `pid`, opened at the first read (see [`ProcFile::lazy`]).
    pub fn of(pid: i32) -> StatmFile {
        StatmFile {
            file: ProcFile::lazy(format!("/proc/{pid}/statm")),
            page_kib: crate::sys::page_size() / 1024,
        }
    }

    /// memlab's own.
    pub fn myself() -> StatmFile {
        Self::of(std::process::id() as i32)
    }

    pub fn read(&self) -> Result<Statm> {
        let mut buf = [0u8; 256];
        Statm::parse(self.file.read(&mut buf)?, self.page_kib)
            .with_context(|| crate::i18n::tr("err.sys.parsing", &[("path", self.file.path())]))
    }
}

/// The lines of /proc/PID/smaps_rollup (Linux 4.14+) a system check needs: a
/// page-table walk, so exact on every kernel, and too slow for every sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollupLines {
    pub rss_kib: u64,
    pub anon_huge_kib: u64,
    /// Dirty pages mapped by other processes too: after fork, the anonymous
    /// pages parent and child still share (counted in both RSS, once in
    /// meminfo's AnonPages).
    pub shared_dirty_kib: u64,
}

impl RollupLines {
    /// `None` on a kernel without smaps_rollup.
    pub fn read(pid: i32) -> Result<Option<RollupLines>> {
        let path = format!("/proc/{pid}/smaps_rollup");
        match std::fs::read_to_string(&path) {
            Ok(t) => Ok(Some(Self::parse(&t))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => {
                Err(e).with_context(|| crate::i18n::tr("err.sys.reading", &[("path", &path)]))
            }
        }
    }

    pub fn parse(text: &str) -> RollupLines {
        let get = |key: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        RollupLines {
            rss_kib: get("Rss"),
            anon_huge_kib: get("AnonHugePages"),
            shared_dirty_kib: get("Shared_Dirty"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statm_anon_is_resident_less_shared() {
        let s = Statm::parse("765 382 330 5 0 86 0\n", 4).unwrap();
        assert_eq!(
            (s.size_kib, s.resident_kib, s.shared_kib),
            (3060, 1528, 1320)
        );
        assert_eq!(s.anon_kib(), 208);
        assert!(Statm::parse("765 382", 4).is_err());
    }

    #[test]
    fn other_processes_lines_are_read() {
        let t = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 3 kB\nCached: 40 kB\nAnonPages: 500 kB\nShmem: 5 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n";
        let r = SysReading::parse(t, 0).unwrap();
        assert_eq!((r.anon_pages_kib, r.shmem_kib, r.cached_kib), (500, 5, 40));
        assert_eq!(r.anon_shmem_cached_kib(), 545);
        assert_eq!(r.mem.total_kib, 1000);
    }

    #[test]
    fn rollup_lines_are_read() {
        let t = "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:  1928 kB\nPss:  700 kB\nShared_Clean: 1200 kB\nShared_Dirty:  300 kB\nAnonHugePages: 2048 kB\n";
        let r = RollupLines::parse(t);
        assert_eq!(
            (r.rss_kib, r.anon_huge_kib, r.shared_dirty_kib),
            (1928, 2048, 300)
        );
    }

    #[test]
    fn readings_of_this_host() {
        let r = SysReading::read_with_pcp(0).unwrap();
        assert!(r.mem.total_kib > 0 && r.anon_pages_kib > 0);
        let me = StatmFile::myself().read().unwrap();
        assert!(me.resident_kib > 0 && me.anon_kib() <= me.resident_kib);
    }
}
