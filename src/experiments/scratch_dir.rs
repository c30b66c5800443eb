//! memlab's own test folder, for the experiments that need a test file on a
//! disk (filemap, page-cache): where it goes, how it is made and locked, the
//! disk-space guard, the sweep of folders a killed run left behind, and the
//! writing of the test file. What differs between them is a [`Layout`].
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
use crate::i18n::tr;
use crate::sys;
use crate::units::{Size, human_bytes};

/// English from a `why.*` catalogue entry: the reason the data keeps, which
/// the reader's language finds again (`i18n::localize`).
fn en(id: &str, args: &[(&str, &str)]) -> String {
    crate::i18n::tr_in(crate::i18n::Lang::En, id, args)
}

/// What one experiment's test folders are called and hold.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Folder names are `<prefix><pid>-<nanos>`.
    pub prefix: &'static str,
    /// The test file's name inside its folder.
    pub file_name: &'static str,
}

/// memlab's test folder, removed with its file on drop (every way out of a
/// run: an error, the end, a signal, which only sets a flag and lets the
/// run return).
pub struct ScratchDir {
    pub path: PathBuf,
    file_name: &'static str,
    lock: Option<Flock<File>>,
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // unlink and rmdir take no file descriptor, so this works even when
        // the run failed for want of them (`ulimit -n`); remove_dir_all
        // would need to open the folder.
        let _ = std::fs::remove_file(self.file());
        if std::fs::remove_dir(&self.path).is_err() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
        self.lock = None;
    }
}

impl ScratchDir {
    /// The test file's path (made by the caller, removed on drop).
    pub fn file(&self) -> PathBuf {
        self.path.join(self.file_name)
    }
}

/// Where memlab puts its test file, and why there. The current directory is
/// never used: it may be a user's project.
///
/// TMPDIR when set (the user chose it). Otherwise /tmp, unless /tmp is a
/// tmpfs or ramfs: /var/tmp is then tried, which the FHS keeps on disk.
///
/// `need_disk`: the page cache of a file in memory *is* the file and can
/// never be dropped. When the experiment needs it dropped, a TMPDIR in
/// memory is refused, and so is /tmp when /var/tmp is no better; without
/// it, /tmp is used then.
pub fn base(need_disk: bool) -> Result<(PathBuf, String)> {
    use crate::probe::fs::kind;
    if let Some(t) = std::env::var_os("TMPDIR").filter(|v| !v.is_empty()) {
        let t = PathBuf::from(t);
        if need_disk {
            match kind(&t) {
                Ok((fs, true)) => {
                    return Err(usage(tr(
                        "err.scratch.tmpdir_in_memory",
                        &[("dir", &t.display().to_string()), ("fs", &fs)],
                    )));
                }
                Err(e) => {
                    return Err(usage(tr(
                        "err.scratch.tmpdir",
                        &[
                            ("dir", &t.display().to_string()),
                            ("error", &format!("{e:#}")),
                        ],
                    )));
                }
                Ok(_) => {}
            }
        }
        return Ok((t, "TMPDIR".into()));
    }
    let tmp = PathBuf::from("/tmp");
    let tmp_kind = kind(&tmp);
    if let Ok((fs, true)) = &tmp_kind {
        let var = PathBuf::from("/var/tmp");
        if let Ok((_, false)) = kind(&var) {
            return Ok((var, en("why.scratch.var_tmp", &[("fs", &fs.to_string())])));
        }
    }
    if !need_disk || matches!(tmp_kind, Ok((_, false))) {
        return Ok((tmp, en("why.scratch.default", &[])));
    }
    Err(anyhow::anyhow!(tr("err.scratch.no_disk", &[])))
}

/// The test file goes to disk: never fill the user's file system. Refuse a
/// test file of more than half of the free space at `base`, as the memory
/// guard does (more than all of it cannot work even with --force).
/// `example` is the --size the message suggests.
pub fn check_space(base: &Path, size: u64, force: bool, example: &str) -> Result<()> {
    if let Ok(free) = crate::probe::fs::free_bytes(base)
        && (size > free || (size > free / 2 && !force))
    {
        let id = if size > free {
            "err.scratch.space_all"
        } else {
            "err.scratch.space_half"
        };
        return Err(usage(tr(
            id,
            &[
                ("size", &Size(size).to_string()),
                ("free", &human_bytes(free)),
                ("dir", &base.display().to_string()),
                ("example", example),
            ],
        )));
    }
    Ok(())
}

/// An exclusive lock on a folder, without waiting; None when another
/// process holds it (or the folder cannot be opened).
fn try_lock(dir: &Path) -> Option<Flock<File>> {
    let f = File::open(dir).ok()?;
    Flock::lock(f, FlockArg::LockExclusiveNonblock).ok()
}

/// Remove the test folders of `layout` in `base` that no run holds: owned
/// by this user, unlocked, holding nothing but the test file (a run killed
/// with SIGKILL, the only way to skip its cleanup, leaves them). Returns
/// the folders removed.
pub fn sweep(base: &Path, layout: Layout) -> Vec<PathBuf> {
    let me = nix::unistd::geteuid().as_raw();
    let Ok(entries) = std::fs::read_dir(base) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let ours = e
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(layout.prefix));
        let dir = e.path();
        let mine = std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir() && m.uid() == me);
        if !ours || !mine {
            continue;
        }
        let Some(_lock) = try_lock(&dir) else {
            continue;
        };
        let only_test_file = std::fs::read_dir(&dir).is_ok_and(|d| {
            d.flatten().all(|f| {
                f.file_name() == layout.file_name && f.file_type().is_ok_and(|t| t.is_file())
            })
        });
        if !only_test_file {
            continue;
        }
        let file_gone = match std::fs::remove_file(dir.join(layout.file_name)) {
            Ok(()) => true,
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
        if file_gone && std::fs::remove_dir(&dir).is_ok() {
            removed.push(dir);
        }
    }
    removed
}

/// Make and lock a fresh test folder of `layout` in `base`.
///
/// A sweeping run may lock a folder in the instant between its `mkdir` and
/// its owner's lock, and remove it: the owner then finds no folder to open,
/// or waits for the lock (the sweeper holds it while removing) and finds
/// that its path no longer names the folder it locked; either way it makes
/// another.
pub fn make(base: &Path, layout: Layout) -> Result<ScratchDir> {
    for attempt in 0..8u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "{}{}-{:08x}",
            layout.prefix,
            std::process::id(),
            nanos ^ attempt
        );
        let path = base.join(name);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .with_context(|| tr("err.sys.creating", &[("path", &path.display().to_string())]))?;
        // From here on the guard removes the folder whatever fails.
        let mut dir = ScratchDir {
            path,
            file_name: layout.file_name,
            lock: None,
        };
        let f = match File::open(&dir.path) {
            Ok(f) => f,
            // Swept away before we could even open it: make another.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::mem::forget(dir);
                continue;
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    tr(
                        "err.sys.opening",
                        &[("path", &dir.path.display().to_string())],
                    )
                });
            }
        };
        let lock = Flock::lock(f, FlockArg::LockExclusive)
            .map_err(|(_, e)| e)
            .with_context(|| {
                tr(
                    "err.sys.locking",
                    &[("path", &dir.path.display().to_string())],
                )
            })?;
        let ino = nix::sys::stat::fstat(lock.as_raw_fd())
            .with_context(|| {
                tr(
                    "err.sys.reading",
                    &[("path", &dir.path.display().to_string())],
                )
            })?
            .st_ino;
        if std::fs::symlink_metadata(&dir.path).is_ok_and(|m| m.ino() == ino) {
            dir.lock = Some(lock);
            return Ok(dir);
        }
        // Swept away before we held it: nothing of ours is left there.
        std::mem::forget(dir);
    }
    anyhow::bail!(tr(
        "err.scratch.could_not_make",
        &[("dir", &base.display().to_string())]
    ))
}

/// Write `size` bytes of `line`, repeated, and `fsync` them: the cached
/// pages are then clean, which `posix_fadvise(DONTNEED)` needs to drop
/// them. `line` is non-zero on purpose: a file of zeros could be written
/// sparse, and a hole is never read from the disk. Returns false when a
/// signal stopped it (the caller returns; the folder guard removes the
/// partial file). `done` hears the bytes written so far (a progress bar).
pub fn write_file(path: &Path, line: &[u8], size: u64, done: &dyn Fn(u64)) -> Result<bool> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| tr("err.sys.creating", &[("path", &path.display().to_string())]))?;
    let chunk: Vec<u8> = line.iter().copied().cycle().take(1 << 20).collect();
    let mut left = size;
    while left > 0 {
        if sys::interrupted() {
            return Ok(false);
        }
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n]).with_context(|| {
            tr(
                "err.scratch.writing",
                &[("path", &path.display().to_string())],
            )
        })?;
        left -= n as u64;
        done(size - left);
    }
    f.sync_all()
        .with_context(|| tr("err.sys.syncing", &[("path", &path.display().to_string())]))?;
    Ok(!sys::interrupted())
}

/// A user's `--file`, checked: it exists, is a regular file and is not
/// empty (an empty file cannot be mapped). Returns its metadata.
pub fn users_file(p: &Path) -> Result<std::fs::Metadata> {
    let shown = p.display().to_string();
    let md = std::fs::metadata(p).map_err(|e| {
        usage(tr(
            "err.file.cannot_open",
            &[("path", &shown), ("error", &e.to_string())],
        ))
    })?;
    if !md.is_file() {
        return Err(usage(tr("err.file.not_regular", &[("path", &shown)])));
    }
    if md.len() == 0 {
        return Err(usage(tr("err.file.empty", &[("path", &shown)])));
    }
    Ok(md)
}

#[cfg(test)]
mod tests {
    use super::Layout;

    const LAYOUT: Layout = Layout {
        prefix: "memlab-test-",
        file_name: "test.dat",
    };

    #[test]
    fn a_locked_folder_is_kept_and_an_unlocked_one_swept() {
        let base = tempfile::tempdir().unwrap();
        let live = super::make(base.path(), LAYOUT).unwrap();
        // A folder whose run is gone (whatever its pid: ours, here, lives).
        let stale = base
            .path()
            .join(format!("{}{}-deadbeef", LAYOUT.prefix, std::process::id()));
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join(LAYOUT.file_name), b"x").unwrap();
        assert_eq!(super::sweep(base.path(), LAYOUT), vec![stale.clone()]);
        assert!(live.path.exists() && !stale.exists());
        let p = live.path.clone();
        drop(live);
        assert!(!p.exists());
    }

    #[test]
    fn the_test_file_is_written_whole_and_removed_with_its_folder() {
        let base = tempfile::tempdir().unwrap();
        let dir = super::make(base.path(), LAYOUT).unwrap();
        let size = (1 << 20) + 123;
        assert!(super::write_file(&dir.file(), b"abc\n", size, &|_| {}).unwrap());
        let bytes = std::fs::read(dir.file()).unwrap();
        assert_eq!(bytes.len() as u64, size);
        assert!(bytes.starts_with(b"abc\nabc\n"));
        let p = dir.path.clone();
        drop(dir);
        assert!(!p.exists());
    }
}
