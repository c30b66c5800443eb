//! page-cache: a file read cold and warm, its residency by mincore, the
//! system's buff/cache, free and available; re-judged from its JSON; as
//! root and as an ordinary user; a file memlab neither owns nor may write;
//! nothing left behind, Ctrl-C and SIGKILL included.
use crate::common::rejudge;
use crate::common::*;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

fn page_cache(args: &[&str], tmpdir: &Path) -> std::process::Output {
    memlab()
        .env("TMPDIR", tmpdir)
        .arg("page-cache")
        .args(args)
        .output()
        .unwrap()
}

fn json_of(args: &[&str], tmpdir: &Path, code: i32) -> Value {
    let mut all = args.to_vec();
    all.extend(["--json", "-", "-q"]);
    let o = page_cache(&all, tmpdir);
    assert_eq!(o.status.code(), Some(code), "{all:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

const CONTRACT: &[&str] = &[
    "resident_after_read_kib",
    "resident_after_drop_kib",
    "cache_rise_kib",
    "free_drop_kib",
    "available_drop_kib",
    "cold_read_s",
    "warm_read_s",
    "cold_majflt",
    "warm_majflt",
    "cold_read_bytes",
    "warm_read_bytes",
];

#[test]
fn reading_a_file_fills_its_cache_and_dropping_empties_it() {
    let tmp = disk_tmpdir();
    let csv = tmp.path().join("out.csv");
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let svg = tmp.path().join("out.svg");
    let r = json_of(
        &[
            "--size",
            "32M",
            "--csv",
            csv.to_str().unwrap(),
            "--plot",
            svg.to_str().unwrap(),
        ],
        &work,
        0,
    );
    // The chart: an SVG with the file's line in its legend.
    let text = std::fs::read_to_string(&svg).unwrap();
    roxmltree::Document::parse(&text).expect("the SVG parses");
    assert!(text.contains("file resident"), "no file line in the chart");
    let s = &r["summary"];
    let mut keys: Vec<&str> = s.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    let mut want = CONTRACT.to_vec();
    want.sort();
    assert_eq!(keys, want, "summary keys are the contract's");
    assert_eq!(s["resident_after_read_kib"], 32768);
    assert_eq!(s["resident_after_drop_kib"], 0);
    assert!(
        s["cold_majflt"].as_u64().unwrap() > 0 || s["cold_read_bytes"].as_u64().unwrap_or(0) > 0,
        "{s}"
    );
    assert_eq!(s["warm_majflt"], 0);
    assert!(s["warm_read_s"].as_f64().unwrap() < s["cold_read_s"].as_f64().unwrap());
    assert_no_failed_checks(&r);
    for c in [
        "resident_after_read_is_size",
        "drop_empties_the_file_cache",
        "cold_read_from_device",
        "warm_read_from_cache",
        "warm_read_faster",
    ] {
        assert_eq!(check(&r, c)["verdict"], "holds", "{}", check(&r, c));
    }
    // The CSV: one row per reading, the JSON's rows, numbers in numeric cells.
    let rows = read_csv(&csv);
    assert_eq!(rows.len(), r["rows"].as_array().unwrap().len());
    let cold = rows.iter().find(|x| x["step"] == "cold_read").unwrap();
    assert_eq!(num(cold, "resident_kib"), 32768.0);
    assert_eq!(num(cold, "resident_before_kib"), 0.0);
    let drop = rows.iter().find(|x| x["step"] == "drop").unwrap();
    assert_eq!(num(drop, "resident_kib"), 0.0);
    for step in ["dropped", "quiet_before", "warm_read", "quiet_after"] {
        assert!(rows.iter().any(|x| x["step"] == step), "no {step} row");
    }
    assert!(files_in(&work).is_empty(), "left: {:?}", files_in(&work));
}

#[test]
fn judge_gives_the_runs_verdicts_from_its_json() {
    let tmp = disk_tmpdir();
    rejudge::assert_run_rejudges_the_same(
        memlab()
            .env("TMPDIR", tmp.path())
            .args(["page-cache", "--size", "16M"]),
        &[0],
    );
}

/// A file of `n` bytes of non-zero data.
fn data_file(path: &Path, n: usize) {
    let line = b"a user's file, read by memlab page-cache and never changed\n";
    let data: Vec<u8> = line.iter().copied().cycle().take(n).collect();
    std::fs::write(path, data).unwrap();
}

#[test]
fn a_users_file_is_read_and_left_unchanged() {
    let tmp = disk_tmpdir();
    let path = tmp.path().join("mine.dat");
    data_file(&path, 4 << 20);
    let before = std::fs::read(&path).unwrap();
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let r = json_of(&["--file", path.to_str().unwrap()], tmp.path(), 0);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    assert_eq!(r["params"]["own_file"], false);
    assert_eq!(r["params"]["residency_visible"], true);
    assert_eq!(r["summary"]["resident_after_read_kib"], 4096);
    assert_eq!(files_in(tmp.path()), ["mine.dat"]);
}

#[test]
fn an_ordinary_user_runs_it_too() {
    let Some(o) = run_unprivileged(&["page-cache", "--size", "16M", "--json", "-", "-q"]) else {
        return;
    };
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["meta"]["root"], false);
    // Its own test file: mincore sees its cache.
    assert_eq!(r["params"]["residency_visible"], true);
    assert_eq!(r["summary"]["resident_after_read_kib"], 16384);
    assert_eq!(r["summary"]["resident_after_drop_kib"], 0);
    assert_no_failed_checks(&r);
    // Its folder is gone from the temporary folder it used.
    let base = r["params"]["temp_folder"].as_str().unwrap();
    let left: Vec<String> = files_in(Path::new(base))
        .into_iter()
        .filter(|f| f.starts_with("memlab-page-cache-"))
        .filter(|f| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(Path::new(base).join(f)).is_ok_and(|m| m.uid() == 65534)
        })
        .collect();
    assert!(left.is_empty() || !is_root(), "left behind: {left:?}");
}

/// mincore tells a process that owns a file neither nor may write it that
/// every page is resident (Linux 5.0+): memlab must say "unknown", never
/// "resident".
#[test]
fn a_file_the_user_neither_owns_nor_may_write_has_unknown_residency() {
    // A folder every user may enter, on a disk.
    let on_disk = |p: &str| {
        nix::sys::statfs::statfs(p)
            .is_ok_and(|s| s.filesystem_type() != nix::sys::statfs::TMPFS_MAGIC)
    };
    let base = if on_disk("/tmp") { "/tmp" } else { "/var/tmp" };
    let tmp = tempfile::tempdir_in(base).unwrap();
    let path: PathBuf;
    if is_root() {
        // Root's file, readable by all, in a folder the user may enter.
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        path = tmp.path().join("roots.dat");
        data_file(&path, 2 << 20);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    } else {
        path = PathBuf::from("/etc/passwd");
    }
    let before = std::fs::read(&path).unwrap();
    let Some(o) = run_unprivileged(&[
        "page-cache",
        "--file",
        path.to_str().unwrap(),
        "--json",
        "-",
        "-q",
    ]) else {
        return;
    };
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(r["params"]["residency_visible"], false);
    let s = &r["summary"];
    assert!(s["resident_after_read_kib"].is_null(), "{s}");
    assert!(s["resident_after_drop_kib"].is_null(), "{s}");
    for row in r["rows"].as_array().unwrap() {
        assert!(row["resident_kib"].is_null(), "{row}");
    }
    let names: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"resident_after_read_is_size"), "{names:?}");
    assert!(!r["skipped"].as_array().unwrap().is_empty());
}

#[test]
fn bad_input_is_a_usage_error_and_writes_nothing() {
    let tmp = disk_tmpdir();
    let empty = tmp.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    for args in [
        vec!["--size", "1K"],
        vec!["--size", "1P"],
        vec!["--file", "/nonexistent/memlab-test"],
        vec!["--file", empty.to_str().unwrap()],
        vec!["--file", tmp.path().to_str().unwrap()],
        vec!["--file", empty.to_str().unwrap(), "--size", "1M"],
    ] {
        let o = page_cache(&args, tmp.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(files_in(tmp.path()), ["empty"]);
}

#[test]
fn a_temporary_folder_in_memory_is_refused() {
    let shm = Path::new("/dev/shm");
    let is_tmpfs = nix::sys::statfs::statfs(shm)
        .is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::TMPFS_MAGIC);
    if !is_tmpfs {
        eprintln!("skipped: /dev/shm is not a tmpfs here");
        return;
    }
    let o = page_cache(&["--size", "1M"], shm);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("tmpfs") && err.contains("TMPDIR"), "{err}");
    assert!(
        !files_in(shm)
            .iter()
            .any(|f| f.starts_with(&format!("memlab-page-cache-{}", std::process::id())))
    );
}

/// Start a run big enough to be caught mid-way, with its own TMPDIR.
fn spawn_big(tmpdir: &Path, json: &Path) -> std::process::Child {
    Command::new(memlab_path())
        .args(["page-cache", "--size", "1G", "-q", "--json"])
        .arg(json)
        .env("TMPDIR", tmpdir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn sigint_at_any_moment_removes_the_test_file_and_exits_130() {
    // While writing (after the folder appeared), and once the file is
    // mapped: reading, or idle in a quiet window.
    for (mapped, ms) in [
        (false, 0),
        (false, 300),
        (true, 0),
        (true, 300),
        (true, 700),
    ] {
        let tmp = disk_tmpdir();
        let work = tmp.path().join("work");
        std::fs::create_dir(&work).unwrap();
        let json = tmp.path().join("run.json");
        let mut child = spawn_big(&work, &json);
        wait_for_folder(&mut child, &work);
        if mapped {
            wait_for_mapping(&mut child);
        }
        std::thread::sleep(Duration::from_millis(ms));
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        )
        .unwrap();
        let code = child.wait().unwrap().code();
        eprintln!("SIGINT {ms} ms after mapped={mapped}: exit {code:?}");
        // Writing 1 GiB, and the quiet windows, take longer than the delay.
        assert!(ms > 300 || code == Some(130), "exit {code:?}");
        assert!(
            files_in(&work).is_empty(),
            "left after SIGINT at {ms} ms: {:?}",
            files_in(&work)
        );
        let r: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        if code == Some(130) {
            assert_eq!(r["interrupted"], true);
            assert_eq!(r["ended_by"], "interrupted");
        } else {
            assert_eq!(code, Some(0), "SIGINT at {ms} ms");
        }
    }
}

/// Wait until the run has mapped its test file (it has been written).
fn wait_for_mapping(child: &mut std::process::Child) {
    let maps = format!("/proc/{}/maps", child.id());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&maps).is_ok_and(|m| m.contains("page-cache.dat")) {
        assert!(child.try_wait().unwrap().is_none(), "ended first");
        assert!(
            std::time::Instant::now() < deadline,
            "never mapped its file"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Wait until the run has made its test folder in `work`.
fn wait_for_folder(child: &mut std::process::Child, work: &Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while files_in(work).is_empty() {
        assert!(child.try_wait().unwrap().is_none(), "ended first");
        assert!(
            std::time::Instant::now() < deadline,
            "never made its folder"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn what_a_sigkill_leaves_behind_the_next_run_removes() {
    let tmp = disk_tmpdir();
    let json = tmp.path().join("run.json");
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let mut child = spawn_big(&work, &json);
    wait_for_folder(&mut child, &work);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(files_in(&work).len(), 1, "the killed run left its folder");
    let r = json_of(&["--size", "4M"], &work, 0);
    assert!(files_in(&work).is_empty(), "{:?}", files_in(&work));
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("left by a memlab that was killed"),
        "{notes}"
    );
}

#[test]
fn it_is_listed_and_explained() {
    let listed = stdout(&run(&["list"]));
    assert!(
        listed
            .lines()
            .any(|l| l.split_whitespace().next() == Some("page-cache")),
        "{listed}"
    );
    let o = run(&["explain", "page-cache"]);
    assert_eq!(o.status.code(), Some(0));
    let page = stdout(&o);
    assert!(page.contains("バッファキャッシュ"), "the document's claim");
    for c in [
        "resident_after_read_is_size",
        "drop_empties_the_file_cache",
        "cache_rises_by_size",
        "free_falls_by_size",
        "available_barely_moves",
        "cache_falls_after_drop",
        "cold_read_from_device",
        "warm_read_from_cache",
        "warm_read_faster",
    ] {
        assert!(page.contains(c), "the page does not list {c}");
    }
}

/// Two runs at once in the same folder: each keeps its own file (the
/// other's sweep never takes a live folder), both end cleanly, and the
/// exact per-file checks hold. (The system-wide ones may see the other
/// run's drop, which no signal of other processes measures: a page-cache
/// drop is not reclaim; see the page.)
#[test]
fn two_runs_at_once_leave_each_other_alone() {
    // The two disturb each other on purpose, not the rest of the suite.
    let _alone = system_wide_lock();
    let tmp = disk_tmpdir();
    let spawn = || {
        Command::new(memlab_path())
            .args(["page-cache", "--size", "64M", "-q", "--json", "-"])
            .env("TMPDIR", tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let o = child.wait_with_output().unwrap();
        assert!(
            matches!(o.status.code(), Some(0 | 3)),
            "{:?}: {}",
            o.status,
            stderr(&o)
        );
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["summary"]["resident_after_read_kib"], 65536);
        assert_eq!(r["summary"]["resident_after_drop_kib"], 0);
        for c in ["resident_after_read_is_size", "drop_empties_the_file_cache"] {
            assert_eq!(check(&r, c)["verdict"], "holds", "{}", check(&r, c));
        }
        // The reads may find their file's pages reclaimed meanwhile (the
        // host's memory pressure, said so): `?`, never ✗.
        for c in ["cold_read_from_device", "warm_read_from_cache"] {
            assert_ne!(check(&r, c)["verdict"], "fails", "{}", check(&r, c));
        }
    }
    assert!(
        files_in(tmp.path()).is_empty(),
        "{:?}",
        files_in(tmp.path())
    );
}
