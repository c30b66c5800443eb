//! What a run of any length keeps in memory: the online summary, a bounded
//! selection of rows for the human table, and a bounded series for the
//! chart. Rows themselves go to the outputs as they are taken
//! (`output::stream`), so memlab's own size does not grow with the duration.

use serde::{Deserialize, Serialize};

use anyhow::Result;

use crate::experiments::Recorded;
use crate::i18n::tr;
pub use crate::output::downsample::Downsample;
use crate::report::{Chart, ChartKind, Series};

/// One sample of the watched process tree.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub t_s: f64,
    /// Live processes in the tree (not threads, not zombies).
    pub nprocs: u32,
    pub vsz_kib: u64,
    /// Summed over the tree: shared pages count once per process, so an
    /// upper bound of the memory the tree holds (PSS does not over-count).
    pub rss_kib: u64,
    pub minflt: u64,
    pub majflt: u64,
    pub utime_s: f64,
    pub stime_s: f64,
    /// Only with `--pss`, and only on the samples that read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss_kib: Option<u64>,
}

/// At most this many rows in the human table, plus the peak and the last.
pub const TABLE_ROWS: usize = 20;
/// Chart buckets per series: each keeps its lowest and highest point.
pub const CHART_BUCKETS: usize = 512;

/// The figures of the whole run, computed as rows come.
#[derive(Clone, Debug, Default)]
pub struct Online {
    pub rows: u64,
    pub peak_rss: Option<(u64, f64)>,
    pub min_rss_kib: Option<u64>,
    pub peak_vsz_kib: Option<u64>,
    pub peak_pss_kib: Option<u64>,
    pub nprocs_max: u32,
    pub first: Option<Row>,
    pub last: Option<Row>,
}

impl Online {
    pub fn push(&mut self, r: &Row) {
        self.rows += 1;
        if self.peak_rss.is_none_or(|(p, _)| r.rss_kib > p) {
            self.peak_rss = Some((r.rss_kib, r.t_s));
        }
        self.min_rss_kib = Some(self.min_rss_kib.map_or(r.rss_kib, |m| m.min(r.rss_kib)));
        self.peak_vsz_kib = Some(self.peak_vsz_kib.map_or(r.vsz_kib, |m| m.max(r.vsz_kib)));
        if let Some(p) = r.pss_kib {
            self.peak_pss_kib = Some(self.peak_pss_kib.map_or(p, |m| m.max(p)));
        }
        self.nprocs_max = self.nprocs_max.max(r.nprocs);
        if self.first.is_none() {
            self.first = Some(*r);
        }
        self.last = Some(*r);
    }
}

/// Evenly spaced rows of a run of unknown length: every `stride`-th row,
/// the stride doubling (and every other kept row going) whenever more than
/// `cap` are kept; plus the row of the RSS peak and the last row.
#[derive(Clone, Debug)]
pub struct TableKeep {
    cap: usize,
    stride: u64,
    kept: Vec<(u64, Row)>,
    peak: Option<(u64, Row)>,
    last: Option<(u64, Row)>,
}

impl TableKeep {
    pub fn new(cap: usize) -> TableKeep {
        TableKeep {
            cap: cap.max(2),
            stride: 1,
            kept: Vec::with_capacity(cap + 1),
            peak: None,
            last: None,
        }
    }

    pub fn push(&mut self, index: u64, r: &Row) {
        if index.is_multiple_of(self.stride) {
            self.kept.push((index, *r));
            if self.kept.len() > self.cap {
                self.stride *= 2;
                let s = self.stride;
                self.kept.retain(|(i, _)| i.is_multiple_of(s));
            }
        }
        if self.peak.is_none_or(|(_, p)| r.rss_kib > p.rss_kib) {
            self.peak = Some((index, *r));
        }
        self.last = Some((index, *r));
    }

    /// The kept rows in order, each with its index in the whole run.
    pub fn rows(&self) -> Vec<(u64, Row)> {
        let mut v = self.kept.clone();
        v.extend(self.peak);
        v.extend(self.last);
        v.sort_by_key(|(i, _)| *i);
        v.dedup_by_key(|(i, _)| *i);
        v
    }
}

/// The chart's series, downsampled as rows come.
#[derive(Clone, Debug)]
pub struct ChartData {
    rss: Downsample,
    pss: Downsample,
    vsz: Downsample,
}

impl Default for ChartData {
    fn default() -> Self {
        ChartData {
            rss: Downsample::new(CHART_BUCKETS),
            pss: Downsample::new(CHART_BUCKETS),
            vsz: Downsample::new(CHART_BUCKETS),
        }
    }
}

impl ChartData {
    pub fn push(&mut self, r: &Row) {
        let mib = |kib: u64| kib as f64 / 1024.0;
        self.rss.push(r.t_s, mib(r.rss_kib));
        self.vsz.push(r.t_s, mib(r.vsz_kib));
        if let Some(p) = r.pss_kib {
            self.pss.push(r.t_s, mib(p));
        }
    }

    pub fn chart(&self, what: &str, tree: bool) -> Chart {
        let rss_name = if tree {
            tr("watch.title.rss_sum", &[])
        } else {
            "RSS".into()
        };
        let rss = self.rss.points();
        let mut series = vec![Series {
            name: rss_name,
            points: rss.clone(),
        }];
        let pss = self.pss.points();
        if !pss.is_empty() {
            series.push(Series {
                name: "PSS".into(),
                points: pss,
            });
        }
        // VSZ often dwarfs RSS (reserved but untouched address space): draw
        // it only when it fits on the same scale.
        let vsz = self.vsz.points();
        let top = |p: &[(f64, f64)]| p.iter().map(|x| x.1).fold(0.0, f64::max);
        if top(&vsz) <= top(&rss) * 4.0 {
            series.push(Series {
                name: "VSZ".into(),
                points: vsz,
            });
        }
        Chart {
            title: tr("watch.title.chart", &[("what", what)]),
            x_label: tr("watch.title.x", &[]),
            y_label: "MiB".into(),
            kind: ChartKind::Lines {
                series,
                bands: Vec::new(),
            },
        }
    }
}

/// What is watched, for a person: the command and its pid, or the pid.
pub fn what(pid: i32, command: Option<&[String]>) -> String {
    let pid = pid.to_string();
    match command {
        Some(c) => tr(
            "watch.say.what_cmd",
            &[("cmd", &c.join(" ")), ("pid", &pid)],
        ),
        None => tr("watch.say.what_pid", &[("pid", &pid)]),
    }
}

/// The chart from a saved run: every recorded row goes through the same
/// bounded downsampling a run does as it samples, so the chart of a JSON
/// (which holds all the rows) looks like the run's own. None without rows.
pub fn chart_of_recorded(rec: &Recorded<'_>) -> Result<Option<Chart>> {
    if rec.rows.is_empty() {
        return Ok(None);
    }
    let mut data = ChartData::default();
    for (i, row) in rec.rows.iter().enumerate() {
        let row: Row = serde_json::from_value(serde_json::Value::Object(row.clone()))
            .map_err(|e| crate::error::usage(crate::experiments::bad_row(i, &e)))?;
        data.push(&row);
    }
    let pid = rec
        .params
        .get("pid")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0) as i32;
    let command: Option<Vec<String>> = rec
        .params
        .get("command")
        .and_then(|c| serde_json::from_value(c.clone()).ok());
    let tree = rec
        .params
        .get("children")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(true);
    Ok(Some(data.chart(&what(pid, command.as_deref()), tree)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: u64, rss: u64) -> Row {
        Row {
            t_s: i as f64,
            rss_kib: rss,
            ..Row::default()
        }
    }

    #[test]
    fn table_is_short_and_keeps_the_ends_and_the_peak() {
        let mut k = TableKeep::new(TABLE_ROWS);
        for i in 0..100_000 {
            k.push(i, &row(i, if i == 51_717 { 99 } else { 1 }));
        }
        let v = k.rows();
        assert!(v.len() <= TABLE_ROWS + 2, "{}", v.len());
        assert!(v.len() >= TABLE_ROWS / 2, "{}", v.len());
        assert_eq!(v[0].0, 0);
        assert_eq!(v.last().unwrap().0, 99_999);
        assert!(v.iter().any(|(i, r)| *i == 51_717 && r.rss_kib == 99));
        assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
    }

    /// The chart of a saved run (every row) is the chart the run drew from
    /// its bounded series: the same series, the same points.
    #[test]
    fn the_chart_of_the_recorded_rows_is_the_runs_chart() {
        let rows: Vec<Row> = (0..5_000u64)
            .map(|i| Row {
                t_s: i as f64 / 1000.0,
                nprocs: 1,
                vsz_kib: 9_000,
                rss_kib: 1_000 + (i * 7919) % 3_000,
                pss_kib: (i % 10 == 0).then_some(500 + i % 300),
                ..Row::default()
            })
            .collect();
        let mut run = ChartData::default();
        for r in &rows {
            run.push(r);
        }
        let command = vec!["sleep".to_string(), "5".to_string()];
        let f = crate::experiments::fixture::Fixture::new("watch")
            .param("pid", 42)
            .param("command", &command)
            .param("children", true)
            .rows(&rows);
        let from_json = chart_of_recorded(&Recorded::of(&f)).unwrap().unwrap();
        let run = run.chart(&what(42, Some(&command)), true);
        assert_eq!(from_json.title, run.title);
        let (ChartKind::Lines { series: a, .. }, ChartKind::Lines { series: b, .. }) =
            (&from_json.kind, &run.kind)
        else {
            panic!("line charts")
        };
        let names = |s: &[Series]| s.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(a), names(b));
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x.points, y.points, "{}", x.name);
            assert!(x.points.len() <= 2 * CHART_BUCKETS, "{}", x.points.len());
        }
    }

    #[test]
    fn online_summary_tracks_peak_min_and_ends() {
        let mut o = Online::default();
        for (i, rss) in [5u64, 9, 3, 7].iter().enumerate() {
            o.push(&row(i as u64, *rss));
        }
        assert_eq!(o.rows, 4);
        assert_eq!(o.peak_rss, Some((9, 1.0)));
        assert_eq!(o.min_rss_kib, Some(3));
        assert_eq!(o.first.unwrap().rss_kib, 5);
        assert_eq!(o.last.unwrap().rss_kib, 7);
    }
}
