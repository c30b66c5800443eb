//! free — メモリに関する統計情報
//!
//! The columns of `free`, read from /proc/meminfo, with the document's
//! definition of each. `used` is the document's (procps before 4.0.1:
//! total - free - buff/cache); `unavailable` (total - available) is what
//! procps 4.0.1 and later print as `used`.

use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::probe::meminfo::MemInfo;
use crate::report::{Check, Report};
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
    judge: None,
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

#[derive(Serialize)]
struct Row {
    #[serde(skip_serializing_if = "Option::is_none")]
    t_s: Option<f64>,
    total_kib: u64,
    used_kib: u64,
    free_kib: u64,
    shared_kib: u64,
    buff_cache_kib: u64,
    available_kib: u64,
    unavailable_kib: u64,
    swap_total_kib: u64,
    swap_used_kib: u64,
    swap_free_kib: u64,
    pcp_free_kib: u64,
    mem_used_adj_kib: u64,
}

impl Row {
    fn new(t_s: Option<f64>, m: &MemInfo) -> Row {
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
    if let Some(w) = args.watch {
        r.param("watch", w.to_string());
        r.param("count", samples);
    }
    for (name, ja, en) in DEFINITIONS {
        r.note(format!("{name:<10} {ja} — {en}"));
    }
    r.note(
        "used       the document's figure (procps < 4.0.1): total - free - buff/cache. \
         procps 4.0.1 and later print total - available as `used`: that is `unavailable` here.",
    );

    let interval = args.watch.map(|w| w.0).unwrap_or(Duration::ZERO);
    let start = Instant::now();
    let mut worst_gap: Option<(u64, u64)> = None;
    let mut taken = 0;
    for i in 0..samples {
        if i > 0 && !crate::sys::sleep_until(start + interval * i as u32) {
            break;
        }
        let m = MemInfo::read()?;
        let t = args.watch.map(|_| start.elapsed().as_secs_f64());
        r.push_row(&Row::new(t, &m));
        taken += 1;
        if worst_gap.is_none_or(|(a, f)| {
            (m.available_kib as i64 - m.free_kib as i64) < (a as i64 - f as i64)
        }) {
            worst_gap = Some((m.available_kib, m.free_kib));
        }
    }
    if taken == 0 {
        r.interrupted = true;
        return Ok(r);
    }
    let last = r.rows.last().cloned().unwrap_or_default();
    for k in ["total_kib", "used_kib", "available_kib", "unavailable_kib"] {
        if let Some(v) = last.get(k) {
            r.summary(k, v.clone());
        }
    }
    r.summary("samples", taken);
    if let Some((a, f)) = worst_gap {
        r.check(Check::new(
            "available_at_least_free",
            "available (実質的な空きメモリ) is free plus what the kernel can release, so it is never below free",
            "available ≥ free in every sample",
            format!("available {a} KiB vs free {f} KiB (the closest sample)"),
            a >= f,
        ));
    }
    Ok(r)
}
