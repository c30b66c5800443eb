//! cow, segv, mmap and free speak the reader's language: every line of
//! narration, every note and skip reason and memlab's own error lines go
//! through the catalogue (seen under the test-only `--lang mark`, which
//! wraps each message in `<<`/`>>`), a Japanese locale gives Japanese
//! narration, and the CSV and JSON are the same in both languages.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::common::lang::{has_japanese, run_in};
use crate::common::{stderr, stdout};

/// The four experiments, with small quick arguments.
const RUNS: &[&[&str]] = &[
    &["cow", "--size", "8M"],
    &["cow", "--size", "8M", "--access", "read", "--thp"],
    &["cow", "--size", "8M", "--shared"],
    &["segv", "--target", "all"],
    &["mmap", "--size", "8M"],
    &["mmap", "--size", "8M", "--populate"],
    &["free"],
    // More samples than the table keeps: a note says so.
    &["free", "--watch", "5ms", "--count", "30"],
];

/// Lines joined with their wrapped continuations (indented four more than
/// the line they continue).
fn logical_lines(text: &str) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out: Vec<(usize, String)> = Vec::new();
    for l in text.lines() {
        match out.last_mut() {
            Some((i, s)) if !s.trim().is_empty() && !l.trim().is_empty() && indent(l) >= *i + 4 => {
                s.push(' ');
                s.push_str(l.trim());
            }
            _ => out.push((indent(l), l.to_string())),
        }
    }
    out.into_iter().map(|(_, s)| s).collect()
}

/// What a run printed before its report (the narration), and the report's
/// notes: the lines after the header and host lines, up to the first
/// blank line.
fn narration_and_notes<'a>(lines: &'a [String], name: &str) -> (Vec<&'a str>, Vec<&'a str>) {
    let head = format!("memlab {name}  ");
    let at = lines
        .iter()
        .position(|l| l.starts_with(&head))
        .unwrap_or_else(|| panic!("no report header in {lines:#?}"));
    let narration = lines[..at].iter().map(String::as_str).collect();
    let notes = lines[at + 2..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .map(String::as_str)
        .filter(|l| !l.starts_with("INTERRUPTED"))
        .collect();
    (narration, notes)
}

/// A line of /proc/self/maps that mmap lists under its narration: data,
/// not a message (its pointer to the new mapping is one).
fn maps_line(l: &str) -> bool {
    let t = l.trim_start();
    t.starts_with("+ 0x") || t.starts_with("- 0x")
}

fn marked(l: &str) -> bool {
    let t = l.trim();
    t.starts_with("<<") && t.ends_with(">>")
}

#[test]
fn every_line_of_narration_and_every_note_goes_through_the_catalogue() {
    for args in RUNS {
        let mut all = args.to_vec();
        all.extend(["--lang", "mark"]);
        let o = run_in(&[], &all);
        assert!(
            matches!(o.status.code(), Some(0 | 3)),
            "memlab {all:?}: {}",
            stderr(&o)
        );
        let lines = logical_lines(&stdout(&o));
        let (narration, notes) = narration_and_notes(&lines, args[0]);
        for l in &narration {
            if maps_line(l) {
                if let Some((_, note)) = l.split_once("<- ") {
                    assert!(marked(note), "{args:?}: not marked: {l}");
                }
                continue;
            }
            assert!(marked(l), "{args:?}: narration not marked: {l}");
        }
        assert!(!notes.is_empty() || args[0] == "mmap", "{args:?}: no notes");
        for l in &notes {
            assert!(marked(l), "{args:?}: note not marked: {l}");
        }
        for l in lines.iter().filter(|l| l.contains("skipped:")) {
            assert!(l.starts_with("<<skipped: <<"), "{args:?}: {l}");
        }
        // Nothing memlab says on stderr escapes the catalogue either.
        for l in logical_lines(&stderr(&o)) {
            assert!(marked(&l), "{args:?}: stderr not marked: {l}");
        }
        if args[0] != "free" {
            assert!(!narration.is_empty(), "{args:?}: no narration");
        }
    }
}

#[test]
fn memlabs_own_errors_go_through_the_catalogue() {
    for (args, message) in [
        (
            &["cow", "--size", "1M"][..],
            "<<below 4 MiB the copies drown",
        ),
        (&["free", "--count", "5"][..], "<<--count needs --watch"),
        (
            &["free", "--watch", "1s", "--count", "0"][..],
            "<<'0' samples: leave --count out",
        ),
    ] {
        let mut all = args.to_vec();
        all.extend(["--lang", "mark"]);
        let o = run_in(&[], &all);
        assert_eq!(o.status.code(), Some(2), "{all:?}");
        assert!(stderr(&o).contains(message), "{all:?}: {}", stderr(&o));
        let o = run_in(&[("LANG", "ja_JP.UTF-8")], args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(has_japanese(&stderr(&o)), "{args:?}: {}", stderr(&o));
    }
}

/// One run with `--csv` and `--json` files: its stdout, CSV header and JSON.
fn run_with_files(
    env: &[(&str, &str)],
    args: &[&str],
    dir: &Path,
    tag: &str,
) -> (String, String, Value) {
    let csv = dir.join(format!("{tag}.csv"));
    let json = dir.join(format!("{tag}.json"));
    let mut all = args.to_vec();
    all.extend([
        "--csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let o = run_in(env, &all);
    assert!(
        matches!(o.status.code(), Some(0 | 3)),
        "memlab {all:?}: {}",
        stderr(&o)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let header = text.lines().next().unwrap_or_default().to_string();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (stdout(&o), header, v)
}

/// Every key of the JSON, as paths (`rows[].pid`, `summary.pages`), with
/// the checks by name.
fn shape(v: &Value) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for (k, inner) in v.as_object().unwrap() {
        keys.insert(k.clone());
        match inner {
            Value::Object(o) => keys.extend(o.keys().map(|x| format!("{k}.{x}"))),
            Value::Array(a) => {
                for item in a {
                    if let Some(o) = item.as_object() {
                        keys.extend(o.keys().map(|x| format!("{k}[].{x}")));
                        if let Some(n) = o.get("name").and_then(Value::as_str) {
                            keys.insert(format!("{k}[name={n}]"));
                        }
                        if let Some(n) = o.get("id").and_then(Value::as_str) {
                            keys.insert(format!("{k}[id={n}]"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    keys
}

#[test]
fn a_japanese_locale_speaks_japanese_and_writes_the_same_data() {
    const JA: &[(&str, &str)] = &[("LANG", "ja_JP.UTF-8")];
    let dir = tempfile::tempdir().unwrap();
    for args in RUNS {
        let name = args[0];
        let (out, h_ja, ja) = run_with_files(JA, args, dir.path(), &format!("{name}-ja"));
        let lines = logical_lines(&out);
        let (narration, notes) = narration_and_notes(&lines, name);
        for l in narration.iter().chain(&notes).filter(|l| !maps_line(l)) {
            assert!(has_japanese(l), "{args:?}: not Japanese: {l}");
        }
        let mut en_args = args.to_vec();
        en_args.extend(["--lang", "en"]);
        let (out, h_en, en) = run_with_files(JA, &en_args, dir.path(), &format!("{name}-en"));
        let lines = logical_lines(&out);
        let (narration, _) = narration_and_notes(&lines, name);
        for l in &narration {
            assert!(!has_japanese(l), "{args:?} --lang en: Japanese: {l}");
        }
        assert_eq!(h_ja, h_en, "{name}: CSV headers differ");
        assert_eq!(shape(&ja), shape(&en), "{name}: JSON keys differ");
        // The text fields stay English: the same notes, the same messages.
        let said = |v: &Value| -> Vec<Value> {
            v["said"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| s["id"].clone())
                .collect()
        };
        assert_eq!(said(&ja), said(&en), "{name}: said differs");
        let notes = |v: &Value| v["notes"].as_array().map_or(0, Vec::len);
        assert_eq!(notes(&ja), notes(&en), "{name}: notes differ");
        if name != "cow" && !args.contains(&"--watch") {
            // cow's note carries the run's own figures (fork time).
            assert_eq!(ja["notes"], en["notes"], "{name}: notes differ");
        }
        for note in ja["notes"].as_array().into_iter().flatten() {
            let n = note.as_str().unwrap();
            // The document's own words may be quoted; the sentence is English.
            assert!(
                !has_japanese(n) || n.contains(" — "),
                "{name}: note not English: {n}"
            );
        }
    }
}
