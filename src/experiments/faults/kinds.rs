//! Preparing each kind of fault and timing every access on its own.
//!
//! Each kind's region is prepared so that every timed access is exactly one
//! fault of that kind; the timings buffer is written before the loop, the
//! loop's code path is warmed on a scratch page, and the thread's own fault
//! counters (`RUSAGE_THREAD`) are read around the loop, so nothing but the
//! timed accesses faults inside it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::i18n::tr;
use crate::sys::{self, HUGE_PAGE_BYTES, HugeAdvice, MapOptions, Region, ThreadUsage};

/// The kinds of fault memlab times.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// First write to a private anonymous 4 KiB page (demand paging)
    Anon,
    /// First write to each 2 MiB transparent huge page
    Thp,
    /// First write in a forked child to a page the parent touched (copy-on-write)
    Cow,
    /// First read of a file page that is in the page cache
    FileMinor,
    /// First read of a file page that is not in memory (read from the device)
    FileMajor,
    /// First access to an anonymous page that was paged out to swap
    SwapIn,
}

pub const ALL_KINDS: [Kind; 6] = [
    Kind::Anon,
    Kind::Thp,
    Kind::Cow,
    Kind::FileMinor,
    Kind::FileMajor,
    Kind::SwapIn,
];

impl Kind {
    /// The name on the command line and in the rows.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Anon => "anon",
            Kind::Thp => "thp",
            Kind::Cow => "cow",
            Kind::FileMinor => "file-minor",
            Kind::FileMajor => "file-major",
            Kind::SwapIn => "swap-in",
        }
    }

    /// The prefix of its summary keys.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Anon => "anon",
            Kind::Thp => "thp",
            Kind::Cow => "cow",
            Kind::FileMinor => "file_minor",
            Kind::FileMajor => "file_major",
            Kind::SwapIn => "swap_in",
        }
    }

    pub fn from_name(s: &str) -> Option<Kind> {
        ALL_KINDS.iter().copied().find(|k| k.name() == s)
    }

    /// Whether each access should be a major fault (device read) rather
    /// than a minor one.
    pub fn major(self) -> bool {
        matches!(self, Kind::FileMajor | Kind::SwapIn)
    }
}

/// One kind, one round: the timings and the counters around the loop.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RoundStats {
    pub kind: Kind,
    pub round: u32,
    /// Accesses timed.
    pub attempted: u64,
    /// Fault counters of the timing thread over the loop.
    pub minflt: u64,
    pub majflt: u64,
    /// Involuntary context switches over the loop (preemptions).
    pub nivcsw: u64,
    /// Wall time of the whole loop, ns.
    pub wall_ns: u64,
    /// thp only: accesses that did not get a huge page (left out of the rows).
    pub not_huge: u64,
    /// thp only: direct compaction stalls on the host during the loop
    /// (vmstat `compact_stall`): a fault that had to compact memory first
    /// costs milliseconds that are not the fault's own.
    #[serde(default)]
    pub compact_stalls: u64,
}

/// A round's timings (one per kept access) and its counters.
pub struct Timed {
    pub ns: Vec<u64>,
    pub stats: RoundStats,
}

/// What every kind's preparation needs.
pub struct Setup {
    pub page: u64,
    pub size: u64,
    pub thp_size: u64,
    pub file: Option<TestFile>,
    /// A written page whose timing warms the loop's code and stack.
    pub scratch: Region,
}

/// The offsets of every `stride`-th byte of `len`.
fn offsets(len: u64, stride: u64) -> Vec<u64> {
    (0..len / stride).map(|i| i * stride).collect()
}

/// Time one access at each offset, with the thread's counters around it.
/// A first pass over the scratch page runs the very same code, so every
/// code page of the loop (which a forked child must fault in again: fork
/// copies no page-table entries of file-backed text) is mapped before the
/// counted pass.
fn timed_loop(
    scratch: &Region,
    region: &Region,
    offs: &[u64],
    write: bool,
) -> (Vec<u64>, ThreadUsage, u64) {
    // Written now, so storing a timing cannot fault inside the loop.
    let mut out = vec![1u64; offs.len()];
    let mut warm = [1u64];
    let _ = counted(scratch, &[0], true, &mut warm);
    let (u, wall) = counted(region, offs, write, &mut out);
    (out, u, wall)
}

#[inline(never)]
fn counted(region: &Region, offs: &[u64], write: bool, out: &mut [u64]) -> (ThreadUsage, u64) {
    let u0 = sys::thread_usage();
    let t0 = Instant::now();
    region.time_accesses(offs, write, out);
    let wall = t0.elapsed().as_nanos() as u64;
    let u1 = sys::thread_usage();
    (delta(u0, u1), wall)
}

fn delta(a: ThreadUsage, b: ThreadUsage) -> ThreadUsage {
    ThreadUsage {
        minflt: b.minflt.saturating_sub(a.minflt),
        majflt: b.majflt.saturating_sub(a.majflt),
        nivcsw: b.nivcsw.saturating_sub(a.nivcsw),
    }
}

fn stats(kind: Kind, round: u32, attempted: u64, u: ThreadUsage, wall_ns: u64) -> RoundStats {
    RoundStats {
        kind,
        round,
        attempted,
        minflt: u.minflt,
        majflt: u.majflt,
        nivcsw: u.nivcsw,
        wall_ns,
        not_huge: 0,
        compact_stalls: 0,
    }
}

/// Run one kind for one round.
pub fn run_kind(kind: Kind, round: u32, s: &Setup) -> Result<Timed> {
    match kind {
        Kind::Anon => anon(round, s),
        Kind::Thp => thp(round, s),
        Kind::Cow => cow(round, s),
        Kind::FileMinor => file_minor(round, s),
        Kind::FileMajor => file_major(round, s),
        Kind::SwapIn => swap_in(round, s),
    }
}

fn anon(round: u32, s: &Setup) -> Result<Timed> {
    let region = Region::anon(s.size, MapOptions::default())?;
    region.advise_huge(HugeAdvice::NoHuge)?;
    let offs = offsets(s.size, s.page);
    let (ns, u, wall) = timed_loop(&s.scratch, &region, &offs, true);
    Ok(Timed {
        stats: stats(Kind::Anon, round, offs.len() as u64, u, wall),
        ns,
    })
}

fn thp(round: u32, s: &Setup) -> Result<Timed> {
    let region = Region::anon_aligned(s.thp_size, HUGE_PAGE_BYTES, HugeAdvice::Huge)?;
    let offs = offsets(s.thp_size, HUGE_PAGE_BYTES);
    let stalls = || crate::probe::vmstat::counter("compact_stall").unwrap_or(0);
    let stalls0 = stalls();
    let (ns, u, wall) = timed_loop(&s.scratch, &region, &offs, true);
    let compact_stalls = stalls().saturating_sub(stalls0);
    // Which accesses got a huge page: then the last 4 KiB of the 2 MiB is
    // already mapped, and touching it takes no fault.
    let mut kept = Vec::with_capacity(ns.len());
    let mut not_huge = 0;
    for (i, off) in offs.iter().enumerate() {
        let before = sys::thread_usage().minflt;
        region.time_one(off + HUGE_PAGE_BYTES - s.page, true);
        if sys::thread_usage().minflt == before {
            kept.push(ns[i]);
        } else {
            not_huge += 1;
        }
    }
    let mut st = stats(Kind::Thp, round, offs.len() as u64, u, wall);
    st.not_huge = not_huge;
    st.compact_stalls = compact_stalls;
    Ok(Timed {
        ns: kept,
        stats: st,
    })
}

fn cow(round: u32, s: &Setup) -> Result<Timed> {
    let region = Region::anon(s.size, MapOptions::default())?;
    region.advise_huge(HugeAdvice::NoHuge)?;
    region.write_range(0, s.size, s.page, 1);
    let offs = offsets(s.size, s.page);
    let n = offs.len();
    let (rx, tx) = sys::chan()?;
    let mut child = sys::fork_child(|| {
        // In the child: every page of the region is shared with the parent
        // and write-protected; each first write copies one page.
        let (ns, u, wall_ns) = timed_loop(&s.scratch, &region, &offs, true);
        let msg = CowTimes {
            ns,
            minflt: u.minflt,
            majflt: u.majflt,
            nivcsw: u.nivcsw,
            wall_ns,
        };
        if tx.send_msg(&msg).is_err() { 1 } else { 0 }
    })?;
    drop(tx);
    let got = rx
        .recv_msg::<CowTimes>()
        .with_context(|| tr("faults.err.reading_timings", &[]))?;
    let exit = child.wait()?;
    let Some(t) = got else {
        if sys::interrupted() {
            bail!(tr("faults.err.cow_interrupted", &[]));
        }
        bail!(tr("faults.err.cow_ended", &[("how", &describe(exit))]));
    };
    if t.ns.len() != n {
        bail!(tr(
            "faults.err.cow_count",
            &[("got", &t.ns.len().to_string()), ("n", &n.to_string())]
        ));
    }
    let u = ThreadUsage {
        minflt: t.minflt,
        majflt: t.majflt,
        nivcsw: t.nivcsw,
    };
    Ok(Timed {
        stats: stats(Kind::Cow, round, n as u64, u, t.wall_ns),
        ns: t.ns,
    })
}

/// The copy-on-write child's one message: each first write's time, then its
/// thread's counters and the loop's wall time.
#[derive(Debug, Serialize, Deserialize)]
struct CowTimes {
    ns: Vec<u64>,
    minflt: u64,
    majflt: u64,
    nivcsw: u64,
    wall_ns: u64,
}

fn describe(exit: Option<sys::ChildExit>) -> String {
    match exit {
        Some(e) => match (e.exit_code, e.signal) {
            (_, Some(sig)) => tr("faults.err.how_signal", &[("signal", sig.as_str())]),
            (Some(c), _) => tr("faults.err.how_status", &[("code", &c.to_string())]),
            _ => tr("faults.err.how_ended", &[]),
        },
        None => tr("faults.err.how_running", &[]),
    }
}

/// One one-page mapping per page of the file: fault-around stays inside a
/// mapping, so each first read is exactly one fault. Mapped in ascending
/// file order, so neighbouring mappings (the kernel places each below the
/// last) never have contiguous offsets and cannot merge into one.
fn page_maps(f: &TestFile, page: u64, random: bool) -> Result<Vec<Region>> {
    let n = f.len / page;
    let opts = MapOptions {
        read_only: true,
        ..MapOptions::default()
    };
    let mut maps = Vec::with_capacity(n as usize);
    for i in 0..n {
        let r = Region::file(page, opts, f.file.as_fd(), i * page)?;
        if random {
            r.advise_random()?;
        }
        maps.push(r);
    }
    Ok(maps)
}

fn time_page_maps(s: &Setup, maps: &[Region]) -> (Vec<u64>, ThreadUsage, u64) {
    let mut out = vec![1u64; maps.len()];
    let mut warm = [1u64];
    let _ = counted_maps(std::slice::from_ref(&s.scratch), &mut warm);
    let (u, wall) = counted_maps(maps, &mut out);
    (out, u, wall)
}

#[inline(never)]
fn counted_maps(maps: &[Region], out: &mut [u64]) -> (ThreadUsage, u64) {
    let u0 = sys::thread_usage();
    let t0 = Instant::now();
    for (m, slot) in maps.iter().zip(out.iter_mut()) {
        *slot = m.time_one(0, false);
    }
    let wall = t0.elapsed().as_nanos() as u64;
    let u1 = sys::thread_usage();
    (delta(u0, u1), wall)
}

fn file_minor(round: u32, s: &Setup) -> Result<Timed> {
    let f = s
        .file
        .as_ref()
        .with_context(|| tr("faults.err.no_test_file", &[]))?;
    f.read_all()?; // every page in the page cache
    let maps = page_maps(f, s.page, false)?;
    let (ns, u, wall) = time_page_maps(s, &maps);
    Ok(Timed {
        stats: stats(Kind::FileMinor, round, maps.len() as u64, u, wall),
        ns,
    })
}

fn file_major(round: u32, s: &Setup) -> Result<Timed> {
    let f = s
        .file
        .as_ref()
        .with_context(|| tr("faults.err.no_test_file", &[]))?;
    // The file was fsynced, so all its pages are clean and DONTNEED drops
    // them; MADV_RANDOM stops read-ahead, so each read fetches one page.
    sys::fadvise_dontneed(f.file.as_fd())?;
    let maps = page_maps(f, s.page, true)?;
    let (ns, u, wall) = time_page_maps(s, &maps);
    Ok(Timed {
        stats: stats(Kind::FileMajor, round, maps.len() as u64, u, wall),
        ns,
    })
}

/// Swap-in: write non-zero data, page it out, wait for the writes to the
/// device to finish, read every page once (they come back from the swap
/// cache as minor faults and stay clean there), page out again (clean
/// swap-cache pages are freed without I/O), then time the reads: each one
/// reads the device.
fn swap_in(round: u32, s: &Setup) -> Result<Timed> {
    let region = Region::anon(s.size, MapOptions::default())?;
    region.advise_huge(HugeAdvice::NoHuge)?;
    region.write_range(0, s.size, s.page, 0x5a);
    region.page_out()?;
    wait_writeback(Duration::from_secs(10));
    let _ = region.read_range(0, s.size, s.page);
    region.page_out()?;
    wait_writeback(Duration::from_secs(10));
    let offs = offsets(s.size, s.page);
    let (ns, u, wall) = timed_loop(&s.scratch, &region, &offs, false);
    Ok(Timed {
        stats: stats(Kind::SwapIn, round, offs.len() as u64, u, wall),
        ns,
    })
}

/// Wait until meminfo's `Writeback` is 0 (or `limit` passes).
fn wait_writeback(limit: Duration) {
    let end = Instant::now() + limit;
    while Instant::now() < end && !sys::interrupted() {
        let wb = procfs::Current::current()
            .map(|m: procfs::Meminfo| m.writeback)
            .unwrap_or(0);
        if wb == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The test file: unnamed (`O_TMPFILE`), so it disappears with memlab
/// however memlab ends, even by SIGKILL.
pub struct TestFile {
    pub file: File,
    pub len: u64,
}

impl TestFile {
    /// Create it in `dir` with `len` bytes of non-zero data, on disk
    /// (`fsync`), so its pages are clean and can be dropped.
    pub fn create(dir: &Path, len: u64) -> Result<TestFile> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_TMPFILE)
            .mode(0o600)
            .open(dir)
            .with_context(|| {
                tr(
                    "faults.err.create_file",
                    &[("dir", &dir.display().to_string())],
                )
            })?;
        let chunk: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251 + 1) as u8).collect();
        let mut left = len;
        while left > 0 {
            if sys::interrupted() {
                bail!(tr("faults.err.file_interrupted", &[]));
            }
            let k = left.min(chunk.len() as u64) as usize;
            file.write_all(&chunk[..k])
                .with_context(|| tr("faults.err.write_file", &[]))?;
            left -= k as u64;
        }
        file.sync_all()
            .with_context(|| tr("faults.err.fsync_file", &[]))?;
        Ok(TestFile { file, len })
    }

    /// Read the whole file once (so every page is in the page cache).
    fn read_all(&self) -> Result<()> {
        let mut f = &self.file;
        f.seek(SeekFrom::Start(0))?;
        let mut buf = vec![0u8; 1 << 20];
        while f
            .read(&mut buf)
            .with_context(|| tr("faults.err.read_file", &[]))?
            > 0
        {}
        Ok(())
    }
}
