//! What the human table shows of cow's rows, and its chart.

use anyhow::Result;

use super::checks::{BEFORE_FORK, Params, Row, SYSTEM};
use crate::experiments::Recorded;
use crate::i18n::tr;
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

/// Bars of RSS, PSS and the growth of system used at each process and
/// stage, drawn from what was recorded only (a run and `memlab report` both
/// draw it here). `None` when no process row was recorded.
pub fn chart(rec: &Recorded<'_>) -> Result<Option<Chart>> {
    let rows: Vec<Row> = rec.rows_as()?;
    let p: Params = rec.params_as()?;
    let mib = |kib: u64| kib as f64 / 1024.0;
    let procs: Vec<&Row> = rows.iter().filter(|r| r.process != SYSTEM).collect();
    if procs.is_empty() {
        return Ok(None);
    }
    let base = procs
        .iter()
        .find(|r| r.stage == BEFORE_FORK)
        .map_or(0, |r| r.mem_used_adj_kib);
    let title = if p.access == "read" {
        "cow.title.chart_read"
    } else {
        "cow.title.chart_write"
    };
    Ok(Some(Chart {
        title: tr(
            title,
            &[
                ("size", &human_kib((p.size_bytes / 1024) as f64)),
                (
                    "mapping",
                    if p.shared {
                        "MAP_SHARED"
                    } else {
                        "MAP_PRIVATE"
                    },
                ),
            ],
        ),
        x_label: tr("cow.title.chart_x", &[]),
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
                    tr("cow.title.chart_used", &[]),
                    procs
                        .iter()
                        .map(|r| mib(r.mem_used_adj_kib.saturating_sub(base)))
                        .collect(),
                ),
            ],
        },
    }))
}
