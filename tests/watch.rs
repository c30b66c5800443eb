//! watch: sample any process from outside until it exits.

mod common;
use common::*;

use std::process::{Command, Stdio};

fn json_file_run(args: &[&str], code: i32) -> (serde_json::Value, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.json");
    let mut all = vec!["watch", "--json", path.to_str().unwrap(), "-q"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert_eq!(o.status.code(), Some(code), "{all:?}: {}", stderr(&o));
    let j = serde_json::from_str(&std::fs::read_to_string(&path).expect("JSON written"))
        .expect("JSON parses");
    (j, o)
}

#[test]
fn command_is_sampled_until_it_exits() {
    let (j, _) = json_file_run(&["--interval", "10ms", "--", "sleep", "0.3"], 0);
    let s = &j["summary"];
    assert_eq!(s["ended_by"], "exit");
    assert_eq!(s["exit_code"], 0);
    let taken = s["samples_taken"].as_u64().unwrap();
    let asked = s["samples_asked"].as_u64().unwrap();
    assert!(taken <= asked, "{taken} taken, {asked} asked");
    assert!(taken >= 5, "{taken} samples of a 0.3 s sleep at 10 ms");
    assert!(s["duration_s"].as_f64().unwrap() >= 0.25);
    assert!(s["peak_rss_kib"].as_u64().unwrap() > 0);
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len() as u64, taken);
    for col in [
        "t_s", "vsz_kib", "rss_kib", "minflt", "majflt", "utime_s", "stime_s",
    ] {
        assert!(rows[0].get(col).is_some(), "no column {col}");
    }
    assert!(rows[0].get("pss_kib").is_none(), "pss_kib only with --pss");
}

#[test]
fn exit_status_is_passed_through_in_the_summary() {
    let (j, _) = json_file_run(
        &["--interval", "5ms", "--", "sh", "-c", "sleep 0.05; exit 7"],
        0,
    );
    assert_eq!(j["summary"]["exit_code"], 7);
    let (j, _) = json_file_run(&["--interval", "5ms", "--", "sh", "-c", "kill -9 $$"], 0);
    assert_eq!(j["summary"]["exit_signal"], "SIGKILL");
}

#[test]
fn command_keeps_its_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("w.csv");
    let o = run(&[
        "watch",
        "-q",
        "--csv",
        csv.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        "echo hello-from-cmd; echo to-stderr >&2; sleep 0.1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("hello-from-cmd\n"), "{}", stdout(&o));
    assert!(stderr(&o).contains("to-stderr"));
    let rows = read_csv(&csv);
    assert!(!rows.is_empty());
}

#[test]
fn command_that_ends_before_the_first_sample_still_reports() {
    let (j, _) = json_file_run(&["--", "sh", "-c", "exit 5"], 0);
    assert_eq!(j["summary"]["exit_code"], 5);
    assert!(j["summary"]["rusage_maxrss_kib"].as_u64().unwrap() > 0);
}

#[test]
fn pid_is_watched_until_it_exits() {
    let mut sleeper = Command::new("sleep").arg("0.3").spawn().unwrap();
    let pid = sleeper.id().to_string();
    // The sleeper is this test's child: once it exits it is a zombie with
    // no memory until reaped, and watch must end there.
    let reaper = std::thread::spawn(move || sleeper.wait());
    let (j, _) = json_file_run(&["--pid", &pid, "--interval", "10ms"], 0);
    reaper.join().unwrap().unwrap();
    assert_eq!(j["summary"]["ended_by"], "exit");
    assert!(j["summary"]["exit_code"].is_null());
    assert!(j["summary"]["samples_taken"].as_u64().unwrap() >= 3);
}

#[test]
fn duration_stops_the_watch() {
    let mut sleeper = Command::new("sleep")
        .arg("5")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let pid = sleeper.id().to_string();
    let (j, _) = json_file_run(
        &[
            "--pid",
            &pid,
            "--interval",
            "10ms",
            "--duration",
            "200ms",
            "--pss",
        ],
        0,
    );
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    let s = &j["summary"];
    assert_eq!(s["ended_by"], "duration");
    // Deadlines 0, 10, …, 200 ms: 21 asked (20 if the last one was passed
    // over on a loaded host).
    let asked = s["samples_asked"].as_u64().unwrap();
    assert!((20..=21).contains(&asked), "{s}");
    assert!(s["peak_pss_kib"].as_u64().unwrap() > 0);
    assert!(j["rows"][0]["pss_kib"].as_u64().is_some());
}

#[test]
fn duration_kills_a_started_command() {
    let (j, _) = json_file_run(
        &[
            "--interval",
            "10ms",
            "--duration",
            "100ms",
            "--",
            "sleep",
            "5",
        ],
        0,
    );
    assert_eq!(j["summary"]["ended_by"], "duration");
    assert_eq!(j["summary"]["exit_signal"], "SIGKILL");
}

#[test]
fn missing_pid_is_a_usage_error() {
    // Above the kernel's pid_max ceiling (4194304): never a process.
    let o = run(&["watch", "--pid", "99999999"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no process with pid 99999999"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).trim().lines().count(), 1);
}

#[test]
fn unrunnable_command_is_an_error() {
    let o = run(&["watch", "--", "/nonexistent/memlab-test-cmd"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot run"), "{}", stderr(&o));
}

#[test]
fn bad_usage_is_exit_2() {
    for args in [
        &["watch"][..],
        &["watch", "--pid", "1", "--", "true"][..],
        &["watch", "--interval", "100us", "--", "true"][..],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn plot_is_an_svg() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("w.svg");
    let o = run(&[
        "watch",
        "-q",
        "--interval",
        "5ms",
        "--plot",
        svg.to_str().unwrap(),
        "--",
        "sleep",
        "0.1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
}

#[test]
fn sigterm_kills_the_command_and_writes_what_was_sampled() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("w.csv");
    let mut memlab = Command::new(memlab_path())
        .args(["watch", "-q", "--interval", "10ms", "--csv"])
        .arg(&csv)
        .args(["--", "sleep", "30"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let memlab_pid = memlab.id() as i32;
    // The sleep is memlab's only child.
    let children =
        std::fs::read_to_string(format!("/proc/{memlab_pid}/task/{memlab_pid}/children"))
            .unwrap_or_default();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(memlab_pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_eq!(memlab.wait().unwrap().code(), Some(130));
    let rows = read_csv(&csv);
    assert!(rows.len() >= 2, "{} rows", rows.len());
    for pid in children.split_whitespace() {
        let alive = std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
            .map(|c| c.starts_with("sleep"))
            .unwrap_or(false);
        assert!(!alive, "the command {pid} survived memlab");
    }
}
