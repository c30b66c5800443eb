use crate::common::rejudge;
use crate::common::*;

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
    // The maps diff is data: the file's entry, typed as mmap's rows are.
    let entry = r["measurements"]["maps_diff"]
        .as_array()
        .expect("maps_diff")
        .iter()
        .find(|e| e["change"] == "added" && e["perms"] == "rw-s")
        .unwrap_or_else(|| panic!("no added rw-s entry: {}", r["measurements"]));
    assert!(
        entry["start"].as_str().unwrap().starts_with("0x"),
        "{entry}"
    );
    assert_eq!(entry["offset"], "0x0");
    assert!(entry["dev_major"].is_u64() && entry["inode"].as_u64() > Some(0));
    assert!(
        entry["pathname"].as_str().unwrap().ends_with("filemap.dat"),
        "{entry}"
    );
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

/// Run filemap with `--json`, then `memlab judge` on its JSON (as it is,
/// and with its summary and checks deleted): the verdicts must be the same.
#[test]
fn judge_gives_the_runs_verdicts_again() {
    let tmp = disk_tmpdir();
    let report = rejudge::assert_run_rejudges_the_same(
        memlab()
            .env("TMPDIR", tmp.path())
            .args(["filemap", "--size", "1M", "--cold"]),
        &[0],
    );
    assert_eq!(report["checks"].as_array().unwrap().len(), 4);
}

/// Run filemap on a user's file with the test-only pause hook at `stage`,
/// truncate the file to 0 there, and return the JSON it wrote.
fn truncated_at(stage: &str, extra: &[&str]) -> serde_json::Value {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let tmp = disk_tmpdir();
    let path = tmp.path().join("shrinks.dat");
    std::fs::write(&path, vec![b'x'; 64 * 1024]).unwrap();
    let json = tmp.path().join("out.json");
    let mut child = std::process::Command::new(memlab_path())
        .env("NO_COLOR", "1")
        // TEST ONLY hook: stop at `stage` until stdin gives a line.
        .env("MEMLAB_TEST_PAUSE", stage)
        .current_dir(tmp.path())
        .args(["filemap", "--file", path.to_str().unwrap(), "-q", "--json"])
        .arg(&json)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains(&format!("test pause at {stage}")), "{line}");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let status = child.wait().unwrap();
    // A plain sentence, exit 1, no Rust debug structure.
    assert_eq!(status.code(), Some(1), "{rest}");
    assert!(rest.contains("the file shrank under the mapping"), "{rest}");
    assert!(!rest.contains("ChildExit"), "{rest}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    // No core file, nothing else left.
    assert_eq!(files_in(tmp.path()), ["out.json", "shrinks.dat"]);
    assert_eq!(r["ended_by"], "worker_died");
    assert_eq!(r["measurements"]["child_signal"], "SIGBUS");
    r
}

fn steps_of(r: &serde_json::Value) -> Vec<&str> {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["step"].as_str().unwrap())
        .collect()
}

/// A user's file truncated while mapped: the child that touches it dies of
/// SIGBUS, memlab says the file shrank, keeps what it measured, exit 1.
#[test]
fn a_file_truncated_under_the_mapping_ends_the_run_cleanly() {
    let r = truncated_at("mapped", &[]);
    assert_eq!(steps_of(&r), ["open", "map"]);
    assert_eq!(check(&r, "file_line_in_maps")["holds"], true);
}

#[test]
fn a_file_truncated_before_a_cold_read_keeps_the_steps_before() {
    let r = truncated_at("cold", &["--cold"]);
    assert_eq!(steps_of(&r), ["open", "map", "read", "drop_cache"]);
    assert_eq!(check(&r, "mapping_reads_the_file")["holds"], true);
    assert!(
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != "cold_read_takes_major_faults")
    );
}

#[test]
fn too_few_file_descriptors_leave_no_test_folder() {
    let tmp = disk_tmpdir();
    for n in [6, 8, 10] {
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n {n} && exec \"$0\" filemap -q"))
            .arg(memlab_path())
            .env("TMPDIR", tmp.path())
            .output()
            .unwrap();
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "ulimit -n {n}: {}",
            stderr(&o)
        );
        assert!(
            files_in(tmp.path()).is_empty(),
            "ulimit -n {n} left {:?}",
            files_in(tmp.path())
        );
    }
}

#[test]
fn a_stale_folder_is_swept_by_its_lock_even_when_its_pid_lives() {
    let tmp = disk_tmpdir();
    // pid 1 is always alive: only the missing lock says nobody holds it.
    let stale = tmp.path().join("memlab-filemap-1-0badf00d");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("filemap.dat"), b"left behind").unwrap();
    let r = filemap_json(&["--size", "64K"], tmp.path(), &[0]);
    assert!(!stale.exists());
    assert!(
        r["notes"].to_string().contains("memlab-filemap-1-0badf00d"),
        "the sweep is announced: {}",
        r["notes"]
    );
    assert!(files_in(tmp.path()).is_empty());
}
