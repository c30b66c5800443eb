//! `memlab report`: one folder rebuilt, several compared.
use crate::common::*;

fn lab(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, args) in [
        ("free", &["free"][..]),
        (
            "faults",
            &["faults", "--size", "1M", "--kinds", "anon", "--rounds", "1"][..],
        ),
    ] {
        let path = dir.join(format!("{name}.json"));
        let mut a = args.to_vec();
        a.extend(["--json", path.to_str().unwrap(), "-q"]);
        let o = run(&a);
        assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    }
}

#[test]
fn one_folder_and_a_comparison() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("hostA"), t.path().join("hostB"));
    lab(&a);
    lab(&b);
    // A JSON of another schema is named and left out.
    std::fs::write(
        b.join("old.json"),
        r#"{"experiment":"free","meta":{},"rows":[],"schema_version":1}"#,
    )
    .unwrap();
    let one = t.path().join("one.html");
    let o = run(&[
        "report",
        a.to_str().unwrap(),
        "--out",
        one.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&one).unwrap();
    assert!(html.contains("faults") && html.contains("available_at_least_free"));

    let page = t.path().join("cmp.html");
    let csv = t.path().join("cmp.csv");
    let o = run(&[
        "report",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        page.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("old.json"),
        "the old file is named: {}",
        stderr(&o)
    );
    let rows = read_csv(&csv);
    let held = rows
        .iter()
        .find(|r| r["name"] == "anon_one_fault_per_access")
        .expect("a row per check");
    assert!(
        held["hostA"].starts_with("held") && held["hostB"].starts_with("held"),
        "{held:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r["what"] == "host" && r["name"] == "kernel_release")
    );
    assert!(
        rows.iter()
            .any(|r| r["what"] == "figure" && r["name"] == "anon_p50_ns")
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<th>hostA</th>") && html.contains("<th>hostB</th>"));
}

#[test]
fn folders_without_memlab_json_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("x.html");
    for dir in [t.path().join("missing"), t.path().to_path_buf()] {
        let o = run(&[
            "report",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(stderr(&o).trim().lines().count(), 1);
    }
    assert!(!out.exists());
}

/// The `<div class="chart">` of experiment `name`'s section in a lab
/// report (`None` when the section has no chart).
fn chart_of(html: &str, name: &str) -> Option<String> {
    let section = html.split(&format!("<section id=\"{name}\">")).nth(1)?;
    let section = section.split("</section>").next()?;
    let chart = section.split("<div class=\"chart\">").nth(1)?;
    Some(chart.split("</svg>").next()?.to_string())
}

fn report_of(dir: &std::path::Path) -> String {
    let out = dir.join("report.html");
    let o = run(&[
        "report",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::read_to_string(&out).unwrap()
}

/// Each number of the rows times three (whole numbers stay whole).
fn scale_rows(json: &mut serde_json::Value) {
    for row in json["rows"].as_array_mut().unwrap() {
        for v in row.as_object_mut().unwrap().values_mut() {
            if let Some(i) = v.as_i64() {
                *v = (i * 3 + 1).into();
            } else if let Some(f) = v.as_f64() {
                *v = (f * 3.0 + 1.0).into();
            }
        }
    }
}

/// `memlab report` draws a chart again from the JSON rows when the
/// experiment has a chart function: the SVG file beside the JSON is not
/// used (it may be gone), and other rows give another chart. An
/// experiment without one yet shows the SVG file its run drew.
#[test]
fn charts_are_drawn_from_the_rows() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let runs: [(&str, &[&str]); 2] = [
        (
            "page-table",
            &["page-table", "--size", "64M", "--reserve", "8G"],
        ),
        (
            "faults",
            &["faults", "--size", "1M", "--kinds", "anon", "--rounds", "1"],
        ),
    ];
    for (name, args) in runs {
        let (json, svg) = (
            dir.join(format!("{name}.json")),
            dir.join(format!("{name}.svg")),
        );
        let mut a = args.to_vec();
        a.extend([
            "--json",
            json.to_str().unwrap(),
            "--plot",
            svg.to_str().unwrap(),
            "-q",
        ]);
        let o = run(&a);
        assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
        // A file that is not what the rows say: only the fallback shows it.
        std::fs::write(
            &svg,
            format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>file of {name}</text></svg>"),
        )
        .unwrap();
    }
    let first = report_of(dir);
    for (name, _) in runs {
        let from_rows = memlab::experiments::find(name).unwrap().chart.is_some();
        let chart = chart_of(&first, name).unwrap_or_else(|| panic!("{name} has no chart"));
        assert_eq!(
            chart.contains(&format!("file of {name}")),
            !from_rows,
            "{name}: chart {}",
            if from_rows {
                "from the rows expected"
            } else {
                "from the file expected"
            }
        );
        std::fs::remove_file(dir.join(format!("{name}.svg"))).unwrap();
    }
    let second = report_of(dir);
    for (name, _) in runs {
        let from_rows = memlab::experiments::find(name).unwrap().chart.is_some();
        let chart = chart_of(&second, name);
        if !from_rows {
            assert!(
                chart.is_none(),
                "{name}: a chart with no file and no chart function"
            );
            println!("{name}: no chart function yet; its SVG file is shown");
            continue;
        }
        let chart = chart.unwrap_or_else(|| panic!("{name}: the chart went with its file"));
        assert_eq!(Some(&chart), chart_of(&first, name).as_ref());
        // Other rows, another chart.
        let path = dir.join(format!("{name}.json"));
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        scale_rows(&mut json);
        std::fs::write(&path, json.to_string()).unwrap();
        let third = report_of(dir);
        let changed = chart_of(&third, name).expect("still a chart");
        assert_ne!(changed, chart, "{name}: the chart does not follow the rows");
    }
}

/// The comparison page in Japanese under a Japanese locale; its CSV is
/// data, the same in both languages.
#[test]
fn a_comparison_in_japanese_has_the_same_csv() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("hostA"), t.path().join("hostB"));
    lab(&a);
    lab(&b);
    let mut csvs = Vec::new();
    for lang in ["en_US.UTF-8", "ja_JP.UTF-8"] {
        let page = t.path().join(format!("{lang}.html"));
        let csv = t.path().join(format!("{lang}.csv"));
        let mut c = memlab();
        for k in ["LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_CTYPE"] {
            c.env_remove(k);
        }
        let o = c
            .env("LANG", lang)
            .arg("report")
            .arg(&a)
            .arg(&b)
            .args([
                "--out",
                page.to_str().unwrap(),
                "--csv",
                csv.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let html = std::fs::read_to_string(&page).unwrap();
        if lang.starts_with("ja") {
            assert!(html.contains("<html lang=\"ja\">"));
            assert!(html.contains("<h3>主張</h3>"), "{html}");
            assert!(
                html.contains("class=\"ok\"><span lang=\"ja\">成立"),
                "{html}"
            );
            assert!(stderr(&o).contains("を書き出しました"), "{}", stderr(&o));
            for width in [400, 1400] {
                if let Some(w) = browser::page_width(&html, width) {
                    assert!(w <= width, "the comparison is {w} px wide at {width} px");
                }
            }
        } else {
            assert!(html.contains("<h3>Claims</h3>"), "{html}");
            assert!(html.contains("class=\"ok\">held"), "{html}");
        }
        csvs.push(std::fs::read(&csv).unwrap());
    }
    assert_eq!(csvs[0], csvs[1], "the CSV differs between languages");
}
