//! What a person sees of a run: which rows and columns the human table
//! shows, and the chart (data only; `output::svg` draws it).

use super::Row;
use crate::report::{Band, Chart, ChartKind, Report, Series};

/// Columns the human table leaves out (CSV and JSON keep them): the
/// signals the checks use and the finer counts.
pub const HIDDEN: &[&str] = &[
    "pcp_free_kib",
    "file_lru_kib",
    "others_anon_kib",
    "shmem_kib",
    "others_cache_in_kib",
    "pgsteal",
    "resident_before_kib",
    "minflt",
];

/// Set the table's view and the chart from the rows recorded so far.
pub fn apply(r: &mut Report, size_label: &str) {
    r.table_hide = HIDDEN.iter().map(|c| c.to_string()).collect();
    r.table_rows = Some(shown_rows(r));
    let rows: Vec<Row> = r
        .rows
        .iter()
        .filter_map(|m| serde_json::from_value(serde_json::Value::Object(m.clone())).ok())
        .collect();
    if rows.len() >= 2 {
        r.chart = Some(chart(&rows, size_label));
    }
}

/// Each step once: of a quiet window, its last reading.
fn shown_rows(r: &Report) -> Vec<usize> {
    let step = |i: usize| r.rows[i].get("step").and_then(|v| v.as_str()).unwrap_or("");
    (0..r.rows.len())
        .filter(|&i| {
            !step(i).starts_with("quiet_") || i + 1 == r.rows.len() || step(i + 1) != step(i)
        })
        .collect()
}

/// The file's resident pages and the system columns against time. The
/// system lines are drawn above their lowest point of the run (the axis
/// starts at 0), so a rise of buff/cache and a fall of free by SIZE show
/// as steps of the same height as the file's own line.
pub fn chart(rows: &[Row], size_label: &str) -> Chart {
    let above_lowest = |f: fn(&Row) -> u64| -> Vec<(f64, f64)> {
        let low = rows.iter().map(f).min().unwrap_or(0);
        rows.iter()
            .map(|r| (r.t_s, (f(r) - low) as f64 / 1024.0))
            .collect()
    };
    // The file's own line last, so it is drawn over buff/cache's, which
    // follows it step for step on a quiet host.
    let series = vec![
        Series {
            name: "buff/cache".into(),
            points: above_lowest(|r| r.buff_cache_kib),
        },
        Series {
            name: "free (adj.)".into(),
            points: above_lowest(|r| r.free_kib + r.pcp_free_kib),
        },
        Series {
            name: "available (adj.)".into(),
            points: above_lowest(|r| r.available_kib + r.pcp_free_kib),
        },
        Series {
            name: "file resident (mincore)".into(),
            points: rows
                .iter()
                .filter_map(|r| Some((r.t_s, r.resident_kib? as f64 / 1024.0)))
                .collect(),
        },
    ];
    Chart {
        title: format!("page cache: a {size_label} file read cold, warm, dropped"),
        x_label: "time (s)".into(),
        y_label: "MiB (system lines above their lowest)".into(),
        kind: ChartKind::Lines {
            series,
            bands: bands(rows),
        },
    }
}

/// Shaded spans: the quiet windows and the cold read.
fn bands(rows: &[Row]) -> Vec<Band> {
    let t = |step: &str, last: bool| {
        let mut it = rows.iter().filter(|r| r.step == step).map(|r| r.t_s);
        if last { it.next_back() } else { it.next() }
    };
    let mut out = Vec::new();
    let mut band = |label: &str, from: Option<f64>, to: Option<f64>| {
        if let (Some(from), Some(to)) = (from, to) {
            out.push(Band {
                label: label.into(),
                from,
                to,
            });
        }
    };
    let before_end = t("quiet_before", true);
    band("quiet before", t("quiet_before", false), before_end);
    band("cold read", before_end, t("cold_read", false));
    // The warm read and the drop take milliseconds: left unshaded between
    // the cold read and the quiet window after.
    band("quiet after", t("drop", false), t("quiet_after", true));
    out
}
