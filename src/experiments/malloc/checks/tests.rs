//! Fixed-data tests: each check holding and failing.

use super::*;
use crate::experiments::fixture::{self, Fixture, of};
use crate::report::Verdict;

const LARGE: u64 = 1 << 20;
const SMALL: u64 = 1_600_000;
const ADDR: u64 = 0x7f00_0010_0010;

fn row(stage: &str, arena: u64, uord: u64, hblkhd: u64, vsz: u64) -> Row {
    Row {
        stage: stage.into(),
        asked_bytes: 0,
        mallinfo_arena_bytes: arena,
        mallinfo_hblkhd_bytes: hblkhd,
        mallinfo_uordblks_bytes: uord,
        heap_kib: arena / 1024,
        maps_lines: 40,
        vsz_kib: vsz,
        rss_kib: 0,
    }
}

/// A healthy glibc run: 8192 blocks grow the arena by about what was asked,
/// the large block gets its own mapping of SIZE + one page.
fn healthy() -> (Vec<Row>, Measurements) {
    let rows = vec![
        row("before", 200_000, 150_000, 0, 10_000),
        row("small_blocks", 2_000_000, 1_900_000, 0, 11_800),
        row("large_block", 2_000_000, 1_900_000, LARGE + 4096, 12_828),
        row("freed", 2_000_000, 150_000, 0, 11_800),
    ];
    let m = Measurements {
        large_address: ADDR,
        new_maps_lines_small: 1,
        large_line_start: Some(ADDR - 0x10),
        large_line_end: Some(ADDR - 0x10 + LARGE + 4096),
        large_line: Some("0x7f0000100000-0x7f0000201000 rw-p 0x0 00:00 0".into()),
        large_in_heap: false,
        large_mapped_after_free: false,
        ..Measurements::default()
    };
    (rows, m)
}

fn verdicts(rows: &[Row], m: &Measurements) -> Vec<(String, Verdict)> {
    let j = Fixture::new("malloc")
        .page_size(4096)
        .param("blocks", 8192)
        .param("small_sizes_bytes", [64, 128, 256, 512, 1024])
        .param("small_total_bytes", SMALL)
        .param("large_bytes", LARGE)
        .rows(rows)
        .measurements(m)
        .judge(judge);
    fixture::verdicts(&j)
}

#[test]
fn a_healthy_glibc_run_holds() {
    let (rows, m) = healthy();
    let v = verdicts(&rows, &m);
    assert_eq!(v.len(), 5);
    assert!(v.iter().all(|c| c.1 == Verdict::Holds), "{v:?}");
}

#[test]
fn one_mapping_per_small_block_fails() {
    let (rows, mut m) = healthy();
    m.new_maps_lines_small = 8192;
    assert_eq!(
        of(&verdicts(&rows, &m), "small_blocks_share_a_pool"),
        Verdict::Fails
    );
}

#[test]
fn a_pool_that_did_not_grow_fails() {
    let (mut rows, m) = healthy();
    rows[1].mallinfo_arena_bytes = 200_000;
    assert_eq!(
        of(&verdicts(&rows, &m), "pool_grew_for_small_blocks"),
        Verdict::Fails
    );
}

#[test]
fn a_large_block_in_the_heap_fails() {
    let (mut rows, mut m) = healthy();
    m.large_in_heap = true;
    assert_eq!(
        of(&verdicts(&rows, &m), "large_block_gets_own_mapping"),
        Verdict::Fails
    );
    // No line holds it, or glibc's count of mapped chunks did not move.
    let (_, mut m) = healthy();
    m.large_line_start = None;
    m.large_line_end = None;
    m.large_line = None;
    assert_eq!(
        of(&verdicts(&rows, &m), "large_block_gets_own_mapping"),
        Verdict::Fails
    );
    let (_, m) = healthy();
    rows[2].mallinfo_hblkhd_bytes = 0;
    assert_eq!(
        of(&verdicts(&rows, &m), "large_block_gets_own_mapping"),
        Verdict::Fails
    );
}

#[test]
fn vsz_short_of_what_was_asked_fails() {
    let (mut rows, m) = healthy();
    rows[2].vsz_kib = 10_100;
    assert_eq!(
        of(&verdicts(&rows, &m), "kernel_counts_more_than_asked"),
        Verdict::Fails
    );
}

#[test]
fn a_large_block_still_mapped_after_free_fails() {
    let (rows, mut m) = healthy();
    m.large_mapped_after_free = true;
    assert_eq!(
        of(&verdicts(&rows, &m), "free_of_large_block_unmaps_it"),
        Verdict::Fails
    );
}

#[test]
fn the_unmap_check_s_words_read_in_japanese() {
    use crate::i18n::{Lang, localize_in};
    let (_, mut m) = healthy();
    for (mapped, ja) in [(false, "なくなった"), (true, "まだ残っている")] {
        m.large_mapped_after_free = mapped;
        let c = unmapped_on_free(&m);
        assert!(
            !c.measured.chars().any(|c| c >= '\u{3040}'),
            "the data stays English"
        );
        assert!(
            localize_in(Lang::Ja, &c.measured).contains(ja),
            "{}",
            c.measured
        );
        assert!(localize_in(Lang::Ja, &c.expected).contains("maps の行はない"));
        let line = crate::output::checktext::measured(&c, Lang::Ja);
        assert!(!line.contains("mapping"), "{line}");
    }
}

#[test]
fn an_interrupted_run_has_no_checks() {
    let (rows, m) = healthy();
    assert!(verdicts(&rows[..2], &m).is_empty());
}

#[test]
fn the_recorded_diff_decides_how_many_lines_were_added() {
    use crate::probe::maps::{Change, DiffEntry};
    let (rows, mut m) = healthy();
    // The count says 1; the diff the run recorded holds 50 added lines.
    m.maps_diff_small = (0..50)
        .map(|i| DiffEntry {
            change: Change::Added,
            start: format!("{:#x}", 0x7f00_0000_0000u64 + i * 0x1000),
            ..DiffEntry::default()
        })
        .collect();
    assert_eq!(
        of(&verdicts(&rows, &m), "small_blocks_share_a_pool"),
        Verdict::Fails
    );
}
