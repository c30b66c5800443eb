//! Fixed-data tests: every check of oom on rows and measurements where its
//! claim holds, where it does not, and (where it can be) where the host
//! hides it.

use super::*;
use crate::probe::host::Meta;
use crate::report::{Report, Verdict};

const LIMIT: u64 = 64 << 20;
const USED0: u64 = 2_000_000;

struct Fixture {
    params: Params,
    m: Measurements,
    rows: Vec<Row>,
}

fn reading(event: &str, used: u64, others: i64) -> Row {
    Row {
        part: "physical".into(),
        event: event.into(),
        mem_used_kib: Some(used + 10),
        mem_used_adj_kib: Some(used),
        mem_available_kib: Some(4_000_000 - used),
        own_kib: Some(3000),
        others_kib: Some(others),
        ..Row::default()
    }
}

impl Fixture {
    /// `memlab oom --limit 64M` on a quiet host where every claim is true.
    fn quiet_true() -> Fixture {
        let mut rows = vec![Row {
            part: "virtual".into(),
            event: "enomem".into(),
            vsz_kib: Some(270_000),
            reserved_kib: Some(262_144),
            outcome: "ENOMEM; survived".into(),
            ..Row::default()
        }];
        for k in 0..9u64 {
            rows.push(reading("before", USED0 + (k % 3) * 100, 700_000));
        }
        for k in 1..=8u64 {
            rows.push(Row {
                part: "physical".into(),
                event: "sample".into(),
                rss_kib: Some(k * 8192),
                touched_kib: Some(k * 8192),
                ..Row::default()
            });
        }
        rows.push(Row {
            part: "physical".into(),
            event: "ended".into(),
            touched_kib: Some(65_280),
            outcome: "killed by SIGKILL".into(),
            ..Row::default()
        });
        for k in 0..9u64 {
            rows.push(reading("after", USED0 + 300 + (k % 2) * 100, 700_100));
        }
        Fixture {
            params: Params {
                part: "both".into(),
                limit_bytes: LIMIT,
                as_headroom_bytes: 256 << 20,
                rate_bytes_per_s: Some(128 << 20),
                rate_max: false,
                interval_s: 0.01,
            },
            m: Measurements {
                virtual_as_limit_bytes: Some(270_500 * 1024),
                virtual_reserved_bytes: Some(256 << 20),
                virtual_vsz_at_enomem_kib: Some(270_000),
                virtual_rss_at_enomem_kib: Some(3000),
                virtual_errno: Some(ENOMEM),
                virtual_exit_code: Some(0),
                virtual_signal: None,
                physical_exit_code: None,
                physical_signal: Some("SIGKILL".into()),
                physical_timed_out: false,
                physical_touched_bytes: Some(65_280 * 1024),
                physical_maxrss_kib: Some(65_000),
                cgroup_version: Some("v1".into()),
                cgroup_dir: Some("/sys/fs/cgroup/memory/memlab-oom-1".into()),
                oom_kill_before: Some(0),
                oom_kill_after: Some(1),
                cgroup_limit_hits: Some(300),
                cgroup_peak_bytes: Some(LIMIT),
                cgroup_usage_at_end_bytes: Some(0),
                cgroup_removed: Some(true),
                oom_score: Some(1990),
                oom_score_adj: Some(1000),
                swap_limited: Some(true),
                sampler: serde_json::Map::new(),
            },
            rows,
        }
    }

    fn shift_after(mut self, used: i64, others: i64) -> Fixture {
        for r in self.rows.iter_mut().filter(|r| r.event == "after") {
            r.mem_used_adj_kib = r.mem_used_adj_kib.map(|v| (v as i64 + used) as u64);
            r.others_kib = r.others_kib.map(|v| v + others);
        }
        self
    }

    fn judge(&self) -> Judgement {
        crate::experiments::fixture::Fixture::new(crate::experiments::oom::INFO.name)
            .params(&self.params)
            .measurements(&self.m)
            .rows(&self.rows)
            .judge(judge)
    }

    fn verdict(&self, name: &str) -> Verdict {
        let j = self.judge();
        j.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no check {name}"))
            .verdict
    }
}

#[test]
fn quiet_rows_where_every_claim_is_true_all_hold() {
    let j = Fixture::quiet_true().judge();
    let names: Vec<&str> = j.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "virtual_mmap_fails_with_enomem",
            "virtual_enomem_at_the_limit",
            "virtual_child_survives",
            "physical_child_killed_by_sigkill",
            "physical_killed_at_the_limit",
            "oom_kill_counted",
            "cgroup_removed",
            "memory_returned"
        ]
    );
    for c in &j.checks {
        assert_eq!(c.verdict, Verdict::Holds, "{}: {}", c.name, c.measured);
    }
    assert_eq!(j.summary["virtual_errno"], "ENOMEM");
    assert_eq!(j.summary["oom_kill_count"], 1);
    assert_eq!(j.summary["physical_touched_kib"], 65_280);
}

#[test]
fn virtual_checks_fail_on_another_errno_far_from_the_limit_or_a_kill() {
    let mut f = Fixture::quiet_true();
    f.m.virtual_errno = Some(libc::EPERM);
    f.m.virtual_vsz_at_enomem_kib = Some(100_000);
    f.m.virtual_signal = Some("SIGSEGV".into());
    assert_eq!(f.verdict("virtual_mmap_fails_with_enomem"), Verdict::Fails);
    assert_eq!(f.verdict("virtual_enomem_at_the_limit"), Verdict::Fails);
    assert_eq!(f.verdict("virtual_child_survives"), Verdict::Fails);
    f.m.virtual_vsz_at_enomem_kib = None;
    assert_eq!(
        f.verdict("virtual_enomem_at_the_limit"),
        Verdict::Inconclusive
    );
}

#[test]
fn physical_checks_fail_without_a_kill_or_far_from_the_limit() {
    let mut f = Fixture::quiet_true();
    f.m.physical_signal = None;
    f.m.physical_exit_code = Some(12);
    assert_eq!(
        f.verdict("physical_child_killed_by_sigkill"),
        Verdict::Fails
    );
    assert_eq!(f.verdict("physical_killed_at_the_limit"), Verdict::Fails);
    let c = f
        .judge()
        .checks
        .into_iter()
        .find(|c| c.name == "physical_child_killed_by_sigkill")
        .unwrap();
    assert_eq!(c.measured, "exit 12 (could not map its memory)");
    let mut f = Fixture::quiet_true();
    f.m.physical_touched_bytes = Some(LIMIT / 4);
    assert_eq!(f.verdict("physical_killed_at_the_limit"), Verdict::Fails);
    let mut f = Fixture::quiet_true();
    f.m.physical_timed_out = true;
    assert_eq!(
        f.verdict("physical_child_killed_by_sigkill"),
        Verdict::Fails
    );
}

#[test]
fn missing_figures_say_why_in_japanese() {
    use crate::experiments::fixture::assert_japanese_reason;
    let mut f = Fixture::quiet_true();
    f.m.virtual_vsz_at_enomem_kib = None;
    f.m.oom_kill_after = None;
    let j = f.judge();
    let line = assert_japanese_reason(&j, "virtual_enomem_at_the_limit", "VSZ を読めませんでした");
    assert!(line.contains("1チャンク以内"), "{line}");
    let c = j
        .checks
        .iter()
        .find(|c| c.name == "virtual_enomem_at_the_limit")
        .unwrap();
    assert_eq!(c.measured, "the child's VSZ could not be read at ENOMEM");
    assert_eq!(c.expected, "VSZ within one chunk of the limit");
    let line = assert_japanese_reason(&j, "oom_kill_counted", "oom_kill カウンタがありません");
    assert!(line.contains("memory.failcnt は"), "{line}");
    let c = j
        .checks
        .iter()
        .find(|c| c.name == "virtual_child_survives")
        .unwrap();
    assert_eq!(c.measured, "exit 0 (finished normally)");
    let line = crate::output::checktext::measured(c, crate::i18n::Lang::Ja);
    assert!(
        line.contains("exit 0（正常に終了）") && line.contains("ENOMEM の後に"),
        "{line}"
    );
}

#[test]
fn oom_kill_counter_holds_fails_or_is_missing() {
    let mut f = Fixture::quiet_true();
    f.m.oom_kill_after = Some(0);
    assert_eq!(f.verdict("oom_kill_counted"), Verdict::Fails);
    f.m.oom_kill_after = None;
    assert_eq!(f.verdict("oom_kill_counted"), Verdict::Inconclusive);
}

#[test]
fn a_group_left_behind_fails() {
    let mut f = Fixture::quiet_true();
    f.m.cgroup_removed = Some(false);
    assert_eq!(f.verdict("cgroup_removed"), Verdict::Fails);
}

#[test]
fn the_kill_and_the_group_read_in_japanese() {
    use crate::i18n::{Lang, localize_in};
    for removed in [true, false] {
        let mut f = Fixture::quiet_true();
        f.m.cgroup_removed = Some(removed);
        let j = f.judge();
        let find = |n: &str| j.checks.iter().find(|c| c.name == n).unwrap().clone();
        let g = find("cgroup_removed");
        let ja = localize_in(Lang::Ja, &g.measured);
        assert!(ja.contains("グループ") && !ja.contains("group"), "{ja}");
        assert!(localize_in(Lang::Ja, &g.expected).contains("もう存在しない"));
        let k = find("physical_child_killed_by_sigkill");
        assert_eq!(k.measured, "killed by SIGKILL", "the data stays English");
        let line = crate::output::checktext::measured(&k, Lang::Ja);
        assert!(line.contains("SIGKILL で強制終了された"), "{line}");
    }
}

#[test]
fn memory_not_returned_fails_unless_other_processes_explain_it() {
    // The child's 64 MiB stayed in use, and nothing else moved.
    let f = Fixture::quiet_true().shift_after(65_536, 0);
    assert_eq!(f.verdict("memory_returned"), Verdict::Fails);
    // Another process grew by as much meanwhile.
    let f = Fixture::quiet_true().shift_after(65_536, 66_000);
    assert_eq!(f.verdict("memory_returned"), Verdict::Inconclusive);
    // A fall nobody explains is no more a pass than a rise.
    let f = Fixture::quiet_true().shift_after(-65_536, 0);
    assert_eq!(f.verdict("memory_returned"), Verdict::Fails);
}

#[test]
fn a_noisy_background_hides_the_return() {
    let mut f = Fixture::quiet_true();
    for (k, r) in f
        .rows
        .iter_mut()
        .filter(|r| r.event == "before")
        .enumerate()
    {
        r.mem_used_adj_kib = Some(USED0 + (k as u64 % 2) * 20_000);
    }
    assert_eq!(f.verdict("memory_returned"), Verdict::Inconclusive);
}

#[test]
fn a_virtual_only_run_has_only_the_virtual_checks() {
    let mut f = Fixture::quiet_true();
    f.params.part = "virtual".into();
    f.rows.retain(|r| r.part == "virtual");
    f.m = Measurements {
        virtual_errno: f.m.virtual_errno,
        virtual_as_limit_bytes: f.m.virtual_as_limit_bytes,
        virtual_vsz_at_enomem_kib: f.m.virtual_vsz_at_enomem_kib,
        virtual_exit_code: Some(0),
        ..Measurements::default()
    };
    let j = f.judge();
    assert_eq!(j.checks.len(), 3);
    assert!(j.checks.iter().all(|c| c.verdict == Verdict::Holds));
}

#[test]
fn params_without_the_limit_are_a_usage_error() {
    let mut r = Report::new("oom", &Meta::default());
    r.param("part", "both");
    assert!(judge(&Recorded::of(&r)).is_err());
}
