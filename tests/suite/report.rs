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
