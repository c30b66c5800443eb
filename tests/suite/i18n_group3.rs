//! malloc, isolation, filemap and oom in the reader's language: every line
//! of narration goes through the catalogue (`--lang mark` wraps each in
//! `<<`/`>>`), is Japanese under a Japanese locale, and the data (CSV
//! header, JSON keys, check names) is the same in both languages; `explain`
//! and `--help` are Japanese too.

use std::collections::BTreeSet;

use crate::common::lang::{JA, has_japanese, run_in};
use crate::common::{stderr, stdout};
use serde_json::Value;

/// Each experiment with options that make it quick and show all of its
/// narration (filemap's cold reads, oom's physical part where it can run).
const RUNS: &[&[&str]] = &[
    &["malloc"],
    &["isolation"],
    &["filemap", "--cold"],
    &["oom", "--limit", "32M"],
];

/// A maps line of a diff (`  + 0x…`, `  - 0x…`): data, not a message; only
/// its `<- note` is one.
fn is_maps_line(item: &str) -> bool {
    item.starts_with("  + ") || item.starts_with("  - ")
}

/// The narration: what memlab says before the report's params line
/// (`memlab NAME  key=value`), one item per message, its wrapped lines
/// (indented 4 more) joined back.
fn narration(out: &str, name: &str) -> Vec<String> {
    let head = format!("memlab {name}  ");
    let mut items: Vec<String> = Vec::new();
    for line in out.lines() {
        if line.starts_with(&head) {
            return items;
        }
        let indent = line.len() - line.trim_start().len();
        let last_indent = items
            .last()
            .map(|l| l.len() - l.trim_start().len())
            .unwrap_or(0);
        match items.last_mut() {
            Some(last) if indent >= last_indent + 4 => last.push_str(line.trim_start()),
            _ => items.push(line.to_string()),
        }
    }
    panic!("no params line `{head}` in:\n{out}");
}

#[test]
fn every_narration_line_goes_through_the_catalogue() {
    for args in RUNS {
        let mut a = args.to_vec();
        a.extend(["--lang", "mark"]);
        let o = run_in(&[("LANG", "C.UTF-8")], &a);
        let out = stdout(&o);
        assert!(
            matches!(o.status.code(), Some(0 | 3)),
            "{args:?}: {}\n{out}",
            stderr(&o)
        );
        let items = narration(&out, args[0]);
        assert!(!items.is_empty(), "{args:?}: no narration\n{out}");
        for item in &items {
            if is_maps_line(item) {
                if let Some((_, note)) = item.split_once("<- ") {
                    assert!(
                        note.starts_with("<<") && note.ends_with(">>"),
                        "{args:?}: note not from the catalogue: {item}"
                    );
                }
                continue;
            }
            let t = item.trim();
            assert!(
                t.starts_with("<<") && t.ends_with(">>"),
                "{args:?}: narration not from the catalogue: {item}"
            );
        }
        // Notes and skip reasons too: every line between the host line and
        // the table that is not indented.
        // The host line (`<<host: ...>>` under the marking language).
        let after_host = out
            .lines()
            .skip_while(|l| !l.trim_start_matches("<<").starts_with("host: "));
        for l in after_host
            .skip(1)
            .skip_while(|l| l.starts_with("    "))
            .take_while(|l| !l.is_empty())
        {
            if !l.starts_with("    ") {
                assert!(
                    l.starts_with("<<"),
                    "{args:?}: note not from the catalogue: {l}"
                );
            }
        }
    }
}

/// The CSV header and the keys of the JSON (top level, params, summary,
/// measurements, rows) and the check names of one run in `lang`; its
/// narration on stdout.
fn data_in(lang: &str, args: &[&str]) -> (String, BTreeSet<String>, Vec<String>, String) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let json = dir.path().join("run.json");
    let mut a = args.to_vec();
    a.extend([
        "--lang",
        lang,
        "--csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let o = run_in(JA, &a);
    assert!(
        matches!(o.status.code(), Some(0 | 3)),
        "{a:?}: {:?} {}",
        o.status,
        stderr(&o)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let header = text.lines().next().unwrap_or_default().to_string();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let mut keys = BTreeSet::new();
    for (k, val) in v.as_object().unwrap() {
        keys.insert(k.clone());
        if let Some(o) = val.as_object() {
            keys.extend(o.keys().map(|s| format!("{k}.{s}")));
        }
    }
    for row in v["rows"].as_array().unwrap() {
        keys.extend(row.as_object().unwrap().keys().map(|s| format!("rows.{s}")));
    }
    let checks = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    (header, keys, checks, stdout(&o))
}

#[test]
fn japanese_narration_and_the_same_data_in_both_languages() {
    for args in RUNS {
        let (h_ja, k_ja, c_ja, out) = data_in("ja", args);
        let (h_en, k_en, c_en, out_en) = data_in("en", args);
        assert_eq!(h_ja, h_en, "{args:?}: CSV headers differ");
        assert_eq!(k_ja, k_en, "{args:?}: JSON keys differ");
        assert_eq!(c_ja, c_en, "{args:?}: check names differ");
        assert!(!c_ja.is_empty(), "{args:?}: no checks");
        for item in narration(&out, args[0]) {
            if !is_maps_line(&item) {
                assert!(has_japanese(&item), "{args:?}: not Japanese: {item}");
            }
        }
        for item in narration(&out_en, args[0]) {
            assert!(
                !has_japanese(&item),
                "{args:?}: Japanese under --lang en: {item}"
            );
        }
    }
}

#[test]
fn explain_and_option_help_are_japanese() {
    for args in RUNS {
        let name = args[0];
        let o = run_in(&[], &["explain", name, "--lang", "ja"]);
        let page = stdout(&o);
        assert!(
            matches!(o.status.code(), Some(0 | 3)),
            "{name}: {:?} {}",
            o.status,
            stderr(&o)
        );
        assert!(
            page.contains("文書の主張"),
            "{name}: not the Japanese page\n{page}"
        );
        assert!(page.contains("チェック"), "{name}\n{page}");
        assert!(!page.contains("日本語のページはまだありません"), "{name}");
        let under_locale = stdout(&run_in(JA, &["explain", name]));
        assert_eq!(
            under_locale, page,
            "{name}: LANG=ja_JP.UTF-8 shows another page"
        );

        let help = stdout(&run_in(&[], &[name, "--help", "--lang", "ja"]));
        let options: Vec<&str> = help
            .lines()
            .filter(|l| l.trim_start().starts_with("--") && !l.contains("--help"))
            .collect();
        assert!(!options.is_empty(), "{name}: no options\n{help}");
        for l in options {
            assert!(has_japanese(l), "{name}: option help not Japanese: {l}");
        }
    }
}
