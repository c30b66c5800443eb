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

mod checks;
mod child;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::i18n::tr;
use crate::probe::pagemap::{Frame, Pagemap};
use crate::report::Report;
use crate::sys::{self, HugeAdvice, MapOptions, Region};
use crate::units::{Size, human_bytes};
use child::{ChildSaw, Release, frame_of};

pub use checks::judge;
pub use child::{worker, worker_entry};

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
    page: include_str!("../../../experiments/isolation.md"),
    plots: false,
    chart: None,
    quick: Some(&[]),
    key_figures: &[],
    judge,
    page_ja: Some(include_str!("../../../experiments/ja/isolation.md")),
};

/// One page (parts 1 and 2) or one run of physically consecutive frames
/// (part 3).
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct Row {
    pub part: u8,
    pub process: String,
    pub pid: u32,
    /// data, code, anon (an mmapped page), or run (part 3: physically
    /// consecutive frames).
    pub kind: String,
    pub virtual_address: String,
    pub pages: u64,
    /// What the process holds at the address (its own pid), where relevant.
    pub value: Option<u64>,
    /// Physical page frame number; empty when the kernel hides it.
    pub pfn: Option<u64>,
}

/// What the checks need besides the rows.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct Measurements {
    /// Whether each of part 2's runs had ADDR_NO_RANDOMIZE set.
    #[serde(default)]
    pub aslr_off_a: Option<bool>,
    #[serde(default)]
    pub aslr_off_b: Option<bool>,
    /// Part 3: whether the region's frame numbers could be read (`None`
    /// when part 3 did not run).
    #[serde(default)]
    pub part3_frames_visible: Option<bool>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Params {
    pub region_bytes: u64,
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let page = sys::page_size();
    let region_len = args.region.bytes();
    if region_len < 2 * page {
        return Err(crate::error::usage(tr(
            "isolation.err.region_too_small",
            &[("region", &human_bytes(region_len))],
        )));
    }
    crate::guard::check_flag("--region", args.region, args.force)?;
    let mut r = Report::new("isolation", &ctx.meta);
    r.param("region_bytes", region_len);
    r.columns_from(&Row::default());
    let data = Region::anon(page, MapOptions::default())?;
    data.advise_huge(HugeAdvice::NoHuge)?;
    let frames_1 = part1(&mut r, ctx, &data)?;
    drop(data);
    if r.interrupted || sys::interrupted() {
        r.interrupted = true;
        return Ok(r);
    }
    let frames_2 = part2(&mut r, ctx)?;
    if r.interrupted || sys::interrupted() {
        r.interrupted = true;
        return Ok(r);
    }
    let frames_3 = part3(&mut r, ctx, region_len)?;
    r.measure("part3_frames_visible", frames_3);
    if !(frames_1 && frames_2) {
        r.skip_t("isolation.skip.frames_1_2", &[]);
    }
    if frames_3 == Some(false) {
        r.skip_t("isolation.skip.frames_3", &[]);
    }
    Ok(r)
}

/// Part 1: the same address in parent and child. Returns whether both
/// frames were visible.
fn part1(r: &mut Report, ctx: &Ctx, data: &Region) -> Result<bool> {
    let parent_pid = std::process::id() as u64;
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
        let saw = ChildSaw {
            pid: me,
            addr,
            value: v,
            frame: frame_of(addr),
        };
        if rep_w.send_msg(&saw).is_err() {
            return 1;
        }
        // Hold the page until the parent has looked at its own.
        let _ = go_r.recv_msg::<Release>();
        0
    })?;
    drop(rep_w);
    drop(go_r);
    let got = rep_r.recv_msg::<ChildSaw>()?;
    let parent_value = u64::from_le_bytes(data.read_bytes(0, 8).try_into().unwrap_or([0; 8]));
    let parent_frame = frame_of(addr);
    let _ = go_w.send_msg(&Release);
    let _ = child.wait()?;
    let Some(got) = got else {
        r.interrupted = sys::interrupted();
        if r.interrupted {
            return Ok(true);
        }
        bail!(tr("isolation.err.child_silent", &[]));
    };
    let ChildSaw {
        pid: child_pid,
        addr: child_addr,
        value: child_value,
        frame: child_frame,
    } = got;
    ctx.ui.say(&tr(
        "isolation.say.part1",
        &[
            ("address", &format!("{addr:#x}")),
            ("parent_pid", &parent_pid.to_string()),
            ("parent_value", &parent_value.to_string()),
            ("child_pid", &child_pid.to_string()),
            ("child_value", &child_value.to_string()),
        ],
    ));
    for (process, pid, va, value, f) in [
        ("parent", parent_pid, addr, parent_value, parent_frame),
        ("child", child_pid, child_addr, child_value, child_frame),
    ] {
        r.push_row(&Row {
            part: 1,
            process: process.into(),
            pid: pid as u32,
            kind: "anon".into(),
            virtual_address: format!("{va:#x}"),
            pages: 1,
            value: Some(value),
            pfn: f.pfn(),
        });
    }
    Ok(parent_frame.pfn().is_some() && child_frame.pfn().is_some())
}

/// Part 2: two runs of the same program, ASLR off. Two re-executions of
/// memlab rather than two forks: a forked child inherits its parent's
/// layout, so equal addresses would prove nothing; two fresh execs get
/// equal addresses only because randomisation is off. Returns whether all
/// frames were visible.
fn part2(r: &mut Report, ctx: &Ctx) -> Result<bool> {
    let (mut c1, out1, in1) = child::spawn_worker()?;
    let (mut c2, out2, in2) = child::spawn_worker()?;
    let w1 = child::read_worker(&out1);
    let w2 = child::read_worker(&out2);
    // Closing their stdin lets both end; reap them.
    drop(in1);
    drop(in2);
    let _ = c1.wait()?;
    let _ = c2.wait()?;
    if sys::interrupted() {
        r.interrupted = true;
        return Ok(true);
    }
    let (a, b) = (w1?, w2?);
    let mut visible = true;
    for (name, w) in [("run_a", &a), ("run_b", &b)] {
        for (kind, va, value, f) in [
            ("data", w.data_addr, Some(w.data_value), w.data_frame),
            ("anon", w.anon_addr, Some(w.pid), w.anon_frame),
            ("code", w.code_addr, None, w.code_frame),
        ] {
            visible &= f.pfn().is_some();
            r.push_row(&Row {
                part: 2,
                process: name.into(),
                pid: w.pid as u32,
                kind: kind.into(),
                virtual_address: format!("{va:#x}"),
                pages: 1,
                value,
                pfn: f.pfn(),
            });
        }
    }
    r.measure("aslr_off_a", a.aslr_off);
    r.measure("aslr_off_b", b.aslr_off);
    ctx.ui.say(&tr(
        "isolation.say.part2",
        &[
            ("address_a", &format!("{:#x}", a.data_addr)),
            ("address_b", &format!("{:#x}", b.data_addr)),
            ("value_a", &a.data_value.to_string()),
            ("value_b", &b.data_value.to_string()),
        ],
    ));
    Ok(visible)
}

/// Part 3: virtually contiguous, physically scattered. 4 KiB pages whatever
/// the THP mode: a huge page would be 512 physically consecutive frames by
/// construction. One row per run of physically consecutive frames (a page
/// that is not present ends a run and has no row). Returns whether the
/// frames were visible (`None` if interrupted).
fn part3(r: &mut Report, ctx: &Ctx, region_len: u64) -> Result<Option<bool>> {
    let page = sys::page_size();
    let region = Region::anon(region_len, MapOptions::default())?;
    region.advise_huge(HugeAdvice::NoHuge)?;
    if !region.write_range_interruptibly(0, region_len, page, 1) {
        r.interrupted = true;
        return Ok(None);
    }
    let npages = region_len.div_ceil(page) as usize;
    let frames = Pagemap::open("self")?.frames(region.addr(), npages)?;
    if frames.contains(&Frame::Hidden) {
        return Ok(Some(false));
    }
    let pfns: Vec<Option<u64>> = frames.iter().map(|f| f.pfn()).collect();
    let runs = checks::runs(&pfns);
    let pid = std::process::id();
    let first_row = r.rows.len();
    for &(i, n) in &runs {
        r.push_row(&Row {
            part: 3,
            process: "parent".into(),
            pid,
            kind: "run".into(),
            virtual_address: format!("{:#x}", region.addr() + i as u64 * page),
            pages: n as u64,
            value: None,
            pfn: pfns[i],
        });
    }
    // The table shows parts 1 and 2 and the first runs; CSV/JSON keep them
    // all.
    const TABLE_RUNS: usize = 12;
    if runs.len() > TABLE_RUNS {
        r.table_rows = Some((0..first_row + TABLE_RUNS).collect());
        r.note_t(
            "isolation.note.table_rows",
            &[
                ("shown", &TABLE_RUNS.to_string()),
                ("runs", &runs.len().to_string()),
            ],
        );
    }
    ctx.ui.say(&tr(
        "isolation.say.part3",
        &[
            ("pages", &npages.to_string()),
            ("address", &format!("{:#x}", region.addr())),
            ("runs", &runs.len().to_string()),
        ],
    ));
    Ok(Some(true))
}
