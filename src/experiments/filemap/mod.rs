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

mod checks;
mod child;

use std::fs::{File, OpenOptions};
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub use checks::judge;
use checks::{Measured, Row, printable};
use child::{Answer, Cmd, HELLO, Mapper, Reply};

use super::Ctx;
use super::scratch_dir::{self, Layout, ScratchDir};
use crate::error::usage;
use crate::i18n::tr;
use crate::probe::maps;
use crate::report::{EndedBy, Report};
use crate::sys::{self, MapOptions, Sharing};
use crate::units::Size;

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
    chart: None,
    quick: Some(&["--cold"]),
    key_figures: &["cold_random_major_faults"],
    judge,
    page_ja: Some(include_str!("../../../experiments/ja/filemap.md")),
};

/// Big enough that a cold read without read-around counts thousands of
/// major faults; small enough to write in a blink.
const DEFAULT_SIZE: u64 = 8 << 20;
/// The test file's contents: one recognisable line, repeated.
const LINE: &[u8] = b"memlab filemap test file: this line is repeated to the file's size\n";
/// memlab's own test folders: `memlab-filemap-<pid>-<nanos>/filemap.dat`.
const LAYOUT: Layout = Layout {
    prefix: "memlab-filemap-",
    file_name: "filemap.dat",
};
/// TEST ONLY: `MEMLAB_TEST_PAUSE=<stage>` makes a run stop at that stage
/// (`mapped`: the child has mapped the file; `cold`: before a cold read),
/// say so on stderr, and wait for a byte (or the end) on stdin, so a test
/// can change the file at that moment (truncate it). Not for users.
const TEST_PAUSE_VAR: &str = "MEMLAB_TEST_PAUSE";

/// The file a run maps: a user's, or memlab's own in its test folder.
struct Target {
    path: PathBuf,
    writable: bool,
    /// Dropped last (declared last): the folder goes after the file is closed.
    _own: Option<ScratchDir>,
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let mut r = Report::new("filemap", &ctx.meta);
    r.columns_from(&Row::default());
    let Some(target) = target(args, &mut r)? else {
        r.interrupted = true;
        return Ok(r);
    };
    r.param("write", target.writable);
    r.param("cold", args.cold);
    let file = OpenOptions::new()
        .read(true)
        .write(target.writable)
        .open(&target.path)
        .with_context(|| path_err("filemap.err.open", &target.path))?;
    let len = file
        .metadata()
        .with_context(|| path_err("filemap.err.size", &target.path))?
        .len();
    let canonical = std::fs::canonicalize(&target.path)
        .with_context(|| path_err("filemap.err.resolve", &target.path))?;
    let (fs_name, in_memory) = crate::probe::fs::kind(&canonical)?;
    let pages = len.div_ceil(sys::page_size());
    r.param("size_bytes", len);
    r.param("file_system", &fs_name);
    ctx.ui.say(&tr(
        if target._own.is_some() {
            "filemap.say.own_file"
        } else {
            "filemap.say.file"
        },
        &[
            ("path", &canonical.display().to_string()),
            ("bytes", &len.to_string()),
            ("pages", &pages.to_string()),
            ("fs", &fs_name),
        ],
    ));
    let opts = MapOptions {
        sharing: Sharing::Shared,
        read_only: !target.writable,
        ..MapOptions::default()
    };
    let mut s = Session {
        ctx,
        mapper: Mapper::start(file.as_fd(), len, opts)?,
        file: &file,
        path: &target.path,
        len,
        rows: Vec::new(),
        m: Measured {
            mapped_path: Some(canonical.display().to_string()),
            file_pages: Some(pages),
            file_system_in_memory: in_memory,
            ..Measured::default()
        },
        last: Reply::default(),
    };
    let completed = s.steps(&mut r, target.writable, args.cold)?;
    let Session {
        mapper,
        rows,
        mut m,
        ..
    } = s;
    if completed {
        mapper.finish()?;
    } else if let Some(signal) = ended_early(mapper, &mut r, &target.path, len, ctx)? {
        m.child_signal = Some(signal);
    }
    r.measurements = match serde_json::to_value(&m)? {
        serde_json::Value::Object(o) => o,
        _ => unreachable!("Measured is a struct"),
    };
    for row in &rows {
        r.push_row(row);
    }
    Ok(r)
}

/// The user's file (checked), or memlab's own test file (made). `None`:
/// interrupted while writing it.
fn target(args: &Args, r: &mut Report) -> Result<Option<Target>> {
    if let Some(p) = &args.file {
        let md = scratch_dir::users_file(p)?;
        if args.write && md.len() < HELLO.len() as u64 {
            return Err(usage(tr(
                "filemap.err.short_file",
                &[
                    ("path", &p.display().to_string()),
                    ("n", &HELLO.len().to_string()),
                ],
            )));
        }
        crate::guard::check(Size(md.len()), args.force)?;
        r.param("file", p.display().to_string());
        return Ok(Some(Target {
            path: p.clone(),
            writable: args.write,
            _own: None,
        }));
    }
    let page = sys::page_size();
    let size = args.size.map(|s| s.bytes()).unwrap_or(DEFAULT_SIZE);
    if size < page {
        return Err(usage(tr(
            "filemap.err.size_below_page",
            &[("size", &size.to_string()), ("page", &page.to_string())],
        )));
    }
    crate::guard::check(Size(size), args.force)?;
    let (base, why) = scratch_dir::base(false)?;
    scratch_dir::check_space(&base, size, args.force, "8M")?;
    for gone in scratch_dir::sweep(&base, LAYOUT) {
        r.note_t(
            "filemap.note.swept",
            &[("path", &gone.display().to_string())],
        );
    }
    let dir = scratch_dir::make(&base, LAYOUT)?;
    let path = dir.file();
    if !scratch_dir::write_file(&path, LINE, size, &|_| {})? {
        return Ok(None);
    }
    // No `file`: memlab's own, as on the command line (no --file).
    r.param("temp_folder", base.display().to_string());
    r.note_t(
        "filemap.note.test_file",
        &[("folder", &base.display().to_string()), ("why", &why)],
    );
    Ok(Some(Target {
        path,
        writable: true,
        _own: Some(dir),
    }))
}

/// The child stopped answering before the end: interrupted, or it died.
/// SIGBUS means the file shrank under the mapping: what was measured is
/// kept, the run is marked `worker_died` (exit 1). Returns the signal
/// that ended the child, if one did.
fn ended_early(
    mut mapper: Mapper,
    r: &mut Report,
    path: &Path,
    len: u64,
    ctx: &Ctx,
) -> Result<Option<String>> {
    let Some(exit) = mapper.ended()? else {
        r.interrupted = true;
        return Ok(None);
    };
    r.ended_by = EndedBy::WorkerDied;
    let shown = path.display().to_string();
    let (id, now) = if exit.signal == Some(nix::sys::signal::Signal::SIGBUS) {
        match std::fs::metadata(path) {
            Ok(m) => ("filemap.note.shrank", m.len().to_string()),
            Err(_) => ("filemap.note.gone", String::new()),
        }
    } else {
        match (exit.signal, exit.exit_code) {
            (Some(s), _) => ("filemap.note.child_killed", s.to_string()),
            (None, Some(c)) => ("filemap.note.child_exit", c.to_string()),
            (None, None) => ("filemap.note.child_ended", String::new()),
        }
    };
    let len = len.to_string();
    let args = [
        ("path", shown.as_str()),
        ("bytes", len.as_str()),
        ("now", now.as_str()),
        ("signal", now.as_str()),
        ("code", now.as_str()),
    ];
    // Said once as it happens (under -q too, as cow and oom say a dead
    // child: one line then), and kept as a note.
    let line = tr(id, &args);
    if ctx.ui.quiet {
        eprintln!("memlab: {line}");
    } else {
        ctx.ui.say(&line);
    }
    r.note_t(id, &args);
    Ok(exit.signal.map(|s| s.as_str().to_string()))
}

/// TEST ONLY (see [`TEST_PAUSE_VAR`]).
fn test_pause(stage: &str) {
    if std::env::var(TEST_PAUSE_VAR).is_ok_and(|v| v == stage) {
        eprintln!("memlab: test pause at {stage}");
        let mut b = [0u8; 1];
        let _ = std::io::Read::read(&mut std::io::stdin(), &mut b);
    }
}

/// One run's conversation with the child that maps the file.
struct Session<'a> {
    ctx: &'a Ctx,
    mapper: Mapper,
    file: &'a File,
    path: &'a Path,
    len: u64,
    rows: Vec<Row>,
    m: Measured,
    /// The counters of the previous row.
    last: Reply,
}

impl Session<'_> {
    /// Ask the child for `cmd` and record a row named `step` (none when
    /// `step` is empty). `None`: the child stopped answering.
    fn step(&mut self, step: &str, cmd: Cmd, arg: u64, detail: String) -> Result<Option<Reply>> {
        let Answer::Reply(reply) = self.mapper.ask_ok(cmd, arg, step)? else {
            return Ok(None);
        };
        if !step.is_empty() {
            self.rows.push(Row {
                step: step.into(),
                vsz_kib: reply.vsz_kib,
                rss_kib: reply.rss_kib,
                minflt: reply.minflt.saturating_sub(self.last.minflt),
                majflt: reply.majflt.saturating_sub(self.last.majflt),
                cached_pages: reply.cached_pages,
                detail,
            });
            self.last = reply.clone();
        }
        Ok(Some(reply))
    }

    /// Every step in order; `Ok(false)` when the child stopped answering
    /// (interrupted, or dead) before the end.
    fn steps(&mut self, r: &mut Report, writable: bool, cold: bool) -> Result<bool> {
        let fs = r
            .params
            .get("file_system")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let Some(_) = self.step(
            "open",
            Cmd::Sample,
            0,
            format!("{} bytes on {fs}", self.len),
        )?
        else {
            return Ok(false);
        };
        if !self.map()? {
            return Ok(false);
        }
        test_pause("mapped");
        if sys::interrupted() || !self.read_head()? {
            return Ok(false);
        }
        if writable {
            if !self.write_hello()? {
                return Ok(false);
            }
        } else {
            r.skip_t(
                "filemap.skip.no_write",
                &[("path", &self.path.display().to_string())],
            );
        }
        if cold {
            for random in [false, true] {
                if sys::interrupted() || !self.cold_read(random)? {
                    return Ok(false);
                }
            }
            r.note_t("filemap.note.read_around", &[]);
        }
        Ok(!sys::interrupted())
    }

    /// Map the file in the child and diff its memory map around the mmap.
    fn map(&mut self) -> Result<bool> {
        let Some(before) = self.step("", Cmd::Maps, 0, String::new())? else {
            return Ok(false);
        };
        let Some(mapped) = self.step("map", Cmd::Map, 0, String::new())? else {
            return Ok(false);
        };
        let Some(after) = self.step("", Cmd::Maps, 0, String::new())? else {
            return Ok(false);
        };
        let addr = mapped.word;
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let diff = maps::diff_entries(
            &maps::parse(&text(&before.bytes)),
            &maps::parse(&text(&after.bytes)),
        );
        self.ctx.ui.say(&tr(
            "filemap.say.mapped",
            &[
                ("address", &format!("{addr:#x}")),
                ("lines", &diff.len().to_string()),
            ],
        ));
        let here = tr("filemap.say.the_file", &[]);
        for line in maps::narrate(&diff, Some(addr), &here) {
            self.ctx.ui.say(&line);
        }
        let line = maps::added_holding(&diff, addr)
            .map_or("no added line holds the address".into(), |l| l.render());
        self.m.maps_diff = diff;
        if let Some(row) = self.rows.last_mut() {
            row.detail = line;
        }
        self.m.address = Some(addr);
        Ok(true)
    }

    /// The first bytes through the mapping, and read(2)'s of the same.
    fn read_head(&mut self) -> Result<bool> {
        let n = HELLO.len() as u64;
        let Some(reply) = self.step("read", Cmd::ReadHead, n, String::new())? else {
            return Ok(false);
        };
        let via_map = reply.bytes;
        if let Some(row) = self.rows.last_mut() {
            row.detail = format!("first bytes through the mapping: {:?}", printable(&via_map));
        }
        self.m.bytes_via_read = Some(read_at_most(self.file, via_map.len(), self.path)?);
        self.m.bytes_via_map = Some(via_map);
        Ok(true)
    }

    /// HELLO through the mapping, msync, and read(2) of the file back.
    fn write_hello(&mut self) -> Result<bool> {
        let detail = "HELLO stored at offset 0 through the mapping".to_string();
        if self.step("write", Cmd::WriteHello, 0, detail)?.is_none() {
            return Ok(false);
        }
        let detail = "msync(MS_SYNC): dirty page written back to the file".to_string();
        if self.step("msync", Cmd::Msync, 0, detail)?.is_none() {
            return Ok(false);
        }
        // A separate descriptor and read(2): the file itself, not the mapping.
        let f =
            File::open(self.path).with_context(|| path_err("filemap.err.open_again", self.path))?;
        let back = read_at_most(&f, HELLO.len(), self.path)?;
        let was = self.m.bytes_via_read.clone().unwrap_or_default();
        let detail = format!(
            "read(2) of the file: {:?} (was {:?})",
            printable(&back),
            printable(&was)
        );
        self.ctx.ui.say(&tr(
            "filemap.say.wrote",
            &[
                ("now", &format!("{:?}", printable(&back))),
                ("was", &format!("{:?}", printable(&was))),
            ],
        ));
        self.m.bytes_read_back = Some(back);
        Ok(self.step("read_back", Cmd::Sample, 0, detail)?.is_some())
    }

    /// Drop the file's page cache and read it through a fresh mapping, with
    /// the kernel's read-around or (`random`) MADV_RANDOM.
    fn cold_read(&mut self, random: bool) -> Result<bool> {
        let (drop_step, read_step, how) = if random {
            (
                "drop_cache_random",
                "cold_read_random",
                "MADV_RANDOM: no read-around",
            )
        } else {
            ("drop_cache", "cold_read", "default read-around")
        };
        // Pages mapped into a process cannot be dropped: unmap first, then
        // ask the kernel to forget the file's clean cached pages (this file
        // only).
        if self.step("", Cmd::Unmap, 0, String::new())?.is_none() {
            return Ok(false);
        }
        sys::fadvise_dontneed(self.file.as_fd())?;
        let Some(m) = self.step(drop_step, Cmd::Map, u64::from(random), String::new())? else {
            return Ok(false);
        };
        let pages = self.len.div_ceil(sys::page_size());
        let cached = m.cached_pages.unwrap_or(0);
        if let Some(row) = self.rows.last_mut() {
            row.detail = format!("posix_fadvise(DONTNEED): {cached} of {pages} pages still cached");
        }
        test_pause("cold");
        let detail = format!("one byte of each of {pages} pages through a fresh mapping ({how})");
        let Some(_) = self.step(read_step, Cmd::ReadAll, 0, detail)? else {
            return Ok(false);
        };
        let row = self.rows.last().cloned().unwrap_or_default();
        self.ctx.ui.say(&tr(
            if random {
                "filemap.say.cold_random"
            } else {
                "filemap.say.cold_default"
            },
            &[
                ("pages", &pages.to_string()),
                ("uncached", &pages.saturating_sub(cached).to_string()),
                ("major", &row.majflt.to_string()),
                ("minor", &row.minflt.to_string()),
            ],
        ));
        Ok(true)
    }
}

/// An error about `path` (opening, reading it) in the reader's language.
fn path_err(id: &str, path: &Path) -> String {
    tr(id, &[("path", &path.display().to_string())])
}

/// Up to `n` bytes from the start of the file with read(2): fewer when the
/// file is shorter now (it may shrink while memlab runs).
fn read_at_most(f: &File, n: usize, path: &Path) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    let mut got = 0;
    while got < n {
        let k = f
            .read_at(&mut buf[got..], got as u64)
            .with_context(|| path_err("filemap.err.read", path))?;
        if k == 0 {
            break;
        }
        got += k;
    }
    buf.truncate(got);
    Ok(buf)
}
