//! filemap's checks on fixed data: each outcome each check can give.

use super::*;
use crate::experiments::fixture::{Fixture, assert_verdicts, verdict};
use crate::report::Verdict;

const ADDR: u64 = 0x7f00_0000_0000;

fn row(step: &str, cached: Option<u64>, majflt: u64) -> Row {
    Row {
        step: step.into(),
        cached_pages: cached,
        majflt,
        ..Row::default()
    }
}

fn measured() -> Measured {
    Measured {
        address: Some(ADDR),
        mapped_path: Some("/var/tmp/f.dat".into()),
        maps_diff: vec![DiffEntry::of(
            crate::probe::maps::Change::Added,
            &MapLine::parse(&format!(
                "{:x}-{:x} rw-s 00000000 fd:01 1234 /var/tmp/f.dat",
                ADDR,
                ADDR + 8192
            ))
            .unwrap(),
        )],
        maps_added: vec![],
        bytes_via_map: Some(b"memla".to_vec()),
        bytes_via_read: Some(b"memla".to_vec()),
        bytes_read_back: Some(HELLO.to_vec()),
        file_pages: Some(2),
        file_system_in_memory: false,
        child_signal: None,
    }
}

fn cold_rows(cached_before: u64, majflt: u64) -> Vec<Row> {
    vec![
        row("open", None, 0),
        row("map", Some(2), 0),
        row("drop_cache_random", Some(cached_before), 0),
        row("cold_read_random", Some(2), majflt),
    ]
}

fn judged(m: &Measured, rows: &[Row]) -> Judgement {
    Fixture::new("filemap")
        .param("size_bytes", 8192)
        .measurements(m)
        .rows(rows)
        .judge(judge)
}

#[test]
fn every_check_holds_on_a_good_run() {
    let j = judged(&measured(), &cold_rows(0, 2));
    for name in [
        "file_line_in_maps",
        "mapping_reads_the_file",
        "write_reaches_the_file",
        "cold_read_takes_major_faults",
    ] {
        assert_eq!(verdict(&j, name), Verdict::Holds, "{name}");
    }
    assert_eq!(j.summary["bytes_read_back"], "HELLO");
    assert_eq!(j.summary["cold_random_pages_dropped"], 2);
}

#[test]
fn a_private_or_missing_line_fails() {
    let mut m = measured();
    m.maps_diff[0].perms = "rw-p".into();
    let j = judged(&m, &[]);
    assert_eq!(verdict(&j, "file_line_in_maps"), Verdict::Fails);
    m.maps_diff[0].perms = "rw-s".into();
    m.maps_diff[0].change = crate::probe::maps::Change::Removed;
    let j = judged(&m, &[]);
    assert_eq!(verdict(&j, "file_line_in_maps"), Verdict::Fails);
    m.maps_diff.clear();
    let j = judged(&m, &[]);
    assert_eq!(verdict(&j, "file_line_in_maps"), Verdict::Fails);
}

#[test]
fn the_text_lines_of_an_older_memlab_are_judged_the_same() {
    let mut m = measured();
    m.maps_diff.clear();
    m.maps_added = vec![format!(
        "{:x}-{:x} rw-s 00000000 fd:01 1234 /var/tmp/f.dat",
        ADDR,
        ADDR + 8192
    )];
    // `maps_added` is never written: feed it as an older JSON has it.
    let j = Fixture::new("filemap")
        .param("size_bytes", 8192)
        .measurements(&m)
        .measure("maps_added", &m.maps_added)
        .judge(judge);
    assert_eq!(verdict(&j, "file_line_in_maps"), Verdict::Holds);
}

#[test]
fn different_bytes_fail() {
    let mut m = measured();
    m.bytes_via_map = Some(b"xxxxx".to_vec());
    m.bytes_read_back = Some(b"memla".to_vec());
    let j = judged(&m, &[]);
    assert_verdicts(
        &j,
        &[
            ("mapping_reads_the_file", Verdict::Fails),
            ("write_reaches_the_file", Verdict::Fails),
        ],
    );
}

#[test]
fn cold_read_fails_without_major_faults_and_is_inconclusive_without_a_disk() {
    let j = judged(&measured(), &cold_rows(0, 0));
    assert_eq!(verdict(&j, "cold_read_takes_major_faults"), Verdict::Fails);
    // Nothing was dropped: nothing had to come from the disk.
    let j = judged(&measured(), &cold_rows(2, 0));
    assert_eq!(
        verdict(&j, "cold_read_takes_major_faults"),
        Verdict::Inconclusive
    );
    let mut m = measured();
    m.file_system_in_memory = true;
    let j = judged(&m, &cold_rows(0, 0));
    assert_eq!(
        verdict(&j, "cold_read_takes_major_faults"),
        Verdict::Inconclusive
    );
}

#[test]
fn inconclusive_cold_reads_say_why_in_japanese() {
    use crate::experiments::fixture::assert_japanese_reason;
    let j = judged(&measured(), &cold_rows(2, 0));
    let line = assert_japanese_reason(&j, "cold_read_takes_major_faults", "1つも捨てませんでした");
    assert!(line.contains("メジャーページフォルトは 0 回"), "{line}");
    let mut m = measured();
    m.file_system_in_memory = true;
    let j = judged(&m, &cold_rows(0, 0));
    assert_japanese_reason(
        &j,
        "cold_read_takes_major_faults",
        "読み込むディスクがありません",
    );
}

#[test]
fn a_run_that_ended_early_has_only_the_checks_it_can_judge() {
    // The child died (SIGBUS) after mapping: no bytes, no cold read.
    let mut m = measured();
    m.bytes_via_map = None;
    m.bytes_via_read = None;
    m.bytes_read_back = None;
    let j = judged(&m, &[row("open", None, 0), row("map", Some(0), 0)]);
    let names: Vec<&str> = j.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["file_line_in_maps"]);
}
