//! What malloc prints for a person: the maps diffs as they happen, and the
//! side-by-side notes.

use super::{Params, Reading, heap_line};
use crate::experiments::Ctx;
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
    ctx.ui.say(&format!(
        "{} small mallocs ({}) changed /proc/self/maps in {} line(s):",
        p.blocks,
        human_bytes(p.small_total_bytes),
        d_small.len()
    ));
    for line in maps::narrate(d_small, None, "") {
        ctx.ui.say(&line);
    }
    ctx.ui.say(&format!(
        "one malloc({}) returned {large_addr:#x}; /proc/self/maps changed in {} line(s):",
        human_bytes(p.large_bytes),
        d_large.len()
    ));
    for line in maps::narrate(d_large, Some(large_addr), "holds the large block") {
        ctx.ui.say(&line);
    }
    if d_large.iter().any(|e| e.change == Change::Removed) {
        ctx.ui.say(
            "  (the kernel merged the new mapping with an adjacent anonymous one of the same \
             permissions: one line removed, a longer one added)",
        );
    }
}

/// The notes: what memlab's own bookkeeping does, the figures side by side
/// with all blocks held, and what free() gave back.
pub(super) fn notes(r: &mut Report, p: &Params, readings: &[Reading; 4]) {
    let vsz_total = readings[2].vsz_kib as i64 - readings[0].vsz_kib as i64;
    let rss_total = readings[2].rss_kib as i64 - readings[0].rss_kib as i64;
    r.note(
        "memlab's own bookkeeping also uses glibc's malloc (Rust's allocator sits on it): \
         the maps buffers were sized before the first reading, so only the few small \
         strings of the /proc readers come from the same pool between readings",
    );
    r.note(format!(
        "side by side, all blocks held: the program asked for {}; glibc got {} from brk \
         (arena) and {} as mapped chunks (hblkhd); the kernel counts +{} of address space \
         (VSZ) and +{} resident (RSS)",
        human_bytes(p.small_total_bytes + p.large_bytes),
        human_bytes(readings[2].arena),
        human_bytes(readings[2].hblkhd),
        human_bytes(vsz_total.max(0) as u64 * 1024),
        human_bytes(rss_total.max(0) as u64 * 1024),
    ));
    let heap3 = heap_line(&maps::parse(&readings[3].maps_text))
        .map(|l| l.size())
        .unwrap_or(0);
    r.note(format!(
        "after free(): glibc counts {} in use (uordblks) but keeps the pool: [heap] is {} \
         and the kernel still counts VSZ {} / RSS {}; freed small chunks sit in glibc's \
         bins (tcache, fastbins) for reuse, only the mapped large block went back at once",
        human_bytes(readings[3].uordblks),
        human_bytes(heap3),
        human_bytes(readings[3].vsz_kib * 1024),
        human_bytes(readings[3].rss_kib * 1024),
    ));
}
