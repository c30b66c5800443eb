//! The one file writer, and the checks every output passes before a run.
//!
//! Files are written atomically: a temporary file `.NAME.memlab-PID.tmp` in
//! the same folder, locked (flock) while it is written, then renamed over
//! the target. A temporary file nobody holds a lock on is what a killed run
//! left: the next write into that folder removes it. Before a run, each
//! output is probed by creating (and removing) that very temporary file and
//! by looking at the free space of its filesystem.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::usage_t;
use crate::units::human_bytes;

/// What one CSV or JSON output of a run may take on disk, at most, for the
/// free-space check before the run (a long `--watch` can write more; the
/// write at the end reports that).
pub const ESTIMATE_BYTES: u64 = 1 << 20;

/// Longest file name most Linux filesystems take.
const NAME_MAX: usize = 255;

/// The descriptor a path names directly: `/dev/stdout` (1), `/dev/stderr`
/// (2), `/dev/fd/N`, `/proc/self/fd/N`, `/proc/PID/fd/N` of memlab itself.
/// Such outputs are written to that descriptor, as stdout is.
pub fn fd_path(p: &Path) -> Option<i32> {
    let s = p.to_str()?;
    match s {
        "/dev/stdout" => return Some(1),
        "/dev/stderr" => return Some(2),
        _ => {}
    }
    let me = format!("/proc/{}/fd/", std::process::id());
    let n = ["/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/", &me]
        .iter()
        .find_map(|pre| s.strip_prefix(pre))?;
    n.parse::<i32>().ok().filter(|&n| n >= 0)
}

/// Refuse (exit 2) a descriptor output that cannot be written: not open,
/// open for reading only, or a standard descriptor that was closed when
/// memlab started (it is /dev/null now).
pub fn check_fd(flag: &str, shown: &Path, fd: i32) -> Result<()> {
    let shown = shown.display().to_string();
    if crate::sys::std_fd_was_closed(fd) {
        let which = ["stdin", "stdout", "stderr"][fd as usize];
        return Err(usage_t(
            "err.out.fd_closed",
            &[
                ("flag", flag),
                ("shown", &shown),
                ("which", which),
                ("example", example(flag)),
            ],
        ));
    }
    let fd_s = fd.to_string();
    let args = [("flag", flag), ("shown", shown.as_str()), ("fd", &fd_s)];
    match nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFL) {
        Ok(fl) if fl & libc::O_ACCMODE != libc::O_RDONLY => Ok(()),
        Ok(_) => Err(usage_t("err.out.fd_read_only", &args)),
        Err(_) => Err(usage_t("err.out.fd_not_open", &args)),
    }
}

/// The file a write to `path` lands in: a symbolic link is followed to its
/// target (writing through a link writes the file it points to, and keeps
/// the link), also when the target does not exist yet.
pub fn resolve(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(md) if md.file_type().is_symlink() => match std::fs::read_link(&p) {
                Ok(t) if t.is_absolute() => p = t,
                Ok(t) => p = parent_dir(&p).join(t),
                Err(_) => return p,
            },
            _ => return p,
        }
    }
    p
}

/// Fail with a usage error unless `path` can be created or replaced, with
/// room for about `estimate` bytes: the real temporary file is created and
/// removed in its folder, and the filesystem's free space is read.
pub fn check_writable(flag: &str, path: &Path) -> Result<()> {
    probe(flag, path, path, ESTIMATE_BYTES)
}

/// [`check_writable`] for an output shown as `shown` that lands in `target`.
pub fn probe(flag: &str, shown: &Path, target: &Path, estimate: u64) -> Result<()> {
    let said = shown.display().to_string();
    let ex = example(flag);
    let named = [("flag", flag), ("path", said.as_str()), ("example", ex)];
    if shown.as_os_str().is_empty() {
        return Err(usage_t("err.out.needs_path", &named));
    }
    if let Ok(md) = std::fs::metadata(target)
        && !md.is_file()
    {
        let id = if md.is_dir() {
            "err.out.is_folder"
        } else {
            "err.out.not_regular"
        };
        return Err(usage_t(id, &named));
    }
    if shown.as_os_str().as_bytes().ends_with(b"/") {
        return Err(usage_t("err.out.is_folder", &named));
    }
    let dir = parent_dir(target);
    let dir_s = dir.display().to_string();
    let in_dir = [("flag", flag), ("path", said.as_str()), ("dir", &dir_s)];
    match std::fs::metadata(dir) {
        Ok(md) if md.is_dir() => {}
        _ if dir == Path::new(".") => {
            return Err(usage_t("err.out.no_cwd", &named));
        }
        _ => {
            return Err(usage_t("err.out.no_folder", &in_dir));
        }
    }
    let tmp = temp_path(target);
    match create_locked(&tmp) {
        Ok(f) => {
            let _ = std::fs::remove_file(&tmp);
            drop(f);
        }
        Err(e) if dir == Path::new(".") && std::env::current_dir().is_err() => {
            let _ = e;
            return Err(usage_t("err.out.no_cwd", &named));
        }
        Err(e) => {
            let cause = plain_io(&e);
            let mut args = in_dir.to_vec();
            args.push(("cause", &cause));
            return Err(usage_t("err.out.cannot_create", &args));
        }
    }
    if let Ok(st) = nix::sys::statvfs::statvfs(dir) {
        let free = st.blocks_available().saturating_mul(st.fragment_size());
        if free < estimate {
            let (free, need) = (human_bytes(free), human_bytes(estimate));
            let mut args = in_dir.to_vec();
            args.extend([("free", free.as_str()), ("need", &need)]);
            return Err(usage_t("err.out.no_space", &args));
        }
    }
    Ok(())
}

/// An io::Error without its "(os error N)" tail.
fn plain_io(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Which file a path is, to catch two outputs that are one file: device
/// and inode of an existing file (so a symbolic or hard link to it is the
/// same), else its folder resolved plus its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    Inode(u64, u64),
    Path(PathBuf),
}

pub fn identity(path: &Path) -> Identity {
    let target = resolve(path);
    if let Ok(md) = std::fs::metadata(&target) {
        return Identity::Inode(md.dev(), md.ino());
    }
    let dir = parent_dir(&target);
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    Identity::Path(match target.file_name() {
        Some(n) => dir.join(n),
        None => dir,
    })
}

/// The identity of what descriptor `fd` is open on, when it is a regular
/// file (a stdout redirected into a file the run also writes).
pub fn fd_identity(fd: i32) -> Option<Identity> {
    let st = nix::sys::stat::fstat(fd).ok()?;
    (st.st_mode & libc::S_IFMT == libc::S_IFREG).then_some(Identity::Inode(st.st_dev, st.st_ino))
}

/// A good value to show for an output flag.
fn example(flag: &str) -> &'static str {
    match flag {
        "--json" => "out.json",
        "--plot" => "chart.svg",
        "--out" => "lab",
        _ => "out.csv",
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `.NAME.memlab-PID.tmp` beside `path`; when that name would be longer
/// than a file name may be, `.memlab-HASH-PID.tmp` (a hash of NAME).
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or(OsStr::new("out"));
    let pid = std::process::id();
    let mut plain = OsString::from(".");
    plain.push(name);
    plain.push(format!(".memlab-{pid}.tmp"));
    let file = if plain.len() <= NAME_MAX {
        plain
    } else {
        OsString::from(format!(".memlab-{:016x}-{pid}.tmp", fnv1a(name.as_bytes())))
    };
    parent_dir(path).join(file)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Is `name` one of memlab's temporary output names?
pub fn is_temp_name(name: &OsStr) -> bool {
    let b = name.as_bytes();
    let Some(stem) = b.strip_suffix(b".tmp") else {
        return false;
    };
    if !b.starts_with(b".") {
        return false;
    }
    let Some(at) = stem.windows(7).rposition(|w| w == b"memlab-") else {
        return false;
    };
    let pid = &stem[at + 7..];
    // `.memlab-HASH-PID`: the pid follows the last '-'.
    let pid = match pid.iter().rposition(|&c| c == b'-') {
        Some(i) => &pid[i + 1..],
        None => pid,
    };
    !pid.is_empty() && pid.iter().all(u8::is_ascii_digit)
}

/// A file under an exclusive flock, released when it is dropped.
type Locked = nix::fcntl::Flock<File>;

/// Lock `f` exclusively (`nonblocking`: fail at once when another holds it).
fn lock_file(f: File, nonblocking: bool) -> std::io::Result<Locked> {
    use nix::fcntl::FlockArg;
    let arg = if nonblocking {
        FlockArg::LockExclusiveNonblock
    } else {
        FlockArg::LockExclusive
    };
    nix::fcntl::Flock::lock(f, arg).map_err(|(_, e)| std::io::Error::from(e))
}

/// Create `tmp` (new, never an existing file or link) and hold an
/// exclusive flock on it. If a sweeper removed the name in the instant
/// between the two, the file is made again.
fn create_locked(tmp: &Path) -> std::io::Result<Locked> {
    for _ in 0..3 {
        let f = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(tmp)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Our own pid's leftover (a pid reused after a killed run):
                // removed if nobody holds it.
                sweep_one(tmp);
                continue;
            }
            Err(e) => return Err(e),
        };
        let f = lock_file(f, false)?;
        if same_file(&f, tmp) {
            return Ok(f);
        }
    }
    Err(std::io::Error::other(
        "the temporary file kept disappearing",
    ))
}

fn same_file(f: &File, path: &Path) -> bool {
    match (f.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Remove `tmp` if no running memlab holds its lock.
fn sweep_one(tmp: &Path) -> bool {
    let Ok(f) = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(tmp)
    else {
        return false;
    };
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(f) = lock_file(f, true) else {
        return false;
    };
    same_file(&f, tmp) && std::fs::remove_file(tmp).is_ok()
}

/// Remove the temporary outputs that killed runs left in `dir` (those no
/// running memlab holds a lock on). Returns how many went.
pub fn sweep(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| is_temp_name(&e.file_name()))
        .filter(|e| sweep_one(&e.path()))
        .count()
}

/// Write `bytes` to `path` atomically (through a symbolic link: to the file
/// it points to).
pub fn atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = resolve(path);
    let dir = parent_dir(&target);
    sweep(dir);
    let tmp = temp_path(&target);
    let result = (|| -> std::io::Result<()> {
        let mut f = create_locked(&tmp)?;
        crate::sys::hook("write");
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| crate::i18n::tr("err.writing", &[("path", &path.display().to_string())]))
}

/// A lock on a folder (`memlab all --out DIR`): held while the run writes
/// into it, the lock file removed when it is dropped.
pub struct FolderLock {
    path: PathBuf,
    _file: Locked,
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The name of the lock file `lock_folder` keeps in a folder.
pub const FOLDER_LOCK: &str = ".memlab-all.lock";

/// Lock `dir` for this process. `Err(Some(pid))` when another memlab holds
/// it (the pid it wrote), `Err(None)` when the lock file cannot be made.
pub fn lock_folder(dir: &Path) -> std::result::Result<FolderLock, Option<u32>> {
    let path = dir.join(FOLDER_LOCK);
    for _ in 0..5 {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|_| None)?;
        let Ok(mut f) = lock_file(f, true) else {
            let pid = std::fs::read_to_string(&path)
                .ok()
                .and_then(|s| s.trim().parse().ok());
            return Err(Some(pid.unwrap_or(0)));
        };
        // The holder before us may have removed the file between our open
        // and our lock: then lock the new one.
        if !same_file(&f, &path) {
            continue;
        }
        let _ = f.set_len(0);
        let _ = writeln!(f, "{}", std::process::id());
        return Ok(FolderLock { path, _file: f });
    }
    Err(None)
}

/// `bytes` to descriptor `fd`, as to stdout.
pub fn to_fd(fd: i32, bytes: &[u8]) -> std::io::Result<()> {
    crate::sys::write_fd_raw(fd, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.csv");
        atomic(&p, b"one").unwrap();
        atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn folders_and_missing_parents_are_refused() {
        let d = tempfile::tempdir().unwrap();
        assert!(check_writable("--csv", d.path()).is_err());
        assert!(check_writable("--csv", &d.path().join("no/such/x.csv")).is_err());
        assert!(check_writable("--csv", &d.path().join("x.csv")).is_ok());
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    }

    #[test]
    fn long_names_get_a_hashed_temp_name() {
        let long = "a".repeat(250);
        let t = temp_path(Path::new(&long));
        let n = t.file_name().unwrap();
        assert!(n.len() <= NAME_MAX, "{}", n.len());
        assert!(is_temp_name(n), "{n:?}");
        let short = temp_path(Path::new("dir/x.csv"));
        assert!(is_temp_name(short.file_name().unwrap()));
        assert_eq!(short.parent().unwrap(), Path::new("dir"));
        for not in [
            ".x.csv",
            "x.memlab-12.tmp",
            ".x.memlab-.tmp",
            ".x.memlab-1a.tmp",
        ] {
            assert!(!is_temp_name(OsStr::new(not)), "{not}");
        }
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(&long);
        atomic(&p, b"x").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"x");
    }

    #[test]
    fn unlocked_temp_files_are_swept_and_locked_ones_kept() {
        let d = tempfile::tempdir().unwrap();
        let stale = d.path().join(".a.csv.memlab-999999.tmp");
        std::fs::write(&stale, "old").unwrap();
        let held = d.path().join(".b.csv.memlab-999998.tmp");
        let _held_lock = lock_file(std::fs::File::create(&held).unwrap(), false).unwrap();
        let other = d.path().join(".keep");
        std::fs::write(&other, "").unwrap();
        atomic(&d.path().join("c.csv"), b"c").unwrap();
        assert!(!stale.exists());
        assert!(held.exists());
        assert!(other.exists());
    }

    #[test]
    fn descriptor_paths_are_recognised() {
        assert_eq!(fd_path(Path::new("/dev/stdout")), Some(1));
        assert_eq!(fd_path(Path::new("/proc/self/fd/7")), Some(7));
        assert_eq!(fd_path(Path::new("/dev/fd/3")), Some(3));
        assert_eq!(fd_path(Path::new("/proc/self/fd/x")), None);
        assert_eq!(fd_path(Path::new("/dev/null")), None);
    }

    #[test]
    fn links_are_one_file_and_writes_follow_them() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real.csv");
        std::fs::write(&real, "x").unwrap();
        let sym = d.path().join("sym.csv");
        std::os::unix::fs::symlink("real.csv", &sym).unwrap();
        let hard = d.path().join("hard.csv");
        std::fs::hard_link(&real, &hard).unwrap();
        assert_eq!(identity(&real), identity(&sym));
        assert_eq!(identity(&real), identity(&hard));
        atomic(&sym, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&sym)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        // A link to a file that does not exist yet is the same as its target.
        let dangling = d.path().join("later.csv");
        std::os::unix::fs::symlink("target.csv", &dangling).unwrap();
        assert_eq!(identity(&dangling), identity(&d.path().join("target.csv")));
    }
}
