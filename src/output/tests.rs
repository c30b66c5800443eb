//! Fixed-data tests of every exporter: one hand-built report, wide on
//! purpose (long column names, a hidden column, a chosen subset of rows,
//! Japanese, Markdown, each verdict), rendered by the table, CSV, JSON and
//! HTML exporters and compared with the snapshots in `src/output/snapshots/`.
//!
//! A change of output shows up as a failing snapshot: look at the diff, and
//! when the change is meant, write the snapshots again with
//! `MEMLAB_UPDATE_SNAPSHOTS=1 cargo test --lib output::tests`.
//!
//! `chromium_*` tests measure report.html in a real browser; they skip,
//! saying why, where Chromium is not installed.

use serde_json::json;

use super::html::{Outcome, Section};
use super::term::{Style, cols};
use super::{csv, html, json, table};
use crate::probe::host::Meta;
use crate::report::{Check, Report, Verdict};

fn meta() -> Meta {
    Meta {
        memlab_version: "0.1.0".into(),
        timestamp_utc: "2026-01-02T03:04:05Z".into(),
        hostname: "lab-host".into(),
        kernel_release: "6.18.0-test".into(),
        arch: "x86_64".into(),
        page_size: 4096,
        thp_enabled: Some("madvise".into()),
        thp_defrag: Some("madvise".into()),
        overcommit_memory: Some(0),
        mmap_min_addr: Some(65536),
        panic_on_oom: Some(0),
        mem_total_kib: 24_576_000,
        swap_total_kib: 0,
        cgroup_version: Some("v1".into()),
        cgroup_path: Some("/sys/fs/cgroup/memory/a/very/long/path/that/has/no/spaces/in/it".into()),
        cgroup_memory_limit_bytes: None,
        root: true,
        virtual_machine: false,
        hugetlb_pages_total: Some(0),
    }
}

/// A report wider than any terminal: 15 columns with long names.
fn wide() -> Report {
    let mut r = Report::new("cow", &meta());
    r.param("size_bytes", 67_108_864u64);
    r.param("blocks", 8192);
    r.param("access", "write");
    r.param("rate_bytes_per_s", serde_json::Value::Null);
    r.param("rate_max", true);
    r.note("total      システムに搭載されている全メモリの量 — all memory installed in the system");
    r.note("the *virtual* size grows, `RSS` does not; **only** touched pages count");
    let stages = [
        "before-fork",
        "after-fork",
        "after-fork",
        "after-access",
        "after-exit",
    ];
    let procs = ["parent", "parent", "child", "child", "parent"];
    for (i, (stage, process)) in stages.iter().zip(procs).enumerate() {
        let i = i as u64;
        r.push_row(&json!({
            "stage": stage,
            "process": process,
            "pid": 4242 + i,
            "vsz_kib": 77_824 + i * 1000,
            "rss_kib": 74_650 - i * 3000,
            "pss_kib": 69_734.5 - i as f64 * 1500.25,
            "shared_kib": 8_294 + i * 7,
            "private_kib": 66_355 - i * 11,
            "minflt": 16_787 + i * 25_600,
            "majflt": i,
            "mem_used_kib": 1_363_148 + i * 1024,
            "mem_used_adj_kib": 1_153_433 + i * 2048,
            "mem_available_kib": 23_068_672 - i * 4096,
            "fork_duration_us_median": 13_490.8 + i as f64,
            "maps_line_of_the_region": format!("7fa2f3c0{i}000-7fa2f4400000 rw-p 00000000 00:00 0 /tmp/memlab-fixture-{i}/a-long-file-name.dat"),
        }));
    }
    r.table_hide = vec!["pid".into()];
    r.table_rows = Some(vec![0, 1, 2, 4]);
    r.summary("copied_kib", 71_270.4);
    r.summary("pages", 25_600);
    r.summary("fork_us", 13_490.8);
    r.check(
        Check::new(
            "touch_faults_once_per_page",
            "memory is allocated on first touch (demand paging): one page fault per 4 KiB page",
            "16384 faults (±3%)",
            "16384 faults",
            true,
        )
        .value(16384.0, "faults"),
    );
    r.check(Check::new(
        "fork_copies_no_data",
        "fork copies the page tables, not the pages: system memory grows by far less than the parent's memory",
        "system used (adjusted) grows < 6.4 MiB",
        "+9.1 MiB (parent + child PSS: +344.0 KiB)",
        false,
    ));
    r.check(Check::with_verdict(
        "writes_grow_used_by_size",
        "each page the child writes is copied, so system memory grows by the size written (available (実質的な空きメモリ) shrinks)",
        "system used (adjusted) grows by 64.0 MiB (51.2 MiB–76.8 MiB)",
        "+69.6 MiB, but other processes moved by 120 MiB meanwhile: noise hides the effect",
        Verdict::Inconclusive,
    ));
    r.skip("hugetlb: 64.0 MiB needs 32 huge pages of 2.0 MiB but HugePages_Free is 0; an administrator can reserve them with `sysctl vm.nr_hugepages=32`");
    r
}

fn page() -> &'static str {
    "# cow — コピーオンライト\n\n## The document's claim\n\n> システムに搭載されている全メモリの量\n\n\
     - fork copies *page tables* only; `MAP_PRIVATE` pages are copied on write.\n\n## What memlab does\n\nnot in the report\n"
}

fn html_page(r: &Report) -> String {
    let sections = [
        Section {
            name: "cow",
            section: "コピーオンライト",
            page: Some(page()),
            outcome: Outcome::Ran {
                report: r,
                svg: None,
                files: vec!["cow.csv".into(), "cow.json".into()],
            },
        },
        Section {
            name: "hugepage",
            section: "ヒュージページ",
            page: None,
            outcome: Outcome::NotRun("needs reserved hugetlb pages".into()),
        },
    ];
    html::render(&meta(), &sections, 4.2)
}

/// Compare `got` with `snapshots/NAME`, or write it under
/// MEMLAB_UPDATE_SNAPSHOTS=1.
fn snapshot(name: &str, got: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/output/snapshots")
        .join(name);
    if std::env::var_os("MEMLAB_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; write it with MEMLAB_UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if want != got {
        let first = want
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(got.lines().count()));
        panic!(
            "{name} differs from its snapshot at line {}:\n  want: {:?}\n  got:  {:?}\n\
             (if the change is meant: MEMLAB_UPDATE_SNAPSHOTS=1 cargo test --lib output::tests)",
            first + 1,
            want.lines().nth(first),
            got.lines().nth(first)
        );
    }
}

#[test]
fn table_snapshot() {
    snapshot("table.txt", &table::render_styled(&wide(), &Style::plain()));
}

#[test]
fn table_ascii_snapshot() {
    let t = table::render_styled(&wide(), &Style::ascii());
    assert!(t.is_ascii(), "{t}");
    snapshot("table-ascii.txt", &t);
}

#[test]
fn csv_snapshot() {
    snapshot(
        "table.csv",
        &String::from_utf8(csv::render(&wide()).unwrap()).unwrap(),
    );
}

#[test]
fn json_snapshot() {
    snapshot(
        "report.json",
        &String::from_utf8(json::render(&wide()).unwrap()).unwrap(),
    );
}

#[test]
fn html_snapshot() {
    snapshot("report.html", &html_page(&wide()));
}

#[test]
fn no_line_is_wider_than_the_stream_and_no_column_is_dropped() {
    let r = wide();
    for width in [100, 80, 60, 40] {
        let st = Style {
            width,
            ..Style::plain()
        };
        let t = table::render_styled(&r, &st);
        for l in t.lines() {
            assert!(cols(l) <= width, "{width}: {} columns: {l}", cols(l));
        }
        // Every cell of every shown column is there (stacked or wrapped
        // text is compared without its line breaks).
        let flat: String = t.split_whitespace().collect();
        for &i in &r.shown_rows() {
            for c in r.shown_columns() {
                let cell = table::human(c, &r.rows[i][c.as_str()]);
                let cell: String = cell.split_whitespace().collect();
                assert!(flat.contains(&cell), "{width}: {c} = {cell} missing\n{t}");
            }
        }
        for c in r.shown_columns() {
            for part in table::strip_unit(c).split('_') {
                assert!(t.contains(part), "{width}: header {c} missing\n{t}");
            }
        }
        assert!(!t.contains("4242"), "the hidden pid column is shown");
    }
}

#[test]
fn summaries_count_each_verdict_and_never_say_all_held() {
    let r = wide();
    let t = table::render_styled(&r, &Style::plain());
    assert!(
        t.contains("1 of 3 held, 1 did not hold, 1 inconclusive"),
        "{t}"
    );
    let mut only_unk = wide();
    only_unk.checks.remove(1);
    assert_eq!(table::tally_text(&only_unk), "1 of 2 held, 1 inconclusive");
    assert_eq!(table::worst(&only_unk), Verdict::Inconclusive);
    let h = html_page(&only_unk);
    assert!(
        h.contains("<span class=\"unk\">1 of 2 held, 1 inconclusive</span>"),
        "{h}"
    );
    assert!(!h.contains("all claims held"));
}

#[test]
fn numbers_group_digits_in_tables_and_not_in_params() {
    let t = table::render_styled(&wide(), &Style::plain());
    assert!(t.contains("25,600") && t.contains("13,490.8"), "{t}");
    assert!(
        t.contains("blocks=8192") && t.contains("size_bytes=67108864"),
        "{t}"
    );
    assert!(t.contains("copied  ") && !t.contains("copied_kib"), "{t}");
}

#[test]
fn colour_marks_only_the_glyphs_and_the_tally() {
    let st = Style {
        colour: true,
        ..Style::plain()
    };
    let t = table::render_styled(&wide(), &st);
    assert!(t.contains("\x1b[32m✓\x1b[0m touch_faults"), "{t}");
    assert!(t.contains("\x1b[31m✗\x1b[0m fork_copies"), "{t}");
    assert!(t.contains("\x1b[33m?\x1b[0m writes_grow"), "{t}");
    assert!(t.contains("\x1b[31m1 of 3 held"), "{t}");
    let plain = table::render_styled(&wide(), &Style::plain());
    assert!(!plain.contains('\x1b'));
    assert!(plain.contains("✗ fork_copies"));
}

#[test]
fn html_reads_on_a_phone() {
    let h = html_page(&wide());
    // Well-formed (tests/suite/all.rs reads the real one as XML).
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(&h, opts).expect("well-formed");
    assert!(
        h.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
    );
    // Every table scrolls inside its own box.
    let tables = h.matches("<table").count();
    let boxed = h.matches("<div class=\"wide\"><table").count();
    assert_eq!(tables, boxed, "a table outside a scroll box");
    assert!(html::CSS.contains(".wide{overflow-x:auto"));
    // Numbers never wrap.
    assert!(html::CSS.contains("td.n,th.n{text-align:right;white-space:nowrap"));
    assert!(html::CSS.contains("td.q{white-space:nowrap}"));
    assert!(h.contains("<td class=\"n\">16,787</td>"), "{h}");
    for cell in h.split("<td").skip(1) {
        let body = &cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()];
        let numeric = !body.is_empty()
            && body
                .chars()
                .all(|c| c.is_ascii_digit() || ",.- ".contains(c) || c.is_ascii_alphabetic())
            && body.starts_with(|c: char| c.is_ascii_digit())
            && body.split(' ').count() <= 2;
        if numeric {
            assert!(
                cell.starts_with(" class=\"n\"") || cell.starts_with(" class=\"q\""),
                "number not nowrap: <td{}",
                &cell[..60.min(cell.len())]
            );
        }
    }
    // Long words break; Japanese is marked and has a CJK font.
    assert!(html::CSS.contains("overflow-wrap:anywhere"));
    assert!(
        h.contains("<span lang=\"ja\">コピーオンライト</span>"),
        "{h}"
    );
    assert!(html::CSS.contains("'Noto Sans CJK JP'"));
}

#[test]
fn html_notes_render_markdown_link_data_and_show_definitions_once() {
    let h = html_page(&wide());
    assert!(
        h.contains("the <em>virtual</em> size grows, <code>RSS</code> does not; <b>only</b>"),
        "{h}"
    );
    assert!(h.contains("Data: <a href=\"cow.csv\">cow.csv</a>, <a href=\"cow.json\">cow.json</a>"));
    assert_eq!(
        h.matches("システムに搭載されている全メモリの量").count(),
        1,
        "{h}"
    );
    assert!(h.contains("The table shows 4 of the 5 rows"));
    assert!(h.contains("blocks=8192"));
}

#[test]
fn html_says_skipped_for_a_part_whose_checks_were_all_skipped() {
    let mut r = Report::new("swap", &meta());
    r.skipped.push("all parts: this host has no swap".into());
    let h = html_page(&r);
    let row = h
        .lines()
        .find(|l| l.contains("<a href=\"#cow\">"))
        .expect("the summary row");
    assert!(row.contains("class=\"unk\">skipped here"), "{row}");
    assert!(!row.contains("class=\"ok\""), "{row}");
}
