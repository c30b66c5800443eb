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
