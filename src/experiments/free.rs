//! free — メモリに関する統計情報
//!
//! The columns of `free`, read from /proc/meminfo, with the document's
//! definition of each. `used` is the document's (procps before 4.0.1:
//! total - free - buff/cache); `unavailable` (total - available) is what
//! procps 4.0.1 and later print as `used`.
//!
//! The document's `available` is "free plus the kernel memory that can be
//! released". The kernel's own definition (`si_mem_available`, see
//! [`crate::probe::available`]) also takes off the reserve it keeps for
//! itself (`totalreserve_pages`: the zones' high watermarks and lowmem
//! reserves), so with little page cache `available` is legitimately below
//! `free`. Each row records the zoneinfo and meminfo figures the checks need.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::{Ctx, Judgement, Recorded};
use crate::probe::available::{self, AvailableInputs, Watermarks};
use crate::probe::meminfo::{self, MemInfo};
use crate::report::{Check, Report, Verdict};
use crate::units::Interval;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sample every INTERVAL (e.g. 1s) instead of once
    #[arg(long, value_name = "INTERVAL", allow_hyphen_values = true)]
    pub watch: Option<Interval>,
    /// With --watch: how many samples (default 5)
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = |s: &str| crate::units::parse_count::<u64>(s, 1, 1_000_000, 5))]
    pub count: Option<u64>,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "free",
    section: "メモリに関する統計情報",
    summary: "system memory as `free` shows it, with the document's definitions",
    needs: "-",
    page: include_str!("../../experiments/free.md"),
    plots: false,
    quick: Some(&[]),
    key_figures: &[],
    judge: Some(judge),
};

/// The document's definitions, in its words and in English.
const DEFINITIONS: &[(&str, &str, &str)] = &[
    (
        "total",
        "システムに搭載されている全メモリの量",
        "all memory installed in the system",
    ),
    (
        "free",
        "見かけ上の空きメモリ",
        "memory that is free on the face of it",
    ),
    (
        "buff/cache",
        "バッファキャッシュ、およびページキャッシュが利用するメモリ",
        "memory used by the buffer cache and the page cache",
    ),
    (
        "available",
        "実質的な空きメモリ",
        "memory that is free in practice: free plus kernel memory (most of the caches) that can be released when free runs short",
    ),
];

/// One /proc/meminfo print reads each counter it shows once, and MemFree,
/// the file LRU and the reclaimable slab a second time for MemAvailable.
/// Between the two reads the kernel may fold into each global counter up to
/// one vmstat batch per CPU (`stat_threshold`, at most 125 pages): the
/// tolerance is that, for those three counters.
const VMSTAT_MAX_BATCH_PAGES: u64 = 125;
const COUNTERS_READ_TWICE: u64 = 3;

#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub struct Row {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_s: Option<f64>,
    pub total_kib: u64,
    pub used_kib: u64,
    pub free_kib: u64,
    pub shared_kib: u64,
    pub buff_cache_kib: u64,
    pub available_kib: u64,
    pub unavailable_kib: u64,
    pub swap_total_kib: u64,
    pub swap_used_kib: u64,
    pub swap_free_kib: u64,
    pub pcp_free_kib: u64,
    pub mem_used_adj_kib: u64,
    /// meminfo `MemAvailable` as printed (`None` before Linux 3.14; then
    /// `available_kib` is procps's stand-in, free).
    pub mem_available_kib: Option<u64>,
    pub active_file_kib: Option<u64>,
    pub inactive_file_kib: Option<u64>,
    /// meminfo `KReclaimable` (4.20 and later), else `None`.
    pub kreclaimable_kib: Option<u64>,
    pub sreclaimable_kib: Option<u64>,
    /// zoneinfo, read just before meminfo: the kernel's totalreserve_pages
    /// (Σ min(managed, high watermark + largest lowmem reserve)), in KiB.
    pub totalreserve_kib: Option<u64>,
    /// Σ high watermarks (without boost) and Σ largest lowmem reserves.
    pub zone_high_kib: Option<u64>,
    pub zone_lowmem_reserve_kib: Option<u64>,
    /// Σ low watermarks (boost included), read before meminfo.
    pub zone_low_kib: Option<u64>,
    /// The same two figures read again just after meminfo.
    pub totalreserve_after_kib: Option<u64>,
    pub zone_low_after_kib: Option<u64>,
}

/// Columns the table leaves to CSV/JSON.
const HIDDEN: &[&str] = &[
    "mem_available_kib",
    "active_file_kib",
    "inactive_file_kib",
    "kreclaimable_kib",
    "sreclaimable_kib",
    "zone_high_kib",
    "zone_lowmem_reserve_kib",
    "zone_low_kib",
    "totalreserve_after_kib",
    "zone_low_after_kib",
];

#[derive(Serialize, Deserialize, Default, Debug)]
pub struct Measurements {
    /// CPUs online: the vmstat batch tolerance scales with them.
    pub online_cpus: Option<u64>,
}

/// One sample: zoneinfo, meminfo, zoneinfo again.
fn sample(t_s: Option<f64>, page_kib: u64) -> Result<Row> {
    let before = available::read_watermarks().ok();
    let text = std::fs::read_to_string("/proc/meminfo").context("reading /proc/meminfo")?;
    let after = available::read_watermarks().ok();
    let fields = meminfo::parse_meminfo(&text).context("parsing /proc/meminfo")?;
    let pcp = before
        .as_ref()
        .map(|(_, z)| meminfo::parse_pcp_pages(z) * page_kib)
        .unwrap_or(0);
    let m = MemInfo::from_fields(fields, pcp);
    let a = available::parse_inputs(&text);
    Ok(Row::new(
        t_s,
        &m,
        &a,
        before.map(|w| w.0),
        after.map(|w| w.0),
        page_kib,
    ))
}

impl Row {
    fn new(
        t_s: Option<f64>,
        m: &MemInfo,
        a: &AvailableInputs,
        before: Option<Watermarks>,
        after: Option<Watermarks>,
        page_kib: u64,
    ) -> Row {
        let kib = |w: Option<Watermarks>, f: fn(&Watermarks) -> u64| w.map(|w| f(&w) * page_kib);
        Row {
            t_s,
            total_kib: m.total_kib,
            used_kib: m.used_kib,
            free_kib: m.free_kib,
            shared_kib: m.shared_kib,
            buff_cache_kib: m.buff_cache_kib,
            available_kib: m.available_kib,
            unavailable_kib: m.unavailable_kib,
            swap_total_kib: m.swap_total_kib,
            swap_used_kib: m.swap_used_kib,
            swap_free_kib: m.swap_free_kib,
            pcp_free_kib: m.pcp_free_kib,
            mem_used_adj_kib: m.used_adj_kib,
            mem_available_kib: a.mem_available,
            active_file_kib: a.active_file,
            inactive_file_kib: a.inactive_file,
            kreclaimable_kib: a.k_reclaimable,
            sreclaimable_kib: a.s_reclaimable,
            totalreserve_kib: kib(before, |w| w.totalreserve),
            zone_high_kib: kib(before, |w| w.high),
            zone_lowmem_reserve_kib: kib(before, |w| w.lowmem_reserve),
            zone_low_kib: kib(before, |w| w.low),
            totalreserve_after_kib: kib(after, |w| w.totalreserve),
            zone_low_after_kib: kib(after, |w| w.low),
        }
    }
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    if args.count.is_some() && args.watch.is_none() {
        return Err(crate::error::usage(
            "--count needs --watch, e.g. --watch 1s --count 5",
        ));
    }
    let mut r = Report::new("free", &ctx.meta);
    let samples = match args.watch {
        Some(_) => args.count.unwrap_or(5),
        None => 1,
    };
    r.param("interval_s", args.watch.map(|w| w.0.as_secs_f64()));
    r.param("samples", samples);
    r.measure("online_cpus", available::online_cpus());
    for (name, ja, en) in DEFINITIONS {
        r.note(format!("{name:<10} {ja} — {en}"));
    }
    r.note(
        "used       the document's figure (procps < 4.0.1): total - free - buff/cache. \
         procps 4.0.1 and later print total - available as `used`: that is `unavailable` here.",
    );
    r.note(
        "available  the kernel's estimate: free - its reserve (zone high watermarks + lowmem \
         reserves) + the reclaimable part of the page cache and of reclaimable kernel memory; \
         with little page cache it is below free",
    );
    r.columns_from(&Row {
        t_s: args.watch.map(|_| 0.0),
        ..Row::default()
    });
    r.table_hide = HIDDEN.iter().map(|s| s.to_string()).collect();

    let page_kib = (ctx.meta.page_size / 1024).max(1);
    let interval = args.watch.map(|w| w.0).unwrap_or(Duration::ZERO);
    let start = Instant::now();
    for i in 0..samples {
        if i > 0 && !crate::sys::sleep_until(start + interval * i as u32) {
            break;
        }
        let t = args.watch.map(|_| start.elapsed().as_secs_f64());
        r.push_row(&sample(t, page_kib)?);
    }
    if r.rows.is_empty() {
        r.interrupted = true;
    }
    Ok(r)
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
mod tests {
    use super::*;
    use crate::report::Report;
    use serde_json::json;

    /// A healthy host with little page cache: available < free, as the
    /// kernel defines it (this VM's watermarks, 2 CPUs).
    fn row(free: u64, available: u64) -> Row {
        Row {
            total_kib: 24_000_000,
            free_kib: free,
            available_kib: available,
            mem_available_kib: Some(available),
            active_file_kib: Some(10_000),
            inactive_file_kib: Some(30_000),
            kreclaimable_kib: Some(50_000),
            sreclaimable_kib: Some(50_000),
            totalreserve_kib: Some(159_104),
            zone_low_kib: Some(84_592),
            totalreserve_after_kib: Some(159_104),
            zone_low_after_kib: Some(84_592),
            ..Row::default()
        }
    }

    fn judged(rows: &[Row], cpus: Option<u64>) -> Vec<(String, Verdict)> {
        let mut r = Report::new("free", &crate::probe::host::Meta::default());
        r.meta.page_size = 4096;
        for x in rows {
            r.push_row(x);
        }
        r.measure("online_cpus", cpus);
        let j = judge(&Recorded::of(&r)).unwrap();
        j.checks.into_iter().map(|c| (c.name, c.verdict)).collect()
    }

    fn verdict(v: &[(String, Verdict)], name: &str) -> Verdict {
        v.iter().find(|c| c.0 == name).unwrap().1
    }

    #[test]
    fn little_page_cache_available_below_free_holds() {
        // pagecache 40000 → 20000 stays; slab 50000 → 25000 stays.
        let free = 1_000_000;
        let avail = free - 159_104 + 20_000 + 25_000;
        let v = judged(&[row(free, avail)], Some(2));
        assert!(avail < free);
        assert!(v.iter().all(|c| c.1 == Verdict::Holds), "{v:?}");
    }

    #[test]
    fn available_far_below_the_reserve_fails() {
        let v = judged(&[row(1_000_000, 500_000)], Some(2));
        assert_eq!(
            verdict(&v, "available_at_least_free_less_reserve"),
            Verdict::Fails
        );
        assert_eq!(
            verdict(&v, "available_is_the_kernels_estimate"),
            Verdict::Fails
        );
        assert_eq!(
            verdict(&v, "available_at_most_free_plus_caches"),
            Verdict::Holds
        );
    }

    #[test]
    fn available_above_free_plus_caches_fails() {
        let v = judged(&[row(1_000_000, 1_200_000)], Some(2));
        assert_eq!(
            verdict(&v, "available_at_most_free_plus_caches"),
            Verdict::Fails
        );
        assert_eq!(
            verdict(&v, "available_at_least_free_less_reserve"),
            Verdict::Holds
        );
        assert_eq!(
            verdict(&v, "available_is_the_kernels_estimate"),
            Verdict::Fails
        );
    }

    #[test]
    fn a_departure_within_the_vmstat_tolerance_holds() {
        // 2 CPUs × 3 counters × 125 pages × 4 KiB = 3000 KiB.
        let free = 1_000_000;
        let exact = free - 159_104 + 20_000 + 25_000;
        let v = judged(&[row(free, exact + 2_900)], Some(2));
        assert_eq!(
            verdict(&v, "available_is_the_kernels_estimate"),
            Verdict::Holds
        );
        let v = judged(&[row(free, exact + 3_100)], Some(2));
        assert_eq!(
            verdict(&v, "available_is_the_kernels_estimate"),
            Verdict::Fails
        );
    }

    #[test]
    fn the_worst_sample_decides() {
        let free = 1_000_000;
        let exact = free - 159_104 + 20_000 + 25_000;
        let v = judged(&[row(free, exact), row(free, 100)], Some(2));
        assert_eq!(
            verdict(&v, "available_at_least_free_less_reserve"),
            Verdict::Fails
        );
    }

    #[test]
    fn missing_fields_are_inconclusive() {
        let mut r = row(1_000_000, 900_000);
        r.totalreserve_kib = None;
        r.active_file_kib = None;
        let v = judged(&[r], Some(2));
        assert!(v.iter().all(|c| c.1 == Verdict::Inconclusive), "{v:?}");
        let mut r = row(1_000_000, 900_000);
        r.mem_available_kib = None;
        let v = judged(&[r], Some(2));
        assert!(v.iter().all(|c| c.1 == Verdict::Inconclusive), "{v:?}");
        let v = judged(&[row(1_000_000, 900_000)], None);
        assert!(v.iter().all(|c| c.1 == Verdict::Inconclusive), "{v:?}");
    }

    #[test]
    fn sreclaimable_stands_in_for_kreclaimable_before_4_20() {
        let free = 1_000_000;
        let mut r = row(free, free - 159_104 + 20_000 + 25_000);
        r.kreclaimable_kib = None;
        let v = judged(&[r], Some(2));
        assert!(v.iter().all(|c| c.1 == Verdict::Holds), "{v:?}");
    }

    #[test]
    fn a_watermark_boost_between_the_readings_is_allowed_for() {
        // Large page cache: the low watermark caps what stays, so a boost
        // between the zoneinfo readings changes the estimate.
        let free = 1_000_000;
        let mut r = row(free, 0);
        r.active_file_kib = Some(1_000_000);
        r.inactive_file_kib = Some(1_000_000);
        r.zone_low_after_kib = Some(84_592 + 40_000);
        let with_boost = free - 159_104 + (2_000_000 - 124_592) + 25_000;
        r.available_kib = with_boost;
        r.mem_available_kib = Some(with_boost);
        let v = judged(&[r], Some(2));
        assert_eq!(
            verdict(&v, "available_is_the_kernels_estimate"),
            Verdict::Holds
        );
    }

    #[test]
    fn rows_without_the_new_fields_still_parse() {
        let mut r = Report::new("free", &crate::probe::host::Meta::default());
        r.rows.push(
            json!({"total_kib": 1, "used_kib": 0, "free_kib": 1, "shared_kib": 0,
                   "buff_cache_kib": 0, "available_kib": 1, "unavailable_kib": 0,
                   "swap_total_kib": 0, "swap_used_kib": 0, "swap_free_kib": 0,
                   "pcp_free_kib": 0, "mem_used_adj_kib": 0})
            .as_object()
            .unwrap()
            .clone(),
        );
        let j = judge(&Recorded::of(&r)).unwrap();
        assert!(j.checks.iter().all(|c| c.verdict == Verdict::Inconclusive));
    }
}
