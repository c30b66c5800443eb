//! The checks of `memlab oom`: a pure function of the recorded rows (the
//! virtual child at ENOMEM; the physical child's samples and several
//! readings of system memory before it starts and after its group is
//! removed), the params and the measurements (errno, exit statuses, the
//! group's OOM counters). No /proc, no clocks.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::experiments::{Judgement, Recorded};
use crate::i18n::{Lang, tr_in};
use crate::report::Check;
use crate::units::human_bytes;
use crate::verdict::{SystemEffect, judge_system, spread};

/// The OOM kill should come when the group's charge reaches the limit; the
/// child's own count of touched bytes can fall short of it by what else is
/// charged to the group (page tables, its stack, kernel memory on v1), and
/// lead it by one step. Accept 75%..105% of the limit.
pub const KILLED_AT_LOW: f64 = 0.75;
pub const KILLED_AT_HIGH: f64 = 1.05;
/// The virtual child maps 1 MiB at a time: ENOMEM comes within one chunk
/// below its RLIMIT_AS.
pub const CHUNK_KIB: u64 = super::child::CHUNK / 1024;
/// errno's value for ENOMEM (the same on every Linux architecture).
pub const ENOMEM: i32 = libc::ENOMEM;

/// One row: an event of a part (`enomem`; `before`, `sample`, `ended`,
/// `after`), with the figures it has.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub t_s: f64,
    pub part: String,
    pub event: String,
    pub vsz_kib: Option<u64>,
    pub rss_kib: Option<u64>,
    pub reserved_kib: Option<u64>,
    pub touched_kib: Option<u64>,
    pub cgroup_usage_kib: Option<u64>,
    pub oom_score: Option<u64>,
    pub mem_used_kib: Option<u64>,
    pub mem_used_adj_kib: Option<u64>,
    pub mem_available_kib: Option<u64>,
    pub anon_pages_kib: Option<u64>,
    pub cached_kib: Option<u64>,
    /// memlab's own process (PSS without the file-backed part).
    pub own_kib: Option<u64>,
    /// AnonPages + Cached − own_kib: what other processes hold.
    pub others_kib: Option<i64>,
    pub outcome: String,
}

/// The options the run had.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Params {
    pub part: String,
    pub limit_bytes: u64,
    pub as_headroom_bytes: u64,
    pub rate_bytes_per_s: Option<u64>,
    pub rate_max: bool,
    pub interval_s: f64,
}

/// What the run measured besides the rows. The virtual figures are there
/// when the virtual part ran, the physical ones when its child ran.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Measurements {
    pub virtual_as_limit_bytes: Option<u64>,
    pub virtual_reserved_bytes: Option<u64>,
    pub virtual_vsz_at_enomem_kib: Option<u64>,
    pub virtual_rss_at_enomem_kib: Option<u64>,
    pub virtual_errno: Option<i32>,
    pub virtual_exit_code: Option<i32>,
    pub virtual_signal: Option<String>,
    pub physical_exit_code: Option<i32>,
    pub physical_signal: Option<String>,
    #[serde(default)]
    pub physical_timed_out: bool,
    pub physical_touched_bytes: Option<u64>,
    pub physical_maxrss_kib: Option<u64>,
    pub cgroup_version: Option<String>,
    pub cgroup_dir: Option<String>,
    pub oom_kill_before: Option<u64>,
    pub oom_kill_after: Option<u64>,
    pub cgroup_limit_hits: Option<u64>,
    pub cgroup_peak_bytes: Option<u64>,
    pub cgroup_usage_at_end_bytes: Option<u64>,
    pub cgroup_removed: Option<bool>,
    pub oom_score: Option<u64>,
    pub oom_score_adj: Option<i64>,
    pub swap_limited: Option<bool>,
    /// How well the sampler kept its deadlines (shown in the summary).
    #[serde(default)]
    pub sampler: serde_json::Map<String, serde_json::Value>,
}

/// The checks, from what was recorded.
pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let p: Params = rec.params_as()?;
    let m: Measurements = rec.measurements_as()?;
    let rows: Vec<Row> = rec.rows_as()?;
    let mut j = Judgement::default();
    j.summary("panic_on_oom", rec.meta.panic_on_oom);
    j.summary("overcommit_memory", rec.meta.overcommit_memory);
    summarize(&p, &m, &rows, &mut j);
    if let Some(errno) = m.virtual_errno {
        judge_virtual(&m, errno, &mut j);
    }
    if let Some(touched) = m.physical_touched_bytes {
        judge_physical(&p, &m, touched, &mut j);
    }
    if let Some(removed) = m.cgroup_removed {
        j.check(Check::new(
            "cgroup_removed",
            "the experiment leaves no cgroup behind",
            tr_in(
                Lang::En,
                "why.oom.group_removed",
                &[("dir", m.cgroup_dir.as_deref().unwrap_or("-"))],
            ),
            tr_in(
                Lang::En,
                if removed {
                    "why.oom.group_gone"
                } else {
                    "why.oom.group_still_there"
                },
                &[],
            ),
            removed,
        ));
    }
    if let Some(c) = memory_returned(&p, &rows) {
        j.check(c);
    }
    Ok(j)
}

fn summarize(p: &Params, m: &Measurements, rows: &[Row], j: &mut Judgement) {
    if let Some(e) = m.virtual_errno {
        j.summary("virtual_as_limit_bytes", m.virtual_as_limit_bytes);
        j.summary("virtual_reserved_bytes", m.virtual_reserved_bytes);
        j.summary("virtual_vsz_at_enomem_kib", m.virtual_vsz_at_enomem_kib);
        j.summary("virtual_rss_at_enomem_kib", m.virtual_rss_at_enomem_kib);
        j.summary("virtual_errno", errno_name(e));
        j.summary("virtual_exit_code", m.virtual_exit_code);
        j.summary("virtual_signal", m.virtual_signal.clone());
    }
    let Some(touched) = m.physical_touched_bytes else {
        return;
    };
    j.summary("physical_limit_bytes", p.limit_bytes);
    j.summary("swap_limited", m.swap_limited);
    for (k, v) in &m.sampler {
        j.summary(k, v);
    }
    j.summary("cgroup_version", m.cgroup_version.clone());
    j.summary("cgroup_dir", m.cgroup_dir.clone());
    j.summary("physical_signal", m.physical_signal.clone());
    j.summary("physical_exit_code", m.physical_exit_code);
    j.summary("oom_kill_count", oom_kills(m));
    j.summary("oom_kill_source", kill_source(m));
    j.summary("cgroup_limit_hits", m.cgroup_limit_hits);
    let samples = rows.iter().filter(|r| r.event == "sample");
    j.summary(
        "physical_peak_rss_kib",
        samples.clone().filter_map(|r| r.rss_kib).max(),
    );
    j.summary(
        "physical_last_rss_kib",
        samples.clone().filter_map(|r| r.rss_kib).next_back(),
    );
    j.summary("physical_maxrss_kib", m.physical_maxrss_kib);
    j.summary("physical_touched_kib", touched / 1024);
    j.summary("cgroup_peak_kib", m.cgroup_peak_bytes.map(|b| b / 1024));
    j.summary(
        "cgroup_usage_at_end_kib",
        m.cgroup_usage_at_end_bytes.map(|b| b / 1024),
    );
    j.summary("oom_score", m.oom_score);
    j.summary("oom_score_adj", m.oom_score_adj);
    j.summary("cgroup_removed", m.cgroup_removed);
    let first = |ev: &str| rows.iter().find(|r| r.event == ev);
    let last = |ev: &str| rows.iter().rev().find(|r| r.event == ev);
    j.summary(
        "mem_available_before_kib",
        first("before").and_then(|r| r.mem_available_kib),
    );
    j.summary(
        "mem_available_after_kib",
        last("after").and_then(|r| r.mem_available_kib),
    );
    let used = |r: &Row| r.mem_used_adj_kib.map(|v| v as f64);
    j.summary("mem_used_adj_before_kib", median_of(rows, "before", used));
    j.summary("mem_used_adj_after_kib", median_of(rows, "after", used));
}

/// Where the OOM-kill count comes from.
fn kill_source(m: &Measurements) -> &'static str {
    match (m.oom_kill_after, m.cgroup_version.as_deref()) {
        (None, _) => "absent (kernel before 4.13): memory.failcnt instead",
        (_, Some("v1")) => "memory.oom_control oom_kill",
        _ => "memory.events oom_kill",
    }
}

pub fn errno_name(e: i32) -> String {
    match e {
        0 => "no error".into(),
        libc::ENOMEM => "ENOMEM".into(),
        libc::EAGAIN => "EAGAIN".into(),
        libc::EPERM => "EPERM".into(),
        libc::EINVAL => "EINVAL".into(),
        other => format!("errno {other}"),
    }
}

/// OOM kills in the group during the run, when the kernel counts them.
pub fn oom_kills(m: &Measurements) -> Option<u64> {
    Some(
        m.oom_kill_after?
            .saturating_sub(m.oom_kill_before.unwrap_or(0)),
    )
}

fn ending(signal: Option<&str>, code: Option<i32>) -> String {
    match (signal, code) {
        (Some(s), _) => tr_in(Lang::En, "why.oom.killed_by", &[("signal", s)]),
        (None, Some(0)) => tr_in(Lang::En, "why.oom.exit_finished", &[]),
        (None, Some(c)) => format!("exit {c} ({})", super::child::exit_meaning(c)),
        _ => "ended".into(),
    }
}

fn judge_virtual(m: &Measurements, errno: i32, j: &mut Judgement) {
    let name = errno_name(errno);
    j.check(
        Check::new(
            "virtual_mmap_fails_with_enomem",
            "when virtual memory runs out, the allocation fails (mmap returns ENOMEM)",
            "ENOMEM",
            name,
            errno == ENOMEM,
        )
        .value(errno as f64, "errno")
        .bounds(Some(ENOMEM as f64), Some(ENOMEM as f64)),
    );
    let claim = "the failure comes where the address space reaches its limit";
    let limit_kib = m.virtual_as_limit_bytes.unwrap_or(0) / 1024;
    match m.virtual_vsz_at_enomem_kib {
        Some(vsz) => j.check(
            Check::new(
                "virtual_enomem_at_the_limit",
                claim,
                format!(
                    "VSZ within {} below the {} limit",
                    human_bytes(CHUNK_KIB * 1024),
                    human_bytes(limit_kib * 1024)
                ),
                format!(
                    "VSZ {} ({} below)",
                    human_bytes(vsz * 1024),
                    human_bytes(limit_kib.saturating_sub(vsz) * 1024)
                ),
                vsz <= limit_kib && limit_kib - vsz < CHUNK_KIB,
            )
            .value(vsz as f64, "KiB")
            .bounds(
                Some(limit_kib.saturating_sub(CHUNK_KIB) as f64),
                Some(limit_kib as f64),
            ),
        ),
        None => j.check(Check::inconclusive(
            "virtual_enomem_at_the_limit",
            claim,
            tr_in(Lang::En, "why.oom.vsz_within_chunk", &[]),
            tr_in(Lang::En, "why.oom.vsz_unread", &[]),
        )),
    }
    let survived = m.virtual_signal.is_none() && m.virtual_exit_code == Some(0);
    j.check(Check::new(
        "virtual_child_survives",
        "running out of virtual memory is an error the process sees, not a kill",
        tr_in(Lang::En, "why.oom.survive_expected", &[]),
        ending(m.virtual_signal.as_deref(), m.virtual_exit_code),
        survived,
    ));
}

fn judge_physical(p: &Params, m: &Measurements, touched: u64, j: &mut Judgement) {
    let limit = p.limit_bytes;
    let outcome = if m.physical_timed_out {
        tr_in(Lang::En, "why.oom.timed_out", &[])
    } else {
        ending(m.physical_signal.as_deref(), m.physical_exit_code)
    };
    let sigkill = !m.physical_timed_out && m.physical_signal.as_deref() == Some("SIGKILL");
    j.check(Check::new(
        "physical_child_killed_by_sigkill",
        "when physical memory runs out, the OOM killer ends a process (SIGKILL)",
        "SIGKILL",
        outcome,
        sigkill,
    ));
    let frac = touched as f64 / limit.max(1) as f64;
    j.check(
        Check::new(
            "physical_killed_at_the_limit",
            "the kill comes when the memory the process holds reaches what there is (here: the cgroup's limit)",
            format!(
                "touched {:.0}%..{:.0}% of {} when killed",
                KILLED_AT_LOW * 100.0,
                KILLED_AT_HIGH * 100.0,
                human_bytes(limit)
            ),
            format!(
                "touched {} ({:.0}%), group peak {}",
                human_bytes(touched),
                frac * 100.0,
                m.cgroup_peak_bytes.map(human_bytes).unwrap_or_else(|| "unknown".into())
            ),
            sigkill && (KILLED_AT_LOW..=KILLED_AT_HIGH).contains(&frac),
        )
        .value((touched / 1024) as f64, "KiB")
        .bounds(
            Some((limit as f64 * KILLED_AT_LOW / 1024.0).round()),
            Some((limit as f64 * KILLED_AT_HIGH / 1024.0).round()),
        ),
    );
    let source = kill_source(m);
    match oom_kills(m) {
        Some(n) => j.check(
            Check::new(
                "oom_kill_counted",
                "the kernel records the OOM kill",
                format!("{source} ≥ 1"),
                n.to_string(),
                n >= 1,
            )
            .value(n as f64, "count")
            .bounds(Some(1.0), None),
        ),
        None => j.check(Check::inconclusive(
            "oom_kill_counted",
            "the kernel records the OOM kill",
            "oom_kill ≥ 1",
            tr_in(
                Lang::En,
                "why.oom.no_kill_counter",
                &[(
                    "failcnt",
                    &m.cgroup_limit_hits
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "?".into()),
                )],
            ),
        )),
    }
}

/// Median of the readings of `ev` (`before` or `after`) of a field.
fn median_of(rows: &[Row], ev: &str, f: impl Fn(&Row) -> Option<f64>) -> Option<f64> {
    let mut v: Vec<f64> = rows
        .iter()
        .filter(|r| r.event == ev)
        .filter_map(&f)
        .collect();
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

/// The killed child's memory comes back: system used after the group is
/// removed is where it was before the child started. Judged with
/// [`judge_system`]: background from the readings before and after, the
/// other-processes signal across the run, the effect the limit.
fn memory_returned(p: &Params, rows: &[Row]) -> Option<Check> {
    let used = |r: &Row| r.mem_used_adj_kib.map(|v| v as f64);
    let others = |r: &Row| r.others_kib.map(|v| v as f64);
    let (u0, u1) = (
        median_of(rows, "before", used)?,
        median_of(rows, "after", used)?,
    );
    let (o0, o1) = (
        median_of(rows, "before", others).unwrap_or(0.0),
        median_of(rows, "after", others).unwrap_or(0.0),
    );
    let bg = |ev: &str| spread(rows.iter().filter(|r| r.event == ev).filter_map(used));
    let e = SystemEffect {
        expected_kib: 0.0,
        measured_kib: u1 - u0,
        effect_kib: (p.limit_bytes / 1024) as f64,
        tolerance_kib: 0.0,
        background_kib: bg("before").max(bg("after")),
        others_kib: o1 - o0,
    };
    let (verdict, why) = judge_system(&e);
    let allowed = e.allowed_kib();
    let mut measured = format!(
        "system used (adjusted) {:+.1} MiB; other processes {:+.1} MiB; background ±{:.1} MiB",
        e.measured_kib / 1024.0,
        e.others_kib / 1024.0,
        e.background_kib / 1024.0
    );
    if !why.is_empty() {
        measured.push_str(&format!(": {why}"));
    }
    Some(
        Check::with_verdict(
            "memory_returned",
            "the killed process's memory is freed: the system gets it back",
            format!(
                "system used (adjusted) back where it was before the child: 0 ± max({}× background, {:.1} MiB)",
                crate::verdict::K,
                crate::verdict::FLOOR_KIB / 1024.0
            ),
            measured,
            verdict,
        )
        .value(e.measured_kib.round(), "KiB")
        .bounds(Some(-allowed), Some(allowed))
        .noise(e.background_kib)
        .window("before the child → after the group is removed")
        .arg("others_kib", e.others_kib),
    )
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
