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

use anyhow::{Result, anyhow};
use serde::Serialize;

use super::Ctx;
use super::touch_child::{self, Outcome, Plan, median};
use crate::probe::meminfo::HugeAndTables;
use crate::report::{Chart, ChartKind, Check, Report};
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
    quick: Some(&["--size", "64M", "--forks", "5"]),
    key_figures: &[],
    judge: None,
};

/// 4 KiB pages: one fault per page; allow 3% below (none should be missing)
/// and 5% above (the child's stack and the pipe buffers fault too).
const BASE_FAULTS_LOW: f64 = 0.97;
const BASE_FAULTS_HIGH: f64 = 1.05;
/// Judge THP only when at least half of SIZE really was in huge pages.
const THP_MIN_HUGE_FRACTION: f64 = 0.5;
/// "Far fewer": at most a tenth of the 4 KiB figure (ideally 1/512).
const FAR_FEWER: f64 = 0.1;

#[derive(Serialize, Clone, Default)]
struct Row {
    variant: String,
    page_kib: u64,
    span_bytes: u64,
    expected_faults: u64,
    minflt: u64,
    vm_pte_before_kib: u64,
    vm_pte_after_kib: u64,
    pte_delta_kib: i64,
    rss_delta_kib: i64,
    /// Empty where smaps_rollup cannot be read: unknown, not zero.
    anon_huge_kib: Option<u64>,
    hugetlb_kib: u64,
    forks: usize,
    fork_us_median: f64,
    fork_us_min: f64,
    fork_us_max: f64,
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    crate::guard::check(args.size, args.force)?;
    let page = sys::page_size();
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

    let base = Plan {
        // 2 MiB more, touched from a 2 MiB boundary: a huge page can only
        // map a 2 MiB-aligned block.
        map_len: size + HUGE_PAGE_BYTES,
        opts: MapOptions::default(),
        advice: HugeAdvice::NoHuge,
        align: HUGE_PAGE_BYTES,
        span: size,
        stride: page,
        forks,
    };
    let mut variants: Vec<(&str, u64, Plan)> = vec![("4k", page, base)];

    let thp = ctx.meta.thp_enabled.clone();
    match thp.as_deref() {
        Some("always") | Some("madvise") => variants.push((
            "thp",
            HUGE_PAGE_BYTES,
            Plan {
                advice: HugeAdvice::Huge,
                ..base
            },
        )),
        other => r.skip(format!(
            "thp: transparent huge pages are `{}` on this host (/sys/kernel/mm/transparent_hugepage/enabled); \
             memlab never changes that setting",
            other.unwrap_or("absent")
        )),
    }

    let pool = HugeAndTables::read()?;
    let huge_bytes = pool.hugepage_size_kib * 1024;
    let needed = size.div_ceil(huge_bytes.max(1));
    r.summary("hugepages_free_before", pool.hugepages_free);
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
        r.skip(format!(
            "hugetlb: {} needs {needed} huge pages of {} but HugePages_Free is {} \
             (HugePages_Total {}); an administrator can reserve them with \
             `sysctl vm.nr_hugepages={}` — memlab never changes it",
            human_bytes(size),
            human_bytes(huge_bytes),
            pool.hugepages_free,
            pool.hugepages_total,
            pool.hugepages_total + needed - pool.hugepages_free
        ));
    }

    let mut rows: Vec<Row> = Vec::new();
    for (name, page_bytes, plan) in variants {
        ctx.ui.say(&format!(
            "{name}: touching {} in a fresh child, then timing {forks} forks of it",
            human_bytes(size)
        ));
        let (before, after, fork_us) = match touch_child::run(plan)? {
            Outcome::Interrupted => {
                r.interrupted = true;
                break;
            }
            Outcome::MapFailed(e) if name == "hugetlb" => {
                // Another process may have taken the pool's pages meanwhile.
                r.skip(format!(
                    "hugetlb: mmap(MAP_HUGETLB) of {} failed: {}",
                    human_bytes(plan.map_len),
                    std::io::Error::from_raw_os_error(e)
                ));
                continue;
            }
            Outcome::AdviseFailed(why) => return Err(anyhow!("{name}: {why}")),
            Outcome::MapFailed(e) => {
                return Err(anyhow!(
                    "{name}: mmap of {} failed: {}",
                    human_bytes(plan.map_len),
                    std::io::Error::from_raw_os_error(e)
                ));
            }
            Outcome::Done(m) => (m.before, m.after, m.fork_us),
        };
        // hugetlbfs pages are not in AnonHugePages: count them from the pool.
        // MAP_HUGETLB reserves them at mmap time (HugePages_Rsvd) and takes
        // them from HugePages_Free at the faults.
        let hugetlb_kib = if name == "hugetlb" {
            before.hugepages_free.saturating_sub(after.hugepages_free) * pool.hugepage_size_kib
        } else {
            0
        };
        let mut sorted = fork_us.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        rows.push(Row {
            variant: name.into(),
            page_kib: page_bytes / 1024,
            span_bytes: size,
            expected_faults: size / page_bytes,
            minflt: after.sample.minflt.saturating_sub(before.sample.minflt),
            vm_pte_before_kib: before.status.vm_pte_kib,
            vm_pte_after_kib: after.status.vm_pte_kib,
            pte_delta_kib: after.status.vm_pte_kib as i64 - before.status.vm_pte_kib as i64,
            rss_delta_kib: after.sample.rss_kib as i64 - before.sample.rss_kib as i64,
            anon_huge_kib: after.anon_huge_kib,
            hugetlb_kib,
            forks: fork_us.len(),
            fork_us_median: round1(median(&fork_us).unwrap_or(0.0)),
            fork_us_min: round1(sorted.first().copied().unwrap_or(0.0)),
            fork_us_max: round1(sorted.last().copied().unwrap_or(0.0)),
        });
    }
    finish(r, rows, size)
}

fn finish(mut r: Report, rows: Vec<Row>, size: u64) -> Result<Report> {
    let find = |v: &str| rows.iter().find(|x| x.variant == v).cloned();
    let base = find("4k");
    for row in &rows {
        let k = &row.variant;
        r.summary(&format!("{k}_minflt"), row.minflt);
        r.summary(&format!("{k}_pte_delta_kib"), row.pte_delta_kib);
        r.summary(&format!("{k}_anon_huge_kib"), row.anon_huge_kib);
        r.summary(&format!("{k}_fork_us"), row.fork_us_median);
    }

    if let Some(b) = &base {
        let lo = (b.expected_faults as f64 * BASE_FAULTS_LOW) as u64;
        let hi = (b.expected_faults as f64 * BASE_FAULTS_HIGH) as u64;
        r.check(Check::new(
            "base_pages_fault_once_per_page",
            "with 4 KiB pages every page is faulted in on its first touch",
            format!(
                "{lo}–{hi} minor faults (SIZE/4 KiB = {})",
                b.expected_faults
            ),
            format!("{} minor faults", b.minflt),
            (lo..=hi).contains(&b.minflt),
        ));
    }

    for variant in ["thp", "hugetlb"] {
        let (Some(b), Some(h)) = (&base, find(variant)) else {
            continue;
        };
        let huge_kib = if variant == "thp" {
            let Some(k) = h.anon_huge_kib else {
                r.skip(
                    "thp: AnonHugePages cannot be read here (no /proc/self/smaps_rollup), so \
                     whether huge pages backed the region is unknown; the THP checks are left out",
                );
                continue;
            };
            k
        } else {
            h.hugetlb_kib
        };
        let huge_fraction = huge_kib as f64 / (size / 1024) as f64;
        let got_huge = huge_fraction >= THP_MIN_HUGE_FRACTION;
        let why_not = format!(
            "only {} of {} was backed by huge pages (the kernel fell back to 4 KiB pages: \
             fragmented memory or the THP defrag setting), so this run cannot judge the claim",
            human_bytes(huge_kib * 1024),
            human_bytes(size)
        );

        // Faults.
        let claim = "a huge page is faulted in once for 2 MiB, so touching SIZE needs about \
                     1/512 of the faults";
        let expected = format!(
            "≤ {:.0} faults (1/10 of the 4 KiB run; ideally SIZE/2 MiB = {})",
            b.minflt as f64 * FAR_FEWER,
            h.expected_faults
        );
        let measured = format!(
            "{} faults vs {} with 4 KiB pages ({} in huge pages)",
            h.minflt,
            b.minflt,
            human_bytes(huge_kib * 1024)
        );
        r.check(if got_huge {
            Check::new(
                &format!("{variant}_needs_far_fewer_faults"),
                claim,
                expected,
                measured,
                (h.minflt as f64) <= b.minflt as f64 * FAR_FEWER,
            )
        } else {
            Check::inconclusive(
                &format!("{variant}_needs_far_fewer_faults"),
                claim,
                expected,
                format!("{measured}; {why_not}"),
            )
        });

        // Page-table bytes.
        page_table_check(&mut r, variant, b, &h, got_huge, &why_not);

        // Fork time: noisy, so compare medians and only call it false when
        // every huge-page fork was slower than every 4 KiB fork.
        let name = format!("{variant}_fork_is_faster");
        let claim = "fork copies page-table entries: with huge pages there are 512 times fewer, \
                     so fork is faster";
        let expected = "median fork time below the 4 KiB run's".to_string();
        let measured = format!(
            "median {:.1} µs (min {:.1}, max {:.1}) vs {:.1} µs (min {:.1}, max {:.1}) with 4 KiB pages, {} forks each",
            h.fork_us_median,
            h.fork_us_min,
            h.fork_us_max,
            b.fork_us_median,
            b.fork_us_min,
            b.fork_us_max,
            h.forks
        );
        r.check(if !got_huge {
            Check::inconclusive(&name, claim, expected, format!("{measured}; {why_not}"))
        } else if h.fork_us_median < b.fork_us_median {
            Check::new(&name, claim, expected, measured, true)
        } else if h.fork_us_min > b.fork_us_max {
            Check::new(&name, claim, expected, measured, false)
        } else {
            Check::inconclusive(
                &name,
                claim,
                expected,
                format!("{measured}; the timings overlap, too noisy to judge on this host"),
            )
        });
    }

    // Chart: each measure relative to the 4 KiB run (= 100%).
    if let Some(b) = &base {
        let rel = |v: f64, of: f64| if of > 0.0 { 100.0 * v / of } else { 0.0 };
        r.chart = Some(Chart {
            title: format!("{} touched: huge pages vs 4 KiB pages", human_bytes(size)),
            x_label: "measure".into(),
            y_label: "% of the 4 KiB-page run".into(),
            kind: ChartKind::Bars {
                categories: vec![
                    "minor faults".into(),
                    "VmPTE added".into(),
                    "fork time (median)".into(),
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
        });
    }
    for row in &rows {
        r.push_row(row);
    }
    if rows.is_empty() {
        r.columns_from(&Row::default());
    }
    r.table_hide = vec!["span_bytes".into(), "vm_pte_before_kib".into()];
    Ok(r)
}

fn page_table_check(r: &mut Report, variant: &str, b: &Row, h: &Row, got_huge: bool, why: &str) {
    if variant == "thp" {
        thp_deposit_check(r, b, h, got_huge, why);
        return;
    }
    let name = format!("{variant}_needs_far_fewer_page_table_bytes");
    let claim = "a huge page is mapped by one entry one level up (PMD), so no PTE page is \
                 needed for it and the page tables take far fewer bytes";
    let expected = format!(
        "≤ {:.0} KiB of VmPTE (1/10 of the 4 KiB run's {} KiB)",
        b.pte_delta_kib as f64 * FAR_FEWER,
        b.pte_delta_kib
    );
    let measured = format!("{} KiB", h.pte_delta_kib);
    r.check(if !got_huge {
        Check::inconclusive(&name, claim, expected, format!("{measured}; {why}"))
    } else {
        Check::new(
            &name,
            claim,
            expected,
            measured,
            (h.pte_delta_kib as f64) <= b.pte_delta_kib as f64 * FAR_FEWER,
        )
    });
}

/// Slack for the PTE page of memlab's own stack and the like in the child.
const DEPOSIT_SLACK_KIB: i64 = 16;

/// Transparent huge pages are mapped by one PMD entry each, but Linux
/// allocates a PTE page with every anonymous THP and keeps it aside
/// ("deposits" it) so that splitting the huge page later can never fail for
/// want of memory; VmPTE counts those pages. So THP saves faults and TLB
/// entries, not page-table memory (hugetlbfs pages do save it). The check
/// states that and tests it: VmPTE grows by one 4 KiB page per huge page, plus
/// the ordinary PTE pages of whatever was not backed by huge pages.
fn thp_deposit_check(r: &mut Report, b: &Row, h: &Row, got_huge: bool, why: &str) {
    let name = "thp_page_tables_are_the_deposit";
    let claim = "a transparent huge page is mapped by one PMD entry, but the kernel keeps one \
                 PTE page per huge page in reserve so it can split it later: VmPTE does not \
                 shrink with THP (the page-table saving needs hugetlbfs)";
    let anon_huge_kib = h.anon_huge_kib.unwrap_or(0);
    let huge_pages = (anon_huge_kib / 2048) as i64;
    let small_kib = (h.span_bytes / 1024).saturating_sub(anon_huge_kib) as i64;
    let want = huge_pages * 4 + (small_kib + 2047) / 2048 * 4;
    let expected = format!(
        "{want} KiB ± {DEPOSIT_SLACK_KIB} KiB ({huge_pages} huge pages × 4 KiB deposited{})",
        if small_kib > 0 {
            ", plus PTE pages for the rest"
        } else {
            ""
        }
    );
    let measured = format!(
        "{} KiB (4 KiB pages: {} KiB)",
        h.pte_delta_kib, b.pte_delta_kib
    );
    r.check(if !got_huge {
        Check::inconclusive(name, claim, expected, format!("{measured}; {why}"))
    } else {
        Check::new(
            name,
            claim,
            expected,
            measured,
            (h.pte_delta_kib - want).abs() <= DEPOSIT_SLACK_KIB,
        )
    });
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
