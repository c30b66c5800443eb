use crate::common::rejudge;
use crate::common::*;
use std::process::{Command, Stdio};
use std::time::Duration;

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
    // More samples than the table keeps: the checks come from the online
    // fold in `measurements`, the JSON holds every row.
    let r = json_run(&["free", "--watch", "2ms", "--count", "60"], &[0]);
    assert_eq!(r["rows"].as_array().unwrap().len(), 60);
    assert_eq!(r["summary"]["samples"], 60);
    let shown = r["table_rows"].as_array().unwrap();
    assert!(shown.len() < 60 && shown.len() >= 10, "{shown:?}");
    assert_eq!(r["measurements"]["online"]["samples"], 60);
    rejudge::assert_rejudges_the_same(&r);
}

#[test]
fn free_without_watch_takes_one_sample_and_streams_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("one.csv");
    let o = run(&["free", "-q", "--csv", csv.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = read_csv(&csv);
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].contains_key("t_s"));
    assert_eq!(files_in(dir.path()), vec!["one.csv".to_string()]);
}

/// Rows of a CSV file (header excluded), counted as a reader would.
fn csv_rows(path: &std::path::Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    rd.records().filter(|r| r.is_ok()).count()
}

fn signal(child: &std::process::Child, sig: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig);
}

/// `memlab free --watch INTERVAL` with no --count, and `out` appended.
fn unbounded(interval: &str, out: &[&std::ffi::OsStr]) -> std::process::Child {
    Command::new(memlab_path())
        .args(["free", "-q", "--watch", interval])
        .args(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn watch_rows_reach_the_disk_while_sampling_and_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    let partial = dir.path().join("s.csv.partial");
    let mut memlab = unbounded("10ms", &["--csv".as_ref(), csv.as_os_str()]);
    std::thread::sleep(Duration::from_secs(2));
    let running = csv_rows(&partial);
    std::thread::sleep(Duration::from_secs(1));
    signal(&memlab, nix::sys::signal::Signal::SIGKILL);
    memlab.wait().unwrap();
    let after_kill = csv_rows(&partial);
    // 2 s at 10 ms is 200 samples; flushed at least once a second.
    assert!(running >= 50, "{running} rows on disk after 2 s at 10 ms");
    assert!(
        after_kill >= running,
        "{after_kill} rows left after SIGKILL, {running} seen before"
    );
    assert!(!csv.exists(), "PATH is written only when the run ends");
    let rows = read_csv(&partial);
    let t: Vec<f64> = rows.iter().map(|r| num(r, "t_s")).collect();
    assert!(t.windows(2).all(|w| w[1] > w[0]));
}

#[test]
fn an_unbounded_watch_ends_on_sigint_with_everything_written() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("u.csv");
    let json = dir.path().join("u.json");
    let mut memlab = unbounded(
        "5ms",
        &[
            "--csv".as_ref(),
            csv.as_os_str(),
            "--json".as_ref(),
            json.as_os_str(),
        ],
    );
    std::thread::sleep(Duration::from_millis(1500));
    signal(&memlab, nix::sys::signal::Signal::SIGINT);
    assert_eq!(memlab.wait().unwrap().code(), Some(130));
    assert_eq!(files_in(dir.path()).len(), 2, "{:?}", files_in(dir.path()));
    let rows = read_csv(&csv);
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(j["ended_by"], "interrupted");
    assert_eq!(j["params"]["samples"], serde_json::Value::Null);
    let n = j["summary"]["samples"].as_u64().unwrap();
    assert!(n >= 20, "{n} samples in 1.5 s at 5 ms");
    assert_eq!(rows.len() as u64, n);
    assert_eq!(j["rows"].as_array().unwrap().len() as u64, n);
    assert_eq!(j["checks"].as_array().unwrap().len(), 3);
    rejudge::assert_rejudges_the_same(&j);
}

#[test]
fn csv_to_stdout_streams_and_a_reader_that_leaves_ends_the_run() {
    use std::io::BufRead;
    let t0 = std::time::Instant::now();
    let mut memlab = Command::new(memlab_path())
        .args(["free", "-q", "--watch", "10ms", "--csv", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(memlab.stdout.take().unwrap()).lines();
    let head: Vec<String> = (&mut lines).take(3).map(|l| l.unwrap()).collect();
    let took = t0.elapsed();
    assert!(head[0].starts_with("t_s,total_kib,"), "{head:?}");
    assert_eq!(head.len(), 3);
    // Like `| head -3`: the rows come as taken, and memlab (with no
    // --count) ends once its reader has gone.
    drop(lines);
    assert!(took.as_secs_f64() < 10.0, "first rows after {took:?}");
    assert_eq!(memlab.wait().unwrap().code(), Some(0));
    assert!(
        t0.elapsed().as_secs_f64() < 15.0,
        "memlab outlived its reader"
    );
}

/// The peak RSS of a memlab that samples `free` every 1 ms `count` times.
fn inner_peak_kib(count: &str) -> u64 {
    streamed_peak_kib(&["free", "-q", "--watch", "1ms", "--count", count])
}

#[test]
fn memlab_does_not_grow_with_the_number_of_samples() {
    let short = inner_peak_kib("200");
    let long = inner_peak_kib("3000");
    assert!(
        long < short + 1024,
        "peak RSS {short} KiB after 200 samples, {long} KiB after 3000"
    );
    eprintln!("peak RSS {short} KiB after 200 samples, {long} KiB after 3000");
}

#[test]
fn a_slow_watch_writes_each_row_as_it_is_taken() {
    use std::io::BufRead;
    let t0 = std::time::Instant::now();
    let mut memlab = Command::new(memlab_path())
        .args(["free", "-q", "--watch", "5s", "--csv", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(memlab.stdout.take().unwrap()).lines();
    let first: Vec<String> = (&mut lines).take(2).map(|l| l.unwrap()).collect();
    let took = t0.elapsed();
    signal(&memlab, nix::sys::signal::Signal::SIGINT);
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert_eq!(memlab.wait().unwrap().code(), Some(130));
    assert_eq!(first.len(), 2, "{first:?}");
    // The first row does not wait for the second, 5 s later.
    assert!(
        took.as_secs_f64() < 3.0,
        "the first row came after {took:?}"
    );
    assert!(rest.is_empty(), "{rest:?}");
}
