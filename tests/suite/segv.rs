use crate::common::rejudge;
use crate::common::*;

/// (target, si_code the kernel gives that fault)
const TARGETS: [(&str, &str); 5] = [
    ("null-page", "SEGV_MAPERR"),
    ("low", "SEGV_MAPERR"),
    ("kernel", "SEGV_MAPERR"),
    ("readonly", "SEGV_ACCERR"),
    ("unmapped", "SEGV_MAPERR"),
];

#[test]
fn null_write_kills_the_child_with_sigsegv_at_address_zero_and_leaves_no_core() {
    let dir = tempfile::tempdir().unwrap();
    let o = memlab()
        .current_dir(dir.path())
        .args(["segv", "--json", "-", "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = &r["rows"][0];
    assert_eq!(row["target"], "null-page");
    assert_eq!(row["signal"], "SIGSEGV");
    assert_eq!(row["si_addr"], "0x0");
    assert_eq!(row["si_code"], "SEGV_MAPERR");
    assert_eq!(row["before_line_printed"], true);
    assert_eq!(row["after_line_printed"], false);
    assert_eq!(row["core_dumped"], false);
    assert!(r["summary"]["mmap_min_addr"].is_u64());
    assert_eq!(
        files_in(dir.path()),
        Vec::<String>::new(),
        "files left behind"
    );
}

#[test]
fn every_target_gives_sigsegv_with_its_documented_code() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("segv.csv");
    let o = memlab()
        .current_dir(dir.path())
        .args([
            "segv",
            "--target",
            "all",
            "-q",
            "--csv",
            csv.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = read_csv(&csv);
    assert_eq!(rows.len(), TARGETS.len());
    for ((target, code), row) in TARGETS.iter().zip(&rows) {
        assert_eq!(&row["target"], target);
        assert_eq!(row["signal"], "SIGSEGV", "{row:?}");
        assert_eq!(&row["si_code"], code, "{row:?}");
        assert_eq!(row["si_addr"], row["address"], "{row:?}");
        assert_eq!(row["after_line_printed"], "false");
        assert_eq!(row["core_dumped"], "false");
    }
    assert_eq!(files_in(dir.path()), vec!["segv.csv".to_string()]);
}

#[test]
fn targets_can_be_listed_with_commas() {
    let r = json_run(&["segv", "--target", "readonly,null"], &[0]);
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["target"], "readonly");
    assert_eq!(rows[0]["si_code"], "SEGV_ACCERR");
    // `null` is still accepted on the command line; the data says `null-page`.
    assert_eq!(rows[1]["target"], "null-page");
}

#[test]
fn null_page_is_the_name_and_null_an_alias() {
    let r = json_run(&["segv", "--target", "null-page"], &[0]);
    assert_eq!(r["rows"][0]["target"], "null-page");
    assert_eq!(r["params"]["target"], "null-page");
}

#[test]
fn judge_gives_the_runs_verdicts_again() {
    let r = json_run(&["segv", "--target", "all"], &[0]);
    assert_eq!(r["checks"].as_array().unwrap().len(), 25);
    rejudge::assert_rejudges_the_same(&r);
}

#[test]
fn a_child_that_survived_is_judged_a_failure() {
    // The same run with the null child's row edited to show it surviving
    // the write: judge says ✗ and exits 3.
    let mut r = json_run(&["segv"], &[0]);
    let row = &mut r["rows"][0];
    row["signal"] = "".into();
    row["exit_code"] = 0.into();
    row["after_line_printed"] = true.into();
    let (code, again) = rejudge::judge(&r);
    assert_eq!(code, 3);
    assert_eq!(
        check(&again, "null_page_killed_by_sigsegv")["verdict"],
        "fails"
    );
    assert_eq!(
        check(&again, "null_page_after_line_never_printed")["verdict"],
        "fails"
    );
}

#[test]
fn a_run_whose_rows_were_removed_is_not_judged_a_pass() {
    // Its checks came from its rows: with none left, judge refuses (2),
    // never a vacuous 0.
    let mut r = json_run(&["segv"], &[0]);
    r["rows"] = serde_json::Value::Array(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("run.json");
    std::fs::write(&p, serde_json::to_vec(&r).unwrap()).unwrap();
    let o = run(&["judge", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("rows were removed"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}
