use crate::common::rejudge;
use crate::common::*;

fn s(r: &serde_json::Value, k: &str) -> i64 {
    r["summary"][k]
        .as_i64()
        .unwrap_or_else(|| panic!("no summary {k}"))
}

#[test]
fn small_blocks_come_from_one_pool_not_one_mapping_each() {
    let r = json_run(&["malloc", "--blocks", "4096", "--large", "1M"], &[0]);
    assert!(s(&r, "new_maps_lines_small") <= 4);
    let asked = s(&r, "asked_small_bytes");
    assert_eq!(asked, 4096 / 5 * (64 + 128 + 256 + 512 + 1024) + 64);
    // glibc's own account: at least what was asked is in use (plus headers).
    assert!(s(&r, "mallinfo_uordblks_delta_small_bytes") >= asked);
    // The pool grew (brk), by about what was asked.
    let heap = s(&r, "heap_after_small_kib") - s(&r, "heap_before_kib");
    assert!(
        heap * 1024 <= asked * 2,
        "[heap] grew by {heap} KiB for {asked} B"
    );
    assert_eq!(check(&r, "small_blocks_share_a_pool")["holds"], true);
    assert_no_failed_checks(&r);
}

#[test]
fn large_block_gets_a_mapping_of_its_own_and_is_unmapped_on_free() {
    let r = json_run(&["malloc", "--blocks", "1000", "--large", "2M"], &[0]);
    let hb = s(&r, "mallinfo_hblkhd_delta_large_bytes");
    assert!((2 << 20..=(2 << 20) + 4096).contains(&hb), "hblkhd +{hb}");
    let vsz = s(&r, "vsz_delta_large_kib");
    assert!(
        (2048..=2048 + 256).contains(&vsz),
        "VSZ +{vsz} KiB for a 2 MiB block"
    );
    assert!(s(&r, "vsz_after_free_delta_kib") <= -2048);
    assert_eq!(check(&r, "large_block_gets_own_mapping")["holds"], true);
    assert_eq!(check(&r, "free_of_large_block_unmaps_it")["holds"], true);
    // The maps diff is data: typed entries with the fields of mmap's rows.
    let added: Vec<&serde_json::Value> = r["measurements"]["maps_diff_large"]
        .as_array()
        .expect("maps_diff_large")
        .iter()
        .filter(|e| e["change"] == "added")
        .collect();
    assert!(!added.is_empty(), "{}", r["measurements"]);
    for e in added {
        for k in ["start", "end", "offset"] {
            assert!(e[k].as_str().unwrap().starts_with("0x"), "{e}");
        }
        assert!(e["dev_major"].is_u64() && e["dev_minor"].is_u64(), "{e}");
        assert!(e["size_kib"].is_u64() && e["inode"].is_u64(), "{e}");
    }
    assert!(r["measurements"]["maps_diff_small"].is_array());
}

#[test]
fn kernel_accounts_at_least_what_was_asked_in_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.csv");
    let o = run(&[
        "malloc",
        "--blocks",
        "2000",
        "-q",
        "--csv",
        p.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = read_csv(&p);
    let stages: Vec<&str> = rows.iter().map(|r| r["stage"].as_str()).collect();
    assert_eq!(stages, ["before", "small_blocks", "large_block", "freed"]);
    let (before, held) = (&rows[0], &rows[2]);
    let asked = num(held, "asked_bytes");
    let free_in_pool = num(before, "mallinfo_arena_bytes") - num(before, "mallinfo_uordblks_bytes");
    let vsz = (num(held, "vsz_kib") - num(before, "vsz_kib")) * 1024.0;
    assert!(
        vsz >= asked - free_in_pool,
        "VSZ +{vsz} B for {asked} B asked"
    );
    assert_eq!(num(&rows[3], "mallinfo_hblkhd_bytes"), 0.0);
}

#[test]
fn large_block_below_the_threshold_is_a_usage_error() {
    let o = run(&["malloc", "--large", "64K"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["malloc", "--blocks", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn judge_gives_the_runs_verdicts_again() {
    let r = json_run(&["malloc", "--blocks", "2000"], &[0]);
    assert_eq!(r["checks"].as_array().unwrap().len(), 5);
    rejudge::assert_rejudges_the_same(&r);
}

#[test]
fn a_large_block_left_mapped_after_free_is_judged_a_failure() {
    let mut r = json_run(&["malloc", "--blocks", "2000"], &[0]);
    r["measurements"]["large_mapped_after_free"] = true.into();
    let (code, again) = rejudge::judge(&r);
    assert_eq!(code, 3);
    assert_eq!(
        check(&again, "free_of_large_block_unmaps_it")["verdict"],
        "fails"
    );
}
