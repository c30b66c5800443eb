//! The checks of `memlab faults`, a pure function of the recorded samples
//! (`kind,round,seq,ns` rows) and the per-round counters (measurements).

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::kinds::{ALL_KINDS, Kind, RoundStats};
use crate::experiments::{Judgement, Recorded};
use crate::i18n::{Lang, tr_in};
use crate::report::{Check, Verdict};

/// One raw sample: one timed access.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub kind: String,
    pub round: u32,
    pub seq: u64,
    pub ns: u64,
}

/// What the run recorded besides the rows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Measurements {
    pub timer_overhead_ns: u64,
    #[serde(default)]
    pub clocksource: Option<String>,
    #[serde(default)]
    pub cpu: Option<usize>,
    pub rounds: Vec<RoundStats>,
}

/// A timing loop's count of faults may differ from its accesses by this
/// many (a page of memlab's own, touched for the first time in the loop).
pub const COUNT_SLACK: u64 = 4;
/// A file read that goes to the device costs at least this many times a
/// read served from the page cache.
pub const MAJOR_OVER_MINOR: f64 = 2.0;
/// The timer's own cost must stay under this fraction of the cheapest
/// kind's median, or the timing checks cannot judge.
pub const TIMER_FRACTION: f64 = 0.10;
/// The per-access times must add up to the loop's wall time, less one
/// clock read per access, to within this fraction.
pub const SUM_TOLERANCE: f64 = 0.10;
/// A median stands against a preemption or two only over this many samples
/// (a preempted access costs milliseconds): fewer, and the timing checks
/// cannot judge.
pub const MIN_SAMPLES: u64 = 16;
/// Small pages one huge page replaces.
pub const SMALL_PER_HUGE: f64 = 512.0;

/// The distribution of one kind's samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Dist {
    pub n: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
    pub mean: f64,
}

/// Nearest-rank percentile of sorted data.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn dist(mut v: Vec<u64>) -> Option<Dist> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let sum: u128 = v.iter().map(|&x| x as u128).sum();
    Some(Dist {
        n: v.len() as u64,
        p50: percentile(&v, 50.0),
        p90: percentile(&v, 90.0),
        p99: percentile(&v, 99.0),
        max: *v.last().unwrap_or(&0),
        mean: sum as f64 / v.len() as f64,
    })
}

fn samples(rows: &[Row], kind: Kind, round: Option<u32>) -> Vec<u64> {
    rows.iter()
        .filter(|r| r.kind == kind.name() && round.is_none_or(|n| r.round == n))
        .map(|r| r.ns)
        .collect()
}

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    let m: Measurements = rec.measurements_as()?;
    let mut j = Judgement::default();
    let mut dists: Vec<(Kind, Dist)> = Vec::new();
    for kind in ALL_KINDS {
        let Some(d) = dist(samples(&rows, kind, None)) else {
            continue;
        };
        summarise(&mut j, kind, &d, &rows, &m);
        dists.push((kind, d));
    }
    j.summary("timer_overhead_ns", m.timer_overhead_ns);
    for kind in ALL_KINDS {
        let rounds: Vec<&RoundStats> = m.rounds.iter().filter(|r| r.kind == kind).collect();
        if !rounds.is_empty() {
            j.check(counts_match(kind, &rounds));
        }
    }
    let get = |k: Kind| dists.iter().find(|(x, _)| *x == k).map(|(_, d)| d.clone());
    let cheapest = dists.iter().map(|(_, d)| d.p50).min().unwrap_or(0);
    let timer_ok = timer_usable(m.timer_overhead_ns, cheapest);
    if let (Some(major), Some(minor)) = (get(Kind::FileMajor), get(Kind::FileMinor)) {
        j.check(major_costs_more(&major, &minor, &timer_ok));
    }
    if let (Some(swap), Some(minor)) = (get(Kind::SwapIn), get(Kind::Anon)) {
        j.check(swap_costs_more(&swap, &minor, &timer_ok));
    }
    if let (Some(small), true) = (get(Kind::Anon), get(Kind::Thp).is_some()) {
        j.check(thp_cheaper(&rows, &m, &small, &timer_ok));
    }
    if !m.rounds.is_empty() {
        j.check(timings_add_up(&rows, &m));
    }
    Ok(j)
}

fn summarise(j: &mut Judgement, kind: Kind, d: &Dist, rows: &[Row], m: &Measurements) {
    let k = kind.key();
    j.summary(&format!("{k}_n"), d.n);
    j.summary(&format!("{k}_p50_ns"), d.p50);
    j.summary(&format!("{k}_p90_ns"), d.p90);
    j.summary(&format!("{k}_p99_ns"), d.p99);
    j.summary(&format!("{k}_max_ns"), d.max);
    j.summary(&format!("{k}_mean_ns"), (d.mean * 10.0).round() / 10.0);
    let rounds: Vec<&RoundStats> = m.rounds.iter().filter(|r| r.kind == kind).collect();
    j.summary(
        &format!("{k}_counted_minflt"),
        rounds.iter().map(|r| r.minflt).sum::<u64>(),
    );
    j.summary(
        &format!("{k}_counted_majflt"),
        rounds.iter().map(|r| r.majflt).sum::<u64>(),
    );
    let medians: Vec<u64> = rounds
        .iter()
        .filter_map(|r| dist(samples(rows, kind, Some(r.round))).map(|d| d.p50))
        .collect();
    j.summary(&format!("{k}_round_p50_ns"), medians);
    if kind == Kind::Thp {
        j.summary(
            "thp_p50_ns_per_4k",
            (d.p50 as f64 / SMALL_PER_HUGE * 10.0).round() / 10.0,
        );
        j.summary(
            "thp_not_huge",
            rounds.iter().map(|r| r.not_huge).sum::<u64>(),
        );
    }
}

/// `Ok(())` when the clock is cheap enough to time the cheapest kind, else
/// why not.
fn timer_usable(overhead: u64, cheapest_p50: u64) -> Result<(), String> {
    if (overhead as f64) < TIMER_FRACTION * cheapest_p50 as f64 {
        Ok(())
    } else {
        Err(tr_in(
            Lang::En,
            "why.faults.slow_clock",
            &[
                ("overhead", &overhead.to_string()),
                ("pct", &format!("{:.0}", TIMER_FRACTION * 100.0)),
                ("p50", &cheapest_p50.to_string()),
            ],
        ))
    }
}

/// Each timed access is exactly one fault of its kind: the thread's own
/// minor (or major) fault count over the loop equals the accesses.
pub fn counts_match(kind: Kind, rounds: &[&RoundStats]) -> Check {
    let attempted: u64 = rounds.iter().map(|r| r.attempted).sum();
    let counted: u64 = rounds
        .iter()
        .map(|r| if kind.major() { r.majflt } else { r.minflt })
        .sum();
    let slack = COUNT_SLACK * rounds.len() as u64;
    let ok = counted.abs_diff(attempted) <= slack;
    let what = if kind.major() { "major" } else { "minor" };
    Check::new(
        &format!("{}_one_fault_per_access", kind.key()),
        "each timed access is exactly one page fault of its kind, as the kernel counts them",
        format!("{what} faults of the timing thread = {attempted} accesses ± {slack}"),
        format!(
            "{counted} {what} faults for {attempted} accesses over {} round(s)",
            rounds.len()
        ),
        ok,
    )
    .value(counted as f64, "faults")
    .bounds(
        Some(attempted.saturating_sub(slack) as f64),
        Some((attempted + slack) as f64),
    )
    .window("the timed loops (getrusage RUSAGE_THREAD)")
    .arg("kind", kind.name())
}

fn timing_check(
    name: &str,
    claim: &str,
    expected: String,
    measured: String,
    ok: bool,
    timer_ok: &Result<(), String>,
) -> Check {
    match timer_ok {
        Ok(()) => Check::new(name, claim, expected, measured, ok),
        Err(why) => Check::with_verdict(
            name,
            claim,
            expected,
            format!("{measured}: {why}"),
            Verdict::Inconclusive,
        ),
    }
}

pub fn major_costs_more(major: &Dist, minor: &Dist, timer_ok: &Result<(), String>) -> Check {
    let ratio = major.p50 as f64 / minor.p50.max(1) as f64;
    timing_check(
        "major_fault_costs_more_than_minor",
        "a page fault that reads the device (major) costs far more than one served from memory (minor)",
        format!("file-major median ≥ {MAJOR_OVER_MINOR} × file-minor median"),
        format!(
            "file-major median {} ns, file-minor median {} ns: {ratio:.1}×",
            major.p50, minor.p50
        ),
        ratio >= MAJOR_OVER_MINOR,
        timer_ok,
    )
    .value(ratio, "ratio")
    .bounds(Some(MAJOR_OVER_MINOR), None)
    .window("medians over every round")
}

pub fn swap_costs_more(swap: &Dist, minor: &Dist, timer_ok: &Result<(), String>) -> Check {
    let ratio = swap.p50 as f64 / minor.p50.max(1) as f64;
    timing_check(
        "swap_in_costs_more_than_minor",
        "bringing a page back from swap costs more than a minor fault",
        "swap-in median > anon (minor) median".to_string(),
        format!(
            "swap-in median {} ns, anon median {} ns: {ratio:.1}×",
            swap.p50, minor.p50
        ),
        ratio > 1.0,
        timer_ok,
    )
    .value(ratio, "ratio")
    .bounds(Some(1.0), None)
    .window("medians over every round")
}

/// Judged on the thp rounds in which the host did no direct compaction: a
/// fault that first had to compact memory to find a free 2 MiB block costs
/// milliseconds of compaction, which is not the cost of the fault itself.
/// When every round compacted, the check cannot judge.
pub fn thp_cheaper(
    rows: &[Row],
    m: &Measurements,
    small: &Dist,
    timer_ok: &Result<(), String>,
) -> Check {
    let name = "thp_fault_cheaper_than_512_small";
    let claim = "one huge-page fault maps 2 MiB at once and costs less than the 512 small faults it replaces";
    let expected = tr_in(
        Lang::En,
        "why.faults.thp_expected",
        &[("n", &SMALL_PER_HUGE.to_string())],
    );
    let thp_rounds: Vec<&RoundStats> = m.rounds.iter().filter(|r| r.kind == Kind::Thp).collect();
    let clean: Vec<u64> = thp_rounds
        .iter()
        .filter(|r| r.compact_stalls == 0)
        .flat_map(|r| samples(rows, Kind::Thp, Some(r.round)))
        .collect();
    let Some(thp) = dist(clean) else {
        let stalls: u64 = thp_rounds.iter().map(|r| r.compact_stalls).sum();
        return Check::inconclusive(
            name,
            claim,
            expected,
            tr_in(
                Lang::En,
                "why.faults.compacted",
                &[("stalls", &stalls.to_string())],
            ),
        );
    };
    if thp.n < MIN_SAMPLES {
        return Check::inconclusive(
            name,
            claim,
            expected,
            tr_in(
                Lang::En,
                "why.faults.few_thp",
                &[("n", &thp.n.to_string()), ("min", &MIN_SAMPLES.to_string())],
            ),
        );
    }
    let ratio = thp.p50 as f64 / small.p50.max(1) as f64;
    timing_check(
        name,
        claim,
        expected,
        format!(
            "thp median {} ns, anon median {} ns: one huge fault costs {ratio:.1} small ones",
            thp.p50, small.p50
        ),
        ratio < SMALL_PER_HUGE,
        timer_ok,
    )
    .value(ratio, "ratio")
    .bounds(None, Some(SMALL_PER_HUGE))
    .window("medians over the thp rounds without direct compaction")
}

/// The per-access times account for the loop: their sum equals the loop's
/// wall time less one clock read per access (the read between one
/// access's end and the next one's start), within 10%. A round in which
/// the thread was preempted cannot be judged this way (the preemption falls
/// between timings): inconclusive when only such rounds miss.
pub fn timings_add_up(rows: &[Row], m: &Measurements) -> Check {
    let mut worst: Option<(f64, &RoundStats)> = None;
    let mut preempted_miss = 0;
    let mut judged = 0;
    for r in &m.rounds {
        let kind = r.kind;
        let sum: u64 = samples(rows, kind, Some(r.round)).iter().sum();
        // thp keeps only the accesses that got a huge page.
        if kind == Kind::Thp && r.not_huge > 0 {
            continue;
        }
        let budget = r.wall_ns as f64 - (r.attempted * m.timer_overhead_ns) as f64;
        if budget <= 0.0 {
            continue;
        }
        judged += 1;
        let dev = (sum as f64 - budget) / budget;
        if dev.abs() > SUM_TOLERANCE && r.nivcsw > 0 {
            preempted_miss += 1;
            continue;
        }
        if worst.is_none_or(|(w, _)| dev.abs() > w.abs()) {
            worst = Some((dev, r));
        }
    }
    let name = "timings_add_up";
    let claim =
        "each timing covers its access and nothing else: the timings add up to the loop's time";
    let expected = format!(
        "Σ per-access ns = loop wall − accesses × clock read ± {:.0}%, every round",
        SUM_TOLERANCE * 100.0
    );
    let Some((dev, r)) = worst else {
        let why = if preempted_miss > 0 {
            tr_in(
                Lang::En,
                "why.faults.preempted",
                &[("n", &preempted_miss.to_string())],
            )
        } else {
            tr_in(Lang::En, "why.faults.no_round", &[])
        };
        return Check::inconclusive(name, claim, expected, why);
    };
    let ok = dev.abs() <= SUM_TOLERANCE;
    let mut measured = format!(
        "worst round: {} round {} off by {:+.1}%",
        r.kind.name(),
        r.round,
        dev * 100.0
    );
    if preempted_miss > 0 {
        measured.push_str(&format!(" ({preempted_miss} preempted round(s) set aside)"));
    }
    let _ = judged;
    Check::new(name, claim, expected, measured, ok)
        .value(dev * 100.0, "%")
        .bounds(Some(-SUM_TOLERANCE * 100.0), Some(SUM_TOLERANCE * 100.0))
        .window("each kind's timed loop, each round")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::fixture::{Fixture, assert_verdicts, verdict};
    use crate::report::Verdict;

    fn rows_of(kind: Kind, round: u32, ns: &[u64]) -> Vec<Row> {
        ns.iter()
            .enumerate()
            .map(|(i, &ns)| Row {
                kind: kind.name().into(),
                round,
                seq: i as u64,
                ns,
            })
            .collect()
    }

    fn round(kind: Kind, n: u64, faults: u64, wall: u64, nivcsw: u64) -> RoundStats {
        RoundStats {
            kind,
            round: 1,
            attempted: n,
            minflt: if kind.major() { 0 } else { faults },
            majflt: if kind.major() { faults } else { 0 },
            nivcsw,
            wall_ns: wall,
            not_huge: 0,
            compact_stalls: 0,
        }
    }

    fn judge_on(rows: &[Row], m: &Measurements) -> Judgement {
        Fixture::new("faults")
            .rows(rows)
            .measurements(m)
            .judge(judge)
    }

    /// Two kinds, 100 samples each; the wall time is the sum plus one clock
    /// read per access.
    fn case(
        minor_ns: u64,
        major_ns: u64,
        overhead: u64,
        major_faults: u64,
    ) -> (Vec<Row>, Measurements) {
        let mut rows = rows_of(Kind::FileMinor, 1, &[minor_ns; 100]);
        rows.extend(rows_of(Kind::FileMajor, 1, &[major_ns; 100]));
        let m = Measurements {
            timer_overhead_ns: overhead,
            clocksource: Some("tsc".into()),
            cpu: Some(0),
            rounds: vec![
                round(Kind::FileMinor, 100, 100, 100 * (minor_ns + overhead), 0),
                round(
                    Kind::FileMajor,
                    100,
                    major_faults,
                    100 * (major_ns + overhead),
                    0,
                ),
            ],
        };
        (rows, m)
    }

    #[test]
    fn summary_has_the_distribution() {
        let (rows, m) = case(2000, 110_000, 20, 100);
        let j = judge_on(&rows, &m);
        assert_eq!(j.summary["file_minor_n"], 100);
        assert_eq!(j.summary["file_major_p50_ns"], 110_000);
        assert_eq!(j.summary["file_major_counted_majflt"], 100);
        assert_eq!(j.summary["timer_overhead_ns"], 20);
    }

    #[test]
    fn major_over_minor_holds_fails_inconclusive() {
        let (rows, m) = case(2000, 110_000, 20, 100);
        assert_eq!(
            verdict(&judge_on(&rows, &m), "major_fault_costs_more_than_minor"),
            Verdict::Holds
        );
        let (rows, m) = case(2000, 3000, 20, 100);
        assert_eq!(
            verdict(&judge_on(&rows, &m), "major_fault_costs_more_than_minor"),
            Verdict::Fails
        );
        // A clock read of 1 µs against a 2 µs fault: the timer cannot judge.
        let (rows, m) = case(2000, 110_000, 1000, 100);
        assert_eq!(
            verdict(&judge_on(&rows, &m), "major_fault_costs_more_than_minor"),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn counts_hold_and_fail() {
        let (rows, m) = case(2000, 110_000, 20, 100);
        assert_eq!(
            verdict(&judge_on(&rows, &m), "file_major_one_fault_per_access"),
            Verdict::Holds
        );
        // Fault-around mapped neighbours: 100 reads, 13 faults.
        let (rows, m) = case(2000, 110_000, 20, 13);
        assert_eq!(
            verdict(&judge_on(&rows, &m), "file_major_one_fault_per_access"),
            Verdict::Fails
        );
    }

    #[test]
    fn sums_hold_fail_and_are_inconclusive_when_preempted() {
        let (rows, m) = case(2000, 110_000, 20, 100);
        assert_eq!(
            verdict(&judge_on(&rows, &m), "timings_add_up"),
            Verdict::Holds
        );
        // The loop took twice as long as its timings say.
        let (rows, mut m) = case(2000, 110_000, 20, 100);
        m.rounds[1].wall_ns *= 2;
        assert_eq!(
            verdict(&judge_on(&rows, &m), "timings_add_up"),
            Verdict::Fails
        );
        // The same, but the thread was preempted in every round that misses.
        let (rows, mut m) = case(2000, 110_000, 20, 100);
        for r in &mut m.rounds {
            r.wall_ns *= 2;
            r.nivcsw = 3;
        }
        assert_eq!(
            verdict(&judge_on(&rows, &m), "timings_add_up"),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn thp_and_swap_hold_and_fail() {
        let mut rows = rows_of(Kind::Anon, 1, &[2000; 50]);
        rows.extend(rows_of(Kind::Thp, 1, &[150_000; 20]));
        rows.extend(rows_of(Kind::SwapIn, 1, &[30_000; 50]));
        let m = Measurements {
            timer_overhead_ns: 20,
            rounds: vec![
                round(Kind::Anon, 50, 50, 50 * 2020, 0),
                round(Kind::Thp, 20, 20, 20 * 150_020, 0),
                round(Kind::SwapIn, 50, 50, 50 * 30_020, 0),
            ],
            ..Measurements::default()
        };
        let j = judge_on(&rows, &m);
        assert_verdicts(
            &j,
            &[
                ("thp_fault_cheaper_than_512_small", Verdict::Holds),
                ("swap_in_costs_more_than_minor", Verdict::Holds),
            ],
        );
        assert_eq!(j.summary["thp_p50_ns_per_4k"], 293.0);
        let mut rows = rows_of(Kind::Anon, 1, &[2000; 50]);
        rows.extend(rows_of(Kind::Thp, 1, &[2_000_000; 20]));
        rows.extend(rows_of(Kind::SwapIn, 1, &[1500; 50]));
        let m = Measurements {
            timer_overhead_ns: 20,
            rounds: vec![
                round(Kind::Anon, 50, 50, 50 * 2020, 0),
                round(Kind::Thp, 20, 20, 20 * 2_000_020, 0),
                round(Kind::SwapIn, 50, 50, 50 * 1520, 0),
            ],
            ..Measurements::default()
        };
        let j = judge_on(&rows, &m);
        assert_verdicts(
            &j,
            &[
                ("thp_fault_cheaper_than_512_small", Verdict::Fails),
                ("swap_in_costs_more_than_minor", Verdict::Fails),
            ],
        );
        let m2 = Measurements {
            timer_overhead_ns: 500,
            ..m
        };
        let j = judge_on(&rows, &m2);
        assert_verdicts(
            &j,
            &[
                ("thp_fault_cheaper_than_512_small", Verdict::Inconclusive),
                ("swap_in_costs_more_than_minor", Verdict::Inconclusive),
            ],
        );
    }

    /// Rounds in which the host compacted memory are set aside: the thp
    /// claim is judged on the others, and cannot be judged without any.
    #[test]
    fn thp_rounds_with_compaction_are_set_aside() {
        let mut rows = rows_of(Kind::Anon, 1, &[2000; 50]);
        rows.extend(rows_of(Kind::Thp, 1, &[7_000_000; 20]));
        let mut r2 = rows_of(Kind::Thp, 2, &[250_000; 20]);
        rows.append(&mut r2);
        let mut compacted = round(Kind::Thp, 20, 20, 20 * 7_000_020, 0);
        compacted.compact_stalls = 3;
        let mut clean = round(Kind::Thp, 20, 20, 20 * 250_020, 0);
        clean.round = 2;
        let m = Measurements {
            timer_overhead_ns: 20,
            rounds: vec![
                round(Kind::Anon, 50, 50, 50 * 2020, 0),
                compacted.clone(),
                clean,
            ],
            ..Measurements::default()
        };
        let j = judge_on(&rows, &m);
        assert_eq!(
            verdict(&j, "thp_fault_cheaper_than_512_small"),
            Verdict::Holds
        );
        // Only the compacted round: inconclusive, saying why.
        let rows: Vec<Row> = rows.into_iter().filter(|r| r.round == 1).collect();
        let m = Measurements {
            timer_overhead_ns: 20,
            rounds: vec![round(Kind::Anon, 50, 50, 50 * 2020, 0), compacted],
            ..Measurements::default()
        };
        let j = judge_on(&rows, &m);
        let c = j
            .checks
            .iter()
            .find(|c| c.name == "thp_fault_cheaper_than_512_small")
            .unwrap();
        assert_eq!(c.verdict, Verdict::Inconclusive);
        assert!(c.measured.contains("compact"), "{}", c.measured);
        crate::experiments::fixture::assert_reason_in_japanese(c, "compacted memory");
        let ja = crate::output::checktext::measured(c, crate::i18n::Lang::Ja);
        assert!(!ja.contains("over the rounds"), "{ja}");
    }

    #[test]
    fn inconclusive_reasons_are_shown_in_japanese() {
        use crate::experiments::fixture::{assert_reason_in_japanese, check};
        // The clock too slow: a reason after the numbers.
        let (rows, m) = case(2000, 110_000, 1000, 100);
        let j = judge_on(&rows, &m);
        assert_reason_in_japanese(
            check(&j, "major_fault_costs_more_than_minor"),
            "the clock is too slow",
        );
        // Every missing round preempted: the reason is the whole text.
        let (rows, mut m) = case(2000, 110_000, 20, 100);
        for r in &mut m.rounds {
            r.wall_ns *= 2;
            r.nivcsw = 3;
        }
        let j = judge_on(&rows, &m);
        assert_reason_in_japanese(check(&j, "timings_add_up"), "each preempted");
    }

    #[test]
    fn too_few_huge_faults_cannot_judge() {
        let mut rows = rows_of(Kind::Anon, 1, &[2000; 50]);
        rows.extend(rows_of(Kind::Thp, 1, &[2_000_000; 4]));
        let m = Measurements {
            timer_overhead_ns: 20,
            rounds: vec![
                round(Kind::Anon, 50, 50, 50 * 2020, 0),
                round(Kind::Thp, 4, 4, 4 * 2_000_020, 0),
            ],
            ..Measurements::default()
        };
        let j = judge_on(&rows, &m);
        assert_eq!(
            verdict(&j, "thp_fault_cheaper_than_512_small"),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&[7], 50.0), 7);
    }
}
