//! What a person sees of a run: which rows and columns the human table
//! shows, and the chart (data only; `output::svg` draws it).

use anyhow::Result;

use super::{Params, Row};
use crate::experiments::Recorded;
use crate::i18n::tr;
use crate::report::{Band, Chart, ChartKind, Report, Series};
use crate::units::human_bytes;

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
pub fn apply(r: &mut Report) -> Result<()> {
    r.table_hide = HIDDEN.iter().map(|c| c.to_string()).collect();
    r.table_rows = Some(shown_rows(r));
    r.chart = chart(&Recorded::of(r))?;
    Ok(())
}

/// The chart of a run, from what it recorded (rows and params only), so
/// `memlab report` draws it again from a JSON file. None before two
/// readings, or when the file's size is not recorded yet.
pub fn chart(rec: &Recorded<'_>) -> Result<Option<Chart>> {
    let rows: Vec<Row> = rec.rows_as()?;
    if rows.len() < 2 {
        return Ok(None);
    }
    let Ok(p) = rec.params_as::<Params>() else {
        return Ok(None);
    };
    Ok(Some(draw(&rows, &human_bytes(p.size_bytes))))
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
fn draw(rows: &[Row], size_label: &str) -> Chart {
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
            name: tr("page_cache.title.series_cache", &[]),
            points: above_lowest(|r| r.buff_cache_kib),
        },
        Series {
            name: tr("page_cache.title.series_free", &[]),
            points: above_lowest(|r| r.free_kib + r.pcp_free_kib),
        },
        Series {
            name: tr("page_cache.title.series_available", &[]),
            points: above_lowest(|r| r.available_kib + r.pcp_free_kib),
        },
        Series {
            name: tr("page_cache.title.series_resident", &[]),
            points: rows
                .iter()
                .filter_map(|r| Some((r.t_s, r.resident_kib? as f64 / 1024.0)))
                .collect(),
        },
    ];
    Chart {
        title: tr("page_cache.title.chart", &[("size", size_label)]),
        x_label: tr("page_cache.title.chart_x", &[]),
        y_label: tr("page_cache.title.chart_y", &[]),
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
    band(
        &tr("page_cache.title.band_quiet_before", &[]),
        t("quiet_before", false),
        before_end,
    );
    band(
        &tr("page_cache.title.band_cold_read", &[]),
        before_end,
        t("cold_read", false),
    );
    // The warm read and the drop take milliseconds: left unshaded between
    // the cold read and the quiet window after.
    band(
        &tr("page_cache.title.band_quiet_after", &[]),
        t("drop", false),
        t("quiet_after", true),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::fixture::Fixture;

    fn row(t_s: f64, step: &str, resident_kib: u64) -> Row {
        Row {
            t_s,
            step: step.into(),
            resident_kib: Some(resident_kib),
            buff_cache_kib: 1_000_000 + resident_kib,
            free_kib: 2_000_000 - resident_kib,
            available_kib: 3_000_000,
            ..Row::default()
        }
    }

    #[test]
    fn the_chart_comes_from_the_recorded_rows_and_size() {
        let rows = [
            row(0.0, "dropped", 0),
            row(0.05, "quiet_before", 0),
            row(0.10, "quiet_before", 0),
            row(0.30, "cold_read", 65536),
            row(0.31, "warm_read", 65536),
            row(0.32, "drop", 0),
            row(0.37, "quiet_after", 0),
        ];
        let f = Fixture::new(super::super::INFO.name)
            .param("size_bytes", 64u64 << 20)
            .param("own_file", true)
            .param("residency_visible", true)
            .rows(&rows);
        let c = chart(&Recorded::of(&f)).unwrap().expect("a chart");
        assert!(c.title.contains("64.0 MiB"), "{}", c.title);
        let ChartKind::Lines { series, bands } = &c.kind else {
            panic!("not lines: {:?}", c.kind);
        };
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "buff/cache",
                "free (adj.)",
                "available (adj.)",
                "file resident (mincore)"
            ]
        );
        // buff/cache above its lowest follows the file: 64 MiB at the cold read.
        assert_eq!(series[0].points[3], (0.30, 64.0));
        assert_eq!(series[1].points[3], (0.30, 0.0));
        assert_eq!(series[3].points[3], (0.30, 64.0));
        assert!(series.iter().all(|s| s.points.len() == rows.len()));
        let labels: Vec<&str> = bands.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["quiet before", "cold read", "quiet after"]);
        assert_eq!((bands[1].from, bands[1].to), (0.10, 0.30));
    }

    #[test]
    fn one_reading_draws_no_chart() {
        let f = Fixture::new(super::super::INFO.name)
            .param("size_bytes", 4096)
            .param("own_file", true)
            .param("residency_visible", true)
            .rows(&[row(0.0, "dropped", 0)]);
        assert!(chart(&Recorded::of(&f)).unwrap().is_none());
    }
}
