//! mmap — プロセスへのメモリ割り当て (追加割り当て時)
//!
//! The document's experiment: show the process's memory map, `mmap` 100 MiB,
//! show the map again. The kernel only records the new range (a VMA): no page
//! is allocated until it is touched (demand paging), so VSZ grows by SIZE and
//! RSS does not. `--populate` (MAP_POPULATE) asks the kernel to fault every
//! page in at once, and RSS grows by SIZE too.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::{Ctx, Judgement, Recorded};
use crate::i18n::tr;
use crate::probe::maps::{self, DiffEntry};
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
    chart: None,
    quick: Some(&["--size", "64M"]),
    key_figures: &[],
    judge,
    page_ja: Some(include_str!("../../experiments/ja/mmap.md")),
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

/// One line of the /proc/self/maps diff, as every maps listing of memlab
/// writes it: `change,start,end,size_kib,perms,offset,dev_major,dev_minor,
/// inode,pathname`, addresses and the offset `0x…`, the device's numbers in
/// decimal.
pub type Row = DiffEntry;

/// The process's own figures around the mmap call.
#[derive(Serialize, Deserialize, Default, Debug)]
pub struct Measurements {
    /// What mmap returned.
    pub address: u64,
    pub vsz_before_kib: u64,
    pub vsz_after_kib: u64,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
}

#[derive(Deserialize, Debug)]
pub struct Params {
    pub size_bytes: u64,
    pub populate: bool,
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

    let diff = maps::diff_entries(&maps::parse(&before_text), &maps::parse(&after_text));
    ctx.ui.say(&tr(
        "mmap.say.returned",
        &[
            ("size", &size.to_string()),
            ("addr", &format!("{addr:#x}")),
            ("n", &diff.len().to_string()),
        ],
    ));
    r.columns_from(&Row::default());
    for line in maps::narrate(&diff, Some(addr), &tr("mmap.say.new_mapping", &[])) {
        ctx.ui.say(&line);
    }
    for e in &diff {
        r.push_row(e);
    }
    r.measure("address", addr);
    r.measure("vsz_before_kib", before.vsz_kib);
    r.measure("vsz_after_kib", after.vsz_kib);
    r.measure("rss_before_kib", before.rss_kib);
    r.measure("rss_after_kib", after.rss_kib);
    drop(region);
    Ok(r)
}

/// The checks, from the diff rows and the process's own VSZ/RSS readings.
/// Each is ✓ or ✗, never inconclusive: every figure is memlab's own
/// process, which other processes cannot move.
pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    let m: Measurements = rec.measurements_as()?;
    let p: Params = rec.params_as()?;
    let size_kib = p.size_bytes / 1024;
    let addr = m.address;
    let vsz_delta = m.vsz_after_kib as i64 - m.vsz_before_kib as i64;
    let rss_delta = m.rss_after_kib as i64 - m.rss_before_kib as i64;
    let holder = maps::added_holding(&rows, addr);
    let mut j = Judgement::default();
    j.summary("address", format!("{addr:#x}"));
    j.summary("mapping_line", holder.as_ref().map(|l| l.render()));
    j.summary("vsz_before_kib", m.vsz_before_kib);
    j.summary("vsz_after_kib", m.vsz_after_kib);
    j.summary("rss_before_kib", m.rss_before_kib);
    j.summary("rss_after_kib", m.rss_after_kib);
    j.summary("vsz_delta_kib", vsz_delta);
    j.summary("rss_delta_kib", rss_delta);

    let vsz_max = size_kib + VSZ_SLACK_KIB;
    j.check(
        Check::new(
            "vsz_grew_by_size",
            "after mmap the process's virtual memory (VSZ) is larger by the size asked for",
            format!("+{size_kib} KiB (up to +{vsz_max} KiB)"),
            format!("{vsz_delta:+} KiB"),
            vsz_delta >= size_kib as i64 && vsz_delta <= vsz_max as i64,
        )
        .value(vsz_delta as f64, "KiB")
        .bounds(Some(size_kib as f64), Some(vsz_max as f64)),
    );
    j.check(rss_check(p.populate, size_kib, rss_delta));
    j.check(
        Check::new(
            "address_in_added_line",
            "the kernel returns the start of a new range that shows up in the memory map",
            format!("{addr:#x} inside an added line spanning ≥ {size_kib} KiB"),
            match &holder {
                Some(l) => format!("{} ({} KiB)", l.render(), l.size() / 1024),
                None => "no added line holds it".into(),
            },
            holder.as_ref().is_some_and(|l| l.size() >= p.size_bytes),
        )
        .value(
            holder.as_ref().map_or(0.0, |l| (l.size() / 1024) as f64),
            "KiB",
        )
        .bounds(Some(size_kib as f64), None),
    );
    Ok(j)
}

/// Untouched: RSS stays (demand paging); populated: RSS grows by SIZE.
fn rss_check(populate: bool, size_kib: u64, rss_delta: i64) -> Check {
    if populate {
        let want = (size_kib as f64 * POPULATED_RSS_FRACTION) as i64;
        Check::new(
            "rss_grew_with_populate",
            "MAP_POPULATE faults every page in at once, so physical memory (RSS) grows by the size too",
            format!("≥ +{want} KiB"),
            format!("{rss_delta:+} KiB"),
            rss_delta >= want,
        )
        .value(rss_delta as f64, "KiB")
        .bounds(Some(want as f64), None)
    } else {
        let limit =
            ((size_kib as f64 * UNTOUCHED_RSS_FRACTION) as i64).max(UNTOUCHED_RSS_FLOOR_KIB);
        Check::new(
            "rss_did_not_grow",
            "nothing is touched yet, so no physical memory is allocated (demand paging)",
            format!("< +{limit} KiB"),
            format!("{rss_delta:+} KiB"),
            rss_delta < limit,
        )
        .value(rss_delta as f64, "KiB")
        .bounds(None, Some(limit as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::fixture::{self, Fixture, of};
    use crate::report::Verdict;

    const ADDR: u64 = 0x7f00_0000_0000;
    const MIB16: u64 = 16 << 20;

    use crate::probe::maps::{Change, MapLine};

    fn added(start: u64, len: u64) -> Row {
        Row::of(
            Change::Added,
            &MapLine {
                start,
                end: start + len,
                perms: "rw-p".into(),
                offset: 0,
                dev_major: 0,
                dev_minor: 0,
                inode: 0,
                pathname: String::new(),
            },
        )
    }

    /// Judge one run: the diff rows, VSZ and RSS growth in KiB.
    fn verdicts(rows: &[Row], populate: bool, vsz: u64, rss: u64) -> Vec<(String, Verdict)> {
        let j = Fixture::new("mmap")
            .param("size_bytes", MIB16)
            .param("populate", populate)
            .rows(rows)
            .measure("address", ADDR)
            .measure("vsz_before_kib", 100_000)
            .measure("vsz_after_kib", 100_000 + vsz)
            .measure("rss_before_kib", 5_000)
            .measure("rss_after_kib", 5_000 + rss)
            .judge(judge);
        fixture::verdicts(&j)
    }

    #[test]
    fn demand_paging_run_holds() {
        let v = verdicts(&[added(ADDR, MIB16)], false, 16 * 1024, 8);
        assert!(v.iter().all(|c| c.1 == Verdict::Holds), "{v:?}");
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn rss_that_grows_without_touching_fails() {
        let v = verdicts(&[added(ADDR, MIB16)], false, 16 * 1024, 16 * 1024);
        assert_eq!(of(&v, "rss_did_not_grow"), Verdict::Fails);
    }

    #[test]
    fn populate_expects_rss_to_grow() {
        let v = verdicts(&[added(ADDR, MIB16)], true, 16 * 1024, 16 * 1024);
        assert_eq!(of(&v, "rss_grew_with_populate"), Verdict::Holds);
        let v = verdicts(&[added(ADDR, MIB16)], true, 16 * 1024, 100);
        assert_eq!(of(&v, "rss_grew_with_populate"), Verdict::Fails);
    }

    #[test]
    fn vsz_short_of_size_or_far_above_fails() {
        let v = verdicts(&[added(ADDR, MIB16)], false, 8 * 1024, 0);
        assert_eq!(of(&v, "vsz_grew_by_size"), Verdict::Fails);
        let v = verdicts(&[added(ADDR, MIB16)], false, 18 * 1024, 0);
        assert_eq!(of(&v, "vsz_grew_by_size"), Verdict::Fails);
    }

    #[test]
    fn the_address_must_be_in_an_added_line_of_at_least_size() {
        // Merged with a neighbour: a longer line holds it.
        let v = verdicts(&[added(ADDR - 4096, MIB16 + 4096)], false, 16 * 1024, 0);
        assert_eq!(of(&v, "address_in_added_line"), Verdict::Holds);
        let v = verdicts(&[added(ADDR, 4096)], false, 16 * 1024, 0);
        assert_eq!(of(&v, "address_in_added_line"), Verdict::Fails);
        let v = verdicts(&[added(ADDR + MIB16, MIB16)], false, 16 * 1024, 0);
        assert_eq!(of(&v, "address_in_added_line"), Verdict::Fails);
        let mut removed = added(ADDR, MIB16);
        removed.change = Change::Removed;
        let v = verdicts(&[removed], false, 16 * 1024, 0);
        assert_eq!(of(&v, "address_in_added_line"), Verdict::Fails);
    }
}
