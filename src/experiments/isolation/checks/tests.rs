//! Fixed-data tests: each check holding, failing and (where it can be)
//! inconclusive.

use super::*;
use crate::experiments::fixture::{self, Fixture, of};
use crate::report::Verdict;

fn row(
    part: u8,
    process: &str,
    pid: u32,
    kind: &str,
    va: u64,
    value: Option<u64>,
    pfn: Option<u64>,
) -> Row {
    Row {
        part,
        process: process.into(),
        pid,
        kind: kind.into(),
        virtual_address: format!("{va:#x}"),
        pages: 1,
        value,
        pfn,
    }
}

/// Parts 1 and 2 as a healthy kernel gives them, as root.
fn healthy() -> Vec<Row> {
    vec![
        row(
            1,
            "parent",
            100,
            "anon",
            0x7f00_0000_0000,
            Some(100),
            Some(0x1000),
        ),
        row(
            1,
            "child",
            101,
            "anon",
            0x7f00_0000_0000,
            Some(101),
            Some(0x2000),
        ),
        row(
            2,
            "run_a",
            102,
            "data",
            0x5555_0000_0e90,
            Some(102),
            Some(0x3000),
        ),
        row(
            2,
            "run_a",
            102,
            "anon",
            0x7fff_f7fb_c000,
            Some(102),
            Some(0x3001),
        ),
        row(
            2,
            "run_a",
            102,
            "code",
            0x5555_0000_02b0,
            None,
            Some(0x4000),
        ),
        row(
            2,
            "run_b",
            103,
            "data",
            0x5555_0000_0e90,
            Some(103),
            Some(0x5000),
        ),
        row(
            2,
            "run_b",
            103,
            "anon",
            0x7fff_f7fb_c000,
            Some(103),
            Some(0x5001),
        ),
        row(
            2,
            "run_b",
            103,
            "code",
            0x5555_0000_02b0,
            None,
            Some(0x4000),
        ),
    ]
}

/// Part 3 runs: (first page index, pages, first pfn).
fn with_runs(mut rows: Vec<Row>, runs: &[(u64, u64, u64)]) -> Vec<Row> {
    for &(i, n, pfn) in runs {
        let mut r = row(
            3,
            "parent",
            100,
            "run",
            0x7f10_0000_0000 + i * 4096,
            None,
            Some(pfn),
        );
        r.pages = n;
        rows.push(r);
    }
    rows
}

fn verdicts(rows: &[Row], aslr: Option<bool>, part3: Option<bool>) -> Vec<(String, Verdict)> {
    let j = Fixture::new("isolation")
        .page_size(4096)
        .param("region_bytes", 16 * 4096)
        .rows(rows)
        .measure("aslr_off_a", aslr)
        .measure("aslr_off_b", aslr)
        .measure("part3_frames_visible", part3)
        .judge(judge);
    fixture::verdicts(&j)
}

#[test]
fn a_healthy_run_as_root_holds() {
    let rows = with_runs(healthy(), &[(0, 10, 0x9000), (10, 6, 0x100)]);
    let v = verdicts(&rows, Some(true), Some(true));
    assert_eq!(v.len(), 6);
    assert!(v.iter().all(|c| c.1 == Verdict::Holds), "{v:?}");
}

#[test]
fn shared_data_fails_parts_1_and_2() {
    let mut rows = healthy();
    // The child reads the parent's pid, and its frame is the parent's.
    rows[1].value = Some(100);
    rows[1].pfn = Some(0x1000);
    // Run b's data landed in run a's frame; the code was copied.
    rows[5].pfn = Some(0x3000);
    rows[7].pfn = Some(0x4444);
    let v = verdicts(&rows, Some(true), None);
    for n in [
        "same_address_different_data",
        "same_address_different_frames",
        "two_runs_data_in_different_frames",
        "two_runs_share_code_frames",
    ] {
        assert_eq!(of(&v, n), Verdict::Fails, "{n}");
    }
}

#[test]
fn different_addresses_with_aslr_off_fail_and_aslr_on_is_inconclusive() {
    let mut rows = healthy();
    rows[6].virtual_address = "0x7fff00000000".into();
    assert_eq!(
        of(
            &verdicts(&rows, Some(true), None),
            "two_runs_same_addresses"
        ),
        Verdict::Fails
    );
    assert_eq!(
        of(
            &verdicts(&rows, Some(false), None),
            "two_runs_same_addresses"
        ),
        Verdict::Inconclusive
    );
}

#[test]
fn hidden_frames_leave_out_the_frame_checks() {
    let mut rows = healthy();
    for r in &mut rows {
        r.pfn = None;
    }
    let v = verdicts(&rows, Some(true), Some(false));
    let names: Vec<&str> = v.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        ["same_address_different_data", "two_runs_same_addresses"]
    );
}

#[test]
fn one_run_is_inconclusive_and_missing_pages_fail() {
    let one = with_runs(healthy(), &[(0, 16, 0x9000)]);
    assert_eq!(
        of(
            &verdicts(&one, Some(true), Some(true)),
            "contiguous_region_scattered_frames"
        ),
        Verdict::Inconclusive
    );
    // Page 10 was touched but is not present: the runs leave a hole.
    let holed = with_runs(healthy(), &[(0, 10, 0x9000), (11, 5, 0x100)]);
    assert_eq!(
        of(
            &verdicts(&holed, Some(true), Some(true)),
            "contiguous_region_scattered_frames"
        ),
        Verdict::Fails
    );
    // No page present at all.
    assert_eq!(
        of(
            &verdicts(&healthy(), Some(true), Some(true)),
            "contiguous_region_scattered_frames"
        ),
        Verdict::Fails
    );
}

#[test]
fn runs_break_at_gaps_and_at_absent_pages() {
    let p = |v: &[Option<u64>]| runs(v);
    assert_eq!(p(&[Some(5), Some(6), Some(7)]), vec![(0, 3)]);
    assert_eq!(p(&[Some(5), Some(9), Some(10)]), vec![(0, 1), (1, 2)]);
    assert_eq!(p(&[Some(5), None, Some(7)]), vec![(0, 1), (2, 1)]);
    assert_eq!(p(&[None, None]), Vec::<(usize, usize)>::new());
}

#[test]
fn inconclusive_reasons_are_shown_in_japanese() {
    use crate::experiments::fixture::{assert_reason_in_japanese, check};
    let judged = |rows: &[Row], aslr: bool| {
        Fixture::new("isolation")
            .page_size(4096)
            .param("region_bytes", 16 * 4096)
            .rows(rows)
            .measure("aslr_off_a", Some(aslr))
            .measure("aslr_off_b", Some(aslr))
            .measure("part3_frames_visible", Some(true))
            .judge(judge)
    };
    let j = judged(&healthy(), false);
    let c = check(&j, "two_runs_same_addresses");
    assert_reason_in_japanese(c, "did not stick");
    let ja = crate::output::checktext::measured(c, crate::i18n::Lang::Ja);
    assert!(
        !ja.contains("values") && !ja.contains("with ASLR off"),
        "{ja}"
    );
    // Checks measured in words show those words in Japanese too.
    let j = judged(&healthy(), true);
    for name in [
        "same_address_different_data",
        "two_runs_data_in_different_frames",
        "two_runs_share_code_frames",
    ] {
        let ja = crate::output::checktext::measured(check(&j, name), crate::i18n::Lang::Ja);
        assert!(
            !ja.contains("parent") && !ja.contains("frames") && !ja.contains("pfn 0x"),
            "{ja}"
        );
    }
    let one = with_runs(healthy(), &[(0, 16, 0x9000)]);
    let j = judged(&one, true);
    assert_reason_in_japanese(
        check(&j, "contiguous_region_scattered_frames"),
        "consecutive frames",
    );
}
