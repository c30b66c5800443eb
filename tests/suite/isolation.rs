use crate::common::rejudge;
use crate::common::*;

use serde_json::Value;

fn rows(r: &Value, part: u64) -> Vec<&Value> {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["part"] == part)
        .collect()
}

fn frames_visible(r: &Value) -> bool {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| !x["pfn"].is_null())
}

#[test]
fn same_address_holds_different_data_in_parent_and_child() {
    let r = json_run(&["isolation", "--region", "1M"], &[0]);
    let p1 = rows(&r, 1);
    assert_eq!(p1.len(), 2);
    assert_eq!(p1[0]["virtual_address"], p1[1]["virtual_address"]);
    assert_eq!(p1[0]["value"], p1[0]["pid"]);
    assert_eq!(p1[1]["value"], p1[1]["pid"]);
    assert_ne!(p1[0]["value"], p1[1]["value"]);
    assert_eq!(check(&r, "same_address_different_data")["holds"], true);
    if frames_visible(&r) {
        assert_ne!(p1[0]["pfn"], p1[1]["pfn"]);
    }
    assert_no_failed_checks(&r);
}

#[test]
fn two_runs_with_aslr_off_use_the_same_addresses() {
    let r = json_run(&["isolation", "--region", "1M"], &[0]);
    let p2 = rows(&r, 2);
    assert_eq!(p2.len(), 6);
    for kind in ["data", "anon", "code"] {
        let k: Vec<&&Value> = p2.iter().filter(|x| x["kind"] == kind).collect();
        assert_eq!(k[0]["virtual_address"], k[1]["virtual_address"], "{kind}");
        if frames_visible(&r) {
            if kind == "code" {
                assert_eq!(k[0]["pfn"], k[1]["pfn"], "code frames shared");
            } else {
                assert_ne!(k[0]["pfn"], k[1]["pfn"], "{kind} frames differ");
            }
        }
    }
    assert_ne!(check(&r, "two_runs_same_addresses")["holds"], false);
}

#[test]
fn contiguous_region_is_backed_by_scattered_frames_when_visible() {
    let r = json_run(&["isolation", "--region", "2M"], &[0]);
    if !frames_visible(&r) {
        eprintln!("physical frame numbers hidden (not CAP_SYS_ADMIN): part 3 skipped");
        assert!(rows(&r, 3).is_empty());
        return;
    }
    let runs = rows(&r, 3);
    let pages: u64 = runs.iter().map(|x| x["pages"].as_u64().unwrap()).sum();
    assert_eq!(pages, 512, "the runs cover every page of 2 MiB");
    assert_eq!(
        r["summary"]["part3_pfn_runs"].as_u64().unwrap() as usize,
        runs.len()
    );
    assert_ne!(
        check(&r, "contiguous_region_scattered_frames")["holds"],
        false
    );
}

#[test]
fn unprivileged_run_skips_the_frame_parts_and_exits_0() {
    // As root this drops to uid 65534 with no capabilities.
    let Some(o) = run_unprivileged(&["isolation", "--region", "1M", "--json", "-", "-q"]) else {
        return;
    };
    if o.status.code() == Some(126) || stderr(&o).contains("Permission denied") {
        eprintln!(
            "user 65534 cannot run {}: skipped ({})",
            memlab_path().display(),
            stderr(&o)
        );
        return;
    }
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!frames_visible(&r));
    assert_eq!(
        r["skipped"].as_array().unwrap().len(),
        2,
        "{}",
        r["skipped"]
    );
    assert!(rows(&r, 3).is_empty());
    assert_eq!(check(&r, "same_address_different_data")["holds"], true);
    assert_ne!(check(&r, "two_runs_same_addresses")["holds"], false);
    assert!(
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != "two_runs_share_code_frames")
    );
}

#[test]
fn judge_gives_the_runs_verdicts_again() {
    let r = json_run(&["isolation", "--region", "1M"], &[0]);
    rejudge::assert_rejudges_the_same(&r);
    let unprivileged = run_unprivileged(&["isolation", "--region", "1M", "--json", "-", "-q"]);
    if let Some(o) = unprivileged.filter(|o| o.status.code() == Some(0)) {
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        rejudge::assert_rejudges_the_same(&r);
    }
}

#[test]
fn a_child_reading_the_parents_data_is_judged_a_failure() {
    let mut r = json_run(&["isolation", "--region", "1M"], &[0]);
    let parent_value = r["rows"][0]["value"].clone();
    r["rows"][1]["value"] = parent_value;
    let (code, again) = rejudge::judge(&r);
    assert_eq!(code, 3);
    assert_eq!(
        check(&again, "same_address_different_data")["verdict"],
        "fails"
    );
}
