//! What the human table shows of oom's rows.

use crate::report::Report;

/// The outcome rows, the first and last readings around the physical child,
/// and about a dozen of its samples.
pub fn set_view(r: &mut Report) {
    let event = |i: usize| {
        r.rows[i]
            .get("event")
            .and_then(|v| v.as_str())
            .unwrap_or("")
    };
    let samples: Vec<usize> = (0..r.rows.len())
        .filter(|&i| event(i) == "sample")
        .collect();
    let every = samples.len().div_ceil(10).max(1);
    let first_before = (0..r.rows.len()).find(|&i| event(i) == "before");
    let last_after = (0..r.rows.len()).rev().find(|&i| event(i) == "after");
    let shown: Vec<usize> = (0..r.rows.len())
        .filter(|&i| match event(i) {
            "sample" => {
                let k = samples.iter().position(|&s| s == i).unwrap_or(0);
                k % every == 0 || k + 1 == samples.len()
            }
            "before" => Some(i) == first_before,
            "after" => Some(i) == last_after,
            _ => true,
        })
        .collect();
    r.table_rows = Some(shown);
    r.table_hide = [
        "mem_used_kib",
        "mem_used_adj_kib",
        "anon_pages_kib",
        "cached_kib",
        "own_kib",
        "others_kib",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
}
