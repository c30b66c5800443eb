//! What the human table shows of a swap run (CSV and JSON keep every column).

use crate::report::Report;

/// Columns left out of the table: the finer timing figures, the counters
/// that stay 0 without zswap or zero pages, and the bookkeeping.
const HIDDEN: &[&str] = &[
    "t_s",
    "major_timed",
    "minor_timed",
    "major_ns_median",
    "major_ns_p90",
    "minor_ns_median",
    "minor_ns_p90",
    "zswpout_pages",
    "swpout_zero_pages",
    "zswpin_pages",
    "swpin_zero_pages",
    "swap_ra_hit_pages",
    "sys_swap_used_delta_kib",
    "writeback_kib",
    "cgroup_usage_kib",
    "exit_code",
    "signal",
];

pub fn apply(r: &mut Report) {
    r.table_hide = HIDDEN.iter().map(|s| s.to_string()).collect();
}
