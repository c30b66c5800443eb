//! page-cache's checks: a pure function of the recorded rows, params and
//! measurements (no /proc, no clocks), as `memlab judge` re-runs them.
//!
//! The file's residency (mincore) is exact and judged exactly. The system
//! columns (buff/cache, free, available) are judged with the rule of
//! [`crate::verdict`]: the residual against the claim, the background
//! measured in the quiet windows before the cold read and after the last
//! drop, and the other-processes signals recorded in each row.

use anyhow::Result;

use super::{Measured, Params, Row};
use crate::experiments::{Judgement, Recorded};
use crate::i18n::{Lang, tr_in};
use crate::report::Check;
use crate::verdict::{SystemEffect, judge_system};

/// The rows of one run, by step.
struct Steps<'a> {
    dropped: Option<&'a Row>,
    quiet_before: Vec<&'a Row>,
    cold: Option<&'a Row>,
    warm: Option<&'a Row>,
    drop: Option<&'a Row>,
    quiet_after: Vec<&'a Row>,
}

impl<'a> Steps<'a> {
    fn of(rows: &'a [Row]) -> Steps<'a> {
        let one = |s: &str| rows.iter().find(|r| r.step == s);
        let all = |s: &str| rows.iter().filter(|r| r.step == s).collect::<Vec<_>>();
        Steps {
            dropped: one("dropped"),
            quiet_before: all("quiet_before"),
            cold: one("cold_read"),
            warm: one("warm_read"),
            drop: one("drop"),
            quiet_after: all("quiet_after"),
        }
    }

    /// The last reading before the cold read.
    fn before(&self) -> Option<&'a Row> {
        self.quiet_before.last().copied().or(self.dropped)
    }

    /// How much the host moved `f` while memlab did nothing, over a span
    /// as long as the effect's window (`span_s`): the largest change
    /// between two readings of the same quiet window at most that far
    /// apart (neighbours at least). A window longer than the quiet one
    /// gets the quiet window's whole spread.
    fn background(&self, span_s: f64, f: impl Fn(&Row) -> Option<f64>) -> f64 {
        let over = |w: &[&Row]| -> f64 {
            let pts: Vec<(f64, f64)> = w.iter().filter_map(|r| Some((r.t_s, f(r)?))).collect();
            let mut worst: f64 = 0.0;
            for (i, a) in pts.iter().enumerate() {
                for (k, b) in pts[i + 1..].iter().enumerate() {
                    if k > 0 && b.0 - a.0 > span_s {
                        break;
                    }
                    worst = worst.max((b.1 - a.1).abs());
                }
            }
            worst
        };
        over(&self.quiet_before).max(over(&self.quiet_after))
    }
}

/// Free memory as the checks count it: MemFree plus the per-CPU free pages
/// it misses (the same for MemAvailable, which is built on MemFree).
fn free_adj(r: &Row) -> f64 {
    (r.free_kib + r.pcp_free_kib) as f64
}
fn avail_adj(r: &Row) -> f64 {
    (r.available_kib + r.pcp_free_kib) as f64
}
fn res(r: &Row) -> Option<f64> {
    r.resident_kib.map(|v| v as f64)
}
/// How much other processes changed the page cache between rows `a` and
/// `b`, KiB: what they brought in (device reads, writes) less what the host
/// reclaimed, plus the change of Shmem (tmpfs and shared memory, inside
/// Cached). Independent of memlab's file: it does not move when the kernel
/// does or does not count memlab's pages.
fn others_cache(a: &Row, b: &Row, page_kib: f64) -> f64 {
    let came_in = b
        .others_cache_in_kib
        .zip(a.others_cache_in_kib)
        .map_or(0.0, |(y, x)| (y - x) as f64);
    let reclaimed = b
        .pgsteal
        .zip(a.pgsteal)
        .map_or(0.0, |(y, x)| y.saturating_sub(x) as f64);
    came_in - reclaimed * page_kib + (b.shmem_kib as f64 - a.shmem_kib as f64)
}

/// How much other processes changed memory that is not available between
/// rows `a` and `b`, KiB: anonymous memory and Shmem.
fn others_unavailable(a: &Row, b: &Row) -> f64 {
    (b.others_anon_kib + b.shmem_kib) as f64 - (a.others_anon_kib + a.shmem_kib) as f64
}

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    let p: Params = rec.params_as()?;
    let m: Measured = rec.measurements_as()?;
    let s = Steps::of(&rows);
    let page = if rec.meta.page_size > 0 {
        rec.meta.page_size
    } else {
        4096
    };
    let size_kib = p.size_bytes.div_ceil(page) * page / 1024;
    let mut j = Judgement::default();
    summary(&mut j, &s);
    if p.residency_visible {
        residency_checks(&mut j, &s, &p, size_kib);
        system_checks(&mut j, &s, &m, (page / 1024) as f64);
    }
    read_checks(&mut j, &s);
    Ok(j)
}

/// The contract's summary keys; null where the run did not get that far.
fn summary(j: &mut Judgement, s: &Steps<'_>) {
    let before = s.before();
    // Whole KiB: every figure it is made of is a whole number of KiB.
    let delta = |f: fn(&Row) -> f64| -> Option<i64> { Some((f(s.cold?) - f(before?)) as i64) };
    j.summary(
        "resident_after_read_kib",
        s.cold.and_then(|r| r.resident_kib),
    );
    j.summary(
        "resident_after_drop_kib",
        s.drop.and_then(|r| r.resident_kib),
    );
    j.summary("cache_rise_kib", delta(|r| r.buff_cache_kib as f64));
    j.summary("free_drop_kib", delta(free_adj).map(|d| -d));
    j.summary("available_drop_kib", delta(avail_adj).map(|d| -d));
    j.summary("cold_read_s", s.cold.and_then(|r| r.read_s));
    j.summary("warm_read_s", s.warm.and_then(|r| r.read_s));
    j.summary("cold_majflt", s.cold.and_then(|r| r.majflt));
    j.summary("warm_majflt", s.warm.and_then(|r| r.majflt));
    j.summary("cold_read_bytes", s.cold.and_then(|r| r.read_bytes));
    j.summary("warm_read_bytes", s.warm.and_then(|r| r.read_bytes));
}

/// Did the host reclaim pages between two rows (vmstat pgsteal)?
fn reclaimed(a: &Row, b: &Row) -> Option<u64> {
    Some(b.pgsteal?.saturating_sub(a.pgsteal?)).filter(|n| *n > 0)
}

/// The exact figures: mincore's count of the file's pages.
fn residency_checks(j: &mut Judgement, s: &Steps<'_>, p: &Params, size_kib: u64) {
    if let (Some(before), Some(cold)) = (s.before(), s.cold)
        && let Some(got) = cold.resident_kib
    {
        let claim = "reading a file puts its pages in the page cache";
        let expected = format!("{size_kib} KiB resident after the read (the whole file, exactly)");
        let measured = format!("{got} KiB of {size_kib} KiB resident");
        let c = if got == size_kib {
            Check::new(
                "resident_after_read_is_size",
                claim,
                expected,
                measured,
                true,
            )
        } else if let Some(n) = reclaimed(before, cold) {
            Check::inconclusive(
                "resident_after_read_is_size",
                claim,
                expected,
                format!(
                    "{measured}: {}",
                    tr_in(
                        Lang::En,
                        "why.page_cache.reclaimed_during_read",
                        &[("n", &n.to_string())]
                    )
                ),
            )
        } else {
            Check::new(
                "resident_after_read_is_size",
                claim,
                expected,
                measured,
                false,
            )
        };
        j.check(
            c.value(got as f64, "KiB")
                .bounds(Some(size_kib as f64), Some(size_kib as f64))
                .window("cold read")
                .arg("size_kib", size_kib),
        );
    }
    let after_drops: Vec<u64> = [s.dropped, s.drop]
        .iter()
        .filter_map(|r| r.and_then(|r| r.resident_kib))
        .collect();
    if s.drop.is_some() && !after_drops.is_empty() {
        let worst = after_drops.iter().copied().max().unwrap_or(0);
        let claim =
            "posix_fadvise(DONTNEED) drops a file's clean, unmapped pages from the page cache";
        let expected = "0 KiB resident after each drop (before the cold read and at the end)";
        let measured = format!(
            "{} KiB resident after the drops",
            after_drops
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        );
        let c = if worst == 0 {
            Check::new(
                "drop_empties_the_file_cache",
                claim,
                expected,
                measured,
                true,
            )
        } else if !p.own_file {
            Check::inconclusive(
                "drop_empties_the_file_cache",
                claim,
                expected,
                format!(
                    "{measured}: {}",
                    tr_in(Lang::En, "why.page_cache.not_own_file", &[])
                ),
            )
        } else {
            Check::new(
                "drop_empties_the_file_cache",
                claim,
                expected,
                measured,
                false,
            )
        };
        j.check(
            c.value(worst as f64, "KiB")
                .bounds(Some(0.0), Some(0.0))
                .window("after each posix_fadvise"),
        );
    }
}

/// One system-wide claim, judged by [`judge_system`].
fn system_check(
    name: &str,
    claim: &str,
    expected_text: String,
    what: &str,
    e: &SystemEffect,
    window: &str,
) -> Check {
    let (v, why) = judge_system(e);
    let measured = format!(
        "{what} {:+.1} MiB (predicted {:+.1} MiB, allowed ±{:.1} MiB; background {:.1} MiB, \
         other processes {:+.1} MiB)",
        e.measured_kib / 1024.0,
        e.expected_kib / 1024.0,
        e.allowed_kib() / 1024.0,
        e.background_kib / 1024.0,
        e.others_kib / 1024.0
    );
    let measured = if why.is_empty() {
        measured
    } else {
        format!("{measured}: {why}")
    };
    Check::with_verdict(name, claim, expected_text, measured, v)
        .value(e.measured_kib, "KiB")
        .bounds(
            Some(e.expected_kib - e.allowed_kib()),
            Some(e.expected_kib + e.allowed_kib()),
        )
        .noise(e.background_kib)
        .window(window)
}

/// buff/cache, free and available across the cold read; buff/cache across
/// the last drop.
/// The effect each check must be able to see is what memlab's file moved:
/// the pages the read brought in, or the drop let go (all of SIZE for
/// memlab's own file; less for a file partly cached or mapped elsewhere).
fn system_checks(j: &mut Judgement, s: &Steps<'_>, m: &Measured, page_kib: f64) {
    if let (Some(b), Some(c)) = (s.before(), s.cold)
        && let (Some(rb), Some(rc)) = (res(b), res(c))
    {
        let d_res = rc - rb;
        let span = c.t_s - b.t_s;
        let d_others_anon = c.others_anon_kib as f64 - b.others_anon_kib as f64;
        let d_unavailable = others_unavailable(b, c);
        let d_others_cache = others_cache(b, c, page_kib);
        let e = SystemEffect {
            expected_kib: d_res,
            measured_kib: c.buff_cache_kib as f64 - b.buff_cache_kib as f64,
            effect_kib: d_res.abs(),
            tolerance_kib: 0.0,
            background_kib: s.background(span, |r| Some(r.buff_cache_kib as f64 - res(r)?)),
            others_kib: d_others_cache,
        };
        j.check(system_check(
            "cache_rises_by_size",
            "buff/cache is memory used by the page cache: reading a file raises it by the pages read",
            "buff/cache rises by the file's newly resident pages (mincore)".into(),
            "buff/cache",
            &e,
            "cold read",
        ));
        let e = SystemEffect {
            expected_kib: -d_res,
            measured_kib: free_adj(c) - free_adj(b),
            background_kib: s.background(span, |r| Some(free_adj(r) + res(r)?)),
            others_kib: -(d_others_anon + d_others_cache),
            ..e
        };
        j.check(system_check(
            "free_falls_by_size",
            "the page cache takes its pages from free memory",
            "free (+ per-CPU free pages) falls by the file's newly resident pages".into(),
            "free",
            &e,
            "cold read",
        ));
        // MemAvailable counts the file LRU less min(LRU / 2, low
        // watermarks): the only change the kernel's rule predicts.
        let wl = m.wmark_low_kib.map(|w| w as f64);
        let held_back = |r: &Row| wl.map_or(0.0, |w| (r.file_lru_kib as f64 / 2.0).min(w));
        let e = SystemEffect {
            expected_kib: -(held_back(c) - held_back(b)),
            measured_kib: avail_adj(c) - avail_adj(b),
            background_kib: s.background(span, |r| Some(avail_adj(r))),
            others_kib: -d_unavailable,
            ..e
        };
        j.check(system_check(
            "available_barely_moves",
            "available includes most of the page cache: reading a file into the cache hardly changes it",
            "available (+ per-CPU free pages) changes by -Δmin(file LRU / 2, low watermarks), \
             i.e. about 0, not -SIZE"
                .into(),
            "available",
            &e,
            "cold read",
        ));
    }
    if let (Some(w), Some(d)) = (s.warm, s.drop)
        && let (Some(rw), Some(rd)) = (res(w), res(d))
    {
        let e = SystemEffect {
            expected_kib: rd - rw,
            measured_kib: d.buff_cache_kib as f64 - w.buff_cache_kib as f64,
            effect_kib: (rd - rw).abs(),
            tolerance_kib: 0.0,
            background_kib: s
                .background(d.t_s - w.t_s, |r| Some(r.buff_cache_kib as f64 - res(r)?)),
            others_kib: others_cache(w, d, page_kib),
        };
        j.check(system_check(
            "cache_falls_after_drop",
            "dropped page cache leaves buff/cache",
            "buff/cache falls by the file's dropped pages (mincore)".into(),
            "buff/cache",
            &e,
            "last drop",
        ));
    }
}

/// Cold vs warm: device reads and major faults, and time.
fn read_checks(j: &mut Judgement, s: &Steps<'_>) {
    let (Some(cold), Some(warm)) = (s.cold, s.warm) else {
        return;
    };
    let cmaj = cold.majflt.unwrap_or(0);
    let cio = cold.read_bytes;
    let went_to_disk = cmaj > 0 || cio.is_some_and(|b| b > 0);
    let io_text = |b: Option<u64>| b.map_or("? (no I/O accounting)".into(), |b| format!("{b}"));
    let claim = "a page not in the page cache is read from the storage device on first access";
    let expected = "major faults > 0 or device reads > 0 for the cold read";
    let measured = format!(
        "major faults {cmaj}, bytes read from the device {}",
        io_text(cio)
    );
    // Whether posix_fadvise left pages out of the cache for the cold read
    // to fetch: known from mincore, unknown for a file it cannot see.
    let had_to_fetch = cold
        .resident_before_kib
        .zip(cold.resident_kib)
        .map(|(b, a)| b < a);
    let c = match (went_to_disk, had_to_fetch) {
        (true, _) => Check::new("cold_read_from_device", claim, expected, measured, true),
        (false, Some(true)) => {
            Check::new("cold_read_from_device", claim, expected, measured, false)
        }
        (false, Some(false)) => Check::inconclusive(
            "cold_read_from_device",
            claim,
            expected,
            format!(
                "{measured}: {}",
                tr_in(Lang::En, "why.page_cache.already_cached", &[])
            ),
        ),
        (false, None) => Check::inconclusive(
            "cold_read_from_device",
            claim,
            expected,
            format!(
                "{measured}: {}",
                tr_in(Lang::En, "why.page_cache.residency_unknown", &[])
            ),
        ),
    };
    j.check(
        c.value(cmaj as f64, "faults")
            .bounds(Some(1.0), None)
            .window("cold read"),
    );

    let wmaj = warm.majflt.unwrap_or(0);
    let wio = warm.read_bytes;
    let from_cache = wmaj == 0 && wio.unwrap_or(0) == 0;
    let claim = "a page in the page cache is read from memory: no device read, no major fault";
    let expected = "0 major faults and 0 bytes read from the device for the warm read";
    let measured = format!(
        "major faults {wmaj}, bytes read from the device {}",
        io_text(wio)
    );
    let evicted = warm
        .resident_before_kib
        .zip(cold.resident_kib)
        .and_then(|(b, a)| Some(a.checked_sub(b)?).filter(|n| *n > 0))
        .map(|kib| {
            tr_in(
                Lang::En,
                "why.page_cache.left_between_reads",
                &[("kib", &kib.to_string())],
            )
        })
        .or_else(|| {
            reclaimed(cold, warm).map(|n| {
                tr_in(
                    Lang::En,
                    "why.page_cache.reclaimed_between_reads",
                    &[("n", &n.to_string())],
                )
            })
        });
    let c = match (from_cache, evicted) {
        (true, _) => Check::new("warm_read_from_cache", claim, expected, measured, true),
        (false, Some(why)) => Check::inconclusive(
            "warm_read_from_cache",
            claim,
            expected,
            format!("{measured}: {why}"),
        ),
        (false, None) => Check::new("warm_read_from_cache", claim, expected, measured, false),
    };
    j.check(
        c.value(wmaj as f64, "faults")
            .bounds(None, Some(0.0))
            .window("warm read"),
    );

    let (Some(cs), Some(ws)) = (cold.read_s, warm.read_s) else {
        return;
    };
    let claim = "reading from the page cache is faster than reading from the device";
    let expected = "warm read time < cold read time";
    let measured = format!("warm {ws:.4} s, cold {cs:.4} s");
    let c = if !went_to_disk {
        Check::inconclusive(
            "warm_read_faster",
            claim,
            expected,
            format!(
                "{measured}: {}",
                tr_in(Lang::En, "why.page_cache.cold_not_from_device", &[])
            ),
        )
    } else {
        Check::new("warm_read_faster", claim, expected, measured, ws < cs)
    };
    j.check(c.value(ws, "s").bounds(None, Some(cs)).window("warm read"));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::experiments::fixture::{Fixture, assert_verdicts, verdict};
    use crate::report::Verdict;

    const SIZE_KIB: u64 = 131_072;

    /// A quiet host on which every claim is true: 128 MiB read cold, warm,
    /// dropped; the background moves by a few tens of KiB.
    fn quiet_true_rows() -> Vec<Row> {
        let base = Row {
            step: "dropped".into(),
            resident_kib: Some(0),
            buff_cache_kib: 1_000_000,
            free_kib: 20_000_000,
            available_kib: 23_000_000,
            pcp_free_kib: 1_000,
            file_lru_kib: 900_000,
            others_anon_kib: 200_000,
            shmem_kib: 100_000,
            others_cache_in_kib: Some(5_000_000),
            pgsteal: Some(10),
            ..Row::default()
        };
        let mut rows = vec![base.clone()];
        for i in 0..10u64 {
            rows.push(Row {
                step: "quiet_before".into(),
                buff_cache_kib: base.buff_cache_kib + (i % 3) * 20,
                free_kib: base.free_kib - (i % 2) * 40,
                ..base.clone()
            });
        }
        let cached = Row {
            resident_kib: Some(SIZE_KIB),
            buff_cache_kib: base.buff_cache_kib + SIZE_KIB + 100,
            free_kib: base.free_kib - SIZE_KIB - 300,
            available_kib: base.available_kib - 200,
            file_lru_kib: base.file_lru_kib + SIZE_KIB,
            ..base.clone()
        };
        rows.push(Row {
            step: "cold_read".into(),
            resident_before_kib: Some(0),
            read_s: Some(0.5),
            majflt: Some(40),
            minflt: Some(2000),
            read_bytes: Some(SIZE_KIB * 1024),
            ..cached.clone()
        });
        rows.push(Row {
            step: "warm_read".into(),
            resident_before_kib: Some(SIZE_KIB),
            read_s: Some(0.02),
            majflt: Some(0),
            minflt: Some(2048),
            read_bytes: Some(0),
            ..cached
        });
        rows.push(Row {
            step: "drop".into(),
            ..base.clone()
        });
        for i in 0..10u64 {
            rows.push(Row {
                step: "quiet_after".into(),
                available_kib: base.available_kib + (i % 2) * 30,
                ..base.clone()
            });
        }
        // A reading every 50 ms, as a run takes them.
        for (i, r) in rows.iter_mut().enumerate() {
            r.t_s = i as f64 * 0.05;
        }
        rows
    }

    fn judge_rows(rows: &[Row], own_file: bool, visible: bool) -> Judgement {
        Fixture::new(crate::experiments::page_cache::INFO.name)
            .page_size(4096)
            .rows(rows)
            .param("size_bytes", SIZE_KIB * 1024)
            .param("own_file", own_file)
            .param("residency_visible", visible)
            .measure("wmark_low_kib", 84_000)
            .judge(judge)
    }

    fn step_mut<'a>(rows: &'a mut [Row], step: &str) -> &'a mut Row {
        rows.iter_mut().find(|r| r.step == step).unwrap()
    }

    #[test]
    fn a_quiet_true_run_holds_every_check() {
        let j = judge_rows(&quiet_true_rows(), true, true);
        assert_eq!(j.checks.len(), 9);
        for c in &j.checks {
            assert_eq!(c.verdict, Verdict::Holds, "{c:?}");
        }
        assert_eq!(j.summary["resident_after_read_kib"], json!(SIZE_KIB));
        assert_eq!(j.summary["resident_after_drop_kib"], json!(0));
        assert_eq!(j.summary["cache_rise_kib"], json!(SIZE_KIB + 100));
        assert_eq!(j.summary["cold_majflt"], json!(40));
        assert_eq!(j.summary["warm_read_bytes"], json!(0));
    }

    #[test]
    fn summary_has_every_contract_key_even_when_interrupted() {
        let rows: Vec<Row> = quiet_true_rows().into_iter().take(4).collect();
        let j = judge_rows(&rows, true, true);
        for k in [
            "resident_after_read_kib",
            "resident_after_drop_kib",
            "cache_rise_kib",
            "free_drop_kib",
            "available_drop_kib",
            "cold_read_s",
            "warm_read_s",
            "cold_majflt",
            "warm_majflt",
            "cold_read_bytes",
            "warm_read_bytes",
        ] {
            assert!(j.summary.contains_key(k), "{k}");
            assert!(j.summary[k].is_null(), "{k}");
        }
        // Nothing to judge before the cold read.
        assert!(j.checks.is_empty(), "{:?}", j.checks);
    }

    #[test]
    fn residency_short_of_size_fails_unless_the_host_reclaimed() {
        let mut rows = quiet_true_rows();
        step_mut(&mut rows, "cold_read").resident_kib = Some(SIZE_KIB - 64);
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "resident_after_read_is_size"), Verdict::Fails);
        step_mut(&mut rows, "cold_read").pgsteal = Some(500);
        let j = judge_rows(&rows, true, true);
        assert_eq!(
            verdict(&j, "resident_after_read_is_size"),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn pages_left_after_a_drop_fail_for_memlabs_file_only() {
        let mut rows = quiet_true_rows();
        step_mut(&mut rows, "drop").resident_kib = Some(4);
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "drop_empties_the_file_cache"), Verdict::Fails);
        let j = judge_rows(&rows, false, true);
        assert_eq!(
            verdict(&j, "drop_empties_the_file_cache"),
            Verdict::Inconclusive
        );
    }

    /// buff/cache does not move while the file's pages become resident.
    fn cache_not_counted(rows: &mut [Row]) {
        for step in ["cold_read", "warm_read"] {
            let r = step_mut(rows, step);
            r.buff_cache_kib -= SIZE_KIB;
        }
    }

    #[test]
    fn a_cache_that_does_not_rise_fails_on_a_quiet_host() {
        let mut rows = quiet_true_rows();
        cache_not_counted(&mut rows);
        let j = judge_rows(&rows, true, true);
        assert_verdicts(
            &j,
            &[
                ("cache_rises_by_size", Verdict::Fails),
                ("cache_falls_after_drop", Verdict::Fails),
            ],
        );
    }

    #[test]
    fn other_processes_dropping_cache_make_it_inconclusive() {
        let mut rows = quiet_true_rows();
        cache_not_counted(&mut rows);
        // The host reclaimed 128 MiB of other files' cache in the same window.
        for step in ["cold_read", "warm_read"] {
            step_mut(&mut rows, step).pgsteal = Some(10 + SIZE_KIB / 4);
        }
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "cache_rises_by_size"), Verdict::Inconclusive);
    }

    #[test]
    fn the_effect_to_see_is_what_the_file_moved_not_its_size() {
        // A file of which only 8 MiB was out of the cache: a 3 MiB
        // background hides an 8 MiB rise (K = 4), not a 128 MiB one.
        let mut rows = quiet_true_rows();
        for (i, r) in rows
            .iter_mut()
            .filter(|r| r.step == "quiet_before")
            .enumerate()
        {
            r.buff_cache_kib += (i as u64 % 2) * 3072;
        }
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "cache_rises_by_size"), Verdict::Holds);
        for step in ["dropped", "quiet_before", "cold_read"] {
            for r in rows.iter_mut().filter(|r| r.step == step) {
                r.resident_kib = Some(SIZE_KIB - 8192);
                r.resident_before_kib = r.resident_before_kib.map(|_| SIZE_KIB - 8192);
            }
        }
        step_mut(&mut rows, "cold_read").resident_kib = Some(SIZE_KIB);
        let j = judge_rows(&rows, false, true);
        assert_eq!(verdict(&j, "cache_rises_by_size"), Verdict::Inconclusive);
    }

    #[test]
    fn a_tmpfs_file_deleted_meanwhile_makes_it_inconclusive() {
        // buff/cache rose by half of SIZE: another process deleted 64 MiB of
        // tmpfs files (Shmem fell) in the same window.
        let mut rows = quiet_true_rows();
        for step in ["cold_read", "warm_read"] {
            let r = step_mut(&mut rows, step);
            r.buff_cache_kib -= SIZE_KIB / 2;
            r.shmem_kib -= SIZE_KIB / 2;
        }
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "cache_rises_by_size"), Verdict::Inconclusive);
    }

    #[test]
    fn a_noisy_background_makes_the_system_checks_inconclusive() {
        let mut rows = quiet_true_rows();
        cache_not_counted(&mut rows);
        for (i, r) in rows
            .iter_mut()
            .filter(|r| r.step == "quiet_before")
            .enumerate()
        {
            r.buff_cache_kib += (i as u64 % 2) * 40_000;
            r.free_kib -= (i as u64 % 2) * 40_000;
            r.available_kib -= (i as u64 % 2) * 40_000;
        }
        let j = judge_rows(&rows, true, true);
        for name in [
            "cache_rises_by_size",
            "free_falls_by_size",
            "available_barely_moves",
            "cache_falls_after_drop",
        ] {
            assert_eq!(verdict(&j, name), Verdict::Inconclusive, "{name}");
        }
    }

    #[test]
    fn background_is_measured_over_a_span_as_long_as_the_effect() {
        // The host's free memory drifts down 8 MiB per quiet reading: 72 MiB
        // over the quiet window, 8 MiB over the 50 ms the cold read took.
        let mut rows = quiet_true_rows();
        let mut k = 0;
        for r in rows.iter_mut().filter(|r| r.step == "quiet_before") {
            r.free_kib -= k * 8192;
            k += 1;
        }
        let last = 20_000_000 - (k - 1) * 8192;
        let c = step_mut(&mut rows, "cold_read");
        c.free_kib = last - SIZE_KIB;
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "free_falls_by_size"), Verdict::Holds);
        // A cold read that took the whole quiet window's length: the whole
        // drift is the background, which hides 128 MiB at K = 4.
        let c = step_mut(&mut rows, "cold_read");
        c.t_s += 0.5;
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "free_falls_by_size"), Verdict::Inconclusive);
    }

    #[test]
    fn free_that_does_not_fall_fails_and_others_allocating_is_inconclusive() {
        let mut rows = quiet_true_rows();
        step_mut(&mut rows, "cold_read").free_kib += SIZE_KIB;
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "free_falls_by_size"), Verdict::Fails);
        // Free fell by twice SIZE: another process took 128 MiB of anon.
        let mut rows = quiet_true_rows();
        let c = step_mut(&mut rows, "cold_read");
        c.free_kib -= SIZE_KIB;
        c.others_anon_kib += SIZE_KIB;
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "free_falls_by_size"), Verdict::Inconclusive);
    }

    #[test]
    fn available_falling_by_size_fails_unless_others_allocated() {
        let mut rows = quiet_true_rows();
        step_mut(&mut rows, "cold_read").available_kib -= SIZE_KIB;
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "available_barely_moves"), Verdict::Fails);
        step_mut(&mut rows, "cold_read").others_anon_kib += SIZE_KIB;
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "available_barely_moves"), Verdict::Inconclusive);
    }

    #[test]
    fn the_low_watermark_term_is_what_available_may_lose() {
        // A host with little file cache: LRU/2 below the low watermarks, so
        // caching 128 MiB holds back 64 MiB of it from available.
        let mut rows = quiet_true_rows();
        for r in rows.iter_mut() {
            r.file_lru_kib -= 890_000;
        }
        step_mut(&mut rows, "cold_read").available_kib -= SIZE_KIB / 2;
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "available_barely_moves"), Verdict::Holds);
    }

    #[test]
    fn a_cold_read_without_device_reads_fails_or_is_inconclusive_if_cached() {
        let mut rows = quiet_true_rows();
        let c = step_mut(&mut rows, "cold_read");
        c.majflt = Some(0);
        c.read_bytes = Some(0);
        let j = judge_rows(&rows, true, true);
        assert_verdicts(
            &j,
            &[
                ("cold_read_from_device", Verdict::Fails),
                ("warm_read_faster", Verdict::Inconclusive),
            ],
        );
        step_mut(&mut rows, "cold_read").resident_before_kib = Some(SIZE_KIB);
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "cold_read_from_device"), Verdict::Inconclusive);
    }

    #[test]
    fn a_warm_read_from_the_device_fails_unless_pages_were_evicted() {
        let mut rows = quiet_true_rows();
        let w = step_mut(&mut rows, "warm_read");
        w.majflt = Some(3);
        w.read_bytes = Some(12_288);
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "warm_read_from_cache"), Verdict::Fails);
        step_mut(&mut rows, "warm_read").resident_before_kib = Some(SIZE_KIB - 12);
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "warm_read_from_cache"), Verdict::Inconclusive);
    }

    #[test]
    fn inconclusive_reasons_are_found_in_japanese_and_stay_english_in_the_data() {
        use crate::experiments::fixture::assert_japanese_reason as ja;
        // The host reclaimed pages during the read; a page of a file not
        // memlab's own stayed after the drop.
        let mut rows = quiet_true_rows();
        let c = step_mut(&mut rows, "cold_read");
        c.resident_kib = Some(SIZE_KIB - 64);
        c.pgsteal = Some(500);
        step_mut(&mut rows, "drop").resident_kib = Some(4);
        let j = judge_rows(&rows, false, true);
        let line = ja(
            &j,
            "resident_after_read_is_size",
            "490 ページを回収しました",
        );
        assert!(!line.contains("reclaimed"), "{line}");
        let c = j
            .checks
            .iter()
            .find(|c| c.name == "resident_after_read_is_size")
            .unwrap();
        assert_eq!(
            c.measured,
            "131008 KiB of 131072 KiB resident: the host reclaimed 490 pages during the \
             read (memory pressure evicts cache)"
        );
        ja(&j, "drop_empties_the_file_cache", "捨てられません");
        // A cold read that found the file cached, then one whose residency
        // is unknown; neither went to the device.
        let mut rows = quiet_true_rows();
        let c = step_mut(&mut rows, "cold_read");
        (c.majflt, c.read_bytes) = (Some(0), Some(0));
        c.resident_before_kib = Some(SIZE_KIB);
        let j = judge_rows(&rows, true, true);
        ja(&j, "cold_read_from_device", "初回の読み込みの前から");
        ja(
            &j,
            "warm_read_faster",
            "デバイスからの読み込みが起きませんでした",
        );
        step_mut(&mut rows, "cold_read").resident_before_kib = None;
        let j = judge_rows(&rows, true, true);
        ja(&j, "cold_read_from_device", "わかりません");
        // Pages that left the cache, or were reclaimed, between the reads.
        let mut rows = quiet_true_rows();
        let w = step_mut(&mut rows, "warm_read");
        w.majflt = Some(3);
        w.resident_before_kib = Some(SIZE_KIB - 12);
        let j = judge_rows(&rows, true, true);
        ja(&j, "warm_read_from_cache", "12 KiB がページキャッシュから");
        step_mut(&mut rows, "warm_read").resident_before_kib = None;
        step_mut(&mut rows, "warm_read").pgsteal = Some(17);
        let j = judge_rows(&rows, true, true);
        ja(&j, "warm_read_from_cache", "7 ページを回収しました");
    }

    #[test]
    fn a_warm_read_slower_than_the_cold_one_fails() {
        let mut rows = quiet_true_rows();
        step_mut(&mut rows, "warm_read").read_s = Some(0.6);
        let j = judge_rows(&rows, true, true);
        assert_eq!(verdict(&j, "warm_read_faster"), Verdict::Fails);
    }

    #[test]
    fn unknown_residency_judges_only_the_reads() {
        let mut rows = quiet_true_rows();
        for r in rows.iter_mut() {
            r.resident_kib = None;
            r.resident_before_kib = None;
        }
        let j = judge_rows(&rows, false, false);
        let names: Vec<&str> = j.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cold_read_from_device",
                "warm_read_from_cache",
                "warm_read_faster"
            ]
        );
        assert!(j.summary["resident_after_read_kib"].is_null());
        // Nothing read from the device, and no way to tell whether the
        // file was cached: inconclusive, not a failure.
        let c = step_mut(&mut rows, "cold_read");
        c.majflt = Some(0);
        c.read_bytes = Some(0);
        let j = judge_rows(&rows, false, false);
        assert_eq!(verdict(&j, "cold_read_from_device"), Verdict::Inconclusive);
    }
}
