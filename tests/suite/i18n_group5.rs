//! hugepage, watch and faults in the reader's language: every line they
//! narrate goes through the catalogue (`--lang mark`), Japanese under a
//! Japanese locale with the same data as in English, their Japanese pages;
//! their charts drawn again from a saved JSON; and watch's first row
//! reaching its reader before a long interval is slept.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::lang::{JA, has_japanese, run_in};
use crate::common::{memlab_path, stderr, stdout, with_options};
use serde_json::Value;

/// Small runs of the three experiments.
const RUNS: &[&[&str]] = &[
    &["hugepage", "--size", "8M", "--forks", "3"],
    &[
        "faults",
        "--size",
        "1M",
        "--thp-size",
        "4M",
        "--rounds",
        "1",
    ],
    &["watch", "--interval", "20ms", "--", "sh", "-c", "sleep 0.2"],
];

/// Lines as memlab said them: a line it wrapped at the terminal width goes
/// on, indented by four spaces, on the next.
fn said_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in text.lines() {
        match out.last_mut() {
            Some(last) if l.starts_with("    ") && !last.is_empty() => {
                last.push(' ');
                last.push_str(l.trim_start());
            }
            _ => out.push(l.to_string()),
        }
    }
    out
}

/// What memlab narrated (every line of stderr, and stdout's lines before
/// the report's header) and its notes (the lines between the header's
/// `host:` line and the table).
fn narration_and_notes(o: &Output, name: &str) -> (Vec<String>, Vec<String>) {
    let out = said_lines(&stdout(o));
    let head = format!("memlab {name} ");
    let at = out
        .iter()
        .position(|l| l.starts_with(&head))
        .unwrap_or_else(|| panic!("{name}: no header\n{}", stdout(o)));
    let mut said: Vec<String> = out[..at].to_vec();
    said.extend(said_lines(&stderr(o)));
    let host = out[at..]
        .iter()
        .position(|l| l.starts_with("host:"))
        .map_or(at, |h| at + h);
    let notes = out[host + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .cloned()
        .collect();
    (said, notes)
}

#[test]
fn every_line_hugepage_watch_and_faults_narrate_goes_through_the_catalogue() {
    for args in RUNS {
        let a = with_options(args, &["--lang", "mark"]);
        let o = run_in(&[("LANG", "C.UTF-8")], &a);
        assert!(
            matches!(o.status.code(), Some(0 | 3)),
            "{a:?}: {:?} {}",
            o.status,
            stderr(&o)
        );
        let (said, notes) = narration_and_notes(&o, args[0]);
        assert!(!said.is_empty(), "{a:?}: nothing narrated");
        for l in said.iter().chain(&notes) {
            assert!(
                l.starts_with("<<") && l.ends_with(">>"),
                "{a:?}: not from the catalogue: {l}"
            );
        }
        for l in said_lines(&stdout(&o)) {
            assert!(
                !l.starts_with("skipped"),
                "{a:?}: skip line not from the catalogue: {l}"
            );
        }
    }
}

/// The names of a JSON document's keys at the top, in `summary` and in
/// `measurements`, and its check names.
fn shape(v: &Value) -> Vec<String> {
    let keys = |v: &Value, p: &str| -> Vec<String> {
        v.as_object()
            .map(|m| m.keys().map(|k| format!("{p}{k}")).collect())
            .unwrap_or_default()
    };
    let mut s = keys(v, "");
    s.extend(keys(&v["summary"], "summary."));
    s.extend(keys(&v["measurements"], "measurements."));
    s.extend(keys(&v["params"], "params."));
    for c in v["checks"].as_array().into_iter().flatten() {
        s.push(format!("check {}", c["name"]));
    }
    s
}

#[test]
fn japanese_under_a_japanese_locale_with_the_same_data_as_english() {
    let dir = tempfile::tempdir().unwrap();
    for args in RUNS {
        let name = args[0];
        let mut data = Vec::new();
        for lang in ["ja", "en"] {
            let csv = dir.path().join(format!("{name}-{lang}.csv"));
            let json = dir.path().join(format!("{name}-{lang}.json"));
            let mut extra = vec![
                "--csv",
                csv.to_str().unwrap(),
                "--json",
                json.to_str().unwrap(),
            ];
            // Japanese from the locale alone; English asked for.
            if lang == "en" {
                extra.extend(["--lang", "en"]);
            }
            let a = with_options(args, &extra);
            let o = run_in(JA, &a);
            assert!(
                matches!(o.status.code(), Some(0 | 3)),
                "{a:?}: {:?} {}",
                o.status,
                stderr(&o)
            );
            let (said, notes) = narration_and_notes(&o, name);
            assert!(!said.is_empty(), "{a:?}: nothing narrated");
            for l in said.iter().chain(&notes) {
                assert_eq!(has_japanese(l), lang == "ja", "{a:?}: {l}");
            }
            let text = std::fs::read_to_string(&csv).unwrap();
            let header = text.lines().next().unwrap().to_string();
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
            // The text fields of the JSON stay English.
            for k in ["notes", "skipped", "checks"] {
                assert!(!has_japanese(&v[k].to_string()), "{a:?}: {k}: {}", v[k]);
            }
            data.push((header, shape(&v), v["skipped"].clone()));
        }
        assert_eq!(data[0].0, data[1].0, "{name}: CSV headers differ");
        assert_eq!(data[0].1, data[1].1, "{name}: JSON keys differ");
        assert_eq!(data[0].2, data[1].2, "{name}: skipped parts differ");
    }
}

#[test]
fn explain_shows_the_japanese_pages_of_hugepage_watch_and_faults() {
    for (name, heading) in [
        ("hugepage", "hugepage — ヒュージページ"),
        ("watch", "watch — 汎用のサンプラー"),
        ("faults", "faults — ページフォルト"),
    ] {
        let out = stdout(&run_in(JA, &["explain", name, "--lang", "ja"]));
        assert!(out.contains(heading), "{name}: {out}");
        assert!(out.contains("チェック"), "{name}: {out}");
        assert!(!out.contains("まだありません"), "{name}: {out}");
        assert!(out.contains("このマシンでの実行例"), "{name}: {out}");
        let out = stdout(&run_in(JA, &["explain", name, "--lang", "en"]));
        assert!(!out.contains("このマシンでの実行例"), "{out}");
    }
}

#[test]
fn watch_help_is_japanese() {
    let out = stdout(&run_in(&[], &["watch", "--help", "--lang", "ja"]));
    for l in out.lines() {
        let l = l.trim();
        if l.starts_with("--") || l.starts_with("[CMD]") {
            assert!(has_japanese(l), "option help not Japanese: {l}");
        }
    }
    assert!(out.contains("標準エラー出力"), "{out}");
    // clap's own words too.
    for ja in [
        "使い方:",
        "オプション:",
        "引数:",
        "ヘルプを表示します",
        "既定値: 100ms",
    ] {
        assert!(out.contains(ja), "{ja} missing:\n{out}");
    }
    for en in [
        "Usage:",
        "Options:",
        "Arguments:",
        "Print help",
        "[default",
        "[possible",
    ] {
        assert!(!out.contains(en), "{en} in:\n{out}");
    }
    // English stays English.
    let out = stdout(&run_in(&[], &["watch", "--help", "--lang", "en"]));
    assert!(
        out.contains("Usage:") && out.contains("[default: 100ms]"),
        "{out}"
    );
    assert!(!has_japanese(&out), "{out}");
}

/// The texts and the polylines' point counts of an SVG.
fn svg_parts(svg: &str) -> (Vec<String>, Vec<usize>) {
    let texts = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            let text = body[..body.find("</text>")?].trim();
            Some(
                text.replace("&apos;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            )
        })
        .collect();
    let mut counts: Vec<usize> = svg
        .split("<polyline")
        .skip(1)
        .filter_map(|p| {
            let pts = &p[p.find("points=\"")? + 8..];
            Some(pts[..pts.find('"')?].split_whitespace().count())
        })
        .collect();
    counts.sort_unstable();
    (texts, counts)
}

/// The chart an experiment draws from a saved JSON, as SVG.
fn chart_from_json(path: &Path) -> (memlab::report::Chart, String) {
    let r: memlab::report::Report =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let info = memlab::experiments::find(&r.experiment).unwrap();
    let draw = info.chart.expect("a chart function");
    let chart = draw(&memlab::experiments::Recorded::of(&r))
        .unwrap()
        .expect("a chart");
    let svg = memlab::output::svg::render(&chart).unwrap();
    (chart, svg)
}

#[test]
fn charts_are_drawn_again_from_the_json_as_the_run_drew_them() {
    let dir = tempfile::tempdir().unwrap();
    let runs: &[&[&str]] = &[
        RUNS[0],
        RUNS[1],
        // Enough rows for the downsampling to work (512 buckets).
        &["watch", "--interval", "1ms", "--", "sleep", "1.5"],
    ];
    for args in runs {
        let name = args[0];
        let json = dir.path().join(format!("{name}.json"));
        let svg = dir.path().join(format!("{name}.svg"));
        let a = with_options(
            args,
            &[
                "-q",
                "--lang",
                "en",
                "--json",
                json.to_str().unwrap(),
                "--plot",
                svg.to_str().unwrap(),
            ],
        );
        let o = run_in(&[], &a);
        assert!(
            matches!(o.status.code(), Some(0 | 3)),
            "{a:?}: {:?} {}",
            o.status,
            stderr(&o)
        );
        let run_svg = std::fs::read_to_string(&svg).unwrap();
        let (chart, from_json) = chart_from_json(&json);
        let (run_texts, run_counts) = svg_parts(&run_svg);
        let (json_texts, json_counts) = svg_parts(&from_json);
        let names: Vec<String> = match &chart.kind {
            memlab::report::ChartKind::Lines { series, .. } => {
                series.iter().map(|s| s.name.clone()).collect()
            }
            memlab::report::ChartKind::Bars { series, .. } => {
                series.iter().map(|s| s.0.clone()).collect()
            }
        };
        assert!(!names.is_empty(), "{name}: no series");
        for n in &names {
            assert!(
                run_texts.contains(n),
                "{name}: series {n} not in the run's chart"
            );
            assert!(json_texts.contains(n), "{name}: series {n} not drawn");
        }
        assert!(run_texts.contains(&chart.title), "{name}: {}", chart.title);
        assert_eq!(run_counts.len(), json_counts.len(), "{name}: polylines");
        for (r, j) in run_counts.iter().zip(&json_counts) {
            let (r, j) = (*r as f64, *j as f64);
            assert!(
                (r - j).abs() <= r * 0.1 + 2.0,
                "{name}: {run_counts:?} vs {json_counts:?}"
            );
        }
        if name == "watch" {
            let rows = serde_json::from_str::<Value>(&std::fs::read_to_string(&json).unwrap())
                .unwrap()["rows"]
                .as_array()
                .unwrap()
                .len();
            let most = run_counts.iter().max().copied().unwrap_or(0);
            assert!(rows > 1024, "{rows} rows: too few to downsample");
            assert!(
                most <= 1024 + 8,
                "a series of {most} points for {rows} rows"
            );
        }
    }
}

/// Issue 16: with a long interval the first row reaches `--csv -` and a
/// `--csv FILE` (its `.partial` while the run goes on) at once, not one
/// interval later.
#[test]
fn watch_hands_its_first_row_over_before_sleeping_a_long_interval() {
    let t0 = Instant::now();
    let mut child = Command::new(memlab_path())
        .args(["watch", "-q", "--interval", "3s", "--csv", "-", "--"])
        .args(["sleep", "10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let header = lines.next().unwrap().unwrap();
    let first = lines.next().unwrap().unwrap();
    let took = t0.elapsed();
    assert!(header.starts_with("t_s,"), "{header}");
    assert!(
        first.split(',').count() == header.split(',').count(),
        "{first}"
    );
    assert!(
        took < Duration::from_millis(2500),
        "the first row took {took:?}"
    );
    // The reader leaves (as `head -2` does): memlab ends the command.
    drop(lines);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));

    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("w.csv");
    let mut child = Command::new(memlab_path())
        .args(["watch", "-q", "--interval", "3s", "--csv"])
        .arg(&csv)
        .args(["--", "sleep", "10"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let partial = dir.path().join("w.csv.partial");
    let t0 = Instant::now();
    let mut rows = 0;
    while t0.elapsed() < Duration::from_millis(2500) && rows < 2 {
        std::thread::sleep(Duration::from_millis(50));
        rows = std::fs::read_to_string(&partial)
            .map(|t| t.lines().count())
            .unwrap_or(0);
    }
    let took = t0.elapsed();
    // SIGTERM: memlab passes it to the command and ends (130).
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    assert!(rows >= 2, "no row on disk after {took:?}");
    assert!(
        took < Duration::from_millis(1500),
        "the first row took {took:?}"
    );
}
