//! Japanese under a Japanese locale or `--lang ja`, English with `--lang en`,
//! plain ASCII in the C locale; the data (CSV, JSON) the same in every
//! language.

use std::process::{Command, Output};

use crate::common::{memlab_path, stdout};
use serde_json::Value;

fn run_in(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(memlab_path());
    for k in ["LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LANG"] {
        c.env_remove(k);
    }
    c.envs(env.iter().copied()).args(args);
    c.output().unwrap()
}

const JA: &[(&str, &str)] = &[("LANG", "ja_JP.UTF-8")];

fn has_japanese(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The lines of the checks: those that start with a mark.
fn check_lines(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.starts_with("✓ ") || l.starts_with("✗ ") || l.starts_with("? "))
        .collect()
}

#[test]
fn cow_speaks_japanese_under_a_japanese_locale_and_english_when_asked() {
    let o = run_in(JA, &["cow", "--size", "8M"]);
    let out = stdout(&o);
    let lines = check_lines(&out);
    assert!(!lines.is_empty(), "{out}");
    for l in &lines {
        assert!(has_japanese(l), "not Japanese: {l}");
    }
    assert!(out.contains("件の主張が成り立ちました"), "{out}");

    let o = run_in(JA, &["cow", "--size", "8M", "--lang", "en"]);
    let out = stdout(&o);
    let lines = check_lines(&out);
    assert!(!lines.is_empty(), "{out}");
    assert!(lines.iter().all(|l| !has_japanese(l)), "{out}");
    assert!(out.contains(" held"), "{out}");
}

#[test]
fn the_c_locale_gives_plain_ascii_and_explicit_japanese_is_honoured() {
    let o = run_in(
        &[("LC_ALL", "C"), ("LANG", "ja_JP.UTF-8")],
        &["cow", "--size", "8M"],
    );
    let out = stdout(&o);
    assert!(out.is_ascii(), "{out}");
    let o = run_in(&[("LC_ALL", "C")], &["cow", "--size", "8M", "--lang", "ja"]);
    let out = stdout(&o);
    assert!(out.contains("件の主張が成り立ちました"), "{out}");
}

#[test]
fn csv_and_json_are_the_same_in_both_languages() {
    let dir = std::env::temp_dir().join(format!("memlab-i18n-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut docs = Vec::new();
    for (k, lang) in ["en", "ja"].iter().enumerate() {
        let csv = dir.join(format!("{k}.csv"));
        let json = dir.join(format!("{k}.json"));
        let o = run_in(
            JA,
            &[
                "segv",
                "--lang",
                lang,
                "--csv",
                csv.to_str().unwrap(),
                "--json",
                json.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", crate::common::stderr(&o));
        let text = std::fs::read_to_string(&csv).unwrap();
        let header = text.lines().next().unwrap().to_string();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        docs.push((header, v));
    }
    std::fs::remove_dir_all(&dir).unwrap();
    let (h_en, en) = &docs[0];
    let (h_ja, ja) = &docs[1];
    assert_eq!(h_en, h_ja, "CSV headers differ");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(en), keys(ja));
    let checks = |v: &Value| {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].clone(),
                    c["claim"].clone(),
                    c["unit"].clone(),
                    c["verdict"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        checks(en),
        checks(ja),
        "check names, claims or units differ"
    );
    assert!(!has_japanese(&en["checks"].to_string()));
    assert!(!has_japanese(&ja["checks"].to_string()));
}

#[test]
fn list_help_and_explain_in_japanese() {
    let out = stdout(&run_in(JA, &["list"]));
    assert!(out.starts_with("実験"), "{out}");
    let out = stdout(&run_in(JA, &["--help"]));
    assert!(has_japanese(&out), "{out}");
    let out = stdout(&run_in(JA, &["--help", "--lang", "en"]));
    assert!(!has_japanese(out.lines().next().unwrap_or("")), "{out}");
    let out = stdout(&run_in(JA, &["explain", "cow"]));
    assert!(out.contains("文書の主張"), "{out}");
    // An experiment without a Japanese page (while there is one) says so.
    if let Some(i) = memlab::experiments::ALL
        .iter()
        .find(|i| i.page_ja.is_none())
    {
        let out = stdout(&run_in(JA, &["explain", i.name]));
        assert!(
            out.lines()
                .next()
                .unwrap()
                .contains("日本語のページはまだありません"),
            "{out}"
        );
    }
    // The manual page and the completions stay English.
    let out = stdout(&run_in(JA, &["man"]));
    assert!(
        !out.contains("すべての実験を1行ずつ"),
        "man page translated"
    );
}

/// Under the marking language every check line's claim went through the
/// catalogue (`<<...>>`), and so did the tally and the measured lines.
#[test]
fn every_check_line_goes_through_the_catalogue() {
    let runs: &[&[&str]] = &[
        &["free"],
        &["segv"],
        &["mmap", "--size", "8M"],
        &["cow", "--size", "8M"],
        &["malloc"],
        &["filemap"],
        &["isolation"],
        &["page-table"],
        &["faults"],
    ];
    for args in runs {
        let mut a = args.to_vec();
        a.extend(["--lang", "mark"]);
        let out = stdout(&run_in(&[("LANG", "C.UTF-8")], &a));
        let lines = check_lines(&out);
        assert!(!lines.is_empty(), "{args:?}: no checks\n{out}");
        for l in lines {
            assert!(l.contains(": <<"), "{args:?}: not from the catalogue: {l}");
        }
        assert!(
            out.lines()
                .any(|l| l.starts_with("<<") && l.contains(" held")),
            "{args:?}: tally not from the catalogue\n{out}"
        );
        let bare = out.lines().find(|l| l.starts_with("skipped"));
        assert!(
            bare.is_none(),
            "{args:?}: skip line not from the catalogue: {bare:?}"
        );
    }
}

#[test]
fn the_lab_report_is_japanese() {
    let dir = std::env::temp_dir().join(format!("memlab-i18n-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("segv.json");
    let o = run_in(&[], &["segv", "--json", json.to_str().unwrap()]);
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
    let html = dir.join("report.html");
    let o = run_in(
        JA,
        &[
            "report",
            dir.to_str().unwrap(),
            "--out",
            html.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(page.contains("<html lang=\"ja\">"), "{page}");
    assert!(page.contains("<h1>memlab 実験レポート</h1>"), "{page}");
    assert!(page.contains("SIGSEGV で強制終了される"), "{page}");
    assert!(page.contains("件の主張が成り立ちました"), "{page}");
}

/// Each experiment's summary has its Japanese in the catalogue, beside the
/// same English (`list.NAME`), so `memlab list` is whole in Japanese.
#[test]
fn every_experiment_summary_is_in_the_catalogue() {
    use memlab::experiments::ALL;
    use memlab::i18n::lookup;
    for i in ALL {
        let m = lookup(&format!("list.{}", i.name))
            .unwrap_or_else(|| panic!("list.{} is not in the catalogue", i.name));
        assert_eq!(
            m.en, i.summary,
            "list.{}: the English differs from INFO",
            i.name
        );
    }
    assert_eq!(lookup("list.all").unwrap().en, memlab::lab::SUMMARY);
}
