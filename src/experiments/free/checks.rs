//! free's checks: `MemAvailable` against the kernel's own definition, from
//! the figures each row recorded. A pure function of the rows, the page size
//! and the CPU count.

use anyhow::Result;

use super::{Measurements, Row};
use crate::experiments::{Judgement, Recorded};
use crate::probe::available;
use crate::report::{Check, Verdict};

/// One /proc/meminfo print reads each counter it shows once, and MemFree,
/// the file LRU and the reclaimable slab a second time for MemAvailable.
/// Between the two reads the kernel may fold into each global counter up to
/// one vmstat batch per CPU (`stat_threshold`, at most 125 pages): the
/// tolerance is that, for those three counters.
const VMSTAT_MAX_BATCH_PAGES: u64 = 125;
const COUNTERS_READ_TWICE: u64 = 3;

/// The figures the three checks compare, for one row; `None` where a field
/// they need is absent.
struct Bounds {
    available: Option<i64>,
    /// max(0, free - totalreserve): available is never below it.
    floor: Option<i64>,
    /// free + file LRU + reclaimable kernel memory: never above it.
    ceiling: Option<i64>,
    /// si_mem_available with the watermarks read before and after meminfo.
    formula: Option<(i64, i64)>,
}

fn bounds(row: &Row) -> Bounds {
    let free = row.free_kib;
    let pagecache = row
        .active_file_kib
        .zip(row.inactive_file_kib)
        .map(|(a, i)| a + i);
    let reclaimable = row.kreclaimable_kib.or(row.sreclaimable_kib);
    let formula = |tr: Option<u64>, low: Option<u64>| {
        let (tr, low, pc, rc) = (tr?, low?, pagecache?, reclaimable?);
        Some(available::kernel_available_kib(free, tr, pc, rc, low) as i64)
    };
    let before = formula(row.totalreserve_kib, row.zone_low_kib);
    let after = formula(row.totalreserve_after_kib, row.zone_low_after_kib).or(before);
    Bounds {
        available: row.mem_available_kib.map(|v| v as i64),
        floor: row
            .totalreserve_kib
            .map(|tr| (free as i64 - tr as i64).max(0)),
        ceiling: pagecache
            .zip(reclaimable)
            .map(|(pc, rc)| (free + pc + rc) as i64),
        formula: before.zip(after).map(|(a, b)| (a.min(b), a.max(b))),
    }
}

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    let m: Measurements = rec.measurements_as()?;
    let mut j = Judgement::default();
    j.summary("samples", rows.len());
    let Some(last) = rows.last() else {
        return Ok(j);
    };
    j.summary("total_kib", last.total_kib);
    j.summary("used_kib", last.used_kib);
    j.summary("available_kib", last.available_kib);
    j.summary("unavailable_kib", last.unavailable_kib);
    let tol = m.online_cpus.map(|c| {
        (c * COUNTERS_READ_TWICE * VMSTAT_MAX_BATCH_PAGES * rec.meta.page_size / 1024) as i64
    });
    let all: Vec<Bounds> = rows.iter().map(bounds).collect();
    j.summary("totalreserve_kib", last.totalreserve_kib);
    j.check(check_floor(&all, tol));
    j.check(check_ceiling(&all, tol));
    j.check(check_formula(&all, tol));
    Ok(j)
}

/// The sample that departs most from `lo..=hi` (or comes closest to leaving
/// it): (departure, value, lo, hi), the departure negative inside the range;
/// over the samples where every figure is present, `None` if there are none.
fn worst(
    all: &[Bounds],
    range: impl Fn(&Bounds) -> Option<(i64, i64, i64)>,
) -> Option<(i64, i64, i64, i64)> {
    all.iter()
        .filter_map(range)
        .map(|(v, lo, hi)| (lo.saturating_sub(v).max(v.saturating_sub(hi)), v, lo, hi))
        .max_by_key(|x| x.0)
}

fn verdict_of(out: i64, tol: i64) -> Verdict {
    if out <= tol {
        Verdict::Holds
    } else {
        Verdict::Fails
    }
}

const MISSING: &str = "a figure it needs is absent here (MemAvailable needs Linux 3.14, \
     /proc/zoneinfo and the file LRU lines of /proc/meminfo must be readable, \
     the CPU count must be known for the tolerance)";

fn check_floor(all: &[Bounds], tol: Option<i64>) -> Check {
    let name = "available_at_least_free_less_reserve";
    let claim = "available (実質的な空きメモリ) is free less what the kernel keeps in reserve for itself, plus what it can release: never below free - totalreserve";
    let expected = "MemAvailable ≥ max(0, MemFree - totalreserve) in every sample";
    let w = worst(all, |b| Some((b.available?, b.floor?, i64::MAX)));
    match (w, tol) {
        (Some((out, v, lo, _)), Some(tol)) => Check::with_verdict(
            name,
            claim,
            format!("{expected}, within {tol} KiB"),
            format!("MemAvailable {v} KiB vs free - totalreserve {lo} KiB (the closest sample)"),
            verdict_of(out, tol),
        )
        .value(v as f64, "KiB")
        .bounds(Some((lo - tol) as f64), None)
        .noise(tol as f64),
        _ => Check::inconclusive(name, claim, expected, MISSING),
    }
}

fn check_ceiling(all: &[Bounds], tol: Option<i64>) -> Check {
    let name = "available_at_most_free_plus_caches";
    let claim = "what available adds to free is released kernel memory: at most the page cache (file LRU) and the reclaimable kernel memory";
    let expected =
        "MemAvailable ≤ MemFree + Active(file) + Inactive(file) + KReclaimable in every sample";
    let w = worst(all, |b| Some((b.available?, i64::MIN, b.ceiling?)));
    match (w, tol) {
        (Some((out, v, _, hi)), Some(tol)) => Check::with_verdict(
            name,
            claim,
            format!("{expected}, within {tol} KiB"),
            format!("MemAvailable {v} KiB vs free + caches {hi} KiB (the closest sample)"),
            verdict_of(out, tol),
        )
        .value(v as f64, "KiB")
        .bounds(None, Some((hi + tol) as f64))
        .noise(tol as f64),
        _ => Check::inconclusive(name, claim, expected, MISSING),
    }
}

fn check_formula(all: &[Bounds], tol: Option<i64>) -> Check {
    let name = "available_is_the_kernels_estimate";
    let claim = "available = free - totalreserve + page cache and reclaimable kernel memory, each less what must stay (half of it, at most the low watermark)";
    let expected = "MemAvailable = si_mem_available(MemFree, totalreserve, file LRU, KReclaimable, Σ low watermarks) in every sample";
    let w = worst(all, |b| {
        let (lo, hi) = b.formula?;
        Some((b.available?, lo, hi))
    });
    match (w, tol) {
        (Some((out, v, lo, hi)), Some(tol)) => Check::with_verdict(
            name,
            claim,
            format!("{expected}, within {tol} KiB"),
            format!(
                "MemAvailable {v} KiB, the formula gives {} KiB (the farthest sample)",
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}..{hi}")
                }
            ),
            verdict_of(out, tol),
        )
        .value(v as f64, "KiB")
        .bounds(Some((lo - tol) as f64), Some((hi + tol) as f64))
        .noise(tol as f64),
        _ => Check::inconclusive(name, claim, expected, MISSING),
    }
}

#[cfg(test)]
mod tests;
