mod common;
#[path = "common/rejudge.rs"]
mod rejudge;
use common::*;
use std::process::Command;

/// procps `free` in the C locale (its column names and number format are
/// then fixed whatever the host's language).
fn procps_free(arg: &str) -> Option<std::process::Output> {
    Command::new("free")
        .arg(arg)
        .env("LC_ALL", "C")
        .output()
        .ok()
}

/// `free -k`'s Mem: and Swap: figures, and whether its `used` is
/// total - available (procps 4.0.1 and later) or total - free - buff/cache.
fn free_k() -> Option<(Vec<i64>, Vec<i64>, bool)> {
    let out = procps_free("-k")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let nums = |prefix: &str| -> Vec<i64> {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .map(|l| {
                l.split_whitespace()
                    .skip(1)
                    .filter_map(|v| v.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let version = String::from_utf8_lossy(&procps_free("-V")?.stdout).into_owned();
    let v: Vec<u32> = version
        .split_whitespace()
        .last()?
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    let new_used = v >= vec![4, 0, 1];
    Some((nums("Mem:"), nums("Swap:"), new_used))
}

#[test]
fn every_column_agrees_with_free_k() {
    let Some((before, swap, new_used)) = free_k() else {
        eprintln!("skipped: procps `free` is not installed");
        return;
    };
    let r = json_run(&["free"], &[0]);
    let (after, _, _) = free_k().unwrap();
    let row = &r["rows"][0];
    let get = |k: &str| row[k].as_i64().unwrap_or_else(|| panic!("{k} missing"));
    // Memory moves between the three readings: allow 64 MiB beyond the range
    // the two `free` calls saw.
    let near = |name: &str, ours: i64, a: i64, b: i64| {
        let slack = 64 * 1024;
        assert!(
            ours >= a.min(b) - slack && ours <= a.max(b) + slack,
            "{name}: memlab {ours} KiB, free -k {a} / {b} KiB"
        );
    };
    assert_eq!(get("total_kib"), before[0]);
    let used_col = if new_used {
        "unavailable_kib"
    } else {
        "used_kib"
    };
    near("used", get(used_col), before[1], after[1]);
    near("free", get("free_kib"), before[2], after[2]);
    near("shared", get("shared_kib"), before[3], after[3]);
    near("buff/cache", get("buff_cache_kib"), before[4], after[4]);
    near("available", get("available_kib"), before[5], after[5]);
    assert_eq!(get("swap_total_kib"), swap[0]);
    near("swap used", get("swap_used_kib"), swap[1], swap[1]);
    // The document's used is what is left when free and buff/cache are taken away.
    assert_eq!(
        get("used_kib"),
        get("total_kib") - get("free_kib") - get("buff_cache_kib")
    );
    assert_eq!(
        get("unavailable_kib"),
        get("total_kib") - get("available_kib")
    );
    assert_eq!(
        get("mem_used_adj_kib"),
        get("used_kib") - get("pcp_free_kib")
    );
}

#[test]
fn watch_takes_count_samples_in_time_order() {
    let o = run(&[
        "free", "--watch", "20ms", "--count", "4", "--csv", "-", "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = parse_csv(&stdout(&o));
    assert_eq!(rows.len(), 4);
    let t: Vec<f64> = rows.iter().map(|r| num(r, "t_s")).collect();
    assert!(t.windows(2).all(|w| w[1] > w[0]), "{t:?}");
    assert!(t[3] >= 0.055, "4 samples 20 ms apart span {} s", t[3]);
    for r in &rows {
        assert!(num(r, "available_kib") > 0.0);
    }
}

#[test]
fn free_json_has_the_document_definitions_and_a_check() {
    let r = json_run(&["free"], &[0]);
    assert!(
        r["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("実質的な空きメモリ"))
    );
    // The kernel's definition of MemAvailable holds on a healthy host,
    // whatever its page cache.
    for c in [
        "available_at_least_free_less_reserve",
        "available_at_most_free_plus_caches",
        "available_is_the_kernels_estimate",
    ] {
        assert_eq!(check(&r, c)["verdict"], "holds", "{}", check(&r, c));
    }
    let row = &r["rows"][0];
    for k in [
        "totalreserve_kib",
        "zone_low_kib",
        "active_file_kib",
        "inactive_file_kib",
    ] {
        assert!(row[k].as_u64().is_some(), "row lacks {k}: {row}");
    }
    for k in [
        "memlab_version",
        "kernel_release",
        "page_size",
        "mem_total_kib",
        "timestamp_utc",
    ] {
        assert!(!r["meta"][k].is_null(), "meta.{k} missing");
    }
}

#[test]
fn judge_gives_the_runs_verdicts_again() {
    rejudge::assert_rejudges_the_same(&json_run(&["free"], &[0]));
    rejudge::assert_rejudges_the_same(&json_run(
        &["free", "--watch", "10ms", "--count", "3"],
        &[0],
    ));
}
