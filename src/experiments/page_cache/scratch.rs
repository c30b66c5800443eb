//! The test file's folder: where it goes (never a file system that keeps
//! files in memory), the disk-space guard, a lock that marks it live, and
//! the sweep of folders a killed run left behind. The same scheme as
//! filemap's test folder, with the experiment's own prefix.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::usage;
use crate::sys;
use crate::units::{Size, human_bytes};

/// Folder names are `<PREFIX><pid>-<nanos>`.
const PREFIX: &str = "memlab-page-cache-";
/// The test file's name inside its folder.
pub const FILE_NAME: &str = "page-cache.dat";

/// memlab's test folder, removed with its file on drop (Ctrl-C included:
/// the handler only sets a flag, the run returns and this goes out of
/// scope). The folder is `flock`ed for the run's whole life; the kernel
/// drops the lock when the process ends, SIGKILL included, so a sweep never
/// takes a live folder for one left behind.
pub struct Scratch {
    pub dir: PathBuf,
    _lock: Option<nix::fcntl::Flock<std::fs::File>>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Scratch {
    pub fn file(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }
}

/// An exclusive lock on a folder, without waiting; None when another
/// process holds it (or the folder cannot be opened).
fn lock_dir(dir: &Path) -> Option<nix::fcntl::Flock<std::fs::File>> {
    let f = std::fs::File::open(dir).ok()?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).ok()
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

/// Remove folders of this experiment left in `base` by a memlab that was
/// killed with SIGKILL: owned by this user, whose pid is gone, whose lock
/// nobody holds, holding nothing but the test file. Returns how many.
pub fn remove_stale(base: &Path) -> usize {
    let me = nix::unistd::geteuid().as_raw();
    let Ok(entries) = std::fs::read_dir(base) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let dir = e.path();
        let ours = std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir() && m.uid() == me);
        if !ours || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let Some(_lock) = lock_dir(&dir) else {
            continue;
        };
        let only_test_file = std::fs::read_dir(&dir).is_ok_and(|d| {
            d.flatten()
                .all(|f| f.file_name() == FILE_NAME && f.file_type().is_ok_and(|t| t.is_file()))
        });
        let file_gone = match std::fs::remove_file(dir.join(FILE_NAME)) {
            Ok(()) => true,
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
        if only_test_file && file_gone && std::fs::remove_dir(&dir).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// A fresh folder of memlab's own in `base`, locked.
pub fn make(base: &Path) -> Result<Scratch> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = base.join(format!("{PREFIX}{}-{nanos:08x}", std::process::id()));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("creating temporary folder {}", dir.display()))?;
    let lock = lock_dir(&dir);
    Ok(Scratch { dir, _lock: lock })
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
