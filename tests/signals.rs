//! Signals and broken pipes: what was measured is written, nothing is lost.
mod common;
use common::*;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Start memlab, let it run for `after`, send `sig`, and return its exit code.
fn interrupt(args: &[&str], after: Duration, sig: nix::sys::signal::Signal) -> i32 {
    let mut child = Command::new(memlab_path())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
    child.wait().unwrap().code().unwrap_or(-1)
}

#[test]
fn sigint_during_free_watch_writes_valid_partial_files_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("f.csv");
    let json = dir.path().join("f.json");
    for sig in [
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGTERM,
    ] {
        let code = interrupt(
            &[
                "free",
                "--watch",
                "100ms",
                "--count",
                "100",
                "--csv",
                csv.to_str().unwrap(),
                "--json",
                json.to_str().unwrap(),
            ],
            Duration::from_millis(450),
            sig,
        );
        assert_eq!(code, 130, "{sig}");
        let rows = read_csv(&csv);
        assert!(
            (1..100).contains(&rows.len()),
            "{} rows after {sig}",
            rows.len()
        );
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(r["interrupted"], true);
        assert_eq!(r["rows"].as_array().unwrap().len(), rows.len());
        let mut left = files_in(dir.path());
        left.retain(|f| f.ends_with(".tmp"));
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }
}

#[test]
fn a_closed_pipe_on_stdout_ends_quietly() {
    let mut child = Command::new(memlab_path())
        .args(["free", "--watch", "1ms", "--count", "3000", "--csv", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close our end before memlab writes its CSV: the write gets EPIPE.
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}
