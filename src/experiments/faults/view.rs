//! The derived histogram (`--histogram PATH`) and the chart.

use crate::i18n::tr;
use crate::report::{Chart, ChartKind, Series};

use super::checks::Row;
use super::kinds::ALL_KINDS;

/// Buckets per power of two.
pub const PER_OCTAVE: f64 = 8.0;

/// One histogram bucket: `[lo, hi)` ns.
#[derive(Clone, Debug, PartialEq)]
pub struct Bucket {
    pub kind: String,
    pub lo_ns: u64,
    pub hi_ns: u64,
    pub count: u64,
}

fn bucket_of(ns: u64) -> i64 {
    ((ns.max(1) as f64).log2() * PER_OCTAVE).floor() as i64
}

fn edge(i: i64) -> u64 {
    (2f64.powf(i as f64 / PER_OCTAVE)).ceil() as u64
}

/// Log-spaced buckets (8 per power of two) for each kind, in kind order,
/// empty buckets left out.
pub fn histogram(rows: &[Row]) -> Vec<Bucket> {
    let mut out = Vec::new();
    for kind in ALL_KINDS {
        let mut counts = std::collections::BTreeMap::<i64, u64>::new();
        for r in rows.iter().filter(|r| r.kind == kind.name()) {
            *counts.entry(bucket_of(r.ns)).or_default() += 1;
        }
        for (i, c) in counts {
            out.push(Bucket {
                kind: kind.name().into(),
                lo_ns: edge(i),
                hi_ns: edge(i + 1),
                count: c,
            });
        }
    }
    out
}

/// The histogram as CSV: `kind,bucket_lo_ns,bucket_hi_ns,count`.
pub fn histogram_csv(buckets: &[Bucket]) -> String {
    let mut s = String::from("kind,bucket_lo_ns,bucket_hi_ns,count\n");
    for b in buckets {
        s.push_str(&format!("{},{},{},{}\n", b.kind, b.lo_ns, b.hi_ns, b.count));
    }
    s
}

/// One line per kind: the share of its faults in each bucket against the
/// bucket's time on a log scale (log10 ns), so kinds with different counts
/// compare.
pub fn chart(buckets: &[Bucket]) -> Chart {
    let mut series = Vec::new();
    for kind in ALL_KINDS {
        let bs: Vec<&Bucket> = buckets.iter().filter(|b| b.kind == kind.name()).collect();
        let total: u64 = bs.iter().map(|b| b.count).sum();
        if total == 0 {
            continue;
        }
        let points = bs
            .iter()
            .map(|b| {
                let mid = ((b.lo_ns as f64) * (b.hi_ns as f64)).sqrt();
                (mid.log10(), 100.0 * b.count as f64 / total as f64)
            })
            .collect();
        series.push(Series {
            name: kind.name().into(),
            points,
        });
    }
    Chart {
        title: tr("faults.title.chart", &[]),
        x_label: tr("faults.title.x", &[]),
        y_label: tr("faults.title.y", &[]),
        kind: ChartKind::Lines {
            series,
            bands: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, ns: u64) -> Row {
        Row {
            kind: kind.into(),
            round: 1,
            seq: 0,
            ns,
        }
    }

    #[test]
    fn buckets_are_log_spaced_and_count_everything() {
        let rows = vec![
            row("anon", 1000),
            row("anon", 1010),
            row("anon", 2000),
            row("cow", 5000),
        ];
        let h = histogram(&rows);
        assert_eq!(h.iter().map(|b| b.count).sum::<u64>(), 4);
        for b in &h {
            assert!(b.lo_ns < b.hi_ns);
            // 8 buckets per power of two: each bucket spans 2^(1/8) ≈ 1.09×.
            let r = b.hi_ns as f64 / b.lo_ns as f64;
            assert!((1.07..1.11).contains(&r), "{b:?}");
        }
        let first = &h[0];
        assert_eq!((first.kind.as_str(), first.count), ("anon", 2));
        assert!(first.lo_ns <= 1000 && 1010 < first.hi_ns);
        let csv = histogram_csv(&h);
        assert!(csv.starts_with("kind,bucket_lo_ns,bucket_hi_ns,count\nanon,"));
    }
}
