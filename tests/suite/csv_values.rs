//! Every experiment's CSV loads as it is in pandas and DuckDB (issue 17,
//! "Data that loads as it is"), checked without either installed: no cell
//! is a word a loader reads as missing, a cell is empty only in a column
//! whose value may not exist, nothing looks like a time or a date, and no
//! address is hex without its `0x` (that loads as a wrong decimal number).
//!
//! When pandas or DuckDB is installed for `python3`, the same files are also
//! loaded with them; otherwise that part is skipped with a printed reason.

use crate::common::*;

use std::path::{Path, PathBuf};

/// pandas' default `na_values` (`read_csv`); DuckDB reads the empty cell as
/// NULL too.
const NA_WORDS: &[&str] = &[
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

/// The columns that may be empty, per experiment: where the value does not
/// exist for that row (the row's field is optional: a figure a kernel may
/// lack, a step that does not measure it, a text that says nothing
/// happened). This list is where that is decided; the experiments' pages
/// say the same in their column tables. Any other empty cell fails.
const OPTIONAL: &[(&str, &[&str])] = &[
    (
        "free",
        &[
            "t_s",
            "mem_available_kib",
            "active_file_kib",
            "inactive_file_kib",
            "kreclaimable_kib",
            "sreclaimable_kib",
            "totalreserve_kib",
            "zone_high_kib",
            "zone_lowmem_reserve_kib",
            "zone_low_kib",
            "totalreserve_after_kib",
            "zone_low_after_kib",
        ],
    ),
    // A child that exited has no signal; one killed has no exit status; no
    // fault reported, no si_code/si_addr.
    ("segv", &["signal", "exit_code", "si_code", "si_addr"]),
    // An anonymous mapping has no path.
    ("mmap", &["pathname"]),
    ("malloc", &[]),
    ("isolation", &["value", "pfn"]),
    ("filemap", &["cached_pages"]),
    (
        "page-cache",
        &[
            "resident_kib",
            "others_cache_in_kib",
            "pgsteal",
            "resident_before_kib",
            "read_s",
            "majflt",
            "minflt",
            "read_bytes",
        ],
    ),
    (
        "oom",
        &[
            "vsz_kib",
            "rss_kib",
            "reserved_kib",
            "touched_kib",
            "cgroup_usage_kib",
            "oom_score",
            "mem_used_kib",
            "mem_used_adj_kib",
            "mem_available_kib",
            "anon_pages_kib",
            "cached_kib",
            "own_kib",
            "others_kib",
            "outcome",
        ],
    ),
    (
        "swap",
        &[
            "vm_swap_kib",
            "rss_kib",
            "minflt",
            "majflt",
            "step_ms",
            "major_timed",
            "minor_timed",
            "major_ns_mean",
            "major_ns_median",
            "major_ns_p90",
            "minor_ns_mean",
            "minor_ns_median",
            "minor_ns_p90",
            "pswpout_pages",
            "zswpout_pages",
            "swpout_zero_pages",
            "pswpin_pages",
            "zswpin_pages",
            "swpin_zero_pages",
            "swap_ra_pages",
            "swap_ra_hit_pages",
            "sys_swap_used_delta_kib",
            "writeback_kib",
            "cgroup_usage_kib",
            "exit_code",
            "signal",
            "oom_kills",
            "outcome",
        ],
    ),
    (
        "cow",
        &[
            "pid",
            "vsz_kib",
            "rss_kib",
            "pss_kib",
            "pss_own_kib",
            "shared_kib",
            "private_kib",
            "anon_huge_kib",
            "minflt",
            "majflt",
            "rusage_minflt",
            "rusage_majflt",
        ],
    ),
    ("page-table", &["anon_huge_kib"]),
    ("hugepage", &["anon_huge_kib"]),
    (
        "demand-paging",
        &[
            "vsz_kib",
            "rss_kib",
            "rss_anon_kib",
            "rss_rollup_kib",
            "anon_huge_kib",
            "worker_shared_kib",
            "minflt",
            "majflt",
        ],
    ),
    ("watch", &["pss_kib"]),
    ("faults", &[]),
];

fn optional(experiment: &str) -> &'static [&'static str] {
    OPTIONAL
        .iter()
        .find(|(n, _)| *n == experiment)
        .map(|(_, c)| *c)
        .unwrap_or_else(|| panic!("{experiment}: not in OPTIONAL (add its optional columns)"))
}

/// `12:34` or `12:34:56`: DuckDB types such a column TIME.
fn looks_like_time(s: &str) -> bool {
    let b = s.as_bytes();
    let two = |i: usize| b[i].is_ascii_digit() && b[i + 1].is_ascii_digit();
    match b.len() {
        5 => two(0) && b[2] == b':' && two(3),
        8 => two(0) && b[2] == b':' && two(3) && b[5] == b':' && two(6),
        _ => false,
    }
}

/// `2024-01-31…`, `31/01/2024`, `1/31/24`: a loader may type it a date.
fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b[i].is_ascii_digit());
    if b.len() >= 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' {
        return digits(8..10);
    }
    let parts: Vec<&str> = s.split(['/', '.']).collect();
    parts.len() == 3
        && s.contains('/')
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|c| c.is_ascii_digit()))
}

/// Hex without `0x` (`7f1992a00000`) or a number with leading zeros
/// (`00001000`): either loads as a wrong number. A word made of the
/// letters a–f alone (`added`) is a word, and a float (`1e5`) a float.
fn looks_like_bare_hex(s: &str) -> bool {
    let all_hex = !s.is_empty() && s.bytes().all(|c| c.is_ascii_hexdigit());
    let has_digit = s.bytes().any(|c| c.is_ascii_digit());
    let has_letter = s.bytes().any(|c| c.is_ascii_alphabetic());
    let leading_zeros = s.len() > 1 && s.starts_with('0') && s.bytes().all(|c| c.is_ascii_digit());
    all_hex && has_digit && (leading_zeros || (has_letter && s.parse::<f64>().is_err()))
}

/// A column of addresses or offsets: each value is `0x…` (hex of digits
/// alone, `555555554000`, would pass every other rule and load as a wrong
/// decimal number).
fn is_address_column(col: &str) -> bool {
    matches!(col, "start" | "end" | "offset" | "address" | "si_addr")
        || col.ends_with("_address")
        || col.ends_with("_addr")
}

/// Every problem with one CSV's cells, as lines for a person.
fn problems(experiment: &str, text: &str) -> Vec<String> {
    let optional = optional(experiment);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().expect("CSV header").clone();
    let mut out = Vec::new();
    for (h, col) in headers.iter().enumerate() {
        if NA_WORDS.contains(&col) || looks_like_time(col) || looks_like_date(col) {
            out.push(format!("header {h}: {col:?}"));
        }
    }
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.unwrap_or_else(|e| panic!("{experiment}: CSV record {i}: {e}"));
        for (col, cell) in headers.iter().zip(rec.iter()) {
            let at = format!("row {i} column {col}: {cell:?}");
            if cell.is_empty() {
                if !optional.contains(&col) {
                    out.push(format!(
                        "{at} is empty, and {col} is not an optional column"
                    ));
                }
            } else if NA_WORDS.contains(&cell) {
                out.push(format!("{at} is read as missing by pandas/DuckDB"));
            } else if looks_like_time(cell) {
                out.push(format!("{at} looks like a time"));
            } else if looks_like_date(cell) {
                out.push(format!("{at} looks like a date"));
            } else if is_address_column(col) && !cell.starts_with("0x") {
                out.push(format!("{at} is an address or offset without 0x"));
            } else if looks_like_bare_hex(cell) {
                out.push(format!("{at} is hex without 0x (or has leading zeros)"));
            }
        }
    }
    out
}

#[test]
fn the_rules_catch_what_loaders_misread() {
    for t in ["00:00", "12:34:56"] {
        assert!(looks_like_time(t), "{t}");
    }
    for d in ["2024-01-31", "2024-01-31T10:00:00", "31/01/2024", "1/31/24"] {
        assert!(looks_like_date(d), "{d}");
    }
    for h in ["7f1992a00000", "00001000", "0a"] {
        assert!(looks_like_bare_hex(h), "{h}");
    }
    for ok in [
        "0x0",
        "0x7f19",
        "added",
        "8192",
        "0",
        "0.25",
        "6e-6",
        "1e5",
        "fe:00",
        "12:345",
        "null-page",
        "4k",
        "sparse-2m",
        "0.0",
    ] {
        assert!(
            !looks_like_time(ok) && !looks_like_date(ok) && !looks_like_bare_hex(ok),
            "{ok}"
        );
    }
    let bad = "target,address,when\nnull,7f00,00:00\n,0x1,2024-01-01\n";
    let p = problems("segv", bad);
    assert_eq!(p.len(), 5, "{p:#?}");
    assert!(problems("mmap", "pathname,start\n,0x1000\n").is_empty());
    assert_eq!(problems("mmap", "pathname,start\n,555555554000\n").len(), 1);
    assert_eq!(
        problems("malloc", "stage\n\n").len(),
        0,
        "a blank line is no record"
    );
    assert_eq!(problems("malloc", "stage,x\n,1\n").len(), 1);
}

/// Run every experiment small with `--csv` into `dir`; the written files,
/// each with its experiment's name. A run that wrote no CSV (an experiment
/// this host cannot run at all) is reported and left out.
fn run_all(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for (i, args) in EVERY_EXPERIMENT_SMALL.iter().enumerate() {
        let name = args[0].to_string();
        let path = dir.join(format!("{i:02}-{name}.csv"));
        let p = path.to_str().unwrap().to_string();
        let all = with_options(args, &["--csv", &p, "-q"]);
        let o = run(&all);
        let code = o.status.code().unwrap_or(-1);
        if !path.exists() {
            assert_ne!(
                code,
                0,
                "memlab {all:?} exited 0 without writing its CSV\n{}",
                stderr(&o)
            );
            println!(
                "skipped {name}: memlab {all:?} exited {code} without a CSV: {}",
                stderr(&o).lines().last().unwrap_or("")
            );
            continue;
        }
        out.push((name, path));
    }
    out
}

#[test]
fn every_csv_value_loads_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let files = run_all(dir.path());
    assert!(
        files.len() * 2 > EVERY_EXPERIMENT_SMALL.len(),
        "most experiments must write a CSV here: {files:?}"
    );
    let mut all = Vec::new();
    for (name, path) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for p in problems(name, &text) {
            all.push(format!("{name}: {p}"));
        }
    }
    assert!(
        all.is_empty(),
        "CSV values loaders misread:\n{}",
        all.join("\n")
    );
    loaders(&files);
}

/// The same files in pandas and DuckDB, when `python3` has them: no value
/// of a column that is not optional lost to NaN/NULL, no column typed as a
/// time or a date.
fn loaders(files: &[(String, PathBuf)]) {
    let have = |module: &str| {
        std::process::Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let list: Vec<String> = files
        .iter()
        .map(|(n, p)| {
            format!(
                "({:?}, {:?}, {:?})",
                n,
                p.display().to_string(),
                optional(n)
            )
        })
        .collect();
    let files_py = format!("FILES = [{}]\n", list.join(", "));
    for (module, script) in [("pandas", PANDAS), ("duckdb", DUCKDB)] {
        if !have(module) {
            println!("skipped the {module} check: python3 cannot import {module}");
            continue;
        }
        let o = std::process::Command::new("python3")
            .args(["-c", &format!("{files_py}{script}")])
            .output()
            .expect("running python3");
        assert!(
            o.status.success(),
            "{module} misreads memlab's CSV:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        println!("{module}: every CSV loads as it is");
    }
}

const PANDAS: &str = r#"
import pandas as pd, sys
bad = []
for name, path, optional in FILES:
    df = pd.read_csv(path)
    for col in df.columns:
        n = int(df[col].isna().sum())
        if n and col not in optional:
            bad.append(f"{name}: {col}: {n} value(s) read as NaN")
        kind = str(df[col].dtype)
        if "datetime" in kind or "timedelta" in kind:
            bad.append(f"{name}: {col} typed {kind}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
"#;

const DUCKDB: &str = r#"
import duckdb, sys
bad = []
for name, path, optional in FILES:
    rel = duckdb.read_csv(path)
    for col, kind in zip(rel.columns, rel.types):
        kind = str(kind).upper()
        if kind.startswith(("TIME", "DATE", "INTERVAL")):
            bad.append(f"{name}: {col} typed {kind}")
        if col not in optional:
            q = f'SELECT count(*) FROM read_csv_auto(?) WHERE "{col}" IS NULL'
            n = duckdb.execute(q, [path]).fetchone()[0]
            if n:
                bad.append(f"{name}: {col}: {n} value(s) read as NULL")
print("\n".join(bad))
sys.exit(1 if bad else 0)
"#;
