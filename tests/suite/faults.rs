use crate::common::rejudge;
use crate::common::*;

use serde_json::Value;

const ARGS: &[&str] = &[
    "faults",
    "--size",
    "4M",
    "--thp-size",
    "32M",
    "--rounds",
    "2",
];
const PAGES: u64 = 1024; // 4 MiB of 4 KiB pages

fn ran(r: &Value, kind: &str) -> bool {
    r["params"]["kinds"]
        .as_array()
        .expect("params.kinds")
        .iter()
        .any(|k| k == kind)
}

#[test]
fn every_access_is_one_fault_as_the_kernel_counts() {
    let r = json_run(ARGS, &[0, 3]);
    let rounds = 2;
    // anon and cow always run: one timed fault per page per round, and the
    // thread's own minor-fault count says the same.
    for kind in ["anon", "cow"] {
        assert_eq!(r["summary"][format!("{kind}_n")], PAGES * rounds, "{kind}");
        assert_eq!(
            r["summary"][format!("{kind}_counted_minflt")],
            PAGES * rounds,
            "{kind}: {}",
            r["summary"]
        );
        assert_eq!(
            check(&r, &format!("{kind}_one_fault_per_access"))["verdict"],
            "holds"
        );
    }
    if ran(&r, "file-major") {
        let majflt = field(&r["summary"], "file_major_counted_majflt");
        assert!(
            (majflt - (PAGES * rounds) as f64).abs() <= 8.0,
            "file-major: {majflt} major faults for {} reads",
            PAGES * rounds
        );
        assert_eq!(
            check(&r, "major_fault_costs_more_than_minor")["verdict"],
            "holds"
        );
    } else {
        eprintln!("skipped file kinds: {}", r["skipped"]);
    }
    // The rows are the raw samples: as many as the summary counts.
    let rows = r["rows"].as_array().unwrap();
    let counted: u64 = ["anon", "thp", "cow", "file_minor", "file_major", "swap_in"]
        .iter()
        .filter_map(|k| r["summary"][format!("{k}_n")].as_u64())
        .sum();
    assert_eq!(rows.len() as u64, counted);
    assert!(
        rows.iter()
            .all(|x| x["ns"].as_u64().is_some_and(|ns| ns > 0))
    );
    let p50 = field(&r["summary"], "anon_p50_ns");
    let p99 = field(&r["summary"], "anon_p99_ns");
    assert!(p50 > 0.0 && p50 <= p99, "anon p50 {p50} p99 {p99}");
    assert!(r["measurements"]["timer_overhead_ns"].as_u64().is_some());
    // No swap here: swap-in is skipped with a line, never run.
    if field(&r["meta"], "swap_total_kib") == 0.0 {
        assert!(!ran(&r, "swap-in"));
        assert!(
            r["skipped"].to_string().contains("swap-in"),
            "{}",
            r["skipped"]
        );
    }
}

#[test]
fn judge_gives_the_same_verdicts_and_can_fail() {
    // Judged again, as it is and without summary and checks: the same.
    let mut args = ARGS.to_vec();
    args.extend(["--kinds", "anon,cow"]);
    let original = rejudge::assert_args_rejudge_the_same(&args);
    let dir = tempfile::tempdir().unwrap();

    // The kernel counted fewer faults than accesses: the count check fails
    // and judge exits 3.
    let mut bad = original.clone();
    for r in bad["measurements"]["rounds"].as_array_mut().unwrap() {
        if r["kind"] == "anon" {
            r["minflt"] = Value::from(r["minflt"].as_u64().unwrap() / 16);
        }
    }
    let bp = dir.path().join("bad.json");
    std::fs::write(&bp, serde_json::to_vec(&bad).unwrap()).unwrap();
    let o = run(&["judge", bp.to_str().unwrap(), "--json", "-", "-q"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(check(&j, "anon_one_fault_per_access")["verdict"], "fails");

    // Rows that lack a field a check needs: exit 2, one line.
    let mut broken = original;
    for row in broken["rows"].as_array_mut().unwrap() {
        row.as_object_mut().unwrap().remove("ns");
    }
    let brp = dir.path().join("broken.json");
    std::fs::write(&brp, serde_json::to_vec(&broken).unwrap()).unwrap();
    let o = run(&["judge", brp.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("ns"), "{}", stderr(&o));
}

#[test]
fn histogram_counts_every_sample() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("h.csv");
    let svg = dir.path().join("f.svg");
    let csv = dir.path().join("f.csv");
    let o = run(&[
        "faults",
        "--size",
        "2M",
        "--kinds",
        "anon,file-minor",
        "--rounds",
        "1",
        "--histogram",
        h.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "-q",
    ]);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    let buckets = read_csv(&h);
    let rows = read_csv(&csv);
    let total: f64 = buckets.iter().map(|b| num(b, "count")).sum();
    assert_eq!(total as usize, rows.len());
    for b in &buckets {
        assert!(num(b, "bucket_lo_ns") < num(b, "bucket_hi_ns"));
    }
    assert_eq!(
        rows.iter().filter(|r| r["kind"] == "anon").count(),
        512,
        "2 MiB: 512 anon samples"
    );
    roxmltree::Document::parse(&std::fs::read_to_string(&svg).unwrap()).expect("SVG parses");
}

#[test]
fn runs_as_an_ordinary_user() {
    let Some(o) = run_unprivileged(&[
        "faults",
        "--size",
        "2M",
        "--thp-size",
        "8M",
        "--rounds",
        "1",
        "--json",
        "-",
        "-q",
    ]) else {
        return;
    };
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["summary"]["anon_n"], 512);
}

#[test]
fn bad_values_are_refused_before_anything_runs() {
    for args in [
        &["faults", "--size", "100K"][..],
        &["faults", "--kinds", "bogus"],
        &["faults", "--rounds", "0"],
        &["faults", "--thp-size", "1M"],
        &["faults", "--histogram", "/nonexistent-memlab-dir/h.csv"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(
            stderr(&o).trim().lines().count(),
            1,
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(stdout(&o).is_empty(), "{args:?} ran: {}", stdout(&o));
    }
}
