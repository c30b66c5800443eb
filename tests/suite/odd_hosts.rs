//! Hosts unlike the test machine: /proc mounted with hidepid.
//! Whatever cannot be measured is reported as missing, never as zero.
use crate::common::*;

use std::path::Path;

/// Run memlab as an ordinary user in a private /proc mounted with
/// `hidepid=invisible` (a new pid and mount namespace: the host's /proc is
/// untouched). `None` with a reason where that cannot be set up.
fn run_under_hidepid(args: &[&str]) -> Option<std::process::Output> {
    if !is_root() {
        eprintln!("skipped: mounting a private /proc with hidepid needs root");
        return None;
    }
    let tools = ["/usr/bin/unshare", "/usr/bin/setpriv"];
    if !tools.iter().all(|t| Path::new(t).exists()) {
        eprintln!("skipped: unshare or setpriv is not installed");
        return None;
    }
    let o = std::process::Command::new("/usr/bin/unshare")
        .args(["--pid", "--fork", "--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount -t proc -o hidepid=2 proc /proc || exit 77; \
             grep -q hidepid /proc/mounts || exit 77; \
             exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all -- \"$@\"",
        )
        .arg("sh")
        .arg(memlab_path())
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir("/")
        .output()
        .expect("running unshare");
    if o.status.code() == Some(77) {
        eprintln!("skipped: cannot mount a private /proc here: {}", stderr(&o));
        return None;
    }
    Some(o)
}

#[test]
fn with_hidepid_every_experiment_still_runs_as_an_ordinary_user() {
    for args in EVERY_EXPERIMENT_SMALL {
        let all = with_options(args, &["--json", "-", "-q"]);
        let Some(o) = run_under_hidepid(&all) else {
            return;
        };
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        assert_no_failed_checks(&r);
        // The children's /proc files stay readable to their parent: nothing
        // the run measures about them is left out.
        for c in r["checks"].as_array().unwrap() {
            let m = c["measured"].as_str().unwrap_or_default();
            assert!(!m.contains("could not read"), "{args:?}: {c}");
        }
    }
}

/// Run `script` in sh with `$M` = the memlab binary, in folder `dir`.
fn sh_in(dir: &Path, script: &str) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("M", memlab_path())
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .expect("sh")
}

#[test]
fn a_closed_stdout_is_refused_as_an_output_and_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    for flag in ["--csv", "--json"] {
        let o = sh_in(dir.path(), &format!("exec \"$M\" free {flag} >&-"));
        assert_eq!(o.status.code(), Some(2), "{flag}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
        assert!(stderr(&o).contains("closed"), "{}", stderr(&o));
    }
    // With fd 0, 1 and 2 closed, the file output gets only its JSON (the
    // table went to /dev/null, not into the file that took number 1).
    let o = sh_in(dir.path(), "exec \"$M\" free --json run.json <&- >&- 2>&-");
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(dir.path().join("run.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("only JSON in the file");
    assert_eq!(v["experiment"], "free");
}

#[test]
fn tiny_stack_or_address_space_limits_fail_with_one_line_and_no_core() {
    let dir = tempfile::tempdir().unwrap();
    for (limit, word) in [
        ("ulimit -s 32", "stack"),
        ("ulimit -v 32768", "address-space"),
    ] {
        let o = sh_in(
            dir.path(),
            &format!("ulimit -c unlimited 2>/dev/null; {limit} && exec \"$M\" mmap --size 1M"),
        );
        assert_eq!(o.status.code(), Some(1), "{limit}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
        assert!(stderr(&o).contains(word), "{}", stderr(&o));
    }
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "a core file?");
}

#[test]
fn a_failed_allocation_is_one_line_and_exit_1_not_an_abort() {
    // Test-only hook: ask the allocator for 1 TiB at the start of the run.
    let dir = tempfile::tempdir().unwrap();
    let o = sh_in(
        dir.path(),
        "ulimit -c unlimited 2>/dev/null; MEMLAB_TEST_PAUSE=alloc exec \"$M\" free",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("out of memory"), "{}", stderr(&o));
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "a core file?");
}

#[test]
fn memlab_itself_never_dumps_core_but_keeps_the_hard_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(memlab_path())
        .args(["free", "-q"])
        .env("MEMLAB_TEST_PAUSE", "run")
        .env("MEMLAB_TEST_PAUSE_MS", "5000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let mut buf = [0u8; 64];
    use std::io::Read;
    let _ = err.read(&mut buf); // the pause line
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap()
        .to_string();
    let ours = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_CORE).unwrap();
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(fields[4], "0", "soft limit: {core}");
    let hard = if ours.1 == nix::sys::resource::RLIM_INFINITY {
        "unlimited".to_string()
    } else {
        ours.1.to_string()
    };
    assert_eq!(fields[5], hard, "hard limit kept: {core}");
}

/// A tmpfs of `kib` KiB at a fresh folder (root only), unmounted on drop.
struct SmallFs(tempfile::TempDir);

impl SmallFs {
    fn mount(kib: u64) -> Option<SmallFs> {
        if !is_root() {
            eprintln!("skipped: mounting a small tmpfs needs root");
            return None;
        }
        let d = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "memlab-test"])
            .arg(d.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: mount -t tmpfs failed here");
            return None;
        }
        Some(SmallFs(d))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Fill it up: write until the filesystem says it is full.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path().join("filler")).unwrap();
        let block = vec![0u8; 64 << 10];
        while f.write_all(&block).is_ok() {}
        let _ = f.flush();
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

#[test]
fn a_full_filesystem_is_refused_before_the_run() {
    let Some(fs) = SmallFs::mount(1024) else {
        return;
    };
    fs.fill();
    let out = fs.path().join("run.csv");
    let o = run(&["free", "--csv", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("free on the filesystem"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
    assert_eq!(files_in(fs.path()), vec!["filler".to_string()]);
}

#[test]
fn a_filesystem_that_fills_during_the_run_loses_only_its_own_output() {
    let Some(fs) = SmallFs::mount(2048) else {
        return;
    };
    let other = tempfile::tempdir().unwrap();
    let csv = fs.path().join("run.csv");
    let json = other.path().join("run.json");
    // Test-only hook: memlab pauses after the run, before writing.
    let mut child = std::process::Command::new(memlab_path())
        .args(["free", "--csv", csv.to_str().unwrap()])
        .args(["--json", json.to_str().unwrap()])
        .env("MEMLAB_TEST_PAUSE", "emit")
        .env("MEMLAB_TEST_PAUSE_MS", "2500")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    use std::io::{BufRead, Read};
    err.read_line(&mut first).unwrap();
    assert!(first.contains("test pause at emit"), "{first}");
    fs.fill();
    // The fill is done; memlab goes on when its pause ends.
    let mut rest = String::new();
    let _ = err.read_to_string(&mut rest);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{rest}");
    assert!(rest.contains("could not write --csv"), "{rest}");
    // The JSON and the table were written all the same.
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["experiment"], "free");
    assert!(String::from_utf8_lossy(&out.stdout).contains("memlab free"));
    assert!(!csv.exists());
    assert_eq!(files_in(fs.path()), vec!["filler".to_string()], "temp left");
}

#[test]
fn a_command_under_watch_gets_the_core_limit_memlab_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let o = sh_in(
        dir.path(),
        "ulimit -S -c 2048 2>/dev/null || exit 77; ulimit -c > outside; \
         exec \"$M\" watch -q -- sh -c 'ulimit -c > inside' >/dev/null",
    );
    if o.status.code() == Some(77) {
        eprintln!("skipped: cannot set a soft core limit here");
        return;
    }
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    assert_eq!(read("inside"), read("outside"));
    assert_ne!(read("inside").trim(), "0");
}
