//! hugepage's checks: a pure function of the recorded rows and
//! measurements (`memlab judge` runs the same code on a saved JSON).
//!
//! Every variant runs in a fresh child whose mapping starts on a 2 MiB
//! boundary and covers whole 2 MiB windows, so the faults and page-table
//! pages it adds are its own and can be counted from a model: one fault per
//! page of the size it really got (`AnonHugePages` says how much of SIZE
//! the kernel backed with huge pages), one PTE page per 2 MiB window mapped
//! with 4 KiB pages (or deposited with a transparent huge page).

use std::collections::BTreeMap;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::experiments::{Judgement, Recorded};
use crate::i18n::{Lang, tr_in};
use crate::report::{Check, Verdict};
use crate::sys::HUGE_PAGE_BYTES;
use crate::units::human_bytes;

/// Faults the child may take besides the region's between its two readings:
/// its stack, its heap (reading its own smaps_rollup), the pipe buffers. A
/// handful in practice; it must stay well under the 512 faults a 2 MiB
/// window takes with 4 KiB pages, so a huge page that was not one shows.
pub const CHILD_OWN_FAULTS_MAX: u64 = 64;
/// Page-table pages a variant may add beyond its PTE pages: the PMD pages
/// of the 1 GiB windows the span crosses (they may exist already or not),
/// one PUD page, and the child's own stack or heap growing meanwhile.
pub const EXTRA_TABLE_PAGES: u64 = 4;
const ONE_GIB: u64 = 1 << 30;
/// Fork timings: fewer than this many cannot say how much they scatter.
pub const MIN_FORKS_FOR_NOISE: usize = 3;

/// One variant: a fresh child that mapped and touched SIZE, then forked.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Row {
    pub variant: String,
    pub page_kib: u64,
    pub span_bytes: u64,
    pub expected_faults: u64,
    pub minflt: u64,
    pub vm_pte_before_kib: u64,
    pub vm_pte_after_kib: u64,
    pub pte_delta_kib: i64,
    pub rss_delta_kib: i64,
    /// Empty where smaps_rollup cannot be read: unknown, not zero.
    pub anon_huge_kib: Option<u64>,
    pub hugetlb_kib: u64,
    pub forks: usize,
    pub fork_us_median: f64,
    pub fork_us_min: f64,
    pub fork_us_max: f64,
    /// The median fork before touching: the child without the region's pages.
    pub fork_us_empty_median: f64,
}

/// Figures that are not rows.
#[derive(Deserialize, Default)]
struct Measured {
    /// Every timed fork of each variant after touching, in µs.
    fork_us: BTreeMap<String, Vec<f64>>,
    /// The same before touching: the fork's cost without the region's pages.
    fork_us_empty: BTreeMap<String, Vec<f64>>,
    #[serde(default)]
    hugepages_free_before: Option<u64>,
}

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    for x in &rows {
        crate::experiments::pte_delta_is_the_counters(
            &x.variant,
            x.vm_pte_before_kib,
            x.vm_pte_after_kib,
            x.pte_delta_kib,
        )?;
    }
    let m: Measured = rec.measurements_as()?;
    let page = rec.meta.page_size.max(1);
    let mut j = Judgement::default();
    if let Some(v) = m.hugepages_free_before {
        j.summary("hugepages_free_before", v);
    }
    for row in &rows {
        let k = &row.variant;
        j.summary(&format!("{k}_minflt"), row.minflt);
        j.summary(&format!("{k}_pte_delta_kib"), row.pte_delta_kib);
        j.summary(&format!("{k}_anon_huge_kib"), row.anon_huge_kib);
        j.summary(&format!("{k}_fork_us"), row.fork_us_median);
    }
    let Some(base) = rows.iter().find(|x| x.variant == "4k") else {
        return Ok(j);
    };
    j.check(base_faults(base));
    let none = Vec::new();
    let forks_of = |v: &str| Forks {
        after: m.fork_us.get(v).unwrap_or(&none),
        empty: m.fork_us_empty.get(v).unwrap_or(&none),
    };
    let base_forks = forks_of("4k");
    for h in rows.iter().filter(|x| x.variant != "4k") {
        let huge = Huge::of(h, page);
        j.check(fewer_faults(h, &huge, base));
        j.check(if h.variant == "hugetlb" {
            hugetlb_tables(h, base, page)
        } else {
            thp_deposit(h, &huge, page)
        });
        j.check(fork_faster(h, &huge, &forks_of(&h.variant), &base_forks));
    }
    Ok(j)
}

/// How much of a variant's span was backed by huge pages.
struct Huge {
    /// Bytes in huge pages; `None`: unknown (no smaps_rollup).
    bytes: Option<u64>,
    huge_page: u64,
    base_page: u64,
}

impl Huge {
    fn of(h: &Row, base_page: u64) -> Huge {
        let huge_page = (h.page_kib * 1024).max(base_page);
        // MAP_HUGETLB cannot fall back: a mapping that succeeded is all
        // huge pages. THP may fall back to 4 KiB pages; AnonHugePages says.
        let bytes = if h.variant == "hugetlb" {
            Some(h.span_bytes)
        } else {
            h.anon_huge_kib.map(|k| (k * 1024).min(h.span_bytes))
        };
        Huge {
            bytes,
            huge_page,
            base_page,
        }
    }

    /// Faults the span needs: one per huge page, one per 4 KiB page of the
    /// rest.
    fn faults(&self, span: u64) -> Option<u64> {
        let b = self.bytes?;
        Some(b / self.huge_page + (span - b).div_ceil(self.base_page))
    }

    /// Why a claim about huge pages cannot be judged, when it cannot.
    fn why_not(&self, span: u64) -> Option<String> {
        match self.bytes {
            None => Some(tr_in(Lang::En, "why.hugepage.no_smaps", &[])),
            Some(0) => Some(tr_in(
                Lang::En,
                "why.hugepage.fell_back",
                &[("span", &human_bytes(span))],
            )),
            Some(_) => None,
        }
    }
}

fn base_faults(b: &Row) -> Check {
    let lo = b.expected_faults;
    let hi = lo + CHILD_OWN_FAULTS_MAX;
    Check::new(
        "base_pages_fault_once_per_page",
        "with 4 KiB pages every page is faulted in on its first touch",
        format!(
            "{lo}–{hi} minor faults (SIZE/4 KiB = {lo}, plus up to {CHILD_OWN_FAULTS_MAX} of \
             the child's own)"
        ),
        format!("{} minor faults", b.minflt),
        (lo..=hi).contains(&b.minflt),
    )
    .value(b.minflt as f64, "faults")
    .bounds(Some(lo as f64), Some(hi as f64))
    .window("touching, in a fresh child")
}

fn fewer_faults(h: &Row, huge: &Huge, b: &Row) -> Check {
    let name = format!("{}_needs_far_fewer_faults", h.variant);
    let claim = "a huge page is faulted in once for 2 MiB, so touching SIZE needs about 1/512 \
                 of the faults";
    let model = huge.faults(h.span_bytes);
    let hi = model.map(|f| f + CHILD_OWN_FAULTS_MAX);
    let expected = format!(
        "≤ {} faults: one per huge page ({} of them), one per 4 KiB page of the rest, plus up \
         to {CHILD_OWN_FAULTS_MAX} of the child's own",
        hi.map_or("?".into(), |v| v.to_string()),
        huge.bytes.map_or(0, |x| x / huge.huge_page)
    );
    let measured = format!(
        "{} faults vs {} with 4 KiB pages ({} in huge pages)",
        h.minflt,
        b.minflt,
        huge.bytes.map_or("unknown".into(), human_bytes)
    );
    let c = match (huge.why_not(h.span_bytes), hi) {
        (None, Some(hi)) => Check::new(&name, claim, expected, measured, h.minflt <= hi)
            .bounds(None, Some(hi as f64)),
        (why, _) => Check::inconclusive(
            &name,
            claim,
            expected,
            format!("{measured}; {}", why.unwrap_or_default()),
        ),
    };
    c.value(h.minflt as f64, "faults")
        .window("touching, in a fresh child")
        .arg("base_minflt", b.minflt)
}

/// PTE pages and the allowance above them, in KiB, for a span of whole
/// 2 MiB windows that the mapping owns.
fn table_allowance_kib(span: u64, page: u64) -> (u64, u64) {
    let ptes = span.div_ceil(HUGE_PAGE_BYTES);
    let upper = span.div_ceil(ONE_GIB) + 1 + EXTRA_TABLE_PAGES;
    (ptes * page / 1024, upper * page / 1024)
}

/// Transparent huge pages are mapped by one PMD entry each, but Linux
/// allocates a PTE page with every anonymous THP and keeps it aside
/// ("deposits" it) so that splitting the huge page later can never fail for
/// want of memory; VmPTE counts those pages. So with THP as with 4 KiB
/// pages, every 2 MiB window costs one PTE page: deposited for a huge page,
/// in use for 4 KiB ones.
fn thp_deposit(h: &Row, huge: &Huge, page: u64) -> Check {
    let name = "thp_page_tables_are_the_deposit";
    let claim = "a transparent huge page is mapped by one PMD entry, but the kernel keeps one \
                 PTE page per huge page in reserve so it can split it later: VmPTE does not \
                 shrink with THP (the page-table saving needs hugetlbfs)";
    let (lo, extra) = table_allowance_kib(h.span_bytes, page);
    let hi = lo + extra;
    let expected = format!(
        "{lo}–{hi} KiB: one PTE page per 2 MiB window (deposited for a huge page, in use for \
         4 KiB pages), plus up to {extra} KiB of upper-level or incidental pages"
    );
    let delta = h.pte_delta_kib;
    let measured = format!("{delta} KiB");
    let c = match huge.why_not(h.span_bytes) {
        None => Check::new(
            name,
            claim,
            expected,
            measured,
            delta >= lo as i64 && delta <= hi as i64,
        ),
        Some(why) => Check::inconclusive(name, claim, expected, format!("{measured}; {why}")),
    };
    c.value(delta as f64, "KiB")
        .bounds(Some(lo as f64), Some(hi as f64))
        .window("touching, in a fresh child")
}

/// hugetlbfs pages need no PTE page at all: VmPTE may grow only by the
/// upper-level allowance. Judged only when the span needs more PTE pages
/// with 4 KiB pages than that allowance, so the two can be told apart.
fn hugetlb_tables(h: &Row, b: &Row, page: u64) -> Check {
    let name = "hugetlb_needs_far_fewer_page_table_bytes";
    let claim = "a huge page is mapped by one entry one level up (PMD), so no PTE page is \
                 needed for it and the page tables take far fewer bytes";
    let (ptes_kib, extra) = table_allowance_kib(h.span_bytes, page);
    let expected = format!(
        "≤ {extra} KiB of VmPTE (no PTE page; upper-level pages only), where 4 KiB pages need \
         {ptes_kib} KiB of PTE pages"
    );
    let delta = h.pte_delta_kib;
    let measured = format!("{delta} KiB (4 KiB pages: {} KiB)", b.pte_delta_kib);
    let c = if ptes_kib <= extra {
        Check::inconclusive(
            name,
            claim,
            expected,
            format!(
                "{measured}; {}",
                tr_in(
                    Lang::En,
                    "why.hugepage.too_small",
                    &[
                        ("ptes", &ptes_kib.to_string()),
                        ("extra", &extra.to_string())
                    ],
                )
            ),
        )
    } else {
        Check::new(name, claim, expected, measured, delta <= extra as i64)
    };
    c.value(delta as f64, "KiB")
        .bounds(None, Some(extra as f64))
        .window("touching, in a fresh child")
}

/// The median and the median absolute deviation of some timings.
pub fn median_mad(v: &[f64]) -> Option<(f64, f64)> {
    let med = super::super::touch_child::median(v)?;
    let dev: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
    Some((med, super::super::touch_child::median(&dev)?))
}

/// One variant's fork timings: before touching (the child with its region
/// mapped but empty) and after.
struct Forks<'a> {
    after: &'a [f64],
    empty: &'a [f64],
}

impl Forks<'_> {
    /// What the region's pages add to a fork (median after − median
    /// before), the scatter of the two sets (their median absolute
    /// deviations added), and the fewest forks in either set.
    fn region_cost(&self) -> Option<(f64, f64, usize)> {
        let (ma, da) = median_mad(self.after)?;
        let (me, de) = median_mad(self.empty)?;
        Some((ma - me, da + de, self.after.len().min(self.empty.len())))
    }
}

/// Fork time: what the region's pages add to a fork (the same child timed
/// before touching takes away the fixed cost of forking it, which THP can
/// raise: a VMA with MADV_HUGEPAGE is registered with khugepaged at every
/// fork), compared between the variants against the scatter of all four
/// sets of forks, which is measured apart from the difference being judged.
fn fork_faster(h: &Row, huge: &Huge, forks: &Forks<'_>, base: &Forks<'_>) -> Check {
    let name = format!("{}_fork_is_faster", h.variant);
    let claim = "fork copies page-table entries: with huge pages there are 512 times fewer, so \
                 fork is faster";
    let expected = "what the region adds to a fork (median fork after touching − before) below \
                    the 4 KiB run's by more than the forks' own scatter (the four median \
                    absolute deviations added)";
    let (Some((ch, nh, kh)), Some((cb, nb, kb))) = (forks.region_cost(), base.region_cost()) else {
        return Check::inconclusive(
            &name,
            claim,
            expected,
            tr_in(Lang::En, "why.hugepage.no_fork", &[]),
        );
    };
    let noise = nh + nb;
    let diff = cb - ch;
    let measured = format!(
        "the region adds {ch:.1} µs to a fork vs {cb:.1} µs with 4 KiB pages (medians; forks \
         scatter by ± {noise:.1} µs)"
    );
    let (verdict, why) = if let Some(why) = huge.why_not(h.span_bytes) {
        (Verdict::Inconclusive, why)
    } else if kh.min(kb) < MIN_FORKS_FOR_NOISE {
        (
            Verdict::Inconclusive,
            tr_in(
                Lang::En,
                "why.hugepage.few_forks",
                &[("n", &MIN_FORKS_FOR_NOISE.to_string())],
            ),
        )
    } else if diff > noise {
        (Verdict::Holds, String::new())
    } else if diff < -noise {
        (Verdict::Fails, String::new())
    } else {
        (
            Verdict::Inconclusive,
            tr_in(Lang::En, "why.hugepage.within_scatter", &[]),
        )
    };
    let measured = if why.is_empty() {
        measured
    } else {
        format!("{measured}; {why}")
    };
    Check::with_verdict(&name, claim, expected, measured, verdict)
        .value(diff, "µs")
        .bounds(Some(noise), None)
        .noise(noise)
        .window("forks of each variant's child, before and after touching")
}

#[cfg(test)]
mod tests;
