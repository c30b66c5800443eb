//! The lock that keeps two swap runs from overlapping, and the sweep of what
//! a SIGKILLed run left behind.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::{FILE_PREFIX, FILE_SUFFIX, swapoff};

/// The lock every root `memlab swap` run holds while it may create, or
/// sweep, a swap file. Its text is `<pid> <swap file path>`.
pub fn lock_path() -> PathBuf {
    if Path::new("/run").is_dir() {
        PathBuf::from("/run/memlab-swap.lock")
    } else {
        PathBuf::from("/var/tmp/memlab-swap.lock")
    }
}

/// Whether a path names one of memlab's swap files.
pub fn is_memlab_swapfile(path: &str) -> bool {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(FILE_PREFIX) && n.ends_with(FILE_SUFFIX))
}

// ---------------------------------------------------------------------------
// The lock
// ---------------------------------------------------------------------------

/// An exclusive `flock` on [`lock_path`]. The kernel drops it when the
/// holder dies, even by SIGKILL, so whoever holds it knows that no other
/// run's swap file is in use: every memlab swap file then is stale.
pub struct SwapLock {
    file: File,
    path: PathBuf,
    /// The text a previous holder left (`<pid> <path>`), if any.
    pub previous: String,
}

impl SwapLock {
    /// Take the lock, waiting up to `patience` for another run to finish
    /// (`Ok(None)` when interrupted meanwhile). The error names the holder.
    pub fn acquire(path: &Path, patience: Duration) -> Result<Option<SwapLock>> {
        let deadline = Instant::now() + patience;
        loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .with_context(|| {
                    crate::i18n::tr("err.sys.opening", &[("path", &path.display().to_string())])
                })?;
            // SAFETY: flock on a descriptor this function owns.
            let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if r == 0 {
                // The holder before us may have removed the file after we
                // opened it: then our lock is on a deleted file. Start over.
                let same = std::fs::metadata(path)
                    .ok()
                    .zip(file.metadata().ok())
                    .is_some_and(|(a, b)| a.ino() == b.ino() && a.dev() == b.dev());
                if !same {
                    continue;
                }
                let previous = std::fs::read_to_string(path).unwrap_or_default();
                return Ok(Some(SwapLock {
                    file,
                    path: path.to_path_buf(),
                    previous: previous.trim().to_string(),
                }));
            }
            let e = io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(e).with_context(|| {
                    crate::i18n::tr("err.sys.locking", &[("path", &path.display().to_string())])
                });
            }
            if Instant::now() >= deadline {
                let holder = std::fs::read_to_string(path).unwrap_or_default();
                let pid = holder.split_whitespace().next().unwrap_or("?");
                anyhow::bail!(crate::i18n::tr(
                    "err.sys.lock_held",
                    &[("pid", pid), ("path", &path.display().to_string())]
                ));
            }
            if !crate::sys::sleep_until(Instant::now() + Duration::from_millis(100)) {
                return Ok(None);
            }
        }
    }

    /// Write down the swap file about to be made, so that a run killed
    /// before it could remove it leaves its name to the next run.
    pub fn record(&self, swapfile: &Path) -> Result<()> {
        let text = format!("{} {}\n", std::process::id(), swapfile.display());
        self.file
            .set_len(0)
            .with_context(|| crate::i18n::tr("err.sys.writing_lock", &[]))?;
        self.file
            .write_all_at(text.as_bytes(), 0)
            .with_context(|| crate::i18n::tr("err.sys.writing_lock", &[]))?;
        self.file.sync_all().ok();
        Ok(())
    }
}

impl Drop for SwapLock {
    fn drop(&mut self) {
        // Remove the file while still holding the lock (a waiter that opened
        // it meanwhile sees the inode changed and opens afresh).
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Switch off and remove every memlab swap file: in /proc/swaps, the one the
/// previous lock holder named, and any in `dirs`. Only call while holding
/// the lock. Returns one line per thing done (or that failed).
/// `active` is the file names of the swap areas on now (/proc/swaps).
pub fn sweep_stale(lock: &SwapLock, dirs: &[&Path], active: &[String]) -> Vec<String> {
    let mut done = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(p) = lock.previous.split_once(' ').map(|(_, p)| p.trim())
        && is_memlab_swapfile(p)
    {
        files.push(PathBuf::from(p));
    }
    for a in active {
        if is_memlab_swapfile(a) {
            files.push(PathBuf::from(a));
        }
    }
    for d in dirs {
        if let Ok(rd) = std::fs::read_dir(d) {
            for e in rd.flatten() {
                if is_memlab_swapfile(&e.path().to_string_lossy()) {
                    files.push(e.path());
                }
            }
        }
    }
    files.sort();
    files.dedup();
    for f in files {
        let name = f.display().to_string();
        if active.contains(&name) {
            match swapoff(&f) {
                Ok(()) => done.push(format!("swapped off {name}, left by a killed memlab swap")),
                Err(e) => {
                    done.push(format!(
                        "could not swap off {name}: {e} (run swapoff {name})"
                    ));
                    continue;
                }
            }
        }
        match std::fs::remove_file(&f) {
            Ok(()) => done.push(format!("removed {name}, left by a killed memlab swap")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => done.push(format!("could not remove {name}: {e}")),
        }
    }
    done
}

// ---------------------------------------------------------------------------
// The swap file
// ---------------------------------------------------------------------------
