//! Fixed-data tests: each check holding, failing and inconclusive.

use super::*;
use crate::experiments::fixture::{Fixture, of, verdicts};
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
    let j = Fixture::new("free")
        .page_size(4096)
        .rows(rows)
        .measure("online_cpus", cpus)
        .judge(judge);
    verdicts(&j)
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
        of(&v, "available_at_least_free_less_reserve"),
        Verdict::Fails
    );
    assert_eq!(of(&v, "available_is_the_kernels_estimate"), Verdict::Fails);
    assert_eq!(of(&v, "available_at_most_free_plus_caches"), Verdict::Holds);
}

#[test]
fn available_above_free_plus_caches_fails() {
    let v = judged(&[row(1_000_000, 1_200_000)], Some(2));
    assert_eq!(of(&v, "available_at_most_free_plus_caches"), Verdict::Fails);
    assert_eq!(
        of(&v, "available_at_least_free_less_reserve"),
        Verdict::Holds
    );
    assert_eq!(of(&v, "available_is_the_kernels_estimate"), Verdict::Fails);
}

#[test]
fn a_departure_within_the_vmstat_tolerance_holds() {
    // 2 CPUs × 3 counters × 125 pages × 4 KiB = 3000 KiB.
    let free = 1_000_000;
    let exact = free - 159_104 + 20_000 + 25_000;
    let v = judged(&[row(free, exact + 2_900)], Some(2));
    assert_eq!(of(&v, "available_is_the_kernels_estimate"), Verdict::Holds);
    let v = judged(&[row(free, exact + 3_100)], Some(2));
    assert_eq!(of(&v, "available_is_the_kernels_estimate"), Verdict::Fails);
}

#[test]
fn the_worst_sample_decides() {
    let free = 1_000_000;
    let exact = free - 159_104 + 20_000 + 25_000;
    let v = judged(&[row(free, exact), row(free, 100)], Some(2));
    assert_eq!(
        of(&v, "available_at_least_free_less_reserve"),
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
fn a_missing_figure_is_explained_in_japanese() {
    let j = Fixture::new("free")
        .page_size(4096)
        .rows(&[row(1_000_000, 900_000)])
        .measure("online_cpus", None::<u64>)
        .judge(judge);
    for name in [
        "available_at_least_free_less_reserve",
        "available_at_most_free_plus_caches",
        "available_is_the_kernels_estimate",
    ] {
        let line = crate::experiments::fixture::assert_japanese_reason(
            &j,
            name,
            "判定に必要な値がここではわかりません",
        );
        assert!(!line.contains("a figure it needs"), "{line}");
    }
    assert!(
        j.checks[0]
            .measured
            .starts_with("a figure it needs is absent here")
    );
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
    assert_eq!(of(&v, "available_is_the_kernels_estimate"), Verdict::Holds);
}

#[test]
fn rows_without_the_new_fields_still_parse() {
    let mut f = Fixture::new("free");
    f.rows.push(
        json!({"total_kib": 1, "used_kib": 0, "free_kib": 1, "shared_kib": 0,
               "buff_cache_kib": 0, "available_kib": 1, "unavailable_kib": 0,
               "swap_total_kib": 0, "swap_used_kib": 0, "swap_free_kib": 0,
               "pcp_free_kib": 0, "mem_used_adj_kib": 0})
        .as_object()
        .unwrap()
        .clone(),
    );
    let j = f.judge(judge);
    assert!(j.checks.iter().all(|c| c.verdict == Verdict::Inconclusive));
}

#[test]
fn a_file_with_every_row_is_judged_from_its_rows_not_its_stored_figures() {
    // The stored fold says the good row; the file's one row is far below
    // the reserve: judged from the row, it fails.
    let free = 1_000_000;
    let good = row(free, free - 159_104 + 20_000 + 25_000);
    let mut stored = Online::default();
    stored.push(&good);
    let j = Fixture::new("free")
        .page_size(4096)
        .rows(&[row(free, 500_000)])
        .measure("online_cpus", Some(2))
        .measure("online", &stored)
        .judge(judge);
    assert_eq!(
        of(&verdicts(&j), "available_at_least_free_less_reserve"),
        Verdict::Fails
    );
    // A report that kept fewer rows than it folded: the stored figures.
    let j = Fixture::new("free")
        .page_size(4096)
        .rows(&[row(free, 500_000), row(free, 500_000)])
        .measure("online_cpus", Some(2))
        .measure("online", &stored)
        .judge(judge);
    assert_eq!(
        of(&verdicts(&j), "available_at_least_free_less_reserve"),
        Verdict::Holds
    );
}
