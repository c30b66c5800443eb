//! The checks of `memlab cow`: a pure function of the recorded rows (each
//! process at each stage, and several readings of system memory at each
//! stage), the params and the measurements (the fault counts each process
//! took of itself with getrusage, wait4's figures, the parent's pages that
//! hold the child's value). No /proc, no clocks.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::experiments::{Judgement, Recorded};
use crate::report::{Check, Verdict};
use crate::units::human_kib;
use crate::verdict::{SystemEffect, judge_system, spread};

/// fork copies page tables (8 bytes per 4 KiB page, 0.2% of SIZE) and a few
/// of memlab's own pages; memlab's own processes' PSS (exact, per process)
/// may grow by 10% of SIZE at most.
pub const FORK_GROWTH_FRACTION: f64 = 0.10;
/// Page tables fork copies: 8 bytes per 4 KiB page (1/512 of SIZE).
pub const PAGE_TABLE_FRACTION: f64 = 1.0 / 512.0;
/// A copy per written page: system used grows by SIZE; the copies are
/// whole pages, so allow the fault tolerance (3%) on top of the noise.
pub const COPY_TOLERANCE: f64 = 0.03;
/// Reading, or writing a shared mapping, copies nothing: the child's own
/// Private (exact, per process) may grow by 10% of SIZE at most.
pub const NO_COPY_FRACTION: f64 = 0.10;
/// One fault per page: allow 3% of the page count (plus a few faults on
/// memlab's own stack and heap) either way.
pub const FAULT_TOLERANCE: f64 = 0.03;
pub const FAULT_SLACK: u64 = 16;
/// "Almost no faults": under 1% of the page count (plus a few of memlab's own).
pub const FEW_FAULTS_FRACTION: f64 = 0.01;
/// getrusage and /proc/PID/stat read the same kernel counters; the two
/// readings are a few instructions apart, during which memlab may fault on a
/// heap page or two.
pub const AGREE_SLACK: u64 = 16;
/// A page mapped by exactly two processes counts half in each PSS; memlab's
/// own code and libraries (shared with other processes too) pull the
/// whole-process ratio a little below 1/2 at small sizes.
pub const PSS_RATIO_BAND: (f64, f64) = (0.40, 0.60);
/// A page present in a process's RSS: the region should be there to within 3%.
pub const RESIDENT_FRACTION: f64 = 0.97;
const HUGE: u64 = crate::sys::HUGE_PAGE_BYTES;

pub const BEFORE_FORK: &str = "before-fork";
pub const AFTER_FORK: &str = "after-fork";
pub const AFTER_ACCESS: &str = "after-access";
pub const AFTER_EXIT: &str = "after-exit";
/// The `process` of a row that is only a reading of system memory.
pub const SYSTEM: &str = "system";

/// One row: one process at one stage (its own figures and the system's
/// memory read right after), or one more reading of system memory at that
/// stage (`process` = "system", the process figures empty).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub stage: String,
    pub process: String,
    pub t_s: f64,
    pub pid: Option<i32>,
    pub vsz_kib: Option<u64>,
    /// From smaps_rollup (a page-table walk, exact) when it exists, else statm.
    pub rss_kib: Option<u64>,
    pub pss_kib: Option<u64>,
    /// PSS without the file-backed part (anon and shmem).
    pub pss_own_kib: Option<u64>,
    pub shared_kib: Option<u64>,
    pub private_kib: Option<u64>,
    pub anon_huge_kib: Option<u64>,
    /// From /proc/PID/stat.
    pub minflt: Option<u64>,
    pub majflt: Option<u64>,
    /// From getrusage(RUSAGE_SELF) in the process itself.
    pub rusage_minflt: Option<u64>,
    pub rusage_majflt: Option<u64>,
    pub mem_used_kib: u64,
    pub mem_used_adj_kib: u64,
    pub pcp_free_kib: u64,
    pub mem_shared_kib: u64,
    pub mem_available_kib: u64,
    pub anon_pages_kib: u64,
    pub cached_kib: u64,
    /// memlab's own processes at this stage: their PSS without the
    /// file-backed part, summed.
    pub own_kib: u64,
    /// AnonPages + Cached − own_kib: what other processes hold.
    pub others_kib: i64,
}

/// The options the run had.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Params {
    pub size_bytes: u64,
    pub access: String,
    pub shared: bool,
    pub thp: bool,
}

/// What the run measured besides the rows.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Measurements {
    pub page_size_bytes: u64,
    pub fork_us: Option<f64>,
    /// Minor faults of the parent's touch (getrusage around the loop);
    /// absent when the run was interrupted during the touch.
    pub parent_touch_faults: Option<u64>,
    /// Faults of the child's access loop (getrusage around the loop).
    pub child_access_minflt: Option<u64>,
    pub child_access_majflt: Option<u64>,
    /// The child's whole life, from wait4.
    pub child_wait4_minflt: Option<u64>,
    pub child_wait4_majflt: Option<u64>,
    /// Pages of the parent that hold the child's value after it exited.
    pub parent_pages_with_child_value: Option<u64>,
}

/// The recorded data, indexed.
pub struct Data<'a> {
    pub p: &'a Params,
    pub m: &'a Measurements,
    pub rows: &'a [Row],
    pub size_kib: u64,
    pub pages: u64,
    /// Spread of system used where memlab did nothing (within each stage's
    /// readings), the largest over the stages.
    pub background_kib: f64,
}

/// System memory at one stage: the median of its readings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StageMem {
    pub used_kib: f64,
    pub others_kib: f64,
    pub own_kib: f64,
}

impl<'a> Data<'a> {
    pub fn new(p: &'a Params, m: &'a Measurements, rows: &'a [Row]) -> Data<'a> {
        let page = m.page_size_bytes.max(1);
        let stages = [BEFORE_FORK, AFTER_FORK, AFTER_ACCESS, AFTER_EXIT];
        let background_kib = stages
            .iter()
            .map(|s| spread(readings(rows, s).map(|r| r.mem_used_adj_kib as f64)))
            .fold(0.0, f64::max);
        Data {
            p,
            m,
            rows,
            size_kib: p.size_bytes / 1024,
            pages: p.size_bytes.div_ceil(page),
            background_kib,
        }
    }

    pub fn row(&self, stage: &str, process: &str) -> Option<&'a Row> {
        self.rows
            .iter()
            .find(|r| r.stage == stage && r.process == process)
    }

    pub fn stage(&self, stage: &str) -> Option<StageMem> {
        let used = median(readings(self.rows, stage).map(|r| r.mem_used_adj_kib as f64))?;
        let others = median(readings(self.rows, stage).map(|r| r.others_kib as f64))?;
        let own = median(readings(self.rows, stage).map(|r| r.own_kib as f64))?;
        Some(StageMem {
            used_kib: used,
            others_kib: others,
            own_kib: own,
        })
    }

    fn writes_private(&self) -> bool {
        !self.p.shared && self.p.access == "write"
    }
}

/// The readings of system memory at a stage: its "system" rows, or the
/// process rows when a file has none.
fn readings<'r>(rows: &'r [Row], stage: &'r str) -> impl Iterator<Item = &'r Row> + 'r {
    let has_system = rows.iter().any(|r| r.stage == stage && r.process == SYSTEM);
    rows.iter().filter(move |r| {
        r.stage == stage && (r.process == SYSTEM || (!has_system && r.process == "parent"))
    })
}

pub fn median(v: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = v.collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The checks, from what was recorded.
pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let p: Params = rec.params_as()?;
    let m: Measurements = rec.measurements_as()?;
    let rows: Vec<Row> = rec.rows_as()?;
    let d = Data::new(&p, &m, &rows);
    let mut j = Judgement::default();
    summarize(&d, &mut j);
    if let Some(c) = touch_faults(&d) {
        j.check(c);
    }
    if let Some(c) = fork_copies_no_data(&d) {
        j.check(c);
    }
    if let Some(c) = rss_counts_shared_pages_in_both(&d) {
        j.check(c);
    }
    if let Some(c) = pss_splits_shared_pages(&d) {
        j.check(c);
    }
    if let Some(c) = access_faults(&d) {
        j.check(c);
    }
    if let Some(c) = access_growth(&d) {
        j.check(c);
    }
    if let Some(c) = values(&d) {
        j.check(c);
    }
    if let Some(c) = getrusage_agrees_with_proc(&d) {
        j.check(c);
    }
    Ok(j)
}

fn summarize(d: &Data, j: &mut Judgement) {
    let m = d.m;
    j.summary("fork_us", m.fork_us.map(|v| (v * 10.0).round() / 10.0));
    j.summary("page_size_bytes", m.page_size_bytes);
    j.summary("pages", d.pages);
    j.summary("parent_touch_faults", m.parent_touch_faults);
    j.summary("child_access_minflt", m.child_access_minflt);
    j.summary("child_access_majflt", m.child_access_majflt);
    let delta = |a: &str, b: &str| Some((d.stage(b)?.used_kib - d.stage(a)?.used_kib).round());
    j.summary("fork_used_growth_kib", delta(BEFORE_FORK, AFTER_FORK));
    j.summary("copied_kib", delta(AFTER_FORK, AFTER_ACCESS));
    j.summary("exit_used_change_kib", delta(AFTER_ACCESS, AFTER_EXIT));
    j.summary("background_kib", d.background_kib.round());
    j.summary("child_wait4_minflt", m.child_wait4_minflt);
    j.summary("child_wait4_majflt", m.child_wait4_majflt);
    j.summary(
        "parent_pages_with_child_value",
        m.parent_pages_with_child_value,
    );
}

/// Is `n` within the fault tolerance of `want`?
pub fn near(n: u64, want: u64) -> bool {
    let slack = (want as f64 * FAULT_TOLERANCE) as u64 + FAULT_SLACK;
    n + slack >= want && n <= want + slack
}

fn fault_bounds(want: u64) -> (f64, f64) {
    let slack = (want as f64 * FAULT_TOLERANCE) as u64 + FAULT_SLACK;
    (want.saturating_sub(slack) as f64, (want + slack) as f64)
}

fn touch_faults(d: &Data) -> Option<Check> {
    let faults = d.m.parent_touch_faults?;
    let size = d.p.size_bytes;
    let small = d.pages;
    if !d.p.thp {
        let (lo, hi) = fault_bounds(small);
        return Some(
            Check::new(
                "touch_faults_once_per_page",
                "memory is allocated on first touch (demand paging): one page fault per 4 KiB page",
                format!("{small} faults (±{:.0}%)", FAULT_TOLERANCE * 100.0),
                format!("{faults} faults"),
                near(faults, small),
            )
            .value(faults as f64, "faults")
            .bounds(Some(lo), Some(hi))
            .window("parent's touch"),
        );
    }
    // With huge pages, one fault maps 2 MiB; the kernel says how much of the
    // region got huge pages (AnonHugePages), the rest is 4 KiB pages.
    let huge_kib = d.row(BEFORE_FORK, "parent")?.anon_huge_kib.unwrap_or(0);
    let page = d.m.page_size_bytes.max(1);
    let huge = (huge_kib * 1024).min(size);
    let want = huge / HUGE + (size - huge).div_ceil(page);
    let all_huge = size.div_ceil(HUGE);
    let claim = "with transparent huge pages one fault maps a whole 2 MiB page";
    let top = small + (small as f64 * FAULT_TOLERANCE) as u64 + FAULT_SLACK;
    if d.p.shared {
        // Huge pages of a shared (shmem) mapping follow shmem_enabled and do
        // not show in AnonHugePages: accept anything from one fault per 2 MiB
        // to one per 4 KiB.
        return Some(
            Check::new(
                "touch_faults_per_page_size",
                claim,
                format!("between {all_huge} (all 2 MiB) and {small} (all 4 KiB) faults"),
                format!("{faults} faults"),
                faults + FAULT_SLACK >= all_huge && faults <= top,
            )
            .value(faults as f64, "faults")
            .bounds(Some(all_huge as f64), Some(top as f64)),
        );
    }
    // Where AnonHugePages does not cover the region, smaller multi-size huge
    // pages (mTHP, Linux 6.8+) may: fewer faults than one per 4 KiB there,
    // but never fewer than one per 2 MiB.
    let exact = near(faults, want);
    let mthp = !exact && faults < want && faults + FAULT_SLACK >= all_huge;
    let (lo, hi) = fault_bounds(want);
    Some(
        Check::new(
            "touch_faults_per_page_size",
            claim,
            format!(
                "{want} faults (±{:.0}%): one per 2 MiB for the {} in huge pages (AnonHugePages), one per 4 KiB for the rest; all 2 MiB would be {all_huge}",
                FAULT_TOLERANCE * 100.0,
                human_kib(huge_kib as f64),
            ),
            if mthp {
                format!("{faults} faults: fewer than one per 4 KiB outside AnonHugePages, so smaller huge pages (mTHP) took the rest")
            } else {
                format!("{faults} faults")
            },
            exact || mthp,
        )
        .value(faults as f64, "faults")
        .bounds(Some(lo), Some(hi)),
    )
}

fn signed_kib(kib: f64) -> String {
    let s = human_kib(kib.abs());
    if kib < 0.0 {
        format!("-{s}")
    } else {
        format!("+{s}")
    }
}

/// Sum of memlab's own processes' PSS (without file-backed) at a stage;
/// `None` without smaps_rollup.
fn own_pss(d: &Data, stage: &str) -> Option<f64> {
    let procs: Vec<&Row> = d
        .rows
        .iter()
        .filter(|r| r.stage == stage && r.process != SYSTEM)
        .collect();
    procs
        .iter()
        .map(|r| r.pss_own_kib.map(|v| v as f64))
        .sum::<Option<f64>>()
        .filter(|_| !procs.is_empty())
}

/// Judge system used across `from → to` against `expected_kib`, with
/// [`judge_system`]: the effect's size is SIZE (what a copy of the region
/// would move), the noise the largest spread of the readings at a stage.
fn system_effect(
    d: &Data,
    from: &str,
    to: &str,
    expected_kib: f64,
    tol: f64,
) -> Option<(SystemEffect, StageMem, StageMem)> {
    let (a, b) = (d.stage(from)?, d.stage(to)?);
    Some((
        SystemEffect {
            expected_kib,
            measured_kib: b.used_kib - a.used_kib,
            effect_kib: d.size_kib as f64,
            tolerance_kib: tol,
            background_kib: d.background_kib,
            others_kib: b.others_kib - a.others_kib,
        },
        a,
        b,
    ))
}

fn system_check(
    name: &str,
    claim: &str,
    expected: String,
    e: &SystemEffect,
    own: Option<(f64, f64, String)>,
    window: &str,
) -> Check {
    let (mut verdict, why) = judge_system(e);
    let mut measured = format!(
        "system used (adjusted) {}; other processes {}; background ±{}",
        signed_kib(e.measured_kib),
        signed_kib(e.others_kib),
        human_kib(e.background_kib)
    );
    // memlab's own processes' figures are exact and per process: when they
    // contradict the claim, nothing on the host can excuse it.
    let own_fails = own.as_ref().is_some_and(|(v, limit, _)| v.abs() > *limit);
    if let Some((v, limit, what)) = &own {
        measured.push_str(&format!("; {what} {}", signed_kib(*v)));
        if own_fails {
            measured.push_str(&format!(
                ": memlab's own processes moved by more than {}",
                human_kib(*limit)
            ));
        }
    }
    if own_fails {
        verdict = Verdict::Fails;
    } else if !why.is_empty() {
        measured.push_str(&format!(": {why}"));
    }
    let allowed = e.allowed_kib();
    Check::with_verdict(name, claim, expected, measured, verdict)
        .value(e.measured_kib.round(), "KiB")
        .bounds(
            Some(e.expected_kib - allowed),
            Some(e.expected_kib + allowed),
        )
        .noise(e.background_kib)
        .window(window)
        .arg("others_kib", e.others_kib)
}

fn fork_copies_no_data(d: &Data) -> Option<Check> {
    let tol = d.size_kib as f64 * PAGE_TABLE_FRACTION;
    let (e, _, _) = system_effect(d, BEFORE_FORK, AFTER_FORK, 0.0, tol)?;
    let own = match (own_pss(d, BEFORE_FORK), own_pss(d, AFTER_FORK)) {
        (Some(a), Some(b)) => Some((
            b - a,
            d.size_kib as f64 * FORK_GROWTH_FRACTION,
            "parent + child PSS".to_string(),
        )),
        _ => None,
    };
    Some(system_check(
        "fork_copies_no_data",
        "fork copies the page tables, not the pages: system memory grows by far less than the parent's memory",
        format!(
            "system used (adjusted) changes by 0 ± max({}× background, {}, page tables {}); it cannot fall (fork frees nothing)",
            crate::verdict::K,
            human_kib(crate::verdict::FLOOR_KIB),
            human_kib(tol)
        ),
        &e,
        own,
        "before-fork → after-fork",
    ))
}

fn access_growth(d: &Data) -> Option<Check> {
    if d.writes_private() {
        let size = d.size_kib as f64;
        let (e, _, _) = system_effect(d, AFTER_FORK, AFTER_ACCESS, size, size * COPY_TOLERANCE)?;
        return Some(system_check(
            "writes_grow_used_by_size",
            "each page the child writes is copied, so system memory grows by the size written",
            format!(
                "system used (adjusted) grows by {} ± max({}× background, {}, {:.0}%)",
                human_kib(size),
                crate::verdict::K,
                human_kib(crate::verdict::FLOOR_KIB),
                COPY_TOLERANCE * 100.0
            ),
            &e,
            None,
            "after-fork → after-access",
        ));
    }
    let (e, _, _) = system_effect(d, AFTER_FORK, AFTER_ACCESS, 0.0, 0.0)?;
    let private = |s: &str| {
        d.row(s, "child")
            .and_then(|r| r.private_kib)
            .map(|v| v as f64)
    };
    let own = match (private(AFTER_FORK), private(AFTER_ACCESS)) {
        (Some(a), Some(b)) => Some((
            b - a,
            d.size_kib as f64 * NO_COPY_FRACTION,
            "child Private".to_string(),
        )),
        _ => None,
    };
    let (name, claim) = if d.p.shared {
        (
            "shared_copies_nothing",
            "in a MAP_SHARED region parent and child use the same pages: nothing is copied",
        )
    } else {
        (
            "read_adds_no_memory",
            "reading shared pages copies nothing: system memory does not grow",
        )
    };
    Some(system_check(
        name,
        claim,
        format!(
            "system used (adjusted) changes by 0 ± max({}× background, {}); the child's Private grows < {}",
            crate::verdict::K,
            human_kib(crate::verdict::FLOOR_KIB),
            human_kib(d.size_kib as f64 * NO_COPY_FRACTION)
        ),
        &e,
        own,
        "after-fork → after-access",
    ))
}

/// Why a check of smaps_rollup's figures cannot be judged: `what` is
/// unknown on this kernel.
fn no_smaps_rollup(what: &str) -> String {
    crate::i18n::tr_in(
        crate::i18n::Lang::En,
        "why.cow.no_smaps_rollup",
        &[("what", what)],
    )
}

fn rss_counts_shared_pages_in_both(d: &Data) -> Option<Check> {
    // Private pages are shared right after fork (fork copied their page-table
    // entries); a shared mapping's entries are not copied (the child faults
    // them in from the page cache), so there both map the pages only after
    // the access.
    let stage = if d.p.shared { AFTER_ACCESS } else { AFTER_FORK };
    let (p, c) = (d.row(stage, "parent")?, d.row(stage, "child")?);
    let min = (d.size_kib as f64 * RESIDENT_FRACTION) as u64;
    let claim = "pages shared by parent and child count in the RSS of each";
    let expected = format!(
        "at {stage}: parent and child RSS and Shared each ≥ {}",
        human_kib(min as f64)
    );
    let (Some(ps), Some(cs)) = (p.shared_kib, c.shared_kib) else {
        return Some(Check::inconclusive(
            "rss_counts_shared_pages_in_both",
            claim,
            expected,
            no_smaps_rollup("Shared"),
        ));
    };
    let (pr, cr) = (p.rss_kib.unwrap_or(0), c.rss_kib.unwrap_or(0));
    let least = pr.min(cr).min(ps).min(cs);
    Some(
        Check::new(
            "rss_counts_shared_pages_in_both",
            claim,
            expected,
            format!(
                "parent RSS {} (shared {}), child RSS {} (shared {})",
                human_kib(pr as f64),
                human_kib(ps as f64),
                human_kib(cr as f64),
                human_kib(cs as f64)
            ),
            least >= min,
        )
        .value(least as f64, "KiB")
        .bounds(Some(min as f64), None)
        .window(stage),
    )
}

fn pss_splits_shared_pages(d: &Data) -> Option<Check> {
    let stage = if d.p.shared { AFTER_ACCESS } else { AFTER_FORK };
    let (p, c, p0) = (
        d.row(stage, "parent")?,
        d.row(stage, "child")?,
        d.row(BEFORE_FORK, "parent")?,
    );
    let limit = d.size_kib as f64 * FORK_GROWTH_FRACTION;
    let claim = "summing RSS over processes over-counts shared memory; PSS splits each shared page between its users";
    let expected = format!(
        "at {stage}: child PSS/RSS in {:.2}–{:.2}; parent+child PSS within {} of the parent's PSS before fork, while their RSS sums to about twice",
        PSS_RATIO_BAND.0,
        PSS_RATIO_BAND.1,
        human_kib(limit)
    );
    let (Some(cp), Some(pp), Some(cpo), Some(p0o)) =
        (c.pss_kib, p.pss_own_kib, c.pss_own_kib, p0.pss_own_kib)
    else {
        return Some(Check::inconclusive(
            "pss_splits_shared_pages",
            claim,
            expected,
            no_smaps_rollup("PSS"),
        ));
    };
    let crss = c.rss_kib.unwrap_or(0);
    let ratio = cp as f64 / crss.max(1) as f64;
    // The sum leaves file-backed PSS out: it moves whenever any other process
    // (another memlab run, say) maps the same binary and libraries.
    let sum_pss = (pp + cpo) as f64;
    let sum_rss = (p.rss_kib.unwrap_or(0) + crss) as f64;
    let extra = sum_pss - p0o as f64;
    Some(
        Check::new(
            "pss_splits_shared_pages",
            claim,
            expected,
            format!(
                "child PSS/RSS {ratio:.3}; PSS sum {} vs {} before fork ({}; file-backed PSS left out); RSS sum {}",
                human_kib(sum_pss),
                human_kib(p0o as f64),
                signed_kib(extra),
                human_kib(sum_rss)
            ),
            (PSS_RATIO_BAND.0..=PSS_RATIO_BAND.1).contains(&ratio) && extra.abs() < limit,
        )
        .value((ratio * 1000.0).round() / 1000.0, "")
        .bounds(Some(PSS_RATIO_BAND.0), Some(PSS_RATIO_BAND.1))
        .window(stage)
        .arg("pss_sum_change_kib", extra),
    )
}

fn access_faults(d: &Data) -> Option<Check> {
    let faults = d.m.child_access_minflt?;
    let pages = d.pages;
    let few = (pages as f64 * FEW_FAULTS_FRACTION) as u64 + FAULT_SLACK;
    let c = match (d.p.shared, d.p.access.as_str()) {
        (false, "write") => {
            // Since Linux 5.8 a write to a shared huge page splits its
            // mapping in the writer and copies only the 4 KiB written, so
            // the count stays one per 4 KiB page with --thp too; older
            // kernels copied the whole 2 MiB page in one fault.
            let huge_kib = d
                .row(BEFORE_FORK, "parent")
                .and_then(|r| r.anon_huge_kib)
                .unwrap_or(0);
            let page = d.m.page_size_bytes.max(1);
            let per_huge = (huge_kib > 0)
                .then(|| (huge_kib / 2048).max(1) + pages.saturating_sub(huge_kib * 1024 / page));
            let (lo, hi) = fault_bounds(pages);
            Check::new(
                "child_write_faults_once_per_page",
                "each first write to a page shared with the parent is a page fault that copies the page",
                match per_huge {
                    None => format!("{pages} faults (±{:.0}%)", FAULT_TOLERANCE * 100.0),
                    Some(w) => format!(
                        "{pages} faults (one per 4 KiB: the kernel splits a shared huge page on write) or {w} (one per 2 MiB: older kernels copy it whole), ±{:.0}%",
                        FAULT_TOLERANCE * 100.0
                    ),
                },
                format!("{faults} faults"),
                near(faults, pages) || per_huge.is_some_and(|w| near(faults, w)),
            )
            .bounds(Some(lo), Some(hi))
        }
        (false, _) => Check::new(
            "read_adds_no_faults",
            "reading pages shared after fork needs no copy, so no page fault",
            format!("< {few} faults"),
            format!("{faults} faults"),
            faults < few,
        )
        .bounds(None, Some(few as f64)),
        (true, _) => {
            // fork does not copy the page-table entries of a shared mapping
            // (they can be filled from the page cache on demand), so the
            // child faults once per page it writes (reads map up to 16
            // cached pages per fault: fault-around). No fault copies.
            let max = pages + (pages as f64 * FAULT_TOLERANCE) as u64 + FAULT_SLACK;
            Check::new(
                "shared_faults_only_map",
                "in a shared mapping the child's faults only map the existing pages",
                format!("≤ {max} faults (at most one per page)"),
                format!("{faults} faults"),
                faults <= max,
            )
            .bounds(None, Some(max as f64))
        }
    };
    Some(
        c.value(faults as f64, "faults")
            .window("child's access loop"),
    )
}

fn values(d: &Data) -> Option<Check> {
    if d.p.access != "write" {
        return None;
    }
    let n = d.m.parent_pages_with_child_value?;
    let pages = d.pages;
    let c = if d.p.shared {
        Check::new(
            "parent_sees_child_writes",
            "in a MAP_SHARED region the parent sees what the child wrote",
            format!("all {pages} pages hold the child's value after it exits"),
            format!("{n} pages"),
            n == pages,
        )
        .bounds(Some(pages as f64), Some(pages as f64))
    } else {
        Check::new(
            "child_writes_stay_private",
            "after copy-on-write the child writes to its own copy: the parent's data is unchanged",
            format!("0 of {pages} pages hold the child's value after it exits"),
            format!("{n} pages"),
            n == 0,
        )
        .bounds(Some(0.0), Some(0.0))
    };
    Some(c.value(n as f64, "pages").window("after-exit"))
}

fn getrusage_agrees_with_proc(d: &Data) -> Option<Check> {
    let mut worst = (0u64, String::new());
    for r in d.rows.iter().filter(|r| r.process != SYSTEM) {
        let (Some(a), Some(b), Some(c), Some(e)) =
            (r.minflt, r.rusage_minflt, r.majflt, r.rusage_majflt)
        else {
            continue;
        };
        let diff = a.abs_diff(b).max(c.abs_diff(e));
        if diff >= worst.0 {
            worst = (diff, format!("{} {}", r.stage, r.process));
        }
    }
    // wait4 reports the child's whole life: at least its last own reading,
    // and only the few faults of its exit path more.
    let last = d.row(AFTER_ACCESS, "child")?;
    let (lmin, lmaj) = (last.rusage_minflt?, last.rusage_majflt?);
    let (wmin, wmaj) = (d.m.child_wait4_minflt?, d.m.child_wait4_majflt?);
    let w_ok =
        wmin >= lmin && wmin <= lmin + AGREE_SLACK && wmaj >= lmaj && wmaj <= lmaj + AGREE_SLACK;
    let gap = worst.0.max(wmin.abs_diff(lmin)).max(wmaj.abs_diff(lmaj));
    Some(
        Check::new(
            "getrusage_agrees_with_proc",
            "getrusage(RUSAGE_SELF), /proc/PID/stat and wait4 read the same per-process fault counters",
            format!(
                "every stage: |getrusage − /proc| ≤ {AGREE_SLACK} faults; wait4 ≥ the child's last getrusage (+ ≤ {AGREE_SLACK})"
            ),
            format!(
                "largest difference {} at {}; child getrusage {lmin} / wait4 {wmin} minor faults",
                worst.0, worst.1
            ),
            worst.0 <= AGREE_SLACK && w_ok,
        )
        .value(gap as f64, "faults")
        .bounds(Some(0.0), Some(AGREE_SLACK as f64)),
    )
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
