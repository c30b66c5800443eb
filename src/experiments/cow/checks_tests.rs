//! Fixed-data tests: every check of cow on rows where its claim holds, where
//! it does not, and (where it can be) where the host hides it.

use super::*;
use crate::probe::host::Meta;
use crate::report::{Report, Verdict};

const SIZE_KIB: u64 = 102_400;
const PAGES: u64 = 25_600;
const USED0: u64 = 1_000_000;
const OTHERS0: i64 = 500_000;

/// A run of `memlab cow --size 100M` (private write) on a quiet host where
/// every claim is true.
struct Fixture {
    params: Params,
    m: Measurements,
    rows: Vec<Row>,
}

fn proc_row(
    stage: &str,
    process: &str,
    rss: u64,
    pss_own: u64,
    shared: u64,
    private: u64,
    flt: u64,
) -> Row {
    Row {
        stage: stage.into(),
        process: process.into(),
        pid: Some(if process == "parent" { 100 } else { 101 }),
        vsz_kib: Some(SIZE_KIB + 4000),
        rss_kib: Some(rss),
        pss_kib: Some(pss_own + 300),
        pss_own_kib: Some(pss_own),
        shared_kib: Some(shared),
        private_kib: Some(private),
        anon_huge_kib: Some(0),
        minflt: Some(flt),
        majflt: Some(0),
        rusage_minflt: Some(flt + 1),
        rusage_majflt: Some(0),
        ..Row::default()
    }
}

fn sys_row(stage: &str, used: u64, own: u64, others: i64) -> Row {
    Row {
        stage: stage.into(),
        process: SYSTEM.into(),
        mem_used_kib: used + 100,
        mem_used_adj_kib: used,
        own_kib: own,
        others_kib: others,
        anon_pages_kib: (others + own as i64) as u64,
        ..Row::default()
    }
}

impl Fixture {
    fn quiet_true() -> Fixture {
        let mut rows = vec![proc_row(
            BEFORE_FORK,
            "parent",
            SIZE_KIB + 2000,
            SIZE_KIB + 500,
            1500,
            SIZE_KIB + 500,
            26_000,
        )];
        let stages: [(&str, u64, u64); 4] = [
            (BEFORE_FORK, USED0, SIZE_KIB + 500),
            (AFTER_FORK, USED0 + 250, SIZE_KIB + 900),
            (AFTER_ACCESS, USED0 + 250 + SIZE_KIB, 2 * SIZE_KIB + 900),
            (AFTER_EXIT, USED0 + 50, SIZE_KIB + 500),
        ];
        rows.push(proc_row(
            AFTER_FORK,
            "parent",
            SIZE_KIB + 2000,
            SIZE_KIB / 2 + 500,
            SIZE_KIB + 1500,
            500,
            26_010,
        ));
        rows.push(proc_row(
            AFTER_FORK,
            "child",
            SIZE_KIB + 1000,
            SIZE_KIB / 2 + 400,
            SIZE_KIB + 1000,
            0,
            40,
        ));
        rows.push(proc_row(
            AFTER_ACCESS,
            "parent",
            SIZE_KIB + 2000,
            SIZE_KIB + 500,
            1500,
            SIZE_KIB + 500,
            26_020,
        ));
        rows.push(proc_row(
            AFTER_ACCESS,
            "child",
            SIZE_KIB + 1000,
            SIZE_KIB + 400,
            1000,
            SIZE_KIB,
            25_650,
        ));
        rows.push(proc_row(
            AFTER_EXIT,
            "parent",
            SIZE_KIB + 2000,
            SIZE_KIB + 500,
            1500,
            SIZE_KIB + 500,
            26_030,
        ));
        for (stage, used, own) in stages {
            for k in 0..5u64 {
                rows.push(sys_row(
                    stage,
                    used + (k % 3) * 40,
                    own,
                    OTHERS0 + (k as i64 % 2) * 30,
                ));
            }
        }
        Fixture {
            params: Params {
                size_bytes: SIZE_KIB * 1024,
                access: "write".into(),
                shared: false,
                thp: false,
            },
            m: Measurements {
                page_size_bytes: 4096,
                fork_us: Some(900.0),
                parent_touch_faults: Some(PAGES + 3),
                child_access_minflt: Some(PAGES + 2),
                child_access_majflt: Some(0),
                child_wait4_minflt: Some(25_655),
                child_wait4_majflt: Some(0),
                parent_pages_with_child_value: Some(0),
            },
            rows,
        }
    }

    /// Change every reading of system memory at `stage`.
    fn shift(mut self, stage: &str, used: i64, others: i64) -> Fixture {
        for r in self
            .rows
            .iter_mut()
            .filter(|r| r.stage == stage && r.process == SYSTEM)
        {
            r.mem_used_adj_kib = (r.mem_used_adj_kib as i64 + used) as u64;
            r.others_kib += others;
        }
        self
    }

    fn judge(&self) -> Judgement {
        crate::experiments::fixture::Fixture::new(crate::experiments::cow::INFO.name)
            .params(&self.params)
            .measurements(&self.m)
            .rows(&self.rows)
            .judge(judge)
    }

    fn verdict(&self, name: &str) -> Verdict {
        let j = self.judge();
        let c = j.checks.iter().find(|c| c.name == name).unwrap_or_else(|| {
            panic!(
                "no check {name} in {:?}",
                j.checks.iter().map(|c| &c.name).collect::<Vec<_>>()
            )
        });
        c.verdict
    }
}

#[test]
fn quiet_rows_where_every_claim_is_true_all_hold() {
    let j = Fixture::quiet_true().judge();
    assert_eq!(j.checks.len(), 8);
    for c in &j.checks {
        assert_eq!(c.verdict, Verdict::Holds, "{}: {}", c.name, c.measured);
    }
    assert_eq!(j.summary["fork_used_growth_kib"], 250.0);
    assert_eq!(j.summary["copied_kib"], SIZE_KIB as f64);
}

#[test]
fn fork_that_frees_memory_nobody_explains_fails() {
    // The −48.5 MiB seen at fork: fork cannot free memory.
    let f = Fixture::quiet_true()
        .shift(AFTER_FORK, -49_664, 0)
        .shift(AFTER_ACCESS, -49_664, 0)
        .shift(AFTER_EXIT, -49_664, 0);
    assert_eq!(f.verdict("fork_copies_no_data"), Verdict::Fails);
}

#[test]
fn fork_fall_explained_by_other_processes_is_inconclusive() {
    let f = Fixture::quiet_true()
        .shift(AFTER_FORK, -49_664, -50_000)
        .shift(AFTER_ACCESS, -49_664, -50_000)
        .shift(AFTER_EXIT, -49_664, -50_000);
    assert_eq!(f.verdict("fork_copies_no_data"), Verdict::Inconclusive);
}

#[test]
fn fork_that_copies_the_region_fails() {
    let mut f = Fixture::quiet_true()
        .shift(AFTER_FORK, SIZE_KIB as i64, 0)
        .shift(AFTER_ACCESS, SIZE_KIB as i64, 0);
    // Each process now holds its own copy: their PSS sum doubled.
    for r in f
        .rows
        .iter_mut()
        .filter(|r| r.stage == AFTER_FORK && r.process != SYSTEM)
    {
        r.pss_own_kib = Some(SIZE_KIB + 500);
    }
    assert_eq!(f.verdict("fork_copies_no_data"), Verdict::Fails);
}

#[test]
fn a_noisy_background_hides_fork_and_copies() {
    let mut f = Fixture::quiet_true();
    // Readings before fork swing by 30 MiB: 4 × 30 MiB hides a 100 MiB effect.
    for (k, r) in f
        .rows
        .iter_mut()
        .filter(|r| r.stage == BEFORE_FORK && r.process == SYSTEM)
        .enumerate()
    {
        r.mem_used_adj_kib = USED0 + (k as u64 % 2) * 30_000;
    }
    assert_eq!(f.verdict("fork_copies_no_data"), Verdict::Inconclusive);
    assert_eq!(f.verdict("writes_grow_used_by_size"), Verdict::Inconclusive);
}

#[test]
fn writes_that_do_not_grow_used_fail_unless_others_freed_memory() {
    let f = Fixture::quiet_true()
        .shift(AFTER_ACCESS, -(SIZE_KIB as i64), 0)
        .shift(AFTER_EXIT, -(SIZE_KIB as i64), 0);
    assert_eq!(f.verdict("writes_grow_used_by_size"), Verdict::Fails);
    let f = Fixture::quiet_true()
        .shift(AFTER_ACCESS, -(SIZE_KIB as i64), -(SIZE_KIB as i64))
        .shift(AFTER_EXIT, -(SIZE_KIB as i64), -(SIZE_KIB as i64));
    assert_eq!(f.verdict("writes_grow_used_by_size"), Verdict::Inconclusive);
}

fn read_run() -> Fixture {
    let mut f = Fixture::quiet_true().shift(AFTER_ACCESS, -(SIZE_KIB as i64), 0);
    f.params.access = "read".into();
    f.m.child_access_minflt = Some(3);
    f.m.parent_pages_with_child_value = None;
    for r in f
        .rows
        .iter_mut()
        .filter(|r| r.stage == AFTER_ACCESS && r.process == "child")
    {
        r.private_kib = Some(10);
    }
    f
}

#[test]
fn read_access_adds_no_memory_and_no_faults() {
    let f = read_run();
    assert_eq!(f.verdict("read_adds_no_memory"), Verdict::Holds);
    assert_eq!(f.verdict("read_adds_no_faults"), Verdict::Holds);
    assert!(
        !f.judge()
            .checks
            .iter()
            .any(|c| c.name == "child_writes_stay_private")
    );
    // The child's own Private grew by SIZE: it copied, whatever the host did.
    let mut g = read_run();
    for r in g
        .rows
        .iter_mut()
        .filter(|r| r.stage == AFTER_ACCESS && r.process == "child")
    {
        r.private_kib = Some(SIZE_KIB);
    }
    assert_eq!(g.verdict("read_adds_no_memory"), Verdict::Fails);
    // System used grew by SIZE and no other process explains it.
    let g = read_run().shift(AFTER_ACCESS, SIZE_KIB as i64, 0);
    assert_eq!(g.verdict("read_adds_no_memory"), Verdict::Fails);
    let g = read_run().shift(AFTER_ACCESS, SIZE_KIB as i64, SIZE_KIB as i64);
    assert_eq!(g.verdict("read_adds_no_memory"), Verdict::Inconclusive);
    let mut g = read_run();
    g.m.child_access_minflt = Some(PAGES);
    assert_eq!(g.verdict("read_adds_no_faults"), Verdict::Fails);
}

fn shared_run() -> Fixture {
    let mut f = read_run();
    f.params.shared = true;
    f.params.access = "write".into();
    f.m.child_access_minflt = Some(PAGES);
    f.m.parent_pages_with_child_value = Some(PAGES);
    f
}

#[test]
fn shared_mapping_copies_nothing_and_parent_sees_the_writes() {
    let f = shared_run();
    assert_eq!(f.verdict("shared_copies_nothing"), Verdict::Holds);
    assert_eq!(f.verdict("shared_faults_only_map"), Verdict::Holds);
    assert_eq!(f.verdict("parent_sees_child_writes"), Verdict::Holds);
    let mut g = shared_run();
    g.m.parent_pages_with_child_value = Some(0);
    g.m.child_access_minflt = Some(3 * PAGES);
    assert_eq!(g.verdict("parent_sees_child_writes"), Verdict::Fails);
    assert_eq!(g.verdict("shared_faults_only_map"), Verdict::Fails);
    let g = shared_run().shift(AFTER_ACCESS, SIZE_KIB as i64, 0);
    assert_eq!(g.verdict("shared_copies_nothing"), Verdict::Fails);
}

#[test]
fn fault_counts_hold_near_one_per_page_and_fail_far_from_it() {
    let mut f = Fixture::quiet_true();
    f.m.parent_touch_faults = Some(PAGES / 2);
    f.m.child_access_minflt = Some(PAGES / 512);
    assert_eq!(f.verdict("touch_faults_once_per_page"), Verdict::Fails);
    assert_eq!(
        f.verdict("child_write_faults_once_per_page"),
        Verdict::Fails
    );
}

#[test]
fn thp_touch_faults_follow_anon_huge_pages() {
    let mut f = Fixture::quiet_true();
    f.params.thp = true;
    for r in f.rows.iter_mut().filter(|r| r.process == "parent") {
        r.anon_huge_kib = Some(SIZE_KIB);
    }
    f.m.parent_touch_faults = Some(50);
    assert_eq!(f.verdict("touch_faults_per_page_size"), Verdict::Holds);
    f.m.parent_touch_faults = Some(5);
    assert_eq!(f.verdict("touch_faults_per_page_size"), Verdict::Fails);
}

#[test]
fn rss_and_pss_hold_fail_and_are_inconclusive_without_smaps_rollup() {
    let f = Fixture::quiet_true();
    assert_eq!(f.verdict("rss_counts_shared_pages_in_both"), Verdict::Holds);
    assert_eq!(f.verdict("pss_splits_shared_pages"), Verdict::Holds);
    let mut g = Fixture::quiet_true();
    for r in g
        .rows
        .iter_mut()
        .filter(|r| r.stage == AFTER_FORK && r.process == "child")
    {
        r.shared_kib = Some(100);
        r.pss_kib = Some(r.rss_kib.unwrap());
    }
    assert_eq!(g.verdict("rss_counts_shared_pages_in_both"), Verdict::Fails);
    assert_eq!(g.verdict("pss_splits_shared_pages"), Verdict::Fails);
    let mut g = Fixture::quiet_true();
    for r in g.rows.iter_mut().filter(|r| r.process != SYSTEM) {
        (r.pss_kib, r.pss_own_kib, r.shared_kib, r.private_kib) = (None, None, None, None);
    }
    assert_eq!(
        g.verdict("rss_counts_shared_pages_in_both"),
        Verdict::Inconclusive
    );
    assert_eq!(g.verdict("pss_splits_shared_pages"), Verdict::Inconclusive);
}

#[test]
fn without_smaps_rollup_the_reason_is_shown_in_japanese() {
    let mut g = Fixture::quiet_true();
    for r in g.rows.iter_mut().filter(|r| r.process != SYSTEM) {
        (r.pss_kib, r.pss_own_kib, r.shared_kib, r.private_kib) = (None, None, None, None);
    }
    let j = g.judge();
    use crate::experiments::fixture::assert_japanese_reason;
    let line = assert_japanese_reason(
        &j,
        "rss_counts_shared_pages_in_both",
        "Shared はわかりません",
    );
    assert!(!line.contains("this kernel"), "{line}");
    assert_japanese_reason(&j, "pss_splits_shared_pages", "PSS はわかりません");
    let c = j
        .checks
        .iter()
        .find(|c| c.name == "pss_splits_shared_pages")
        .unwrap();
    assert_eq!(
        c.measured,
        "this kernel has no /proc/PID/smaps_rollup (Linux 4.14+): PSS is unknown"
    );
}

#[test]
fn child_values_tell_private_from_shared() {
    let mut f = Fixture::quiet_true();
    f.m.parent_pages_with_child_value = Some(PAGES);
    assert_eq!(f.verdict("child_writes_stay_private"), Verdict::Fails);
}

#[test]
fn getrusage_and_proc_agree_or_not() {
    let mut f = Fixture::quiet_true();
    f.m.child_wait4_minflt = Some(10);
    assert_eq!(f.verdict("getrusage_agrees_with_proc"), Verdict::Fails);
    let mut f = Fixture::quiet_true();
    f.rows[0].rusage_minflt = Some(f.rows[0].minflt.unwrap() + 500);
    assert_eq!(f.verdict("getrusage_agrees_with_proc"), Verdict::Fails);
}

#[test]
fn a_run_whose_child_died_is_judged_on_what_it_has() {
    let mut f = Fixture::quiet_true();
    f.rows
        .retain(|r| r.stage == BEFORE_FORK || r.stage == AFTER_FORK);
    f.m.child_access_minflt = None;
    f.m.child_wait4_minflt = None;
    f.m.parent_pages_with_child_value = None;
    let names: Vec<String> = f.judge().checks.into_iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "touch_faults_once_per_page",
            "fork_copies_no_data",
            "rss_counts_shared_pages_in_both",
            "pss_splits_shared_pages"
        ]
    );
}

#[test]
fn a_row_without_a_needed_field_is_a_usage_error() {
    let f = Fixture::quiet_true();
    let mut r = Report::new("cow", &Meta::default());
    for (k, v) in serde_json::to_value(&f.params)
        .unwrap()
        .as_object()
        .unwrap()
    {
        r.param(k, v);
    }
    r.measure("page_size_bytes", 4096);
    r.push_row(&serde_json::json!({"stage": "before-fork"}));
    assert!(judge(&Recorded::of(&r)).is_err());
    // An interrupted touch: nothing but the params and the page size.
    let mut r = Report::new("cow", &Meta::default());
    for (k, v) in serde_json::to_value(&f.params)
        .unwrap()
        .as_object()
        .unwrap()
    {
        r.param(k, v);
    }
    r.measure("page_size_bytes", 4096);
    assert!(judge(&Recorded::of(&r)).unwrap().checks.is_empty());
}

#[test]
fn median_of_even_and_odd_counts() {
    assert_eq!(median([3.0, 1.0, 2.0].into_iter()), Some(2.0));
    assert_eq!(median([4.0, 1.0].into_iter()), Some(2.5));
    assert_eq!(median(std::iter::empty()), None);
}
