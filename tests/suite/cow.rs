use crate::common::rejudge;
use crate::common::*;

use serde_json::Value;

const SIZE_MIB: u64 = 32;
const SIZE_KIB: f64 = (SIZE_MIB * 1024) as f64;

fn pages(report: &Value) -> f64 {
    report["summary"]["pages"].as_f64().expect("summary.pages")
}

/// The JSON row of `process` at `stage`.
fn row<'a>(report: &'a Value, stage: &str, process: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["stage"] == stage && r["process"] == process)
        .unwrap_or_else(|| panic!("no row {stage}/{process} in {}", report["rows"]))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn cow(extra: &[&str]) -> Value {
    let size = format!("{SIZE_MIB}M");
    let mut args = vec!["cow", "--size", size.as_str()];
    args.extend(extra);
    json_run(&args, &[0])
}

#[test]
fn child_write_faults_once_per_page() {
    let r = cow(&[]);
    let faults = f(&r["summary"]["child_access_minflt"]);
    let want = pages(&r);
    let page = f(&r["summary"]["page_size_bytes"]);
    assert_eq!(want, SIZE_KIB * 1024.0 / page);
    assert!(
        (faults - want).abs() <= want * 0.03,
        "the child's writes took {faults} faults for {want} pages"
    );
    assert_eq!(check(&r, "child_write_faults_once_per_page")["holds"], true);
    assert_eq!(r["summary"]["child_access_majflt"], 0);
    // The parent's touch (writes, 4 KiB pages under MADV_NOHUGEPAGE) took one
    // fault per page too.
    let touch = f(&r["summary"]["parent_touch_faults"]);
    assert!(
        (touch - want).abs() <= want * 0.03,
        "touch took {touch} faults"
    );
    assert_no_failed_checks(&r);
}

/// A system-wide check carries its figure, its bounds and its noise; it
/// holds only with the figure inside the bounds (a fall at fork included:
/// fork cannot free memory), and fails only outside them.
fn assert_system_check_consistent(c: &Value) {
    let v = f(&c["measured_value"]);
    let (lo, hi) = (f(&c["expected_min"]), f(&c["expected_max"]));
    assert!(c["noise"].is_number(), "{c}");
    assert_eq!(c["unit"], "KiB", "{c}");
    match c["verdict"].as_str().unwrap() {
        "holds" => assert!((lo..=hi).contains(&v), "{c}"),
        "fails" => assert!(!(lo..=hi).contains(&v), "{c}"),
        _ => assert!(c["measured"].as_str().unwrap().contains("MiB"), "{c}"),
    }
}

#[test]
fn fork_copies_no_data_and_writes_grow_used_by_size() {
    let r = cow(&[]);
    // System-wide figures: judged against the background measured at each
    // stage and the other processes' memory recorded in every row.
    let fork = check(&r, "fork_copies_no_data");
    assert_system_check_consistent(fork);
    assert!(f(&fork["expected_min"]) < 0.0 && f(&fork["expected_max"]) > 0.0);
    let copy = check(&r, "writes_grow_used_by_size");
    assert_system_check_consistent(copy);
    assert!((f(&copy["expected_min"])..=f(&copy["expected_max"])).contains(&SIZE_KIB));
    // Per process the copy is exact: the child's private memory grew by SIZE.
    let before = f(&row(&r, "after-fork", "child")["private_kib"]);
    let after = f(&row(&r, "after-access", "child")["private_kib"]);
    assert!(
        after - before >= SIZE_KIB * 0.97 && after - before <= SIZE_KIB * 1.03 + 1024.0,
        "child private grew {} KiB",
        after - before
    );
    // The parent keeps its own data.
    assert_eq!(r["summary"]["parent_pages_with_child_value"], 0);
}

#[test]
fn judge_gives_the_runs_verdicts_again_even_without_summary_and_checks() {
    for extra in [&[][..], &["--access", "read"][..], &["--shared"][..]] {
        let mut args = vec!["cow", "--size", "16M"];
        args.extend(extra);
        rejudge::assert_rejudges_the_same(&json_run(&args, &[0, 3]));
    }
}

#[test]
fn judge_fails_a_fork_that_frees_memory_on_a_quiet_host() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cow.json");
    let o = run(&[
        "cow",
        "--size",
        "16M",
        "-q",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    let mut r: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // Make the host quiet (every reading of a stage the same, other
    // processes still), then let system used fall by 8 MiB at fork and stay
    // there: fork cannot free memory, and nothing measured explains it.
    let size = 16 * 1024;
    for row in r["rows"].as_array_mut().unwrap() {
        let used = 4_000_000i64
            + match row["stage"].as_str().unwrap() {
                "before-fork" => 0,
                "after-access" => size - 8192,
                _ => -8192,
            };
        row["mem_used_adj_kib"] = serde_json::json!(used);
        row["others_kib"] = serde_json::json!(1_000_000);
    }
    std::fs::write(&path, serde_json::to_vec(&r).unwrap()).unwrap();
    let again = json_run(&["judge", path.to_str().unwrap()], &[3]);
    assert_eq!(check(&again, "fork_copies_no_data")["verdict"], "fails");
    assert_eq!(
        check(&again, "writes_grow_used_by_size")["verdict"],
        "holds"
    );
}

#[test]
fn a_killed_child_keeps_what_was_measured_and_says_so_plainly() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cow.json");
    let memlab = Command::new(memlab_path())
        .args([
            "cow",
            "--size",
            "128M",
            "-q",
            "--json",
            path.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning memlab");
    let pid = memlab.id();
    let children = format!("/proc/{pid}/task/{pid}/children");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let child = loop {
        let text = std::fs::read_to_string(&children).unwrap_or_default();
        if let Some(c) = text.split_whitespace().next() {
            break c.parse::<i32>().unwrap();
        }
        assert!(std::time::Instant::now() < deadline, "memlab never forked");
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let o = memlab.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("the child {child} was killed by SIGKILL")),
        "{err}"
    );
    assert!(!err.contains("ChildExit") && !err.contains('{'), "{err}");
    let r: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(r["ended_by"], "worker_died");
    // What was measured before the child died is there, and judged.
    row(&r, "before-fork", "parent");
    assert_eq!(check(&r, "touch_faults_once_per_page")["holds"], true);
    assert!(
        r["notes"]
            .to_string()
            .contains("what was measured until then is kept")
    );
}

#[test]
fn child_pss_is_half_its_rss_after_fork() {
    let r = cow(&[]);
    let child = row(&r, "after-fork", "child");
    let parent = row(&r, "after-fork", "parent");
    let ratio = f(&child["pss_kib"]) / f(&child["rss_kib"]);
    assert!((0.4..=0.6).contains(&ratio), "child PSS/RSS = {ratio}");
    // RSS counts the region in both processes...
    assert!(f(&child["rss_kib"]) >= SIZE_KIB * 0.97);
    assert!(f(&parent["rss_kib"]) >= SIZE_KIB * 0.97);
    // ...while the PSS of both adds up to what the parent alone had. The
    // anonymous part (`pss_own_kib`): the file-backed part (memlab's own
    // code) is shared with every other memlab running at the time, and its
    // share moves when one starts or ends.
    let before = f(&row(&r, "before-fork", "parent")["pss_own_kib"]);
    let sum = f(&child["pss_own_kib"]) + f(&parent["pss_own_kib"]);
    assert!(
        (sum - before).abs() < SIZE_KIB * 0.05,
        "PSS sum {sum} vs {before}"
    );
    assert_eq!(check(&r, "pss_splits_shared_pages")["holds"], true);
    assert_eq!(check(&r, "rss_counts_shared_pages_in_both")["holds"], true);
}

/// The child's private memory grew by less than 5% of SIZE across its
/// access: nothing was copied.
fn assert_child_private_flat(r: &Value) {
    let before = f(&row(r, "after-fork", "child")["private_kib"]);
    let after = f(&row(r, "after-access", "child")["private_kib"]);
    assert!(
        after - before < SIZE_KIB * 0.05,
        "child private grew {}",
        after - before
    );
}

#[test]
fn read_access_adds_no_faults_and_no_memory() {
    let r = cow(&["--access", "read"]);
    let faults = f(&r["summary"]["child_access_minflt"]);
    assert!(
        faults < pages(&r) * 0.01 + 16.0,
        "reads took {faults} faults"
    );
    assert_eq!(check(&r, "read_adds_no_faults")["holds"], true);
    let mem = check(&r, "read_adds_no_memory");
    assert_ne!(mem["holds"], false, "{mem}");
    assert_child_private_flat(&r);
    assert_no_failed_checks(&r);
}

#[test]
fn shared_copies_nothing_and_parent_reads_child_value() {
    let r = cow(&["--shared"]);
    assert_eq!(
        f(&r["summary"]["parent_pages_with_child_value"]),
        pages(&r),
        "the parent should see the child's value on every page"
    );
    assert_eq!(check(&r, "parent_sees_child_writes")["holds"], true);
    let c = check(&r, "shared_copies_nothing");
    assert_ne!(c["holds"], false, "{c}");
    assert_child_private_flat(&r);
    assert_no_failed_checks(&r);
}

#[test]
fn getrusage_agrees_with_proc() {
    let r = cow(&[]);
    for row in r["rows"].as_array().unwrap() {
        if row["process"] == "system" {
            continue;
        }
        let d = (f(&row["minflt"]) - f(&row["rusage_minflt"])).abs();
        assert!(d <= 16.0, "getrusage and /proc differ by {d} in {row}");
        assert_eq!(row["majflt"], row["rusage_majflt"], "{row}");
    }
    let last = f(&row(&r, "after-access", "child")["rusage_minflt"]);
    let wait4 = f(&r["summary"]["child_wait4_minflt"]);
    assert!(
        wait4 >= last && wait4 <= last + 16.0,
        "wait4 {wait4} vs {last}"
    );
    assert_eq!(check(&r, "getrusage_agrees_with_proc")["holds"], true);
}

#[test]
fn csv_has_one_row_per_stage_and_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cow.csv");
    let o = run(&[
        "cow",
        "--size",
        "16M",
        "-q",
        "--csv",
        path.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stderr(&o), stdout(&o));
    let rows = read_csv(&path);
    let procs: Vec<_> = rows.iter().filter(|r| r["process"] != "system").collect();
    let got: Vec<(String, String)> = procs
        .iter()
        .map(|r| (r["stage"].clone(), r["process"].clone()))
        .collect();
    let want = [
        ("before-fork", "parent"),
        ("after-fork", "parent"),
        ("after-fork", "child"),
        ("after-access", "parent"),
        ("after-access", "child"),
        ("after-exit", "parent"),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(s, p)| (s.to_string(), p.to_string()))
            .collect::<Vec<_>>()
    );
    // Several readings of system memory at each stage: the background.
    for (stage, n) in [
        ("before-fork", 9),
        ("after-fork", 5),
        ("after-access", 5),
        ("after-exit", 5),
    ] {
        let got = rows
            .iter()
            .filter(|r| r["process"] == "system" && r["stage"] == stage)
            .count();
        assert_eq!(got, n, "{stage}");
    }
    for r in &rows {
        for col in [
            "t_s",
            "mem_used_adj_kib",
            "anon_pages_kib",
            "cached_kib",
            "own_kib",
            "others_kib",
        ] {
            num(r, col);
        }
    }
    for col in [
        "pid",
        "vsz_kib",
        "rss_kib",
        "pss_kib",
        "shared_kib",
        "private_kib",
        "minflt",
        "majflt",
        "rusage_minflt",
        "rusage_majflt",
        "mem_used_kib",
        "mem_used_adj_kib",
        "pcp_free_kib",
        "mem_available_kib",
    ] {
        for r in &procs {
            num(r, col);
        }
    }
    assert_eq!(files_in(dir.path()), vec!["cow.csv".to_string()]);
}

#[test]
fn plot_draws_an_svg() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cow.svg");
    let o = run(&[
        "cow",
        "--size",
        "16M",
        "-q",
        "--plot",
        path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("PSS"),
        "not a chart"
    );
}

#[test]
fn thp_counts_follow_what_the_kernel_granted() {
    // Whatever the host's THP mode: the checks derive their expectation from
    // AnonHugePages, so none of them may fail.
    let r = cow(&["--thp"]);
    assert_no_failed_checks(&r);
    let huge = f(&row(&r, "before-fork", "parent")["anon_huge_kib"]);
    let touch = f(&r["summary"]["parent_touch_faults"]);
    if huge == 0.0 {
        assert!((touch - pages(&r)).abs() <= pages(&r) * 0.03 + 16.0);
    } else {
        assert!(touch < pages(&r), "huge pages but {touch} faults");
    }
}

#[test]
fn bad_access_and_zero_size_are_usage_errors() {
    let o = run(&["cow", "--access", "scribble"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["cow", "--size", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    // Private writes need twice SIZE; far too much is refused before anything runs.
    let o = run(&["cow", "--size", "1T"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("twice"), "{}", stderr(&o));
}

#[test]
fn unprivileged_child_measures_its_own_pss() {
    // memlab's children are not dumpable, so an ordinary user's parent cannot
    // open the child's smaps_rollup; the child reads its own.
    let Some(o) = run_unprivileged(&["cow", "--size", "16M", "--json", "-", "-q"]) else {
        return;
    };
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let child = row(&r, "after-fork", "child");
    assert!(f(&child["pss_kib"]) > 0.0, "{child}");
    assert_eq!(check(&r, "pss_splits_shared_pages")["holds"], true);
    assert_no_failed_checks(&r);
}
