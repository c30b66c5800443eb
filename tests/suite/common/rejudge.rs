//! `memlab judge` round trips: a run's JSON judged again gives the same
//! verdicts and summary, also with its summary and checks deleted.
//! (`common::rejudge`.)
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;

use crate::common::{memlab, stderr, stdout};

/// (name, verdict) of every check, in order.
pub fn verdicts(r: &Value) -> Vec<(String, String)> {
    r["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["verdict"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Run `memlab judge` on `report` (written to a temporary file) and return
/// its exit code and JSON.
pub fn judge(report: &Value) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("run.json");
    std::fs::write(&p, serde_json::to_vec(report).unwrap()).unwrap();
    let o = memlab()
        .args(["judge", p.to_str().unwrap(), "--json", "-", "-q"])
        .output()
        .unwrap();
    let code = o.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 3,
        "memlab judge exited {code}: {}",
        stderr(&o)
    );
    (
        code,
        serde_json::from_slice(&o.stdout).expect("judge's JSON"),
    )
}

/// Judge `report` as written and with summary and checks deleted: the same
/// verdicts as the run each time, and the exit code that goes with them.
pub fn assert_rejudges_the_same(report: &Value) {
    let want = verdicts(report);
    assert!(!want.is_empty(), "the run has no checks");
    let fails = want.iter().any(|(_, v)| v == "fails");
    let mut stripped = report.clone();
    let obj = stripped.as_object_mut().unwrap();
    obj.remove("summary");
    obj.remove("checks");
    for r in [report, &stripped] {
        let (code, again) = judge(r);
        assert_eq!(verdicts(&again), want, "re-judged verdicts differ");
        assert_eq!(code, if fails { 3 } else { 0 });
        for (k, v) in report["summary"].as_object().unwrap() {
            match again["summary"].get(k) {
                None => panic!("summary {k} = {v} is not derived again by judge"),
                Some(w) => assert_eq!(w, v, "summary {k} derived again differs"),
            }
        }
        assert_eq!(
            again["summary"], report["summary"],
            "re-judged summary differs"
        );
    }
}

/// Run `cmd` (memlab and its arguments, its environment set) with `--json -
/// -q`, assert it exited with one of `codes`, and assert that `memlab judge`
/// gives its verdicts and summary again ([`assert_rejudges_the_same`]).
/// Returns the run's report.
pub fn assert_run_rejudges_the_same(cmd: &mut Command, codes: &[i32]) -> Value {
    let o = cmd
        .args(["--json", "-", "-q"])
        .output()
        .expect("running memlab");
    let code = o.status.code().unwrap_or(-1);
    assert!(
        codes.contains(&code),
        "memlab exited {code}, wanted {codes:?}\nstderr: {}",
        stderr(&o)
    );
    let report: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("the run's JSON does not parse: {e}\n{}", stdout(&o)));
    assert_rejudges_the_same(&report);
    report
}

/// [`assert_run_rejudges_the_same`] for `memlab ARGS`, exit 0 or 3 (a check
/// may fail on a noisy host: judge must then fail it too).
pub fn assert_args_rejudge_the_same(args: &[&str]) -> Value {
    assert_run_rejudges_the_same(memlab().args(args), &[0, 3])
}
