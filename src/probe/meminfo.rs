//! System memory as procps `free` computes it, from /proc/meminfo, plus the
//! free pages parked in per-CPU lists (/proc/zoneinfo) that `MemFree` misses.

use std::sync::OnceLock;

use anyhow::{Context, Result};
use procfs::Current;
use serde::Serialize;

use super::ProcFile;

/// /proc/meminfo and /proc/zoneinfo stay open for the life of memlab and are
/// re-read from offset 0 (see [`ProcFile`]): a sampler reads them every few
/// milliseconds. `None` when the first opening failed; the error is then
/// reported again at every reading.
fn kept_open(cell: &'static OnceLock<Option<ProcFile>>, path: &str) -> Result<&'static ProcFile> {
    match cell.get_or_init(|| ProcFile::open(path).ok()) {
        Some(f) => Ok(f),
        None => Err(ProcFile::open(path).err().unwrap_or_else(|| {
            anyhow::anyhow!(crate::i18n::tr("err.sys.first_open", &[("path", path)]))
        })),
    }
}
static MEMINFO: OnceLock<Option<ProcFile>> = OnceLock::new();
static ZONEINFO: OnceLock<Option<ProcFile>> = OnceLock::new();

/// /proc/meminfo is about 1.5 KiB (some 55 lines of at most ~30 bytes).
const MEMINFO_BUF: usize = 8192;

/// The columns of `free -k` (KiB), with the document's `used`.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct MemInfo {
    pub total_kib: u64,
    /// The document's `used` (procps before 4.0.1): total - free - buff/cache.
    pub used_kib: u64,
    pub free_kib: u64,
    pub shared_kib: u64,
    /// Buffers + Cached + SReclaimable, as procps counts "cache".
    pub buff_cache_kib: u64,
    pub available_kib: u64,
    /// total - available: what procps 4.0.1 and later print as `used`.
    pub unavailable_kib: u64,
    pub swap_total_kib: u64,
    pub swap_used_kib: u64,
    pub swap_free_kib: u64,
    /// Free pages in the per-CPU page lists (zoneinfo `count:` × page size).
    pub pcp_free_kib: u64,
    /// `used_kib - pcp_free_kib`: `used` without the per-CPU noise.
    pub used_adj_kib: u64,
}

impl MemInfo {
    /// One reading of /proc/meminfo and /proc/zoneinfo.
    pub fn read() -> Result<MemInfo> {
        Self::read_with_pcp(pcp_free_kib().unwrap_or(0))
    }

    /// One reading of /proc/meminfo, with a per-CPU free figure
    /// ([`pcp_free_kib`]) read separately: /proc/zoneinfo costs several times
    /// more than /proc/meminfo, so a fast sampler refreshes it less often.
    pub fn read_with_pcp(pcp: u64) -> Result<MemInfo> {
        let file = kept_open(&MEMINFO, "/proc/meminfo")?;
        let mut buf = [0u8; MEMINFO_BUF];
        let f = parse_meminfo(file.read(&mut buf)?)
            .with_context(|| crate::i18n::tr("err.sys.parsing", &[("path", "/proc/meminfo")]))?;
        Ok(Self::from_fields(f, pcp))
    }

    /// The arithmetic of procps `free`, kept pure so it can be tested.
    pub fn from_fields(f: Fields, pcp_free_kib: u64) -> MemInfo {
        let buff_cache = f.buffers + f.cached + f.s_reclaimable;
        // procps: used = total - free - buff/cache, or total - free if that
        // would go negative.
        let used = f
            .total
            .checked_sub(f.free + buff_cache)
            .unwrap_or(f.total.saturating_sub(f.free));
        // Kernels before 3.14 have no MemAvailable; procps then estimates it
        // as free (we do the same and it shows).
        let available = f.available.unwrap_or(f.free).min(f.total);
        MemInfo {
            total_kib: f.total,
            used_kib: used,
            free_kib: f.free,
            shared_kib: f.shmem,
            buff_cache_kib: buff_cache,
            available_kib: available,
            unavailable_kib: f.total - available,
            swap_total_kib: f.swap_total,
            swap_used_kib: f.swap_total.saturating_sub(f.swap_free),
            swap_free_kib: f.swap_free,
            pcp_free_kib,
            used_adj_kib: used.saturating_sub(pcp_free_kib),
        }
    }
}

/// Raw /proc/meminfo fields in KiB.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fields {
    pub total: u64,
    pub free: u64,
    pub available: Option<u64>,
    pub buffers: u64,
    pub cached: u64,
    pub s_reclaimable: u64,
    pub shmem: u64,
    pub swap_total: u64,
    pub swap_free: u64,
}

/// The lines of /proc/meminfo that `free` uses, in KiB; the others are
/// skipped without being parsed. `MemTotal`, `MemFree`, `Buffers`, `Cached`,
/// `SwapTotal` and `SwapFree` are in every kernel; the rest may be missing
/// on old ones.
pub fn parse_meminfo(text: &str) -> Result<Fields> {
    let mut f = Fields::default();
    let mut seen = 0u8;
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let slot = match key {
            "MemTotal" => &mut f.total,
            "MemFree" => &mut f.free,
            "Buffers" => &mut f.buffers,
            "Cached" => &mut f.cached,
            "SReclaimable" => &mut f.s_reclaimable,
            "Shmem" => &mut f.shmem,
            "SwapTotal" => &mut f.swap_total,
            "SwapFree" => &mut f.swap_free,
            "MemAvailable" => {
                f.available = Some(parse_kib(key, rest)?);
                continue;
            }
            _ => continue,
        };
        *slot = parse_kib(key, rest)?;
        if matches!(
            key,
            "MemTotal" | "MemFree" | "Buffers" | "Cached" | "SwapTotal" | "SwapFree"
        ) {
            seen += 1;
        }
    }
    if seen < 6 {
        anyhow::bail!(crate::i18n::tr("err.sys.meminfo_lines", &[]));
    }
    Ok(f)
}

/// `      123456 kB` → 123456.
fn parse_kib(key: &str, rest: &str) -> Result<u64> {
    rest.trim()
        .trim_end_matches("kB")
        .trim_end()
        .parse()
        .with_context(|| {
            crate::i18n::tr(
                "err.sys.kb",
                &[("key", key), ("value", &format!("{:?}", rest.trim()))],
            )
        })
}

/// Free pages held in the per-CPU page lists, in KiB.
pub fn pcp_free_kib() -> Option<u64> {
    let file = kept_open(&ZONEINFO, "/proc/zoneinfo").ok()?;
    // The text grows with the number of CPUs and zones; 16 KiB covers a
    // small machine without growing.
    let mut buf = Vec::with_capacity(16 << 10);
    let text = file.read_vec(&mut buf).ok()?;
    Some(parse_pcp_pages(text) * crate::sys::page_size() / 1024)
}

/// Sum the `count:` lines of the `pagesets` sections of /proc/zoneinfo.
pub fn parse_pcp_pages(zoneinfo: &str) -> u64 {
    zoneinfo
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("count:"))
        .filter_map(|v| v.trim().parse::<u64>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_is_total_minus_free_minus_buff_cache() {
        // The document's `free` output.
        let f = Fields {
            total: 1014672,
            free: 70996,
            available: Some(100876),
            buffers: 0,
            cached: 201872,
            s_reclaimable: 0,
            shmem: 15636,
            swap_total: 1048572,
            swap_free: 1021568,
        };
        let m = MemInfo::from_fields(f, 0);
        assert_eq!(m.used_kib, 741804);
        assert_eq!(m.buff_cache_kib, 201872);
        assert_eq!(m.unavailable_kib, 1014672 - 100876);
        assert_eq!(m.swap_used_kib, 27004);
    }

    #[test]
    fn used_never_goes_negative() {
        let f = Fields {
            total: 100,
            free: 60,
            available: Some(90),
            cached: 80,
            ..Fields::default()
        };
        assert_eq!(MemInfo::from_fields(f, 0).used_kib, 40);
    }

    #[test]
    fn meminfo_lines_are_parsed() {
        let t = "MemTotal:       24567000 kB\nMemFree:          100 kB\nMemAvailable:    2000 kB\nBuffers:  3 kB\nCached: 40 kB\nSwapCached: 9 kB\nShmem: 5 kB\nSReclaimable: 6 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\nHugePages_Total:       0\n";
        let f = parse_meminfo(t).unwrap();
        assert_eq!(
            (
                f.total,
                f.free,
                f.available,
                f.buffers,
                f.cached,
                f.shmem,
                f.s_reclaimable
            ),
            (24567000, 100, Some(2000), 3, 40, 5, 6)
        );
        assert!(parse_meminfo("MemTotal: 1 kB\n").is_err());
    }

    #[test]
    fn meminfo_agrees_with_procfs() {
        let ours = parse_meminfo(&std::fs::read_to_string("/proc/meminfo").unwrap()).unwrap();
        let theirs = procfs::Meminfo::current().unwrap();
        assert_eq!(ours.total, theirs.mem_total / 1024);
        assert_eq!(ours.swap_total, theirs.swap_total / 1024);
        // A second reading through the kept-open file.
        let again = MemInfo::read_with_pcp(0).unwrap();
        assert_eq!(again.total_kib, ours.total);
    }

    #[test]
    fn pcp_counts_are_summed() {
        let z = "Node 0, zone DMA32\n  pagesets\n    cpu: 0\n              count:    12\n              high:     0\n    cpu: 1\n              count: 30\n";
        assert_eq!(parse_pcp_pages(z), 42);
    }

    proptest::proptest! {
        #[test]
        fn zoneinfo_parser_never_panics(z in "\\PC{0,200}") {
            let _ = parse_pcp_pages(&z);
            let _ = parse_meminfo(&z);
        }

        #[test]
        fn free_columns_add_up(total in 1u64..1<<40, free_pct in 0u64..100, cache_pct in 0u64..100,
                               avail_pct in 0u64..=100) {
            let free = total * free_pct / 100;
            let cached = (total - free) * cache_pct / 100;
            let f = Fields { total, free, available: Some(total * avail_pct / 100), cached, ..Fields::default() };
            let m = MemInfo::from_fields(f, 0);
            proptest::prop_assert_eq!(m.used_kib + m.free_kib + m.buff_cache_kib, total);
            proptest::prop_assert_eq!(m.unavailable_kib + m.available_kib, total);
        }
    }
}

/// The lines of /proc/meminfo about page tables and the hugetlbfs pool, read
/// once (the page-table and hugepage experiments).
#[derive(Clone, Copy, Debug, Default, serde::Serialize, PartialEq, Eq)]
pub struct HugeAndTables {
    /// `PageTables`: page tables of every process together.
    pub page_tables_kib: u64,
    pub hugepages_total: u64,
    /// `HugePages_Free`: reserved hugetlbfs pages nobody holds yet.
    pub hugepages_free: u64,
    /// `Hugepagesize`: the default huge page size.
    pub hugepage_size_kib: u64,
}

impl HugeAndTables {
    pub fn read() -> Result<HugeAndTables> {
        let m = procfs::Meminfo::current()
            .with_context(|| crate::i18n::tr("err.sys.reading", &[("path", "/proc/meminfo")]))?;
        Ok(HugeAndTables {
            page_tables_kib: m.page_tables.unwrap_or(0) / 1024,
            hugepages_total: m.hugepages_total.unwrap_or(0),
            hugepages_free: m.hugepages_free.unwrap_or(0),
            hugepage_size_kib: m.hugepagesize.unwrap_or(2 << 20) / 1024,
        })
    }
}
