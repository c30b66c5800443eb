//! What a person sees: which rows and columns the table shows, and the
//! chart. A run keeps a bounded selection of rows for both ([`Keep`]): the
//! rows themselves stream to the outputs as they are taken.

use anyhow::Result;

use super::checks::{Params, Phase, Row};
use crate::experiments::Recorded;
use crate::output::downsample::Downsample;
use crate::report::{Band, Chart, ChartKind, Series};
use crate::units::{Rate, Size};

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

/// The table shows the first row of every second up to this many seconds;
/// beyond, of every 2nd, 4th, … second.
pub const TABLE_SECONDS: usize = 32;
/// Chart buckets per series: each keeps its lowest and highest point.
pub const CHART_BUCKETS: usize = 256;

/// The rows a run keeps, bounded whatever its length: for the table the
/// first and last row of each phase and the first row of each (every
/// 2nd, 4th, …) second; for the chart the lowest and highest row of each
/// bucket of each series.
#[derive(Clone, Debug)]
pub struct Keep {
    seen: u64,
    prev: Option<(u64, Row)>,
    edges: Vec<(u64, Row)>,
    every: u64,
    next_second: f64,
    seconds: Vec<(u64, Row)>,
    series: [Downsample<(u64, Row)>; 3],
}

impl Default for Keep {
    fn default() -> Self {
        Keep {
            seen: 0,
            prev: None,
            edges: Vec::new(),
            every: 1,
            next_second: 0.0,
            seconds: Vec::new(),
            series: std::array::from_fn(|_| Downsample::new(CHART_BUCKETS)),
        }
    }
}

/// VSZ, RSS and system used of a row (in KiB), as the chart draws them.
fn series_of(r: &Row) -> [Option<f64>; 3] {
    [
        r.vsz_kib.map(|v| v as f64),
        r.rss_kib.map(|v| v as f64),
        Some(r.mem_used_adj_kib as f64),
    ]
}

impl Keep {
    pub fn push(&mut self, r: &Row) {
        let i = self.seen;
        self.seen += 1;
        match self.prev {
            None => self.edges.push((i, *r)),
            Some((pi, p)) if p.phase != r.phase => {
                self.edges.push((pi, p));
                self.edges.push((i, *r));
            }
            _ => {}
        }
        self.prev = Some((i, *r));
        if r.t_s >= self.next_second {
            self.next_second = r.t_s.floor() + 1.0;
            if (r.t_s.floor() as u64).is_multiple_of(self.every) {
                self.seconds.push((i, *r));
                if self.seconds.len() > TABLE_SECONDS {
                    self.every *= 2;
                    let e = self.every;
                    self.seconds
                        .retain(|(_, r)| (r.t_s.floor() as u64).is_multiple_of(e));
                }
            }
        }
        for (d, v) in self.series.iter_mut().zip(series_of(r)) {
            if let Some(v) = v {
                d.push_with(r.t_s, v, (i, *r));
            }
        }
    }

    /// Rows seen.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The table's rows, each with its index among all rows.
    pub fn table(&self) -> Vec<(u64, Row)> {
        let mut v = self.edges.clone();
        v.extend(self.prev);
        v.extend(self.seconds.iter().copied());
        v.sort_by_key(|(i, _)| *i);
        v.dedup_by_key(|(i, _)| *i);
        v
    }

    /// Every kept row (the table's and the chart's), each with its index
    /// among all rows.
    pub fn rows(&self) -> Vec<(u64, Row)> {
        let mut v = self.table();
        for d in &self.series {
            v.extend(d.points_with().into_iter().map(|(_, _, p)| p));
        }
        v.sort_by_key(|(i, _)| *i);
        v.dedup_by_key(|(i, _)| *i);
        v
    }
}

/// Rows at phase boundaries (first and last of each phase) and the first row
/// of every second: their positions in `rows`.
pub fn table_rows(rows: &[Row]) -> Vec<usize> {
    let mut k = Keep::default();
    rows.iter().for_each(|r| k.push(r));
    k.table().into_iter().map(|(i, _)| i as usize).collect()
}

/// The chart of a run from what it recorded ([`crate::experiments::Info`]'s
/// `chart`): VSZ, RSS and system used against time, the phases shaded;
/// drawn from at most `2 × CHART_BUCKETS` points per series, each bucket's
/// lowest and highest kept.
pub fn chart(rec: &Recorded<'_>) -> Result<Option<Chart>> {
    let p: Params = rec.params_as()?;
    let rows: Vec<Row> = rec.rows_as()?;
    if rows.is_empty() {
        return Ok(None);
    }
    let rate = p
        .rate_bytes_per_s
        .map_or(Rate::Max, |b| Rate::PerSecond(Size(b)));
    let title = crate::i18n::tr(
        "demand_paging.title.chart",
        &[
            ("size", &Size(p.size_bytes).to_string()),
            ("rate", &rate.to_string()),
        ],
    );
    Ok(Some(draw(&rows, title)))
}

/// VSZ, RSS and system used against time, the phases shaded.
pub fn draw(rows: &[Row], title: String) -> Chart {
    let mib = |kib: f64| kib / 1024.0;
    // The axis starts at 0 MiB: draw system used above its lowest point of
    // the run, so the line keeps its shape whichever way the host drifted.
    let base = rows.iter().map(|r| r.mem_used_adj_kib).min().unwrap_or(0) as f64;
    let mut series: [Downsample; 3] = std::array::from_fn(|_| Downsample::new(CHART_BUCKETS));
    for r in rows {
        for (d, v) in series.iter_mut().zip(series_of(r)) {
            if let Some(v) = v {
                d.push(r.t_s, v);
            }
        }
    }
    let names = [
        crate::i18n::tr("demand_paging.title.chart_vsz", &[]),
        crate::i18n::tr("demand_paging.title.chart_rss", &[]),
        crate::i18n::tr("demand_paging.title.chart_used", &[]),
    ];
    let series = series
        .iter()
        .zip(names)
        .enumerate()
        .map(|(k, (d, name))| Series {
            name,
            points: d
                .points()
                .into_iter()
                .map(|(t, v)| (t, mib(if k == 2 { v - base } else { v })))
                .collect(),
        })
        .collect();
    let mut bands: Vec<Band> = Vec::new();
    let mut phase: Option<Phase> = None;
    for r in rows {
        if phase != Some(r.phase) {
            if let Some(b) = bands.last_mut() {
                b.to = r.t_s;
            }
            bands.push(Band {
                label: r.phase.name().into(),
                from: r.t_s,
                to: r.t_s,
            });
            phase = Some(r.phase);
        }
    }
    if let (Some(b), Some(last)) = (bands.last_mut(), rows.last()) {
        b.to = last.t_s;
    }
    Chart {
        title,
        x_label: crate::i18n::tr("demand_paging.title.chart_x", &[]),
        y_label: "MiB".into(),
        kind: ChartKind::Lines { series, bands },
    }
}

#[cfg(test)]
mod tests {
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
    fn a_long_run_keeps_a_bounded_selection_with_every_phase_edge_and_peak() {
        let mut k = Keep::default();
        let n = 400_000u64;
        for i in 0..n {
            let phase = match i {
                0..100_000 => Phase::BeforeAlloc,
                100_000..200_000 => Phase::Allocated,
                200_000..300_000 => Phase::Touching,
                _ => Phase::Touched,
            };
            k.push(&Row {
                t_s: i as f64 * 0.001,
                phase,
                vsz_kib: Some(10),
                rss_kib: Some(if i == 123_457 { 99_999 } else { i % 3 }),
                ..Row::default()
            });
        }
        let table = k.table();
        assert!(table.len() <= TABLE_SECONDS + 10, "{}", table.len());
        for edge in [
            0,
            99_999,
            100_000,
            199_999,
            200_000,
            299_999,
            300_000,
            n - 1,
        ] {
            assert!(table.iter().any(|(i, _)| *i == edge), "edge {edge}");
        }
        let rows = k.rows();
        assert!(
            rows.len() <= table.len() + 6 * CHART_BUCKETS,
            "{}",
            rows.len()
        );
        assert!(rows.iter().any(|(i, _)| *i == 123_457), "the RSS peak");
        assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
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
        let c = draw(&rows, "t".into());
        let ChartKind::Lines { series, bands } = c.kind else {
            panic!("a line chart")
        };
        assert_eq!(bands.len(), 2);
        assert_eq!((bands[0].from, bands[0].to), (0.0, 2.0));
        assert_eq!((bands[1].from, bands[1].to), (2.0, 3.0));
        assert_eq!(series[0].points, vec![(0.0, 2.0), (1.0, 2.0)]);
    }
}
