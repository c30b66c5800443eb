//! free's checks: `MemAvailable` against the kernel's own definition, from
//! the figures each row recorded. A pure function of what the run recorded:
//! the page size, the CPU count, and the sample farthest from each bound.
//!
//! `free --watch` may take any number of samples, and they stream to the
//! outputs as they are taken (`output::stream`): the run folds each row into
//! [`Online`] (the sample count, the last row, the worst sample of each
//! check) and records that in `measurements.online`, so the checks need no
//! full row list. A JSON without it (written before streaming) is judged by
//! folding its rows the same way.

use anyhow::Result;
use serde::{Deserialize, Serialize};

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

/// The sample that departs most from a check's range `lo..=hi` (or comes
/// closest to leaving it); the departure is negative inside the range.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Worst {
    pub departure_kib: i64,
    pub available_kib: i64,
    pub lo_kib: Option<i64>,
    pub hi_kib: Option<i64>,
    /// When that sample was taken (`--watch`).
    pub t_s: Option<f64>,
}

/// What the checks need of all the samples, folded as they are taken.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Online {
    pub samples: u64,
    pub last: Option<Row>,
    /// `available_at_least_free_less_reserve`: MemAvailable against
    /// max(0, free - totalreserve).
    pub floor: Option<Worst>,
    /// `available_at_most_free_plus_caches`: against free + caches.
    pub ceiling: Option<Worst>,
    /// `available_is_the_kernels_estimate`: against the formula.
    pub formula: Option<Worst>,
}

impl Online {
    pub fn push(&mut self, row: &Row) {
        let b = bounds(row);
        let t = row.t_s;
        fold(
            &mut self.floor,
            t,
            b.available.zip(b.floor).map(|(v, lo)| (v, Some(lo), None)),
        );
        fold(
            &mut self.ceiling,
            t,
            b.available
                .zip(b.ceiling)
                .map(|(v, hi)| (v, None, Some(hi))),
        );
        fold(
            &mut self.formula,
            t,
            b.available
                .zip(b.formula)
                .map(|(v, (lo, hi))| (v, Some(lo), Some(hi))),
        );
        self.samples += 1;
        self.last = Some(row.clone());
    }
}

/// Keep the sample that departs most; on a tie the later one.
fn fold(worst: &mut Option<Worst>, t_s: Option<f64>, x: Option<(i64, Option<i64>, Option<i64>)>) {
    let Some((v, lo, hi)) = x else { return };
    let below = lo.map_or(i64::MIN, |lo| lo.saturating_sub(v));
    let above = hi.map_or(i64::MIN, |hi| v.saturating_sub(hi));
    let d = below.max(above);
    if worst.is_none_or(|w| d >= w.departure_kib) {
        *worst = Some(Worst {
            departure_kib: d,
            available_kib: v,
            lo_kib: lo,
            hi_kib: hi,
            t_s,
        });
    }
}

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
    let m: Measurements = rec.measurements_as()?;
    // A file holds every row its run took: folded again from them, so that
    // what is in the file is what is judged. The run's own report keeps a
    // selection of rows, and the figures it folded as they came.
    let online = match m.online {
        Some(o) if o.samples != rec.rows.len() as u64 => o,
        _ => {
            let mut o = Online::default();
            for row in rec.rows_as::<Row>()? {
                o.push(&row);
            }
            o
        }
    };
    let mut j = Judgement::default();
    j.summary("samples", online.samples);
    if m.rows_dropped > 0 {
        j.summary("rows_dropped", m.rows_dropped);
    }
    for (k, v) in &m.sampler {
        j.summary(k, v);
    }
    let Some(last) = &online.last else {
        return Ok(j);
    };
    j.summary("total_kib", last.total_kib);
    j.summary("used_kib", last.used_kib);
    j.summary("available_kib", last.available_kib);
    j.summary("unavailable_kib", last.unavailable_kib);
    let tol = m.online_cpus.map(|c| {
        (c * COUNTERS_READ_TWICE * VMSTAT_MAX_BATCH_PAGES * rec.meta.page_size / 1024) as i64
    });
    j.summary("totalreserve_kib", last.totalreserve_kib);
    j.check(check_floor(online.floor, tol));
    j.check(check_ceiling(online.ceiling, tol));
    j.check(check_formula(online.formula, tol));
    Ok(j)
}

fn verdict_of(out: i64, tol: i64) -> Verdict {
    if out <= tol {
        Verdict::Holds
    } else {
        Verdict::Fails
    }
}

/// Why a check cannot be judged: a figure it needs is absent.
fn missing() -> String {
    crate::i18n::tr_in(crate::i18n::Lang::En, "why.free.missing", &[])
}

fn check_floor(w: Option<Worst>, tol: Option<i64>) -> Check {
    let name = "available_at_least_free_less_reserve";
    let claim = "available (実質的な空きメモリ) is free less what the kernel keeps in reserve for itself, plus what it can release: never below free - totalreserve";
    let expected = "MemAvailable ≥ max(0, MemFree - totalreserve) in every sample";
    match (
        w.and_then(|w| Some((w.departure_kib, w.available_kib, w.lo_kib?))),
        tol,
    ) {
        (Some((out, v, lo)), Some(tol)) => Check::with_verdict(
            name,
            claim,
            format!("{expected}, within {tol} KiB"),
            format!("MemAvailable {v} KiB vs free - totalreserve {lo} KiB (the closest sample)"),
            verdict_of(out, tol),
        )
        .value(v as f64, "KiB")
        .bounds(Some((lo - tol) as f64), None)
        .noise(tol as f64),
        _ => Check::inconclusive(name, claim, expected, missing()),
    }
}

fn check_ceiling(w: Option<Worst>, tol: Option<i64>) -> Check {
    let name = "available_at_most_free_plus_caches";
    let claim = "what available adds to free is released kernel memory: at most the page cache (file LRU) and the reclaimable kernel memory";
    let expected =
        "MemAvailable ≤ MemFree + Active(file) + Inactive(file) + KReclaimable in every sample";
    match (
        w.and_then(|w| Some((w.departure_kib, w.available_kib, w.hi_kib?))),
        tol,
    ) {
        (Some((out, v, hi)), Some(tol)) => Check::with_verdict(
            name,
            claim,
            format!("{expected}, within {tol} KiB"),
            format!("MemAvailable {v} KiB vs free + caches {hi} KiB (the closest sample)"),
            verdict_of(out, tol),
        )
        .value(v as f64, "KiB")
        .bounds(None, Some((hi + tol) as f64))
        .noise(tol as f64),
        _ => Check::inconclusive(name, claim, expected, missing()),
    }
}

fn check_formula(w: Option<Worst>, tol: Option<i64>) -> Check {
    let name = "available_is_the_kernels_estimate";
    let claim = "available = free - totalreserve + page cache and reclaimable kernel memory, each less what must stay (half of it, at most the low watermark)";
    let expected = "MemAvailable = si_mem_available(MemFree, totalreserve, file LRU, KReclaimable, Σ low watermarks) in every sample";
    let w = w.and_then(|w| Some((w.departure_kib, w.available_kib, w.lo_kib?, w.hi_kib?)));
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
        _ => Check::inconclusive(name, claim, expected, missing()),
    }
}

#[cfg(test)]
mod online_tests;
#[cfg(test)]
mod tests;
