//! The safety guard counts memlab's own cgroup memory limit.
use crate::common::*;

use std::path::PathBuf;

/// memlab's memory cgroup folder as the test process sees it (v1 or v2).
fn own_memory_cgroup() -> Option<PathBuf> {
    let cg = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    for line in cg.lines() {
        let parts: Vec<&str> = line.splitn(3, ':').collect();
        if parts.len() == 3 && parts[1].split(',').any(|c| c == "memory") {
            let p = PathBuf::from("/sys/fs/cgroup/memory").join(parts[2].trim_start_matches('/'));
            return p.join("memory.limit_in_bytes").exists().then_some(p);
        }
    }
    let v2 = cg.lines().find_map(|l| l.strip_prefix("0::"))?;
    let p = PathBuf::from("/sys/fs/cgroup").join(v2.trim_start_matches('/'));
    p.join("memory.max").exists().then_some(p)
}

/// A child cgroup limited to `limit` bytes, removed on drop.
struct Limited(PathBuf);

impl Limited {
    fn new(limit: u64) -> Option<Limited> {
        let parent = own_memory_cgroup()?;
        // One folder per test: the tests of this file run in parallel.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = parent.join(format!("memlab-guard-test-{}-{n}", std::process::id()));
        std::fs::create_dir(&dir).ok()?;
        let me = Limited(dir);
        let file = if me.0.join("memory.limit_in_bytes").exists() {
            "memory.limit_in_bytes"
        } else {
            "memory.max"
        };
        std::fs::write(me.0.join(file), limit.to_string()).ok()?;
        Some(me)
    }
}

impl Drop for Limited {
    fn drop(&mut self) {
        for _ in 0..50 {
            if std::fs::remove_dir(&self.0).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

#[test]
fn a_size_above_half_of_the_cgroup_limit_is_refused() {
    if !is_root() {
        eprintln!("skipped: creating a memory cgroup needs root");
        return;
    }
    let Some(cg) = Limited::new(64 << 20) else {
        eprintln!("skipped: no writable memory cgroup on this host");
        return;
    };
    let bin = memlab_path();
    let sh = |size: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "echo $$ > '{}/cgroup.procs' && exec '{}' mmap --size {size} --populate -q --json -",
                cg.0.display(),
                bin.display()
            ))
            .output()
            .unwrap()
    };
    let refused = sh("48M");
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("cgroup"), "{}", stderr(&refused));
    let ok = sh("8M");
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let r: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(r["meta"]["cgroup_memory_limit_bytes"], 64 << 20);
}

/// memlab's own cgroup limited to 128 MiB: every experiment either runs
/// (its checks hold) or is refused up front by the guard, naming the cgroup;
/// none is OOM-killed, none fails half-way.
#[test]
fn inside_a_small_cgroup_every_experiment_runs_or_is_refused_up_front() {
    if !is_root() {
        eprintln!("skipped: creating a memory cgroup needs root");
        return;
    }
    let Some(cg) = Limited::new(128 << 20) else {
        eprintln!("skipped: no writable memory cgroup on this host");
        return;
    };
    let bin = memlab_path();
    for (args, runs) in [
        ("free", true),
        ("segv --target all", true),
        ("mmap", false),
        ("mmap --size 16M --populate", true),
        ("malloc", true),
        ("isolation", true),
        ("filemap --cold", true),
        ("oom", false),
        ("oom --limit 32M", true),
        ("cow", false),
        ("cow --size 16M", true),
        ("page-table", false),
        ("page-table --size 16M --reserve 4G", true),
        ("hugepage", false),
        ("hugepage --size 16M --forks 3", true),
        ("demand-paging", false),
        (
            "demand-paging --size 16M --rate 64M/s --interval 20ms --hold 200ms",
            true,
        ),
    ] {
        // A system-wide run waits for the machine to itself, as in `run`.
        let words: Vec<&str> = args.split_whitespace().collect();
        let _turn = crate::common::one_at_a_time(&words);
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "echo $$ > '{}/cgroup.procs' && exec '{}' {args} -q --json -",
                cg.0.display(),
                bin.display()
            ))
            .output()
            .unwrap();
        if runs {
            // The failed checks, named, before the exit status that follows.
            if let Ok(r) = serde_json::from_slice::<serde_json::Value>(&o.stdout) {
                assert_no_failed_checks(&r);
            }
            assert_eq!(o.status.code(), Some(0), "{args}: {}", stderr(&o));
        } else {
            assert_eq!(o.status.code(), Some(2), "{args}: {}", stderr(&o));
            assert!(stderr(&o).contains("cgroup"), "{args}: {}", stderr(&o));
            assert!(o.stdout.is_empty(), "{args}");
        }
    }
}

#[test]
fn force_overrides_the_guard() {
    // 100 TiB can never be populated, but without MAP_POPULATE mmap succeeds
    // or fails with ENOMEM (exit 1): either way it is not refused as usage.
    let o = run(&["mmap", "--size", "100T", "--force", "-q"]);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
}
