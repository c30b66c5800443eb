//! watch: sample any process from outside until it exits.

use crate::common::rejudge;
use crate::common::*;

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
fn exit_status_is_the_commands_as_time_gives_it() {
    let (j, _) = json_file_run(
        &["--interval", "5ms", "--", "sh", "-c", "sleep 0.05; exit 7"],
        7,
    );
    assert_eq!(j["summary"]["exit_code"], 7);
    assert_eq!(j["ended_by"], "completed");
    let (j, _) = json_file_run(&["--interval", "5ms", "--", "sh", "-c", "kill -9 $$"], 137);
    assert_eq!(j["summary"]["exit_signal"], "SIGKILL");
    let (j, _) = json_file_run(&["--", "sh", "-c", "kill -SEGV $$"], 139);
    assert_eq!(j["summary"]["exit_signal"], "SIGSEGV");
    let o = run(&["watch", "-q", "--", "sh", "-c", "exit 7"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
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
    let (j, _) = json_file_run(&["--", "sh", "-c", "exit 5"], 5);
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
    // SIGTERM first; SIGKILL only if it had not ended a second later.
    assert_eq!(j["summary"]["exit_signal"], "SIGTERM");
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
fn unrunnable_command_exits_127_or_126_as_a_shell_does() {
    let o = run(&["watch", "--", "/nonexistent/memlab-test-cmd"]);
    assert_eq!(o.status.code(), Some(127), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot run"), "{}", stderr(&o));
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("not-executable");
    std::fs::write(&plain, "data").unwrap();
    let (j, _) = json_file_run(&["--", plain.to_str().unwrap()], 126);
    // memlab's JSON says the status is not a command's.
    assert_eq!(j["ended_by"], "error");
    assert_eq!(j["summary"]["ended_by"], "exec_failed");
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
    assert!(!dir.path().join("w.csv.partial").exists());
    assert!(rows.len() >= 2, "{} rows", rows.len());
    for pid in children.split_whitespace() {
        let alive = std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
            .map(|c| c.starts_with("sleep"))
            .unwrap_or(false);
        assert!(!alive, "the command {pid} survived memlab");
    }
}

/// Rows of a CSV file (header excluded), counted as a reader would.
fn csv_rows(path: &std::path::Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    rd.records().filter(|r| r.is_ok()).count()
}

fn kill(pid: u32, sig: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), sig);
}

#[test]
fn csv_rows_reach_the_disk_while_sampling_and_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    let partial = dir.path().join("s.csv.partial");
    let mut memlab = Command::new(memlab_path())
        .args(["watch", "-q", "--interval", "10ms", "--csv"])
        .arg(&csv)
        .args(["--", "sleep", "30"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    let at_3s = csv_rows(&partial);
    std::thread::sleep(std::time::Duration::from_secs(2));
    kill(memlab.id(), nix::sys::signal::Signal::SIGKILL);
    memlab.wait().unwrap();
    let after_kill = csv_rows(&partial);
    assert!(at_3s >= 150, "{at_3s} rows on disk after 3 s at 10 ms");
    assert!(
        after_kill >= 300,
        "{after_kill} rows left after SIGKILL at 5 s"
    );
    assert!(!csv.exists(), "PATH is written only when the run ends");
}

#[test]
fn csv_to_stdout_streams_and_a_reader_that_leaves_ends_the_run() {
    use std::io::BufRead;
    let t0 = std::time::Instant::now();
    let mut memlab = Command::new(memlab_path())
        .args([
            "watch",
            "-q",
            "--interval",
            "10ms",
            "--csv",
            "-",
            "--",
            "sleep",
            "20",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(memlab.stdout.take().unwrap()).lines();
    let head: Vec<String> = (&mut lines).take(3).map(|l| l.unwrap()).collect();
    let took = t0.elapsed();
    assert!(head[0].starts_with("t_s,nprocs,"), "{head:?}");
    drop(lines);
    // Like `| head -3`: rows come as taken, and memlab ends (exit 0,
    // the command sent SIGTERM) once the reader has gone.
    assert!(took.as_secs_f64() < 10.0, "first rows after {took:?}");
    let status = memlab.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        t0.elapsed().as_secs_f64() < 15.0,
        "memlab outlived its reader"
    );
}

#[test]
fn an_interrupted_json_has_every_row_and_the_summary_after_them() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("i.json");
    let mut memlab = Command::new(memlab_path())
        .args(["watch", "-q", "--interval", "5ms", "--json"])
        .arg(&json)
        .args(["--", "sleep", "30"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    kill(memlab.id(), nix::sys::signal::Signal::SIGINT);
    assert_eq!(memlab.wait().unwrap().code(), Some(130));
    let text = std::fs::read_to_string(&json).unwrap();
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["ended_by"], "interrupted");
    let taken = j["summary"]["samples_taken"].as_u64().unwrap();
    assert!(taken >= 50, "{taken}");
    assert_eq!(j["rows"].as_array().unwrap().len() as u64, taken);
    let at = |k: &str| text.find(&format!("\n  \"{k}\"")).unwrap();
    assert!(
        at("params") < at("rows") && at("rows") < at("summary") && at("summary") < at("checks")
    );
    // The table's rows are indices into the streamed rows.
    let shown = j["table_rows"].as_array().unwrap();
    assert!(!shown.is_empty() && shown.len() <= 22);
    assert!(shown.iter().all(|i| i.as_u64().unwrap() < taken));
}

/// A child that holds 200 MiB for about 600 ms: dd fills a 200 MiB buffer
/// from /dev/zero, then blocks writing it into a pipe nobody reads.
const HOLD_200M: &str = "dd if=/dev/zero bs=200M count=1 status=none | sleep 0.6; true";

#[test]
fn descendants_count_and_no_children_watches_the_process_alone() {
    let (j, _) = json_file_run(&["--interval", "10ms", "--", "sh", "-c", HOLD_200M], 0);
    let s = &j["summary"];
    let mib = |k: &str| s[k].as_u64().unwrap() as f64 / 1024.0;
    assert!(mib("peak_rss_kib") >= 190.0, "{s}");
    assert!(mib("peak_rss_kernel_kib") >= 190.0, "{s}");
    assert!(s["nprocs_max"].as_u64().unwrap() >= 2, "{s}");
    let (j, _) = json_file_run(
        &[
            "--interval",
            "10ms",
            "--no-children",
            "--",
            "sh",
            "-c",
            HOLD_200M,
        ],
        0,
    );
    let s = &j["summary"];
    assert!(
        (s["peak_rss_kib"].as_u64().unwrap() as f64) < 10.0 * 1024.0,
        "{s}"
    );
    assert!(
        j["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["nprocs"] == 1)
    );
}

#[test]
fn orphans_stay_in_the_tree_and_are_reaped() {
    // The inner shell leaves a sleep behind and exits: the sleep is
    // re-parented to memlab (its subreaper), which reaps it.
    let (j, _) = json_file_run(
        &[
            "--interval",
            "10ms",
            "--",
            "sh",
            "-c",
            "sh -c 'sleep 0.3 &'; sleep 0.9",
        ],
        0,
    );
    assert!(
        j["summary"]["orphans_reaped"].as_u64().unwrap() >= 1,
        "{}",
        j["summary"]
    );
}

#[test]
fn a_single_process_peak_stands_beside_the_kernels() {
    let (j, _) = json_file_run(&["--interval", "5ms", "--", "sleep", "0.3"], 0);
    let s = &j["summary"];
    let sampled = s["peak_rss_kib"].as_u64().unwrap();
    let kernel = s["peak_rss_kernel_kib"].as_u64().unwrap();
    assert!(sampled <= kernel + 64, "{s}");
    let c = check(&j, "sampled_peak_near_kernel_peak");
    assert!(c["verdict"] != "inconclusive", "{c}");
}

#[test]
fn stdout_data_sends_the_commands_stdout_to_stderr() {
    let o = run(&[
        "watch",
        "-q",
        "--csv",
        "-",
        "--",
        "sh",
        "-c",
        "echo from-the-command; sleep 0.1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("t_s,"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("from-the-command"));
    assert!(stderr(&o).contains("from-the-command"));
    let help = stdout(&run(&["watch", "--help"]));
    assert!(help.contains("stdout goes to memlab's stderr"), "{help}");
}

#[test]
fn an_earlier_partial_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("w.csv");
    std::fs::write(dir.path().join("w.csv.partial"), "old rows\n").unwrap();
    let o = run(&[
        "watch",
        "--csv",
        csv.to_str().unwrap(),
        "--",
        "sleep",
        "0.1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("w.csv.partial is there"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("w.csv.partial")).unwrap(),
        "old rows\n"
    );
    assert!(csv_rows(&csv) >= 1);
}

#[test]
fn judge_gives_the_runs_verdicts_again() {
    let dir = tempfile::tempdir().unwrap();
    let run_json = dir.path().join("run.json");
    let o = run(&[
        "watch",
        "-q",
        "--interval",
        "5ms",
        "--json",
        run_json.to_str().unwrap(),
        "--",
        "sleep",
        "0.2",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&run_json).unwrap()).unwrap();
    // Every summary key is derived again, from the measurements alone.
    rejudge::assert_rejudges_the_same(&first);
    let mut stripped = first.clone();
    stripped.as_object_mut().unwrap().remove("summary");
    stripped.as_object_mut().unwrap().remove("checks");
    let stripped_path = dir.path().join("stripped.json");
    std::fs::write(&stripped_path, serde_json::to_vec(&stripped).unwrap()).unwrap();
    let verdicts = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].to_string(), c["verdict"].to_string()))
            .collect()
    };
    for input in [&run_json, &stripped_path] {
        let again = json_run(&["judge", input.to_str().unwrap()], &[0, 3]);
        assert_eq!(verdicts(&again), verdicts(&first));
        assert_eq!(
            again["summary"]["peak_rss_kib"],
            first["summary"]["peak_rss_kib"]
        );
        assert_eq!(
            again["summary"]["peak_rss_kernel_kib"],
            first["summary"]["peak_rss_kernel_kib"]
        );
    }
}

#[test]
fn a_reader_that_does_not_read_costs_dropped_rows_not_a_stall() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("w.json");
    let mut memlab = Command::new(memlab_path())
        .args([
            "watch",
            "-q",
            "--interval",
            "1ms",
            "--duration",
            "8s",
            "--csv",
            "-",
        ])
        .arg("--json")
        .arg(&json)
        .args(["--", "sleep", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Read nothing for longer than the pipe and the queue can hold.
    std::thread::sleep(std::time::Duration::from_secs(9));
    let mut text = String::new();
    memlab
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(memlab.wait().unwrap().code(), Some(0));
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let s = &j["summary"];
    let taken = s["samples_taken"].as_u64().unwrap();
    let dropped = s["rows_dropped"].as_u64().unwrap();
    // Sampling went on while stdout was blocked: the file has every row.
    assert_eq!(j["rows"].as_array().unwrap().len() as u64, taken);
    let read = csv::Reader::from_reader(text.as_bytes()).records().count() as u64;
    assert!(dropped > 0, "{taken} taken, none dropped: {s}");
    assert_eq!(read + dropped, taken, "{read} read + {dropped} dropped");
}

#[test]
fn a_signal_to_memlab_is_passed_to_the_command_first() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("w.json");
    let memlab = Command::new(memlab_path())
        .args(["watch", "-q", "--interval", "10ms", "--json"])
        .arg(&json)
        .args([
            "--",
            "sh",
            "-c",
            "trap 'echo the-command-got-it >&2; exit 5' TERM; while :; do sleep 0.05; done",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    kill(memlab.id(), nix::sys::signal::Signal::SIGTERM);
    let o = memlab.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("the-command-got-it"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(j["ended_by"], "interrupted");
    assert_eq!(j["summary"]["ended_by"], "interrupt");
}

#[test]
fn threads_are_not_processes_of_the_tree() {
    let Some(py) = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("skipped: no python3 to start threads with");
        return;
    };
    // Eight threads start after the first samples (their ids are new pids
    // a look for new processes reads).
    let script = "import threading, time\n\
                  time.sleep(0.3)\n\
                  ts = [threading.Thread(target=time.sleep, args=(0.5,)) for _ in range(8)]\n\
                  [t.start() for t in ts]\n\
                  [t.join() for t in ts]";
    let (j, _) = json_file_run(&["--interval", "5ms", "--", py, "-c", script], 0);
    let s = &j["summary"];
    assert_eq!(s["nprocs_max"], 1, "{s}");
    assert_eq!(s["procs_seen"], 1, "{s}");
}

/// The peak RSS of a memlab that watches `sleep` at 1 ms for `secs`.
fn inner_peak_kib(secs: &str) -> u64 {
    streamed_peak_kib(&[
        "watch",
        "-q",
        "--interval",
        "1ms",
        "--duration",
        secs,
        "--",
        "sleep",
        "5",
    ])
}

#[test]
fn memlab_does_not_grow_with_the_duration() {
    // Before streaming, a 3 s run at 1 ms peaked 3.2 MiB above a 0.5 s one
    // (every row kept, then the whole report built at the end).
    let short = inner_peak_kib("0.5s");
    let long = inner_peak_kib("3s");
    assert!(
        long < short + 1024,
        "peak RSS {short} KiB after 0.5 s, {long} KiB after 3 s of 1 ms sampling"
    );
}
