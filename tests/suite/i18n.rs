//! Japanese under a Japanese locale or `--lang ja`, English with `--lang en`,
//! plain ASCII in the C locale; the data (CSV, JSON) the same in every
//! language.

use std::process::Output;

use crate::common::lang::{JA, has_japanese, run_in};
use crate::common::stdout;
use serde_json::Value;

/// The lines of the checks: those that start with a mark.
fn check_lines(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.starts_with("✓ ") || l.starts_with("✗ ") || l.starts_with("? "))
        .collect()
}

/// The lines of words at the left margin that are not check lines: the
/// narration, the host line, notes, skip reasons (the table's head line
/// `memlab NAME params` is data).
fn narration_lines<'a>(name: &str, out: &'a str) -> Vec<&'a str> {
    let checks = check_lines(out);
    out.lines()
        .filter(|l| !l.starts_with(' ') && !l.trim().is_empty())
        .filter(|l| !checks.contains(l) && !l.starts_with(&format!("memlab {name} ")))
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
    let said = narration_lines("cow", &out);
    assert!(said.len() >= 3, "{out}");
    let english: Vec<&&str> = said.iter().filter(|l| !has_japanese(l)).collect();
    assert!(
        english.is_empty(),
        "narration not in Japanese: {english:?}\n{out}"
    );

    let o = run_in(JA, &["cow", "--size", "8M", "--lang", "en"]);
    let out = stdout(&o);
    let lines = check_lines(&out);
    assert!(!lines.is_empty(), "{out}");
    assert!(lines.iter().all(|l| !has_japanese(l)), "{out}");
    assert!(out.contains(" held"), "{out}");
    let japanese: Vec<&str> = narration_lines("cow", &out)
        .into_iter()
        .filter(|l| has_japanese(l))
        .collect();
    assert!(japanese.is_empty(), "{japanese:?}\n{out}");
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
    // clap's own words too: the headings, the help and version flags, the
    // exit statuses; and `memlab help COMMAND` as `COMMAND --help`.
    for word in [
        "使い方: memlab",
        "コマンド:",
        "オプション:",
        "ヘルプを表示します",
        "バージョンを表示します",
        "終了ステータス:",
    ] {
        assert!(out.contains(word), "{word}: {out}");
    }
    assert!(!out.contains("Print help"), "{out}");
    let help = stdout(&run_in(JA, &["help", "explain"]));
    assert!(help.contains("使い方: memlab explain"), "{help}");
    assert!(
        help.contains("引数:") && help.contains("ヘルプを表示します"),
        "{help}"
    );
    let flag = stdout(&run_in(JA, &["explain", "--help"]));
    assert!(
        flag.contains("使い方: memlab explain") && flag.contains("引数:"),
        "{flag}"
    );
    let out = stdout(&run_in(JA, &["--help", "--lang", "en"]));
    assert!(
        out.contains("Usage: memlab") && out.contains("Exit status:"),
        "{out}"
    );
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

/// What the test-only language `mark` puts before a line a person reads
/// that did not come through the catalogue (`memlab::i18n::UNMARKED`).
const UNMARKED: &str = memlab::i18n::UNMARKED;

/// The lines of one run under `--lang mark` that did not go through the
/// catalogue: a line flagged by memlab itself (narration, a note, a skip
/// reason, a listing title), a check line whose claim is not marked, a
/// tally that is not, a line of words at the left margin that holds no
/// marked message, a line on stderr that holds none.
fn unmarked_lines(name: &str, o: &Output) -> Vec<String> {
    let out = stdout(o);
    let err = crate::common::stderr(o);
    let mut bad = Vec::new();
    let marked = |l: &str| l.contains("<<") || l.contains(">>");
    for l in out.lines() {
        let why = if l.contains(UNMARKED) {
            "flagged"
        } else if check_lines(l).len() == 1 && !l.contains(": <<") {
            "check claim"
        } else if !l.starts_with(' ')
            && !l.trim().is_empty()
            && !marked(l)
            && !l.starts_with(&format!("memlab {name}"))
        {
            "bare line"
        } else {
            continue;
        };
        bad.push(format!("stdout ({why}): {l}"));
    }
    let checks = check_lines(&out);
    if !checks.is_empty()
        && !out
            .lines()
            .any(|l| l.starts_with("<<") && l.contains(" held"))
    {
        bad.push("stdout (tally): no marked tally line".into());
    }
    for l in err.lines() {
        if l.contains(UNMARKED) || (!l.starts_with(' ') && !l.trim().is_empty() && !marked(l)) {
            bad.push(format!("stderr: {l}"));
        }
    }
    match o.status.code() {
        Some(0 | 3) => {}
        other => bad.push(format!("exit status {other:?}")),
    }
    bad
}

/// The arguments the marking-language test runs an experiment with: its
/// quick ones (what `memlab all` runs), `watch` a short command.
fn mark_args(info: &memlab::experiments::Info) -> Vec<&'static str> {
    let mut a = vec![info.name, "--lang", "mark"];
    match info.quick {
        Some(q) => a.extend_from_slice(q),
        None if info.name == "watch" => a.extend(["--", "true"]),
        None => {}
    }
    a
}

/// Every experiment, run under the marking language: every line of
/// narration, every note and skip reason, every title, every check line and
/// the tally went through the catalogue; and every column of its data is
/// named in both its pages. All offending lines of all experiments are
/// reported at once.
#[test]
fn every_experiment_speaks_only_through_the_catalogue() {
    let mut report = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    for info in memlab::experiments::ALL {
        let json = dir.path().join(format!("{}.json", info.name));
        let json = json.to_str().unwrap();
        let mut args = mark_args(info);
        // The data beside it (before a watched command's `--`).
        let at = args.iter().position(|a| *a == "--").unwrap_or(args.len());
        args.splice(at..at, ["--json", json]);
        let o = run_in(&[("LANG", "C.UTF-8")], &args);
        report.extend(columns_named_in_both_pages(info, json));
        let bad = unmarked_lines(info.name, &o);
        if !bad.is_empty() {
            report.push(format!(
                "{} ({}): {} line(s)\n    {}",
                info.name,
                args.join(" "),
                bad.len(),
                bad.join("\n    ")
            ));
        }
    }
    assert!(
        report.is_empty(),
        "lines that did not go through the catalogue:\n{}",
        report.join("\n")
    );
}

/// Every column of the run's data is named in the experiment's English
/// page and in its Japanese page (as a word: `x`, or in a list).
fn columns_named_in_both_pages(info: &memlab::experiments::Info, json: &str) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(json) else {
        return vec![format!("{}: no JSON written", info.name)];
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let named = |page: &str, col: &str| {
        page.match_indices(col).any(|(i, _)| {
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            !word(page[..i].chars().last()) && !word(page[i + col.len()..].chars().next())
        })
    };
    // A column empty in some row is marked optional where a page names it.
    let marked = |page: &str, col: &str, words: &[&str]| {
        page.lines()
            .filter(|l| named(l, col))
            .any(|l| words.iter().any(|w| l.contains(w)))
    };
    let rows = v["rows"].as_array().cloned().unwrap_or_default();
    let mut bad = Vec::new();
    for col in v["columns"].as_array().into_iter().flatten() {
        let col = col.as_str().unwrap();
        let empty = rows.iter().any(|r| r.get(col).is_none_or(|x| x.is_null()));
        let name = info.name;
        if !named(info.page, col) {
            bad.push(format!("{name}: column {col} is not named in its page"));
        } else if empty && !marked(info.page, col, &["optional", "empty"]) {
            bad.push(format!(
                "{name}: column {col} is empty in a row, not marked optional"
            ));
        }
        if let Some(ja) = info.page_ja {
            if !named(ja, col) {
                bad.push(format!(
                    "{name}: column {col} is not named in its Japanese page"
                ));
            } else if empty && !marked(ja, col, &["任意", "省略可", "空"]) {
                bad.push(format!(
                    "{name}: column {col} is empty in a row, not marked 任意 in its Japanese page"
                ));
            }
        }
    }
    bad
}

/// The flags themselves: a narration line said without the catalogue is
/// flagged, one from it is not, and a memlab error under `mark` is marked.
#[test]
fn the_marking_language_flags_what_bypassed_the_catalogue() {
    let o = run_in(
        &[("LANG", "C.UTF-8")],
        &["explain", "nosuch", "--lang", "mark"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = crate::common::stderr(&o);
    assert!(
        err.starts_with("<<memlab: error: <<unknown experiment"),
        "{err}"
    );
    let o = run_in(
        &[("LANG", "C.UTF-8")],
        &["mmap", "--size", "0", "--lang", "mark"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = crate::common::stderr(&o);
    assert!(err.contains("<<size '0' must be more than 0>>"), "{err}");
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
    // What it needs, likewise (`needs.NAME`), where it needs anything.
    for i in ALL.iter().filter(|i| i.needs != "-") {
        let m = lookup(&format!("needs.{}", i.name))
            .unwrap_or_else(|| panic!("needs.{} is not in the catalogue", i.name));
        assert_eq!(
            m.en, i.needs,
            "needs.{}: the English differs from INFO",
            i.name
        );
    }
}
