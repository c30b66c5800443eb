//! System memory with the lines that tell memlab's own memory apart from
//! other processes': `free`'s columns ([`MemInfo`]) plus `AnonPages`,
//! `Shmem` and `Cached` from /proc/meminfo, read together.
//!
//! The other-processes signal of a system-memory check (see
//! `crate::verdict`) is `AnonPages + Cached − memlab's own`: anonymous
//! memory and the page cache of every process, less what memlab's own
//! processes hold there (their PSS without the file-backed part, i.e. anon
//! and shmem). `Cached` already holds `Shmem` (tmpfs, MAP_SHARED anonymous
//! memory), so Shmem is recorded beside it but not added twice.

use anyhow::{Context, Result};
use serde::Serialize;

use super::meminfo::{MemInfo, parse_meminfo, pcp_free_kib};

/// One reading of /proc/meminfo (and the per-CPU free pages).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SysMem {
    pub mem: MemInfo,
    /// `AnonPages`: anonymous memory of every process.
    pub anon_pages_kib: u64,
    /// `Shmem`: shared memory and tmpfs (part of `Cached`).
    pub shmem_kib: u64,
    /// `Cached`: the page cache, Shmem included.
    pub cached_kib: u64,
}

impl SysMem {
    pub fn read() -> Result<SysMem> {
        let pcp = pcp_free_kib().unwrap_or(0);
        let text = std::fs::read_to_string("/proc/meminfo").context("reading /proc/meminfo")?;
        Self::parse(&text, pcp).context("parsing /proc/meminfo")
    }

    /// The pure half of [`SysMem::read`].
    pub fn parse(text: &str, pcp_free_kib: u64) -> Result<SysMem> {
        let f = parse_meminfo(text)?;
        let anon = text
            .lines()
            .find_map(|l| l.strip_prefix("AnonPages:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        Ok(SysMem {
            mem: MemInfo::from_fields(f, pcp_free_kib),
            anon_pages_kib: anon,
            shmem_kib: f.shmem,
            cached_kib: f.cached,
        })
    }

    /// Anonymous memory and page cache of every process, less `own_kib`
    /// (what memlab's own processes hold there): the other-processes signal.
    pub fn others_kib(&self, own_kib: u64) -> i64 {
        (self.anon_pages_kib + self.cached_kib) as i64 - own_kib as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn others_are_anon_and_cache_less_memlabs_own() {
        let text = "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 500 kB\nBuffers: 10 kB\n\
                    Cached: 300 kB\nSwapCached: 0 kB\nAnonPages: 400 kB\nShmem: 50 kB\n\
                    SReclaimable: 20 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n";
        let s = SysMem::parse(text, 4).unwrap();
        assert_eq!(
            (s.anon_pages_kib, s.shmem_kib, s.cached_kib),
            (400, 50, 300)
        );
        assert_eq!(s.mem.used_adj_kib, 1000 - 100 - 330 - 4);
        assert_eq!(s.others_kib(250), 450);
    }
}
