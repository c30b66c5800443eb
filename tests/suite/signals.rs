//! Signals and broken pipes: what was measured is written, nothing is lost.
use crate::common::*;

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

/// Run memlab with its stdout a pipe whose reading end is closed before it
/// writes (every write gets EPIPE); its exit code and stderr.
fn run_with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(memlab_path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), err)
}

#[test]
fn a_closed_pipe_on_stdout_ends_quietly() {
    let (code, err) =
        run_with_closed_stdout(&["free", "--watch", "1ms", "--count", "3000", "--csv", "-"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}

/// The processes whose parent is `pid`, and theirs (from /proc/*/stat).
fn descendants(pid: i32) -> Vec<i32> {
    let mut parent_of = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // The command may hold spaces and parentheses: fields follow the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|x| x.1) else {
            continue;
        };
        if let Some(ppid) = rest
            .split_whitespace()
            .nth(1)
            .and_then(|f| f.parse::<i32>().ok())
        {
            parent_of.push((p, ppid));
        }
    }
    let mut out = vec![];
    let mut frontier = vec![pid];
    while let Some(q) = frontier.pop() {
        for &(c, pp) in &parent_of {
            if pp == q && !out.contains(&c) {
                out.push(c);
                frontier.push(c);
            }
        }
    }
    out
}

/// A process that still exists and is not a zombie waiting for its reaper.
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => s
            .rsplit_once(')')
            .and_then(|x| x.1.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// Assert every pid in `pids` is gone within a second.
fn assert_gone_soon(pids: &[i32], what: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    loop {
        let left: Vec<i32> = pids.iter().copied().filter(|&p| alive(p)).collect();
        if left.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: children {left:?} still alive a second after memlab ended"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether a memory cgroup named `memlab-oom-<pid>` exists anywhere.
fn cgroup_left(pid: u32) -> Option<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, name: &str, depth: u32) -> Option<std::path::PathBuf> {
        if depth > 8 {
            return None;
        }
        for e in std::fs::read_dir(dir).ok()?.flatten() {
            let ft = e.file_type().ok()?;
            if !ft.is_dir() || ft.is_symlink() {
                continue;
            }
            if e.file_name().to_str() == Some(name) {
                return Some(e.path());
            }
            if let Some(p) = walk(&e.path(), name, depth + 1) {
                return Some(p);
            }
        }
        None
    }
    walk(
        std::path::Path::new("/sys/fs/cgroup"),
        &format!("memlab-oom-{pid}"),
        0,
    )
}

/// Run `args` with --csv/--json into a fresh folder (also its TMPDIR), send
/// `sig` after `after`, and check everything the issue promises: it ends
/// within a fraction of a second, exits 130, its children are gone, its
/// temporary files and cgroup are removed, and both files parse and say
/// "interrupted". Returns false when the run ended before the signal came.
fn interrupt_and_check(args: &[&str], after: Duration, sig: nix::sys::signal::Signal) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("o.csv");
    let json = dir.path().join("o.json");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut child = Command::new(memlab_path())
        .args(args)
        .args([
            "-q",
            "--csv",
            csv.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ])
        .env("TMPDIR", &tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    std::thread::sleep(after);
    let kids = descendants(pid);
    if nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).is_err() {
        child.wait().unwrap();
        return false;
    }
    let sent = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(3),
            "memlab {args:?} still running 3 s after {sig}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = sent.elapsed();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_gone_soon(&kids, &format!("{args:?} after {sig}"));
    assert_eq!(
        files_in(&tmp),
        Vec::<String>::new(),
        "{args:?}: temporary files left after {sig}"
    );
    assert_eq!(
        cgroup_left(pid as u32),
        None,
        "{args:?}: cgroup left after {sig}"
    );
    let code = status.code();
    eprintln!("memlab {args:?}: {sig} after {after:?}: exit {code:?} in {took:?}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = read_csv(&csv);
    assert_eq!(r["rows"].as_array().unwrap().len(), rows.len(), "{args:?}");
    if code == Some(130) {
        assert_eq!(r["interrupted"], true, "{args:?} after {sig}");
        // A fraction of a second; generous for a loaded 2-core test machine.
        assert!(
            took < Duration::from_millis(1500),
            "{args:?}: took {took:?} after {sig}"
        );
        true
    } else {
        // The signal came as memlab was finishing: it still wrote everything.
        assert_eq!(r["interrupted"], false, "{args:?} exited {code:?}: {err}");
        false
    }
}

use nix::sys::signal::Signal::{SIGINT, SIGTERM};

#[test]
fn sigint_or_sigterm_at_any_moment_of_cow_cleans_up_and_exits_130() {
    for (ms, sig) in [(150, SIGINT), (600, SIGTERM), (1500, SIGINT)] {
        assert!(
            interrupt_and_check(&["cow", "--size", "1G"], Duration::from_millis(ms), sig)
                || ms > 1000,
            "cow ended before {ms} ms"
        );
    }
}

#[test]
fn sigint_during_page_table_and_hugepage_cleans_up_and_exits_130() {
    // The early signals land while the children are still touching; the
    // late ones may find the run finished, which is checked as well.
    for (args, ms, early) in [
        (
            &["page-table", "--size", "512M", "--reserve", "64G"][..],
            100,
            true,
        ),
        (
            &["page-table", "--size", "1G", "--reserve", "64G"],
            400,
            false,
        ),
        (&["hugepage", "--size", "256M", "--forks", "50"], 200, true),
        (&["hugepage", "--size", "256M", "--forks", "50"], 900, false),
    ] {
        assert!(
            interrupt_and_check(args, Duration::from_millis(ms), SIGINT) || !early,
            "{args:?} ended before {ms} ms"
        );
    }
}

#[test]
fn sigint_during_oom_removes_its_cgroup_and_kills_its_children() {
    for (ms, sig) in [(50, SIGINT), (300, SIGTERM)] {
        assert!(interrupt_and_check(
            &["oom", "--limit", "64M", "--rate", "32M/s"],
            Duration::from_millis(ms),
            sig
        ));
    }
}

#[test]
fn sigint_during_filemap_removes_its_test_file() {
    for ms in [50, 400, 900] {
        assert!(
            interrupt_and_check(
                &["filemap", "--size", "512M", "--cold"],
                Duration::from_millis(ms),
                SIGINT,
            ) || ms > 50,
            "filemap ended before {ms} ms"
        );
    }
}

#[test]
fn sigint_during_isolation_and_malloc_exits_130() {
    assert!(
        interrupt_and_check(
            &["isolation", "--region", "1G"],
            Duration::from_millis(300),
            SIGINT,
        ),
        "isolation ended before 300 ms"
    );
    assert!(
        interrupt_and_check(
            &["malloc", "--blocks", "1000000"],
            Duration::from_millis(200),
            SIGTERM,
        ),
        "malloc ended before 200 ms"
    );
}

/// SIGKILL cannot be caught: memlab's children still die with it
/// (PR_SET_PDEATHSIG), so none is left running.
#[test]
fn sigkill_of_memlab_takes_its_children_with_it() {
    for args in [
        &["cow", "--size", "1G"][..],
        &["hugepage", "--size", "256M", "--forks", "200"],
        &[
            "oom", "--limit", "64M", "--rate", "16M/s", "--part", "physical",
        ],
        &["demand-paging", "--size", "64M", "--rate", "16M/s"],
        &["watch", "--", "sleep", "30"],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("o.json");
        let mut child = Command::new(memlab_path())
            .args(with_options(
                args,
                &["-q", "--json", json.to_str().unwrap()],
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        // Wait until memlab has a child of its own.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let kids = loop {
            let k = descendants(pid);
            if !k.is_empty() {
                break k;
            }
            if child.try_wait().unwrap().is_some() || std::time::Instant::now() > deadline {
                panic!("memlab {args:?} never forked a child");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        child.wait().unwrap();
        assert_gone_soon(&kids, &format!("{args:?} after SIGKILL"));
    }
}

/// `memlab EXP --csv | head -1` for experiments that write their rows at the
/// end, and the human table into a closed pipe: exit 0, nothing on stderr
/// but narration.
#[test]
fn a_closed_pipe_ends_every_kind_of_output_quietly() {
    for args in [
        &["cow", "--size", "16M", "-q", "--csv"][..],
        &["isolation", "--region", "64M", "-q", "--csv"],
        &["oom", "--limit", "32M", "-q", "--json"],
        &["segv", "--target", "all", "-q"],
        &["explain", "cow"],
        &["list"],
    ] {
        let (code, err) = run_with_closed_stdout(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe") && !err.contains("error"),
            "{args:?}: {err}"
        );
    }
}

/// SIGKILL skips every cleanup: the test folder of filemap and the cgroup of
/// oom stay behind. The next run of the same experiment removes them.
#[test]
fn what_a_sigkill_leaves_behind_the_next_run_removes() {
    let dir = tempfile::tempdir().unwrap();
    let kill_mid_run = |args: &[&str], ready: &dyn Fn(i32) -> bool| -> i32 {
        let mut child = Command::new(memlab_path())
            .args(args)
            .arg("-q")
            .env("TMPDIR", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !ready(pid) {
            assert!(child.try_wait().unwrap().is_none(), "{args:?} ended first");
            assert!(
                std::time::Instant::now() < deadline,
                "{args:?} never got ready"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        child.wait().unwrap();
        pid
    };

    kill_mid_run(&["filemap", "--size", "512M", "--cold"], &|_| {
        !files_in(dir.path()).is_empty()
    });
    assert_eq!(
        files_in(dir.path()).len(),
        1,
        "the killed run left its folder"
    );
    let o = memlab()
        .args(["filemap", "-q", "--json", "-"])
        .env("TMPDIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files_in(dir.path()), Vec::<String>::new());

    if !is_root() {
        eprintln!("skipped: the oom cgroup part needs root");
        return;
    }
    let pid = kill_mid_run(
        &[
            "oom", "--part", "physical", "--limit", "64M", "--rate", "16M/s",
        ],
        &|pid| cgroup_left(pid as u32).is_some() && !descendants(pid).is_empty(),
    );
    let left = cgroup_left(pid as u32);
    if left.is_none() {
        return;
    }
    // The killed group's child died with memlab (PDEATHSIG); the group is
    // empty and is removed by the next run.
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        let o = run(&[
            "oom", "--part", "physical", "--limit", "32M", "-q", "--json", "-",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        if cgroup_left(pid as u32).is_none() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{left:?} still there after the next run"
        );
    }
}

/// Ctrl-C in a terminal signals memlab's whole process group, children
/// included: a child killed by it is not reported as a result.
#[test]
fn ctrl_c_to_the_whole_group_reports_no_child_killed_by_it() {
    use std::os::unix::process::CommandExt;
    for (args, ms) in [
        (&["oom", "--limit", "64M", "--rate", "64M/s"][..], 200),
        (&["cow", "--size", "1G"], 300),
        (&["hugepage", "--size", "256M", "--forks", "50"], 200),
        (&["demand-paging", "--size", "64M", "--rate", "16M/s"], 1500),
        (&["watch", "--", "sleep", "30"], 300),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("o.json");
        let json_arg = json.to_str().unwrap();
        let mut child = Command::new(memlab_path())
            .args(with_options(args, &["-q", "--json", json_arg]))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        )
        .unwrap();
        let code = child.wait().unwrap().code();
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        if code == Some(130) {
            assert_eq!(r["interrupted"], true, "{args:?}");
        }
        assert_no_failed_checks(&r);
        let text = r.to_string();
        assert!(
            !text.contains("SIGINT"),
            "{args:?}: a child killed by SIGINT is reported: {text}"
        );
    }
}

/// Start memlab paused at test-only stage `stage` (MEMLAB_TEST_PAUSE), wait
/// until it says so on stderr; the child and the rest of its stderr.
fn start_paused(
    args: &[&str],
    stage: &str,
    dir: &std::path::Path,
) -> (
    std::process::Child,
    std::io::BufReader<std::process::ChildStderr>,
) {
    use std::io::BufRead;
    let mut child = Command::new(memlab_path())
        .args(args)
        .env("MEMLAB_TEST_PAUSE", stage)
        .env("MEMLAB_TEST_PAUSE_MS", "10000")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("test pause at"), "{line}");
    (child, err)
}

fn send(child: &std::process::Child, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
}

#[test]
fn sighup_and_sigquit_end_a_run_like_sigterm_without_a_core() {
    use nix::sys::signal::Signal;
    for sig in [Signal::SIGHUP, Signal::SIGQUIT] {
        let dir = tempfile::tempdir().unwrap();
        // A core would land in the working folder under the default
        // core_pattern; memlab's own soft limit is 0 whatever it inherits.
        let (mut child, _err) = start_paused(
            &["cow", "--size", "8M", "-q", "--json", "c.json"],
            "run",
            dir.path(),
        );
        send(&child, sig);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{sig}");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("c.json")).unwrap())
                .unwrap();
        assert_eq!(v["ended_by"], "interrupted", "{sig}");
        assert_eq!(v["interrupted"], true);
        assert_eq!(files_in(dir.path()), vec!["c.json".to_string()], "{sig}");
    }
}

#[test]
fn ended_by_says_how_the_run_ended() {
    let v = json_run(&["free"], &[0]);
    assert_eq!(v["ended_by"], "completed");
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _err) = start_paused(
        &[
            "free", "--watch", "10ms", "--count", "5", "--json", "f.json",
        ],
        "run",
        dir.path(),
    );
    send(&child, nix::sys::signal::Signal::SIGINT);
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("f.json")).unwrap()).unwrap();
    assert_eq!(v["ended_by"], "interrupted");
}

/// The kernel functions a process's threads sleep in (a streamed output
/// is written by a thread of its own).
fn wchan(pid: u32) -> String {
    let mut all = String::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            all.push_str(&std::fs::read_to_string(t.path().join("wchan")).unwrap_or_default());
            all.push(' ');
        }
    }
    all
}

#[test]
fn a_signal_ends_a_write_blocked_on_a_pipe_nobody_reads() {
    use nix::sys::signal::Signal;
    // ~250 KiB of CSV into a pipe of 64 KiB that is never read: streamed
    // by a writer thread (free --watch), or written at the end by the main
    // thread (faults).
    let runs: [&[&str]; 2] = [
        &["free", "--watch", "1ms", "--count", "3000", "--csv", "-"],
        &[
            "faults", "--size", "16M", "--kinds", "anon", "--rounds", "3", "--csv", "-",
        ],
    ];
    for (sig, args) in [Signal::SIGTERM, Signal::SIGINT]
        .into_iter()
        .flat_map(|s| runs.iter().map(move |a| (s, *a)))
    {
        let mut child = Command::new(memlab_path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t0 = std::time::Instant::now();
        while !wchan(child.id()).contains("pipe_write") {
            assert!(t0.elapsed() < Duration::from_secs(60), "never blocked");
            std::thread::sleep(Duration::from_millis(20));
        }
        send(&child, sig);
        let t1 = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(
                t1.elapsed() < Duration::from_secs(2),
                "{args:?} still blocked 2 s after {sig}"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        // Interrupted: never 0, although nothing but the write was left.
        assert_eq!(status.code(), Some(130), "{args:?} {sig}");
    }
}

#[test]
fn sigterm_ends_mmap_populate_of_gigabytes_at_once() {
    let mut child = Command::new(memlab_path())
        .args(["mmap", "--size", "2G", "--populate", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    if let Some(s) = child.try_wait().unwrap() {
        // The guard refused 2 GiB on a small host (exit 2): nothing to time.
        assert_eq!(s.code(), Some(2));
        eprintln!("skipped: 2 GiB is more than half of what is available here");
        return;
    }
    send(&child, nix::sys::signal::Signal::SIGTERM);
    let t0 = std::time::Instant::now();
    let status = child.wait().unwrap();
    let took = t0.elapsed();
    eprintln!("mmap --populate 2G ended {took:?} after SIGTERM");
    assert_eq!(status.code(), Some(130));
    assert!(took < Duration::from_millis(1000), "took {took:?}");
}
