//! What a person sees: which rows and columns the table shows, and the chart.

use super::checks::Row;
use crate::report::{Band, Chart, ChartKind, Series};

/// Columns kept for CSV/JSON and the checks but left out of the table.
pub const HIDDEN: &[&str] = &[
    "mem_used_kib",
    "pcp_free_kib",
    "rss_anon_kib",
    "rss_rollup_kib",
    "anon_huge_kib",
    "worker_shared_kib",
    "memlab_anon_kib",
    "others_kib",
];

/// Rows at phase boundaries (first and last of each phase) and the first row
/// of every second.
pub fn table_rows(rows: &[Row]) -> Vec<usize> {
    let mut keep = Vec::new();
    let mut next_second = 0.0;
    for (i, row) in rows.iter().enumerate() {
        let first = i == 0 || rows[i - 1].phase != row.phase;
        let last = i + 1 == rows.len() || rows[i + 1].phase != row.phase;
        let second = row.t_s >= next_second;
        if second {
            next_second = row.t_s.floor() + 1.0;
        }
        if first || last || second {
            keep.push(i);
        }
    }
    keep
}

/// VSZ, RSS and system used against time, the phases shaded.
pub fn chart(rows: &[Row], title: String) -> Chart {
    let mib = |kib: u64| kib as f64 / 1024.0;
    // The axis starts at 0 MiB: draw system used above its lowest point of
    // the run, so the line keeps its shape whichever way the host drifted.
    let base = rows.iter().map(|r| r.mem_used_adj_kib).min().unwrap_or(0) as f64;
    let pts = |f: &dyn Fn(&Row) -> Option<f64>| -> Vec<(f64, f64)> {
        rows.iter()
            .filter_map(|r| f(r).map(|v| (r.t_s, v)))
            .collect()
    };
    let series = vec![
        Series {
            name: "VSZ (worker)".into(),
            points: pts(&|r| r.vsz_kib.map(mib)),
        },
        Series {
            name: "RSS (worker)".into(),
            points: pts(&|r| r.rss_kib.map(mib)),
        },
        Series {
            name: "system used (adj.) above its lowest".into(),
            points: pts(&|r| Some((r.mem_used_adj_kib as f64 - base) / 1024.0)),
        },
    ];
    let mut bands = Vec::new();
    let end_t = rows.last().map_or(0.0, |r| r.t_s);
    for (i, row) in rows.iter().enumerate() {
        if i == 0 || rows[i - 1].phase != row.phase {
            let to = rows[i..]
                .iter()
                .find(|r| r.phase != row.phase)
                .map_or(end_t, |r| r.t_s);
            bands.push(Band {
                label: row.phase.name().into(),
                from: row.t_s,
                to,
            });
        }
    }
    Chart {
        title,
        x_label: "time (s)".into(),
        y_label: "MiB".into(),
        kind: ChartKind::Lines { series, bands },
    }
}

#[cfg(test)]
mod tests {
    use super::super::checks::Phase;
    use super::*;

    #[test]
    fn table_keeps_boundaries_and_seconds() {
        let phases = [Phase::BeforeAlloc, Phase::Allocated, Phase::Touching];
        let rows: Vec<Row> = (0..30)
            .map(|i| Row {
                t_s: i as f64 * 0.1,
                phase: phases[i / 10],
                ..Row::default()
            })
            .collect();
        assert_eq!(table_rows(&rows), vec![0, 9, 10, 19, 20, 29]);
    }

    #[test]
    fn chart_has_a_band_per_phase() {
        let rows: Vec<Row> = (0..4)
            .map(|i| Row {
                t_s: i as f64,
                phase: if i < 2 {
                    Phase::BeforeAlloc
                } else {
                    Phase::Exited
                },
                vsz_kib: (i < 2).then_some(2048),
                ..Row::default()
            })
            .collect();
        let c = chart(&rows, "t".into());
        let ChartKind::Lines { series, bands } = c.kind else {
            panic!("a line chart")
        };
        assert_eq!(bands.len(), 2);
        assert_eq!(series[0].points, vec![(0.0, 2.0), (1.0, 2.0)]);
    }
}
