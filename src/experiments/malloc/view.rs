//! What malloc prints for a person: the maps diffs as they happen, and the
//! side-by-side notes.

use super::{Params, Reading, heap_line};
use crate::experiments::Ctx;
use crate::i18n::tr;
use crate::probe::maps::{self, Change, DiffEntry};
use crate::report::Report;
use crate::units::human_bytes;

/// The two maps diffs: small blocks (before → after them), the large block.
pub(super) fn say_diffs(
    ctx: &Ctx,
    p: &Params,
    d_small: &[DiffEntry],
    d_large: &[DiffEntry],
    large_addr: u64,
) {
    ctx.ui.say(&tr(
        "malloc.say.small_diff",
        &[
            ("blocks", &p.blocks.to_string()),
            ("total", &human_bytes(p.small_total_bytes)),
            ("lines", &d_small.len().to_string()),
        ],
    ));
    // The maps lines are data: only their `<- note` is words.
    for line in maps::narrate(d_small, None, "") {
        ctx.ui.data(&line);
    }
    ctx.ui.say(&tr(
        "malloc.say.large_diff",
        &[
            ("size", &human_bytes(p.large_bytes)),
            ("address", &format!("{large_addr:#x}")),
            ("lines", &d_large.len().to_string()),
        ],
    ));
    let here = tr("malloc.say.holds_large", &[]);
    for line in maps::narrate(d_large, Some(large_addr), &here) {
        ctx.ui.data(&line);
    }
    if d_large.iter().any(|e| e.change == Change::Removed) {
        ctx.ui.say(&format!("  {}", tr("malloc.say.merged", &[])));
    }
}

/// The notes: what memlab's own bookkeeping does, the figures side by side
/// with all blocks held, and what free() gave back.
pub(super) fn notes(r: &mut Report, p: &Params, readings: &[Reading; 4]) {
    let vsz_total = readings[2].vsz_kib as i64 - readings[0].vsz_kib as i64;
    let rss_total = readings[2].rss_kib as i64 - readings[0].rss_kib as i64;
    r.note_t("malloc.note.own_bookkeeping", &[]);
    r.note_t(
        "malloc.note.side_by_side",
        &[
            ("asked", &human_bytes(p.small_total_bytes + p.large_bytes)),
            ("arena", &human_bytes(readings[2].arena)),
            ("hblkhd", &human_bytes(readings[2].hblkhd)),
            ("vsz", &human_bytes(vsz_total.max(0) as u64 * 1024)),
            ("rss", &human_bytes(rss_total.max(0) as u64 * 1024)),
        ],
    );
    let heap_of = |i: usize| {
        heap_line(&maps::parse(&readings[i].maps_text))
            .map(|l| l.size())
            .unwrap_or(0)
    };
    let (heap_held, heap3) = (heap_of(2), heap_of(3));
    // glibc gives the top of [heap] back (trims it) when enough free space
    // gathers there; what it keeps is what the note says.
    let id = if heap3 < heap_held {
        "malloc.note.after_free_trimmed"
    } else {
        "malloc.note.after_free"
    };
    r.note_t(
        id,
        &[
            ("uordblks", &human_bytes(readings[3].uordblks)),
            ("heap", &human_bytes(heap3)),
            ("held", &human_bytes(heap_held)),
            ("vsz", &human_bytes(readings[3].vsz_kib * 1024)),
            ("rss", &human_bytes(readings[3].rss_kib * 1024)),
        ],
    );
}
