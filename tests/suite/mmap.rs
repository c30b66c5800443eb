use crate::common::rejudge;
use crate::common::*;

#[test]
fn mmap_diff_holds_the_new_mapping_and_vsz_grows_but_rss_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("mmap.csv");
    let o = run(&[
        "mmap",
        "--size",
        "16M",
        "-q",
        "--csv",
        csv_path.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let addr = u64::from_str_radix(
        report["summary"]["address"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let rows = read_csv(&csv_path);
    // Addresses and the offset are `0x…`; the device is two decimal numbers.
    let hex = |s: &str| {
        let digits = s
            .strip_prefix("0x")
            .unwrap_or_else(|| panic!("{s:?} lacks 0x"));
        u64::from_str_radix(digits, 16).unwrap()
    };
    let holder = rows
        .iter()
        .find(|r| {
            let s = hex(&r["start"]);
            let e = hex(&r["end"]);
            r["change"] == "added" && s <= addr && addr < e
        })
        .expect("an added line holds the returned address");
    assert!(num(holder, "size_kib") >= 16.0 * 1024.0);
    assert_eq!(hex(&holder["offset"]), 0);
    assert_eq!(
        (num(holder, "dev_major"), num(holder, "dev_minor")),
        (0.0, 0.0)
    );
    assert!(!holder.contains_key("device"));
    let vsz = report["summary"]["vsz_delta_kib"].as_i64().unwrap();
    let rss = report["summary"]["rss_delta_kib"].as_i64().unwrap();
    assert!(
        (16 * 1024..=17 * 1024).contains(&vsz),
        "VSZ grew by {vsz} KiB"
    );
    assert!(rss < 1024, "RSS grew by {rss} KiB without touching");
    assert_no_failed_checks(&report);
}

#[test]
fn mmap_populate_makes_rss_grow_by_size() {
    let r = json_run(&["mmap", "--size", "16M", "--populate"], &[0]);
    let rss = r["summary"]["rss_delta_kib"].as_i64().unwrap();
    assert!(
        rss >= 15 * 1024,
        "RSS grew by only {rss} KiB with MAP_POPULATE"
    );
    assert_eq!(check(&r, "rss_grew_with_populate")["holds"], true);
}

#[test]
fn judge_gives_the_runs_verdicts_again() {
    rejudge::assert_rejudges_the_same(&json_run(&["mmap", "--size", "8M"], &[0]));
    rejudge::assert_rejudges_the_same(&json_run(&["mmap", "--size", "8M", "--populate"], &[0]));
}

#[test]
fn rss_that_grew_without_touching_is_judged_a_failure() {
    let mut r = json_run(&["mmap", "--size", "8M"], &[0]);
    let before = r["measurements"]["rss_before_kib"].as_u64().unwrap();
    r["measurements"]["rss_after_kib"] = (before + 8 * 1024).into();
    let (code, again) = rejudge::judge(&r);
    assert_eq!(code, 3);
    assert_eq!(check(&again, "rss_did_not_grow")["verdict"], "fails");
}
