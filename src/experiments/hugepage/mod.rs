//! hugepage — ヒュージページ
//!
//! The document lists huge pages among the uses of virtual memory: a page of
//! 2 MiB instead of 4 KiB means one fault, one page-table entry and one entry
//! to copy at fork where there were 512. memlab touches the same SIZE three
//! ways, each in a fresh child (see `touch_child`):
//! - `4k`: `MADV_NOHUGEPAGE`, base pages whatever the host's THP mode;
//! - `thp`: `MADV_HUGEPAGE`, transparent huge pages (THP mode `always` or
//!   `madvise`; the kernel may still fall back to 4 KiB pages when it finds no
//!   free 2 MiB block, which `AnonHugePages` shows);
//! - `hugetlb`: `MAP_HUGETLB`, pages from the hugetlbfs pool, only when
//!   `HugePages_Free` covers SIZE (memlab never reserves them itself).
//!
//! For each: the child's minor faults while touching, its `VmPTE` before and
//! after, `AnonHugePages`, and the time `fork` takes in the child holding the
//! touched region (median of several forks of a child that exits at once).

mod checks;

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};

use checks::Row;
pub use checks::judge;

use super::touch_child::{self, Outcome, Plan, median};
use super::{Ctx, Recorded};
use crate::i18n::tr;
use crate::probe::meminfo::HugeAndTables;
use crate::report::{Chart, ChartKind, Report};
use crate::sys::{self, HUGE_PAGE_BYTES, HugeAdvice, MapOptions};
use crate::units::{Size, human_bytes};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How much to touch in each variant (binary units: 128M = 128 MiB)
    #[arg(long, allow_hyphen_values = true, default_value = "128M")]
    pub size: Size,
    /// How many forks to time per variant (the median is compared)
    #[arg(long, default_value_t = 9, allow_hyphen_values = true,
          value_parser = |s: &str| crate::units::parse_count::<u32>(s, 1, 1000, 9))]
    pub forks: u32,
    /// Run even if SIZE is more than half of the available memory
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "hugepage",
    section: "ヒュージページ",
    summary: "4 KiB pages vs transparent huge pages: faults, VmPTE, fork time",
    needs: "reserved hugetlb pages for the hugetlbfs part (the rest runs without)",
    page: include_str!("../../../experiments/hugepage.md"),
    plots: true,
    chart: Some(chart),
    quick: Some(&["--size", "64M", "--forks", "5"]),
    key_figures: &["4k_fork_us", "thp_fork_us", "thp_minflt"],
    judge,
    page_ja: Some(include_str!("../../../experiments/ja/hugepage.md")),
};

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    crate::guard::check(args.size, args.force)?;
    // Whole 2 MiB blocks, so 4 KiB pages, THP and hugetlbfs cover the same.
    let size = args
        .size
        .bytes()
        .next_multiple_of(HUGE_PAGE_BYTES)
        .max(HUGE_PAGE_BYTES);
    let forks = args.forks as usize;
    let mut r = Report::new("hugepage", &ctx.meta);
    r.param("size_bytes", size);
    r.param("forks", forks);
    let pool = HugeAndTables::read()?;
    r.measure("hugepages_free_before", pool.hugepages_free);
    r.measure("hugepage_size_kib", pool.hugepage_size_kib);
    let variants = variants(size, forks, &pool, ctx, &mut r);

    let mut rows: Vec<Row> = Vec::new();
    let mut fork_us: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut fork_us_empty: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (name, page_bytes, plan) in variants {
        if r.interrupted {
            break;
        }
        ctx.ui.say(&tr(
            "hugepage.say.variant",
            &[
                ("variant", name),
                ("size", &human_bytes(size)),
                ("forks", &forks.to_string()),
            ],
        ));
        // The same child with its region mapped but never touched: the
        // fixed cost of forking it, which the fork check takes away.
        let Some(empty) = run_variant(name, Plan { span: 0, ..plan }, &mut r)? else {
            continue;
        };
        let Some(m) = run_variant(name, plan, &mut r)? else {
            continue;
        };
        rows.push(row_of(
            name,
            page_bytes,
            size,
            &m,
            &empty,
            pool.hugepage_size_kib,
        ));
        fork_us.insert(name.into(), m.fork_us.iter().map(|v| round1(*v)).collect());
        let empty = empty.fork_us.iter().map(|v| round1(*v)).collect();
        fork_us_empty.insert(name.into(), empty);
    }
    r.measure("fork_us", &fork_us);
    r.measure("fork_us_empty", &fork_us_empty);
    finish(r, rows)
}

/// The variants this host can run, each with its page size and plan; the
/// others are skipped with the reason.
fn variants(
    size: u64,
    forks: usize,
    pool: &HugeAndTables,
    ctx: &Ctx,
    r: &mut Report,
) -> Vec<(&'static str, u64, Plan)> {
    let base = Plan {
        // 2 MiB more, touched from a 2 MiB boundary: a huge page can only
        // map a 2 MiB-aligned block, and the span's 2 MiB windows (and their
        // PTE pages) belong to this mapping alone.
        map_len: size + HUGE_PAGE_BYTES,
        opts: MapOptions::default(),
        advice: HugeAdvice::NoHuge,
        align: HUGE_PAGE_BYTES,
        span: size,
        stride: sys::page_size(),
        forks,
    };
    let mut variants = vec![("4k", sys::page_size(), base)];
    match ctx.meta.thp_enabled.as_deref() {
        Some("always") | Some("madvise") => variants.push((
            "thp",
            HUGE_PAGE_BYTES,
            Plan {
                advice: HugeAdvice::Huge,
                ..base
            },
        )),
        other => r.skip_t(
            "hugepage.skip.thp_off",
            &[("mode", other.unwrap_or("absent"))],
        ),
    }
    let huge_bytes = pool.hugepage_size_kib * 1024;
    let needed = size.div_ceil(huge_bytes.max(1));
    if pool.hugepages_free >= needed {
        variants.push((
            "hugetlb",
            huge_bytes,
            Plan {
                map_len: needed * huge_bytes,
                opts: MapOptions {
                    hugetlb: true,
                    ..MapOptions::default()
                },
                advice: HugeAdvice::Default,
                align: 1,
                ..base
            },
        ));
    } else {
        r.skip_t(
            "hugepage.skip.hugetlb_pool",
            &[
                ("size", &human_bytes(size)),
                ("needed", &needed.to_string()),
                ("huge", &human_bytes(huge_bytes)),
                ("free", &pool.hugepages_free.to_string()),
                ("total", &pool.hugepages_total.to_string()),
                (
                    "reserve",
                    &(pool.hugepages_total + needed - pool.hugepages_free).to_string(),
                ),
            ],
        );
    }
    variants
}

/// One variant's row from what its child measured.
fn row_of(
    name: &str,
    page_bytes: u64,
    size: u64,
    m: &touch_child::Measured,
    empty: &touch_child::Measured,
    hugepage_size_kib: u64,
) -> Row {
    let (before, after) = (m.before, m.after);
    // hugetlbfs pages are not in AnonHugePages: count them from the pool.
    // MAP_HUGETLB reserves them at mmap time (HugePages_Rsvd) and takes
    // them from HugePages_Free at the faults.
    let hugetlb_kib = if name == "hugetlb" {
        before.hugepages_free.saturating_sub(after.hugepages_free) * hugepage_size_kib
    } else {
        0
    };
    let mut sorted = m.fork_us.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    Row {
        variant: name.into(),
        page_kib: page_bytes / 1024,
        span_bytes: size,
        expected_faults: size.div_ceil(page_bytes),
        minflt: after.sample.minflt.saturating_sub(before.sample.minflt),
        vm_pte_before_kib: before.status.vm_pte_kib,
        vm_pte_after_kib: after.status.vm_pte_kib,
        pte_delta_kib: after.status.vm_pte_kib as i64 - before.status.vm_pte_kib as i64,
        rss_delta_kib: after.sample.rss_kib as i64 - before.sample.rss_kib as i64,
        anon_huge_kib: after.anon_huge_kib,
        hugetlb_kib,
        forks: m.fork_us.len(),
        fork_us_median: round1(median(&m.fork_us).unwrap_or(0.0)),
        fork_us_min: round1(sorted.first().copied().unwrap_or(0.0)),
        fork_us_max: round1(sorted.last().copied().unwrap_or(0.0)),
        fork_us_empty_median: round1(median(&empty.fork_us).unwrap_or(0.0)),
    }
}

/// One child of a variant; `None` when the run was interrupted (then
/// `r.interrupted` is set) or the hugetlb pool could not give the pages.
fn run_variant(name: &str, plan: Plan, r: &mut Report) -> Result<Option<touch_child::Measured>> {
    match touch_child::run(plan)? {
        Outcome::Interrupted => {
            r.interrupted = true;
            Ok(None)
        }
        Outcome::MapFailed(e) if name == "hugetlb" => {
            // Another process may have taken the pool's pages meanwhile.
            r.skip_t(
                "hugepage.skip.hugetlb_map",
                &[
                    ("size", &human_bytes(plan.map_len)),
                    ("error", &std::io::Error::from_raw_os_error(e).to_string()),
                ],
            );
            Ok(None)
        }
        Outcome::AdviseFailed(why) => Err(anyhow!(tr(
            "hugepage.err.advise",
            &[("variant", name), ("why", &why)]
        ))),
        Outcome::MapFailed(e) => Err(anyhow!(tr(
            "hugepage.err.map",
            &[
                ("variant", name),
                ("size", &human_bytes(plan.map_len)),
                ("error", &std::io::Error::from_raw_os_error(e).to_string()),
            ]
        ))),
        Outcome::Done(m) => Ok(Some(*m)),
    }
}

/// The rows, the view and the chart; the summary and checks come from
/// [`judge`].
fn finish(mut r: Report, rows: Vec<Row>) -> Result<Report> {
    r.columns_from(&Row::default());
    for row in &rows {
        r.push_row(row);
    }
    r.table_hide = vec!["span_bytes".into(), "vm_pte_before_kib".into()];
    r.chart = chart(&Recorded::of(&r))?;
    Ok(r)
}

/// The chart, from the recorded rows alone: each measure of each variant
/// relative to the 4 KiB run (= 100%). None without a 4 KiB row.
pub fn chart(rec: &Recorded<'_>) -> Result<Option<Chart>> {
    let rows: Vec<Row> = rec.rows_as()?;
    let Some(b) = rows.iter().find(|x| x.variant == "4k") else {
        return Ok(None);
    };
    let size = rec
        .params
        .get("size_bytes")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(b.span_bytes);
    let rel = |v: f64, of: f64| if of > 0.0 { 100.0 * v / of } else { 0.0 };
    Ok(Some(Chart {
        title: tr("hugepage.title.chart", &[("size", &human_bytes(size))]),
        x_label: tr("hugepage.title.x", &[]),
        y_label: tr("hugepage.title.y", &[]),
        kind: ChartKind::Bars {
            categories: vec![
                tr("hugepage.title.minflt", &[]),
                tr("hugepage.title.pte", &[]),
                tr("hugepage.title.fork", &[]),
            ],
            series: rows
                .iter()
                .map(|x| {
                    (
                        x.variant.clone(),
                        vec![
                            rel(x.minflt as f64, b.minflt as f64),
                            rel(x.pte_delta_kib as f64, b.pte_delta_kib as f64),
                            rel(x.fork_us_median, b.fork_us_median),
                        ],
                    )
                })
                .collect(),
        },
    }))
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
