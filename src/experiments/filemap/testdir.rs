//! memlab's own test folder for filemap: where it goes, how it is made and
//! locked, and how folders left by a killed run are swept.
//!
//! A run holds an exclusive `flock` on its folder for its whole life; the
//! kernel drops it when the process ends, SIGKILL included. The lock, not
//! the pid in the folder's name, says whether a folder is in use: a pid is
//! reused, and may be invisible here (another pid namespace, hidepid).

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::fcntl::{Flock, FlockArg};

const PREFIX: &str = "memlab-filemap-";
/// The test file's name inside the folder.
pub const FILE_NAME: &str = "filemap.dat";

/// The test folder, removed on drop (every way out of a run: an error, the
/// end, a signal, which only sets a flag and lets the run return).
pub struct TestDir {
    pub path: PathBuf,
    lock: Option<Flock<File>>,
}

impl Drop for TestDir {
    fn drop(&mut self) {
        // unlink and rmdir take no file descriptor, so this works even when
        // the run failed for want of them (`ulimit -n`); remove_dir_all
        // would need to open the folder.
        let _ = std::fs::remove_file(self.path.join(FILE_NAME));
        if std::fs::remove_dir(&self.path).is_err() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
        self.lock = None;
    }
}

/// Where memlab puts its test file, and why there.
///
/// TMPDIR when set (the user chose it). Otherwise /tmp, unless /tmp is a
/// tmpfs: its files live in the page cache only, so `--cold` could never
/// drop them; /var/tmp is then tried, which the FHS keeps on disk. The
/// current directory is never used: it may be a user's project.
pub fn base() -> (PathBuf, String) {
    if let Some(t) = std::env::var_os("TMPDIR").filter(|v| !v.is_empty()) {
        return (PathBuf::from(t), "TMPDIR".into());
    }
    let tmp = PathBuf::from("/tmp");
    if let Ok((kind, true)) = crate::probe::fs::kind(&tmp) {
        let var = PathBuf::from("/var/tmp");
        if let Ok((_, false)) = crate::probe::fs::kind(&var) {
            return (
                var,
                format!("/tmp is {kind} (in memory), /var/tmp is on disk"),
            );
        }
    }
    (tmp, "the default temporary folder".into())
}

/// Make and lock a fresh test folder in `base`.
///
/// A sweeping run may lock a folder in the instant between its `mkdir` and
/// its owner's lock, and remove it: the owner then finds no folder to open,
/// or waits for the lock (the sweeper holds it while removing) and finds
/// that its path no longer names the folder it locked; either way it makes
/// another.
pub fn make(base: &Path) -> Result<TestDir> {
    for attempt in 0..8u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("{PREFIX}{}-{:08x}", std::process::id(), nanos ^ attempt);
        let path = base.join(name);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .with_context(|| format!("creating temporary folder {}", path.display()))?;
        // From here on the guard removes the folder whatever fails.
        let mut dir = TestDir { path, lock: None };
        let f = match File::open(&dir.path) {
            Ok(f) => f,
            // Swept away before we could even open it: make another.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::mem::forget(dir);
                continue;
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("opening temporary folder {}", dir.path.display()));
            }
        };
        let lock = Flock::lock(f, FlockArg::LockExclusive)
            .map_err(|(_, e)| e)
            .with_context(|| format!("locking temporary folder {}", dir.path.display()))?;
        let ino = nix::sys::stat::fstat(lock.as_raw_fd())
            .context("fstat of the temporary folder")?
            .st_ino;
        let still_ours = std::fs::symlink_metadata(&dir.path).is_ok_and(|m| m.ino() == ino);
        if still_ours {
            dir.lock = Some(lock);
            return Ok(dir);
        }
        // Swept away before we held it: nothing of ours is left there.
        std::mem::forget(dir);
    }
    anyhow::bail!("could not make a temporary folder in {}", base.display())
}

/// An exclusive lock on a folder, without waiting; None when another
/// process holds it (or the folder cannot be opened).
fn try_lock(dir: &Path) -> Option<Flock<File>> {
    let f = File::open(dir).ok()?;
    Flock::lock(f, FlockArg::LockExclusiveNonblock).ok()
}

/// Remove the test folders in `base` that no run holds: `memlab-filemap-*`,
/// owned by this user, unlocked, holding nothing but the test file (a run
/// killed with SIGKILL, the only way to skip its cleanup, leaves them).
/// Returns the folders removed.
pub fn sweep(base: &Path) -> Vec<PathBuf> {
    let me = nix::unistd::geteuid().as_raw();
    let Ok(entries) = std::fs::read_dir(base) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let is_ours = e
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(PREFIX));
        let dir = e.path();
        let mine = std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir() && m.uid() == me);
        if !is_ours || !mine {
            continue;
        }
        let Some(_lock) = try_lock(&dir) else {
            continue;
        };
        let only_test_file = std::fs::read_dir(&dir).is_ok_and(|d| {
            d.flatten()
                .all(|f| f.file_name() == FILE_NAME && f.file_type().is_ok_and(|t| t.is_file()))
        });
        if !only_test_file {
            continue;
        }
        let file_gone = match std::fs::remove_file(dir.join(FILE_NAME)) {
            Ok(()) => true,
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
        if file_gone && std::fs::remove_dir(&dir).is_ok() {
            removed.push(dir);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_locked_folder_is_kept_and_an_unlocked_one_swept() {
        let base = tempfile::tempdir().unwrap();
        let live = super::make(base.path()).unwrap();
        // A folder whose run is gone (whatever its pid: ours, here, is alive).
        let stale = base
            .path()
            .join(format!("memlab-filemap-{}-deadbeef", std::process::id()));
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join(super::FILE_NAME), b"x").unwrap();
        let removed = super::sweep(base.path());
        assert_eq!(removed, vec![stale.clone()]);
        assert!(live.path.exists() && !stale.exists());
        let p = live.path.clone();
        drop(live);
        assert!(!p.exists());
    }
}
