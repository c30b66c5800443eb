//! filemap — ファイルマップ
//!
//! The document: besides read(2)/write(2), Linux can map a file's contents
//! into the virtual address space with `mmap`; the program then reads and
//! writes the file like memory, and what it wrote is written back to the file
//! later. memlab maps a file MAP_SHARED, shows the new line of
//! /proc/self/maps (with the file's path), writes `HELLO` through the
//! mapping, `msync`s, and reads the file back with read(2).
//!
//! `--cold` drops this one file's pages from the page cache
//! (`posix_fadvise(POSIX_FADV_DONTNEED)`) and reads it through a fresh
//! mapping: every page must now come from the disk, and the kernel counts
//! *major* faults — the page-in the document describes, without swap.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, FileExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use super::Ctx;
use crate::error::usage;
use crate::probe::maps::{self, Change};
use crate::probe::process::{ProcHandle, Sample};
use crate::report::{Check, Report};
use crate::sys::{self, MapOptions, Region, Sharing};
use crate::units::{Size, human_bytes};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Map this file instead of a test file of memlab's own. It is only
    /// read, unless --write is given too
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// With --file: write HELLO over the first 5 bytes of PATH (the file is
    /// changed for good)
    #[arg(long, requires = "file")]
    pub write: bool,
    /// Size of memlab's own test file (default 8M; not with --file)
    #[arg(long, allow_hyphen_values = true, conflicts_with = "file")]
    pub size: Option<Size>,
    /// Drop the file's pages from the page cache (this file only) and count
    /// the major faults of reading it through the mapping
    #[arg(long)]
    pub cold: bool,
    /// Run even if the file is more than half of the available memory
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "filemap",
    section: "ファイルマップ",
    summary: "map a file MAP_SHARED, write through memory, read it back",
    needs: "-",
    page: include_str!("../../../experiments/filemap.md"),
    plots: false,
    quick: Some(&["--cold"]),
    key_figures: &[],
    judge: None,
};

/// Big enough that a cold read without read-around counts thousands of
/// major faults; small enough to write in a blink.
const DEFAULT_SIZE: u64 = 8 << 20;
const HELLO: &[u8] = b"HELLO";
/// The test file's contents: one recognisable line, repeated.
const LINE: &[u8] = b"memlab filemap test file: this line is repeated to the file's size\n";

#[derive(Serialize)]
struct Row {
    step: &'static str,
    vsz_kib: u64,
    rss_kib: u64,
    /// Faults since the previous row.
    minflt: u64,
    majflt: u64,
    /// Pages of the mapped file in the page cache (mincore), when mapped.
    cached_pages: Option<u64>,
    detail: String,
}

/// memlab's own temporary folder; removed (with the file) when dropped,
/// which also happens on Ctrl-C: the handler only sets a flag, the run
/// returns normally and the guard goes out of scope.
/// memlab's test folder, removed on drop. The run holds an exclusive
/// `flock` on the folder for its whole life (the kernel drops it when the
/// process ends, SIGKILL included), so another run never takes a live
/// folder for one left behind, even from another pid namespace.
struct TempDir {
    path: PathBuf,
    _lock: Option<nix::fcntl::Flock<std::fs::File>>,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// An exclusive lock on a folder, without waiting; None when another
/// process holds it (or the folder cannot be opened).
fn lock_dir(dir: &Path) -> Option<nix::fcntl::Flock<std::fs::File>> {
    let f = std::fs::File::open(dir).ok()?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).ok()
}

/// Where memlab puts its test file, and why there.
///
/// TMPDIR when set (the user chose it). Otherwise /tmp, unless /tmp is a
/// tmpfs: its files live in the page cache only, so `--cold` could never
/// drop them; /var/tmp is then tried, which the FHS keeps on disk. The
/// current directory is never used: it may be a user's project.
fn temp_base() -> (PathBuf, String) {
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

/// Remove test folders left in `base` by a memlab that was killed with
/// SIGKILL (the only way to skip the cleanup): `memlab-filemap-<pid>-*`,
/// owned by this user, whose pid is gone and whose lock nobody holds,
/// holding nothing but the test file. Returns how many were removed.
fn remove_stale(base: &Path) -> usize {
    use std::os::unix::fs::MetadataExt;
    let me = nix::unistd::geteuid().as_raw();
    let Ok(entries) = std::fs::read_dir(base) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("memlab-filemap-"))
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
        // A live run holds the folder's lock (its pid may be invisible here:
        // another pid namespace, hidepid).
        let Some(_lock) = lock_dir(&dir) else {
            continue;
        };
        let only_test_file = std::fs::read_dir(&dir).is_ok_and(|d| {
            d.flatten()
                .all(|f| f.file_name() == "filemap.dat" && f.file_type().is_ok_and(|t| t.is_file()))
        });
        if only_test_file
            && std::fs::remove_file(dir.join("filemap.dat"))
                .or_else(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Ok(()),
                    _ => Err(e),
                })
                .is_ok()
            && std::fs::remove_dir(&dir).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

fn make_temp_dir(base: &Path) -> Result<TempDir> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = base.join(format!("memlab-filemap-{}-{nanos:08x}", std::process::id()));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("creating temporary folder {}", dir.display()))?;
    let lock = lock_dir(&dir);
    Ok(TempDir {
        path: dir,
        _lock: lock,
    })
}

/// Write `size` bytes of the test text and flush them to the disk, so the
/// page cache holds clean pages that `posix_fadvise` can drop.
fn write_test_file(path: &Path, size: u64) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    let chunk: Vec<u8> = LINE.iter().copied().cycle().take(64 * 1024).collect();
    let mut left = size;
    while left > 0 {
        if sys::interrupted() {
            // The caller sees the flag and returns; the folder guard removes
            // the partial file.
            return Ok(());
        }
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n])
            .with_context(|| format!("writing {}", path.display()))?;
        left -= n as u64;
    }
    f.sync_all()
        .with_context(|| format!("fsync {}", path.display()))?;
    Ok(())
}

fn printable(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_graphic() || c == b' ' {
                c as char
            } else {
                '.'
            }
        })
        .collect()
}

/// How much of the file the cold read touches between looks at the
/// interrupt flag (a few milliseconds of reading even from a slow disk).
const COLD_SLICE: u64 = 4 << 20;

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let page = sys::page_size();
    let mut r = Report::new("filemap", &ctx.meta);

    // ---- the file ---------------------------------------------------------
    // `_tmp` is declared first so it is dropped last: after the mapping and
    // the file are closed, the folder goes, in every way out of this function.
    let _tmp: Option<TempDir>;
    let path: PathBuf;
    let writable: bool;
    let own_file = args.file.is_none();
    if let Some(p) = &args.file {
        let md = std::fs::metadata(p).map_err(|e| usage(format!("--file {}: {e}", p.display())))?;
        if !md.is_file() {
            return Err(usage(format!("--file {}: not a regular file", p.display())));
        }
        if md.len() == 0 {
            return Err(usage(format!(
                "--file {}: the file is empty, and an empty file cannot be mapped",
                p.display()
            )));
        }
        if args.write && md.len() < HELLO.len() as u64 {
            return Err(usage(format!(
                "--file {}: shorter than the {} bytes of HELLO",
                p.display(),
                HELLO.len()
            )));
        }
        crate::guard::check(Size(md.len()), args.force)?;
        _tmp = None;
        path = p.clone();
        writable = args.write;
        r.param("file", p.display().to_string());
    } else {
        let size = args.size.map(|s| s.bytes()).unwrap_or(DEFAULT_SIZE);
        if size < page {
            return Err(usage(format!(
                "--size {size} is smaller than a page ({page} bytes); e.g. --size 8M"
            )));
        }
        crate::guard::check(Size(size), args.force)?;
        let (base, why) = temp_base();
        // The test file goes to disk: never fill the user's file system.
        // Half of the free space at most, as the memory guard does; more
        // than all of it cannot work even with --force.
        if let Ok(free) = crate::probe::fs::free_bytes(&base)
            && (size > free || (size > free / 2 && !args.force))
        {
            return Err(usage(format!(
                "--size {} is more than {} the {} free on {} (where the test file goes; set \
                 TMPDIR to use another folder); e.g. --size 8M{}",
                Size(size),
                if size > free { "all of" } else { "half of" },
                human_bytes(free),
                base.display(),
                if size > free { "" } else { ", or --force" }
            )));
        }
        let stale = remove_stale(&base);
        if stale > 0 {
            r.note(format!(
                "removed {stale} test folder(s) in {} left by a memlab that was killed (SIGKILL)",
                base.display()
            ));
        }
        let dir = make_temp_dir(&base)?;
        path = dir.path.join("filemap.dat");
        _tmp = Some(dir);
        write_test_file(&path, size)?;
        if sys::interrupted() {
            r.interrupted = true;
            return Ok(r);
        }
        writable = true;
        r.param("file", "(a test file of memlab's own)");
        r.param("temp_folder", base.display().to_string());
        r.note(format!(
            "test file made in {} ({why}); it is removed at the end",
            base.display()
        ));
    }
    r.param("write", writable);
    r.param("cold", args.cold);

    let file = OpenOptions::new()
        .read(true)
        .write(writable)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let len = file
        .metadata()
        .with_context(|| format!("reading the size of {}", path.display()))?
        .len();
    let pages = len.div_ceil(page);
    let canonical =
        std::fs::canonicalize(&path).with_context(|| format!("resolving {}", path.display()))?;
    let (fs_name, in_memory) = crate::probe::fs::kind(&canonical)?;
    r.param("size_bytes", len);
    r.param("file_system", &fs_name);
    ctx.ui.say(&format!(
        "file {} ({} bytes, {pages} pages) on {fs_name}{}",
        canonical.display(),
        len,
        if own_file { ", made by memlab" } else { "" }
    ));

    let me = ProcHandle::myself()?;
    let mut last = me.sample()?;
    let mut step =
        |r: &mut Report, name: &'static str, cached: Option<u64>, detail: String| -> Result<()> {
            let s: Sample = me.sample()?;
            r.push_row(&Row {
                step: name,
                vsz_kib: s.vsz_kib,
                rss_kib: s.rss_kib,
                minflt: s.minflt.saturating_sub(last.minflt),
                majflt: s.majflt.saturating_sub(last.majflt),
                cached_pages: cached,
                detail,
            });
            last = s;
            Ok(())
        };
    step(&mut r, "open", None, format!("{} bytes on {fs_name}", len))?;

    // ---- map it MAP_SHARED and diff the memory map ------------------------
    let mut before_text = String::with_capacity(1 << 20);
    let mut after_text = String::with_capacity(1 << 20);
    maps::read_into("self", &mut before_text)?;
    let opts = MapOptions {
        sharing: Sharing::Shared,
        read_only: !writable,
        ..MapOptions::default()
    };
    let region = Region::file(len, opts, file.as_fd(), 0)?;
    maps::read_into("self", &mut after_text)?;
    let addr = region.addr();
    let diff = maps::diff(&maps::parse(&before_text), &maps::parse(&after_text));
    let file_line = diff
        .iter()
        .find(|(c, l)| *c == Change::Added && l.contains(addr))
        .map(|(_, l)| l.clone());
    ctx.ui.say(&format!(
        "mmap(MAP_SHARED) returned {addr:#x}; /proc/self/maps changed in {} line(s):",
        diff.len()
    ));
    for (c, l) in &diff {
        let mark = if *c == Change::Added { '+' } else { '-' };
        ctx.ui.say(&format!("  {mark} {}", l.render()));
    }
    step(
        &mut r,
        "map",
        Some(region.resident_pages()?),
        file_line
            .as_ref()
            .map(|l| l.render())
            .unwrap_or_else(|| "no added line holds the address".into()),
    )?;
    r.summary("address", format!("{addr:#x}"));
    r.summary("file_map_line", file_line.as_ref().map(|l| l.render()));
    let shown_path = canonical.display().to_string();
    r.check(Check::new(
        "file_line_in_maps",
        "the file's contents are mapped into the virtual address space: a new line of the memory map names the file",
        format!("an added line holding {addr:#x}, shared (s), naming {shown_path}"),
        match &file_line {
            Some(l) => l.render(),
            None => "no added line holds the address".into(),
        },
        file_line.as_ref().is_some_and(|l| {
            l.pathname == shown_path && l.perms.ends_with('s') && l.size() >= len
        }),
    ));
    if sys::interrupted() {
        r.interrupted = true;
        return Ok(r);
    }

    // ---- read through the mapping: the same bytes read(2) returns ---------
    let n = HELLO.len().min(len as usize);
    let via_map = region.read_bytes(0, n);
    let mut via_read = vec![0u8; n];
    file.read_exact_at(&mut via_read, 0)
        .with_context(|| format!("reading {}", path.display()))?;
    step(
        &mut r,
        "read",
        Some(region.resident_pages()?),
        format!("first bytes through the mapping: {:?}", printable(&via_map)),
    )?;
    r.check(Check::new(
        "mapping_reads_the_file",
        "a mapped file is read with plain memory accesses",
        format!("the first {n} bytes through the mapping equal read(2)'s"),
        format!("{:?} vs {:?}", printable(&via_map), printable(&via_read)),
        via_map == via_read,
    ));

    // ---- write HELLO through the mapping, msync, read(2) it back ----------
    if writable {
        region.write_bytes(0, HELLO);
        step(
            &mut r,
            "write",
            Some(region.resident_pages()?),
            "HELLO stored at offset 0 through the mapping".into(),
        )?;
        region.sync()?;
        step(
            &mut r,
            "msync",
            Some(region.resident_pages()?),
            "msync(MS_SYNC): dirty page written back to the file".into(),
        )?;
        // A separate descriptor and read(2): the file itself, not the mapping.
        let mut back = vec![0u8; HELLO.len()];
        File::open(&path)
            .and_then(|f| f.read_exact_at(&mut back, 0))
            .with_context(|| format!("reading {} back", path.display()))?;
        step(
            &mut r,
            "read_back",
            Some(region.resident_pages()?),
            format!(
                "read(2) of the file: {:?} (was {:?})",
                printable(&back),
                printable(&via_read)
            ),
        )?;
        ctx.ui.say(&format!(
            "wrote HELLO through the mapping; read(2) now returns {:?} (was {:?})",
            printable(&back),
            printable(&via_read)
        ));
        r.summary("bytes_before", printable(&via_read));
        r.summary("bytes_read_back", printable(&back));
        r.check(Check::new(
            "write_reaches_the_file",
            "what is written to a shared file mapping is written back to the file",
            "read(2) after msync returns HELLO",
            format!("{:?}", printable(&back)),
            back == HELLO,
        ));
    } else {
        r.skip(format!(
            "no write: {} is your file and --write was not given (it was mapped read-only)",
            path.display()
        ));
    }
    if sys::interrupted() {
        r.interrupted = true;
        return Ok(r);
    }

    // ---- --cold: drop this file's page cache, read it through a mapping ---
    // Twice: with the kernel's read-around (what a program gets by default)
    // and with MADV_RANDOM (one page per fault), so the count of major faults
    // can be set against the count of pages.
    if args.cold {
        drop(region);
        let mut random_cold = None;
        for random in [false, true] {
            let (name, how) = if random {
                ("cold_read_random", "MADV_RANDOM: no read-around")
            } else {
                ("cold_read", "default read-around")
            };
            // Pages mapped into a process cannot be dropped: the previous
            // mapping is gone; ask the kernel to forget the file's clean
            // cached pages (this file only).
            sys::fadvise_dontneed(file.as_fd())?;
            let cold = Region::file(len, opts, file.as_fd(), 0)?;
            if random {
                cold.advise_random()?;
            }
            let cached_before = cold.resident_pages()?;
            step(
                &mut r,
                "drop_cache",
                Some(cached_before),
                format!("posix_fadvise(DONTNEED): {cached_before} of {pages} pages still cached"),
            )?;
            let before = me.sample()?;
            // Each major fault waits for the disk: read in slices and stop at
            // a signal instead of finishing a large file first.
            let mut off = 0;
            while off < len && !sys::interrupted() {
                let end = (off + COLD_SLICE).min(len);
                cold.read_range(off, end, page);
                off = end;
            }
            if sys::interrupted() {
                r.interrupted = true;
                return Ok(r);
            }
            let after = me.sample()?;
            let majflt = after.majflt.saturating_sub(before.majflt);
            let minflt = after.minflt.saturating_sub(before.minflt);
            step(
                &mut r,
                name,
                Some(cold.resident_pages()?),
                format!("one byte of each of {pages} pages through a fresh mapping ({how})"),
            )?;
            let dropped = pages.saturating_sub(cached_before);
            ctx.ui.say(&format!(
                "cold read, {how}: {pages} pages ({dropped} not cached): {majflt} major and {minflt} minor faults"
            ));
            let key = if random { "random_" } else { "" };
            r.summary(&format!("cold_{key}pages_dropped"), dropped);
            r.summary(&format!("cold_{key}major_faults"), majflt);
            r.summary(&format!("cold_{key}minor_faults"), minflt);
            if majflt > 0 {
                r.summary(
                    &format!("cold_{key}pages_per_major_fault"),
                    (dropped as f64 / majflt as f64 * 10.0).round() / 10.0,
                );
            }
            if random {
                random_cold = Some((dropped, majflt));
            }
            drop(cold);
            if sys::interrupted() {
                r.interrupted = true;
                return Ok(r);
            }
        }
        r.note(
            "with read-around one major fault brings in many pages (the kernel reads ahead, \
             and fault-around maps already-cached neighbours: 16 pages by default, whole \
             large folios on file systems that use them), so faults < pages; MADV_RANDOM \
             turns read-around off and shows about one major fault per page",
        );
        let (dropped, majflt) = random_cold.unwrap_or((0, 0));
        let claim = "a page of a mapped file that is not in memory is read from the disk on first access (a major fault)";
        let expected = "major faults > 0 when pages were dropped from the cache (MADV_RANDOM read)";
        if in_memory {
            r.check(Check::inconclusive(
                "cold_read_takes_major_faults",
                claim,
                expected,
                format!(
                    "the file lives on {fs_name}, which keeps files in memory only: \
                     there is no disk to read from ({majflt} major faults); set TMPDIR \
                     to a folder on a disk"
                ),
            ));
        } else if dropped == 0 {
            r.check(Check::inconclusive(
                "cold_read_takes_major_faults",
                claim,
                expected,
                format!(
                    "posix_fadvise dropped none of the {pages} pages (dirty, or mapped by \
                     another process); {majflt} major faults"
                ),
            ));
        } else {
            r.check(Check::new(
                "cold_read_takes_major_faults",
                claim,
                expected,
                format!("{majflt} major faults for {dropped} dropped pages"),
                majflt > 0,
            ));
        }
    }
    drop(file);
    Ok(r)
}
