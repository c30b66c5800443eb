//! demand-paging: the document's experiment, run small and fast (16 MiB at
//! 64 MiB/s, sampled every 20 ms, quiet phases of 200 ms).

use crate::common::*;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

const SIZE_KIB: f64 = 16.0 * 1024.0;
const RATE_KIB_S: f64 = 64.0 * 1024.0;

type Rows = Vec<HashMap<String, String>>;

struct Run {
    json: Value,
    rows: Rows,
    svg: String,
    _dir: tempfile::TempDir,
}

/// One run shared by the tests of this file.
fn run_once() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let csv: PathBuf = dir.path().join("dp.csv");
        let svg: PathBuf = dir.path().join("dp.svg");
        let json = run_ok(&[
            "demand-paging",
            "--size",
            "16M",
            "--rate",
            "64M/s",
            "--interval",
            "20ms",
            "--hold",
            "200ms",
            "--csv",
            csv.to_str().unwrap(),
            "--plot",
            svg.to_str().unwrap(),
        ]);
        Run {
            json,
            rows: read_csv(&csv),
            svg: std::fs::read_to_string(&svg).expect("reading the SVG"),
            _dir: dir,
        }
    })
}

fn phase_rows<'a>(rows: &'a Rows, phase: &str) -> Vec<&'a HashMap<String, String>> {
    rows.iter().filter(|r| r["phase"] == phase).collect()
}

fn last<'a>(rows: &'a Rows, phase: &str) -> &'a HashMap<String, String> {
    phase_rows(rows, phase)
        .last()
        .copied()
        .unwrap_or_else(|| panic!("no {phase} row"))
}

#[test]
fn csv_has_the_documented_columns() {
    let row = &run_once().rows[0];
    for col in [
        "t_s",
        "phase",
        "vsz_kib",
        "rss_kib",
        "minflt",
        "majflt",
        "touched_kib",
        "mem_used_kib",
        "mem_used_adj_kib",
        "mem_available_kib",
        "rss_anon_kib",
        "rss_rollup_kib",
        "anon_huge_kib",
        "memlab_anon_kib",
        "others_kib",
    ] {
        assert!(row.contains_key(col), "no column {col}");
    }
}

#[test]
fn phases_come_in_order() {
    let order = ["before-alloc", "allocated", "touching", "touched", "exited"];
    let mut seen: Vec<&str> = Vec::new();
    for r in &run_once().rows {
        if seen.last() != Some(&r["phase"].as_str()) {
            seen.push(r["phase"].as_str());
        }
    }
    assert_eq!(seen, order);
    let t: Vec<f64> = run_once().rows.iter().map(|r| num(r, "t_s")).collect();
    assert!(t.windows(2).all(|w| w[0] < w[1]), "time goes forward");
}

#[test]
fn reserving_grows_vsz_by_size_but_not_rss() {
    let rows = &run_once().rows;
    let (b, a) = (last(rows, "before-alloc"), last(rows, "allocated"));
    let dv = num(a, "vsz_kib") - num(b, "vsz_kib");
    let dr = num(a, "rss_kib") - num(b, "rss_kib");
    assert!(
        (SIZE_KIB..=SIZE_KIB + 1024.0).contains(&dv),
        "VSZ +{dv} KiB"
    );
    assert!(dr.abs() < SIZE_KIB * 0.02, "RSS moved {dr} KiB at reserve");
}

#[test]
fn touching_faults_once_per_page() {
    let rows = &run_once().rows;
    let faults = num(last(rows, "touched"), "minflt") - num(last(rows, "allocated"), "minflt");
    let pages = SIZE_KIB / 4.0;
    assert!(
        (faults - pages).abs() <= pages * 0.03,
        "{faults} minor faults for {pages} pages"
    );
}

#[test]
fn rss_ends_up_by_size() {
    let rows = &run_once().rows;
    let d = num(last(rows, "touched"), "rss_kib") - num(last(rows, "before-alloc"), "rss_kib");
    assert!((d - SIZE_KIB).abs() <= SIZE_KIB * 0.03, "RSS +{d} KiB");
    // and VSZ did not move while touching
    let vsz: Vec<f64> = phase_rows(rows, "touching")
        .iter()
        .map(|r| num(r, "vsz_kib"))
        .collect();
    assert!(
        vsz.windows(2).all(|w| w[0] == w[1]),
        "VSZ moved while touching"
    );
}

fn slope(pts: &[(f64, f64)]) -> f64 {
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

#[test]
fn rss_slope_follows_the_touches() {
    let rows = phase_rows(&run_once().rows, "touching");
    assert!(
        rows.len() >= 4,
        "only {} samples while touching",
        rows.len()
    );
    let rss: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (num(r, "t_s"), num(r, "rss_kib")))
        .collect();
    let touched: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (num(r, "t_s"), num(r, "touched_kib")))
        .collect();
    let (s, t) = (slope(&rss), slope(&touched));
    // RSS follows the worker's own touches, whether or not a busy host let
    // the worker keep RATE_KIB_S.
    assert!(
        (s - t).abs() <= t * 0.10,
        "RSS rose at {s} KiB/s, the worker touched at {t} KiB/s (rate {RATE_KIB_S})"
    );
}

#[test]
fn json_checks_all_hold() {
    let j = &run_once().json;
    assert_eq!(j["experiment"], "demand-paging");
    assert_eq!(j["interrupted"], false);
    assert_no_failed_checks(j);
    // The per-process claims are exact and must hold, not be inconclusive.
    // RSS follows the touches; only a worker the scheduler held back (the
    // rate not delivered) may leave the rate inconclusive.
    let c = check(j, "rss_rises_at_rate");
    assert!(
        c["verdict"] == "holds" || c["msg"] == "rss_rises_at_rate_pace_not_kept",
        "{c}"
    );
    for name in [
        "vsz_grows_by_size_on_reserve",
        "rss_flat_on_reserve",
        "vsz_flat_while_touching",
        "faults_once_per_page",
        "rss_flat_after_touching",
        "rss_up_by_size_after_touching",
    ] {
        assert_eq!(check(j, name)["holds"], true, "{}", check(j, name));
    }
    let s = &j["summary"];
    assert!(s["samples_taken"].as_u64().unwrap() > 20);
    assert!(s["samples_taken"].as_u64() <= s["samples_asked"].as_u64());
    assert_eq!(s["worker_exit_code"], 0);
}

#[test]
fn params_are_numbers_with_units_in_their_names() {
    let p = &run_once().json["params"];
    assert_eq!(p["size_bytes"], 16 << 20);
    assert_eq!(p["rate_bytes_per_s"], 64 << 20);
    assert_eq!(p["rate_max"], false);
    assert_eq!(p["interval_s"].as_f64(), Some(0.02));
    assert_eq!(p["hold_s"].as_f64(), Some(0.2));
    let m = &run_once().json["measurements"];
    assert_eq!(m["touch_minflt"], 4096, "{m}");
    assert!(m["rss_exact_source"].is_string(), "{m}");
}

/// Run with `--json -`, wanting exit 0; a failure names the checks that
/// did not hold, with their figures, rather than the whole report.
fn run_ok(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--json", "-", "-q"]);
    let o = run(&all);
    let j: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: no JSON ({e}): {}", stderr(&o)));
    let failed: Vec<String> = j["checks"]
        .as_array()
        .map(|v| v.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|c| c["verdict"] != "holds" && c["verdict"] != "inconclusive")
        .map(|c| {
            format!(
                "{}: measured {} (expected {}; noise {}, summary background {})",
                c["name"],
                c["measured"],
                c["expected"],
                c["noise"],
                j["summary"]["system_background_kib"]
            )
        })
        .collect();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {failed:#?} {}",
        stderr(&o)
    );
    j
}

fn verdicts(j: &Value) -> Vec<(String, String)> {
    j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn judge_gives_the_same_verdicts_and_can_fail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dp.json");
    let p = path.to_str().unwrap();
    // 16 MiB: twice the system rule's 4 MiB floor and more, so that its
    // system checks can hold or fail (a smaller effect is `?` by rule).
    let o = run(&[
        "demand-paging",
        "--size",
        "16M",
        "--rate",
        "64M/s",
        "--interval",
        "10ms",
        "--hold",
        "150ms",
        "--json",
        p,
        "-q",
    ]);
    let original: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{:#?}",
        stderr(&o),
        original["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["verdict"] == "fails")
            .collect::<Vec<_>>()
    );
    assert_eq!(original["checks"].as_array().unwrap().len(), 11);

    let again = json_run(&["judge", p], &[0]);
    assert_eq!(verdicts(&again), verdicts(&original));
    assert_eq!(again["summary"], original["summary"]);

    // Without summary and checks: the same, recomputed from the rows.
    let mut stripped = original.clone();
    stripped["summary"] = Value::Object(Default::default());
    stripped["checks"] = Value::Array(vec![]);
    let sp = dir.path().join("stripped.json");
    std::fs::write(&sp, serde_json::to_vec(&stripped).unwrap()).unwrap();
    let again = json_run(&["judge", sp.to_str().unwrap()], &[0]);
    assert_eq!(verdicts(&again), verdicts(&original));

    // The worker counted 24 faults fewer than it touched pages: judge
    // says so and exits 3.
    let mut bad = original.clone();
    bad["measurements"]["touch_minflt"] = Value::from(1000);
    let bp = dir.path().join("bad.json");
    std::fs::write(&bp, serde_json::to_vec(&bad).unwrap()).unwrap();
    let o = run(&["judge", bp.to_str().unwrap(), "--json", "-", "-q"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(check(&j, "faults_once_per_page")["verdict"], "fails");

    // The same rows on a perfectly quiet host (system used moving exactly
    // with memlab's own memory, nothing else moving): every system check
    // holds; then memory not returned at exit (+99 MiB) fails, exit 3.
    let mut quiet = original.clone();
    for row in quiet["rows"].as_array_mut().unwrap() {
        let f = |k: &str| row[k].as_u64().unwrap_or(0);
        let own = f("memlab_anon_kib") + f("rss_anon_kib").saturating_sub(f("worker_shared_kib"));
        row["mem_used_adj_kib"] = Value::from(1_000_000 + own);
        row["others_kib"] = Value::from(500_000);
    }
    let qp = dir.path().join("quiet.json");
    std::fs::write(&qp, serde_json::to_vec(&quiet).unwrap()).unwrap();
    let j = json_run(&["judge", qp.to_str().unwrap()], &[0]);
    for c in j["checks"].as_array().unwrap() {
        if c["name"].as_str().unwrap().starts_with("system_") {
            assert_eq!(c["verdict"], "holds", "{c}");
        }
    }
    for row in quiet["rows"].as_array_mut().unwrap() {
        if row["phase"] == "exited" {
            let v = row["mem_used_adj_kib"].as_u64().unwrap();
            row["mem_used_adj_kib"] = Value::from(v + 99 * 1024);
        }
    }
    std::fs::write(&qp, serde_json::to_vec(&quiet).unwrap()).unwrap();
    let j = json_run(&["judge", qp.to_str().unwrap()], &[3]);
    assert_eq!(check(&j, "system_used_back_after_exit")["verdict"], "fails");

    // A row removed (its edits would hide behind the figures beside the
    // rows), or every row: exit 2, one line saying so.
    for keep in [quiet["rows"].as_array().unwrap().len() - 1, 0] {
        let mut cut = quiet.clone();
        cut["rows"].as_array_mut().unwrap().truncate(keep);
        let cp = dir.path().join("cut.json");
        std::fs::write(&cp, serde_json::to_vec(&cut).unwrap()).unwrap();
        let o = run(&["judge", cp.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{keep} rows: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("holds {keep} rows of the")),
            "{}",
            stderr(&o)
        );
    }

    // Rows that lack a field a check needs: exit 2, one line naming it.
    let mut broken = original;
    for row in broken["rows"].as_array_mut().unwrap() {
        row.as_object_mut().unwrap().remove("mem_used_adj_kib");
    }
    let brp = dir.path().join("broken.json");
    std::fs::write(&brp, serde_json::to_vec(&broken).unwrap()).unwrap();
    let o = run(&["judge", brp.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("mem_used_adj_kib"), "{}", stderr(&o));
}

/// The rows of one phase of a JSON report.
fn json_rows<'a>(j: &'a Value, phase: &str) -> Vec<&'a Value> {
    j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["phase"] == phase)
        .collect()
}

#[test]
fn a_paced_run_ends_exactly_size_above_its_start() {
    // The worker is warm before the first sample: its own code does not
    // fault in during the first real sleep of the touch loop.
    let j = run_ok(&[
        "demand-paging",
        "--size",
        "1M",
        "--rate",
        "256K/s",
        "--hold",
        "1s",
    ]);
    for name in [
        "rss_flat_on_reserve",
        "rss_up_by_size_after_touching",
        "rss_flat_after_touching",
        "faults_once_per_page",
    ] {
        assert_eq!(check(&j, name)["verdict"], "holds", "{}", check(&j, name));
    }
    let before = json_rows(&j, "before-alloc");
    let touched = json_rows(&j, "touched");
    let b = before.last().unwrap()["rss_kib"].as_f64().unwrap();
    let t = touched.last().unwrap()["rss_kib"].as_f64().unwrap();
    if j["summary"]["rss_tolerance_kib"] == 0.0 && j["summary"]["rss_source"] == "statm" {
        assert_eq!(t - b, 1024.0);
    }
}

#[test]
fn a_size_that_is_not_a_page_multiple_rounds_up() {
    let j = run_ok(&[
        "demand-paging",
        "--size",
        "100001",
        "--rate",
        "1M/s",
        "--interval",
        "20ms",
        "--hold",
        "200ms",
    ]);
    let pages = 100_001_f64 / 4096.0;
    let c = check(&j, "faults_once_per_page");
    assert_eq!(c["verdict"], "holds", "{c}");
    assert_eq!(c["measured_value"].as_f64(), Some(pages.ceil()), "{c}");
    let c = check(&j, "rss_up_by_size_after_touching");
    assert_eq!(c["verdict"], "holds", "{c}");
    assert_eq!(
        c["measured_value"].as_f64(),
        Some(pages.ceil() * 4.0),
        "{c}"
    );
}

#[test]
fn thp_on_a_region_under_2_mib_does_not_pass_the_huge_page_claim() {
    let j = run_ok(&[
        "demand-paging",
        "--thp",
        "--size",
        "64K",
        "--interval",
        "20ms",
        "--hold",
        "100ms",
    ]);
    if thp_mode() == "never" {
        assert_eq!(check(&j, "faults_once_per_page")["verdict"], "holds");
        return;
    }
    let c = check(&j, "faults_per_huge_page");
    assert_eq!(c["verdict"], "inconclusive", "{c}");
    assert!(
        c["measured"].as_str().unwrap().contains("under 2 MiB"),
        "{c}"
    );
}

#[test]
fn thp_3m_is_one_huge_fault_and_256_small_ones() {
    let j = run_ok(&[
        "demand-paging",
        "--thp",
        "--size",
        "3M",
        "--interval",
        "20ms",
        "--hold",
        "100ms",
    ]);
    if thp_mode() == "never" {
        return;
    }
    let c = check(&j, "faults_per_huge_page");
    match c["verdict"].as_str() {
        Some("holds") => assert_eq!(c["measured_value"].as_f64(), Some(257.0), "{c}"),
        // The kernel had no free 2 MiB block: said so, not a failure.
        Some("inconclusive") => {
            assert!(c["measured"].as_str().unwrap().contains("fell back"), "{c}")
        }
        other => panic!("{other:?}: {c}"),
    }
    assert_eq!(
        check(&j, "rss_up_by_size_after_touching")["verdict"],
        "holds"
    );
}

#[test]
fn svg_parses() {
    let svg = &run_once().svg;
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(svg.contains("touching") && svg.contains("MiB"));
}

#[test]
fn rate_max_reports_fault_throughput() {
    let j = run_ok(&[
        "demand-paging",
        "--size",
        "16M",
        "--rate",
        "max",
        "--interval",
        "20ms",
        "--hold",
        "100ms",
    ]);
    assert_no_failed_checks(&j);
    let s = &j["summary"];
    assert!(s["faults_per_s"].as_f64().unwrap() > 0.0, "{s}");
    assert!(s["ns_per_fault"].as_f64().unwrap() > 0.0, "{s}");
    assert_eq!(check(&j, "faults_once_per_page")["holds"], true);
}

#[test]
fn thp_run_has_no_failed_check() {
    // Whatever the host's THP mode: 2 MiB faults where it gives huge pages,
    // 4 KiB faults (said so) where it does not.
    let j = run_ok(&[
        "demand-paging",
        "--size",
        "16M",
        "--rate",
        "64M/s",
        "--interval",
        "20ms",
        "--hold",
        "100ms",
        "--thp",
    ]);
    assert_no_failed_checks(&j);
}

#[test]
fn bad_values_are_usage_errors() {
    for args in [
        &["demand-paging", "--interval", "500us"][..],
        &["demand-paging", "--size", "0"][..],
        &["demand-paging", "--rate", "0M/s"][..],
        &["demand-paging", "--rate", "fast"][..],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    }
}

#[test]
fn sigint_kills_the_worker_and_writes_partial_results() {
    interrupt_run(nix::sys::signal::Signal::SIGINT);
}

#[test]
fn sigterm_kills_the_worker_and_writes_partial_results() {
    interrupt_run(nix::sys::signal::Signal::SIGTERM);
}

fn interrupt_run(signal: nix::sys::signal::Signal) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("part.csv");
    let json = dir.path().join("part.json");
    let mut child = std::process::Command::new(memlab_path())
        .args(["demand-paging", "--size", "16M", "--rate", "4M/s"])
        .args(["--interval", "20ms", "--hold", "200ms", "-q"])
        .arg("--csv")
        .arg(&csv)
        .arg("--json")
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starting memlab");
    // Well inside the touching phase (200 ms + 200 ms + 4 s of touching).
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, signal).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));

    let rows = read_csv(&csv);
    assert!(!rows.is_empty(), "the partial CSV has rows");
    assert!(rows.iter().all(|r| r["phase"] != "exited"));
    let j: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(j["interrupted"], true);
    let worker = j["summary"]["worker_pid"].as_i64().expect("worker_pid");
    // Killed and reaped: no /proc entry left (a zombie would still have one).
    assert!(
        !std::path::Path::new(&format!("/proc/{worker}")).exists()
            || std::fs::read_to_string(format!("/proc/{worker}/stat"))
                .map(|s| !s.contains(&format!("({}", "memlab")))
                .unwrap_or(true),
        "worker {worker} survived"
    );
}

/// Rows of a CSV file (header excluded), counted as a reader would.
fn csv_rows(path: &std::path::Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    rd.records().filter(|r| r.is_ok()).count()
}

#[test]
fn rows_reach_the_disk_while_sampling_and_survive_sigkill() {
    let _lock = system_wide_lock();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    let json = dir.path().join("s.json");
    let partial = dir.path().join("s.csv.partial");
    // 200 ms + 200 ms of quiet, then 4 s of touching at 10 ms.
    let mut memlab = std::process::Command::new(memlab_path())
        .args(["demand-paging", "--size", "16M", "--rate", "4M/s"])
        .args(["--interval", "10ms", "--hold", "200ms", "-q"])
        .arg("--csv")
        .arg(&csv)
        .arg("--json")
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starting memlab");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let early = csv_rows(&partial);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let later = csv_rows(&partial);
    let pid = nix::unistd::Pid::from_raw(memlab.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();
    memlab.wait().unwrap();
    let after_kill = csv_rows(&partial);
    assert!(early >= 50, "{early} rows on disk after 1.5 s at 10 ms");
    assert!(
        later > early,
        "the partial file grows: {early} then {later}"
    );
    assert!(
        after_kill >= later && after_kill >= 150,
        "{after_kill} rows left after SIGKILL at 3 s"
    );
    let rows = read_csv(&partial);
    assert_eq!(rows[0]["phase"], "before-alloc");
    assert!(rows.iter().any(|r| r["phase"] == "touching"));
    assert!(
        !csv.exists() && !json.exists(),
        "PATH only when the run ends"
    );
    assert!(dir.path().join("s.json.partial").exists());
}

#[test]
fn a_run_with_more_rows_than_it_keeps_rejudges_the_same() {
    // 1 ms samples: about 1,800 rows, more than the table and the chart
    // keep; the run judges from the figures it folded, the file from all
    // its rows.
    let _lock = system_wide_lock();
    let j = crate::common::rejudge::assert_args_rejudge_the_same(&[
        "demand-paging",
        "--size",
        "16M",
        "--rate",
        "16M/s",
        "--interval",
        "1ms",
        "--hold",
        "200ms",
    ]);
    let rows = j["rows"].as_array().unwrap().len() as u64;
    let folded = j["measurements"]["online"]["rows"].as_u64().unwrap();
    assert_eq!(rows, folded, "every row taken is in the JSON");
    let shown = j["table_rows"].as_array().unwrap();
    assert!(shown.len() < 60, "{} rows in the table", shown.len());
    assert!(shown.iter().all(|i| i.as_u64().unwrap() < rows));
    assert!(rows > 1000, "{rows} rows");
}

#[test]
fn every_line_memlab_narrates_goes_through_the_catalogue() {
    let o = run(&[
        "demand-paging",
        "--lang",
        "mark",
        "--size",
        "4M",
        "--rate",
        "32M/s",
        "--interval",
        "10ms",
        "--hold",
        "100ms",
    ]);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    let text = format!("{}{}", stdout(&o), stderr(&o));
    for start in ["<<worker ", "<<the table shows ", "<<system used is "] {
        assert!(text.contains(start), "no {start:?} in:\n{text}");
    }
    // A narrated line never starts unmarked.
    for line in text.lines() {
        for word in [
            "worker ",
            "the table shows",
            "system used is",
            "interrupted during",
        ] {
            assert!(!line.starts_with(word), "not through the catalogue: {line}");
        }
    }
    // An error of memlab's own, too.
    let o = run(&["demand-paging", "--lang", "mark", "--rate", "1K/s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("<<--rate 1.0 KiB/s would take"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn csv_to_stdout_streams_and_a_reader_that_leaves_ends_the_run() {
    use std::io::BufRead;
    let _lock = system_wide_lock();
    let t0 = std::time::Instant::now();
    // 64 MiB at 8 MiB/s: 8 s of touching if nobody stopped it.
    let mut memlab = std::process::Command::new(memlab_path())
        .args(["demand-paging", "--size", "64M", "--rate", "8M/s"])
        .args(["--interval", "10ms", "-q", "--csv", "-"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(memlab.stdout.take().unwrap()).lines();
    let header = lines.next().unwrap().unwrap();
    assert!(header.starts_with("t_s,phase,"), "{header}");
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains(",before-alloc,"), "{first}");
    assert!(t0.elapsed().as_secs_f64() < 3.0, "the first row came late");
    drop(lines);
    let status = memlab.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        t0.elapsed().as_secs_f64() < 6.0,
        "memlab went on for {:?} after its reader left",
        t0.elapsed()
    );
}
