//! page-table's checks: a pure function of the recorded rows, measurements
//! and meta (`memlab judge` runs the same code on a saved JSON).
//!
//! Every case runs in a fresh child whose mapping starts on a boundary of
//! `align_bytes` and covers whole table windows beyond the span it touches,
//! so no other mapping can own a table page the touching needs: the
//! page-table pages a case adds are counted exactly from below, and from
//! above up to the upper-level pages a span may share or not.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::experiments::{Judgement, Recorded};
use crate::report::Check;
use crate::sys::HUGE_PAGE_BYTES;
use crate::units::human_bytes;

/// A page-table entry on a 64-bit machine is one machine word.
pub const PTE_ENTRY_BYTES: u64 = std::mem::size_of::<u64>() as u64;
/// The document's figure for x86_64, to compare the arithmetic with.
pub const DOCUMENT_FLAT_BYTES: u64 = 256 << 30;
/// x86_64 gives user space the lower half of the virtual address width, and
/// keeps it at 47 bits (128 TiB) even on 5-level (57-bit) CPUs unless a
/// program asks for higher addresses.
const X86_64_USER_BITS_MAX: u32 = 47;
/// One PMD page maps 1 GiB (512 entries of 2 MiB).
pub const ONE_GIB: u64 = 1 << 30;
/// Table pages a case may add beyond the ones its span needs: a PUD page
/// (one per 512 GiB, new when the span opens one) and the child's own
/// stack or heap growing into a new table page between the two readings.
pub const EXTRA_TABLE_PAGES: u64 = 4;
/// "Much smaller than the flat table": the largest VmPTE measured must stay
/// below this fraction of it.
pub const REAL_VS_FLAT_MAX: f64 = 1e-3;

/// One case: a fresh child that mapped, then touched one byte every
/// `stride_bytes` over `span_bytes` from a boundary of `align_bytes`.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Row {
    pub case: String,
    pub huge: String,
    pub align_bytes: u64,
    pub stride_bytes: u64,
    pub span_bytes: u64,
    pub touched_pages: u64,
    pub minflt: u64,
    pub vm_pte_before_kib: u64,
    pub vm_pte_after_kib: u64,
    pub pte_delta_kib: i64,
    pub pte_bytes_per_touched_page: f64,
    pub rss_delta_kib: i64,
    /// Empty where smaps_rollup cannot be read: unknown, not zero.
    pub anon_huge_kib: Option<u64>,
}

/// Figures that are not rows.
#[derive(Deserialize, Default)]
struct Measured {
    /// From /proc/cpuinfo's `address sizes`; absent on CPUs that do not say.
    virtual_address_bits: Option<u32>,
    memlab_vm_pte_kib: Option<u64>,
    reserve_used_bytes: Option<u64>,
    system_page_tables_kib: Option<u64>,
}

/// The document's arithmetic, from a host's address width and page size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlatTable {
    pub user_bits: u32,
    pub user_space: u64,
    pub entries: u64,
    pub bytes: u64,
}

impl FlatTable {
    pub fn of(virtual_bits: Option<u32>, arch: &str, page: u64) -> FlatTable {
        let user_bits = match virtual_bits {
            Some(b) if arch == "x86_64" && b > 1 => (b - 1).min(X86_64_USER_BITS_MAX),
            _ => X86_64_USER_BITS_MAX,
        };
        let user_space = 1u64 << user_bits;
        let entries = user_space / page.max(1);
        FlatTable {
            user_bits,
            user_space,
            entries,
            bytes: entries * PTE_ENTRY_BYTES,
        }
    }
}

/// The page-table pages a case must add (`lo`) and may add (`hi`).
///
/// PTE pages: one per 2 MiB window touched; PMD pages: one per 1 GiB window
/// touched. Both are new when the mapping owns the whole window (it starts
/// on that boundary and extends past the span to the window's end); a span
/// aligned to 2 MiB only may find its PMD pages already there, or cross one
/// 1 GiB boundary more than its length says.
pub fn table_pages(row: &Row) -> (u64, u64) {
    let windows = |w: u64| {
        if row.stride_bytes >= w {
            row.touched_pages
        } else {
            row.span_bytes.div_ceil(w)
        }
    };
    let ptes = windows(HUGE_PAGE_BYTES);
    let pmds = windows(ONE_GIB);
    if row.align_bytes >= ONE_GIB {
        (ptes + pmds, ptes + pmds + EXTRA_TABLE_PAGES)
    } else {
        (ptes, ptes + pmds + 1 + EXTRA_TABLE_PAGES)
    }
}

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    // The checks read the kernel's two counters; the delta beside them is
    // for the reader, and must be theirs.
    for x in &rows {
        crate::experiments::pte_delta_is_the_counters(
            &x.case,
            x.vm_pte_before_kib,
            x.vm_pte_after_kib,
            x.pte_delta_kib,
        )?;
    }
    let m: Measured = rec.measurements_as()?;
    let page = rec.meta.page_size;
    let flat = FlatTable::of(m.virtual_address_bits, &rec.meta.arch, page);
    let mut j = Judgement::default();
    summarise(&mut j, &flat, &m, &rows, page);
    j.check(flat_check(&flat, &rec.meta.arch, page));
    for row in &rows {
        if let Some(c) = table_check(row, page) {
            j.check(c);
        }
    }
    if let Some(c) = far_smaller_check(&rows, &flat) {
        j.check(c);
    }
    Ok(j)
}

fn summarise(j: &mut Judgement, flat: &FlatTable, m: &Measured, rows: &[Row], page: u64) {
    j.summary("virtual_address_bits", m.virtual_address_bits);
    j.summary("user_space_bits", flat.user_bits);
    j.summary("user_space_bytes", flat.user_space);
    j.summary("page_size_bytes", page);
    j.summary("pte_entry_bytes", PTE_ENTRY_BYTES);
    j.summary("flat_table_entries", flat.entries);
    j.summary("flat_table_bytes", flat.bytes);
    j.summary("memlab_vm_pte_kib", m.memlab_vm_pte_kib);
    if let Some(v) = m.reserve_used_bytes {
        j.summary("reserve_used_bytes", v);
    }
    if let Some(v) = m.system_page_tables_kib {
        j.summary("system_page_tables_kib", v);
    }
    for x in rows {
        let key = x.case.replace('-', "_");
        j.summary(&format!("{key}_pte_delta_kib"), x.pte_delta_kib);
        j.summary(
            &format!("{key}_pte_bytes_per_page"),
            (x.pte_bytes_per_touched_page * 100.0).round() / 100.0,
        );
    }
}

fn flat_check(flat: &FlatTable, arch: &str, page: u64) -> Check {
    let name = "flat_table_would_be_256_gib";
    let claim = "a flat page table for x86_64's 128 TiB of user space, with 4 KiB pages and \
                 8-byte entries, would take 256 GiB per process";
    let expected = human_bytes(DOCUMENT_FLAT_BYTES);
    let c = if arch == "x86_64" && page == 4096 {
        Check::new(
            name,
            claim,
            expected,
            format!("{} ({} bytes)", human_bytes(flat.bytes), flat.bytes),
            flat.bytes == DOCUMENT_FLAT_BYTES,
        )
    } else {
        Check::inconclusive(
            name,
            claim,
            expected,
            crate::i18n::tr_in(
                crate::i18n::Lang::En,
                "why.page_table.other_arch",
                &[
                    ("arch", arch),
                    ("page", &page.to_string()),
                    ("flat", &human_bytes(flat.bytes)),
                ],
            ),
        )
    };
    let b = DOCUMENT_FLAT_BYTES as f64;
    c.value(flat.bytes as f64, "bytes")
        .bounds(Some(b), Some(b))
        .arg("user_space_bits", flat.user_bits)
        .arg("page_size_bytes", page)
}

/// The case's claim and check name; `None` for a case without a check of
/// its own (dense-thp: a note explains it).
fn case_claim(case: &str) -> Option<(&'static str, &'static str)> {
    Some(match case {
        "dense" => (
            "dense_costs_8_bytes_per_page",
            "touching every page needs one 8-byte entry per page: one 4 KiB PTE page per 512 \
             pages, about 1/512 of the memory touched",
        ),
        "sparse-2m" => (
            "sparse_2m_costs_a_table_page_per_touch",
            "a page touched alone in its 2 MiB needs a whole PTE page of its own, so sparse \
             touching costs far more than 8 bytes per page",
        ),
        "sparse-1g" => (
            "sparse_1g_costs_two_table_pages_per_touch",
            "a page touched alone in its 1 GiB needs a PTE page and a PMD page of its own",
        ),
        _ => return None,
    })
}

fn table_check(row: &Row, page: u64) -> Option<Check> {
    let (name, claim) = case_claim(&row.case)?;
    let (lo, hi) = table_pages(row);
    let (lo_kib, hi_kib) = (lo * page / 1024, hi * page / 1024);
    let delta = row.pte_delta_kib;
    Some(
        Check::new(
            name,
            claim,
            format!(
                "{lo_kib}–{hi_kib} KiB of VmPTE for {} pages touched over {} ({lo} table pages \
                 needed, up to {} more upper-level or incidental ones)",
                row.touched_pages,
                human_bytes(row.span_bytes),
                hi - lo
            ),
            format!(
                "{delta} KiB, {:.2} bytes per touched page",
                row.pte_bytes_per_touched_page
            ),
            delta >= lo_kib as i64 && delta <= hi_kib as i64,
        )
        .value(delta as f64, "KiB")
        .bounds(Some(lo_kib as f64), Some(hi_kib as f64))
        .window("touching, in a fresh child")
        .arg("touched_pages", row.touched_pages)
        .arg("span_bytes", row.span_bytes),
    )
}

fn far_smaller_check(rows: &[Row], flat: &FlatTable) -> Option<Check> {
    let peak = rows.iter().map(|x| x.vm_pte_after_kib).max()?;
    let peak_bytes = peak * 1024;
    let limit = flat.bytes as f64 * REAL_VS_FLAT_MAX;
    Some(
        Check::new(
            "real_tables_far_smaller_than_flat",
            "with a hierarchy the kernel spends page tables only where memory is used, far \
             less than a flat table",
            format!(
                "largest VmPTE < {} (1/1000 of {})",
                human_bytes(limit as u64),
                human_bytes(flat.bytes)
            ),
            format!(
                "largest VmPTE {} = 1/{:.0} of the flat table",
                human_bytes(peak_bytes),
                flat.bytes as f64 / peak_bytes.max(1) as f64
            ),
            (peak_bytes as f64) < limit,
        )
        .value(peak_bytes as f64, "bytes")
        .bounds(None, Some(limit)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::fixture::{Fixture, assert_verdicts, verdict};
    use crate::probe::host::Meta;
    use crate::report::Verdict;

    const MIB: u64 = 1 << 20;

    fn meta(arch: &str, page: u64) -> Meta {
        Meta {
            arch: arch.into(),
            page_size: page,
            ..Meta::default()
        }
    }

    fn row(case: &str, align: u64, stride: u64, span: u64, delta_kib: i64) -> Row {
        let touched = span.div_ceil(stride);
        Row {
            case: case.into(),
            huge: "madv_nohugepage".into(),
            align_bytes: align,
            stride_bytes: stride,
            span_bytes: span,
            touched_pages: touched,
            minflt: touched,
            vm_pte_before_kib: 48,
            vm_pte_after_kib: (48 + delta_kib) as u64,
            pte_delta_kib: delta_kib,
            pte_bytes_per_touched_page: (delta_kib * 1024) as f64 / touched as f64,
            rss_delta_kib: (touched * 4) as i64,
            anon_huge_kib: Some(0),
        }
    }

    fn judged(m: Meta, bits: Option<u32>, rows: &[Row]) -> Judgement {
        Fixture::with_meta(crate::experiments::page_table::INFO.name, &m)
            .measure("virtual_address_bits", bits)
            .measure("memlab_vm_pte_kib", 48)
            .rows(rows)
            .judge(judge)
    }

    #[test]
    fn a_delta_that_is_not_the_counters_is_refused() {
        let mut r = row("dense", 2 << 20, 4096, 2 << 20, 8);
        let f = |r: &Row| {
            Fixture::with_meta(crate::experiments::page_table::INFO.name, &Meta::default())
                .measure("virtual_address_bits", Some(48))
                .measure("memlab_vm_pte_kib", 48)
                .rows(std::slice::from_ref(r))
                .try_judge(judge)
        };
        assert!(f(&r).is_ok());
        r.vm_pte_after_kib = r.vm_pte_before_kib;
        let e = f(&r).unwrap_err().to_string();
        assert!(e.contains("pte_delta_kib"), "{e}");
    }

    #[test]
    fn flat_table_holds_fails_and_is_inconclusive_off_x86() {
        let j = judged(meta("x86_64", 4096), Some(48), &[]);
        assert_eq!(verdict(&j, "flat_table_would_be_256_gib"), Verdict::Holds);
        assert_eq!(j.summary["flat_table_bytes"], 274_877_906_944u64);
        // A (hypothetical) 40-bit x86_64: 512 GiB of user space, 1 GiB table.
        let j = judged(meta("x86_64", 4096), Some(40), &[]);
        assert_eq!(verdict(&j, "flat_table_would_be_256_gib"), Verdict::Fails);
        let j = judged(meta("aarch64", 65536), Some(48), &[]);
        assert_eq!(
            verdict(&j, "flat_table_would_be_256_gib"),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn another_architecture_says_why_in_japanese() {
        let j = judged(meta("aarch64", 65536), Some(48), &[]);
        let line = crate::experiments::fixture::assert_japanese_reason(
            &j,
            "flat_table_would_be_256_gib",
            "このホストは aarch64 で、ページは 65536 バイトです",
        );
        assert!(!line.contains("this host"), "{line}");
    }

    #[test]
    fn dense_3m_needs_both_pte_pages_and_fails_with_one() {
        // 3 MiB from a 2 MiB boundary: two PTE pages (8 KiB), both owned.
        let page = 4096;
        let ok = row("dense", 2 * MIB, page, 3 * MIB, 8);
        let (lo, hi) = table_pages(&ok);
        assert_eq!((lo, hi), (2, 2 + 1 + 1 + EXTRA_TABLE_PAGES));
        let j = judged(meta("x86_64", page), Some(48), &[ok]);
        assert_eq!(verdict(&j, "dense_costs_8_bytes_per_page"), Verdict::Holds);
        // The last PTE page already existed (shared with a neighbour): 4 KiB.
        let shared = row("dense", 2 * MIB, page, 3 * MIB, 4);
        let j = judged(meta("x86_64", page), Some(48), &[shared]);
        assert_eq!(verdict(&j, "dense_costs_8_bytes_per_page"), Verdict::Fails);
        // Far more than 8 bytes per page.
        let fat = row("dense", 2 * MIB, page, 256 * MIB, 1024);
        let j = judged(meta("x86_64", page), Some(48), &[fat]);
        assert_eq!(verdict(&j, "dense_costs_8_bytes_per_page"), Verdict::Fails);
        assert_eq!(j.summary["dense_pte_delta_kib"], 1024);
    }

    #[test]
    fn sparse_cases_count_owned_pte_and_pmd_pages_exactly() {
        let page = 4096;
        let g = ONE_GIB;
        // 4 GiB reserved, aligned to 1 GiB: 2048 PTE pages + 4 PMD pages.
        let s2 = row("sparse-2m", g, 2 * MIB, 4 * g, (2048 + 4) * 4);
        assert_eq!(table_pages(&s2).0, 2052);
        let s1 = row("sparse-1g", g, g, 4 * g, 8 * 4);
        assert_eq!(table_pages(&s1).0, 8);
        let j = judged(meta("x86_64", page), Some(48), &[s2, s1]);
        assert_verdicts(
            &j,
            &[
                ("sparse_2m_costs_a_table_page_per_touch", Verdict::Holds),
                ("sparse_1g_costs_two_table_pages_per_touch", Verdict::Holds),
                ("real_tables_far_smaller_than_flat", Verdict::Holds),
            ],
        );
        // 8 bytes per touched page (no PTE page of their own): fails.
        let s2 = row("sparse-2m", g, 2 * MIB, 4 * g, 16);
        let s1 = row("sparse-1g", g, g, 4 * g, 16);
        let j = judged(meta("x86_64", page), Some(48), &[s2, s1]);
        assert_verdicts(
            &j,
            &[
                ("sparse_2m_costs_a_table_page_per_touch", Verdict::Fails),
                ("sparse_1g_costs_two_table_pages_per_touch", Verdict::Fails),
            ],
        );
    }

    #[test]
    fn a_table_as_big_as_a_thousandth_of_the_flat_one_fails() {
        let d = row("dense", 2 * MIB, 4096, 64 * MIB, 300 << 10);
        let j = judged(meta("x86_64", 4096), Some(48), &[d]);
        assert_eq!(
            verdict(&j, "real_tables_far_smaller_than_flat"),
            Verdict::Fails
        );
    }

    #[test]
    fn a_row_without_a_field_is_a_usage_error() {
        let mut f = Fixture::with_meta(
            crate::experiments::page_table::INFO.name,
            &meta("x86_64", 4096),
        )
        .rows(&[row("dense", 2 * MIB, 4096, 4 * MIB, 8)]);
        f.rows[0].remove("align_bytes");
        let e = f.try_judge(judge).unwrap_err();
        assert!(e.to_string().contains("align_bytes"), "{e}");
        assert!(e.downcast_ref::<crate::error::UsageError>().is_some());
    }
}
