use crate::common::rejudge;
use crate::common::*;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use memlab::probe::cgroup::MemCgroup;
use serde_json::Value;

/// The tests that make cgroups run one at a time, so that listing the
/// cgroup folders before and after means something.
static CGROUPS: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    CGROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where memlab may create its group: its own memory cgroup (v1, or v2 when
/// it hands memory down) or the parent (v2). memlab runs in the test's cgroup.
fn cgroup_folders() -> Vec<PathBuf> {
    match MemCgroup::current() {
        Some(cg) => {
            let mut v = vec![cg.dir.clone()];
            if let Some(p) = cg.dir.parent() {
                v.push(p.to_path_buf());
            }
            v
        }
        None => Vec::new(),
    }
}

/// memlab's groups present now in those folders.
fn memlab_groups() -> Vec<String> {
    let mut out = Vec::new();
    for d in cgroup_folders() {
        for f in files_in(&d) {
            if f.starts_with(memlab::cgroup_sandbox::PREFIX) {
                out.push(d.join(f).display().to_string());
            }
        }
    }
    out
}

/// memlab's groups whose memlab is no longer running: what a run left
/// behind. A group of a live memlab (another test run on the host at the
/// same time) is not ours to count.
fn groups_left() -> Vec<String> {
    memlab_groups()
        .into_iter()
        .filter(|g| {
            let pid = g
                .rsplit('/')
                .next()
                .and_then(|n| n.strip_prefix(memlab::cgroup_sandbox::PREFIX))
                .unwrap_or_default();
            pid.is_empty() || !std::path::Path::new(&format!("/proc/{pid}")).exists()
        })
        .collect()
}

/// Assert that no group is left now that was not there `before`. A run may
/// remove older stale groups (that is its job), so only new ones count.
fn assert_none_new(before: &[String], what: &str) {
    let new: Vec<String> = groups_left()
        .into_iter()
        .filter(|g| !before.contains(g))
        .collect();
    assert!(new.is_empty(), "{what}: {new:?}");
}

/// Why the physical part did not run, if it did not.
fn physical_skipped(r: &Value) -> Option<String> {
    r["skipped"]
        .as_array()
        .and_then(|a| a.iter().find_map(|s| s.as_str()))
        .filter(|s| s.starts_with("physical"))
        .map(String::from)
}

#[test]
fn physical_child_is_oom_killed_at_the_limit_and_no_cgroup_is_left() {
    let _g = lock();
    let before = groups_left();
    let r = json_run(&["oom", "--part", "physical", "--limit", "32M"], &[0]);
    assert_none_new(&before, "a memlab cgroup was left behind");
    if let Some(why) = physical_skipped(&r) {
        assert!(
            !is_root() || r["meta"]["panic_on_oom"] != 0,
            "root, yet: {why}"
        );
        eprintln!("skipping: the physical part cannot run here: {why}");
        return;
    }
    let s = &r["summary"];
    assert_eq!(s["physical_signal"], "SIGKILL", "{s}");
    // Read back from the child's /proc/PID/oom_score_adj after it set it.
    assert_eq!(s["oom_score_adj"], 1000, "{s}");
    let limit_kib = 32.0 * 1024.0;
    let touched = s["physical_touched_kib"].as_f64().unwrap();
    assert!(
        (0.75 * limit_kib..=1.05 * limit_kib).contains(&touched),
        "killed after touching {touched} KiB of a {limit_kib} KiB limit"
    );
    if let Some(peak) = s["cgroup_peak_kib"].as_f64() {
        assert!(
            peak <= limit_kib,
            "the group held {peak} KiB, over its limit"
        );
        assert!(
            peak >= 0.9 * limit_kib,
            "the group peaked at only {peak} KiB"
        );
    }
    match s["oom_kill_count"].as_u64() {
        Some(n) => assert!(n >= 1, "oom_kill counted {n}"),
        None => assert!(check(&r, "oom_kill_counted")["holds"].is_null()),
    }
    assert_eq!(s["cgroup_removed"], true);
    let dir = s["cgroup_dir"].as_str().unwrap();
    assert!(!std::path::Path::new(dir).exists(), "{dir} still exists");
    // System-wide: loosely. Other processes move MemAvailable meanwhile.
    let a0 = s["mem_available_before_kib"].as_f64().unwrap();
    let a1 = s["mem_available_after_kib"].as_f64().unwrap();
    assert!(
        a1 > a0 - 256.0 * 1024.0,
        "MemAvailable {a0} KiB before, {a1} KiB after"
    );
    assert_eq!(check(&r, "physical_child_killed_by_sigkill")["holds"], true);
    assert_eq!(check(&r, "physical_killed_at_the_limit")["holds"], true);
    assert_no_failed_checks(&r);
}

#[test]
fn physical_rows_sample_the_child_until_it_is_killed() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("oom.csv");
    let o = run(&[
        "oom",
        "--limit",
        "32M",
        "--as-headroom",
        "64M",
        "-q",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = read_csv(&csv);
    let virt: Vec<_> = rows.iter().filter(|r| r["part"] == "virtual").collect();
    assert_eq!(virt.len(), 1);
    assert_eq!(virt[0]["event"], "enomem");
    assert!(virt[0]["outcome"].starts_with("ENOMEM"));
    assert_eq!(num(virt[0], "reserved_kib") % 1024.0, 0.0);
    let phys: Vec<_> = rows.iter().filter(|r| r["part"] == "physical").collect();
    if phys.is_empty() {
        eprintln!("skipping the physical rows: the physical part cannot run here");
        return;
    }
    let events: Vec<&str> = phys.iter().map(|r| r["event"].as_str()).collect();
    // Several readings of system memory before the child starts and after
    // its group is removed: the host's background.
    assert_eq!(&events[..9], &["before"; 9]);
    assert_eq!(
        &events[events.len() - 10..],
        &[&["ended"][..], &["after"; 9]].concat()[..]
    );
    for r in phys
        .iter()
        .filter(|r| r["event"] == "before" || r["event"] == "after")
    {
        for col in [
            "mem_used_adj_kib",
            "anon_pages_kib",
            "cached_kib",
            "own_kib",
            "others_kib",
        ] {
            num(r, col);
        }
    }
    let samples: Vec<_> = phys.iter().filter(|r| r["event"] == "sample").collect();
    assert!(samples.len() >= 3, "only {} samples", samples.len());
    let touched: Vec<f64> = samples.iter().map(|r| num(r, "touched_kib")).collect();
    assert!(touched.windows(2).all(|w| w[0] <= w[1]), "{touched:?}");
    for (i, s) in samples.iter().enumerate() {
        let usage = num(s, "cgroup_usage_kib");
        assert!(
            usage <= 32.0 * 1024.0,
            "cgroup usage {usage} KiB over the limit"
        );
        // At least 1000 with oom_score_adj 1000 (whatever the kernel's
        // scale); the last sample may catch the victim already reaped,
        // whose score reads 0.
        let score = num(s, "oom_score");
        let last = i + 1 == samples.len();
        assert!(
            score >= 1000.0 || (last && score == 0.0),
            "oom_score {score} in sample {i}: oom_score_adj 1000 not in effect"
        );
    }
    let ended = phys.iter().find(|r| r["event"] == "ended").unwrap();
    assert_eq!(ended["outcome"], "killed by SIGKILL");
}

#[test]
fn virtual_child_gets_enomem_at_its_limit_and_survives() {
    let r = json_run(&["oom", "--part", "virtual", "--as-headroom", "64M"], &[0]);
    let s = &r["summary"];
    assert_eq!(s["virtual_errno"], "ENOMEM");
    assert_eq!(s["virtual_exit_code"], 0);
    let limit_kib = s["virtual_as_limit_bytes"].as_f64().unwrap() / 1024.0;
    let vsz = s["virtual_vsz_at_enomem_kib"].as_f64().unwrap();
    assert!(
        vsz <= limit_kib && limit_kib - vsz < 1024.0,
        "VSZ {vsz} KiB at ENOMEM, limit {limit_kib} KiB"
    );
    let reserved = s["virtual_reserved_bytes"].as_f64().unwrap() / 1024.0;
    assert!(
        (62.0 * 1024.0..=64.0 * 1024.0).contains(&reserved),
        "reserved {reserved} KiB of 64 MiB headroom"
    );
    // Reserved, not touched.
    let rss = s["virtual_rss_at_enomem_kib"].as_f64().unwrap();
    assert!(rss < 16.0 * 1024.0, "RSS {rss} KiB");
    assert!(physical_skipped(&r).is_none());
    assert!(r["summary"].get("physical_signal").is_none());
    assert_no_failed_checks(&r);
}

#[test]
fn unprivileged_user_gets_the_physical_part_refused_and_the_virtual_part_run() {
    let _g = lock();
    let bin = env!("CARGO_BIN_EXE_memlab");
    let mut cmd = if is_root() {
        if std::process::Command::new("setpriv")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("skipping: running as root and setpriv is not installed");
            return;
        }
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin]);
        c
    } else {
        std::process::Command::new(bin)
    };
    let before = groups_left();
    let o = cmd
        .args([
            "oom",
            "--limit",
            "32M",
            "--as-headroom",
            "64M",
            "--json",
            "-",
            "-q",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("running memlab");
    assert_none_new(&before, "a memlab cgroup was left behind");
    let code = o.status.code();
    if is_root() && code == Some(1) && stderr(&o).contains("ermission denied") {
        eprintln!(
            "skipping: user 65534 cannot run the test binary here: {}",
            stderr(&o)
        );
        return;
    }
    assert_eq!(code, Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["summary"]["virtual_errno"], "ENOMEM");
    assert_eq!(check(&r, "virtual_child_survives")["holds"], true);
    match physical_skipped(&r) {
        Some(why) => {
            assert!(!why.contains('\n'), "one line: {why}");
            assert!(
                why.contains("root") || why.contains("Delegate") || why.contains("panic_on_oom"),
                "says what would make it possible: {why}"
            );
            assert!(r["summary"].get("physical_signal").is_none());
        }
        None => {
            // A delegated cgroup: then it must have been contained and killed.
            assert!(!is_root(), "user 65534 created a memory cgroup");
            assert_eq!(r["summary"]["physical_signal"], "SIGKILL");
        }
    }
}

/// Start a slow physical run, wait for its cgroup, send `sig`.
fn interrupt_physical(sig: nix::sys::signal::Signal) {
    use std::process::{Command, Stdio};
    let _g = lock();
    let before = groups_left();
    let mut child = Command::new(memlab_path())
        .args([
            "oom", "--part", "physical", "--limit", "32M", "--rate", "4M/s", "--json", "-", "-q",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning memlab");
    let name = format!("{}{}", memlab::cgroup_sandbox::PREFIX, child.id());
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = false;
    while Instant::now() < deadline {
        if memlab_groups().iter().any(|g| g.ends_with(&name)) {
            seen = true;
            break;
        }
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if !seen {
        let o = child.wait_with_output().unwrap();
        let r: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
        assert!(
            physical_skipped(&r).is_some(),
            "no cgroup appeared and the physical part was not skipped: {}",
            stderr(&o)
        );
        eprintln!("skipping: the physical part cannot run here");
        return;
    }
    // Let the child touch some memory first.
    std::thread::sleep(Duration::from_millis(500));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert_none_new(&before, "the cgroup was left behind");
    let r: Value = serde_json::from_slice(&o.stdout).expect("the partial report is written");
    assert_eq!(r["interrupted"], true);
}

#[test]
fn sigint_during_the_physical_part_leaves_no_cgroup() {
    interrupt_physical(nix::sys::signal::Signal::SIGINT);
}

#[test]
fn sigterm_during_the_physical_part_leaves_no_cgroup() {
    interrupt_physical(nix::sys::signal::Signal::SIGTERM);
}

#[test]
fn limit_above_the_guard_is_a_usage_error() {
    let o = run(&["oom", "--limit", "100T", "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let o = run(&["oom", "--limit", "lots"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_group_left_by_a_killed_memlab_is_removed_by_the_next_run() {
    use std::process::{Command, Stdio};
    let _g = lock();
    let before = groups_left();
    let mut child = Command::new(memlab_path())
        .args([
            "oom", "--part", "physical", "--limit", "32M", "--rate", "4M/s", "-q",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawning memlab");
    let name = format!("{}{}", memlab::cgroup_sandbox::PREFIX, child.id());
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline && !memlab_groups().iter().any(|g| g.ends_with(&name)) {
        if let Ok(Some(_)) = child.try_wait() {
            eprintln!("skipping: the physical part cannot run here");
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL cannot be caught: this is the one way to skip the cleanup.
    child.kill().unwrap();
    child.wait().unwrap();
    let left: Vec<String> = memlab_groups()
        .into_iter()
        .filter(|g| g.ends_with(&name))
        .collect();
    assert_eq!(
        left.len(),
        1,
        "the killed memlab's group should still be there"
    );
    // Its child dies with it (PDEATHSIG), as an orphan that init must reap
    // before the group is empty; wait for that.
    let procs = PathBuf::from(&left[0]).join("cgroup.procs");
    let empty = || {
        std::fs::read_to_string(&procs)
            .unwrap_or_default()
            .trim()
            .is_empty()
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline && !empty() {
        std::thread::sleep(Duration::from_millis(20));
    }
    if !empty() {
        eprintln!("skipping: the killed memlab's orphaned child was not reaped within 15 s");
        // Leave nothing behind all the same: remove the group once empty.
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline && std::fs::remove_dir(&left[0]).is_err() {
            std::thread::sleep(Duration::from_millis(100));
        }
        return;
    }
    json_run(&["oom", "--part", "physical", "--limit", "16M"], &[0]);
    assert!(
        !memlab_groups().iter().any(|g| g.ends_with(&name)),
        "the stale group was not removed"
    );
    assert_none_new(&before, "a memlab cgroup was left behind");
}

#[test]
fn judge_gives_the_runs_verdicts_again_even_without_summary_and_checks() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oom.json");
    let o = run(&[
        "oom",
        "--limit",
        "32M",
        "--as-headroom",
        "64M",
        "-q",
        "--json",
        path.to_str().unwrap(),
    ]);
    let code = o.status.code().unwrap();
    assert!(matches!(code, 0 | 3), "{}", stderr(&o));
    let ran: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(rejudge::verdicts(&ran).len() >= 3);
    rejudge::assert_rejudges_the_same(&ran);
    let mut bare = ran.clone();
    bare.as_object_mut().unwrap().remove("summary");
    bare.as_object_mut().unwrap().remove("checks");
    // The physical child survived (it never reached the limit) on rows that
    // are otherwise the run's: the checks say so, judge exits 3.
    if ran["measurements"]["physical_touched_bytes"].is_number() {
        let mut bad = bare.clone();
        bad["measurements"]["physical_signal"] = Value::Null;
        bad["measurements"]["physical_exit_code"] = serde_json::json!(13);
        std::fs::write(&path, serde_json::to_vec(&bad).unwrap()).unwrap();
        let again = json_run(&["judge", path.to_str().unwrap()], &[3]);
        assert_eq!(
            check(&again, "physical_child_killed_by_sigkill")["verdict"],
            "fails"
        );
    }
}

#[test]
fn an_inherited_address_space_limit_skips_the_physical_part_in_one_line() {
    let _g = lock();
    let before = groups_left();
    let cmd = format!(
        "ulimit -v 200000 && exec {} oom --limit 64M --as-headroom 64M --json - -q",
        memlab_path().display()
    );
    let o = std::process::Command::new("sh")
        .args(["-c", &cmd])
        .output()
        .expect("running sh");
    assert_none_new(&before, "a memlab cgroup was left behind");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let why = physical_skipped(&r).expect("the physical part was not skipped");
    assert!(!why.contains('\n'), "{why}");
    if r["meta"]["panic_on_oom"] == 0 {
        assert!(
            why.contains("RLIMIT_AS") && why.contains("ulimit -v"),
            "{why}"
        );
        assert!(
            why.contains("200000 KiB"),
            "names the inherited limit: {why}"
        );
    }
    // The virtual part ran under it, and nothing failed.
    assert_eq!(r["summary"]["virtual_errno"], "ENOMEM");
    assert!(
        !rejudge::verdicts(&r)
            .iter()
            .any(|(n, _)| n.starts_with("physical"))
    );
    assert_no_failed_checks(&r);
}

/// Where this memlab would create its groups (root only), if anywhere.
fn group_base() -> Option<PathBuf> {
    if !is_root() {
        return None;
    }
    let own = MemCgroup::current()?;
    memlab::cgroup_sandbox::base_for(&own).ok().map(|(b, _)| b)
}

#[test]
fn a_stale_group_named_after_a_live_pid_is_swept_and_announced_even_by_the_virtual_part() {
    let _g = lock();
    let Some(base) = group_base() else {
        eprintln!("skipping: needs root and a memory cgroup");
        return;
    };
    // Pid 1 is alive: a sweep by pid liveness would never remove this.
    let stale = base.join(format!("{}1", memlab::cgroup_sandbox::PREFIX));
    let _ = std::fs::create_dir(&stale);
    // A group whose lock is held stands for one in use: it stays.
    let held = base.join(format!("{}2", memlab::cgroup_sandbox::PREFIX));
    let _ = std::fs::create_dir(&held);
    let lock = memlab::cgroup_sandbox::lock_group(&held).expect("locking");
    let r = json_run(&["oom", "--part", "virtual", "--as-headroom", "64M"], &[0]);
    let held_stayed = held.exists();
    drop(lock);
    let _ = std::fs::remove_dir(&held);
    assert!(!stale.exists(), "the stale group was not swept");
    let _ = std::fs::remove_dir(&stale);
    assert!(held_stayed, "a group in use (locked) was swept");
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("removed the cgroup") && notes.contains(&stale.display().to_string()),
        "{notes}"
    );
}

#[test]
fn an_interval_below_a_millisecond_is_a_usage_error() {
    for i in ["1ns", "999us"] {
        let o = run(&["oom", "--interval", i, "-q"]);
        assert_eq!(o.status.code(), Some(2), "{i}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
}

#[test]
fn a_child_killed_by_someone_else_keeps_the_samples_and_fails_the_oom_claims() {
    use std::process::{Command, Stdio};
    let _g = lock();
    if group_base().is_none() {
        eprintln!("skipping: needs root and a memory cgroup");
        return;
    }
    let before = groups_left();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oom.json");
    let memlab = Command::new(memlab_path())
        .args([
            "oom", "--part", "physical", "--limit", "64M", "--rate", "16M/s", "-q", "--json",
        ])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning memlab");
    let pid = memlab.id();
    let procs_of = |g: &str| {
        std::fs::read_to_string(PathBuf::from(g).join("cgroup.procs")).unwrap_or_default()
    };
    let name = format!("{}{pid}", memlab::cgroup_sandbox::PREFIX);
    let deadline = Instant::now() + Duration::from_secs(15);
    let child = loop {
        let group = memlab_groups().into_iter().find(|g| g.ends_with(&name));
        if let Some(c) =
            group.and_then(|g| procs_of(&g).split_whitespace().next().map(String::from))
        {
            break c.parse::<i32>().unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "the child never joined its group"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    // Let it sample a little, then kill it from outside the group.
    std::thread::sleep(Duration::from_millis(300));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let o = memlab.wait_with_output().unwrap();
    assert_none_new(&before, "a memlab cgroup was left behind");
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let samples = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event"] == "sample")
        .count();
    assert!(samples >= 3, "{samples} samples kept");
    // SIGKILL, but far below the limit and not by the OOM killer.
    assert_eq!(
        check(&r, "physical_killed_at_the_limit")["verdict"],
        "fails"
    );
    assert_eq!(check(&r, "oom_kill_counted")["verdict"], "fails");
}
