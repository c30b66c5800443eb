//! malloc's checks: a pure function of the four stage rows, the params and
//! the maps figures of the large block. Every figure is memlab's own
//! process (glibc's mallinfo2, its VSZ, its maps), which other processes
//! cannot move, so each check is ✓ or ✗, never inconclusive.

use anyhow::Result;

use super::{Measurements, Params, Row, STAGES};
use crate::error::usage;
use crate::experiments::{Judgement, Recorded};
use crate::i18n::{Lang, tr_in};
use crate::report::Check;
use crate::units::human_bytes;

/// Small blocks share the pool: thousands of blocks may add at most a few
/// maps lines (the grown `[heap]`, perhaps a new arena mapping).
pub const MAX_NEW_LINES_FOR_SMALL: usize = 4;
/// A mapped chunk is the block plus a 16-byte header, rounded up to pages.
const LARGE_OVERHEAD_PAGES: u64 = 1;

/// The rows in stage order, or `None` if the run did not reach the end.
fn stages(rows: &[Row]) -> Result<Option<[&Row; 4]>> {
    if rows.len() < STAGES.len() {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(4);
    for name in STAGES {
        let row = rows
            .iter()
            .find(|r| r.stage == name)
            .ok_or_else(|| usage(crate::i18n::tr("malloc.err.no_stage", &[("stage", name)])))?;
        out.push(row);
    }
    Ok(out.try_into().ok())
}

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    let mut j = Judgement::default();
    let Some([before, small, large, freed]) = stages(&rows)? else {
        return Ok(j);
    };
    let p: Params = rec.params_as()?;
    let m: Measurements = rec.measurements_as()?;
    let f = Figures::of(before, small, large);
    summarise(&mut j, &p, &m, &f, [before, small, large, freed]);
    j.check(share_a_pool(&p, &m, &f));
    j.check(pool_grew(&p, &f));
    j.check(own_mapping(&p, &m, &f, rec.meta.page_size));
    j.check(kernel_counts_more(&p, &f));
    j.check(unmapped_on_free(&m));
    Ok(j)
}

/// The deltas the checks compare.
struct Figures {
    heap0: u64,
    heap1: u64,
    vsz_small: i64,
    rss_small: i64,
    vsz_large: i64,
    vsz_total: i64,
    rss_total: i64,
    arena_small: i64,
    uord_small: i64,
    hblkhd_large: i64,
    /// Free bytes already in the pool before: small blocks may fill them
    /// without the pool growing.
    free_before: u64,
}

impl Figures {
    fn of(before: &Row, small: &Row, large: &Row) -> Figures {
        let d = |a: u64, b: u64| b as i64 - a as i64;
        Figures {
            heap0: before.heap_kib * 1024,
            heap1: small.heap_kib * 1024,
            vsz_small: d(before.vsz_kib, small.vsz_kib),
            rss_small: d(before.rss_kib, small.rss_kib),
            vsz_large: d(small.vsz_kib, large.vsz_kib),
            vsz_total: d(before.vsz_kib, large.vsz_kib),
            rss_total: d(before.rss_kib, large.rss_kib),
            arena_small: d(before.mallinfo_arena_bytes, small.mallinfo_arena_bytes),
            uord_small: d(
                before.mallinfo_uordblks_bytes,
                small.mallinfo_uordblks_bytes,
            ),
            hblkhd_large: d(small.mallinfo_hblkhd_bytes, large.mallinfo_hblkhd_bytes),
            free_before: before
                .mallinfo_arena_bytes
                .saturating_sub(before.mallinfo_uordblks_bytes),
        }
    }
}

/// Maps lines the small blocks added: counted from the recorded diff (the
/// count beside it is for files written before the diff was recorded).
fn added_lines(m: &Measurements) -> usize {
    if m.maps_diff_small.is_empty() {
        return m.new_maps_lines_small;
    }
    m.maps_diff_small
        .iter()
        .filter(|e| e.change == crate::probe::maps::Change::Added)
        .count()
}

fn summarise(j: &mut Judgement, p: &Params, m: &Measurements, f: &Figures, rows: [&Row; 4]) {
    let [_, _, large, freed] = rows;
    j.summary("asked_small_bytes", p.small_total_bytes);
    j.summary("asked_large_bytes", p.large_bytes);
    j.summary("asked_total_bytes", p.small_total_bytes + p.large_bytes);
    j.summary("heap_before_kib", f.heap0 / 1024);
    j.summary("heap_after_small_kib", f.heap1 / 1024);
    j.summary("new_maps_lines_small", added_lines(m));
    j.summary("mallinfo_arena_delta_small_bytes", f.arena_small);
    j.summary("mallinfo_uordblks_delta_small_bytes", f.uord_small);
    j.summary("mallinfo_hblkhd_delta_large_bytes", f.hblkhd_large);
    j.summary("vsz_delta_small_kib", f.vsz_small);
    j.summary("rss_delta_small_kib", f.rss_small);
    j.summary("vsz_delta_large_kib", f.vsz_large);
    j.summary("vsz_delta_total_kib", f.vsz_total);
    j.summary("rss_delta_total_kib", f.rss_total);
    j.summary("large_address", format!("{:#x}", m.large_address));
    j.summary("large_map_line", m.large_line.clone());
    j.summary(
        "vsz_after_free_delta_kib",
        freed.vsz_kib as i64 - large.vsz_kib as i64,
    );
    j.summary("heap_after_free_kib", freed.heap_kib);
    j.summary(
        "mallinfo_uordblks_after_free_bytes",
        freed.mallinfo_uordblks_bytes,
    );
}

fn share_a_pool(p: &Params, m: &Measurements, f: &Figures) -> Check {
    let added = added_lines(m);
    Check::new(
        "small_blocks_share_a_pool",
        "malloc cuts small blocks out of memory glibc got from the kernel in bulk, not one mmap per block",
        format!(
            "≤ {MAX_NEW_LINES_FOR_SMALL} new maps lines for {} blocks",
            p.blocks
        ),
        format!(
            "{added} new line(s); [heap] {} → {}",
            human_bytes(f.heap0),
            human_bytes(f.heap1)
        ),
        added <= MAX_NEW_LINES_FOR_SMALL && p.blocks > MAX_NEW_LINES_FOR_SMALL,
    )
    .value(added as f64, "count")
    .bounds(None, Some(MAX_NEW_LINES_FOR_SMALL as f64))
}

fn pool_grew(p: &Params, f: &Figures) -> Check {
    let need = p.small_total_bytes.saturating_sub(f.free_before) as i64;
    Check::new(
        "pool_grew_for_small_blocks",
        "when the pool runs short, glibc asks the kernel for more: the arena (brk'd [heap]) grows",
        format!(
            "mallinfo2 arena grew by ≥ {} (asked {} minus {} already free in the pool)",
            human_bytes(need.max(0) as u64),
            human_bytes(p.small_total_bytes),
            human_bytes(f.free_before)
        ),
        format!(
            "arena +{}, [heap] +{}",
            human_bytes(f.arena_small.max(0) as u64),
            human_bytes(f.heap1.saturating_sub(f.heap0))
        ),
        f.arena_small >= need,
    )
    .value(f.arena_small as f64, "bytes")
    .bounds(Some(need as f64), None)
}

fn own_mapping(p: &Params, m: &Measurements, f: &Figures, page: u64) -> Check {
    let large = p.large_bytes;
    let max = large + LARGE_OVERHEAD_PAGES * page;
    let line_size = m.large_line_start.zip(m.large_line_end).map(|(s, e)| e - s);
    Check::new(
        "large_block_gets_own_mapping",
        "a block at or above the mmap threshold is mmapped on its own, outside the pool",
        format!(
            "{:#x} in an added maps line of ≥ {} not in [heap]; hblkhd +{large}..+{max} bytes",
            m.large_address,
            human_bytes(large),
        ),
        format!(
            "{}{}; hblkhd {:+} bytes",
            match (&m.large_line, line_size) {
                (Some(l), Some(n)) => format!("{l} ({})", human_bytes(n)),
                _ => "no added line holds it".into(),
            },
            if m.large_in_heap {
                ", inside [heap]"
            } else {
                ""
            },
            f.hblkhd_large
        ),
        line_size.is_some_and(|n| n >= large)
            && !m.large_in_heap
            && f.hblkhd_large >= large as i64
            && f.hblkhd_large <= max as i64,
    )
    .value(f.hblkhd_large as f64, "bytes")
    .bounds(Some(large as f64), Some(max as f64))
}

fn kernel_counts_more(p: &Params, f: &Figures) -> Check {
    let asked = p.small_total_bytes + p.large_bytes;
    let floor = asked as i64 - f.free_before as i64;
    Check::new(
        "kernel_counts_more_than_asked",
        "the kernel's figure (all memory mapped for the process) differs from what the program asked malloc for",
        format!(
            "VSZ growth ≥ {} asked (minus {} already free in the pool)",
            human_bytes(asked),
            human_bytes(f.free_before)
        ),
        format!(
            "VSZ +{} for {} asked",
            human_bytes(f.vsz_total.max(0) as u64 * 1024),
            human_bytes(asked)
        ),
        f.vsz_total * 1024 >= floor,
    )
    .value((f.vsz_total * 1024) as f64, "bytes")
    .bounds(Some(floor as f64), None)
}

fn unmapped_on_free(m: &Measurements) -> Check {
    let gone = !m.large_mapped_after_free;
    Check::new(
        "free_of_large_block_unmaps_it",
        "a mapped chunk goes back to the kernel (munmap) as soon as it is freed",
        tr_in(
            Lang::En,
            "why.malloc.no_line_holds",
            &[("addr", &format!("{:#x}", m.large_address))],
        ),
        tr_in(
            Lang::En,
            if gone {
                "why.malloc.gone"
            } else {
                "why.malloc.still_mapped"
            },
            &[],
        ),
        gone,
    )
}

#[cfg(test)]
mod tests;
