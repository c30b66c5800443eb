//! The checks of `memlab swap`, as a pure function of what a run recorded
//! (rows, params, measurements): no /proc, no clocks.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::experiments::{Judgement, Recorded};
use crate::i18n::{Lang, tr_in};
use crate::probe::swaps::{SwapArea, SwapSettings};
use crate::report::{Check, EndedBy, Verdict};
use crate::verdict::{SystemEffect, judge_system};

/// One step of one part.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Row {
    /// `pageout`, `rescue` or `no-swap`.
    pub part: String,
    /// What was just done (see the page).
    pub step: String,
    pub t_s: f64,
    /// The child's `VmSwap` and `VmRSS` after the step.
    pub vm_swap_kib: Option<u64>,
    pub rss_kib: Option<u64>,
    /// The child's faults during the step (its own `getrusage`).
    pub minflt: Option<u64>,
    pub majflt: Option<u64>,
    pub step_ms: Option<f64>,
    /// Timed read-backs: accesses that took a major / a minor fault, and
    /// their times.
    pub major_timed: Option<u64>,
    pub minor_timed: Option<u64>,
    pub major_ns_mean: Option<u64>,
    pub major_ns_median: Option<u64>,
    pub major_ns_p90: Option<u64>,
    pub minor_ns_mean: Option<u64>,
    pub minor_ns_median: Option<u64>,
    pub minor_ns_p90: Option<u64>,
    /// /proc/vmstat changes across the step (system-wide, pages).
    pub pswpout_pages: Option<u64>,
    pub zswpout_pages: Option<u64>,
    pub swpout_zero_pages: Option<u64>,
    pub pswpin_pages: Option<u64>,
    pub zswpin_pages: Option<u64>,
    pub swpin_zero_pages: Option<u64>,
    pub swap_ra_pages: Option<u64>,
    pub swap_ra_hit_pages: Option<u64>,
    /// The change of the system's swap used (SwapTotal − SwapFree).
    pub sys_swap_used_delta_kib: Option<i64>,
    /// meminfo `Writeback` at the end of the step.
    pub writeback_kib: Option<u64>,
    pub cgroup_usage_kib: Option<u64>,
    pub exit_code: Option<i32>,
    pub signal: Option<String>,
    pub oom_kills: Option<u64>,
    pub outcome: String,
}

/// What the run recorded besides rows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Measured {
    pub page_size: u64,
    pub swap_settings: SwapSettings,
    /// The swap areas in use during the run (memlab's own file included).
    pub swap_areas: Vec<SwapArea>,
    /// `host` (swap was configured), `swapfile` (memlab's temporary file)
    /// or `none`.
    pub swap_source: String,
    /// The most the swap-out counters (pswpout + zswpout + swpout_zero)
    /// moved in quiet windows of the page-out part, where memlab swapped
    /// nothing, scaled to the page-out step's length; and how many windows.
    pub background_out_pages: Option<f64>,
    pub background_windows: u32,
    /// How swap was denied to the no-swap child's cgroup, and how the
    /// rescued child's group was set.
    pub no_swap_mechanism: Option<String>,
    pub rescue_mechanism: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Params {
    pub size_bytes: u64,
    pub limit_bytes: u64,
}

/// Page-out moves SIZE: allow 2% of the pages to be missed (a page briefly
/// isolated by the kernel, e.g. by compaction, is skipped by MADV_PAGEOUT).
pub const PAGEOUT_SLACK: f64 = 0.02;
/// The rescued child's VmSwap must reach 90% of SIZE − LIMIT: the group's
/// charge also holds page tables and the child's stack and libraries, so
/// at least SIZE − LIMIT of the region is out; 10% covers pages in flight.
pub const RESCUE_SLACK: f64 = 0.10;
/// Fewer timed accesses than this in either class: too few to compare.
pub const MIN_TIMED: u64 = 16;

const CLAIM_PAGEOUT: &str = "when memory is short, pages of a process are written to swap (the storage device) and leave RAM";
const CLAIM_RSS: &str = "paged-out pages no longer count in the process's resident memory";
const CLAIM_VMSTAT: &str = "the kernel counts every page it sends to swap";
const CLAIM_SWAPIN: &str =
    "touching a page that is only in swap brings it back with a major fault (a read from swap)";
const CLAIM_RESCUE: &str = "swap rescues a process from OOM: with swap, a process that needs more than the memory it may use survives";
const CLAIM_REREAD: &str = "the pages it had to give up come back from swap when read again";
const CLAIM_NO_SWAP: &str = "without swap, the same process is ended by the OOM killer";
const CLAIM_COST: &str =
    "swap is far slower than memory: a swap-in (major) fault costs more than a minor fault";

fn find<'a>(rows: &'a [Row], part: &str, step: &str) -> Option<&'a Row> {
    rows.iter().find(|r| r.part == part && r.step == step)
}

fn skipped(rec: &Recorded<'_>, part: &str) -> bool {
    rec.skipped
        .iter()
        .any(|s| s.starts_with(part) || s.starts_with("all parts"))
}

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    let p: Params = rec.params_as()?;
    let m: Measured = rec.measurements_as()?;
    let mut j = Judgement::default();
    summary(&mut j, &rows);
    // A run cut short judges only the parts that finished; in a completed
    // run a part that is neither skipped nor finished fails its checks.
    let complete = rec.ended_by == EndedBy::Completed;
    let judged = |part: &str, last: &str| {
        !skipped(rec, part) && (complete || find(&rows, part, last).is_some())
    };
    if judged("pageout", "evicted-retouch") {
        pageout_checks(&mut j, &rows, &p, &m);
    }
    if judged("rescue", "ended") {
        rescue_checks(&mut j, &rows, &p);
    }
    if judged("no-swap", "ended") {
        no_swap_check(&mut j, &rows);
    }
    if !skipped(rec, "cost") {
        cost_check(&mut j, &rows);
    }
    Ok(j)
}

fn delta(a: Option<u64>, b: Option<u64>) -> Option<i64> {
    Some(b? as i64 - a? as i64)
}

fn summary(j: &mut Judgement, rows: &[Row]) {
    let written = find(rows, "pageout", "written");
    let out = find(rows, "pageout", "paged-out");
    let retouch = find(rows, "pageout", "retouched");
    let evicted = find(rows, "pageout", "evicted-retouch");
    let swapped = written
        .zip(out)
        .and_then(|(w, o)| delta(w.vm_swap_kib, o.vm_swap_kib));
    let drop = written
        .zip(out)
        .and_then(|(w, o)| delta(o.rss_kib, w.rss_kib));
    j.summary("pageout_swapped_kib", swapped);
    j.summary("pageout_rss_drop_kib", drop);
    j.summary("pswpout_pages", out.and_then(|o| o.pswpout_pages));
    j.summary("zswpout_pages", out.and_then(|o| o.zswpout_pages));
    j.summary("swpout_zero_pages", out.and_then(|o| o.swpout_zero_pages));
    j.summary("pswpin_pages", evicted.and_then(|e| e.pswpin_pages));
    j.summary("retouch_minflt", retouch.and_then(|r| r.minflt));
    j.summary("retouch_majflt", retouch.and_then(|r| r.majflt));
    j.summary("evicted_retouch_majflt", evicted.and_then(|e| e.majflt));
    let touched = find(rows, "rescue", "touched");
    let rescue_end = find(rows, "rescue", "ended");
    let reread = find(rows, "rescue", "reread");
    j.summary(
        "rescue_survived",
        rescue_end.map(|e| e.exit_code == Some(0) && e.signal.is_none()),
    );
    j.summary("rescue_swapped_kib", touched.and_then(|t| t.vm_swap_kib));
    j.summary("rescue_reread_majflt", reread.and_then(|r| r.majflt));
    j.summary("rescue_reread_minflt", reread.and_then(|r| r.minflt));
    j.summary(
        "no_swap_killed",
        find(rows, "no-swap", "ended").map(|e| e.signal.as_deref() == Some("SIGKILL")),
    );
    let (major, minor) = cost_rows(rows);
    j.summary("swapin_ns_per_fault", major.and_then(|r| r.major_ns_mean));
    j.summary("minor_ns_per_fault", minor.and_then(|r| r.minor_ns_mean));
}

/// The row whose major faults are timed (the evicted read-back, else the
/// rescued child's re-read) and the row whose minor faults are the
/// baseline (the read-back from the swap cache, else the same row).
fn cost_rows(rows: &[Row]) -> (Option<&Row>, Option<&Row>) {
    let major = find(rows, "pageout", "evicted-retouch")
        .filter(|r| r.major_timed.unwrap_or(0) > 0)
        .or_else(|| find(rows, "rescue", "reread"));
    let minor = find(rows, "pageout", "retouched")
        .filter(|r| r.minor_timed.unwrap_or(0) > 0)
        .or(major);
    (major, minor)
}

fn pageout_checks(j: &mut Judgement, rows: &[Row], p: &Params, m: &Measured) {
    let size_kib = (p.size_bytes / 1024) as f64;
    let (Some(w), Some(o)) = (
        find(rows, "pageout", "written"),
        find(rows, "pageout", "paged-out"),
    ) else {
        j.check(Check::with_verdict(
            "pageout_moves_pages_to_swap",
            CLAIM_PAGEOUT,
            tr_in(Lang::En, "why.swap.rows_pageout", &[]),
            tr_in(Lang::En, "why.swap.ended_before_pageout", &[]),
            Verdict::Fails,
        ));
        return;
    };
    let lo = size_kib * (1.0 - PAGEOUT_SLACK);
    let swapped = delta(w.vm_swap_kib, o.vm_swap_kib).unwrap_or(0) as f64;
    j.check(
        Check::new(
            "pageout_moves_pages_to_swap",
            CLAIM_PAGEOUT,
            format!("VmSwap rises by SIZE ({size_kib:.0} KiB), at least {lo:.0} KiB"),
            format!("VmSwap {swapped:+.0} KiB"),
            swapped >= lo && swapped <= size_kib + 4.0 * (m.page_size / 1024).max(1) as f64,
        )
        .value(swapped, "KiB")
        .bounds(Some(lo), Some(size_kib))
        .window("madvise(MADV_PAGEOUT)"),
    );
    let drop = delta(o.rss_kib, w.rss_kib).unwrap_or(0) as f64;
    j.check(
        Check::new(
            "pageout_rss_falls",
            CLAIM_RSS,
            format!("RSS falls by at least {lo:.0} KiB"),
            format!("RSS {:+.0} KiB", -drop),
            drop >= lo,
        )
        .value(drop, "KiB")
        .bounds(Some(lo), None)
        .window("madvise(MADV_PAGEOUT)"),
    );
    vmstat_check(j, o, swapped, size_kib, m);
    evicted_check(j, rows, lo);
}

/// System-wide: the swap-out counters moved by SIZE during the page-out,
/// judged by the rule of `verdict.rs` (background from quiet windows; other
/// processes' swapping from the system's swap used less the child's).
fn vmstat_check(j: &mut Judgement, o: &Row, swapped_kib: f64, size_kib: f64, m: &Measured) {
    let page_kib = (m.page_size / 1024).max(1) as f64;
    let out_pages = o.pswpout_pages.unwrap_or(0)
        + o.zswpout_pages.unwrap_or(0)
        + o.swpout_zero_pages.unwrap_or(0);
    let measured = out_pages as f64 * page_kib;
    let Some(bg) = m.background_out_pages else {
        j.check(Check::inconclusive(
            "pageout_counted_in_vmstat",
            CLAIM_VMSTAT,
            tr_in(Lang::En, "why.swap.counters_rise", &[]),
            tr_in(Lang::En, "why.swap.no_quiet", &[]),
        ));
        return;
    };
    let others = o.sys_swap_used_delta_kib.unwrap_or(0) as f64 - swapped_kib;
    let e = SystemEffect {
        expected_kib: size_kib,
        measured_kib: measured,
        effect_kib: size_kib,
        tolerance_kib: size_kib * PAGEOUT_SLACK,
        background_kib: bg * page_kib,
        others_kib: others,
    };
    let (v, why) = judge_system(&e);
    let text = format!(
        "{out_pages} pages ({measured:.0} KiB: pswpout {}, zswpout {}, swpout_zero {})",
        o.pswpout_pages.unwrap_or(0),
        o.zswpout_pages.unwrap_or(0),
        o.swpout_zero_pages.unwrap_or(0)
    );
    let measured_text = if why.is_empty() {
        text
    } else {
        format!("{text}: {why}")
    };
    j.check(
        Check::with_verdict(
            "pageout_counted_in_vmstat",
            CLAIM_VMSTAT,
            format!(
                "pswpout + zswpout + swpout_zero rise by SIZE ({size_kib:.0} KiB) within ±{:.0} KiB",
                e.allowed_kib()
            ),
            measured_text,
            v,
        )
        .value(measured, "KiB")
        .bounds(
            Some(size_kib - e.allowed_kib()),
            Some(size_kib + e.allowed_kib()),
        )
        .noise(e.background_kib)
        .window("madvise(MADV_PAGEOUT)"),
    );
}

/// After the eviction recipe, the read-back takes major faults and the
/// kernel reads from swap.
fn evicted_check(j: &mut Judgement, rows: &[Row], lo: f64) {
    let again = find(rows, "pageout", "paged-out-again");
    let Some(ev) = find(rows, "pageout", "evicted-retouch") else {
        j.check(Check::with_verdict(
            "swapin_is_a_major_fault",
            CLAIM_SWAPIN,
            tr_in(Lang::En, "why.swap.row_readback", &[]),
            tr_in(Lang::En, "why.swap.ended_before_readback", &[]),
            Verdict::Fails,
        ));
        return;
    };
    let evicted_kib = again
        .and_then(|a| a.rss_kib)
        .zip(find(rows, "pageout", "retouched").and_then(|r| r.rss_kib))
        .map(|(a, r)| r as f64 - a as f64)
        .unwrap_or(0.0);
    let maj = ev.majflt.unwrap_or(0);
    let reads = ev.pswpin_pages.unwrap_or(0)
        + ev.zswpin_pages.unwrap_or(0)
        + ev.swpin_zero_pages.unwrap_or(0);
    let ok = evicted_kib >= lo && maj >= 1 && reads >= maj;
    j.check(
        Check::new(
            "swapin_is_a_major_fault",
            CLAIM_SWAPIN,
            "after the pages left the swap cache: major faults ≥ 1 and pages read from swap ≥ major faults",
            format!(
                "{maj} major + {} minor faults, {reads} pages read from swap (pswpin {}, zswpin {}), read-ahead {} pages; {evicted_kib:.0} KiB had left RAM",
                ev.minflt.unwrap_or(0),
                ev.pswpin_pages.unwrap_or(0),
                ev.zswpin_pages.unwrap_or(0),
                ev.swap_ra_pages.unwrap_or(0),
            ),
            ok,
        )
        .value(maj as f64, "faults")
        .bounds(Some(1.0), None)
        .window("read-back after the eviction recipe"),
    );
}

fn rescue_checks(j: &mut Judgement, rows: &[Row], p: &Params) {
    let need_kib = p.size_bytes.saturating_sub(p.limit_bytes) / 1024;
    let lo = need_kib as f64 * (1.0 - RESCUE_SLACK);
    let end = find(rows, "rescue", "ended");
    let touched = find(rows, "rescue", "touched");
    let swapped = touched.and_then(|t| t.vm_swap_kib).unwrap_or(0) as f64;
    let survived = end.is_some_and(|e| e.exit_code == Some(0) && e.signal.is_none());
    j.check(
        Check::new(
            "rescue_survives_with_swap",
            CLAIM_RESCUE,
            format!(
                "the child touching SIZE in a cgroup limited to LIMIT exits 0, with VmSwap ≥ {lo:.0} KiB (90% of SIZE − LIMIT)"
            ),
            format!(
                "{}; VmSwap {swapped:.0} KiB",
                end.map_or("no end recorded", |e| e.outcome.as_str())
            ),
            survived && swapped >= lo,
        )
        .value(swapped, "KiB")
        .bounds(Some(lo), None)
        .window("rescued child"),
    );
    let reread = find(rows, "rescue", "reread");
    let maj = reread.and_then(|r| r.majflt).unwrap_or(0);
    j.check(
        Check::new(
            "rescue_reread_swaps_in",
            CLAIM_REREAD,
            "re-reading the start of the region takes major faults (≥ 1)",
            format!(
                "{maj} major + {} minor faults, {} pages read from swap",
                reread.and_then(|r| r.minflt).unwrap_or(0),
                reread
                    .map(|r| r.pswpin_pages.unwrap_or(0) + r.zswpin_pages.unwrap_or(0))
                    .unwrap_or(0)
            ),
            maj >= 1,
        )
        .value(maj as f64, "faults")
        .bounds(Some(1.0), None)
        .window("rescued child's re-read"),
    );
}

fn no_swap_check(j: &mut Judgement, rows: &[Row]) {
    let end = find(rows, "no-swap", "ended");
    let killed = end.is_some_and(|e| e.signal.as_deref() == Some("SIGKILL"));
    let counted = end.and_then(|e| e.oom_kills);
    let holds = killed && counted.is_none_or(|n| n >= 1);
    j.check(
        Check::new(
            "no_swap_is_oom_killed",
            CLAIM_NO_SWAP,
            tr_in(Lang::En, "why.swap.no_swap_expected", &[]),
            tr_in(
                Lang::En,
                "why.swap.no_swap_end",
                &[
                    (
                        "outcome",
                        &end.map_or_else(
                            || tr_in(Lang::En, "why.swap.no_end", &[]),
                            |e| e.outcome.clone(),
                        ),
                    ),
                    (
                        "count",
                        &counted.map_or_else(
                            || tr_in(Lang::En, "why.swap.not_counted", &[]),
                            |n| n.to_string(),
                        ),
                    ),
                ],
            ),
            holds,
        )
        .window("no-swap child"),
    );
}

/// Swap-in against minor: the median major access above the 90th percentile
/// of the minor ones holds; at or below the minor median fails; in between
/// the spread of the minor accesses (measured on accesses that read nothing
/// from swap) hides the difference: inconclusive.
fn cost_check(j: &mut Judgement, rows: &[Row]) {
    let (major, minor) = cost_rows(rows);
    let (Some(major), Some(minor)) = (major, minor) else {
        return;
    };
    let nj = major.major_timed.unwrap_or(0);
    let nm = minor.minor_timed.unwrap_or(0);
    let mj = major.major_ns_median.unwrap_or(0) as f64;
    let mm = minor.minor_ns_median.unwrap_or(0) as f64;
    let p90 = minor.minor_ns_p90.unwrap_or(0) as f64;
    let expected = "median swap-in access above the 90th percentile of minor-fault accesses";
    let measured = format!(
        "swap-in median {:.1} µs (mean {:.1} µs, {nj} faults, {}) vs minor median {:.2} µs (p90 {:.2} µs, mean {:.2} µs, {nm} faults, {}): {:.0}× ",
        mj / 1000.0,
        major.major_ns_mean.unwrap_or(0) as f64 / 1000.0,
        major.step,
        mm / 1000.0,
        p90 / 1000.0,
        minor.minor_ns_mean.unwrap_or(0) as f64 / 1000.0,
        minor.step,
        if mm > 0.0 { mj / mm } else { 0.0 }
    );
    let verdict = if nj < MIN_TIMED || nm < MIN_TIMED {
        Verdict::Inconclusive
    } else if mj > p90 {
        Verdict::Holds
    } else if mj <= mm {
        Verdict::Fails
    } else {
        Verdict::Inconclusive
    };
    let measured = match verdict {
        Verdict::Inconclusive if nj < MIN_TIMED || nm < MIN_TIMED => {
            format!(
                "{measured}: {}",
                tr_in(
                    Lang::En,
                    "why.swap.few_timed",
                    &[("n", &MIN_TIMED.to_string())]
                )
            )
        }
        Verdict::Inconclusive => {
            format!("{measured}: {}", tr_in(Lang::En, "why.swap.spread", &[]))
        }
        _ => measured,
    };
    j.check(
        Check::with_verdict(
            "swapin_costs_more_than_minor",
            CLAIM_COST,
            expected,
            measured,
            verdict,
        )
        .value(mj, "ns")
        .bounds(Some(p90), None)
        .noise(p90 - mm)
        .window("timed read-backs"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::host::Meta;
    use serde_json::{Map, Value};

    const SIZE: u64 = 64 << 20;
    const LIMIT: u64 = 32 << 20;

    fn row(part: &str, step: &str) -> Row {
        Row {
            part: part.into(),
            step: step.into(),
            ..Row::default()
        }
    }

    /// A run as measured here (64 MiB, swap file): every claim holds.
    fn good_rows() -> Vec<Row> {
        vec![
            Row {
                vm_swap_kib: Some(0),
                rss_kib: Some(66_000),
                minflt: Some(16_390),
                ..row("pageout", "written")
            },
            Row {
                vm_swap_kib: Some(65_536),
                rss_kib: Some(1_700),
                pswpout_pages: Some(16_384),
                zswpout_pages: Some(0),
                swpout_zero_pages: Some(0),
                sys_swap_used_delta_kib: Some(65_536),
                ..row("pageout", "paged-out")
            },
            Row {
                vm_swap_kib: Some(65_536),
                rss_kib: Some(67_200),
                minflt: Some(16_384),
                majflt: Some(0),
                minor_timed: Some(16_384),
                minor_ns_mean: Some(900),
                minor_ns_median: Some(800),
                minor_ns_p90: Some(1_200),
                ..row("pageout", "retouched")
            },
            Row {
                vm_swap_kib: Some(65_536),
                rss_kib: Some(1_700),
                pswpout_pages: Some(0),
                ..row("pageout", "paged-out-again")
            },
            Row {
                minflt: Some(14_336),
                majflt: Some(2_048),
                major_timed: Some(2_048),
                minor_timed: Some(14_336),
                major_ns_mean: Some(25_000),
                major_ns_median: Some(21_000),
                minor_ns_mean: Some(1_500),
                minor_ns_median: Some(900),
                minor_ns_p90: Some(2_000),
                pswpin_pages: Some(16_384),
                swap_ra_pages: Some(14_336),
                ..row("pageout", "evicted-retouch")
            },
            Row {
                vm_swap_kib: Some(33_000),
                ..row("rescue", "touched")
            },
            Row {
                minflt: Some(7_168),
                majflt: Some(1_028),
                pswpin_pages: Some(8_200),
                ..row("rescue", "reread")
            },
            Row {
                exit_code: Some(0),
                outcome: "exit 0".into(),
                ..row("rescue", "ended")
            },
            Row {
                signal: Some("SIGKILL".into()),
                oom_kills: Some(1),
                outcome: "killed by SIGKILL".into(),
                ..row("no-swap", "ended")
            },
        ]
    }

    fn measured(bg: Option<f64>) -> Measured {
        Measured {
            page_size: 4096,
            swap_source: "swapfile".into(),
            background_out_pages: bg,
            background_windows: 2,
            ..Measured::default()
        }
    }

    fn judge_of(rows: &[Row], m: &Measured, skipped: &[String]) -> Judgement {
        judge_ended(rows, m, skipped, EndedBy::Completed)
    }

    fn judge_ended(rows: &[Row], m: &Measured, skipped: &[String], ended_by: EndedBy) -> Judgement {
        let rows: Vec<Map<String, Value>> = rows
            .iter()
            .map(|r| match serde_json::to_value(r).unwrap() {
                Value::Object(o) => o,
                _ => unreachable!(),
            })
            .collect();
        let mut params = Map::new();
        params.insert("size_bytes".into(), SIZE.into());
        params.insert("limit_bytes".into(), LIMIT.into());
        let Value::Object(meas) = serde_json::to_value(m).unwrap() else {
            unreachable!()
        };
        let meta = Meta::default();
        judge(&Recorded {
            rows: &rows,
            params: &params,
            measurements: &meas,
            meta: &meta,
            ended_by,
            skipped,
        })
        .unwrap()
    }

    fn verdict(j: &Judgement, name: &str) -> Verdict {
        j.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no check {name}"))
            .verdict
    }

    #[test]
    fn a_good_run_holds_everywhere_and_sums_up() {
        let j = judge_of(&good_rows(), &measured(Some(0.0)), &[]);
        for c in &j.checks {
            assert_eq!(c.verdict, Verdict::Holds, "{c:?}");
        }
        assert_eq!(j.checks.len(), 8);
        assert_eq!(j.summary["pageout_swapped_kib"], 65_536);
        assert_eq!(j.summary["pageout_rss_drop_kib"], 64_300);
        assert_eq!(j.summary["pswpout_pages"], 16_384);
        assert_eq!(j.summary["retouch_majflt"], 0);
        assert_eq!(j.summary["evicted_retouch_majflt"], 2_048);
        assert_eq!(j.summary["rescue_survived"], true);
        assert_eq!(j.summary["no_swap_killed"], true);
        assert_eq!(j.summary["swapin_ns_per_fault"], 25_000);
        assert_eq!(j.summary["minor_ns_per_fault"], 900);
    }

    #[test]
    fn contract_summary_keys_are_all_there() {
        let j = judge_of(&[], &measured(None), &[]);
        for k in [
            "pageout_swapped_kib",
            "pageout_rss_drop_kib",
            "pswpout_pages",
            "zswpout_pages",
            "swpout_zero_pages",
            "pswpin_pages",
            "retouch_minflt",
            "retouch_majflt",
            "evicted_retouch_majflt",
            "rescue_survived",
            "rescue_swapped_kib",
            "rescue_reread_majflt",
            "rescue_reread_minflt",
            "no_swap_killed",
            "swapin_ns_per_fault",
            "minor_ns_per_fault",
        ] {
            assert!(j.summary.contains_key(k), "{k}");
        }
        assert_eq!(j.summary.len(), 16);
    }

    #[test]
    fn pages_that_stay_fail_the_pageout_checks() {
        let mut rows = good_rows();
        rows[1].vm_swap_kib = Some(10_000);
        rows[1].rss_kib = Some(56_000);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_eq!(verdict(&j, "pageout_moves_pages_to_swap"), Verdict::Fails);
        assert_eq!(verdict(&j, "pageout_rss_falls"), Verdict::Fails);
    }

    #[test]
    fn vmstat_check_follows_the_system_rule() {
        // Counters short by half, quiet host, nothing else swapping: fails.
        let mut rows = good_rows();
        rows[1].pswpout_pages = Some(8_192);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_eq!(verdict(&j, "pageout_counted_in_vmstat"), Verdict::Fails);
        // Other processes swapping as much in quiet windows: inconclusive.
        let j = judge_of(&good_rows(), &measured(Some(8_000.0)), &[]);
        assert_eq!(
            verdict(&j, "pageout_counted_in_vmstat"),
            Verdict::Inconclusive
        );
        // Counted twice as much, and the system's swap used rose by as much
        // more than the child's: others explain it, inconclusive.
        let mut rows = good_rows();
        rows[1].pswpout_pages = Some(32_768);
        rows[1].sys_swap_used_delta_kib = Some(131_072);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_eq!(
            verdict(&j, "pageout_counted_in_vmstat"),
            Verdict::Inconclusive
        );
        // No quiet window measured: inconclusive.
        let j = judge_of(&good_rows(), &measured(None), &[]);
        assert_eq!(
            verdict(&j, "pageout_counted_in_vmstat"),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn a_read_back_without_major_faults_fails_the_swapin_check() {
        let mut rows = good_rows();
        rows[4].majflt = Some(0);
        rows[4].pswpin_pages = Some(0);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_eq!(verdict(&j, "swapin_is_a_major_fault"), Verdict::Fails);
        // Not evicted again (RSS stayed): the recipe did not run, fails.
        let mut rows = good_rows();
        rows[3].rss_kib = Some(67_000);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_eq!(verdict(&j, "swapin_is_a_major_fault"), Verdict::Fails);
    }

    #[test]
    fn the_no_swap_check_reads_in_japanese() {
        use crate::i18n::localize_in;
        let j = judge_of(&good_rows(), &measured(Some(0.0)), &[]);
        let c = j
            .checks
            .iter()
            .find(|c| c.name == "no_swap_is_oom_killed")
            .unwrap();
        assert!(
            c.measured.starts_with("the child's end: "),
            "{}",
            c.measured
        );
        let m = localize_in(Lang::Ja, &c.measured);
        assert!(m.starts_with("子プロセスの終わり方: "), "{m}");
        let e = localize_in(Lang::Ja, &c.expected);
        assert!(e.contains("強制終了される") && !e.contains("denied"), "{e}");
    }

    #[test]
    fn rescue_and_no_swap_outcomes() {
        let mut rows = good_rows();
        rows[7].exit_code = None;
        rows[7].signal = Some("SIGKILL".into());
        rows[6].majflt = Some(0);
        rows[8].signal = None;
        rows[8].exit_code = Some(0);
        rows[8].oom_kills = Some(0);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_eq!(verdict(&j, "rescue_survives_with_swap"), Verdict::Fails);
        assert_eq!(verdict(&j, "rescue_reread_swaps_in"), Verdict::Fails);
        assert_eq!(verdict(&j, "no_swap_is_oom_killed"), Verdict::Fails);
        assert_eq!(j.summary["rescue_survived"], false);
        assert_eq!(j.summary["no_swap_killed"], false);
        // Survived but swapped too little: fails.
        let mut rows = good_rows();
        rows[5].vm_swap_kib = Some(1_000);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_eq!(verdict(&j, "rescue_survives_with_swap"), Verdict::Fails);
    }

    #[test]
    fn cost_check_holds_fails_or_is_hidden_by_the_spread() {
        let mut rows = good_rows();
        rows[4].major_ns_median = Some(700);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_eq!(verdict(&j, "swapin_costs_more_than_minor"), Verdict::Fails);
        rows[4].major_ns_median = Some(1_000);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_eq!(
            verdict(&j, "swapin_costs_more_than_minor"),
            Verdict::Inconclusive
        );
        rows[4].major_ns_median = Some(21_000);
        rows[4].major_timed = Some(3);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_eq!(
            verdict(&j, "swapin_costs_more_than_minor"),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn inconclusive_reasons_are_shown_in_japanese() {
        use crate::experiments::fixture::{assert_reason_in_japanese, check};
        let j = judge_of(&good_rows(), &measured(None), &[]);
        assert_reason_in_japanese(
            check(&j, "pageout_counted_in_vmstat"),
            "no quiet window was measured",
        );
        let mut rows = good_rows();
        rows[4].major_ns_median = Some(1_000);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_reason_in_japanese(
            check(&j, "swapin_costs_more_than_minor"),
            "hides the difference",
        );
        rows[4].major_ns_median = Some(21_000);
        rows[4].major_timed = Some(3);
        let j = judge_of(&rows, &measured(Some(0.0)), &[]);
        assert_reason_in_japanese(
            check(&j, "swapin_costs_more_than_minor"),
            "timed faults of a kind",
        );
    }

    #[test]
    fn an_interrupted_run_judges_only_the_parts_that_finished() {
        let rows = &good_rows()[..3];
        let j = judge_ended(rows, &measured(Some(0.0)), &[], EndedBy::Interrupted);
        assert!(j.checks.is_empty(), "{:?}", j.checks);
        // The same rows in a completed run: the unfinished parts fail.
        let j = judge_of(rows, &measured(Some(0.0)), &[]);
        assert_eq!(verdict(&j, "swapin_is_a_major_fault"), Verdict::Fails);
        assert_eq!(verdict(&j, "rescue_survives_with_swap"), Verdict::Fails);
        assert_eq!(verdict(&j, "no_swap_is_oom_killed"), Verdict::Fails);
    }

    #[test]
    fn skipped_parts_have_no_checks() {
        let skipped: Vec<String> = ["pageout: x", "rescue: x", "no-swap: x", "cost: x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let j = judge_of(&[], &measured(None), &skipped);
        assert!(j.checks.is_empty());
        assert_eq!(j.summary["rescue_survived"], Value::Null);
    }
}
