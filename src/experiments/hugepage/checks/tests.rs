//! hugepage's checks on fixed data: each outcome each check can give.

use super::*;
use crate::experiments::fixture::{Fixture, assert_verdicts, verdict};
use crate::probe::host::Meta;

const MIB: u64 = 1 << 20;

fn row(variant: &str, page_kib: u64, span: u64, minflt: u64, delta_kib: i64) -> Row {
    Row {
        variant: variant.into(),
        page_kib,
        span_bytes: span,
        expected_faults: span / (page_kib * 1024),
        minflt,
        vm_pte_before_kib: 52,
        vm_pte_after_kib: (52 + delta_kib) as u64,
        pte_delta_kib: delta_kib,
        rss_delta_kib: (span / 1024) as i64,
        anon_huge_kib: Some(0),
        hugetlb_kib: 0,
        forks: 5,
        ..Row::default()
    }
}

fn huge(mut r: Row, kib: Option<u64>) -> Row {
    r.anon_huge_kib = kib;
    r
}

/// 32 MiB: 8192 faults and 64 KiB of PTE pages with 4 KiB pages.
fn base() -> Row {
    row("4k", 4, 32 * MIB, 8192 + 5, 64)
}

fn judged(rows: &[Row], forks: &[(&str, &[f64])]) -> Judgement {
    let meta = Meta {
        arch: "x86_64".into(),
        page_size: 4096,
        ..Meta::default()
    };
    let f: BTreeMap<&str, &[f64]> = forks.iter().copied().collect();
    let empty: BTreeMap<&str, &[f64]> = forks.iter().map(|(v, _)| (*v, EMPTY)).collect();
    Fixture::with_meta("hugepage", &meta)
        .measure("fork_us", f)
        .measure("fork_us_empty", empty)
        .measure("hugepages_free_before", 0)
        .rows(rows)
        .judge(judge)
}

/// The fork of a child whose region is still empty: the fixed cost.
const EMPTY: &[f64] = &[30.0, 31.0, 29.0, 30.0, 30.0];
const SLOW: &[f64] = &[500.0, 510.0, 490.0, 505.0, 495.0];
const FAST: &[f64] = &[40.0, 42.0, 39.0, 41.0, 40.0];

#[test]
fn base_faults_hold_exactly_and_fail_below_or_far_above() {
    let j = judged(&[base()], &[("4k", SLOW)]);
    assert_eq!(
        verdict(&j, "base_pages_fault_once_per_page"),
        Verdict::Holds
    );
    // Pages that did not fault (fault-around on anonymous memory?): fails.
    let j = judged(&[row("4k", 4, 32 * MIB, 8100, 64)], &[("4k", SLOW)]);
    assert_eq!(
        verdict(&j, "base_pages_fault_once_per_page"),
        Verdict::Fails
    );
    let j = judged(&[row("4k", 4, 32 * MIB, 8192 * 2, 64)], &[("4k", SLOW)]);
    assert_eq!(
        verdict(&j, "base_pages_fault_once_per_page"),
        Verdict::Fails
    );
}

#[test]
fn thp_faults_follow_what_was_really_huge() {
    // All 16 huge pages: 16 faults and a few of the child's own.
    let t = huge(row("thp", 2048, 32 * MIB, 18, 64), Some(32 * 1024));
    let j = judged(&[base(), t], &[("4k", SLOW), ("thp", FAST)]);
    assert_eq!(verdict(&j, "thp_needs_far_fewer_faults"), Verdict::Holds);
    // Half huge: 8 + 4096 faults is right, not a failure of the claim.
    let t = huge(
        row("thp", 2048, 32 * MIB, 8 + 4096 + 3, 64),
        Some(16 * 1024),
    );
    let j = judged(&[base(), t], &[("4k", SLOW), ("thp", FAST)]);
    assert_eq!(verdict(&j, "thp_needs_far_fewer_faults"), Verdict::Holds);
    // AnonHugePages says all huge, but it took a fault per 4 KiB page.
    let t = huge(row("thp", 2048, 32 * MIB, 8192, 64), Some(32 * 1024));
    let j = judged(&[base(), t], &[("4k", SLOW), ("thp", FAST)]);
    assert_eq!(verdict(&j, "thp_needs_far_fewer_faults"), Verdict::Fails);
    // No huge page at all, or unknown: cannot judge.
    for kib in [Some(0), None] {
        let t = huge(row("thp", 2048, 32 * MIB, 8192, 64), kib);
        let j = judged(&[base(), t], &[("4k", SLOW), ("thp", FAST)]);
        assert_verdicts(
            &j,
            &[
                ("thp_needs_far_fewer_faults", Verdict::Inconclusive),
                ("thp_page_tables_are_the_deposit", Verdict::Inconclusive),
                ("thp_fork_is_faster", Verdict::Inconclusive),
            ],
        );
    }
}

#[test]
fn thp_deposit_is_one_pte_page_per_2_mib() {
    let t = huge(row("thp", 2048, 32 * MIB, 18, 64), Some(32 * 1024));
    let j = judged(&[base(), t], &[("4k", SLOW), ("thp", FAST)]);
    assert_eq!(
        verdict(&j, "thp_page_tables_are_the_deposit"),
        Verdict::Holds
    );
    // No deposit (a kernel that maps THP without one): 0 KiB fails.
    let t = huge(row("thp", 2048, 32 * MIB, 18, 0), Some(32 * 1024));
    let j = judged(&[base(), t], &[("4k", SLOW), ("thp", FAST)]);
    assert_eq!(
        verdict(&j, "thp_page_tables_are_the_deposit"),
        Verdict::Fails
    );
}

#[test]
fn hugetlb_tables_hold_fail_and_need_a_size_that_tells() {
    let h = row("hugetlb", 2048, 32 * MIB, 17, 4);
    let j = judged(&[base(), h], &[("4k", SLOW), ("hugetlb", FAST)]);
    assert_verdicts(
        &j,
        &[
            ("hugetlb_needs_far_fewer_page_table_bytes", Verdict::Holds),
            ("hugetlb_needs_far_fewer_faults", Verdict::Holds),
        ],
    );
    // PTE pages as with 4 KiB pages, and a fault per 4 KiB: both fail
    // (hugetlbfs cannot fall back, so nothing makes them inconclusive).
    let h = row("hugetlb", 2048, 32 * MIB, 8192, 64);
    let j = judged(&[base(), h], &[("4k", SLOW), ("hugetlb", FAST)]);
    assert_verdicts(
        &j,
        &[
            ("hugetlb_needs_far_fewer_page_table_bytes", Verdict::Fails),
            ("hugetlb_needs_far_fewer_faults", Verdict::Fails),
        ],
    );
    // 4 MiB: 2 PTE pages (8 KiB) against 24 KiB of upper-level allowance.
    let small = row("4k", 4, 4 * MIB, 1024, 8);
    let h = row("hugetlb", 2048, 4 * MIB, 3, 4);
    let j = judged(&[small, h], &[("4k", SLOW), ("hugetlb", FAST)]);
    assert_eq!(
        verdict(&j, "hugetlb_needs_far_fewer_page_table_bytes"),
        Verdict::Inconclusive
    );
}

#[test]
fn fork_is_judged_against_the_forks_own_scatter() {
    let t = || huge(row("thp", 2048, 32 * MIB, 18, 64), Some(32 * 1024));
    let j = judged(&[base(), t()], &[("4k", SLOW), ("thp", FAST)]);
    assert_eq!(verdict(&j, "thp_fork_is_faster"), Verdict::Holds);
    let j = judged(&[base(), t()], &[("4k", FAST), ("thp", SLOW)]);
    assert_eq!(verdict(&j, "thp_fork_is_faster"), Verdict::Fails);
    // Medians 10 µs apart, each scattering by ± 50 µs: cannot tell.
    let a: &[f64] = &[400.0, 500.0, 450.0, 350.0, 550.0];
    let b: &[f64] = &[410.0, 510.0, 460.0, 360.0, 560.0];
    let j = judged(&[base(), t()], &[("4k", b), ("thp", a)]);
    assert_eq!(verdict(&j, "thp_fork_is_faster"), Verdict::Inconclusive);
    // Two forks cannot measure their scatter.
    let j = judged(&[base(), t()], &[("4k", &SLOW[..2]), ("thp", &FAST[..2])]);
    assert_eq!(verdict(&j, "thp_fork_is_faster"), Verdict::Inconclusive);
}

#[test]
fn median_and_mad() {
    assert_eq!(median_mad(&[1.0, 2.0, 3.0, 4.0, 100.0]), Some((3.0, 1.0)));
    assert_eq!(median_mad(&[]), None);
}

#[test]
fn inconclusive_reasons_are_shown_in_japanese() {
    use crate::experiments::fixture::{assert_reason_in_japanese, check};
    let t = huge(row("thp", 2048, 32 * MIB, 8192, 64), Some(0));
    let j = judged(&[base(), t], &[("4k", SLOW), ("thp", FAST)]);
    for name in [
        "thp_needs_far_fewer_faults",
        "thp_page_tables_are_the_deposit",
        "thp_fork_is_faster",
    ] {
        assert_reason_in_japanese(check(&j, name), "backed by huge pages");
    }
    let t = huge(row("thp", 2048, 32 * MIB, 8192, 64), None);
    let j = judged(&[base(), t], &[("4k", SLOW), ("thp", FAST)]);
    assert_reason_in_japanese(check(&j, "thp_fork_is_faster"), "cannot be read here");
    let small = row("4k", 4, 4 * MIB, 1024, 8);
    let h = row("hugetlb", 2048, 4 * MIB, 3, 4);
    let j = judged(&[small, h], &[("4k", SLOW), ("hugetlb", FAST)]);
    assert_reason_in_japanese(
        check(&j, "hugetlb_needs_far_fewer_page_table_bytes"),
        "SIZE is too small",
    );
    let t = || huge(row("thp", 2048, 32 * MIB, 18, 64), Some(32 * 1024));
    let a: &[f64] = &[400.0, 500.0, 450.0, 350.0, 550.0];
    let b: &[f64] = &[410.0, 510.0, 460.0, 360.0, 560.0];
    let j = judged(&[base(), t()], &[("4k", b), ("thp", a)]);
    assert_reason_in_japanese(check(&j, "thp_fork_is_faster"), "own scatter");
    let j = judged(&[base(), t()], &[("4k", &SLOW[..2]), ("thp", &FAST[..2])]);
    assert_reason_in_japanese(check(&j, "thp_fork_is_faster"), "how much they scatter");
}

#[test]
fn a_pte_delta_that_is_not_the_counters_is_refused() {
    let mut r = base();
    r.vm_pte_after_kib = r.vm_pte_before_kib;
    let e = Fixture::new("hugepage")
        .measure("hugepages_free_before", 0)
        .rows(&[r])
        .try_judge(judge)
        .unwrap_err()
        .to_string();
    assert!(e.contains("pte_delta_kib"), "{e}");
}
