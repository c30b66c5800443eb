//! Fixed-deadline sampling of a process from outside, through /proc.
//!
//! The document's `ps` loop (`capture.sh`) forks a process per sample and
//! sleeps a relative second, so its readings drift and cannot come faster
//! than once a second. The sampler instead sleeps to absolute deadlines
//! (`start + k × interval` on CLOCK_MONOTONIC): a late wake-up does not shift
//! the following samples, and a deadline missed entirely is counted rather
//! than hidden (samples taken against samples asked for). Each sample is one
//! read of `/proc/PID/stat` and one of `/proc/PID/statm` through a handle
//! opened once; the caller adds `/proc/meminfo` where it wants system figures.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::probe::process::{ProcHandle, Sample};
use crate::report::Report;

/// The timer slack the sampler asks for (see [`Sampler::start`]).
const TIMER_SLACK_NS: u64 = 1_000;

/// One wake-up at a deadline.
#[derive(Clone, Copy, Debug)]
pub struct Tick {
    /// Seconds since the sampler started (the actual wake-up time, not the
    /// deadline, so late samples are placed where they were really taken).
    pub t_s: f64,
    /// The deadline's number (0, 1, 2, …; skipped ones are not reused).
    pub index: u64,
}

/// Deadlines, and the statistics of how well they were kept.
pub struct Sampler {
    interval: Duration,
    start: Instant,
    /// Number of the next deadline to wait for.
    next: u64,
    /// Wake-ups at a deadline (the jitter figures are over these).
    woken: u64,
    /// Samples the caller kept ([`Sampler::record`]).
    taken: u64,
    /// The deadline of the latest wake-up, and of the latest kept sample.
    current: u64,
    last_recorded: Option<u64>,
    /// Deadlines that passed before the sampler could wait for them.
    skipped: u64,
    late_sum_ns: u128,
    late_max_ns: u64,
    /// Samples taken more than half an interval after their deadline.
    late_count: u64,
    /// When the current sample's wake-up happened (for the work figures).
    woke: Option<Instant>,
    work_sum_ns: u128,
    work_max_ns: u64,
    work_n: u64,
    /// Time spent reading /proc during the current sample, and in all.
    read_cur_ns: u64,
    read_sum_ns: u128,
    read_max_ns: u64,
}

impl Sampler {
    /// Start the clock now; the first deadline is now.
    pub fn start(interval: Duration) -> Sampler {
        // The kernel may delay a sleeping thread's timer by its "timer
        // slack" (50 µs by default) to batch wake-ups; at a 1 ms interval
        // that is 5% of the period added to every sample. Ask for 1 µs: a
        // property of memlab's own thread, not a host setting.
        let _ = nix::sys::prctl::set_timerslack(TIMER_SLACK_NS);
        Sampler {
            interval,
            start: Instant::now(),
            next: 0,
            woken: 0,
            taken: 0,
            current: 0,
            last_recorded: None,
            skipped: 0,
            late_sum_ns: 0,
            late_max_ns: 0,
            late_count: 0,
            woke: None,
            work_sum_ns: 0,
            work_max_ns: 0,
            work_n: 0,
            read_cur_ns: 0,
            read_sum_ns: 0,
            read_max_ns: 0,
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Sleep until the next deadline. `None` when interrupted (SIGINT or
    /// SIGTERM) or when the next deadline lies beyond `stop_after` seconds.
    pub fn wait(&mut self, stop_after: Option<f64>) -> Option<Tick> {
        self.end_work();
        let mut deadline = self.deadline(self.next);
        // Behind schedule (the previous sample took longer than an
        // interval): skip to the latest deadline that has passed, counting
        // the ones missed, rather than firing a burst of catch-up samples.
        let now = Instant::now();
        let mut passed_over = 0;
        if now > deadline + self.interval {
            let behind = (now - self.start).as_nanos() / self.interval.as_nanos().max(1);
            let k = behind as u64;
            passed_over = k - self.next;
            deadline = self.deadline(k);
        }
        if let Some(limit) = stop_after
            && (deadline - self.start).as_secs_f64() > limit + 1e-9
        {
            // The run is over: deadlines after the last sample were not
            // asked for, so they are not counted as skipped either.
            return None;
        }
        self.skipped += passed_over;
        self.next += passed_over;
        if !crate::sys::sleep_until(deadline) {
            return None;
        }
        let woke = Instant::now();
        let late = (woke - deadline).as_nanos() as u64;
        self.late_sum_ns += late as u128;
        self.late_max_ns = self.late_max_ns.max(late);
        if late > self.interval.as_nanos() as u64 / 2 {
            self.late_count += 1;
        }
        self.woken += 1;
        self.woke = Some(woke);
        let index = self.next;
        self.current = index;
        self.next += 1;
        Some(Tick {
            t_s: (woke - self.start).as_secs_f64(),
            index,
        })
    }

    /// Count a sample as taken (a row kept). A wake-up that finds the target
    /// gone, or that ends the run, is not a sample.
    pub fn record(&mut self) {
        self.taken += 1;
        self.last_recorded = Some(self.current);
    }

    /// Read the target once (stat + statm). `Ok(None)` once it has gone: its
    /// /proc entry is gone, or its memory is (an exiting process or a zombie
    /// has no `mm`, so statm reads all zeros).
    pub fn read(&mut self, target: &ProcHandle) -> Result<Option<Sample>> {
        match self.timed(|| target.sample()) {
            Ok(s) if s.vsz_kib == 0 => Ok(None),
            Ok(s) => Ok(Some(s)),
            Err(e) if is_gone(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Run one more /proc reading of this sample (meminfo, smaps_rollup, …)
    /// and count its time as reading cost.
    pub fn timed<T>(&mut self, read: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let v = read();
        self.read_cur_ns += t.elapsed().as_nanos() as u64;
        v
    }

    /// Close the current sample's work (called by `wait`, and by `finish`).
    fn end_work(&mut self) {
        if let Some(w) = self.woke.take() {
            let ns = w.elapsed().as_nanos() as u64;
            self.work_sum_ns += ns as u128;
            self.work_max_ns = self.work_max_ns.max(ns);
            self.work_n += 1;
            self.read_sum_ns += self.read_cur_ns as u128;
            self.read_max_ns = self.read_max_ns.max(self.read_cur_ns);
            self.read_cur_ns = 0;
        }
    }

    fn deadline(&self, k: u64) -> Instant {
        self.start + self.interval.saturating_mul(k.min(u32::MAX as u64) as u32)
    }

    /// The figures of the run, ended at the time of the call.
    pub fn finish(&mut self) -> Stats {
        self.end_work();
        let elapsed = self.start.elapsed();
        // Every deadline from the first up to the last sample kept was asked
        // for; the wake-up that found the run over was not a sample.
        let asked = self.last_recorded.map_or(0, |k| k + 1);
        Stats {
            interval_s: self.interval.as_secs_f64(),
            duration_s: elapsed.as_secs_f64(),
            samples_taken: self.taken,
            samples_asked: asked,
            samples_skipped: self.skipped,
            samples_late: self.late_count,
            jitter_mean_us: mean_us(self.late_sum_ns, self.woken),
            jitter_max_us: self.late_max_ns as f64 / 1e3,
            work_mean_us: mean_us(self.work_sum_ns, self.work_n),
            work_max_us: self.work_max_ns as f64 / 1e3,
            read_mean_us: mean_us(self.read_sum_ns, self.work_n),
            read_max_us: self.read_max_ns as f64 / 1e3,
        }
    }
}

fn mean_us(sum_ns: u128, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        round3(sum_ns as f64 / n as f64 / 1e3)
    }
}

fn round3(v: f64) -> f64 {
    (v * 1e3).round() / 1e3
}

/// How well the deadlines were kept.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    pub interval_s: f64,
    pub duration_s: f64,
    pub samples_taken: u64,
    pub samples_asked: u64,
    /// Deadlines passed over because memlab was behind.
    pub samples_skipped: u64,
    /// Samples taken more than half an interval after their deadline.
    pub samples_late: u64,
    /// Wake-up time minus deadline.
    pub jitter_mean_us: f64,
    pub jitter_max_us: f64,
    /// memlab's own work per wake-up: from the wake-up to the next sleep
    /// (the /proc reads, plus whatever the caller does then, such as
    /// stepping a worker to its next phase).
    pub work_mean_us: f64,
    pub work_max_us: f64,
    /// The /proc reads alone, per wake-up.
    pub read_mean_us: f64,
    pub read_max_us: f64,
}

impl Stats {
    /// Put the figures into the report's summary.
    pub fn summarize(&self, r: &mut Report) {
        for (k, v) in self.figures() {
            r.summary.insert(k, v);
        }
    }

    /// The figures under their summary names, in order (for a run that
    /// records them as measurements and derives its summary from those).
    pub fn figures(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        let mut put = |k: &str, v: serde_json::Value| {
            m.insert(k.to_string(), v);
        };
        put("duration_s", round3(self.duration_s).into());
        put("samples_taken", self.samples_taken.into());
        put("samples_asked", self.samples_asked.into());
        put("samples_skipped", self.samples_skipped.into());
        put("samples_late", self.samples_late.into());
        put("jitter_mean_us", self.jitter_mean_us.into());
        put("jitter_max_us", round3(self.jitter_max_us).into());
        put("sample_work_mean_us", self.work_mean_us.into());
        put("sample_work_max_us", round3(self.work_max_us).into());
        put("sample_read_mean_us", self.read_mean_us.into());
        put("sample_read_max_us", round3(self.read_max_us).into());
        m
    }
}

/// Did reading fail because the process is gone (rather than, say, for lack
/// of permission)?
pub fn is_gone(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        if let Some(p) = c.downcast_ref::<procfs::ProcError>() {
            return match p {
                procfs::ProcError::NotFound(_) | procfs::ProcError::Incomplete(_) => true,
                procfs::ProcError::Io(io, _) => {
                    matches!(io.raw_os_error(), Some(libc::ESRCH) | Some(libc::ENOENT))
                }
                _ => false,
            };
        }
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| matches!(io.raw_os_error(), Some(libc::ESRCH) | Some(libc::ENOENT)))
    })
}

/// Did reading fail for lack of permission?
pub fn is_denied(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<procfs::ProcError>(),
            Some(procfs::ProcError::PermissionDenied(_))
        ) || c
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
    })
}

/// Least-squares slope of y over x; `None` with fewer than two distinct x.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx <= f64::EPSILON {
        return None;
    }
    Some(sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line() {
        let pts: Vec<(f64, f64)> = (0..10)
            .map(|i| (i as f64 * 0.1, 3.0 + 5.0 * i as f64 * 0.1))
            .collect();
        assert!((slope(&pts).unwrap() - 5.0).abs() < 1e-9);
    }

    #[test]
    fn slope_needs_two_distinct_x() {
        assert_eq!(slope(&[(1.0, 2.0)]), None);
        assert_eq!(slope(&[(1.0, 2.0), (1.0, 3.0)]), None);
    }

    #[test]
    fn deadlines_are_counted() {
        let mut s = Sampler::start(Duration::from_millis(2));
        let mut n = 0;
        while s.wait(Some(0.02)).is_some() {
            s.record();
            n += 1;
        }
        let st = s.finish();
        assert_eq!(st.samples_taken, n);
        assert_eq!(st.samples_asked, st.samples_taken + st.samples_skipped);
        assert!(n >= 1, "no sample in 20 ms at 2 ms");
    }

    #[test]
    fn a_reaped_process_reads_as_gone() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let h = ProcHandle::new(child.id() as i32).unwrap();
        assert!(h.sample().unwrap().vsz_kib > 0);
        child.kill().unwrap();
        child.wait().unwrap();
        // The descriptors kept open stay bound to the reaped process: ESRCH.
        let e = h.sample().unwrap_err();
        assert!(is_gone(&e), "{e:#}");
        let mut s = Sampler::start(Duration::from_millis(1));
        assert!(s.read(&h).unwrap().is_none());
    }

    #[test]
    fn reads_itself() {
        let me = ProcHandle::myself().unwrap();
        let mut s = Sampler::start(Duration::from_millis(1));
        s.wait(None).unwrap();
        let got = s.read(&me).unwrap().unwrap();
        assert!(got.vsz_kib > 0 && got.rss_kib > 0);
    }
}
