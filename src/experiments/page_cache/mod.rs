//! page-cache — the page cache behind `free`'s buff/cache and available
//! (メモリに関する統計情報)
//!
//! The document defines buff/cache as the memory of the buffer cache and the
//! page cache, and available as free plus what the kernel can release when
//! free memory runs short, most of the page cache included. memlab shows the
//! mechanism: it writes a test file, drops just that file's pages from the
//! cache (`posix_fadvise(DONTNEED)`, never `drop_caches`), reads it through
//! a mapping (cold: major faults and device reads), reads it again (warm:
//! neither), and drops it again — while `mincore` counts the file's resident
//! pages exactly and /proc/meminfo shows buff/cache, free and available move.
//!
//! `run` records rows; [`checks::judge`] derives the summary and checks.

pub mod checks;
pub mod view;

use std::fs::File;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::scratch_dir::{self, Layout, ScratchDir};
use crate::error::usage;
use crate::i18n::tr;
use crate::probe::pagecache::{self, CacheReading, VmCounters};
use crate::report::Report;
use crate::sys::{self, MapOptions, Region, Sharing};
use crate::units::{Size, human_bytes};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Size of memlab's test file (default 256M)
    #[arg(long, allow_hyphen_values = true, conflicts_with = "file")]
    pub size: Option<Size>,
    /// Read this file instead of a test file of memlab's own. It is only
    /// read (its cached pages are dropped, its contents never change)
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Run even if the file is more than half of the available memory (or
    /// the test file more than half of the free disk space)
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "page-cache",
    section: "メモリに関する統計情報 (buff/cache, available)",
    summary: "read a file cold and warm: page cache, buff/cache and available",
    needs: "a folder on a disk",
    page: include_str!("../../../experiments/page-cache.md"),
    plots: true,
    chart: Some(view::chart),
    quick: Some(&["--size", "64M"]),
    key_figures: &[
        "cold_read_s",
        "warm_read_s",
        "cache_rise_kib",
        "available_drop_kib",
    ],
    judge: checks::judge,
    page_ja: Some(include_str!("../../../experiments/ja/page-cache.md")),
};

const DEFAULT_SIZE: u64 = 256 << 20;
/// memlab's own test folders: `memlab-page-cache-<pid>-<nanos>/page-cache.dat`.
const LAYOUT: Layout = Layout {
    prefix: "memlab-page-cache-",
    file_name: "page-cache.dat",
};
/// The test file's contents: a recognisable line, repeated.
const LINE: &[u8] = b"memlab page-cache test file: every page of it is real data on the disk\n";
/// Readings of system memory in each quiet window (before the cold read,
/// after the last drop): the host's background is their spread.
pub const QUIET_READINGS: usize = 10;
/// Time between two quiet readings.
pub const QUIET_INTERVAL: Duration = Duration::from_millis(50);
/// How much of the file one read touches between looks at the interrupt
/// flag (a few milliseconds even from a slow disk).
const READ_SLICE: u64 = 4 << 20;

/// One reading of the file and the system. Read steps (`cold_read`,
/// `warm_read`) also carry what the read cost.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Row {
    pub t_s: f64,
    /// `dropped`, `quiet_before`, `cold_read`, `warm_read`, `drop`, `quiet_after`.
    pub step: String,
    /// The file's pages in the page cache (mincore), KiB; empty when mincore
    /// cannot see this file's cache.
    pub resident_kib: Option<u64>,
    pub buff_cache_kib: u64,
    pub free_kib: u64,
    pub available_kib: u64,
    /// Free pages in per-CPU lists, missing from MemFree and MemAvailable.
    pub pcp_free_kib: u64,
    /// Active(file) + Inactive(file): MemAvailable's page cache.
    pub file_lru_kib: u64,
    /// Other processes' memory that reading a file does not move:
    /// AnonPages (memlab's own few MiB included, constant) ...
    pub others_anon_kib: u64,
    /// ... and Shmem (shared memory and tmpfs files: inside Cached, and
    /// not available).
    pub shmem_kib: u64,
    /// Page cache other processes brought in since boot, KiB: device reads
    /// (vmstat pgpgin) and pages dirtied by writes (nr_dirtied), less
    /// memlab's own device reads (/proc/self/io read_bytes). A counter: its
    /// change over a window is the signal.
    pub others_cache_in_kib: Option<i64>,
    /// Pages the host reclaimed since boot (vmstat pgsteal_*).
    pub pgsteal: Option<u64>,
    /// Read steps: the file's resident pages just before the read.
    pub resident_before_kib: Option<u64>,
    /// Read steps: time to read one byte of every page through a fresh mapping.
    pub read_s: Option<f64>,
    pub majflt: Option<u64>,
    pub minflt: Option<u64>,
    /// Read steps: bytes read from storage (/proc/self/io read_bytes).
    pub read_bytes: Option<u64>,
}

/// Params as the checks read them back.
#[derive(Debug, Deserialize)]
pub struct Params {
    pub size_bytes: u64,
    pub own_file: bool,
    pub residency_visible: bool,
}

/// Measurements as the checks read them back.
#[derive(Debug, Default, Deserialize)]
pub struct Measured {
    /// Sum of the zones' low watermarks (MemAvailable's rule), KiB.
    pub wmark_low_kib: Option<u64>,
}

/// What a read through a fresh mapping cost.
struct ReadCost {
    resident_before_kib: Option<u64>,
    read_s: f64,
    majflt: u64,
    minflt: u64,
    read_bytes: Option<u64>,
}

/// The file under test and what the run knows of it.
struct Target {
    path: PathBuf,
    file: File,
    len: u64,
    /// Whether mincore tells this process the truth about the file.
    residency_visible: bool,
    /// memlab's own test folder (removed on drop), or None for --file.
    _scratch: Option<ScratchDir>,
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let mut r = Report::new("page-cache", &ctx.meta);
    r.columns_from(&Row::default());
    record(args, ctx, &mut r)?;
    view::apply(&mut r)?;
    Ok(r)
}

/// Act and measure, appending rows to `r`; returns early (marked
/// interrupted) at a signal.
fn record(args: &Args, ctx: &Ctx, r: &mut Report) -> Result<()> {
    let Some(t) = target(args, ctx, r)? else {
        r.interrupted = true;
        return Ok(());
    };
    let page = sys::page_size();
    let visible = t.residency_visible;
    if !visible {
        r.note_t(
            "page_cache.note.mincore_blind",
            &[("path", &t.path.display().to_string())],
        );
        r.skip_t("page_cache.skip.residency", &[]);
    }
    r.measure("wmark_low_kib", pagecache::low_watermark_kib());
    r.measure("io_accounting", pagecache::self_read_bytes().is_some());

    let opts = MapOptions {
        sharing: Sharing::Shared,
        read_only: true,
        ..MapOptions::default()
    };
    // A mapping never touched, for mincore only: it maps no page, so it
    // keeps nothing from being dropped.
    let observer = Region::file(t.len, opts, t.file.as_fd(), 0)?;
    let resident = || -> Result<Option<u64>> {
        Ok(if visible {
            Some(observer.resident_pages()? * page / 1024)
        } else {
            None
        })
    };
    let start = Instant::now();
    let reading = |step: &str, cost: Option<&ReadCost>| -> Result<Row> {
        row(step, resident()?, cost, start)
    };

    sys::fadvise_dontneed(t.file.as_fd())?;
    r.push_row(&reading("dropped", None)?);
    ctx.ui.say(&tr(
        "page_cache.say.dropped",
        &[("resident", &shown(resident()?))],
    ));
    if !quiet_window(r, "quiet_before", &reading)? {
        return Ok(());
    }

    for step in ["cold_read", "warm_read"] {
        let before = resident()?;
        let Some(cost) = read_through_mapping(&t, opts, before)? else {
            r.interrupted = true;
            return Ok(());
        };
        let row = reading(step, Some(&cost))?;
        ctx.ui.say(&tr(
            "page_cache.say.read",
            &[
                ("step", step),
                ("read_s", &format!("{:.3}", cost.read_s)),
                ("majflt", &cost.majflt.to_string()),
                (
                    "device",
                    &cost
                        .read_bytes
                        .map(human_bytes)
                        .unwrap_or_else(|| "?".into()),
                ),
                ("before", &shown(before)),
                ("after", &shown(row.resident_kib)),
            ],
        ));
        r.push_row(&row);
    }

    // Pages mapped into a process are not dropped: both read mappings are
    // gone by now, the observer never mapped a page.
    sys::fadvise_dontneed(t.file.as_fd())?;
    let row = reading("drop", None)?;
    ctx.ui.say(&tr(
        "page_cache.say.dropped_again",
        &[("resident", &shown(row.resident_kib))],
    ));
    r.push_row(&row);
    quiet_window(r, "quiet_after", &reading)?;
    drop(observer);
    Ok(())
}

fn shown(kib: Option<u64>) -> String {
    kib.map(|k| human_bytes(k * 1024))
        .unwrap_or_else(|| tr("page_cache.say.unknown", &[]))
}

/// `QUIET_READINGS` rows while memlab does nothing. False when a signal
/// cut it short (the report is marked interrupted).
fn quiet_window(
    r: &mut Report,
    step: &str,
    reading: &dyn Fn(&str, Option<&ReadCost>) -> Result<Row>,
) -> Result<bool> {
    for i in 0..QUIET_READINGS {
        if i > 0 && !sys::sleep_until(Instant::now() + QUIET_INTERVAL) {
            r.interrupted = true;
            return Ok(false);
        }
        r.push_row(&reading(step, None)?);
    }
    if sys::interrupted() {
        r.interrupted = true;
        return Ok(false);
    }
    Ok(true)
}

/// One reading of the system (and the file's residency) as a row.
fn row(step: &str, resident: Option<u64>, cost: Option<&ReadCost>, start: Instant) -> Result<Row> {
    let m = CacheReading::read()?;
    let vm = VmCounters::read();
    let own_io = pagecache::self_read_bytes();
    let page_kib = sys::page_size() / 1024;
    Ok(Row {
        t_s: start.elapsed().as_secs_f64(),
        step: step.into(),
        resident_kib: resident,
        buff_cache_kib: m.mem.buff_cache_kib,
        free_kib: m.mem.free_kib,
        available_kib: m.mem.available_kib,
        pcp_free_kib: m.mem.pcp_free_kib,
        file_lru_kib: m.file_lru_kib,
        others_anon_kib: m.anon_pages_kib,
        shmem_kib: m.shmem_kib,
        others_cache_in_kib: vm
            .zip(own_io)
            .map(|(v, own)| (v.pgpgin_kib + v.nr_dirtied * page_kib) as i64 - (own / 1024) as i64),
        pgsteal: vm.map(|v| v.pgsteal),
        resident_before_kib: cost.and_then(|c| c.resident_before_kib),
        read_s: cost.map(|c| c.read_s),
        majflt: cost.map(|c| c.majflt),
        minflt: cost.map(|c| c.minflt),
        read_bytes: cost.and_then(|c| c.read_bytes),
    })
}

/// Read one byte of every page through a fresh mapping (the kernel's
/// default read-around, as any program gets), timed, with the faults and
/// device reads it caused. The mapping is gone when this returns. None when
/// a signal stopped it.
fn read_through_mapping(
    t: &Target,
    opts: MapOptions,
    resident_before_kib: Option<u64>,
) -> Result<Option<ReadCost>> {
    let page = sys::page_size();
    let map = Region::file(t.len, opts, t.file.as_fd(), 0)?;
    let io0 = pagecache::self_read_bytes();
    let (min0, maj0) = sys::rusage_self_faults();
    let t0 = Instant::now();
    let mut off = 0;
    while off < t.len {
        if sys::interrupted() {
            return Ok(None);
        }
        let end = (off + READ_SLICE).min(t.len);
        map.read_range(off, end, page);
        off = end;
    }
    let read_s = t0.elapsed().as_secs_f64();
    let (min1, maj1) = sys::rusage_self_faults();
    let io1 = pagecache::self_read_bytes();
    drop(map);
    Ok(Some(ReadCost {
        resident_before_kib,
        read_s,
        majflt: maj1.saturating_sub(maj0),
        minflt: min1.saturating_sub(min0),
        read_bytes: io0.zip(io1).map(|(a, b)| b.saturating_sub(a)),
    }))
}

/// The file: the user's (`--file`, only read) or a test file of memlab's
/// own, written and fsynced in a fresh folder on a disk. None when a signal
/// stopped the writing.
fn target(args: &Args, ctx: &Ctx, r: &mut Report) -> Result<Option<Target>> {
    let (path, scratch) = match &args.file {
        Some(p) => (users_file(p, args.force)?, None),
        None => {
            let size = args.size.map(|s| s.bytes()).unwrap_or(DEFAULT_SIZE);
            let page = sys::page_size();
            crate::guard::at_least(
                "--size",
                Size(size),
                page,
                &tr("page_cache.err.size_floor", &[]),
                "64M",
            )?;
            crate::guard::check(Size(size), args.force)?;
            // Recorded first: a run interrupted while writing is still a
            // report the checks can read.
            r.param("size_bytes", size);
            r.param("own_file", true);
            r.param("residency_visible", true);
            let (base, why) = scratch_dir::base(true)?;
            let (why_id, note_id, why_arg) = folder_why(&why);
            let why_args: Vec<(&str, &str)> = why_arg.iter().map(|v| ("why", v.as_str())).collect();
            scratch_dir::check_space(&base, size, args.force, "64M")?;
            let stale = scratch_dir::sweep(&base, LAYOUT).len();
            if stale > 0 {
                r.note_t(
                    "page_cache.note.swept",
                    &[
                        ("n", &stale.to_string()),
                        ("folder", &base.display().to_string()),
                    ],
                );
            }
            let s = scratch_dir::make(&base, LAYOUT)?;
            ctx.ui.say(&tr(
                "page_cache.say.writing",
                &[
                    ("size", &human_bytes(size)),
                    ("folder", &base.display().to_string()),
                    ("why", &tr(why_id, &why_args)),
                ],
            ));
            let bar = ctx.ui.progress(size, &tr("page_cache.say.progress", &[]));
            let written = scratch_dir::write_file(&s.file(), LINE, size, &|n| bar.set(n))?;
            bar.finish();
            if !written {
                return Ok(None);
            }
            r.param("temp_folder", base.display().to_string());
            let folder = base.display().to_string();
            let mut args = vec![("folder", folder.as_str())];
            args.extend_from_slice(&why_args);
            r.note_t(note_id, &args);
            (s.file(), Some(s))
        }
    };
    let file = File::open(&path).with_context(|| {
        tr(
            "page_cache.err.opening",
            &[("path", &path.display().to_string())],
        )
    })?;
    if args.file.is_some() {
        // Dirty pages are not dropped: have them written back first. fsync
        // changes nothing in the file (it writes what is already there).
        // Best effort: a file system may refuse it on a read-only descriptor.
        if let Err(e) = file.sync_all() {
            r.note_t(
                "page_cache.note.fsync_failed",
                &[
                    ("path", &path.display().to_string()),
                    ("error", &e.to_string()),
                ],
            );
        }
    }
    let len = file
        .metadata()
        .with_context(|| {
            tr(
                "page_cache.err.size_of",
                &[("path", &path.display().to_string())],
            )
        })?
        .len();
    let (fs_name, _) = crate::probe::fs::kind(&path)?;
    r.param("size_bytes", len);
    let residency_visible = pagecache::mincore_sees(&path)?;
    r.param("residency_visible", residency_visible);
    r.param("file", args.file.as_ref().map(|p| p.display().to_string()));
    r.param("own_file", args.file.is_none());
    r.param("file_system", &fs_name);
    r.param("quiet_readings", QUIET_READINGS);
    r.param("quiet_interval_s", QUIET_INTERVAL.as_secs_f64());
    ctx.ui.say(&tr(
        "page_cache.say.file",
        &[
            ("path", &path.display().to_string()),
            ("len", &len.to_string()),
            ("pages", &len.div_ceil(sys::page_size()).to_string()),
            ("fs", &fs_name),
        ],
    ));
    Ok(Some(Target {
        path,
        file,
        len,
        residency_visible,
        _scratch: scratch,
    }))
}

/// Why the test file went where it did (scratch_dir's English words), as
/// the catalogue's words for the narration, the note's id and the argument
/// of both: the note keeps English arguments only, so each reason is a
/// message of its own.
fn folder_why(why: &str) -> (&'static str, &'static str, Option<String>) {
    if why == "TMPDIR" {
        (
            "page_cache.why.tmpdir",
            "page_cache.note.test_file_tmpdir",
            None,
        )
    } else if why == "the default temporary folder" {
        (
            "page_cache.why.default",
            "page_cache.note.test_file_default",
            None,
        )
    } else if let Some(fs) = why
        .strip_prefix("/tmp is ")
        .and_then(|r| r.strip_suffix(" (in memory), /var/tmp is on disk"))
    {
        (
            "page_cache.why.var_tmp",
            "page_cache.note.test_file_var_tmp",
            Some(fs.to_string()),
        )
    } else {
        (
            "page_cache.why.other",
            "page_cache.note.test_file_other",
            Some(why.to_string()),
        )
    }
}

/// A user's file, checked: a regular, non-empty file on a disk that the
/// memory guard allows.
fn users_file(p: &Path, force: bool) -> Result<PathBuf> {
    let md = scratch_dir::users_file(p)?;
    if let Ok((fs, true)) = crate::probe::fs::kind(p) {
        return Err(usage(tr(
            "page_cache.err.file_in_memory",
            &[("path", &p.display().to_string()), ("fs", &fs)],
        )));
    }
    crate::guard::check_flag("--file", Size(md.len()), force)?;
    Ok(p.to_path_buf())
}
