//! What the page cache experiment reads besides `free`'s columns: the
//! meminfo lines that tell memlab's file apart from other processes' memory,
//! the kernel's low watermarks (MemAvailable's rule), host-wide reclaim,
//! this process's device reads, and whether `mincore` can see a file's cache.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{Context, Result};

use super::meminfo::{MemInfo, parse_meminfo, pcp_free_kib};

/// One reading of /proc/meminfo: `free`'s columns and the extra lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheReading {
    pub mem: MemInfo,
    /// `AnonPages`: anonymous memory of every process.
    pub anon_pages_kib: u64,
    /// `Shmem`: shared memory and tmpfs (counted inside `Cached` too).
    pub shmem_kib: u64,
    /// `Cached`: the page cache (Shmem included, Buffers not).
    pub cached_kib: u64,
    /// `Active(file)` + `Inactive(file)`: what MemAvailable calls page cache.
    pub file_lru_kib: u64,
    /// `PageTables` + `KernelStack` + `SUnreclaim` ([`kernel_kib`]).
    pub kernel_kib: u64,
}

/// `PageTables` + `KernelStack` + `SUnreclaim` of a /proc/meminfo text:
/// kernel memory that processes make the kernel hold. It is in `used` and
/// in no process's RSS, so a signal of other processes' memory includes it:
/// a run of other processes moved the residual by 17.8 MiB here while their
/// anonymous memory and page cache moved by only 4.7 MiB.
pub fn kernel_kib(text: &str) -> u64 {
    ["PageTables", "KernelStack", "SUnreclaim"]
        .iter()
        .map(|key| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum()
}

impl CacheReading {
    /// One reading of /proc/meminfo and the per-CPU free pages.
    pub fn read() -> Result<CacheReading> {
        let pcp = pcp_free_kib().unwrap_or(0);
        let text = std::fs::read_to_string("/proc/meminfo")
            .with_context(|| crate::i18n::tr("err.sys.reading", &[("path", "/proc/meminfo")]))?;
        Self::parse(&text, pcp)
            .with_context(|| crate::i18n::tr("err.sys.parsing", &[("path", "/proc/meminfo")]))
    }

    /// The other-processes signal of a system-memory check (see
    /// src/verdict.rs): anonymous memory and page cache of every process
    /// (`AnonPages + Cached`; `Cached` already holds `Shmem`) and the kernel
    /// memory processes cause ([`kernel_kib`]), less `own_kib`,
    /// what memlab's own processes hold there (their PSS without the
    /// file-backed part).
    pub fn others_kib(&self, own_kib: u64) -> i64 {
        (self.anon_pages_kib + self.cached_kib + self.kernel_kib) as i64 - own_kib as i64
    }

    /// The pure half of [`CacheReading::read`].
    pub fn parse(text: &str, pcp_free_kib: u64) -> Result<CacheReading> {
        let f = parse_meminfo(text)?;
        let get = |key: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        Ok(CacheReading {
            mem: MemInfo::from_fields(f, pcp_free_kib),
            anon_pages_kib: get("AnonPages"),
            shmem_kib: f.shmem,
            cached_kib: f.cached,
            file_lru_kib: get("Active(file)") + get("Inactive(file)"),
            kernel_kib: kernel_kib(text),
        })
    }
}

/// The sum of every zone's low watermark, in KiB (/proc/zoneinfo `low`
/// lines). MemAvailable counts the page cache less min(cache / 2, this).
pub fn low_watermark_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/zoneinfo").ok()?;
    Some(parse_low_pages(&text) * crate::sys::page_size() / 1024)
}

/// Sum the `low` watermark lines of /proc/zoneinfo (pages).
pub fn parse_low_pages(zoneinfo: &str) -> u64 {
    zoneinfo
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("low")).then(|| w.next()?.parse::<u64>().ok())?
        })
        .sum()
}

/// Host-wide counters of /proc/vmstat that tell how pages enter and leave
/// the page cache, whoever causes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmCounters {
    /// `pgpgin`: KiB read from block devices since boot (every process).
    pub pgpgin_kib: u64,
    /// `nr_dirtied`: pages dirtied since boot (file writes entering the cache).
    pub nr_dirtied: u64,
    /// `pgsteal_*`: pages reclaimed since boot (cache evicted under pressure).
    pub pgsteal: u64,
}

impl VmCounters {
    pub fn read() -> Option<VmCounters> {
        Some(Self::parse(&std::fs::read_to_string("/proc/vmstat").ok()?))
    }

    pub fn parse(vmstat: &str) -> VmCounters {
        let mut c = VmCounters::default();
        for l in vmstat.lines() {
            let mut w = l.split_whitespace();
            let (Some(k), Some(v)) = (w.next(), w.next().and_then(|v| v.parse::<u64>().ok()))
            else {
                continue;
            };
            match k {
                "pgpgin" => c.pgpgin_kib = v,
                "nr_dirtied" => c.nr_dirtied = v,
                _ if k.starts_with("pgsteal_") => c.pgsteal += v,
                _ => {}
            }
        }
        c
    }
}

/// Bytes this process caused to be read from storage (/proc/self/io
/// `read_bytes`); `None` on a kernel without I/O accounting.
pub fn self_read_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/io").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("read_bytes:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Whether `mincore` tells this process the truth about `path`'s page
/// cache. Since Linux 5.0 a file mapping's residency is shown only to a
/// caller that owns the file, has CAP_FOWNER, or may open it for writing;
/// anyone else is told that every page is resident (a side channel closed).
pub fn mincore_sees(path: &Path) -> Result<bool> {
    let md = std::fs::metadata(path).with_context(|| {
        crate::i18n::tr("err.sys.reading", &[("path", &path.display().to_string())])
    })?;
    if md.uid() == nix::unistd::geteuid().as_raw() || has_cap_fowner() {
        return Ok(true);
    }
    Ok(nix::unistd::faccessat(
        None,
        path,
        nix::unistd::AccessFlags::W_OK,
        nix::fcntl::AtFlags::AT_EACCESS,
    )
    .is_ok())
}

/// CAP_FOWNER (bit 3) in this process's effective capabilities.
fn has_cap_fowner() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .is_some_and(|caps| caps & (1 << 3) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMINFO: &str = "MemTotal:       24684092 kB\nMemFree:        21724448 kB\n\
        MemAvailable:   24090420 kB\nBuffers:            5392 kB\nCached:          2531888 kB\n\
        SwapCached:            0 kB\nActive(file):    1000000 kB\nInactive(file):  1400000 kB\n\
        SwapTotal:             0 kB\nSwapFree:              0 kB\nAnonPages:        207056 kB\n\
        Shmem:              8856 kB\nSReclaimable:     102872 kB\n";

    #[test]
    fn reading_takes_the_extra_lines() {
        let r = CacheReading::parse(MEMINFO, 100).unwrap();
        assert_eq!(r.anon_pages_kib, 207_056);
        assert_eq!(r.shmem_kib, 8856);
        assert_eq!(r.cached_kib, 2_531_888);
        assert_eq!(r.file_lru_kib, 2_400_000);
        assert_eq!(r.mem.buff_cache_kib, 5392 + 2_531_888 + 102_872);
        assert_eq!(r.mem.pcp_free_kib, 100);
    }

    #[test]
    fn kernel_memory_of_processes_is_summed() {
        let t = "PageTables: 1000 kB\nKernelStack: 20 kB\nSUnreclaim: 300 kB\nSReclaimable: 7 kB\n";
        assert_eq!(kernel_kib(t), 1320);
        assert_eq!(kernel_kib("MemTotal: 5 kB\n"), 0);
    }

    #[test]
    fn others_are_anon_and_cache_less_memlabs_own() {
        let r = CacheReading::parse(MEMINFO, 0).unwrap();
        assert_eq!(r.others_kib(7056), 200_000 + 2_531_888);
    }

    #[test]
    fn low_watermarks_and_vmstat_counters_are_read() {
        let z = "Node 0, zone DMA\n  pages free 3\n        min      30\n        low      50\n        high     70\n\
                 Node 0, zone Normal\n        low      10227\n  lowmem_reserve\n";
        assert_eq!(parse_low_pages(z), 10_277);
        let v = "pgpgin 4096\nnr_dirtied 7\npgsteal_kswapd 10\npgsteal_direct 5\n\
                 pgsteal_khugepaged 1\npgscan_kswapd 99\n";
        let c = VmCounters::parse(v);
        assert_eq!((c.pgpgin_kib, c.nr_dirtied, c.pgsteal), (4096, 7, 16));
    }
}
