//! page-cache, swap and page-table in the reader's language: every line
//! of narration, every note and skip reason goes through the catalogue
//! (`--lang mark` wraps each in `<<...>>`); under a Japanese locale the
//! narration is Japanese while the CSV header and the JSON keys stay those
//! of `--lang en`; `memlab explain NAME --lang ja` shows the Japanese page.
//!
//! page-cache and swap judge system-wide memory: their runs take the
//! suite's one-at-a-time lock. swap runs as the host allows (no swap and no
//! `--swapfile` here: it adds no swap area, tests/swap.rs does that alone):
//! on a host without swap only its skip line is narrated.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::lang::has_japanese;
use crate::common::{disk_tmpdir, stderr, stdout};

/// The three experiments, with small sizes.
const RUNS: &[&[&str]] = &[
    &["page-table", "--size", "4M", "--reserve", "2G", "--thp"],
    &["page-cache", "--size", "8M"],
    &["swap", "--size", "8M"],
];

/// Run memlab in a clean locale plus `env`, with its test files on a disk
/// (`tmp`); experiments with system-wide checks one at a time.
fn run_in(env: &[(&str, &str)], args: &[&str], tmp: &Path) -> Output {
    let tmp = tmp.to_str().unwrap();
    let mut all = env.to_vec();
    all.push(("TMPDIR", tmp));
    crate::common::lang::run_in(&all, args)
}

/// The narration: every line before the report's header (`memlab NAME  ...`),
/// each message joined with the lines it wrapped onto (indented by four).
fn narration(out: &str, name: &str) -> Vec<String> {
    let header = format!("memlab {name} ");
    let mut said: Vec<String> = Vec::new();
    for l in out.lines().take_while(|l| !l.starts_with(&header)) {
        match (l.strip_prefix("    "), said.last_mut()) {
            (Some(rest), Some(last)) => {
                last.push(' ');
                last.push_str(rest.trim_start());
            }
            _ => said.push(l.to_string()),
        }
    }
    said
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_narration_line_note_and_skip_reason_goes_through_the_catalogue() {
    let tmp = disk_tmpdir();
    for args in RUNS {
        let name = args[0];
        let json = tmp.path().join(format!("{name}.json"));
        let mut a = args.to_vec();
        a.extend(["--lang", "mark", "--json", json.to_str().unwrap()]);
        let o = run_in(&[("LANG", "C.UTF-8")], &a, tmp.path());
        let out = stdout(&o);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{args:?}: exit {:?}\n{}",
            o.status.code(),
            stderr(&o)
        );
        let said = narration(&out, name);
        assert!(!said.is_empty(), "{args:?}: no narration\n{out}");
        for line in &said {
            assert!(
                line.starts_with("<<") && line.ends_with(">>"),
                "{args:?}: narration not from the catalogue: {line}\n{out}"
            );
        }
        // Notes and skip reasons: each came from a catalogue message (its
        // English in `notes`/`skipped`, its id in `said`), and the terminal
        // shows it marked.
        let r = load(&json);
        let lines: Vec<String> = strings(&r["notes"])
            .into_iter()
            .chain(strings(&r["skipped"]))
            .collect();
        let ids: Vec<&str> = r["said"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            ids.len(),
            lines.len(),
            "{args:?}: a note or skip reason did not come from the catalogue: {lines:?} / {ids:?}"
        );
        let prefix = format!("{}.", name.replace('-', "_"));
        for id in &ids {
            assert!(id.starts_with(&prefix), "{args:?}: {id}");
        }
        let bare = out.lines().find(|l| l.starts_with("skipped"));
        assert!(
            bare.is_none(),
            "{args:?}: skip line not from the catalogue: {bare:?}"
        );
        eprintln!(
            "{name}: {} narration lines, {} notes/skips, all marked",
            said.len(),
            ids.len()
        );
    }
}

#[test]
fn japanese_narration_with_the_same_csv_header_and_json_keys() {
    let tmp = disk_tmpdir();
    for args in RUNS {
        let name = args[0];
        let mut docs = Vec::new();
        for lang in ["en", "ja"] {
            let csv = tmp.path().join(format!("{name}-{lang}.csv"));
            let json = tmp.path().join(format!("{name}-{lang}.json"));
            let mut a = args.to_vec();
            a.extend([
                "--csv",
                csv.to_str().unwrap(),
                "--json",
                json.to_str().unwrap(),
            ]);
            if lang == "en" {
                a.extend(["--lang", "en"]);
            }
            let o = run_in(&[("LANG", "ja_JP.UTF-8")], &a, tmp.path());
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "{args:?} {lang}: exit {:?}\n{}",
                o.status.code(),
                stderr(&o)
            );
            let out = stdout(&o);
            let said = narration(&out, name);
            assert!(!said.is_empty(), "{args:?} {lang}: no narration\n{out}");
            for line in &said {
                assert_eq!(
                    has_japanese(line),
                    lang == "ja",
                    "{args:?} {lang}: narration in the wrong language: {line}"
                );
            }
            let text = std::fs::read_to_string(&csv).unwrap();
            let header = text.lines().next().unwrap_or("").to_string();
            docs.push((header, load(&json)));
        }
        let (h_en, en) = &docs[0];
        let (h_ja, ja) = &docs[1];
        assert_eq!(h_en, h_ja, "{name}: CSV headers differ");
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(en), keys(ja), "{name}: JSON keys differ");
        for part in ["params", "summary", "measurements"] {
            assert_eq!(
                keys(&en[part]),
                keys(&ja[part]),
                "{name}: {part} keys differ"
            );
        }
        let names = |v: &Value| {
            v["checks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(en), names(ja), "{name}: check names differ");
        // The JSON's text stays English in both.
        for field in ["notes", "skipped", "checks"] {
            assert!(
                !has_japanese(&ja[field].to_string()),
                "{name}: Japanese in the JSON's {field}"
            );
        }
    }
}

#[test]
fn explain_in_japanese_shows_the_japanese_page() {
    let tmp = disk_tmpdir();
    for name in ["page-cache", "swap", "page-table"] {
        let o = run_in(&[], &["explain", name, "--lang", "ja"], tmp.path());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("文書の主張"), "{name}: {out}");
        assert!(out.contains("チェック"), "{name}: {out}");
        assert!(out.contains("実行例"), "{name}: no real run\n{out}");
        assert!(!out.contains("日本語のページはまだありません"), "{out}");
        assert!(!out.contains("The document's claim"), "{name}: English");
    }
}

#[test]
fn swap_help_is_japanese() {
    let tmp = disk_tmpdir();
    let o = run_in(&[], &["swap", "--help", "--lang", "ja"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for opt in [
        "--size",
        "--limit",
        "--swapfile",
        "--swap-dir",
        "--force",
        "--csv",
        "--json",
        "--quiet",
    ] {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(opt) || l.contains(&format!(", {opt}")))
            .unwrap_or_else(|| panic!("no {opt} in\n{out}"));
        assert!(has_japanese(line), "{opt}: not Japanese: {line}");
    }
}
