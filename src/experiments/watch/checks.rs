//! watch's summary and its one check, as a pure function of what a run
//! recorded. The rows may be millions (they stream to the outputs): the
//! run judges from the figures it computed online (`measurements`), and
//! `memlab judge` on a saved JSON, which holds every row, folds the rows
//! again the same way, so an edited row changes the verdict.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::view::Row;
use crate::experiments::{Judgement, Recorded};
use crate::i18n::{Lang, tr_in};
use crate::report::{Check, Verdict};

/// The sampled peak must reach this share of the kernel's own peak: below
/// it, the interval was too long for how fast the process's memory moved.
/// (A sample can never see more than the kernel's high-water mark; 10% is
/// room for a peak that lasts less than one interval.)
pub const PEAK_SHARE_MIN: f64 = 0.90;

/// What a run records beside its rows (JSON `measurements`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Measured {
    /// How the watching ended: `exit` (the process or command ended),
    /// `duration`, `reader_left`, `interrupt`, `exec_failed`.
    pub end: String,
    /// Figures over the process and its descendants (not `--no-children`).
    pub children: bool,
    pub rows: u64,
    /// Rows a reader of stdout did not take in time (dropped, counted).
    pub rows_dropped: u64,
    pub nprocs_max: u32,
    /// Processes the tree held at some time (the root included).
    pub procs_seen: u64,
    /// The figures are those of one process (no descendant seen or reaped).
    pub single_process: bool,
    pub peak_rss_kib: Option<u64>,
    pub peak_rss_t_s: Option<f64>,
    pub min_rss_kib: Option<u64>,
    pub peak_vsz_kib: Option<u64>,
    pub peak_pss_kib: Option<u64>,
    /// The largest single-process peak the kernel recorded (VmHWM read
    /// during the run, `ru_maxrss` of the processes memlab reaped).
    pub peak_rss_kernel_kib: Option<u64>,
    /// `--pid`: the kernel's peak did not grow while watched (it was
    /// reached before watching began).
    pub kernel_peak_before_watch: bool,
    pub first_row: Option<Row>,
    pub last_row: Option<Row>,
    pub exit_code: Option<i32>,
    pub exit_signal: Option<String>,
    pub rusage_maxrss_kib: Option<u64>,
    pub rusage_minflt: Option<u64>,
    pub rusage_majflt: Option<u64>,
    pub orphans_reaped: u64,
    /// The sampler's and the tree scan's own figures (samples taken and
    /// asked, jitter, cost), passed to the summary as they are.
    #[serde(flatten)]
    pub sampler: Map<String, Value>,
}

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let mut m: Measured = rec.measurements_as()?;
    // A file holds every row the run took: its figures come from them, so
    // that what is in the file is what is judged. The run's own report
    // holds a selection, and keeps the figures it folded.
    if m.rows > 0 && rec.rows.len() as u64 == m.rows {
        let mut o = super::view::Online::default();
        for r in rec.rows_as::<Row>()? {
            o.push(&r);
        }
        m.peak_rss_kib = o.peak_rss.map(|p| p.0);
        m.peak_rss_t_s = o.peak_rss.map(|p| p.1);
        m.min_rss_kib = o.min_rss_kib;
        m.peak_vsz_kib = o.peak_vsz_kib;
        m.peak_pss_kib = o.peak_pss_kib;
        m.nprocs_max = o.nprocs_max;
        m.first_row = o.first;
        m.last_row = o.last;
    }
    let mut j = Judgement::default();
    summarize(&m, &mut j);
    j.check(peak_check(&m));
    Ok(j)
}

fn summarize(m: &Measured, j: &mut Judgement) {
    j.summary("ended_by", &m.end);
    j.summary("peak_rss_kib", m.peak_rss_kib);
    j.summary("peak_rss_kernel_kib", m.peak_rss_kernel_kib);
    j.summary("peak_vsz_kib", m.peak_vsz_kib);
    if m.peak_pss_kib.is_some() {
        j.summary("peak_pss_kib", m.peak_pss_kib);
    }
    j.summary("nprocs_max", m.nprocs_max);
    j.summary("procs_seen", m.procs_seen);
    if let (Some(first), Some(last)) = (m.first_row, m.last_row) {
        j.summary("minflt_total", last.minflt);
        j.summary("majflt_total", last.majflt);
        j.summary("minflt_watched", last.minflt.saturating_sub(first.minflt));
        j.summary("majflt_watched", last.majflt.saturating_sub(first.majflt));
        j.summary("cpu_s", ((last.utime_s + last.stime_s) * 1e3).round() / 1e3);
    }
    j.summary("rows_dropped", m.rows_dropped);
    for (k, v) in &m.sampler {
        j.summary(k, v);
    }
    if m.exit_code.is_some() || m.exit_signal.is_some() || m.rusage_maxrss_kib.is_some() {
        j.summary("exit_code", m.exit_code);
        j.summary("exit_signal", &m.exit_signal);
        j.summary("rusage_maxrss_kib", m.rusage_maxrss_kib);
        j.summary("rusage_minflt", m.rusage_minflt);
        j.summary("rusage_majflt", m.rusage_majflt);
        j.summary("orphans_reaped", m.orphans_reaped);
    }
}

/// Did sampling see the peak the kernel recorded? Only one process can be
/// compared: a summed tree peak and the largest single process's peak are
/// different figures.
fn peak_check(m: &Measured) -> Check {
    const NAME: &str = "sampled_peak_near_kernel_peak";
    const CLAIM: &str = "sampling every interval sees the peak resident size the kernel recorded (VmHWM, ru_maxrss)";
    let expected = tr_in(
        Lang::En,
        "why.watch.expected",
        &[("pct", &format!("{:.0}", PEAK_SHARE_MIN * 100.0))],
    );
    let inconclusive = |why: String| {
        Check::with_verdict(NAME, CLAIM, expected.clone(), why, Verdict::Inconclusive)
            .bounds(Some(PEAK_SHARE_MIN * 100.0), None)
    };
    let (Some(sampled), Some(kernel)) = (m.peak_rss_kib, m.peak_rss_kernel_kib.filter(|k| *k > 0))
    else {
        return inconclusive(tr_in(Lang::En, "why.watch.no_peak", &[]));
    };
    if !m.single_process {
        return inconclusive(tr_in(
            Lang::En,
            "why.watch.tree",
            &[
                ("n", &m.procs_seen.max(2).to_string()),
                ("sampled", &sampled.to_string()),
                ("kernel", &kernel.to_string()),
            ],
        ))
        .value(sampled as f64 / kernel as f64 * 100.0, "%");
    }
    if m.kernel_peak_before_watch {
        return inconclusive(tr_in(
            Lang::En,
            "why.watch.before",
            &[
                ("kernel", &kernel.to_string()),
                ("sampled", &sampled.to_string()),
            ],
        ));
    }
    let share = sampled as f64 / kernel as f64;
    let holds = share >= PEAK_SHARE_MIN;
    let measured = if holds {
        format!(
            "sampled {sampled} KiB, kernel {kernel} KiB ({:.1}%)",
            share * 100.0
        )
    } else {
        format!(
            "sampled {sampled} KiB, kernel {kernel} KiB ({:.1}%): the interval missed the peak; sample faster (--interval)",
            share * 100.0
        )
    };
    Check::new(NAME, CLAIM, expected, measured, holds)
        .value((share * 1e4).round() / 100.0, "%")
        .bounds(Some(PEAK_SHARE_MIN * 100.0), None)
        .arg("sampled_kib", sampled)
        .arg("kernel_kib", kernel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::host::Meta;
    use crate::report::EndedBy;

    fn judged(m: &Measured) -> Judgement {
        judged_with(m, &[])
    }

    fn judged_with(m: &Measured, rows: &[Row]) -> Judgement {
        let Value::Object(map) = serde_json::to_value(m).unwrap() else {
            panic!()
        };
        let rows: Vec<Map<String, Value>> = rows
            .iter()
            .map(|r| match serde_json::to_value(r).unwrap() {
                Value::Object(o) => o,
                _ => panic!(),
            })
            .collect();
        let params = Map::new();
        let meta = Meta::default();
        let rec = Recorded {
            rows: &rows,
            params: &params,
            measurements: &map,
            meta: &meta,
            ended_by: EndedBy::Completed,
            skipped: &[],
        };
        judge(&rec).unwrap()
    }

    fn one_process(sampled: u64, kernel: u64) -> Measured {
        Measured {
            end: "exit".into(),
            children: true,
            rows: 100,
            procs_seen: 1,
            single_process: true,
            peak_rss_kib: Some(sampled),
            peak_rss_kernel_kib: Some(kernel),
            ..Measured::default()
        }
    }

    #[test]
    fn a_sampled_peak_near_the_kernels_holds() {
        let j = judged(&one_process(204_800, 205_000));
        assert_eq!(j.checks[0].verdict, Verdict::Holds);
        assert_eq!(j.summary["peak_rss_kernel_kib"], 205_000);
    }

    #[test]
    fn a_file_with_every_row_is_judged_from_its_rows() {
        // The figures say 204,800 KiB; the file's two rows say 10 and 20:
        // judged from the rows, the peak is 20 KiB of the kernel's 205,000.
        let mut m = one_process(204_800, 205_000);
        m.rows = 2;
        let rows = [
            Row {
                t_s: 0.0,
                rss_kib: 10,
                ..Row::default()
            },
            Row {
                t_s: 0.1,
                rss_kib: 20,
                ..Row::default()
            },
        ];
        let j = judged_with(&m, &rows);
        assert_eq!(j.summary["peak_rss_kib"], 20);
        assert_eq!(j.checks[0].verdict, Verdict::Fails);
        // A selection of the rows (the run's own report): its figures.
        m.rows = 3;
        let j = judged_with(&m, &rows);
        assert_eq!(j.summary["peak_rss_kib"], 204_800);
        assert_eq!(j.checks[0].verdict, Verdict::Holds);
    }

    #[test]
    fn a_missed_peak_fails() {
        let j = judged(&one_process(150_000, 205_000));
        let c = &j.checks[0];
        assert_eq!(c.verdict, Verdict::Fails);
        assert!(c.measured.contains("missed the peak"), "{}", c.measured);
        assert!(c.measured_value.unwrap() < 90.0);
    }

    #[test]
    fn a_tree_or_an_old_peak_is_inconclusive() {
        let mut m = one_process(150_000, 205_000);
        m.single_process = false;
        m.procs_seen = 3;
        assert_eq!(judged(&m).checks[0].verdict, Verdict::Inconclusive);
        let mut m = one_process(150_000, 205_000);
        m.kernel_peak_before_watch = true;
        assert_eq!(judged(&m).checks[0].verdict, Verdict::Inconclusive);
        let mut m = one_process(150_000, 0);
        m.peak_rss_kernel_kib = None;
        assert_eq!(judged(&m).checks[0].verdict, Verdict::Inconclusive);
    }

    #[test]
    fn inconclusive_reasons_are_shown_in_japanese() {
        use crate::experiments::fixture::assert_reason_in_japanese;
        let mut m = one_process(150_000, 205_000);
        m.single_process = false;
        m.procs_seen = 3;
        assert_reason_in_japanese(&judged(&m).checks[0], "a sum over the tree");
        let mut m = one_process(150_000, 205_000);
        m.kernel_peak_before_watch = true;
        assert_reason_in_japanese(&judged(&m).checks[0], "before watching began");
        let mut m = one_process(150_000, 0);
        m.peak_rss_kernel_kib = None;
        assert_reason_in_japanese(&judged(&m).checks[0], "no kernel peak");
        let ja = crate::output::checktext::measured(&judged(&m).checks[0], crate::i18n::Lang::Ja);
        assert!(!ja.contains("for one process"), "{ja}");
    }

    #[test]
    fn summary_comes_from_the_measurements() {
        let mut m = one_process(10, 10);
        m.first_row = Some(Row {
            minflt: 5,
            ..Row::default()
        });
        m.last_row = Some(Row {
            minflt: 25,
            utime_s: 0.5,
            stime_s: 0.25,
            ..Row::default()
        });
        m.sampler.insert("samples_taken".into(), 100.into());
        m.exit_code = Some(7);
        let j = judged(&m);
        assert_eq!(j.summary["minflt_watched"], 20);
        assert_eq!(j.summary["cpu_s"], 0.75);
        assert_eq!(j.summary["samples_taken"], 100);
        assert_eq!(j.summary["exit_code"], 7);
        assert_eq!(j.summary["ended_by"], "exit");
    }
}
