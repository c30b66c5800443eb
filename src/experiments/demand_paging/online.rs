//! What the checks need from the rows, folded as the rows are taken, so
//! that memlab keeps a few figures per phase and not every row: the first
//! and last row, the range of the residual and of VSZ, the least-squares
//! sums of the touching rows, and the median levels over an evenly spaced
//! selection of at most [`LEVEL_SAMPLES`] rows (every row of a phase that has
//! fewer). The run records the figures as the measurement `online`; `memlab
//! judge` of a JSON without them folds its rows the same way.

use serde::{Deserialize, Serialize};

use super::checks::{MIN_FIT_SAMPLES, Phase, Row};

/// The most rows of one phase the median levels are taken over; beyond it,
/// every second kept row goes and every second row after it is kept
/// (evenly spaced, the first row of the phase always in).
pub const LEVEL_SAMPLES: usize = 4096;

/// Least-squares sums of a series, updated one point at a time (Welford's
/// update: no cancellation whatever the offsets of t and v).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Fit {
    pub n: u64,
    pub mean_t: f64,
    pub mean_v: f64,
    pub sxx: f64,
    pub sxy: f64,
}

impl Fit {
    pub fn push(&mut self, t: f64, v: f64) {
        self.n += 1;
        let n = self.n as f64;
        let dt = t - self.mean_t;
        self.mean_t += dt / n;
        self.mean_v += (v - self.mean_v) / n;
        self.sxx += dt * (t - self.mean_t);
        self.sxy += dt * (v - self.mean_v);
    }

    /// The fitted slope, given [`MIN_FIT_SAMPLES`] points over more than an
    /// instant.
    pub fn slope(&self) -> Option<f64> {
        if (self.n as usize) < MIN_FIT_SAMPLES || self.sxx <= f64::EPSILON {
            None
        } else {
            Some(self.sxy / self.sxx)
        }
    }
}

/// The lowest and highest of a figure.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Range {
    pub n: u64,
    pub lo: f64,
    pub hi: f64,
}

impl Range {
    pub fn push(&mut self, v: f64) {
        if self.n == 0 {
            (self.lo, self.hi) = (v, v);
        } else {
            self.lo = self.lo.min(v);
            self.hi = self.hi.max(v);
        }
        self.n += 1;
    }

    /// Both ranges as one.
    pub fn and(self, o: Range) -> Range {
        match (self.n, o.n) {
            (0, _) => o,
            (_, 0) => self,
            _ => Range {
                n: self.n + o.n,
                lo: self.lo.min(o.lo),
                hi: self.hi.max(o.hi),
            },
        }
    }

    /// Highest less lowest; 0 with fewer than two values (as
    /// `verdict::spread`).
    pub fn spread(&self) -> f64 {
        if self.n < 2 { 0.0 } else { self.hi - self.lo }
    }
}

/// A row's residual and other processes' memory.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Extreme {
    pub residual_kib: f64,
    pub others_kib: f64,
}

/// One phase, as the checks see it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PhaseFigures {
    pub rows: u64,
    pub first: Option<Row>,
    pub last: Option<Row>,
    /// The residual (system used less memlab's own memory).
    pub residual: Range,
    /// The lowest and the highest residual that lasted two samples in a
    /// row (of each pair of neighbours, the one nearer the middle; the
    /// later on a tie): one sample alone, skewed between the readings of
    /// meminfo and the per-CPU free lists while other processes churn, is
    /// not a departure. A phase of one row has that row.
    pub residual_low: Option<Extreme>,
    pub residual_high: Option<Extreme>,
    /// Of the phase's last two rows, the one whose residual is nearer the
    /// first row's (the last row in a phase of one).
    #[serde(default)]
    pub last_settled: Option<Extreme>,
    /// The phase's second row, as an extreme.
    #[serde(default)]
    pub second: Option<Extreme>,
    /// The rows (of the kept selection) at the lower and the upper quartile
    /// of the residual: where it stood for three quarters of the phase. A
    /// departure that lasts is there; free memory held aside for a moment
    /// by something no counter shows (a hypervisor's free page reporting
    /// takes up to 64 MiB of free pages at a time here) is not.
    #[serde(default)]
    pub residual_q1: Option<Extreme>,
    #[serde(default)]
    pub residual_q3: Option<Extreme>,
    /// Median residual and median other processes' memory.
    pub residual_level_kib: f64,
    pub others_level_kib: f64,
    pub vsz: Range,
    /// statm RSS, the worker's touched bytes and system used against time.
    pub rss_fit: Fit,
    pub touched_fit: Fit,
    pub used_fit: Fit,
}

/// Every phase.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Figures {
    pub rows: u64,
    pub before: PhaseFigures,
    pub alloc: PhaseFigures,
    pub touching: PhaseFigures,
    pub touched: PhaseFigures,
    pub exited: PhaseFigures,
}

impl Figures {
    pub fn of_rows(rows: &[Row]) -> Figures {
        let mut o = Online::default();
        rows.iter().for_each(|r| o.push(r));
        o.figures()
    }
}

/// One phase being folded.
#[derive(Clone, Debug, Default)]
struct PhaseFold {
    f: PhaseFigures,
    stride: u64,
    /// (index in the phase, residual, others) of the kept rows.
    levels: Vec<(u64, f64, f64)>,
    /// The row before, as an extreme.
    prev: Option<Extreme>,
}

impl PhaseFold {
    fn push(&mut self, r: &Row) {
        let f = &mut self.f;
        let index = f.rows;
        f.rows += 1;
        f.first.get_or_insert(*r);
        f.last = Some(*r);
        let e = Extreme {
            residual_kib: r.residual_kib(),
            others_kib: r.others_kib as f64,
        };
        if index == 1 {
            f.second = Some(e);
        }
        if let Some(p) = self.prev {
            // The pair's lower departure from above and from below.
            let (up, down) = if p.residual_kib < e.residual_kib {
                (e, p)
            } else {
                (p, e)
            };
            if f.residual_low
                .is_none_or(|l| up.residual_kib <= l.residual_kib)
            {
                f.residual_low = Some(up);
            }
            if f.residual_high
                .is_none_or(|h| down.residual_kib >= h.residual_kib)
            {
                f.residual_high = Some(down);
            }
            let first = f.first.map_or(e.residual_kib, |r| r.residual_kib());
            f.last_settled = Some(
                if (p.residual_kib - first).abs() < (e.residual_kib - first).abs() {
                    p
                } else {
                    e
                },
            );
        }
        self.prev = Some(e);
        f.residual.push(e.residual_kib);
        if let Some(v) = r.vsz_kib {
            f.vsz.push(v as f64);
        }
        if let Some(v) = r.rss_kib {
            f.rss_fit.push(r.t_s, v as f64);
        }
        f.touched_fit.push(r.t_s, r.touched_kib as f64);
        f.used_fit.push(r.t_s, r.mem_used_adj_kib as f64);
        let stride = self.stride.max(1);
        if index.is_multiple_of(stride) {
            self.levels.push((index, e.residual_kib, e.others_kib));
            if self.levels.len() > LEVEL_SAMPLES {
                self.stride = stride * 2;
                let s = self.stride;
                self.levels.retain(|(i, _, _)| i.is_multiple_of(s));
            }
        }
    }

    fn figures(&self) -> PhaseFigures {
        let mut f = self.f.clone();
        if f.rows == 1 {
            f.residual_low = self.prev;
            f.residual_high = self.prev;
            f.last_settled = self.prev;
        }
        f.residual_level_kib = median(self.levels.iter().map(|l| l.1).collect());
        f.others_level_kib = median(self.levels.iter().map(|l| l.2).collect());
        let mut by_residual: Vec<Extreme> = self
            .levels
            .iter()
            .map(|l| Extreme {
                residual_kib: l.1,
                others_kib: l.2,
            })
            .collect();
        by_residual.sort_by(|a, b| a.residual_kib.total_cmp(&b.residual_kib));
        if let Some(n) = by_residual.len().checked_sub(1) {
            // Nearest rank, towards the middle.
            f.residual_q1 = Some(by_residual[n.div_ceil(4)]);
            f.residual_q3 = Some(by_residual[n - n.div_ceil(4)]);
        }
        f
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The fold of a whole run: bounded whatever its length.
#[derive(Clone, Debug, Default)]
pub struct Online {
    rows: u64,
    phases: [PhaseFold; 5],
}

impl Online {
    pub fn push(&mut self, r: &Row) {
        self.rows += 1;
        let i = match r.phase {
            Phase::BeforeAlloc => 0,
            Phase::Allocated => 1,
            Phase::Touching => 2,
            Phase::Touched => 3,
            Phase::Exited => 4,
        };
        self.phases[i].push(r);
    }

    pub fn figures(&self) -> Figures {
        let [b, a, t, d, e] = &self.phases;
        Figures {
            rows: self.rows,
            before: b.figures(),
            alloc: a.figures(),
            touching: t.figures(),
            touched: d.figures(),
            exited: e.figures(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_is_the_two_pass_least_squares_slope() {
        let pts: Vec<(f64, f64)> = (0..50)
            .map(|i| {
                let t = 1.0e4 + i as f64 * 0.02;
                (t, 3.0e8 + 65536.0 * t + (i % 3) as f64 * 4.0)
            })
            .collect();
        let mut f = Fit::default();
        pts.iter().for_each(|p| f.push(p.0, p.1));
        let two_pass = crate::sampler::slope(&pts).unwrap();
        assert!((f.slope().unwrap() - two_pass).abs() < 1e-6 * two_pass.abs());
        let mut few = Fit::default();
        few.push(0.0, 1.0);
        few.push(1.0, 2.0);
        assert_eq!(few.slope(), None, "fewer than MIN_FIT_SAMPLES points");
    }

    #[test]
    fn levels_are_exact_medians_up_to_the_cap_and_bounded_beyond() {
        let row = |i: u64| Row {
            t_s: i as f64,
            mem_used_adj_kib: 1000 + (i * 7919) % 101,
            ..Row::default()
        };
        let mut o = Online::default();
        for i in 0..1001 {
            o.push(&row(i));
        }
        let mut all: Vec<f64> = (0..1001).map(|i| row(i).residual_kib()).collect();
        all.sort_by(f64::total_cmp);
        assert_eq!(o.figures().before.residual_level_kib, all[500]);
        for i in 1001..100_000 {
            o.push(&row(i));
        }
        assert!(o.phases[0].levels.len() <= LEVEL_SAMPLES);
        let f = o.figures();
        assert_eq!(f.before.rows, 100_000);
        assert!((f.before.residual_level_kib - 1050.0).abs() <= 3.0);
        assert_eq!(f.before.residual.spread(), 100.0);
        assert_eq!(f.before.last.unwrap().t_s, 99_999.0);
    }

    #[test]
    fn ranges_merge_and_need_two_values_to_spread() {
        let mut a = Range::default();
        a.push(5.0);
        assert_eq!(a.spread(), 0.0);
        let mut b = Range::default();
        b.push(9.0);
        assert_eq!(a.and(b).spread(), 4.0);
        assert_eq!(Range::default().and(a), a);
    }
}
