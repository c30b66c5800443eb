//! The document's 考察 (conclusions), each a pure function of what a run
//! recorded: the rows, the params, the measurements and the host facts.
//! Nothing here reads /proc or a clock, so `memlab judge RUN.json` gives the
//! verdicts the run gave.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::experiments::{Judgement, Recorded};
use crate::i18n::{Lang, tr_in};
use crate::probe::host::Meta;
use crate::report::{Check, EndedBy, Verdict};
use crate::verdict::{SystemEffect, judge_system};

use super::online::{Extreme, Figures};

/// The phases as the checks see them (the run's online figures).
type Windows = Figures;

/// The phases of the document's procedure, in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    #[default]
    BeforeAlloc,
    Allocated,
    Touching,
    Touched,
    Exited,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::BeforeAlloc => "before-alloc",
            Phase::Allocated => "allocated",
            Phase::Touching => "touching",
            Phase::Touched => "touched",
            Phase::Exited => "exited",
        }
    }
}

/// One sample. Process columns are empty once the worker has exited.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub t_s: f64,
    pub phase: Phase,
    pub vsz_kib: Option<u64>,
    /// The worker's resident set from statm (every sample).
    pub rss_kib: Option<u64>,
    /// Its anonymous part (statm resident − shared): what it adds to `used`.
    pub rss_anon_kib: Option<u64>,
    /// `Rss` of smaps_rollup, a page-table walk and so exact on every
    /// kernel: read on the first and last sample of each phase.
    pub rss_rollup_kib: Option<u64>,
    /// `AnonHugePages` of smaps_rollup, on the same samples.
    pub anon_huge_kib: Option<u64>,
    /// The worker's anonymous pages it still shares with memlab since the
    /// fork (smaps_rollup `Shared_Dirty`, carried from the latest reading):
    /// counted in both processes' RSS, once in `used`.
    pub worker_shared_kib: Option<u64>,
    pub minflt: Option<u64>,
    pub majflt: Option<u64>,
    /// How far the worker had touched when the sample was taken.
    pub touched_kib: u64,
    pub mem_used_kib: u64,
    pub mem_used_adj_kib: u64,
    pub mem_available_kib: u64,
    /// Free pages in the per-CPU lists (from /proc/zoneinfo).
    pub pcp_free_kib: u64,
    /// memlab's own anonymous memory (its statm resident − shared).
    pub memlab_anon_kib: u64,
    /// Other processes' memory: meminfo AnonPages + Shmem + Cached less the
    /// anonymous memory of memlab and its worker.
    pub others_kib: u64,
}

impl Row {
    /// System used less what memlab's own processes account for.
    pub fn residual_kib(&self) -> f64 {
        let worker = self
            .rss_anon_kib
            .unwrap_or(0)
            .saturating_sub(self.worker_shared_kib.unwrap_or(0));
        self.mem_used_adj_kib as f64 - self.memlab_anon_kib as f64 - worker as f64
    }
}

/// The run's options, as recorded.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Params {
    pub size_bytes: u64,
    /// `None` for `--rate max`.
    pub rate_bytes_per_s: Option<u64>,
    #[serde(default)]
    pub rate_max: bool,
    pub interval_s: f64,
    pub hold_s: f64,
    pub thp: bool,
}

/// What the run recorded besides the rows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Measurements {
    /// The worker's own time and minor faults over its touch loop.
    pub touch_ns: Option<u64>,
    pub touch_minflt: Option<u64>,
    pub worker_exit_code: Option<i32>,
    /// CPUs the per-CPU RSS counters may be spread over.
    pub cpus: Option<u64>,
    #[serde(default)]
    pub worker_pid: Option<i32>,
    /// How well the sampler kept its deadlines (`samples_taken`, jitter,
    /// reading cost): copied into the summary as they are.
    #[serde(default)]
    pub sampler: serde_json::Map<String, serde_json::Value>,
    /// The rows folded as they were taken, all the checks need of them:
    /// what the judge reads when the report holds only a selection of the
    /// rows (with all of them, it folds the rows; a JSON written before
    /// the rows streamed has no `online`).
    #[serde(default)]
    pub online: Option<Figures>,
}

// Thresholds ---------------------------------------------------------------

/// A fitted RSS slope must be within 10% of the rate.
pub const SLOPE_TOLERANCE: f64 = 0.10;
/// The least number of samples inside the touching phase to fit a slope.
pub const MIN_FIT_SAMPLES: usize = 4;
/// VSZ may move by memlab's worker's own heap besides the region: 1 MiB.
pub const VSZ_SLACK_KIB: u64 = 1024;
/// A page the kernel migrated (compaction, NUMA balancing) faults again on
/// its next access: allow one fault per thousand expected.
pub const FAULT_SLACK_PER: u64 = 1000;
/// Each 4 KiB page of a region costs 8 bytes of page table, which counts in
/// `used` and in no process's RSS: 1/512 of the region.
pub const PAGE_TABLE_FRACTION: f64 = 1.0 / 512.0;
/// While the worker touches, the worker's RSS and /proc/meminfo are read a
/// moment apart, and the worker may take faults in between: with THP each
/// one is 2 MiB at once. A sample taken mid-touch may be off by this many
/// steps of RSS (`Basis::stair_kib`); a THP run under load was off by 5.2 MiB
/// with nothing else moving.
pub const SKEW_STAIRS: u64 = 4;
/// A huge page.
pub const HUGE_KIB: u64 = 2048;
/// The fewest steps of RSS (pages, or huge pages with THP) to fit a rate.
pub const MIN_STAIRS: u64 = 8;
/// The fewest samples a quiet window needs to measure the background.
pub const MIN_QUIET_SAMPLES: usize = 2;

/// Where exact RSS figures come from, and the error they may carry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RssSource {
    pub name: &'static str,
    pub tolerance_kib: f64,
    pub why: &'static str,
}

/// What every check needs besides its windows.
pub struct Basis {
    pub region_kib: u64,
    pub page_kib: u64,
    pub rss: RssSource,
    /// How RSS rises: a page at a time, or 2 MiB at a time with THP.
    pub stair_kib: u64,
    /// The background of the residual, and where it was measured; `None`
    /// when no quiet window has enough samples.
    pub background_kib: Option<f64>,
}

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let p: Params = rec.params_as()?;
    let m: Measurements = rec.measurements_as()?;
    // A JSON with every row (a file written by the run, or a run short
    // enough to keep them all) is judged from its rows, so that what is in
    // the file is what is judged; a report that kept a bounded selection
    // of rows (the run itself) from the figures folded as rows came. Both
    // fold the same rows the same way.
    let w = match &m.online {
        Some(f) if rec.rows.len() as u64 != f.rows => f.clone(),
        _ => Figures::of_rows(&rec.rows_as::<Row>()?),
    };
    let b = basis(&p, &m, &w, rec.meta);
    let mut j = Judgement::default();
    summarize(&mut j, &p, &m, &w, &b);
    let cut_short = rec.ended_by != EndedBy::Completed;
    let (Some(bl), Some(al)) = (&w.before.last, &w.alloc.last) else {
        return Ok(j);
    };
    // 1. Reserving: VSZ +SIZE, RSS and system used flat.
    j.check(vsz_on_reserve(bl, al, &b));
    j.check(rss_flat_on_reserve(bl, al, &b));
    j.check(system_flat_on_reserve(&w, &b));
    let (Some(tf), Some(tl)) = (&w.touched.first, &w.touched.last) else {
        return Ok(j);
    };
    // 2. Touching: RSS and system used rise at the rate, VSZ does not move.
    if let Some(rate) = p.rate_bytes_per_s {
        j.check(rss_rises_at_rate(&w, rate as f64 / 1024.0, &b));
    }
    j.check(system_rises_while_touching(&w, &b));
    j.check(vsz_flat_while_touching(&w));
    j.check(faults(&p, &m, &w, &b, rec.meta));
    // 3. After touching nothing changes; RSS is SIZE above where it began.
    j.check(rss_flat_after_touching(tf, tl, &b));
    j.check(system_flat_after_touching(tf, tl, &w, &b));
    j.check(rss_up_by_size(bl, tl, &b));
    // 4. After exit the system is back where it started.
    if w.exited.rows > 0 && !cut_short {
        j.check(system_back_after_exit(&w, &b));
    }
    Ok(j)
}

/// The region the worker maps: SIZE rounded up to whole pages (the touch
/// covers the last, partial page too).
pub fn region_kib(size_bytes: u64, page: u64) -> u64 {
    size_bytes.div_ceil(page.max(1)) * page.max(1) / 1024
}

fn basis(p: &Params, m: &Measurements, w: &Windows, meta: &Meta) -> Basis {
    let page = if meta.page_size == 0 {
        4096
    } else {
        meta.page_size
    };
    let needed = [
        w.before.last.as_ref(),
        w.alloc.last.as_ref(),
        w.touched.first.as_ref(),
        w.touched.last.as_ref(),
    ];
    let rollup_everywhere = needed.iter().flatten().all(|r| r.rss_rollup_kib.is_some());
    let rss = if rollup_everywhere {
        RssSource {
            name: "smaps_rollup",
            tolerance_kib: 0.0,
            why: "smaps_rollup walks the page tables: exact on every kernel",
        }
    } else {
        statm_source(&meta.kernel_release, m.cpus.unwrap_or(1), page / 1024)
    };
    // The background: how much the residual moved within each quiet window
    // (before reserving, after exit), where the claim says memlab does
    // nothing. Never the windows that hold an effect.
    let quiet: Vec<f64> = [&w.before, &w.exited]
        .iter()
        .filter(|win| win.rows as usize >= MIN_QUIET_SAMPLES)
        .map(|win| win.residual.spread())
        .collect();
    Basis {
        region_kib: region_kib(p.size_bytes, page),
        page_kib: page / 1024,
        stair_kib: if thp_on(p, meta) {
            HUGE_KIB
        } else {
            page / 1024
        },
        rss,
        background_kib: quiet.into_iter().reduce(f64::max),
    }
}

/// How exact statm's RSS is on a kernel (`MAJOR.MINOR` of the release). From
/// 6.2 the counters are per-CPU and statm read only their global part, off
/// by up to a batch (max(32, 2 × CPUs) pages) per CPU, until 6.16 (2025)
/// made statm and status sum the per-CPU parts. Before 6.2 each thread
/// cached up to 64 events before folding them in. A difference of two
/// readings may carry the error of both.
pub fn statm_source(release: &str, cpus: u64, page_kib: u64) -> RssSource {
    let mut it = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|s| s.parse::<u64>().unwrap_or(0));
    let v = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    if v >= (6, 16) {
        RssSource {
            name: "statm",
            tolerance_kib: 0.0,
            why: "statm sums the per-CPU RSS counters from Linux 6.16: exact",
        }
    } else if v >= (6, 2) {
        let batch = (2 * cpus).max(32);
        RssSource {
            name: "statm",
            tolerance_kib: (2 * batch * cpus * page_kib) as f64,
            why: "statm reads per-CPU RSS counters without their per-CPU parts (Linux 6.2 to 6.15): \
                  off by up to a batch per CPU",
        }
    } else {
        RssSource {
            name: "statm",
            tolerance_kib: (2 * 64 * page_kib) as f64,
            why: "statm misses up to 64 events cached by the thread (Linux before 6.2)",
        }
    }
}

fn summarize(j: &mut Judgement, p: &Params, m: &Measurements, w: &Windows, b: &Basis) {
    if let Some(pid) = m.worker_pid {
        j.summary("worker_pid", pid);
    }
    for (k, v) in &m.sampler {
        j.summary(k, v);
    }
    j.summary("region_kib", b.region_kib);
    j.summary("rss_source", b.rss.name);
    j.summary("rss_tolerance_kib", b.rss.tolerance_kib);
    j.summary("system_background_kib", b.background_kib);
    if let Some(c) = m.worker_exit_code {
        j.summary("worker_exit_code", c);
    }
    if let (Some(ns), Some(faults)) = (m.touch_ns, m.touch_minflt) {
        j.summary("touch_s", (ns as f64 / 1e3).round() / 1e6);
        j.summary("touch_minflt", faults);
        if p.rate_bytes_per_s.is_none() && faults > 0 && ns > 0 {
            j.summary("faults_per_s", (faults as f64 / (ns as f64 / 1e9)).round());
            j.summary("ns_per_fault", (ns as f64 / faults as f64).round());
        }
    }
    if let (Some(a), Some(t)) = (&w.alloc.last, &w.touched.last)
        && let (Some(fa), Some(ft)) = (a.minflt, t.minflt)
    {
        j.summary("touching_minflt_sampled", ft as i64 - fa as i64);
    }
    if let Some(s) = w.touching.rss_fit.slope() {
        j.summary("rss_slope_kib_per_s", s.round());
    }
    if let Some(s) = w.touching.used_fit.slope() {
        j.summary("system_used_slope_kib_per_s", s.round());
    }
}

fn mib(kib: f64) -> f64 {
    kib / 1024.0
}

// Per-process checks --------------------------------------------------------

fn vsz_on_reserve(b: &Row, a: &Row, basis: &Basis) -> Check {
    let size = basis.region_kib;
    let dv = a.vsz_kib.unwrap_or(0) as i64 - b.vsz_kib.unwrap_or(0) as i64;
    Check::new(
        "vsz_grows_by_size_on_reserve",
        "reserving memory raises the virtual size (VSZ) by about the size reserved",
        format!("+{size} KiB (up to +{} KiB)", size + VSZ_SLACK_KIB),
        format!("{dv:+} KiB"),
        dv >= size as i64 && dv <= (size + VSZ_SLACK_KIB) as i64,
    )
    .value(dv as f64, "KiB")
    .bounds(Some(size as f64), Some((size + VSZ_SLACK_KIB) as f64))
    .window("last before-alloc sample → last allocated sample")
    .arg("size_kib", size)
}

/// The exact RSS of a row, from the source the basis chose.
fn exact_rss(r: &Row, basis: &Basis) -> f64 {
    match basis.rss.name {
        "smaps_rollup" => r.rss_rollup_kib.unwrap_or(0) as f64,
        _ => r.rss_kib.unwrap_or(0) as f64,
    }
}

/// An RSS difference that must equal `want` to within the source's error.
fn rss_exact_check(
    name: &str,
    claim: &str,
    d: f64,
    want: f64,
    basis: &Basis,
    window: &str,
) -> Check {
    let tol = basis.rss.tolerance_kib;
    Check::new(
        name,
        claim,
        format!("{want:+.0} KiB ± {tol:.0} ({})", basis.rss.name),
        format!("{d:+.0} KiB"),
        (d - want).abs() <= tol,
    )
    .value(d, "KiB")
    .bounds(Some(want - tol), Some(want + tol))
    .noise(tol)
    .window(window)
    .arg("source", basis.rss.name)
}

fn rss_flat_on_reserve(b: &Row, a: &Row, basis: &Basis) -> Check {
    rss_exact_check(
        "rss_flat_on_reserve",
        "until the region is accessed, the process's physical memory (RSS) does not change",
        exact_rss(a, basis) - exact_rss(b, basis),
        0.0,
        basis,
        "last before-alloc sample → last allocated sample",
    )
}

fn rss_flat_after_touching(first: &Row, last: &Row, basis: &Basis) -> Check {
    rss_exact_check(
        "rss_flat_after_touching",
        "after the accesses end, the process's memory use stays where it is",
        exact_rss(last, basis) - exact_rss(first, basis),
        0.0,
        basis,
        "first → last touched sample",
    )
}

fn rss_up_by_size(b: &Row, t: &Row, basis: &Basis) -> Check {
    rss_exact_check(
        "rss_up_by_size_after_touching",
        "after touching, the process's physical memory is SIZE more than before reserving",
        exact_rss(t, basis) - exact_rss(b, basis),
        basis.region_kib as f64,
        basis,
        "last before-alloc sample → last touched sample",
    )
}

fn rss_rises_at_rate(w: &Windows, rate_kib_s: f64, b: &Basis) -> Check {
    let name = "rss_rises_at_rate";
    let claim = "while touching, the process's RSS rises at the touch rate";
    // RSS rises in stairs of a page (a huge page with THP): a fit over a
    // window of T seconds may be off by one stair over T.
    let span = match (&w.touching.first, &w.touching.last) {
        (Some(a), Some(z)) => z.t_s - a.t_s,
        _ => 0.0,
    };
    let stair = if span > 0.0 {
        b.stair_kib as f64 / span
    } else {
        0.0
    };
    let tol = rate_kib_s * SLOPE_TOLERANCE + stair;
    let expected = format!(
        "{:.2} MiB/s ± {:.0}% (+ one {} KiB step over the window)",
        mib(rate_kib_s),
        SLOPE_TOLERANCE * 100.0,
        b.stair_kib
    );
    let stairs = b.region_kib / b.stair_kib.max(1);
    let why_not = if (w.touching.rows as usize) < MIN_FIT_SAMPLES {
        Some((
            tr_in(
                Lang::En,
                "why.demand_paging.few_samples",
                &[
                    ("n", &w.touching.rows.to_string()),
                    ("need", &MIN_FIT_SAMPLES.to_string()),
                ],
            ),
            "rss_rises_at_rate_too_few_samples",
        ))
    } else if stairs < MIN_STAIRS {
        Some((
            tr_in(
                Lang::En,
                "why.demand_paging.few_steps",
                &[
                    ("stair", &b.stair_kib.to_string()),
                    ("stairs", &stairs.to_string()),
                    ("need", &MIN_STAIRS.to_string()),
                ],
            ),
            "rss_rises_at_rate_too_few_steps",
        ))
    } else {
        None
    };
    let fitted = w.touching.rss_fit.slope();
    // The worker's own progress, seen at the same instants: how fast it
    // really touched (a worker the scheduler held back touches late, then
    // catches up on its absolute deadlines).
    let touched = w.touching.touched_fit.slope();
    match (why_not, fitted) {
        (None, Some(s)) => {
            let measured = format!("RSS rose at {:.2} MiB/s", mib(s));
            let check = |v: Verdict, text: String| {
                Check::with_verdict(name, claim, expected.clone(), text, v)
                    .value(s, "KiB/s")
                    .bounds(Some(rate_kib_s - tol), Some(rate_kib_s + tol))
            };
            match touched {
                _ if (s - rate_kib_s).abs() <= tol => check(Verdict::Holds, measured),
                // The pace was not kept, and RSS followed the touches
                // that were made: the rate itself was not delivered.
                Some(t)
                    if (t - rate_kib_s).abs() > tol
                        && (s - t).abs() <= t.abs() * SLOPE_TOLERANCE + stair =>
                {
                    check(
                        Verdict::Inconclusive,
                        format!(
                            "{measured}, {}",
                            tr_in(
                                Lang::En,
                                "why.demand_paging.pace_not_kept",
                                &[("rate", &format!("{:.2}", mib(t)))],
                            )
                        ),
                    )
                    .msg("rss_rises_at_rate_pace_not_kept")
                    .arg("touched_kib_per_s", t)
                }
                _ => check(Verdict::Fails, measured),
            }
        }
        (why, _) => {
            let (text, id) = why.unwrap_or_else(|| {
                (
                    tr_in(Lang::En, "why.demand_paging.no_span", &[]),
                    "rss_rises_at_rate_too_few_samples",
                )
            });
            Check::inconclusive(name, claim, expected, text).msg(id)
        }
    }
    .window("touching phase (least-squares fit of statm RSS)")
}

fn vsz_flat_while_touching(w: &Windows) -> Check {
    let dv = w.touching.vsz.and(w.touched.vsz).spread();
    Check::new(
        "vsz_flat_while_touching",
        "touching allocates physical memory only: the virtual size does not grow",
        format!("VSZ moves by ≤ {VSZ_SLACK_KIB} KiB"),
        format!("VSZ moved by {dv:.0} KiB"),
        dv <= VSZ_SLACK_KIB as f64,
    )
    .value(dv, "KiB")
    .bounds(Some(0.0), Some(VSZ_SLACK_KIB as f64))
    .window("touching and touched phases")
}

/// The worker's own count over its touch loop, or the sampled difference.
fn touch_faults(m: &Measurements, w: &Windows) -> Option<(u64, &'static str)> {
    if let Some(f) = m.touch_minflt {
        return Some((f, "the worker's getrusage over its touch loop"));
    }
    let a = w.alloc.last.as_ref()?.minflt?;
    let t = w.touched.last.as_ref()?.minflt?;
    Some((
        t.saturating_sub(a),
        "stat minflt, last allocated → last touched sample",
    ))
}

/// Whether the region got huge-page advice on a host that can give them.
fn thp_on(p: &Params, meta: &Meta) -> bool {
    p.thp && meta.thp_enabled.as_deref().is_some_and(|m| m != "never")
}

fn faults(p: &Params, m: &Measurements, w: &Windows, b: &Basis, meta: &Meta) -> Check {
    if thp_on(p, meta) {
        faults_per_huge_page(m, w, b)
    } else {
        faults_once_per_page(m, w, b, p.thp)
    }
}

fn faults_once_per_page(m: &Measurements, w: &Windows, b: &Basis, thp_asked: bool) -> Check {
    let name = "faults_once_per_page";
    let claim = "each page faults once, on its first access, when the kernel gives it a frame";
    let pages = b.region_kib / b.page_kib.max(1);
    let slack = pages / FAULT_SLACK_PER;
    let mut expected = format!(
        "{pages} ± {slack} (SIZE / {} KiB page, rounded up)",
        b.page_kib
    );
    if thp_asked {
        expected.push_str("; this host has no transparent huge pages (mode never), so 4 KiB pages");
    }
    let Some((faults, src)) = touch_faults(m, w) else {
        return Check::inconclusive(
            name,
            claim,
            expected,
            tr_in(Lang::En, "why.demand_paging.no_fault_count", &[]),
        );
    };
    Check::new(
        name,
        claim,
        expected,
        format!("{faults} minor faults ({src})"),
        faults.abs_diff(pages) <= slack,
    )
    .value(faults as f64, "faults")
    .bounds(
        Some(pages.saturating_sub(slack) as f64),
        Some((pages + slack) as f64),
    )
    .window("touching phase")
    .arg("pages", pages)
}

fn faults_per_huge_page(m: &Measurements, w: &Windows, b: &Basis) -> Check {
    let name = "faults_per_huge_page";
    let claim = "with transparent huge pages one fault maps 2 MiB at a time";
    let huge = b.region_kib / HUGE_KIB;
    let small = (b.region_kib % HUGE_KIB) / b.page_kib.max(1);
    let want = huge + small;
    let slack = want / FAULT_SLACK_PER;
    let expected = format!(
        "{want} ± {slack} faults: {huge} for 2 MiB pages (⌊SIZE / 2 MiB⌋) + {small} for the 4 KiB \
         pages of the last {} KiB",
        b.region_kib % HUGE_KIB
    );
    if huge == 0 {
        return Check::inconclusive(
            name,
            claim,
            expected,
            tr_in(
                Lang::En,
                "why.demand_paging.under_huge",
                &[("kib", &b.region_kib.to_string())],
            ),
        )
        .msg("faults_per_huge_page_not_applicable")
        .arg("region_kib", b.region_kib);
    }
    let Some((faults, src)) = touch_faults(m, w) else {
        return Check::inconclusive(
            name,
            claim,
            expected,
            tr_in(Lang::En, "why.demand_paging.no_fault_count", &[]),
        );
    };
    let measured = format!("{faults} minor faults ({src})");
    let huge_mapped = w.touched.last.and_then(|r| r.anon_huge_kib);
    let verdict = if faults.abs_diff(want) <= slack {
        (Verdict::Holds, String::new())
    } else if faults < want {
        (Verdict::Fails, String::new())
    } else {
        match huge_mapped {
            Some(h) if h < huge * HUGE_KIB => (
                Verdict::Inconclusive,
                format!(
                    ": {}",
                    tr_in(
                        Lang::En,
                        "why.demand_paging.thp_fallback",
                        &[
                            ("mapped", &(h / HUGE_KIB).to_string()),
                            ("huge", &huge.to_string()),
                            ("h", &h.to_string()),
                        ],
                    )
                ),
            ),
            Some(_) => (Verdict::Fails, String::new()),
            None => (
                Verdict::Inconclusive,
                format!(
                    ": {}",
                    tr_in(Lang::En, "why.demand_paging.no_anon_huge", &[])
                ),
            ),
        }
    };
    Check::with_verdict(
        name,
        claim,
        expected,
        format!("{measured}{}", verdict.1),
        verdict.0,
    )
    .value(faults as f64, "faults")
    .bounds(
        Some(want.saturating_sub(slack) as f64),
        Some((want + slack) as f64),
    )
    .window("touching phase")
    .arg("huge", huge)
    .arg("small", small)
}

// System checks -------------------------------------------------------------

/// Judge a change of the residual (system used less memlab's own anonymous
/// memory) with the shared rule of `crate::verdict`.
fn system_check(
    name: &str,
    claim: &str,
    measured_kib: f64,
    others_kib: f64,
    tolerance_kib: f64,
    basis: &Basis,
    window: &str,
) -> Check {
    let Some(bg) = basis.background_kib else {
        return Check::inconclusive(
            name,
            claim,
            tr_in(Lang::En, "why.demand_paging.within_background", &[]),
            tr_in(
                Lang::En,
                "why.demand_paging.no_background",
                &[("n", &MIN_QUIET_SAMPLES.to_string())],
            ),
        )
        .msg("system_no_background")
        .window(window);
    };
    let e = SystemEffect {
        expected_kib: 0.0,
        measured_kib,
        effect_kib: basis.region_kib as f64,
        tolerance_kib,
        background_kib: bg,
        others_kib,
    };
    let allowed = e.allowed_kib();
    let (verdict, why) = judge_system(&e);
    let measured = if why.is_empty() {
        format!("{:+.1} MiB", mib(measured_kib))
    } else {
        format!("{:+.1} MiB: {why}", mib(measured_kib))
    };
    Check::with_verdict(
        name,
        claim,
        format!(
            "system used less memlab's own memory moves by at most ±{:.1} MiB",
            mib(allowed)
        ),
        measured,
        verdict,
    )
    .value(measured_kib, "KiB")
    .bounds(Some(-allowed), Some(allowed))
    .noise(bg)
    .window(window)
    .arg("others_kib", others_kib)
}

fn system_flat_on_reserve(w: &Windows, b: &Basis) -> Check {
    let d = w.alloc.residual_level_kib - w.before.residual_level_kib;
    let o = w.alloc.others_level_kib - w.before.others_level_kib;
    system_check(
        "system_used_flat_on_reserve",
        "reserving memory hardly changes the system's physical memory use",
        d,
        o,
        0.0,
        b,
        "median of before-alloc → median of allocated",
    )
}

fn system_rises_while_touching(w: &Windows, b: &Basis) -> Check {
    // If used rises with the worker's RSS, the residual stays flat: the
    // larger departure of its quartiles over the touching samples (where
    // it stood for three quarters of the phase) from the allocated level
    // is the check's figure. Used that does not rise with RSS leaves the
    // residual falling for good, far past a quartile; a moment's hold of
    // free memory by something no counter shows does not reach one.
    let base = w.alloc.residual_level_kib;
    let base_o = w.alloc.others_level_kib;
    // The first touched sample, or the second when it is nearer the base
    // (one sample alone can be skewed; a real lag lasts).
    let first_touched = w
        .touched
        .first
        .map(|r| Extreme {
            residual_kib: r.residual_kib(),
            others_kib: r.others_kib as f64,
        })
        .into_iter()
        .chain(w.touched.second)
        .min_by(|x, y| {
            (x.residual_kib - base)
                .abs()
                .total_cmp(&(y.residual_kib - base).abs())
        });
    let worst = [
        w.touching.residual_q1,
        w.touching.residual_q3,
        first_touched,
    ]
    .into_iter()
    .flatten()
    .max_by(|x, y| {
        (x.residual_kib - base)
            .abs()
            .total_cmp(&(y.residual_kib - base).abs())
    });
    let (d, o) = worst.map_or((0.0, 0.0), |e| {
        (e.residual_kib - base, e.others_kib - base_o)
    });
    system_check(
        "system_used_rises_at_rate",
        "while touching, the system's used memory rises with the process's RSS, at the touch rate",
        d,
        o,
        b.region_kib as f64 * PAGE_TABLE_FRACTION + (SKEW_STAIRS * b.stair_kib) as f64,
        b,
        "median of allocated → the quartiles of the touching samples, and the first touched one (or the second, when nearer)",
    )
}

fn system_flat_after_touching(first: &Row, last: &Row, w: &Windows, b: &Basis) -> Check {
    // The end as it lasted: of the last two samples, the one nearer the
    // first (one sample alone can be skewed by other processes' churn).
    let end = w.touched.last_settled.unwrap_or(Extreme {
        residual_kib: last.residual_kib(),
        others_kib: last.others_kib as f64,
    });
    system_check(
        "system_used_flat_after_touching",
        "after the accesses end, the system's used memory stays where it is",
        end.residual_kib - first.residual_kib(),
        end.others_kib - first.others_kib as f64,
        0.0,
        b,
        "first touched sample → the nearer of the last two",
    )
}

fn system_back_after_exit(w: &Windows, b: &Basis) -> Check {
    let d = w.exited.residual_level_kib - w.before.residual_level_kib;
    let o = w.exited.others_level_kib - w.before.others_level_kib;
    system_check(
        "system_used_back_after_exit",
        "when the process exits, system memory use returns to its level before the process started",
        d,
        o,
        0.0,
        b,
        "median of before-alloc → median of exited",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value};

    const U0: u64 = 2_000_000;
    const ME: u64 = 3000;
    const W0: u64 = 400;
    const SHARED: u64 = 100;
    const RSS0: u64 = 1800;
    const VSZ0: u64 = 9000;
    const OTHERS: u64 = 700_000;
    const MIB: u64 = 1024;

    /// A recorded run.
    struct Sim {
        rows: Vec<Row>,
        p: Params,
        m: Measurements,
        meta: Meta,
        ended_by: EndedBy,
    }

    /// Deterministic ±50 KiB of host noise.
    fn jitter(i: usize) -> i64 {
        ((i * 37) % 101) as i64 - 50
    }

    /// A quiet run on which every claim holds: 10 samples per quiet phase at
    /// 0.1 s, SIZE touched at the rate, memory back at exit.
    fn sim(size_bytes: u64, rate_kib_s: u64) -> Sim {
        let size = region_kib(size_bytes, 4096);
        let mut rows = Vec::new();
        let mut t = 0.0;
        let mut push = |phase: Phase, k: u64, rows: &mut Vec<Row>| {
            let i = rows.len();
            let alive = phase != Phase::Exited;
            let vsz = VSZ0 + if phase == Phase::BeforeAlloc { 0 } else { size };
            let worker_used = if alive { W0 - SHARED + k } else { 0 };
            rows.push(Row {
                t_s: t,
                phase,
                vsz_kib: alive.then_some(vsz),
                rss_kib: alive.then_some(RSS0 + k),
                rss_anon_kib: alive.then_some(W0 + k),
                rss_rollup_kib: None,
                anon_huge_kib: None,
                worker_shared_kib: alive.then_some(SHARED),
                minflt: alive.then_some(100 + k / 4),
                majflt: alive.then_some(0),
                touched_kib: k,
                mem_used_kib: 0,
                mem_used_adj_kib: (U0 as i64 + (ME + worker_used) as i64 + jitter(i)) as u64,
                mem_available_kib: 0,
                pcp_free_kib: 0,
                memlab_anon_kib: ME,
                others_kib: OTHERS,
            });
            t += 0.1;
        };
        for phase in [Phase::BeforeAlloc, Phase::Allocated] {
            for _ in 0..10 {
                push(phase, 0, &mut rows);
            }
        }
        let n = (size as f64 / rate_kib_s as f64 / 0.1).ceil() as u64;
        for s in 0..n {
            push(Phase::Touching, (rate_kib_s * s / 10).min(size), &mut rows);
        }
        for _ in 0..10 {
            push(Phase::Touched, size, &mut rows);
        }
        for _ in 0..10 {
            push(Phase::Exited, 0, &mut rows);
        }
        // smaps_rollup on the first and last sample of each phase.
        for i in 0..rows.len() {
            let edge = i == 0
                || rows[i - 1].phase != rows[i].phase
                || i + 1 == rows.len()
                || rows[i + 1].phase != rows[i].phase;
            if edge && rows[i].rss_kib.is_some() {
                rows[i].rss_rollup_kib = rows[i].rss_kib;
                rows[i].anon_huge_kib = Some(0);
            }
        }
        Sim {
            rows,
            p: Params {
                size_bytes,
                rate_bytes_per_s: Some(rate_kib_s * 1024),
                rate_max: false,
                interval_s: 0.1,
                hold_s: 1.0,
                thp: false,
            },
            m: Measurements {
                touch_ns: Some(size * 1_000_000_000 / rate_kib_s),
                touch_minflt: Some(size / 4),
                worker_exit_code: Some(0),
                cpus: Some(2),
                ..Measurements::default()
            },
            meta: Meta {
                kernel_release: "6.18.0".into(),
                page_size: 4096,
                thp_enabled: Some("madvise".into()),
                ..Meta::default()
            },
            ended_by: EndedBy::Completed,
        }
    }

    fn map<T: Serialize>(v: &T) -> Map<String, Value> {
        match serde_json::to_value(v).unwrap() {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn run(s: &Sim) -> Judgement {
        let rows: Vec<Map<String, Value>> = s.rows.iter().map(map).collect();
        let (params, m) = (map(&s.p), map(&s.m));
        let rec = Recorded {
            rows: &rows,
            params: &params,
            measurements: &m,
            meta: &s.meta,
            ended_by: s.ended_by,
            skipped: &[],
        };
        judge(&rec).unwrap()
    }

    fn verdict(s: &Sim, name: &str) -> (Verdict, String) {
        let j = run(s);
        let c = j
            .checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no check {name}"));
        (c.verdict, c.measured.clone())
    }

    fn assert_verdict(s: &Sim, name: &str, want: Verdict) {
        let (v, why) = verdict(s, name);
        assert_eq!(v, want, "{name}: {why}");
    }

    fn each(s: &mut Sim, phase: Phase, f: impl Fn(usize, &mut Row)) {
        for (i, r) in s.rows.iter_mut().filter(|r| r.phase == phase).enumerate() {
            f(i, r);
        }
    }

    fn last(s: &mut Sim, phase: Phase) -> &mut Row {
        s.rows.iter_mut().rev().find(|r| r.phase == phase).unwrap()
    }

    #[test]
    fn a_quiet_run_where_every_claim_is_true_holds_everywhere() {
        for (size, rate) in [(64 << 20, 32 * MIB), (1 << 20, 256)] {
            let j = run(&sim(size, rate));
            assert_eq!(j.checks.len(), 11);
            for c in &j.checks {
                // 1 MiB is under twice the system rule's 4 MiB floor: its
                // presence and absence look alike in system used.
                let want = if size < 8 << 20 && c.name.starts_with("system_") {
                    Verdict::Inconclusive
                } else {
                    Verdict::Holds
                };
                assert_eq!(c.verdict, want, "{}: {}", c.name, c.measured);
            }
        }
    }

    #[test]
    fn vsz_grows_by_size_on_reserve_can_fail() {
        let mut s = sim(64 << 20, 32 * MIB);
        each(&mut s, Phase::Allocated, |_, r| r.vsz_kib = Some(VSZ0));
        assert_verdict(&s, "vsz_grows_by_size_on_reserve", Verdict::Fails);
    }

    #[test]
    fn rss_flat_on_reserve_is_exact_with_smaps_rollup() {
        let mut s = sim(64 << 20, 32 * MIB);
        last(&mut s, Phase::Allocated).rss_rollup_kib = Some(RSS0 + 4);
        assert_verdict(&s, "rss_flat_on_reserve", Verdict::Fails);
    }

    #[test]
    fn statm_rss_gets_the_kernel_versions_tolerance() {
        // No smaps_rollup: statm, whose error depends on the kernel.
        let mut s = sim(64 << 20, 32 * MIB);
        s.meta.kernel_release = "6.5.0-27-generic".into();
        for r in &mut s.rows {
            r.rss_rollup_kib = None;
        }
        each(&mut s, Phase::Allocated, |_, r| {
            r.rss_kib = Some(RSS0 + 400)
        });
        assert_verdict(&s, "rss_flat_on_reserve", Verdict::Holds);
        assert_eq!(run(&s).summary["rss_source"], "statm");
        each(&mut s, Phase::Allocated, |_, r| {
            r.rss_kib = Some(RSS0 + 600)
        });
        assert_verdict(&s, "rss_flat_on_reserve", Verdict::Fails);
    }

    #[test]
    fn statm_tolerance_follows_the_kernel() {
        assert_eq!(statm_source("6.18.44-fc", 2, 4).tolerance_kib, 0.0);
        assert_eq!(statm_source("6.16.0", 64, 4).tolerance_kib, 0.0);
        // A batch of max(32, 2 × CPUs) pages per CPU, twice.
        assert_eq!(statm_source("6.2.0", 2, 4).tolerance_kib, 512.0);
        assert_eq!(statm_source("6.15.9", 32, 4).tolerance_kib, 16384.0);
        // 64 events cached per thread, twice.
        assert_eq!(statm_source("5.15.0-91-generic", 2, 4).tolerance_kib, 512.0);
    }

    #[test]
    fn rss_up_by_size_is_exactly_the_region() {
        // The paced run of the issue: 128 KiB of memlab's own code faulted
        // in during the first sleep.
        let mut s = sim(1 << 20, 256);
        let t = last(&mut s, Phase::Touched);
        t.rss_rollup_kib = Some(RSS0 + 1152);
        assert_verdict(&s, "rss_up_by_size_after_touching", Verdict::Fails);
        // A size that is not a page multiple: 100001 bytes are 25 pages.
        let s = sim(100_001, 100);
        assert_verdict(&s, "rss_up_by_size_after_touching", Verdict::Holds);
        assert_eq!(run(&s).summary["region_kib"], 100);
    }

    #[test]
    fn rss_flat_after_touching_can_fail() {
        let mut s = sim(64 << 20, 32 * MIB);
        let t = last(&mut s, Phase::Touched);
        t.rss_rollup_kib = Some(t.rss_rollup_kib.unwrap() + 8);
        assert_verdict(&s, "rss_flat_after_touching", Verdict::Fails);
    }

    #[test]
    fn rss_rises_at_rate_fails_off_rate_and_needs_samples() {
        // RSS rose at half the pace of the touches.
        let mut s = sim(64 << 20, 32 * MIB);
        each(&mut s, Phase::Touching, |_, r| {
            r.rss_kib = Some(RSS0 + r.touched_kib / 2)
        });
        assert_verdict(&s, "rss_rises_at_rate", Verdict::Fails);
        // The worker touched at half the rate asked (held back by the
        // scheduler), and RSS followed its touches: the rate was not
        // delivered, which says nothing about the claim.
        let mut s = sim(64 << 20, 32 * MIB);
        s.p.rate_bytes_per_s = Some(64 << 20);
        let (v, why) = verdict(&s, "rss_rises_at_rate");
        assert_eq!(v, Verdict::Inconclusive);
        assert!(why.contains("held back"), "{why}");
        let mut s = sim(64 << 20, 32 * MIB);
        let mut seen = 0;
        s.rows.retain(|r| {
            seen += (r.phase == Phase::Touching) as usize;
            r.phase != Phase::Touching || seen <= 2
        });
        assert_verdict(&s, "rss_rises_at_rate", Verdict::Inconclusive);
        // --rate max: no rate, no slope check.
        let mut s = sim(64 << 20, 32 * MIB);
        s.p.rate_bytes_per_s = None;
        assert!(run(&s).checks.iter().all(|c| c.name != "rss_rises_at_rate"));
    }

    #[test]
    fn a_thp_ramp_of_few_huge_pages_cannot_be_fitted() {
        let s = thp_at(3 << 20, 3 * MIB, 257, 2048);
        let (v, why) = verdict(&s, "rss_rises_at_rate");
        assert_eq!(v, Verdict::Inconclusive);
        assert!(why.contains("2048 KiB steps"), "{why}");
        // 64 MiB in 2 MiB stairs at 64 MiB/s: the fit allows one stair.
        let mut s = thp(64 << 20, 32, 65536);
        for r in &mut s.rows {
            if r.phase == Phase::Touching {
                let k = r.touched_kib.div_ceil(HUGE_KIB) * HUGE_KIB;
                r.rss_kib = Some(RSS0 + k);
            }
        }
        assert_verdict(&s, "rss_rises_at_rate", Verdict::Holds);
        // RSS did not follow the touches: a stair every 4 MiB.
        for r in &mut s.rows {
            if r.phase == Phase::Touching {
                r.rss_kib = Some(RSS0 + r.touched_kib / 4096 * 2048);
            }
        }
        assert_verdict(&s, "rss_rises_at_rate", Verdict::Fails);
    }

    #[test]
    fn vsz_flat_while_touching_can_fail() {
        let mut s = sim(64 << 20, 32 * MIB);
        each(&mut s, Phase::Touching, |i, r| {
            if i > 3 {
                r.vsz_kib = r.vsz_kib.map(|v| v + 2048);
            }
        });
        assert_verdict(&s, "vsz_flat_while_touching", Verdict::Fails);
    }

    #[test]
    fn faults_once_per_page_rounds_up_and_can_fail() {
        let mut s = sim(100_001, 100);
        s.m.touch_minflt = Some(25);
        assert_verdict(&s, "faults_once_per_page", Verdict::Holds);
        s.m.touch_minflt = Some(24);
        assert_verdict(&s, "faults_once_per_page", Verdict::Fails);
        // Without the worker's count, the sampled one.
        s.m.touch_minflt = None;
        assert_verdict(&s, "faults_once_per_page", Verdict::Holds);
        for r in &mut s.rows {
            r.minflt = None;
        }
        assert_verdict(&s, "faults_once_per_page", Verdict::Inconclusive);
    }

    fn thp(size: u64, faults: u64, huge_kib: u64) -> Sim {
        thp_at(size, 64 * MIB, faults, huge_kib)
    }

    fn thp_at(size: u64, rate_kib_s: u64, faults: u64, huge_kib: u64) -> Sim {
        let mut s = sim(size, rate_kib_s);
        s.p.thp = true;
        s.m.touch_minflt = Some(faults);
        last(&mut s, Phase::Touched).anon_huge_kib = Some(huge_kib);
        s
    }

    #[test]
    fn faults_per_huge_page_expects_huge_plus_small() {
        // 3 MiB, 2 MiB-aligned: one huge fault + 256 small ones.
        assert_verdict(
            &thp(3 << 20, 257, 2048),
            "faults_per_huge_page",
            Verdict::Holds,
        );
        // Fewer faults than that: nothing explains it.
        assert_verdict(
            &thp(3 << 20, 200, 2048),
            "faults_per_huge_page",
            Verdict::Fails,
        );
        // 4 KiB faults although huge pages were mapped.
        assert_verdict(
            &thp(3 << 20, 768, 2048),
            "faults_per_huge_page",
            Verdict::Fails,
        );
        // The kernel gave no huge page: a fallback, not the claim's fault.
        let s = thp(3 << 20, 768, 0);
        let (v, why) = verdict(&s, "faults_per_huge_page");
        assert_eq!(v, Verdict::Inconclusive);
        assert!(why.contains("fell back"), "{why}");
    }

    #[test]
    fn inconclusive_reasons_are_shown_in_japanese() {
        use crate::experiments::fixture::{assert_reason_in_japanese, check};
        let j = run(&thp(3 << 20, 768, 0));
        assert_reason_in_japanese(check(&j, "faults_per_huge_page"), "fell back");
        let j = run(&thp(64 << 10, 16, 0));
        assert_reason_in_japanese(check(&j, "faults_per_huge_page"), "under 2 MiB");
        let mut s = sim(64 << 20, 32 * MIB);
        s.p.rate_bytes_per_s = Some(64 << 20);
        assert_reason_in_japanese(check(&run(&s), "rss_rises_at_rate"), "held back");
        let mut s = sim(64 << 20, 32 * MIB);
        let mut seen = 0;
        s.rows.retain(|r| {
            seen += (r.phase == Phase::Touching) as usize;
            r.phase != Phase::Touching || seen <= 2
        });
        assert_reason_in_japanese(check(&run(&s), "rss_rises_at_rate"), "sample(s) while");
    }

    #[test]
    fn a_region_under_2_mib_cannot_pass_the_huge_page_claim() {
        let s = thp(64 << 10, 16, 0);
        let (v, why) = verdict(&s, "faults_per_huge_page");
        assert_eq!(v, Verdict::Inconclusive);
        assert!(why.contains("under 2 MiB"), "{why}");
        // THP off on the host: the 4 KiB claim, said so.
        let mut s = thp(3 << 20, 768, 0);
        s.meta.thp_enabled = Some("never".into());
        assert_verdict(&s, "faults_once_per_page", Verdict::Holds);
    }

    #[test]
    fn system_used_flat_on_reserve_fails_unless_others_explain() {
        let mut s = sim(64 << 20, 32 * MIB);
        each(&mut s, Phase::Allocated, |_, r| {
            r.mem_used_adj_kib += 50 * MIB
        });
        assert_verdict(&s, "system_used_flat_on_reserve", Verdict::Fails);
        each(&mut s, Phase::Allocated, |_, r| r.others_kib += 50 * MIB);
        assert_verdict(&s, "system_used_flat_on_reserve", Verdict::Inconclusive);
    }

    #[test]
    fn system_used_rises_at_rate_fails_when_used_does_not_rise() {
        let mut s = sim(64 << 20, 32 * MIB);
        for r in &mut s.rows {
            if matches!(r.phase, Phase::Touching | Phase::Touched) {
                r.mem_used_adj_kib -= r.touched_kib;
            }
        }
        assert_verdict(&s, "system_used_rises_at_rate", Verdict::Fails);
        // Another process freed as much meanwhile: inconclusive.
        for r in &mut s.rows {
            if matches!(r.phase, Phase::Touching | Phase::Touched) {
                r.others_kib -= r.touched_kib;
            }
        }
        assert_verdict(&s, "system_used_rises_at_rate", Verdict::Inconclusive);
    }

    #[test]
    fn system_used_flat_after_touching_can_fail() {
        let mut s = sim(64 << 20, 32 * MIB);
        // One sample alone off by 20 MiB: a skew, not a move.
        last(&mut s, Phase::Touched).mem_used_adj_kib += 20 * MIB;
        assert_verdict(&s, "system_used_flat_after_touching", Verdict::Holds);
        // The last two: used moved and stayed.
        let n = s.rows.iter().filter(|r| r.phase == Phase::Touched).count();
        each(&mut s, Phase::Touched, |i, r| {
            if i == n - 2 {
                r.mem_used_adj_kib += 20 * MIB;
            }
        });
        assert_verdict(&s, "system_used_flat_after_touching", Verdict::Fails);
        each(&mut s, Phase::Touched, |i, r| {
            if i >= n - 2 {
                r.others_kib += 20 * MIB;
            }
        });
        assert_verdict(&s, "system_used_flat_after_touching", Verdict::Inconclusive);
    }

    #[test]
    fn a_moment_off_is_a_skew_a_lasting_move_a_departure() {
        let mut s = sim(64 << 20, 32 * MIB);
        let n = s.rows.iter().filter(|r| r.phase == Phase::Touching).count();
        assert!(n >= 12, "{n} touching rows");
        // A fifth of the touching samples 64 MiB up (free pages held aside
        // for a moment): not where used stood.
        each(&mut s, Phase::Touching, |i, r| {
            if i >= 5 && i < 5 + n / 5 {
                r.mem_used_adj_kib += 64 * MIB;
            }
        });
        assert_verdict(&s, "system_used_rises_at_rate", Verdict::Holds);
        // A third of them: it lasted.
        each(&mut s, Phase::Touching, |i, r| {
            if i >= 5 + n / 5 && i < 5 + n / 3 + 1 {
                r.mem_used_adj_kib += 64 * MIB;
            }
        });
        assert_verdict(&s, "system_used_rises_at_rate", Verdict::Fails);
        // The first touched sample alone off: a skew; with the second, a lag.
        let mut s = sim(64 << 20, 32 * MIB);
        each(&mut s, Phase::Touched, |i, r| {
            if i == 0 {
                r.mem_used_adj_kib += 74 * MIB;
            }
        });
        assert_verdict(&s, "system_used_rises_at_rate", Verdict::Holds);
        each(&mut s, Phase::Touched, |i, r| {
            if i == 1 {
                r.mem_used_adj_kib += 74 * MIB;
            }
        });
        assert_verdict(&s, "system_used_rises_at_rate", Verdict::Fails);
        // Downwards too.
        let mut s = sim(64 << 20, 32 * MIB);
        each(&mut s, Phase::Touching, |i, r| {
            if i >= n / 2 {
                r.mem_used_adj_kib -= 74 * MIB;
            }
        });
        assert_verdict(&s, "system_used_rises_at_rate", Verdict::Fails);
    }

    #[test]
    fn memory_not_returned_at_exit_fails_on_a_quiet_host() {
        let mut s = sim(100 << 20, 10 * MIB);
        assert_verdict(&s, "system_used_back_after_exit", Verdict::Holds);
        each(&mut s, Phase::Exited, |_, r| r.mem_used_adj_kib += 99 * MIB);
        let (v, why) = verdict(&s, "system_used_back_after_exit");
        assert_eq!(v, Verdict::Fails, "{why}");
    }

    #[test]
    fn a_noisy_background_makes_system_checks_inconclusive() {
        let mut s = sim(64 << 20, 32 * MIB);
        each(&mut s, Phase::BeforeAlloc, |i, r| {
            r.mem_used_adj_kib += (i as u64 % 2) * 40 * MIB;
        });
        for name in [
            "system_used_flat_on_reserve",
            "system_used_rises_at_rate",
            "system_used_flat_after_touching",
            "system_used_back_after_exit",
        ] {
            let (v, why) = verdict(&s, name);
            assert_eq!(v, Verdict::Inconclusive, "{name}");
            assert!(why.contains("background"), "{why}");
        }
    }

    #[test]
    fn no_quiet_window_no_system_verdict() {
        let mut s = sim(64 << 20, 32 * MIB);
        let mut kept = (0, 0);
        s.rows.retain(|r| match r.phase {
            Phase::BeforeAlloc => {
                kept.0 += 1;
                kept.0 == 10
            }
            Phase::Exited => {
                kept.1 += 1;
                kept.1 == 1
            }
            _ => true,
        });
        let j = run(&s);
        let c = j
            .checks
            .iter()
            .find(|c| c.name == "system_used_back_after_exit")
            .unwrap();
        assert_eq!(
            (c.verdict, c.msg.as_str()),
            (Verdict::Inconclusive, "system_no_background")
        );
        // The per-process checks still judge.
        assert!(
            j.checks
                .iter()
                .filter(|c| c.verdict == Verdict::Holds)
                .count()
                >= 7
        );
    }

    #[test]
    fn an_interrupted_run_judges_only_the_phases_it_has() {
        let mut s = sim(64 << 20, 32 * MIB);
        s.rows.retain(|r| r.phase < Phase::Touched);
        s.ended_by = EndedBy::Interrupted;
        let names: Vec<String> = run(&s).checks.into_iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "vsz_grows_by_size_on_reserve",
                "rss_flat_on_reserve",
                "system_used_flat_on_reserve"
            ]
        );
    }

    #[test]
    fn a_row_without_a_needed_field_is_a_usage_error() {
        let s = sim(1 << 20, 256);
        let mut rows: Vec<Map<String, Value>> = s.rows.iter().map(map).collect();
        rows[3].remove("mem_used_adj_kib");
        let (params, m) = (map(&s.p), map(&s.m));
        let rec = Recorded {
            rows: &rows,
            params: &params,
            measurements: &m,
            meta: &s.meta,
            ended_by: s.ended_by,
            skipped: &[],
        };
        let e = judge(&rec).unwrap_err();
        assert!(format!("{e:#}").contains("mem_used_adj_kib"), "{e:#}");
    }
}
