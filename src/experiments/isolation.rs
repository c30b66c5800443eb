//! isolation — 問題の解決 (仮想記憶が解決する問題)
//!
//! The document lists three problems of handing processes physical memory
//! directly, and says virtual memory solves each:
//!
//! 1. 別用途のメモリにアクセスできてしまう — every process has its own
//!    address space: the same virtual address in parent and child holds
//!    different data once the child writes.
//! 2. マルチプロセスの扱いが困難 — the same program can run twice at the
//!    same addresses (ASLR off via `personality(ADDR_NO_RANDOMIZE)`): its data
//!    lives in different physical frames, while its code, read from the same
//!    file, shares frames.
//! 3. メモリの断片化 — a virtually contiguous region is backed by physical
//!    frames from all over RAM (runs of consecutive frame numbers in
//!    `/proc/self/pagemap`).
//!
//! Physical frame numbers need CAP_SYS_ADMIN (since Linux 4.2 the kernel
//! shows 0 to anyone else); without it memlab says so and shows the rest.

use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::Ctx;
use crate::probe::pagemap::{self, Frame, Pagemap};
use crate::report::{Check, Report};
use crate::sys::{self, HugeAdvice, MapOptions, Region};
use crate::units::{Size, human_bytes};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Size of the virtually contiguous region whose physical frames are
    /// listed (part 3)
    #[arg(long, allow_hyphen_values = true, default_value = "4M")]
    pub region: Size,
    /// Run even if the region is more than half of the available memory
    #[arg(long)]
    pub force: bool,
    /// Internal: run as one of the two copies of part 2 (memlab re-executes
    /// itself with ASLR off)
    #[arg(long, hide = true)]
    pub worker: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "isolation",
    section: "問題の解決",
    summary: "per-process address spaces; scattered physical frames",
    needs: "root for physical frame numbers (the rest runs without)",
    page: include_str!("../../experiments/isolation.md"),
    plots: false,
    quick: Some(&[]),
    key_figures: &[],
    judge: None,
};

#[derive(Serialize)]
struct Row {
    part: u8,
    process: &'static str,
    pid: u32,
    /// data, code, anon (an mmapped page), or run (part 3: physically
    /// consecutive frames).
    kind: &'static str,
    virtual_address: String,
    pages: u64,
    /// What the process holds at the address (its own pid), where relevant.
    value: Option<u64>,
    /// Physical page frame number; empty when the kernel hides it.
    pfn: Option<u64>,
}

/// Frame numbers travel between processes as one word: 0 = not present,
/// `HIDDEN` = present but hidden from an unprivileged reader.
const HIDDEN: u64 = 1 << 63;

fn encode(f: Frame) -> u64 {
    match f {
        Frame::Absent => 0,
        Frame::Hidden => HIDDEN,
        Frame::Pfn(p) => p,
    }
}

fn decode(w: u64) -> Frame {
    match w {
        0 => Frame::Absent,
        HIDDEN => Frame::Hidden,
        p => Frame::Pfn(p),
    }
}

fn frame_of(addr: u64) -> Frame {
    Pagemap::open("self")
        .and_then(|pm| pm.frame(addr))
        .unwrap_or(Frame::Absent)
}

// ---------------------------------------------------------------------------
// Part 2's worker: a fresh copy of memlab, exec'd with ASLR off.
// ---------------------------------------------------------------------------

/// A variable in the program's data segment. With ASLR off its virtual
/// address is the same in every run of the binary.
static WORKER_DATA: AtomicU64 = AtomicU64::new(0);

/// Words a worker reports on its stdout.
const WORKER_WORDS: usize = 9;

/// The registry's hidden entry point: `memlab isolation --worker` runs
/// [`worker`] instead of the experiment.
pub fn worker_entry(args: &Args) -> Option<Result<i32>> {
    if !args.worker {
        return None;
    }
    // The worker speaks binary words on a pipe to its parent; typed by a
    // person it would print them and wait for stdin to close.
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Some(Err(crate::error::usage(
            "--worker is for memlab's own use (isolation runs itself with it); \
             e.g. memlab isolation",
        )));
    }
    Some(Ok(worker()))
}

/// `memlab isolation --worker`: store this run's pid in a data-segment
/// variable and in a freshly mapped page, report the addresses and frames
/// (and those of its own code), then wait for stdin to close.
pub fn worker() -> i32 {
    let pid = std::process::id() as u64;
    // Writing the variable gives this process its own copy of the page.
    WORKER_DATA.store(pid, Ordering::SeqCst);
    let data_addr = &WORKER_DATA as *const AtomicU64 as u64;
    let code_addr = worker as fn() -> i32 as usize as u64;
    let anon = match Region::anon(sys::page_size(), MapOptions::default()) {
        Ok(r) => r,
        Err(_) => return 1,
    };
    anon.write_bytes(0, &pid.to_le_bytes());
    let aslr_off = nix::sys::personality::get()
        .map(|p| p.contains(nix::sys::personality::Persona::ADDR_NO_RANDOMIZE))
        .unwrap_or(false);
    let words = [
        pid,
        data_addr,
        WORKER_DATA.load(Ordering::SeqCst),
        encode(frame_of(data_addr)),
        code_addr,
        encode(frame_of(code_addr)),
        anon.addr(),
        encode(frame_of(anon.addr())),
        aslr_off as u64,
    ];
    let mut bytes = Vec::with_capacity(WORKER_WORDS * 8);
    for w in words {
        bytes.extend_from_slice(&w.to_ne_bytes());
    }
    let stdout = std::io::stdout();
    use std::os::fd::AsFd;
    if sys::write_fd(stdout.as_fd(), &bytes).is_err() {
        return 1;
    }
    // Stay alive (so the two runs exist at the same time and cannot reuse
    // each other's frames) until the parent closes our stdin.
    let mut buf = [0u8; 64];
    loop {
        match nix::unistd::read(0, &mut buf) {
            Ok(0) => return 0,
            Ok(_) => continue,
            Err(nix::errno::Errno::EINTR) if sys::interrupted() => return 130,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return 1,
        }
    }
}

/// What one worker reported.
struct WorkerReport {
    pid: u64,
    data_addr: u64,
    data_value: u64,
    data_frame: Frame,
    code_addr: u64,
    code_frame: Frame,
    anon_addr: u64,
    anon_frame: Frame,
    aslr_off: bool,
}

/// Fork a child that turns ASLR off (`personality`, inherited across exec)
/// and re-executes memlab itself as a worker, its stdout and stdin on pipes.
fn spawn_worker() -> Result<(sys::Child, sys::Chan, sys::Chan)> {
    let (out_r, out_w) = sys::chan()?;
    let (in_r, in_w) = sys::chan()?;
    let exe = CString::new("/proc/self/exe").context("exe path")?;
    let argv = [
        exe,
        CString::new("isolation").context("argv")?,
        CString::new("--worker").context("argv")?,
    ];
    let child = sys::fork_child(|| {
        if sys::disable_aslr().is_err() {
            return 126;
        }
        // The pipes are O_CLOEXEC; their copies on 0 and 1 are not.
        if nix::unistd::dup2(out_w.raw(), 1).is_err() || nix::unistd::dup2(in_r.raw(), 0).is_err() {
            return 126;
        }
        sys::exec(&argv);
        127
    })?;
    drop(out_w);
    drop(in_r);
    Ok((child, out_r, in_w))
}

fn read_worker(out: &sys::Chan) -> Result<WorkerReport> {
    let w = match out.recv(WORKER_WORDS)? {
        Some(w) => w,
        None => bail!("the re-executed memlab (isolation --worker) ended without reporting"),
    };
    Ok(WorkerReport {
        pid: w[0],
        data_addr: w[1],
        data_value: w[2],
        data_frame: decode(w[3]),
        code_addr: w[4],
        code_frame: decode(w[5]),
        anon_addr: w[6],
        anon_frame: decode(w[7]),
        aslr_off: w[8] != 0,
    })
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let page = sys::page_size();
    let region_len = args.region.bytes();
    if region_len < 2 * page {
        return Err(crate::error::usage(format!(
            "--region {} is too small: at least two pages (e.g. --region 4M)",
            human_bytes(region_len)
        )));
    }
    crate::guard::check_flag("--region", args.region, args.force)?;
    let mut r = Report::new("isolation", &ctx.meta);
    r.param("region_bytes", region_len);
    let mut frames_hidden = false;
    let mut part3_hidden = false;

    // ---- part 1: the same address in parent and child --------------------
    let parent_pid = std::process::id() as u64;
    let data = Region::anon(page, MapOptions::default())?;
    data.advise_huge(HugeAdvice::NoHuge)?;
    data.write_bytes(0, &parent_pid.to_le_bytes());
    let addr = data.addr();
    let (rep_r, rep_w) = sys::chan()?;
    let (go_r, go_w) = sys::chan()?;
    let mut child = sys::fork_child(|| {
        let me = std::process::id() as u64;
        // The child writes its own pid at the very address where the parent
        // keeps the parent's: copy-on-write gives it a page of its own.
        data.write_bytes(0, &me.to_le_bytes());
        let v = u64::from_le_bytes(data.read_bytes(0, 8).try_into().unwrap_or([0; 8]));
        if rep_w.send(&[me, addr, v, encode(frame_of(addr))]).is_err() {
            return 1;
        }
        // Hold the page until the parent has looked at its own.
        let _ = go_r.recv(1);
        0
    })?;
    drop(rep_w);
    drop(go_r);
    let got = rep_r.recv(4)?;
    let parent_value = u64::from_le_bytes(data.read_bytes(0, 8).try_into().unwrap_or([0; 8]));
    let parent_frame = frame_of(addr);
    let _ = go_w.send(&[1]);
    let _ = child.wait()?;
    let Some(got) = got else {
        r.interrupted = sys::interrupted();
        if r.interrupted {
            return Ok(r);
        }
        bail!("the child of part 1 ended without reporting");
    };
    let (child_pid, child_addr, child_value, child_frame) =
        (got[0], got[1], got[2], decode(got[3]));
    ctx.ui.say(&format!(
        "part 1: at {addr:#x} the parent (pid {parent_pid}) reads {parent_value}, \
         the child (pid {child_pid}) reads {child_value}"
    ));
    r.push_row(&Row {
        part: 1,
        process: "parent",
        pid: parent_pid as u32,
        kind: "anon",
        virtual_address: format!("{addr:#x}"),
        pages: 1,
        value: Some(parent_value),
        pfn: parent_frame.pfn(),
    });
    r.push_row(&Row {
        part: 1,
        process: "child",
        pid: child_pid as u32,
        kind: "anon",
        virtual_address: format!("{child_addr:#x}"),
        pages: 1,
        value: Some(child_value),
        pfn: child_frame.pfn(),
    });
    r.summary("part1_address", format!("{addr:#x}"));
    r.summary("part1_parent_value", parent_value);
    r.summary("part1_child_value", child_value);
    r.check(Check::new(
        "same_address_different_data",
        "each process has its own virtual address space: the same address holds different data in parent and child",
        format!("at {addr:#x}: parent reads its pid {parent_pid}, child reads its pid {child_pid}"),
        format!("parent {parent_value} at {addr:#x}, child {child_value} at {child_addr:#x}"),
        child_addr == addr && parent_value == parent_pid && child_value == child_pid,
    ));
    match (parent_frame, child_frame) {
        (Frame::Pfn(p), Frame::Pfn(c)) => {
            r.summary("part1_parent_pfn", p);
            r.summary("part1_child_pfn", c);
            r.check(Check::new(
                "same_address_different_frames",
                "the page tables of the two processes point the same virtual page at different physical pages",
                "parent's frame ≠ child's frame",
                format!("parent pfn {p:#x}, child pfn {c:#x}"),
                p != c,
            ));
        }
        _ => frames_hidden = true,
    }
    if sys::interrupted() {
        r.interrupted = true;
        return Ok(r);
    }

    // ---- part 2: two runs of the same program, ASLR off -------------------
    // Two re-executions of memlab rather than two forks: a forked child
    // inherits its parent's layout, so equal addresses would prove nothing;
    // two fresh execs get equal addresses only because randomisation is off.
    let (mut c1, out1, in1) = spawn_worker()?;
    let (mut c2, out2, in2) = spawn_worker()?;
    let w1 = read_worker(&out1);
    let w2 = read_worker(&out2);
    // Closing their stdin lets both end; reap them.
    drop(in1);
    drop(in2);
    let _ = c1.wait()?;
    let _ = c2.wait()?;
    if sys::interrupted() {
        r.interrupted = true;
        return Ok(r);
    }
    let (a, b) = (w1?, w2?);
    for (name, w) in [("run_a", &a), ("run_b", &b)] {
        for (kind, va, value, f) in [
            ("data", w.data_addr, Some(w.data_value), w.data_frame),
            ("anon", w.anon_addr, Some(w.pid), w.anon_frame),
            ("code", w.code_addr, None, w.code_frame),
        ] {
            r.push_row(&Row {
                part: 2,
                process: name,
                pid: w.pid as u32,
                kind,
                virtual_address: format!("{va:#x}"),
                pages: 1,
                value,
                pfn: f.pfn(),
            });
        }
    }
    ctx.ui.say(&format!(
        "part 2: two runs with ASLR off: data variable at {:#x} / {:#x} holding {} / {}",
        a.data_addr, b.data_addr, a.data_value, b.data_value
    ));
    r.summary("part2_data_address_a", format!("{:#x}", a.data_addr));
    r.summary("part2_data_address_b", format!("{:#x}", b.data_addr));
    r.summary("part2_code_address", format!("{:#x}", a.code_addr));
    let same_addrs =
        a.data_addr == b.data_addr && a.anon_addr == b.anon_addr && a.code_addr == b.code_addr;
    let claim2 = "the same program runs twice at the same addresses without interfering: each run has its own address space";
    let expected2 = "with ASLR off, equal addresses for data, code and the mmapped page; each run reads its own pid";
    let measured2 = format!(
        "data {:#x}/{:#x}, code {:#x}/{:#x}, mmap {:#x}/{:#x}; values {}/{}",
        a.data_addr,
        b.data_addr,
        a.code_addr,
        b.code_addr,
        a.anon_addr,
        b.anon_addr,
        a.data_value,
        b.data_value
    );
    if !(a.aslr_off && b.aslr_off) {
        r.check(Check::inconclusive(
            "two_runs_same_addresses",
            claim2,
            expected2,
            format!("personality(ADDR_NO_RANDOMIZE) did not stick in the runs: {measured2}"),
        ));
    } else {
        r.check(Check::new(
            "two_runs_same_addresses",
            claim2,
            expected2,
            measured2,
            same_addrs && a.data_value == a.pid && b.data_value == b.pid && a.pid != b.pid,
        ));
    }
    match (
        a.data_frame,
        b.data_frame,
        a.anon_frame,
        b.anon_frame,
        a.code_frame,
        b.code_frame,
    ) {
        (
            Frame::Pfn(da),
            Frame::Pfn(db),
            Frame::Pfn(aa),
            Frame::Pfn(ab),
            Frame::Pfn(ca),
            Frame::Pfn(cb),
        ) => {
            r.summary("part2_data_pfn_a", da);
            r.summary("part2_data_pfn_b", db);
            r.summary("part2_code_pfn_a", ca);
            r.summary("part2_code_pfn_b", cb);
            r.check(Check::new(
                "two_runs_data_in_different_frames",
                "the same virtual address of the two runs maps to different physical memory for their data",
                "data frames differ, mmapped-page frames differ",
                format!("data pfn {da:#x} / {db:#x}, mmap pfn {aa:#x} / {ab:#x}"),
                da != db && aa != ab,
            ));
            r.check(Check::new(
                "two_runs_share_code_frames",
                "code read from the same file is not copied: both runs' page tables point at the same frame",
                "code frames equal",
                format!("code pfn {ca:#x} / {cb:#x}"),
                ca == cb,
            ));
        }
        _ => frames_hidden = true,
    }
    if sys::interrupted() {
        r.interrupted = true;
        return Ok(r);
    }

    // ---- part 3: virtually contiguous, physically scattered ---------------
    // 4 KiB pages whatever the THP mode: a huge page would be 512 physically
    // consecutive frames by construction.
    let region = Region::anon(region_len, MapOptions::default())?;
    region.advise_huge(HugeAdvice::NoHuge)?;
    if !region.write_range_interruptibly(0, region_len, page, 1) {
        r.interrupted = true;
        return Ok(r);
    }
    let npages = region_len.div_ceil(page) as usize;
    let frames = Pagemap::open("self")?.frames(region.addr(), npages)?;
    let pfns: Option<Vec<u64>> = frames.iter().map(|f| f.pfn()).collect();
    match pfns {
        Some(pfns) => {
            let runs = pagemap::contiguous_runs(&pfns);
            let longest = runs.iter().map(|x| x.1).max().unwrap_or(0);
            let lo = pfns.iter().min().copied().unwrap_or(0);
            let hi = pfns.iter().max().copied().unwrap_or(0);
            let first_row = r.rows.len();
            for &(i, n) in &runs {
                r.push_row(&Row {
                    part: 3,
                    process: "parent",
                    pid: parent_pid as u32,
                    kind: "run",
                    virtual_address: format!("{:#x}", region.addr() + i as u64 * page),
                    pages: n as u64,
                    value: None,
                    pfn: Some(pfns[i]),
                });
            }
            // The table shows parts 1 and 2 and the first runs; CSV/JSON
            // keep them all.
            const TABLE_RUNS: usize = 12;
            if runs.len() > TABLE_RUNS {
                r.table_rows = Some((0..first_row + TABLE_RUNS).collect());
                r.note(format!(
                    "the table shows the first {TABLE_RUNS} of {} runs; --csv has all",
                    runs.len()
                ));
            }
            ctx.ui.say(&format!(
                "part 3: {} virtually contiguous pages at {:#x} sit in {} physically \
                 contiguous runs (longest {longest} pages) spread over frames {lo:#x}..{hi:#x}",
                npages,
                region.addr(),
                runs.len()
            ));
            r.summary("part3_pages", npages);
            r.summary("part3_pfn_runs", runs.len());
            r.summary("part3_longest_run_pages", longest);
            r.summary("part3_pfn_span_pages", hi - lo + 1);
            let claim3 = "the page table can show physically scattered memory to the process as one contiguous region";
            let expected3 =
                format!("{npages} virtually contiguous pages in ≥ 2 physically contiguous runs");
            if runs.len() >= 2 {
                r.check(Check::new(
                    "contiguous_region_scattered_frames",
                    claim3,
                    expected3,
                    format!(
                        "{} runs, longest {longest} pages, frames spread over {} pages",
                        runs.len(),
                        hi - lo + 1
                    ),
                    true,
                ));
            } else {
                r.check(Check::inconclusive(
                    "contiguous_region_scattered_frames",
                    claim3,
                    expected3,
                    "the kernel happened to hand out consecutive frames for the whole region: nothing scattered to show",
                ));
            }
        }
        None if frames.contains(&Frame::Hidden) => part3_hidden = true,
        None => bail!("reading /proc/self/pagemap: a touched page of the region is not present"),
    }
    drop(region);
    drop(data);

    if frames_hidden {
        r.skip(
            "parts 1 and 2, frame comparison: /proc/PID/pagemap shows physical frame \
             numbers only to CAP_SYS_ADMIN (run as root); the addresses and data above \
             still ran",
        );
    }
    if part3_hidden {
        r.skip(
            "part 3, physical scatter of a contiguous region: needs the frame numbers \
             of /proc/self/pagemap, which only CAP_SYS_ADMIN may read",
        );
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A frame survives the trip from a worker to memlab as one word.
        #[test]
        fn frames_cross_the_pipe_unchanged(p in 1u64..(1 << 55)) {
            for f in [Frame::Absent, Frame::Hidden, Frame::Pfn(p)] {
                prop_assert_eq!(decode(encode(f)), f);
            }
        }
    }
}
