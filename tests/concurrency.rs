//! Several memlab runs at once each stay correct: per-process claims hold;
//! system-wide ones may turn inconclusive (holds = null) but never fail.
mod common;
use common::*;

/// Run `n` copies of `args` at the same time; return their JSON reports.
fn in_parallel(args: &[&str], n: usize) -> Vec<serde_json::Value> {
    let children: Vec<_> = (0..n)
        .map(|_| {
            std::process::Command::new(memlab_path())
                .args(args)
                .args(["--json", "-", "-q"])
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("starting memlab")
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
            serde_json::from_slice(&o.stdout).expect("JSON")
        })
        .collect()
}

#[test]
fn four_cow_runs_at_once_each_keep_their_per_process_claims() {
    for r in in_parallel(&["cow", "--size", "32M"], 4) {
        assert_no_failed_checks(&r);
        // Per-process claims are the run's own: they must hold, not merely
        // be inconclusive.
        for name in [
            "touch_faults_once_per_page",
            "rss_counts_shared_pages_in_both",
            "pss_splits_shared_pages",
            "child_write_faults_once_per_page",
            "child_writes_stay_private",
            "getrusage_agrees_with_proc",
        ] {
            assert_eq!(check(&r, name)["holds"], true, "{}", check(&r, name));
        }
        // A system-wide figure disturbed by the others is inconclusive with
        // the reason, never a failure.
        for c in r["checks"].as_array().unwrap() {
            if c["holds"].is_null() {
                assert!(!c["measured"].as_str().unwrap_or("").is_empty(), "{c}");
            }
        }
    }
}

#[test]
fn other_experiments_run_side_by_side() {
    for args in [
        &["hugepage", "--size", "32M", "--forks", "3"][..],
        &["page-table", "--size", "32M", "--reserve", "8G"],
        &["oom", "--limit", "32M"],
        &["filemap", "--cold"],
        &["malloc"],
        &["mmap", "--size", "32M"],
        &[
            "demand-paging",
            "--size",
            "16M",
            "--rate",
            "64M/s",
            "--interval",
            "20ms",
            "--hold",
            "200ms",
        ],
    ] {
        for r in in_parallel(args, 3) {
            assert_no_failed_checks(&r);
        }
    }
}
