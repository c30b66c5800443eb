//! What the human table shows of cow's rows, and its chart.

use super::checks::{BEFORE_FORK, Row, SYSTEM};
use crate::report::{Chart, ChartKind, Report};
use crate::units::human_kib;

/// The table shows one row per process and stage (the extra readings of
/// system memory stay in CSV/JSON), without the columns only the checks use.
pub fn set_view(r: &mut Report, thp: bool, shared: bool) {
    r.table_rows = Some(
        (0..r.rows.len())
            .filter(|&i| r.rows[i].get("process").and_then(|v| v.as_str()) != Some(SYSTEM))
            .collect(),
    );
    let mut hide = vec![
        "t_s",
        "pid",
        "pss_own_kib",
        "rusage_minflt",
        "rusage_majflt",
        "pcp_free_kib",
        "anon_pages_kib",
        "cached_kib",
        "own_kib",
    ];
    if !thp {
        hide.push("anon_huge_kib");
    }
    if !shared {
        hide.push("mem_shared_kib");
    }
    r.table_hide = hide.into_iter().map(String::from).collect();
}

/// Bars of RSS, PSS and the growth of system used at each process and stage.
pub fn chart(rows: &[Row], size_kib: u64, shared: bool, access: &str) -> Chart {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let procs: Vec<&Row> = rows.iter().filter(|r| r.process != SYSTEM).collect();
    let base = procs
        .iter()
        .find(|r| r.stage == BEFORE_FORK)
        .map_or(0, |r| r.mem_used_adj_kib);
    Chart {
        title: format!(
            "copy-on-write: {} {}, child {}s every page",
            human_kib(size_kib as f64),
            if shared { "MAP_SHARED" } else { "MAP_PRIVATE" },
            access
        ),
        x_label: "stage, process".into(),
        y_label: "MiB".into(),
        kind: ChartKind::Bars {
            categories: procs
                .iter()
                .map(|r| format!("{} {}", r.stage, r.process))
                .collect(),
            series: vec![
                (
                    "RSS".into(),
                    procs.iter().map(|r| mib(r.rss_kib.unwrap_or(0))).collect(),
                ),
                (
                    "PSS".into(),
                    procs.iter().map(|r| mib(r.pss_kib.unwrap_or(0))).collect(),
                ),
                (
                    "system used (adjusted), growth since before-fork".into(),
                    procs
                        .iter()
                        .map(|r| mib(r.mem_used_adj_kib.saturating_sub(base)))
                        .collect(),
                ),
            ],
        },
    }
}
