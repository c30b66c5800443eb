use crate::common::*;

#[test]
fn all_writes_a_self_contained_report_with_a_section_per_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lab");
    let o = run(&["all", "--out", out.to_str().unwrap(), "-q"]);
    let code = o.status.code();
    assert!(
        code == Some(0) || code == Some(3),
        "exit {code:?}: {}",
        stderr(&o)
    );
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc =
        roxmltree::Document::parse_with_options(&html, opts).expect("report.html is well-formed");
    // Self-contained: no script, no stylesheet, image or font from elsewhere.
    for node in doc.descendants().filter(|n| n.is_element()) {
        assert_ne!(node.tag_name().name(), "script", "report has a script");
        assert_ne!(
            node.tag_name().name(),
            "link",
            "report links an outside file"
        );
        for a in ["src", "href"] {
            if let Some(v) = node.attribute(a) {
                // Within the page, or a data file of the lab beside it.
                let beside = !v.contains('/') && out.join(v).is_file();
                assert!(
                    v.starts_with('#') || beside,
                    "{a}={v} points outside the lab"
                );
            }
        }
    }
    let sections: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "section")
        .filter_map(|n| n.attribute("id"))
        .collect();
    let listed = stdout(&run(&["list"]));
    // Lines that start with a space continue the experiment above.
    for line in listed.lines().skip(1).filter(|l| !l.starts_with(' ')) {
        let name = line.split_whitespace().next().unwrap();
        if name == "all" || name == "watch" {
            continue;
        }
        assert!(
            sections.contains(&name),
            "no section for {name}: {sections:?}"
        );
        if line.contains("available") {
            // A built experiment ran and left its data beside the report.
            let rows = read_csv(&out.join(format!("{name}.csv")));
            let json: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(out.join(format!("{name}.json"))).unwrap(),
            )
            .unwrap();
            assert_eq!(json["experiment"], name);
            assert_eq!(json["rows"].as_array().unwrap().len(), rows.len());
            // Per-process claims hold although every experiment ran in one
            // process before it (malloc's threshold once did not).
            if name == "malloc" {
                assert_no_failed_checks(&json);
            }
        }
    }
    assert!(html.contains("Which claims held here"));
}

#[test]
fn all_refuses_an_out_path_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("file");
    std::fs::write(&f, "x").unwrap();
    let o = run(&["all", "--out", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "x");
}

#[test]
fn all_takes_an_out_folder_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(std::ffi::OsStr::from_bytes(b"lab\xff"));
    let o = memlab()
        .arg("all")
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .output()
        .unwrap();
    let code = o.status.code();
    assert!(
        code == Some(0) || code == Some(3),
        "exit {code:?}: {}",
        stderr(&o)
    );
    assert!(out.join("report.html").exists());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("free.json")).unwrap()).unwrap();
    assert_eq!(v["experiment"], "free");
}

#[test]
fn an_interrupted_all_reports_only_what_this_run_wrote() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lab");
    std::fs::create_dir(&out).unwrap();
    // An earlier run's free.json, with 99 checks that all held.
    let mut old = json_run(&["free"], &[0]);
    let check = old["checks"][0].clone();
    old["checks"] = serde_json::Value::Array(vec![check; 99]);
    std::fs::write(out.join("free.json"), old.to_string()).unwrap();
    // Test-only hook: the first part (free) pauses before it runs; the
    // interruption lands there.
    let mut child = std::process::Command::new(memlab_path())
        .args(["all", "--out", out.to_str().unwrap()])
        .env("MEMLAB_TEST_PAUSE", "run")
        .env("MEMLAB_TEST_PAUSE_MS", "10000")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !out.join(".memlab-all.lock").exists() || out.join("free.json").exists() {
        assert!(
            t0.elapsed().as_secs() < 30,
            "the old free.json was not removed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let lines: Vec<String> = std::io::BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{lines:?}");
    let free = lines
        .iter()
        .find(|l| l.starts_with("free"))
        .expect("a line for free");
    assert!(free.contains("interrupted"), "{free}");
    assert!(!free.contains("99"), "{free}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("free.json")).unwrap()).unwrap();
    assert_eq!(v["ended_by"], "interrupted");
    assert!(v["checks"].as_array().unwrap().len() < 99);
}

/// `LANG=ja_JP.UTF-8 memlab all --out lab`: the progress lines and the
/// report in Japanese (`<html lang="ja">`, Japanese headings and tallies,
/// the notes and skip reasons a part said through the catalogue in
/// Japanese), English fragments marked `lang="en"`; the page fits 400 px
/// and 1400 px in Chromium.
#[test]
fn all_in_japanese_under_a_japanese_locale() {
    use memlab::i18n::{Lang, tr_in};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lab");
    let o = {
        let _one = system_wide_lock();
        let mut c = memlab();
        for k in ["LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_CTYPE"] {
            c.env_remove(k);
        }
        c.env("LANG", "ja_JP.UTF-8")
            .args(["all", "--out", out.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let code = o.status.code();
    assert!(matches!(code, Some(0 | 3)), "exit {code:?}: {}", stderr(&o));
    // One line per part, each in Japanese: a tally or why it did not run.
    let said = stdout(&o);
    let parts: Vec<&str> = said
        .lines()
        .filter(|l| !l.contains("report.html"))
        .collect();
    assert!(parts.len() > 5, "{said}");
    for l in &parts {
        assert!(
            l.contains("件")
                || l.contains("チェックはありません")
                || l.contains("このホストでは省略")
                || l.contains("実行しませんでした"),
            "not Japanese: {l}"
        );
    }
    assert!(said.contains("を書き出しました"), "{said}");

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<html lang=\"ja\">"));
    assert!(html.contains("<h1>memlab 実験レポート</h1>"));
    assert!(html.contains("このホストで成り立った主張"));
    assert!(html.contains("件の主張が成り立ちました"));
    assert!(html.contains("<th><span lang=\"ja\">カーネル</span></th>"));
    assert!(!html.contains("Which claims held here"));
    // Check names and the rows' tables are English, marked so.
    assert!(html.contains("<b lang=\"en\">"));
    assert!(html.contains("<table lang=\"en\">"));
    // What a part said through the catalogue is shown in Japanese (the
    // document's quotes inside it may be marked as Japanese once more).
    let plain = html
        .replace("<span lang=\"ja\">", "")
        .replace("</span>", "");
    let mut shown = 0;
    for e in std::fs::read_dir(&out).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        for s in json["said"].as_array().into_iter().flatten() {
            let args: Vec<(String, String)> = s["args"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        // An argument made from a why.* entry is shown in
                        // Japanese too.
                        memlab::i18n::localize_in(
                            Lang::Ja,
                            &v.as_str().map_or_else(|| v.to_string(), String::from),
                        ),
                    )
                })
                .collect();
            let args: Vec<(&str, &str)> =
                args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let id = s["id"].as_str().unwrap();
            // free's definitions repeat the document's words that its
            // claim section quotes: the report shows them there, once.
            if id.starts_with("free.note.def.") {
                assert!(
                    html.contains("全メモリの量"),
                    "free's definitions are not shown"
                );
                continue;
            }
            let ja = memlab::output::html::inline(&tr_in(Lang::Ja, id, &args));
            assert!(
                plain.contains(&ja.replace("<span lang=\"ja\">", "").replace("</span>", "")),
                "{}: {id} is not shown in Japanese: {ja}",
                p.display()
            );
            shown += 1;
        }
    }
    println!("{shown} notes and skip reasons said through the catalogue, all shown in Japanese");
    for width in [400, 1400] {
        if let Some((w, sideways)) = browser::measure(&html, width) {
            assert!(w <= width, "report.html is {w} px wide at {width} px");
            if width == 1400 {
                assert_eq!(sideways, 0, "a table scrolls sideways at 1400 px");
            }
        }
    }
}
