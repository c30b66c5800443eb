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

mod checks;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::probe::available::{self, AvailableInputs, Watermarks};
use crate::probe::meminfo::{self, MemInfo};
use crate::report::Report;
use crate::units::Interval;

pub use checks::judge;

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
    page: include_str!("../../../experiments/free.md"),
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
