//! The test file's folder: where it goes (never a file system that keeps
//! files in memory), the disk-space guard, a lock that marks it live, and
//! the sweep of folders a killed run left behind. The same scheme as
//! filemap's test folder (filemap/testdir.rs), with this experiment's own
//! prefix and file name.
//!
//! A run holds an exclusive `flock` on its folder for its whole life; the
//! kernel drops it when the process ends, SIGKILL included. The lock, not
//! the pid in the folder's name, says whether a folder is in use: a pid is
//! reused, and may be invisible here (another pid namespace, hidepid).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::fcntl::{Flock, FlockArg};

use crate::error::usage;
use crate::sys;
use crate::units::{Size, human_bytes};

/// Folder names are `<PREFIX><pid>-<nanos>`.
const PREFIX: &str = "memlab-page-cache-";
/// The test file's name inside its folder.
pub const FILE_NAME: &str = "page-cache.dat";

/// memlab's test folder, removed with its file on drop (every way out of a
/// run: an error, the end, a signal, which only sets a flag and lets the
/// run return).
pub struct Scratch {
    pub dir: PathBuf,
    lock: Option<Flock<File>>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // unlink and rmdir need no file descriptor (a run may have failed
        // for want of them); remove_dir_all would open the folder.
        let _ = std::fs::remove_file(self.file());
        if std::fs::remove_dir(&self.dir).is_err() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        self.lock = None;
    }
}

impl Scratch {
    pub fn file(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }
}

/// An exclusive lock on a folder, without waiting; None when another
/// process holds it (or the folder cannot be opened).
fn try_lock(dir: &Path) -> Option<Flock<File>> {
    let f = File::open(dir).ok()?;
    Flock::lock(f, FlockArg::LockExclusiveNonblock).ok()
}

/// Where the test file goes, and why there. The page cache of a tmpfs or
/// ramfs file *is* the file: it can never be dropped, so those are refused.
/// TMPDIR when set (the user's choice: honoured, or refused when it is in
/// memory); otherwise /tmp, or /var/tmp when /tmp is in memory.
pub fn base() -> Result<(PathBuf, String)> {
    use crate::probe::fs::kind;
    if let Some(t) = std::env::var_os("TMPDIR").filter(|v| !v.is_empty()) {
        let t = PathBuf::from(t);
        return match kind(&t) {
            Ok((fs, true)) => Err(usage(format!(
                "TMPDIR {} is on {fs}, which keeps files in memory only: their pages are never \
                 dropped from the page cache; set TMPDIR to a folder on a disk",
                t.display()
            ))),
            Ok(_) => Ok((t, "TMPDIR".into())),
            Err(e) => Err(usage(format!("TMPDIR {}: {e:#}", t.display()))),
        };
    }
    let tmp = PathBuf::from("/tmp");
    match kind(&tmp) {
        Ok((_, false)) => return Ok((tmp, "the default temporary folder".into())),
        Ok((fs, true)) => {
            let var = PathBuf::from("/var/tmp");
            if let Ok((_, false)) = kind(&var) {
                return Ok((
                    var,
                    format!("/tmp is {fs} (in memory), /var/tmp is on disk"),
                ));
            }
        }
        Err(_) => {}
    }
    Err(anyhow::anyhow!(
        "neither /tmp nor /var/tmp is on a disk (a file in memory is never dropped from the \
         page cache); set TMPDIR to a folder on a disk"
    ))
}

/// Refuse a test file that would take more than half of the free space at
/// `base` (all of it even with --force).
pub fn check_space(base: &Path, size: u64, force: bool) -> Result<()> {
    if let Ok(free) = crate::probe::fs::free_bytes(base)
        && (size > free || (size > free / 2 && !force))
    {
        return Err(usage(format!(
            "--size {} is more than {} the {} free on {} (where the test file goes; set \
             TMPDIR to use another folder); e.g. --size 64M{}",
            Size(size),
            if size > free { "all of" } else { "half of" },
            human_bytes(free),
            base.display(),
            if size > free { "" } else { ", or --force" }
        )));
    }
    Ok(())
}

/// Remove the folders of this experiment in `base` that no run holds:
/// owned by this user, unlocked, holding nothing but the test file (a run
/// killed with SIGKILL, the only way to skip its cleanup, leaves them).
/// Returns how many.
pub fn remove_stale(base: &Path) -> usize {
    let me = nix::unistd::geteuid().as_raw();
    let Ok(entries) = std::fs::read_dir(base) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let ours = e
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(PREFIX));
        let dir = e.path();
        let mine = std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir() && m.uid() == me);
        if !ours || !mine {
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
            removed += 1;
        }
    }
    removed
}

/// Make and lock a fresh folder of memlab's own in `base`.
///
/// A sweeping run may lock a folder in the instant between its `mkdir` and
/// its owner's lock, and remove it: the owner then finds no folder to open,
/// or waits for the lock (the sweeper holds it while removing) and finds
/// that its path no longer names the folder it locked; either way it makes
/// another.
pub fn make(base: &Path) -> Result<Scratch> {
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
        let mut dir = Scratch {
            dir: path,
            lock: None,
        };
        let f = match File::open(&dir.dir) {
            Ok(f) => f,
            // Swept away before we could even open it: make another.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::mem::forget(dir);
                continue;
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("opening temporary folder {}", dir.dir.display()));
            }
        };
        let lock = Flock::lock(f, FlockArg::LockExclusive)
            .map_err(|(_, e)| e)
            .with_context(|| format!("locking temporary folder {}", dir.dir.display()))?;
        let ino = nix::sys::stat::fstat(lock.as_raw_fd())
            .context("fstat of the temporary folder")?
            .st_ino;
        if std::fs::symlink_metadata(&dir.dir).is_ok_and(|m| m.ino() == ino) {
            dir.lock = Some(lock);
            return Ok(dir);
        }
        // Swept away before we held it: nothing of ours is left there.
        std::mem::forget(dir);
    }
    anyhow::bail!("could not make a temporary folder in {}", base.display())
}

/// The test file's contents: a recognisable line, repeated. Non-zero on
/// purpose: a file of zeros could be written sparse, and a hole is never
/// read from the disk.
const LINE: &[u8] = b"memlab page-cache test file: every page of it is real data on the disk\n";

/// Write `size` bytes and `fsync` them: the cached pages are then clean,
/// which `posix_fadvise(DONTNEED)` needs to drop them. Returns false when a
/// signal stopped it (the caller returns; the folder guard removes the
/// partial file).
/// `done` hears the bytes written so far (a progress bar).
pub fn write_file(path: &Path, size: u64, done: &dyn Fn(u64)) -> Result<bool> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    let chunk: Vec<u8> = LINE.iter().copied().cycle().take(1 << 20).collect();
    let mut left = size;
    while left > 0 {
        if sys::interrupted() {
            return Ok(false);
        }
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n])
            .with_context(|| format!("writing {}", path.display()))?;
        left -= n as u64;
        done(size - left);
    }
    f.sync_all()
        .with_context(|| format!("fsync {}", path.display()))?;
    Ok(!sys::interrupted())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_locked_folder_is_kept_and_an_unlocked_one_swept() {
        let base = tempfile::tempdir().unwrap();
        let live = super::make(base.path()).unwrap();
        // A folder whose run is gone (whatever its pid: ours, here, lives).
        let stale = base
            .path()
            .join(format!("{}{}-deadbeef", super::PREFIX, std::process::id()));
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join(super::FILE_NAME), b"x").unwrap();
        assert_eq!(super::remove_stale(base.path()), 1);
        assert!(live.dir.exists() && !stale.exists());
        let p = live.dir.clone();
        drop(live);
        assert!(!p.exists());
    }
}
