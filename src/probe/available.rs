//! What the kernel's `MemAvailable` is made of: the zone watermarks and
//! lowmem reserves of /proc/zoneinfo, and the page-cache and reclaimable
//! kernel-memory lines of /proc/meminfo.
//!
//! `si_mem_available()` (mm/show_mem.c, unchanged in shape since 3.14):
//!
//! ```text
//! available = MemFree - totalreserve_pages
//!           + pagecache   - min(pagecache / 2,   wmark_low)
//!           + reclaimable - min(reclaimable / 2, wmark_low)      (≥ 0)
//! pagecache   = Active(file) + Inactive(file)
//! reclaimable = KReclaimable (SReclaimable before 4.20)
//! wmark_low   = Σ over zones of the low watermark (boost included)
//! totalreserve_pages = Σ over zones of min(managed,
//!                      high watermark + max lowmem_reserve)
//! ```
//!
//! `totalreserve_pages` is set when the watermarks are (boot, sysctl,
//! hotplug), without the transient `watermark_boost`; /proc/zoneinfo's `high`
//! and `low` include the boost, so the boost is taken off `high` here.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// One zone of /proc/zoneinfo, in pages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Zone {
    pub name: String,
    pub boost: u64,
    pub low: u64,
    pub high: u64,
    pub managed: u64,
    /// `protection:`: the zone's lowmem_reserve array.
    pub protection: Vec<u64>,
}

/// The zoneinfo figures `MemAvailable` uses, summed over zones, in pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermarks {
    /// The kernel's `totalreserve_pages`.
    pub totalreserve: u64,
    /// Σ low watermarks (boost included): `wmark_low` of si_mem_available.
    pub low: u64,
    /// Σ high watermarks without boost.
    pub high: u64,
    /// Σ over zones of the largest lowmem reserve.
    pub lowmem_reserve: u64,
}

/// The zones of /proc/zoneinfo. Only each zone's own header lines are read
/// (up to its `protection:` line): the per-CPU `pagesets` that follow also
/// have `high:` lines, which are not watermarks.
pub fn parse_zones(text: &str) -> Vec<Zone> {
    let mut zones: Vec<Zone> = Vec::new();
    let mut in_head = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Node ") {
            let name = rest.rsplit("zone").next().unwrap_or("").trim();
            zones.push(Zone {
                name: name.to_string(),
                ..Zone::default()
            });
            in_head = true;
            continue;
        }
        let (true, Some(z)) = (in_head, zones.last_mut()) else {
            continue;
        };
        let t = line.trim();
        if let Some(p) = t.strip_prefix("protection:") {
            z.protection = p
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .filter_map(|v| v.trim().parse().ok())
                .collect();
            in_head = false;
            continue;
        }
        let mut it = t.split_whitespace();
        let (key, val) = match (it.next(), it.next(), it.next()) {
            // "pages free     3840"
            (Some("pages"), Some(_), _) => continue,
            (Some(k), Some(v), None) => (k, v),
            _ => continue,
        };
        let Ok(v) = val.parse::<u64>() else { continue };
        match key {
            "boost" => z.boost = v,
            "low" => z.low = v,
            "high" => z.high = v,
            "managed" => z.managed = v,
            _ => {}
        }
    }
    zones
}

/// The sums `si_mem_available` uses.
pub fn watermarks(zones: &[Zone]) -> Watermarks {
    let mut w = Watermarks::default();
    for z in zones {
        let high = z.high.saturating_sub(z.boost);
        let reserve = z.protection.iter().copied().max().unwrap_or(0);
        w.totalreserve += (high + reserve).min(z.managed);
        w.low += z.low;
        w.high += high;
        w.lowmem_reserve += reserve;
    }
    w
}

/// The /proc/meminfo lines `MemAvailable` is built from, in KiB (`None`
/// where this kernel has no such line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailableInputs {
    pub mem_available: Option<u64>,
    pub active_file: Option<u64>,
    pub inactive_file: Option<u64>,
    pub k_reclaimable: Option<u64>,
    pub s_reclaimable: Option<u64>,
}

pub fn parse_inputs(meminfo: &str) -> AvailableInputs {
    let mut a = AvailableInputs::default();
    for line in meminfo.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let v = rest.trim().trim_end_matches("kB").trim().parse().ok();
        match key {
            "MemAvailable" => a.mem_available = v,
            "Active(file)" => a.active_file = v,
            "Inactive(file)" => a.inactive_file = v,
            "KReclaimable" => a.k_reclaimable = v,
            "SReclaimable" => a.s_reclaimable = v,
            _ => {}
        }
    }
    a
}

/// `si_mem_available()` in KiB, from its inputs in KiB.
pub fn kernel_available_kib(
    free_kib: u64,
    totalreserve_kib: u64,
    pagecache_kib: u64,
    reclaimable_kib: u64,
    wmark_low_kib: u64,
) -> u64 {
    let pc = pagecache_kib - (pagecache_kib / 2).min(wmark_low_kib);
    let rc = reclaimable_kib - (reclaimable_kib / 2).min(wmark_low_kib);
    (free_kib as i64 - totalreserve_kib as i64 + pc as i64 + rc as i64).max(0) as u64
}

/// The zone figures now, in pages.
pub fn read_watermarks() -> Result<(Watermarks, String)> {
    let text = std::fs::read_to_string("/proc/zoneinfo")
        .with_context(|| crate::i18n::tr("err.sys.reading", &[("path", "/proc/zoneinfo")]))?;
    Ok((watermarks(&parse_zones(&text)), text))
}

/// CPUs online (`/sys/devices/system/cpu/online`, e.g. "0-1,4"), or `None`.
pub fn online_cpus() -> Option<u64> {
    let t = std::fs::read_to_string("/sys/devices/system/cpu/online").ok()?;
    parse_cpu_list(&t)
}

pub fn parse_cpu_list(t: &str) -> Option<u64> {
    let mut n = 0;
    for part in t.trim().split(',').filter(|p| !p.is_empty()) {
        n += match part.split_once('-') {
            Some((a, b)) => b.parse::<u64>().ok()? - a.parse::<u64>().ok()? + 1,
            None => {
                part.parse::<u64>().ok()?;
                1
            }
        };
    }
    (n > 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// /proc/zoneinfo of this 2-CPU VM (6.18), cut to the lines that matter
    /// plus one pageset, whose `high:` must not be taken for a watermark.
    const ZONEINFO: &str = "Node 0, zone      DMA
  pages free     3840
        boost    0
        min      18
        low      22
        high     26
        promo    30
        spanned  4095
        present  3998
        managed  3840
        cma      0
        protection: (0, 3019, 13643, 13643, 13643)
      nr_free_pages 3840
  pagesets
    cpu: 0
              count:    0
              high:     0
Node 0, zone    DMA32
  pages free     772917
        boost    0
        min      3734
        low      4667
        high     5600
        managed  772917
        protection: (0, 0, 10624, 10624, 10624)
              high:     2333
Node 0, zone   Normal
  pages free     348095
        boost    100
        min      13142
        low      16527
        high     19812
        managed  2719744
        protection: (0, 0, 0, 0, 0)
              high:     74781
Node 0, zone  Movable
  pages free     0
        boost    0
        min      32
        low      32
        high     32
        managed  0
        protection: (0, 0, 0, 0, 0)
";

    #[test]
    fn totalreserve_is_high_plus_largest_reserve_capped_by_managed() {
        let z = parse_zones(ZONEINFO);
        assert_eq!(z.len(), 4);
        assert_eq!(z[0].name, "DMA");
        assert_eq!(z[0].protection, vec![0, 3019, 13643, 13643, 13643]);
        let w = watermarks(&z);
        // DMA: min(3840, 26 + 13643); DMA32: 5600 + 10624; Normal: 19812 -
        // boost 100; Movable: min(0, 32).
        assert_eq!(w.totalreserve, 3840 + 16224 + 19712);
        assert_eq!(w.low, 22 + 4667 + 16527 + 32);
        assert_eq!(w.high, 26 + 5600 + 19712 + 32);
        assert_eq!(w.lowmem_reserve, 13643 + 10624);
    }

    #[test]
    fn the_formula_gives_this_hosts_memavailable() {
        // A real reading of this VM: MemAvailable 23012080 kB.
        let total_reserve = 39776 * 4;
        let low = 21148 * 4;
        assert_eq!(
            kernel_available_kib(15197444, total_reserve, 2672084 + 5129084, 341756, low),
            23012080
        );
        // Little page cache: available is below free.
        assert!(kernel_available_kib(1_000_000, 160_000, 20_000, 8_000, 84_000) < 1_000_000);
        // Never negative.
        assert_eq!(kernel_available_kib(10, 160_000, 0, 0, 84_000), 0);
    }

    #[test]
    fn meminfo_inputs_are_parsed_and_may_be_missing() {
        let a = parse_inputs(
            "MemFree: 5 kB\nMemAvailable: 9 kB\nActive(file): 2 kB\nInactive(file): 3 kB\nSReclaimable: 4 kB\n",
        );
        assert_eq!(a.mem_available, Some(9));
        assert_eq!((a.active_file, a.inactive_file), (Some(2), Some(3)));
        assert_eq!((a.k_reclaimable, a.s_reclaimable), (None, Some(4)));
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0-1\n"), Some(2));
        assert_eq!(parse_cpu_list("0,2-3,8"), Some(4));
        assert_eq!(parse_cpu_list(""), None);
        assert_eq!(parse_cpu_list("x"), None);
    }

    #[test]
    fn this_hosts_zoneinfo_parses() {
        let Ok((w, _)) = read_watermarks() else {
            return;
        };
        assert!(w.totalreserve > 0 && w.low > 0);
    }
}
