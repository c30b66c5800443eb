use crate::common::rejudge;
use crate::common::*;

use serde_json::Value;

fn hugepages_free() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("HugePages_Free:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn row<'a>(r: &'a Value, v: &str) -> Option<&'a Value> {
    row_where(r, "variant", v)
}

/// Every check must hold or be inconclusive.
fn run_hugepage(size: &str) -> Value {
    let r = json_run(&["hugepage", "--size", size, "--forks", "3"], &[0]);
    assert_no_failed_checks(&r);
    r
}

#[test]
fn judge_gives_the_runs_verdicts_again() {
    rejudge::assert_args_rejudge_the_same(&["hugepage", "--size", "8M", "--forks", "3"]);
}

#[test]
fn base_pages_fault_once_per_page_and_cost_8_bytes_of_table_each() {
    let r = run_hugepage("32M");
    let b = row(&r, "4k").expect("4k row");
    // Every page once, and a few faults of the child's own.
    let faults = field(b, "minflt");
    assert!(
        (8192.0..=8192.0 + 64.0).contains(&faults),
        "{faults} faults for 8192 pages"
    );
    let kib = field(b, "pte_delta_kib");
    assert!(
        (64.0..=64.0 + 5.0 * 4.0).contains(&kib),
        "VmPTE grew by {kib} KiB"
    );
    assert_eq!(field(b, "anon_huge_kib"), 0.0);
    assert_eq!(field(b, "forks"), 3.0);
    assert!(field(b, "fork_us_median") > 0.0);
}

#[test]
fn thp_needs_far_fewer_faults_when_huge_pages_are_obtained() {
    let r = run_hugepage("32M");
    match thp_mode().as_str() {
        "always" | "madvise" => {
            let t = row(&r, "thp").expect("thp row");
            let huge = field(t, "anon_huge_kib");
            if huge >= 16.0 * 1024.0 {
                // 16 huge pages for 32 MiB: a fault each, plus the child's own few.
                assert!(field(t, "minflt") <= 16.0 + 16.0, "{t}");
                assert_eq!(check(&r, "thp_needs_far_fewer_faults")["holds"], true);
                // VmPTE: one deposited PTE page per huge page, like 4 KiB pages.
                let kib = field(t, "pte_delta_kib");
                let deposits = huge / 512.0;
                assert!((deposits..=deposits + 5.0 * 4.0).contains(&kib), "{t}");
            } else {
                assert!(check(&r, "thp_needs_far_fewer_faults")["holds"].is_null());
            }
        }
        _ => {
            assert!(row(&r, "thp").is_none());
            assert!(r["skipped"].to_string().contains("thp"));
        }
    }
}

#[test]
fn hugetlb_runs_only_when_pages_are_reserved() {
    let r = run_hugepage("16M");
    if hugepages_free() >= 8 + 8 {
        // A comfortable pool (another run may hold some): the variant ran or
        // said why mmap failed.
        let ran = row(&r, "hugetlb").is_some();
        assert!(ran || r["skipped"].to_string().contains("hugetlb"));
        if let Some(h) = row(&r, "hugetlb") {
            assert!(field(h, "minflt") <= 8.0 + 16.0, "{h}");
        }
    } else if hugepages_free() < 8 {
        assert!(row(&r, "hugetlb").is_none());
        assert!(r["skipped"].to_string().contains("vm.nr_hugepages"));
    }
}

#[test]
fn csv_and_plot_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("h.csv");
    let svg = dir.path().join("h.svg");
    let o = run(&[
        "hugepage",
        "--size",
        "16M",
        "--forks",
        "3",
        "-q",
        "--csv",
        csv.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
    ]);
    // The same run as the other tests' (16M, 3 forks): no check may fail.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = read_csv(&csv);
    assert!(rows.iter().any(|r| r["variant"] == "4k"));
    for r in &rows {
        num(r, "minflt");
        num(r, "fork_us_median");
    }
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
}

#[test]
fn zero_forks_is_a_usage_error() {
    let o = run(&["hugepage", "--forks", "0"]);
    assert_eq!(o.status.code(), Some(2));
}
