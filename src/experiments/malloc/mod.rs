//! malloc — 上位レイヤによるメモリ割り当て
//!
//! The document: `mmap` hands out whole pages, `malloc` hands out bytes.
//! glibc gets large areas from the kernel ahead of time, pools them, and
//! cuts each `malloc` out of the pool; only when the pool runs dry does it ask
//! the kernel again. So a program's own count of what it allocated (bytes
//! asked for) and what the kernel accounts to the process (VSZ, RSS) differ.
//!
//! memlab calls glibc's `malloc` directly (`sys::c_malloc`), not Rust's
//! allocator: many small blocks come from the main arena, whose pool is the
//! `[heap]` line grown with `brk`; one large block (at or above the mmap
//! threshold, 128 KiB by default) gets a mapping of its own.
//!
//! memlab's own bookkeeping also goes through glibc's malloc (Rust's
//! allocator sits on it). The readings are taken with buffers sized before
//! the first one, and nothing else is allocated between them but the few
//! small strings the /proc readers need; the page says so.

mod checks;
mod view;

use std::ptr::NonNull;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::usage;
use crate::i18n::tr;
use crate::probe::maps::{self, Change, DiffEntry, MapLine};
use crate::probe::process::ProcHandle;
use crate::report::Report;
use crate::sys;
use crate::units::{Size, human_bytes};

pub use checks::judge;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many small blocks to malloc (their sizes cycle through 64, 128,
    /// 256, 512 and 1024 bytes)
    #[arg(long, default_value_t = 8192, allow_hyphen_values = true,
          value_parser = |s: &str| crate::units::parse_count::<usize>(s, MIN_BLOCKS, MAX_BLOCKS, 8192))]
    pub blocks: usize,
    /// The size of the one large block (at or above glibc's mmap threshold,
    /// 128 KiB by default, it gets its own mapping)
    #[arg(long, allow_hyphen_values = true, default_value = "1M")]
    pub large: Size,
    /// Run even if the blocks are more than half of the available memory
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "malloc",
    section: "上位レイヤによるメモリ割り当て",
    summary: "glibc malloc pools small blocks and mmaps large ones",
    needs: "-",
    page: include_str!("../../../experiments/malloc.md"),
    plots: false,
    chart: None,
    quick: Some(&[]),
    key_figures: &[],
    judge,
    page_ja: Some(include_str!("../../../experiments/ja/malloc.md")),
};

/// The small sizes, cycled: all far below the mmap threshold.
const SMALL_SIZES: [usize; 5] = [64, 128, 256, 512, 1024];
/// glibc's default `M_MMAP_THRESHOLD`.
const DEFAULT_MMAP_THRESHOLD: u64 = 128 * 1024;
/// Fewer blocks than the lines a pool may add cannot show that they share one.
const MIN_BLOCKS: u64 = checks::MAX_NEW_LINES_FOR_SMALL as u64 + 1;
/// A million blocks average 396 bytes: 378 MiB of pool, far past any point
/// the document makes; more would only exhaust memlab's own bookkeeping.
const MAX_BLOCKS: u64 = 1_000_000;

/// The stages, in order: one row each.
const STAGES: [&str; 4] = ["before", "small_blocks", "large_block", "freed"];

/// One reading: glibc's view and the kernel's, at one stage.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct Row {
    pub stage: String,
    /// Bytes the program holds from malloc (sum of the sizes it asked for).
    pub asked_bytes: u64,
    /// mallinfo2: bytes the main arena got from the kernel (brk).
    pub mallinfo_arena_bytes: u64,
    /// mallinfo2: bytes in chunks glibc mmapped one by one.
    pub mallinfo_hblkhd_bytes: u64,
    /// mallinfo2: bytes in use in the arena (the program's blocks plus
    /// headers, and memlab's own).
    pub mallinfo_uordblks_bytes: u64,
    pub heap_kib: u64,
    pub maps_lines: usize,
    pub vsz_kib: u64,
    pub rss_kib: u64,
}

/// One reading: glibc's view, the kernel's view, the map.
struct Reading {
    arena: u64,
    hblkhd: u64,
    uordblks: u64,
    vsz_kib: u64,
    rss_kib: u64,
    maps_text: String,
}

impl Reading {
    /// Fill `self` in place (the maps buffer was sized beforehand, so the
    /// reading does not grow memlab's own heap). mallinfo2 first: it is the
    /// one figure memlab's own allocations could blur.
    fn take(&mut self, me: &ProcHandle) -> Result<()> {
        let (arena, hblkhd, uordblks) = sys::mallinfo().unwrap_or((0, 0, 0));
        self.arena = arena;
        self.hblkhd = hblkhd;
        self.uordblks = uordblks;
        let s = me.sample()?;
        self.vsz_kib = s.vsz_kib;
        self.rss_kib = s.rss_kib;
        maps::read_into("self", &mut self.maps_text)
    }

    fn empty() -> Reading {
        Reading {
            arena: 0,
            hblkhd: 0,
            uordblks: 0,
            vsz_kib: 0,
            rss_kib: 0,
            maps_text: String::with_capacity(64 * 1024),
        }
    }
}

fn heap_line(lines: &[MapLine]) -> Option<&MapLine> {
    lines.iter().find(|l| l.pathname == "[heap]")
}

/// What happened to the large block, seen in the maps (measurements).
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct Measurements {
    /// What malloc returned for the large block.
    pub large_address: u64,
    /// Maps lines added by the small blocks (maps diff before → after them).
    pub new_maps_lines_small: usize,
    /// The maps diff around the small blocks, and around the large block.
    #[serde(default)]
    pub maps_diff_small: Vec<DiffEntry>,
    #[serde(default)]
    pub maps_diff_large: Vec<DiffEntry>,
    /// The added maps line holding the large block: start and end addresses
    /// (`None` if no added line holds it).
    pub large_line_start: Option<u64>,
    pub large_line_end: Option<u64>,
    /// That line, as /proc/self/maps prints it.
    pub large_line: Option<String>,
    /// Whether `[heap]` holds the large block after it was malloc'd.
    pub large_in_heap: bool,
    /// Whether any maps line still holds it after free.
    pub large_mapped_after_free: bool,
}

/// Params as recorded.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Params {
    pub blocks: usize,
    pub small_sizes_bytes: Vec<u64>,
    pub small_total_bytes: u64,
    pub large_bytes: u64,
}

/// The parsed options, checked.
fn plan(args: &Args) -> Result<Params> {
    let large = args.large.bytes();
    if large < DEFAULT_MMAP_THRESHOLD {
        return Err(usage(tr(
            "malloc.err.large_below_threshold",
            &[
                ("large", &human_bytes(large)),
                ("threshold", &human_bytes(DEFAULT_MMAP_THRESHOLD)),
            ],
        )));
    }
    let small_total: u64 = (0..args.blocks)
        .map(|i| SMALL_SIZES[i % SMALL_SIZES.len()] as u64)
        .sum();
    crate::guard::check(Size(small_total * 2 + large), args.force)?;
    Ok(Params {
        blocks: args.blocks,
        small_sizes_bytes: SMALL_SIZES.iter().map(|&n| n as u64).collect(),
        small_total_bytes: small_total,
        large_bytes: large,
    })
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let mut r = Report::new("malloc", &ctx.meta);
    if sys::mallinfo().is_none() {
        r.skip_t("malloc.skip.not_glibc", &[]);
        return Ok(r);
    }
    let p = plan(args)?;
    // The document's threshold is glibc's default, 128 KiB. glibc raises it
    // whenever a mapped chunk is freed, which earlier work in this process
    // may have done: fix it at the default so the large block meets the
    // threshold described.
    if !sys::pin_mmap_threshold(DEFAULT_MMAP_THRESHOLD) {
        r.note_t("malloc.note.mallopt_refused", &[]);
    }
    r.param("blocks", p.blocks);
    r.param("small_sizes_bytes", &p.small_sizes_bytes);
    r.param("small_total_bytes", p.small_total_bytes);
    r.param("large_bytes", p.large_bytes);

    let Some((readings, large_addr)) = allocate_and_read(&p)? else {
        r.interrupted = true;
        return Ok(r);
    };

    // ---- from here on memlab may allocate freely -------------------------
    let maps: Vec<Vec<MapLine>> = readings.iter().map(|x| maps::parse(&x.maps_text)).collect();
    let asked = [
        0,
        p.small_total_bytes,
        p.small_total_bytes + p.large_bytes,
        0,
    ];
    for (i, rd) in readings.iter().enumerate() {
        r.push_row(&Row {
            stage: STAGES[i].into(),
            asked_bytes: asked[i],
            mallinfo_arena_bytes: rd.arena,
            mallinfo_hblkhd_bytes: rd.hblkhd,
            mallinfo_uordblks_bytes: rd.uordblks,
            heap_kib: heap_line(&maps[i]).map(|l| l.size() / 1024).unwrap_or(0),
            maps_lines: maps[i].len(),
            vsz_kib: rd.vsz_kib,
            rss_kib: rd.rss_kib,
        });
    }
    let d_small = maps::diff_entries(&maps[0], &maps[1]);
    let d_large = maps::diff_entries(&maps[1], &maps[2]);
    view::say_diffs(ctx, &p, &d_small, &d_large, large_addr);
    let large_line = maps::added_holding(&d_large, large_addr);
    let m = Measurements {
        large_address: large_addr,
        new_maps_lines_small: d_small.iter().filter(|e| e.change == Change::Added).count(),
        large_line_start: large_line.as_ref().map(|l| l.start),
        large_line_end: large_line.as_ref().map(|l| l.end),
        large_line: large_line.as_ref().map(|l| l.render()),
        large_in_heap: heap_line(&maps[2]).is_some_and(|l| l.contains(large_addr)),
        large_mapped_after_free: maps[3].iter().any(|l| l.contains(large_addr)),
        maps_diff_small: d_small,
        maps_diff_large: d_large,
    };
    for (k, v) in serde_json::to_value(&m)?.as_object().into_iter().flatten() {
        r.measure(k, v.clone());
    }
    view::notes(&mut r, &p, &readings);
    Ok(r)
}

/// Stage by stage: read, malloc the small blocks, read, malloc the large
/// one, read, free everything, read. `None` when interrupted. Everything the
/// readings need is allocated before the first one; none of these buffers
/// is above the mmap threshold, and none is freed before the large malloc
/// (freeing a mapped chunk would raise glibc's dynamic threshold and the
/// large block would land in the pool instead).
fn allocate_and_read(p: &Params) -> Result<Option<([Reading; 4], u64)>> {
    let me = ProcHandle::myself()?;
    let mut readings = [
        Reading::empty(),
        Reading::empty(),
        Reading::empty(),
        Reading::empty(),
    ];
    let mut small: Vec<NonNull<u8>> = Vec::with_capacity(p.blocks);

    // ---- 0: before -------------------------------------------------------
    readings[0].take(&me)?;

    // ---- 1: many small blocks, each written so its pages are touched -----
    for i in 0..p.blocks {
        if i % 4096 == 0 && sys::interrupted() {
            break;
        }
        let n = SMALL_SIZES[i % SMALL_SIZES.len()];
        match sys::c_malloc(n) {
            Some(ptr) => {
                sys::c_fill(ptr, n, 0x5a);
                small.push(ptr);
            }
            None => break,
        }
    }
    let small_got = small.len();
    if sys::interrupted() {
        for ptr in small.drain(..) {
            sys::c_free(ptr);
        }
        return Ok(None);
    }
    readings[1].take(&me)?;

    // ---- 2: one large block ------------------------------------------------
    let large_ptr = sys::c_malloc(p.large_bytes as usize);
    if let Some(ptr) = large_ptr {
        sys::c_fill(ptr, p.large_bytes as usize, 0xa5);
    }
    readings[2].take(&me)?;

    // ---- 3: free everything ----------------------------------------------
    if let Some(ptr) = large_ptr {
        sys::c_free(ptr);
    }
    for ptr in small.drain(..) {
        sys::c_free(ptr);
    }
    readings[3].take(&me)?;

    if small_got < p.blocks {
        anyhow::bail!(tr(
            "malloc.err.null_small",
            &[
                ("got", &small_got.to_string()),
                ("blocks", &p.blocks.to_string()),
            ],
        ));
    }
    if large_ptr.is_none() {
        anyhow::bail!(tr(
            "malloc.err.null_large",
            &[("size", &human_bytes(p.large_bytes))],
        ));
    }
    let large_addr = large_ptr.map(|ptr| ptr.as_ptr() as u64).unwrap_or(0);
    Ok(Some((readings, large_addr)))
}
