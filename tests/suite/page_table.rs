use crate::common::rejudge;
use crate::common::*;

use serde_json::Value;

fn row<'a>(r: &'a Value, case: &str) -> Option<&'a Value> {
    row_where(r, "case", case)
}

fn overcommit_strict() -> bool {
    std::fs::read_to_string("/proc/sys/vm/overcommit_memory").is_ok_and(|s| s.trim() == "2")
}

#[test]
fn flat_table_arithmetic_is_computed_from_page_size_and_address_bits() {
    let r = json_run(&["page-table", "--size", "16M", "--reserve", "4G"], &[0]);
    let s = &r["summary"];
    let user = s["user_space_bytes"].as_u64().unwrap();
    let page = s["page_size_bytes"].as_u64().unwrap();
    let entry = s["pte_entry_bytes"].as_u64().unwrap();
    assert_eq!(user, 1u64 << s["user_space_bits"].as_u64().unwrap());
    assert_eq!(s["flat_table_bytes"].as_u64().unwrap(), user / page * entry);
    if cfg!(target_arch = "x86_64") && page == 4096 {
        assert_eq!(s["flat_table_bytes"].as_u64().unwrap(), 274_877_906_944);
        assert_eq!(check(&r, "flat_table_would_be_256_gib")["holds"], true);
    }
    assert_no_failed_checks(&r);
}

#[test]
fn dense_touching_costs_8_bytes_of_page_table_per_page() {
    let r = json_run(&["page-table", "--size", "16M", "--reserve", "4G"], &[0]);
    let d = row(&r, "dense").expect("dense row");
    assert_eq!(field(d, "touched_pages"), 4096.0);
    // One fault per page, and a handful for the child's own stack or pipe.
    let faults = field(d, "minflt");
    assert!(
        (4096.0..=4096.0 * 1.03).contains(&faults),
        "{faults} faults"
    );
    // 16 MiB / 2 MiB = 8 PTE pages = 32 KiB, plus at most a few upper-level pages.
    let kib = field(d, "pte_delta_kib");
    assert!(
        (32.0..=32.0 + 5.0 * 4.0).contains(&kib),
        "VmPTE grew by {kib} KiB"
    );
    assert!(field(d, "vm_pte_after_kib") - field(d, "vm_pte_before_kib") == kib);
    assert_eq!(check(&r, "dense_costs_8_bytes_per_page")["holds"], true);
}

#[test]
fn sparse_touching_costs_a_whole_table_page_per_touched_page() {
    let r = json_run(&["page-table", "--size", "16M", "--reserve", "4G"], &[0]);
    if overcommit_strict() {
        assert!(r["skipped"].to_string().contains("overcommit"));
        return;
    }
    let reserve = r["summary"]["reserve_used_bytes"].as_f64().unwrap();
    let s2 = row(&r, "sparse-2m").expect("sparse-2m row");
    assert_eq!(field(s2, "touched_pages"), reserve / (2u64 << 20) as f64);
    // The reservation owns its 1 GiB windows: one PTE page per touch and one
    // PMD page per GiB, exactly.
    let per = field(s2, "pte_bytes_per_touched_page");
    assert_eq!(per, 4096.0 + 8.0, "{per} bytes per page");
    let s1 = row(&r, "sparse-1g").expect("sparse-1g row");
    assert_eq!(field(s1, "touched_pages"), reserve / (1u64 << 30) as f64);
    let per = field(s1, "pte_bytes_per_touched_page");
    // A PTE page and a PMD page per touch (a new PUD page at most besides).
    assert!(
        (8192.0..=8192.0 + 4096.0 / 4.0).contains(&per),
        "{per} bytes per page"
    );
    assert_eq!(
        check(&r, "sparse_2m_costs_a_table_page_per_touch")["holds"],
        true
    );
    assert_eq!(
        check(&r, "real_tables_far_smaller_than_flat")["holds"],
        true
    );
}

#[test]
fn thp_dense_case_follows_the_hosts_thp_mode() {
    let r = json_run(
        &["page-table", "--size", "16M", "--reserve", "2G", "--thp"],
        &[0],
    );
    match thp_mode().as_str() {
        "always" | "madvise" => {
            let t = row(&r, "dense-thp").expect("dense-thp row");
            let huge = field(t, "anon_huge_kib");
            if huge >= 8.0 * 1024.0 {
                // Huge pages obtained: one fault per 2 MiB instead of per 4 KiB.
                assert!(field(t, "minflt") < 4096.0 / 10.0, "{t}");
            }
        }
        _ => {
            assert!(row(&r, "dense-thp").is_none());
            assert!(r["skipped"].to_string().contains("--thp"));
        }
    }
}

#[test]
fn csv_and_plot_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pt.csv");
    let svg = dir.path().join("pt.svg");
    let o = run(&[
        "page-table",
        "--size",
        "8M",
        "--reserve",
        "2G",
        "-q",
        "--csv",
        csv.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = read_csv(&csv);
    assert!(rows.iter().any(|r| r["case"] == "dense"));
    for r in &rows {
        num(r, "pte_bytes_per_touched_page");
        num(r, "vm_pte_after_kib");
    }
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    assert_eq!(files_in(dir.path()), vec!["pt.csv", "pt.svg"]);
}

#[test]
fn bad_size_is_a_usage_error() {
    let o = run(&["page-table", "--size", "lots"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn judge_gives_the_runs_verdicts_again() {
    rejudge::assert_args_rejudge_the_same(&[
        "page-table",
        "--size",
        "3M",
        "--reserve",
        "2G",
        "--thp",
    ]);
}

#[test]
fn three_mib_owns_both_of_its_pte_pages() {
    // The last 2 MiB window of a 3 MiB span used to stick out of the
    // mapping and share its PTE page with a neighbour (1 run in 6 failed).
    for _ in 0..3 {
        let r = json_run(&["page-table", "--size", "3M", "--reserve", "2G"], &[0]);
        let d = row(&r, "dense").expect("dense row");
        // Its two PTE pages, and a PMD page when the region opened a new
        // 1 GiB range of the address space (where mmap put it).
        let delta = field(d, "pte_delta_kib");
        assert!((8.0..=12.0).contains(&delta), "{d}");
        assert_eq!(check(&r, "dense_costs_8_bytes_per_page")["holds"], true);
    }
}

#[test]
fn a_file_that_lost_a_row_is_refused_not_judged_on_what_is_left() {
    // The file says how many rows it holds (`row_count`): one case's row
    // removed is exit 2, never "4 of 4 held".
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pt.json");
    let o = run(&[
        "page-table",
        "--size",
        "16M",
        "--reserve",
        "4G",
        "--json",
        path.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let n = v["rows"].as_array().unwrap().len();
    assert_eq!(v["row_count"], n);
    let again = run(&["judge", path.to_str().unwrap(), "-q"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    v["rows"].as_array_mut().unwrap().pop();
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let cut = run(&["judge", path.to_str().unwrap()]);
    assert_eq!(cut.status.code(), Some(2), "{}", stderr(&cut));
    assert!(
        stderr(&cut).contains(&format!("holds {} rows of the {n}", n - 1)),
        "{}",
        stderr(&cut)
    );
}
