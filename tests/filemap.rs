mod common;
use common::*;

use std::path::PathBuf;

/// A fresh folder on the disk that holds `target/` (not a tmpfs /tmp), used
/// as memlab's TMPDIR so a cold read really has to go to the disk.
fn disk_tmpdir() -> tempfile::TempDir {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

fn filemap_json(args: &[&str], tmpdir: &std::path::Path, codes: &[i32]) -> serde_json::Value {
    let mut all = vec!["filemap"];
    all.extend_from_slice(args);
    all.extend(["--json", "-", "-q"]);
    let o = memlab().env("TMPDIR", tmpdir).args(&all).output().unwrap();
    let code = o.status.code().unwrap_or(-1);
    assert!(codes.contains(&code), "exit {code}\n{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn shared_map_names_the_file_and_hello_reaches_the_file() {
    let tmp = disk_tmpdir();
    let r = filemap_json(&["--size", "1M"], tmp.path(), &[0]);
    let line = r["summary"]["file_map_line"].as_str().unwrap();
    let tmp_canon = std::fs::canonicalize(tmp.path()).unwrap();
    assert!(line.contains(tmp_canon.to_str().unwrap()), "{line}");
    assert!(line.contains(" rw-s "), "MAP_SHARED writable line: {line}");
    assert_eq!(r["summary"]["bytes_read_back"], "HELLO");
    assert_ne!(r["summary"]["bytes_before"], "HELLO");
    assert_eq!(check(&r, "file_line_in_maps")["holds"], true);
    assert_eq!(check(&r, "write_reaches_the_file")["holds"], true);
    // Steps in order, one row each.
    let steps: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["open", "map", "read", "write", "msync", "read_back"]
    );
    // The temporary folder and its file are gone.
    assert!(
        files_in(tmp.path()).is_empty(),
        "left behind: {:?}",
        files_in(tmp.path())
    );
}

#[test]
fn cold_read_through_the_mapping_takes_major_faults() {
    let tmp = disk_tmpdir();
    let r = filemap_json(&["--size", "2M", "--cold"], tmp.path(), &[0]);
    let c = check(&r, "cold_read_takes_major_faults");
    assert_ne!(c["holds"], false, "{c}");
    let dropped = r["summary"]["cold_random_pages_dropped"].as_u64().unwrap();
    let majors = r["summary"]["cold_random_major_faults"].as_u64().unwrap();
    if c["holds"] == true {
        assert!(dropped > 0);
        // Without read-around each dropped page is read by its own fault.
        assert!(
            majors * 2 >= dropped,
            "{majors} major faults for {dropped} dropped pages"
        );
        assert!(
            majors <= 512 + 16,
            "{majors} major faults for a 512-page file"
        );
        // With read-around, far fewer faults than pages.
        let ra = r["summary"]["cold_major_faults"].as_u64().unwrap();
        assert!((1..512).contains(&ra), "{ra} major faults with read-around");
    }
    assert!(files_in(tmp.path()).is_empty());
}

#[test]
fn users_file_is_only_read_without_write() {
    let tmp = disk_tmpdir();
    let path = tmp.path().join("mine.txt");
    std::fs::write(&path, b"precious contents\n").unwrap();
    let r = filemap_json(&["--file", path.to_str().unwrap()], tmp.path(), &[0]);
    assert_eq!(std::fs::read(&path).unwrap(), b"precious contents\n");
    let line = r["summary"]["file_map_line"].as_str().unwrap();
    assert!(line.contains(" r--s "), "read-only shared mapping: {line}");
    assert_eq!(check(&r, "mapping_reads_the_file")["holds"], true);
    assert!(!r["skipped"].as_array().unwrap().is_empty());
    assert!(
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != "write_reaches_the_file")
    );
    // memlab made nothing else there.
    assert_eq!(files_in(tmp.path()), ["mine.txt"]);
}

#[test]
fn users_file_is_written_with_write() {
    let tmp = disk_tmpdir();
    let path = tmp.path().join("mine.txt");
    std::fs::write(&path, b"precious contents\n").unwrap();
    let r = filemap_json(
        &["--file", path.to_str().unwrap(), "--write"],
        tmp.path(),
        &[0],
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"HELLOous contents\n");
    assert_eq!(check(&r, "write_reaches_the_file")["holds"], true);
}

#[test]
fn bad_input_is_a_usage_error() {
    let tmp = disk_tmpdir();
    let empty = tmp.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    for args in [
        vec!["filemap", "--write"],
        vec!["filemap", "--file", "/nonexistent/memlab-test"],
        vec!["filemap", "--file", empty.to_str().unwrap()],
        vec!["filemap", "--file", empty.to_str().unwrap(), "--size", "1M"],
        vec!["filemap", "--size", "1K"],
    ] {
        let o = memlab()
            .env("TMPDIR", tmp.path())
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(files_in(tmp.path()), ["empty"]);
}
