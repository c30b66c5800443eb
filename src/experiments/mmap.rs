//! mmap — プロセスへのメモリ割り当て (追加割り当て時)
//!
//! The document's experiment: show the process's memory map, `mmap` 100 MiB,
//! show the map again. The kernel only records the new range (a VMA): no page
//! is allocated until it is touched (demand paging), so VSZ grows by SIZE and
//! RSS does not. `--populate` (MAP_POPULATE) asks the kernel to fault every
//! page in at once, and RSS grows by SIZE too.

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::probe::maps::{self, Change};
use crate::probe::process::ProcHandle;
use crate::report::{Check, Report};
use crate::sys::{self, MapOptions, Region};
use crate::units::Size;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How much to map (binary units: 100M = 100 MiB)
    #[arg(long, default_value = "100M", allow_hyphen_values = true)]
    pub size: Size,
    /// MAP_POPULATE: fault every page in at once (RSS grows too)
    #[arg(long)]
    pub populate: bool,
    /// Run even if SIZE is more than half of the available memory
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "mmap",
    section: "プロセスへのメモリ割り当て",
    summary: "mmap 100 MiB and diff /proc/self/maps: VSZ grows, RSS does not",
    needs: "-",
    page: include_str!("../../experiments/mmap.md"),
    plots: false,
    quick: Some(&["--size", "64M"]),
    key_figures: &[],
    judge: None,
};

/// Without touching, RSS may still move by a few pages of memlab's own
/// bookkeeping: allow 10% of SIZE, and never less than those few pages
/// (a SIZE of one page would otherwise allow nothing at all).
const UNTOUCHED_RSS_FRACTION: f64 = 0.10;
const UNTOUCHED_RSS_FLOOR_KIB: i64 = 64;
/// With MAP_POPULATE every page is resident: allow 10% short for rounding and
/// for pages the kernel may have reclaimed meanwhile.
const POPULATED_RSS_FRACTION: f64 = 0.90;
/// VSZ may also grow by memlab's own heap between the two readings.
const VSZ_SLACK_KIB: u64 = 1024;

#[derive(Serialize, Default)]
struct Row {
    change: Change,
    start: String,
    end: String,
    size_kib: u64,
    perms: String,
    offset: String,
    device: String,
    inode: u64,
    pathname: String,
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    crate::guard::check(args.size, args.force)?;
    let size = args.size.bytes();
    let mut r = Report::new("mmap", &ctx.meta);
    r.param("size_bytes", size);
    r.param("populate", args.populate);

    let me = ProcHandle::myself()?;
    // Size the buffers before the first reading so that reading the maps does
    // not itself grow the heap between the two readings.
    let mut before_text = String::with_capacity(1 << 20);
    let mut after_text = String::with_capacity(1 << 20);
    let before = me.sample()?;
    maps::read_into("self", &mut before_text)?;

    // --populate faults every page in as MAP_POPULATE would, but in slices
    // that a SIGTERM can stop (sys::Region::populate_interruptibly).
    let region = Region::anon(size, MapOptions::default())?;
    // Keep the populated case about 4 KiB pages too, like the other
    // experiments, so RSS counts what the document counts.
    region.advise_huge(sys::HugeAdvice::NoHuge)?;
    if args.populate {
        region.populate_interruptibly();
    }

    maps::read_into("self", &mut after_text)?;
    let after = me.sample()?;
    let addr = region.addr();

    let diff = maps::diff(&maps::parse(&before_text), &maps::parse(&after_text));
    let holder = diff
        .iter()
        .find(|(c, l)| *c == Change::Added && l.contains(addr))
        .map(|(_, l)| l.clone());

    ctx.ui.say(&format!(
        "mmap({} bytes) returned {addr:#x}; /proc/self/maps changed in {} line(s):",
        size,
        diff.len()
    ));
    for (c, l) in &diff {
        let mark = if *c == Change::Added { '+' } else { '-' };
        let here = if l.contains(addr) {
            "   <- the new mapping"
        } else {
            ""
        };
        ctx.ui.say(&format!("  {mark} {}{here}", l.render()));
        r.push_row(&Row {
            change: *c,
            start: format!("{:x}", l.start),
            end: format!("{:x}", l.end),
            size_kib: l.size() / 1024,
            perms: l.perms.clone(),
            offset: format!("{:08x}", l.offset),
            device: l.device.clone(),
            inode: l.inode,
            pathname: l.pathname.clone(),
        });
    }
    if r.rows.is_empty() {
        r.columns_from(&Row::default());
    }

    let size_kib = size / 1024;
    let vsz_delta = after.vsz_kib as i64 - before.vsz_kib as i64;
    let rss_delta = after.rss_kib as i64 - before.rss_kib as i64;
    r.summary("address", format!("{addr:#x}"));
    r.summary("mapping_line", holder.as_ref().map(|l| l.render()));
    r.summary("vsz_before_kib", before.vsz_kib);
    r.summary("vsz_after_kib", after.vsz_kib);
    r.summary("rss_before_kib", before.rss_kib);
    r.summary("rss_after_kib", after.rss_kib);
    r.summary("vsz_delta_kib", vsz_delta);
    r.summary("rss_delta_kib", rss_delta);

    r.check(Check::new(
        "vsz_grew_by_size",
        "after mmap the process's virtual memory (VSZ) is larger by the size asked for",
        format!("+{size_kib} KiB (up to +{} KiB)", size_kib + VSZ_SLACK_KIB),
        format!("{vsz_delta:+} KiB"),
        vsz_delta >= size_kib as i64 && vsz_delta <= (size_kib + VSZ_SLACK_KIB) as i64,
    ));
    if args.populate {
        let want = (size_kib as f64 * POPULATED_RSS_FRACTION) as i64;
        r.check(Check::new(
            "rss_grew_with_populate",
            "MAP_POPULATE faults every page in at once, so physical memory (RSS) grows by the size too",
            format!("≥ +{want} KiB"),
            format!("{rss_delta:+} KiB"),
            rss_delta >= want,
        ));
    } else {
        let limit =
            ((size_kib as f64 * UNTOUCHED_RSS_FRACTION) as i64).max(UNTOUCHED_RSS_FLOOR_KIB);
        r.check(Check::new(
            "rss_did_not_grow",
            "nothing is touched yet, so no physical memory is allocated (demand paging)",
            format!("< +{limit} KiB"),
            format!("{rss_delta:+} KiB"),
            rss_delta < limit,
        ));
    }
    r.check(Check::new(
        "address_in_added_line",
        "the kernel returns the start of a new range that shows up in the memory map",
        format!("{addr:#x} inside an added line spanning ≥ {size_kib} KiB"),
        match &holder {
            Some(l) => format!("{} ({} KiB)", l.render(), l.size() / 1024),
            None => "no added line holds it".into(),
        },
        holder.as_ref().is_some_and(|l| l.size() >= size),
    ));
    drop(region);
    Ok(r)
}
