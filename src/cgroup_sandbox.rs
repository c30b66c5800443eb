//! A throwaway memory cgroup for a child that is meant to run out of memory.
//!
//! The kernel enforces a memory cgroup's limit on its own: when the pages
//! charged to the group reach the limit and nothing can be reclaimed (no swap
//! for it), the OOM killer runs *inside the group* and picks a victim among
//! its tasks only. That is what keeps `memlab oom` from ever pressing on the
//! rest of the host.
//!
//! This module creates such a group beside memlab (v1: a sub-folder of
//! memlab's memory cgroup; v2: a sub-folder of memlab's cgroup when its
//! `cgroup.subtree_control` hands the memory controller down, otherwise a
//! sibling, because of v2's "no internal processes" rule), sets the limit
//! with swap off, lets the child join it, reads its OOM counters, and removes
//! it again — from `Drop` too, after killing and reaping the child, so an
//! error or Ctrl-C never leaves a group behind.
//!
//! While a group is in use, memlab holds an exclusive `flock` on the group's
//! folder itself (the child inherits it across fork, so the lock lives as
//! long as either does). A group nobody holds a lock on was left by a memlab
//! killed with SIGKILL: the next run removes it ([`sweep_stale`]) and says
//! so. Locks, not pid liveness: a pid is reused, a lock dies with its
//! holders.
//!
//! The file handling takes folder paths, so the v2 logic is tested against a
//! fake cgroup folder in a temporary directory.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::fcntl::{Flock, FlockArg};

use crate::probe::cgroup::{MemCgroup, Version, peak_bytes, usage_bytes};
// The group's counters are read in probe/; re-exported here, where they
// were first, so callers keep their paths.
pub use crate::probe::cgroup::{OomCounters, keyed, read_counters_v1, read_counters_v2};
use crate::probe::read_u64;
use crate::sys::Child;

/// Folder names memlab gives its groups: `memlab-oom-<memlab pid>`.
pub const PREFIX: &str = "memlab-oom-";

/// A memory cgroup memlab created, with the child inside it (once adopted).
/// Dropping it kills and reaps the child, then removes the folder.
pub struct Sandbox {
    pub version: Version,
    pub dir: PathBuf,
    /// Where the folder was created and why there (for the narration).
    pub placement: String,
    /// Whether a swap limit could be set (v2 `memory.swap.max`, v1
    /// `memory.memsw.limit_in_bytes`); without one the host's swap, if any,
    /// could take the child's pages.
    pub swap_limited: bool,
    /// Stale groups of earlier memlabs removed before this one was made.
    pub swept: Vec<PathBuf>,
    child: Option<Child>,
    removed: bool,
    /// The flock on the group's folder that marks it in use.
    _lock: Option<Flock<fs::File>>,
}

/// Why the group could not be made, as one line that says what would make
/// it possible.
#[derive(Debug)]
pub struct Refusal(pub String);

impl Sandbox {
    /// Create the group next to memlab's memory cgroup `own`, with `limit`
    /// bytes of memory and no swap.
    pub fn create(own: &MemCgroup, limit: u64) -> std::result::Result<Sandbox, Refusal> {
        let mut sb = Sandbox::make(own)?;
        let configured = match own.version {
            Version::V1 => configure_v1(&sb.dir, limit),
            Version::V2 => configure_v2(&sb.dir, limit),
        };
        match configured {
            Ok(swap) => sb.swap_limited = swap,
            Err(e) => {
                // Drop removes the folder.
                return Err(Refusal(en(
                    "why.cgroup.limit",
                    &[
                        ("dir", &sb.dir.display().to_string()),
                        ("error", &format!("{e:#}")),
                    ],
                )));
            }
        }
        Ok(sb)
    }

    /// The group's folder, made and locked next to memlab's own memory
    /// cgroup `own`, after sweeping the stale groups there; not configured.
    fn make(own: &MemCgroup) -> std::result::Result<Sandbox, Refusal> {
        let name = format!("{PREFIX}{}", std::process::id());
        let (base, placement) = base_for(own).map_err(Refusal)?;
        let swept = sweep_stale_in(&base);
        let (dir, lock) = make_locked(&base, &name)
            .map_err(|e| Refusal(mkdir_refusal(&base, own.version, &e)))?;
        Ok(Sandbox {
            version: own.version,
            dir,
            placement,
            swap_limited: false,
            swept,
            child: None,
            removed: false,
            _lock: Some(lock),
        })
    }

    /// `cgroup.procs` of the group: the child writes its own pid here.
    pub fn procs_path(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// Take ownership of the child, so that it is killed and reaped before
    /// the group is removed.
    pub fn adopt(&mut self, child: Child) {
        self.child = Some(child);
    }

    pub fn child(&mut self) -> Option<&mut Child> {
        self.child.as_mut()
    }

    /// Bytes charged to the group now.
    pub fn usage_bytes(&self) -> Option<u64> {
        usage_bytes(&self.dir, self.version)
    }

    /// The most ever charged to the group (v1 `max_usage_in_bytes`, v2
    /// `memory.peak` on kernels since 5.19).
    pub fn peak_bytes(&self) -> Option<u64> {
        peak_bytes(&self.dir, self.version)
    }

    pub fn counters(&self) -> OomCounters {
        match self.version {
            Version::V1 => read_counters_v1(&self.dir),
            Version::V2 => read_counters_v2(&self.dir),
        }
    }

    /// Kill and reap the child (if still there), then remove the folder,
    /// retrying briefly: the kernel may still be uncharging the last pages.
    pub fn remove(&mut self) -> Result<()> {
        if let Some(mut c) = self.child.take() {
            c.kill();
        }
        if self.removed {
            return Ok(());
        }
        remove_dir_retrying(&self.dir, Duration::from_secs(3))?;
        self.removed = true;
        Ok(())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Err(e) = self.remove() {
            eprintln!("memlab: warning: {e:#}");
        }
    }
}

/// Remove an (empty) cgroup folder, retrying on EBUSY for up to `patience`.
pub fn remove_dir_retrying(dir: &Path, patience: Duration) -> Result<()> {
    let deadline = Instant::now() + patience;
    loop {
        match fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("removing cgroup {} (remove it with rmdir)", dir.display())
                });
            }
        }
    }
}

/// Where memlab makes its groups, next to its own memory cgroup `own`, and
/// why there (for the narration).
pub fn base_for(own: &MemCgroup) -> std::result::Result<(PathBuf, String), String> {
    match own.version {
        Version::V1 => Ok((
            own.dir.clone(),
            en(
                "why.cgroup.under_v1",
                &[("dir", &own.dir.display().to_string())],
            ),
        )),
        Version::V2 => v2_base(&own.dir),
    }
}

/// Take the lock that marks a group folder in use; `None` when another
/// process holds it (or the folder cannot be opened).
pub fn lock_group(dir: &Path) -> Option<Flock<fs::File>> {
    let f = fs::File::open(dir).ok()?;
    Flock::lock(f, FlockArg::LockExclusiveNonblock).ok()
}

/// Create the group `name` under `base` and lock it. A sweeping memlab may
/// take the lock of a folder between its creation and ours (it is empty and
/// unlocked then) and remove it: try again under another name, so that the
/// sweeper's removal cannot fall on the folder made again.
fn make_locked(base: &Path, name: &str) -> io::Result<(PathBuf, Flock<fs::File>)> {
    for attempt in 1..=5 {
        let dir = match attempt {
            1 => base.join(name),
            n => base.join(format!("{name}-{n}")),
        };
        fs::create_dir(&dir)?;
        match lock_group(&dir) {
            Some(l) if still_locked_folder(&dir, &l) => return Ok((dir, l)),
            _ => {
                let _ = fs::remove_dir(&dir);
            }
        }
    }
    Err(io::Error::other(format!(
        "{} kept vanishing while memlab locked it",
        base.join(name).display()
    )))
}

/// Remove the groups under `base` left by a memlab that was killed with
/// SIGKILL (the only way to skip the cleanup): `memlab-oom-*` folders that
/// nobody holds the lock of and that hold no process. Returns the folders
/// removed.
pub fn sweep_stale_in(base: &Path) -> Vec<PathBuf> {
    stale_groups(base)
        .into_iter()
        .filter_map(|(path, lock)| {
            (still_locked_folder(&path, &lock) && fs::remove_dir(&path).is_ok()).then_some(path)
        })
        .collect()
}

/// Whether `path` is still the folder `lock` was taken on: a group of the
/// same name made again since (a memlab that lost the race to lock its new
/// group makes it again under the same name) is not the one found stale.
fn still_locked_folder(path: &Path, lock: &Flock<fs::File>) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (lock.metadata(), fs::symlink_metadata(path)) {
        (Ok(held), Ok(now)) => held.ino() == now.ino() && held.dev() == now.dev(),
        _ => false,
    }
}

/// The `memlab-oom-*` folders under `base` that nobody holds the lock of
/// and that hold no process, each with its lock (held while it is removed).
pub fn stale_groups(base: &Path) -> Vec<(PathBuf, Flock<fs::File>)> {
    let Ok(entries) = fs::read_dir(base) else {
        return Vec::new();
    };
    let mut stale = Vec::new();
    for e in entries.flatten() {
        let is_ours = e
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(PREFIX));
        if !is_ours {
            continue;
        }
        let path = e.path();
        // Held by a running memlab (or its child): in use.
        let Some(lock) = lock_group(&path) else {
            continue;
        };
        let empty = fs::read_to_string(path.join("cgroup.procs"))
            .map(|t| t.trim().is_empty())
            .unwrap_or(false);
        if empty && still_locked_folder(&path, &lock) {
            stale.push((path, lock));
        }
    }
    stale
}

/// English from the catalogue (a `why.*` entry): what the data keeps, shown
/// to the reader in their language.
fn en(id: &str, args: &[(&str, &str)]) -> String {
    crate::i18n::tr_in(crate::i18n::Lang::En, id, args)
}

/// What to say when mkdir fails.
fn mkdir_refusal(base: &Path, version: Version, e: &io::Error) -> String {
    let what = match e.kind() {
        io::ErrorKind::PermissionDenied => en("why.cgroup.may_not_create", &[]),
        _ => en("why.cgroup.mkdir_failed", &[("error", &e.to_string())]),
    };
    let fix = match version {
        Version::V1 => en("why.cgroup.fix_v1", &[]),
        Version::V2 => en("why.cgroup.fix_v2", &[]),
    };
    en(
        "why.cgroup.needs_own",
        &[
            ("what", &what),
            ("base", &base.display().to_string()),
            ("fix", &fix),
        ],
    )
}

/// v2: where to create the group. A cgroup with processes in it may not
/// hand controllers to children (the "no internal processes" rule), except
/// the root. So: under memlab's own group when its `cgroup.subtree_control`
/// already lists `memory` (or memlab sits in the root), otherwise beside it,
/// under its parent, whose subtree_control necessarily lists `memory` since
/// memlab's group has the controller.
pub fn v2_base(own: &Path) -> std::result::Result<(PathBuf, String), String> {
    let is_root = !own.join("cgroup.type").exists() && !own.join("memory.max").exists();
    let subtree = fs::read_to_string(own.join("cgroup.subtree_control")).unwrap_or_default();
    if is_root || lists_memory(&subtree) {
        return Ok((
            own.to_path_buf(),
            en(
                "why.cgroup.under_v2",
                &[("dir", &own.display().to_string())],
            ),
        ));
    }
    let Some(parent) = own.parent() else {
        return Err(en(
            "why.cgroup.no_parent",
            &[("dir", &own.display().to_string())],
        ));
    };
    let parent_subtree =
        fs::read_to_string(parent.join("cgroup.subtree_control")).unwrap_or_default();
    if !lists_memory(&parent_subtree) {
        return Err(en(
            "why.cgroup.no_controller",
            &[
                ("parent", &parent.display().to_string()),
                ("dir", &own.display().to_string()),
            ],
        ));
    }
    Ok((
        parent.to_path_buf(),
        en(
            "why.cgroup.beside_v2",
            &[("parent", &parent.display().to_string())],
        ),
    ))
}

/// Does a `cgroup.subtree_control` / `cgroup.controllers` line list memory?
pub fn lists_memory(text: &str) -> bool {
    text.split_whitespace().any(|c| c == "memory")
}

/// v2: `memory.max` = limit, `memory.swap.max` = 0 where swap is accounted.
/// Returns whether swap is limited.
pub fn configure_v2(dir: &Path, limit: u64) -> Result<bool> {
    write_file(&dir.join("memory.max"), &limit.to_string())?;
    let swap = dir.join("memory.swap.max");
    let swap_limited = if swap.exists() {
        write_file(&swap, "0")?;
        true
    } else {
        false
    };
    // Read it back: the kernel rounds the limit down to whole pages.
    let set = fs::read_to_string(dir.join("memory.max"))
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok());
    match set {
        Some(v) if v <= limit => Ok(swap_limited),
        other => anyhow::bail!("memory.max reads {other:?} after writing {limit}"),
    }
}

/// v1: `memory.limit_in_bytes`, then `memory.memsw.limit_in_bytes` (memory +
/// swap, which must not be below the memory limit) to the same value where
/// swap accounting exists. Returns whether swap is limited.
pub fn configure_v1(dir: &Path, limit: u64) -> Result<bool> {
    // A new v1 group inherits `oom_kill_disable` from its parent; with it set,
    // a task at the limit would wait forever instead of being killed. This
    // is the new group's own setting, not the host's.
    let oom_control = dir.join("memory.oom_control");
    let text = fs::read_to_string(&oom_control).unwrap_or_default();
    if keyed(&text, "oom_kill_disable") == Some(1) {
        write_file(&oom_control, "0")?;
    }
    write_file(&dir.join("memory.limit_in_bytes"), &limit.to_string())?;
    let memsw = dir.join("memory.memsw.limit_in_bytes");
    let swap_limited = if memsw.exists() {
        write_file(&memsw, &limit.to_string())?;
        true
    } else {
        false
    };
    Ok(swap_limited)
}

fn write_file(path: &Path, value: &str) -> Result<()> {
    fs::write(path, value).with_context(|| format!("writing {value} to {}", path.display()))
}

// ---------------------------------------------------------------------------
// For `memlab swap`: a group whose swap is allowed or denied on purpose.
// ---------------------------------------------------------------------------

/// Whether a group made by [`Sandbox::create_for_swap`] may swap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwapRule {
    /// Only memory is limited: at the limit, reclaim swaps the group's
    /// anonymous pages out.
    Allow,
    /// Swap is denied to the group (and only to it): v1
    /// `memory.memsw.limit_in_bytes` = the memory limit where swap is
    /// accounted, else v1 `memory.swappiness` 0; v2 `memory.swap.max` 0.
    Deny,
}

impl Sandbox {
    /// A group like [`Sandbox::create`]'s (same name, same place, swept the
    /// same way), limited to `limit` bytes of memory, with swap allowed or
    /// denied. Returns the group and the mechanism used, in words
    /// (`memory.swap.max=0`, ...).
    pub fn create_for_swap(
        own: &MemCgroup,
        limit: u64,
        rule: SwapRule,
    ) -> std::result::Result<(Sandbox, String), Refusal> {
        let mut sb = Sandbox::make(own)?;
        let configured = match (own.version, rule) {
            (Version::V1, SwapRule::Deny) => configure_v1(&sb.dir, limit).and_then(|memsw| {
                if memsw {
                    Ok("memory.memsw.limit_in_bytes = memory.limit_in_bytes (v1)".to_string())
                } else {
                    write_file(&sb.dir.join("memory.swappiness"), "0")?;
                    Ok("memory.swappiness = 0 (v1, no swap accounting)".to_string())
                }
            }),
            (Version::V1, SwapRule::Allow) => configure_v1_memory_only(&sb.dir, limit)
                .map(|()| "memory.limit_in_bytes only (v1)".to_string()),
            (Version::V2, SwapRule::Deny) => configure_v2(&sb.dir, limit).and_then(|swap| {
                anyhow::ensure!(
                    swap,
                    "this kernel has no memory.swap.max (swap accounting off)"
                );
                Ok("memory.swap.max = 0 (v2)".to_string())
            }),
            (Version::V2, SwapRule::Allow) => {
                write_file(&sb.dir.join("memory.max"), &limit.to_string())
                    .map(|()| "memory.max only (v2)".to_string())
            }
        };
        match configured {
            Ok(mechanism) => {
                sb.swap_limited = rule == SwapRule::Deny;
                Ok((sb, mechanism))
            }
            Err(e) => Err(Refusal(format!(
                "could not configure {} ({e:#})",
                sb.dir.display()
            ))),
        }
    }
}

/// v1: the memory limit alone (swap left to the group's swappiness).
fn configure_v1_memory_only(dir: &Path, limit: u64) -> Result<()> {
    let oom_control = dir.join("memory.oom_control");
    let text = fs::read_to_string(&oom_control).unwrap_or_default();
    if keyed(&text, "oom_kill_disable") == Some(1) {
        write_file(&oom_control, "0")?;
    }
    write_file(&dir.join("memory.limit_in_bytes"), &limit.to_string())
}

/// Remove groups left by a memlab killed with SIGKILL, where a group for
/// memlab's cgroup `own` would be made (what [`Sandbox::create`] does
/// first; runs that make no group, such as `oom --part virtual`, call it).
/// Returns the folders removed, for the announcement.
pub fn sweep_stale(own: &MemCgroup) -> Vec<PathBuf> {
    base_for(own)
        .map(|(b, _)| sweep_stale_in(&b))
        .unwrap_or_default()
}

/// Why a group below `own` could never swap, if an ancestor forbids it: v1
/// `memory.memsw.limit_in_bytes` not above `memory.limit_in_bytes` (a
/// container started with equal memory and memory+swap limits) or
/// swappiness 0; v2 `memory.swap.max` 0. Walks from `own` up to the mount.
pub fn ancestor_denies_swap(own: &MemCgroup) -> Option<String> {
    let mut dir = Some(own.dir.as_path());
    while let Some(d) = dir {
        match own.version {
            Version::V1 => {
                if !d.join("memory.limit_in_bytes").exists() {
                    break;
                }
                let lim = read_u64(d.join("memory.limit_in_bytes"));
                let memsw = read_u64(d.join("memory.memsw.limit_in_bytes"));
                if let (Some(l), Some(m)) = (lim, memsw)
                    && l < (1 << 62)
                    && m <= l
                {
                    return Some(format!(
                        "{} allows no swap (memory.memsw.limit_in_bytes {m} = memory.limit_in_bytes {l})",
                        d.display()
                    ));
                }
            }
            Version::V2 => {
                if !d.join("memory.max").exists() {
                    break;
                }
                if fs::read_to_string(d.join("memory.swap.max")).is_ok_and(|t| t.trim() == "0") {
                    return Some(format!(
                        "{} allows no swap (memory.swap.max 0)",
                        d.display()
                    ));
                }
            }
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_v2() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::write(root.join("cgroup.controllers"), "cpu io memory pids\n").unwrap();
        fs::write(root.join("cgroup.subtree_control"), "memory pids\n").unwrap();
        let own = root.join("user.slice/me.scope");
        fs::create_dir_all(&own).unwrap();
        fs::write(root.join("user.slice/cgroup.type"), "domain\n").unwrap();
        fs::write(root.join("user.slice/memory.max"), "max\n").unwrap();
        fs::write(root.join("user.slice/cgroup.subtree_control"), "memory\n").unwrap();
        fs::write(own.join("cgroup.type"), "domain\n").unwrap();
        fs::write(own.join("memory.max"), "max\n").unwrap();
        fs::write(own.join("cgroup.subtree_control"), "\n").unwrap();
        fs::write(own.join("cgroup.procs"), "1234\n").unwrap();
        t
    }

    #[test]
    fn v2_goes_beside_a_group_with_processes() {
        let t = fake_v2();
        let own = t.path().join("user.slice/me.scope");
        let (base, why) = v2_base(&own).unwrap();
        assert_eq!(base, t.path().join("user.slice"));
        assert!(why.contains("beside"), "{why}");
    }

    #[test]
    fn v2_goes_under_a_group_that_hands_memory_down() {
        let t = fake_v2();
        let own = t.path().join("user.slice/me.scope");
        fs::write(own.join("cgroup.subtree_control"), "cpu memory\n").unwrap();
        assert_eq!(v2_base(&own).unwrap().0, own);
    }

    #[test]
    fn v2_root_is_used_directly() {
        let t = fake_v2();
        assert_eq!(v2_base(t.path()).unwrap().0, t.path());
    }

    #[test]
    fn v2_refuses_when_parent_lacks_memory() {
        let t = fake_v2();
        fs::write(t.path().join("user.slice/cgroup.subtree_control"), "pids\n").unwrap();
        let own = t.path().join("user.slice/me.scope");
        let err = v2_base(&own).unwrap_err();
        assert!(err.contains("no-internal-processes"), "{err}");
        assert!(err.contains("+memory"), "{err}");
    }

    #[test]
    fn v2_configure_sets_limit_and_swap_off() {
        let t = fake_v2();
        let dir = t.path().join("user.slice/memlab-oom-1");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("memory.max"), "max\n").unwrap();
        fs::write(dir.join("memory.swap.max"), "max\n").unwrap();
        assert!(configure_v2(&dir, 64 << 20).unwrap());
        assert_eq!(
            fs::read_to_string(dir.join("memory.max")).unwrap(),
            "67108864"
        );
        assert_eq!(
            fs::read_to_string(dir.join("memory.swap.max")).unwrap(),
            "0"
        );
    }

    #[test]
    fn v2_configure_without_swap_accounting() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("memory.max"), "max\n").unwrap();
        assert!(!configure_v2(t.path(), 64 << 20).unwrap());
        assert!(!t.path().join("memory.swap.max").exists());
    }

    #[test]
    fn v2_events_are_parsed() {
        let t = tempfile::tempdir().unwrap();
        fs::write(
            t.path().join("memory.events"),
            "low 0\nhigh 0\nmax 153\noom 2\noom_kill 1\noom_group_kill 0\n",
        )
        .unwrap();
        fs::write(t.path().join("memory.current"), "1048576\n").unwrap();
        fs::write(t.path().join("memory.peak"), "67108864\n").unwrap();
        let c = read_counters_v2(t.path());
        assert_eq!(c.oom_kill, Some(1));
        assert_eq!(c.limit_hits, Some(153));
        assert_eq!(c.oom, Some(2));
        assert_eq!(usage_bytes(t.path(), Version::V2), Some(1 << 20));
        assert_eq!(peak_bytes(t.path(), Version::V2), Some(64 << 20));
    }

    #[test]
    fn v1_oom_control_with_and_without_oom_kill() {
        let t = tempfile::tempdir().unwrap();
        fs::write(
            t.path().join("memory.oom_control"),
            "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
        )
        .unwrap();
        fs::write(t.path().join("memory.failcnt"), "42\n").unwrap();
        let c = read_counters_v1(t.path());
        assert_eq!(
            (c.oom_kill, c.limit_hits, c.oom),
            (Some(3), Some(42), Some(0))
        );
        fs::write(
            t.path().join("memory.oom_control"),
            "oom_kill_disable 0\nunder_oom 0\n",
        )
        .unwrap();
        assert_eq!(read_counters_v1(t.path()).oom_kill, None);
    }

    #[test]
    fn unlocked_empty_groups_are_stale_whatever_their_pid() {
        let t = tempfile::tempdir().unwrap();
        let group = |name: &str, procs: &str| {
            let d = t.path().join(name);
            fs::create_dir(&d).unwrap();
            fs::write(d.join("cgroup.procs"), procs).unwrap();
            d
        };
        // Named after a live pid (this test's own): liveness says nothing,
        // the lock does.
        let stale = group(&format!("{PREFIX}{}", std::process::id()), "");
        let held = group(&format!("{PREFIX}1"), "");
        let busy = group(&format!("{PREFIX}2"), "4242\n");
        group("not-memlab", "");
        let _lock = lock_group(&held).unwrap();
        assert!(lock_group(&held).is_none(), "a held lock was taken twice");
        let found: Vec<PathBuf> = stale_groups(t.path()).into_iter().map(|(p, _)| p).collect();
        assert_eq!(found, vec![stale]);
        assert!(busy.exists());
    }

    #[test]
    fn a_sweeper_never_removes_a_group_made_again_under_the_same_name() {
        // A sweeper locked a group, found it stale; meanwhile the group was
        // removed and made again (a new folder, the same name): the sweep
        // leaves the new one alone.
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join(format!("{PREFIX}77"));
        fs::create_dir(&d).unwrap();
        let old = lock_group(&d).unwrap();
        assert!(still_locked_folder(&d, &old));
        fs::remove_dir(&d).unwrap();
        fs::create_dir(&d).unwrap();
        assert!(!still_locked_folder(&d, &old));
        // A memlab that makes a group takes a name nobody holds.
        let (dir, _l) = make_locked(t.path(), &format!("{PREFIX}78")).unwrap();
        assert_eq!(dir, t.path().join(format!("{PREFIX}78")));
    }

    #[test]
    fn v2_sandbox_is_created_beside_limited_and_removed() {
        let t = fake_v2();
        let own = MemCgroup {
            version: Version::V2,
            dir: t.path().join("user.slice/me.scope"),
            limit_bytes: None,
            usage_bytes: None,
        };
        let mut sb = Sandbox::create(&own, 32 << 20).unwrap();
        let name = format!("{PREFIX}{}", std::process::id());
        assert_eq!(sb.dir, t.path().join("user.slice").join(&name));
        assert!(!sb.swap_limited);
        assert_eq!(
            crate::probe::read_u64(sb.dir.join("memory.max")),
            Some(32 << 20)
        );
        assert_eq!(sb.procs_path(), sb.dir.join("cgroup.procs"));
        // The kernel's files vanish with the folder; a fake one must be emptied.
        fs::remove_file(sb.dir.join("memory.max")).unwrap();
        sb.remove().unwrap();
        assert!(!t.path().join("user.slice").join(&name).exists());
    }

    #[test]
    fn v2_refusal_says_what_would_make_it_possible() {
        let t = fake_v2();
        fs::write(t.path().join("user.slice/cgroup.subtree_control"), "\n").unwrap();
        let own = MemCgroup {
            version: Version::V2,
            dir: t.path().join("user.slice/me.scope"),
            limit_bytes: None,
            usage_bytes: None,
        };
        let Err(Refusal(why)) = Sandbox::create(&own, 32 << 20) else {
            panic!("created a group under a parent without the memory controller");
        };
        assert!(why.contains("cgroup.subtree_control"), "{why}");
        assert!(!why.contains('\n'));
    }

    #[test]
    fn keyed_values() {
        assert_eq!(keyed("a 1\nab 2\n", "ab"), Some(2));
        assert_eq!(keyed("a 1\n", "b"), None);
    }

    mod props {
        use super::super::keyed;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn keyed_never_panics(t in "\\PC{0,200}", k in "\\PC{0,12}") {
                let _ = keyed(&t, &k);
            }

            #[test]
            fn keyed_finds_its_key_among_others(
                pairs in proptest::collection::btree_map("[a-z_]{1,12}", any::<u64>(), 1..8),
                pick in any::<prop::sample::Index>()
            ) {
                let text: String = pairs.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
                let (k, v) = pairs.iter().nth(pick.index(pairs.len())).unwrap();
                prop_assert_eq!(keyed(&text, k), Some(*v));
                prop_assert_eq!(keyed(&text, "no-such-key"), None);
            }
        }
    }
}

#[cfg(test)]
mod swap_rule_tests {
    use super::*;

    fn own(version: Version, dir: &Path) -> MemCgroup {
        MemCgroup {
            version,
            dir: dir.to_path_buf(),
            limit_bytes: None,
            usage_bytes: None,
        }
    }

    /// A fake group's files do not vanish with rmdir as the kernel's do:
    /// empty it, then let the sandbox remove it.
    fn empty_and_remove(mut sb: Sandbox) {
        for e in fs::read_dir(&sb.dir).unwrap().flatten() {
            fs::remove_file(e.path()).unwrap();
        }
        sb.remove().unwrap();
    }

    #[test]
    fn v1_without_swap_accounting_denies_swap_by_swappiness_0() {
        let t = tempfile::tempdir().unwrap();
        let (sb, mech) =
            Sandbox::create_for_swap(&own(Version::V1, t.path()), 32 << 20, SwapRule::Deny)
                .unwrap();
        assert!(mech.contains("memory.swappiness = 0"), "{mech}");
        assert_eq!(read_u64(sb.dir.join("memory.swappiness")), Some(0));
        assert_eq!(
            read_u64(sb.dir.join("memory.limit_in_bytes")),
            Some(32 << 20)
        );
        assert!(sb.swap_limited);
        empty_and_remove(sb);
    }

    #[test]
    fn v1_allow_sets_only_the_memory_limit() {
        let t = tempfile::tempdir().unwrap();
        let (sb, mech) =
            Sandbox::create_for_swap(&own(Version::V1, t.path()), 32 << 20, SwapRule::Allow)
                .unwrap();
        assert!(mech.contains("memory.limit_in_bytes only"), "{mech}");
        assert!(!sb.dir.join("memory.swappiness").exists());
        assert!(!sb.dir.join("memory.memsw.limit_in_bytes").exists());
        assert!(!sb.swap_limited);
        empty_and_remove(sb);
    }

    #[test]
    fn v2_allow_sets_only_memory_max_and_deny_needs_swap_max() {
        let t = tempfile::tempdir().unwrap();
        // The root of a fake v2 tree: memlab sits in it, groups go under it.
        fs::write(t.path().join("cgroup.subtree_control"), "memory\n").unwrap();
        let o = own(Version::V2, t.path());
        let name = format!("{PREFIX}{}", std::process::id());
        let (sb, mech) = Sandbox::create_for_swap(&o, 32 << 20, SwapRule::Allow).unwrap();
        assert!(mech.contains("memory.max only"), "{mech}");
        assert!(!sb.dir.join("memory.swap.max").exists());
        empty_and_remove(sb);
        // Without memory.swap.max (swap not accounted) swap cannot be
        // denied on v2: refused. (The fake folder keeps the memory.max
        // written, so its removal is left to the temporary directory.)
        let Err(Refusal(why)) = Sandbox::create_for_swap(&o, 32 << 20, SwapRule::Deny) else {
            panic!("denied swap without memory.swap.max");
        };
        assert!(why.contains("memory.swap.max"), "{why}");
        let _ = fs::remove_dir_all(t.path().join(&name));
    }

    #[test]
    fn an_ancestor_with_equal_memory_and_memsw_limits_allows_no_swap() {
        let t = tempfile::tempdir().unwrap();
        let child = t.path().join("docker/abc");
        fs::create_dir_all(&child).unwrap();
        for d in [t.path(), &t.path().join("docker"), &child] {
            fs::write(d.join("memory.limit_in_bytes"), "9223372036854771712\n").unwrap();
            fs::write(
                d.join("memory.memsw.limit_in_bytes"),
                "9223372036854771712\n",
            )
            .unwrap();
        }
        assert_eq!(ancestor_denies_swap(&own(Version::V1, &child)), None);
        fs::write(t.path().join("docker/memory.limit_in_bytes"), "536870912\n").unwrap();
        fs::write(
            t.path().join("docker/memory.memsw.limit_in_bytes"),
            "536870912\n",
        )
        .unwrap();
        let why = ancestor_denies_swap(&own(Version::V1, &child)).unwrap();
        assert!(why.contains("docker"), "{why}");
        // v2: memory.swap.max 0 on the way up.
        let t = tempfile::tempdir().unwrap();
        let child = t.path().join("a/b");
        fs::create_dir_all(&child).unwrap();
        for d in [&t.path().join("a"), &child] {
            fs::write(d.join("memory.max"), "max\n").unwrap();
            fs::write(d.join("memory.swap.max"), "max\n").unwrap();
        }
        assert_eq!(ancestor_denies_swap(&own(Version::V2, &child)), None);
        fs::write(t.path().join("a/memory.swap.max"), "0\n").unwrap();
        assert!(ancestor_denies_swap(&own(Version::V2, &child)).is_some());
    }
}
