//! The checks judged from `measurements.online` (what `free --watch`
//! records, its rows having streamed away) give what judging every row
//! gives: each outcome, the worst sample and its time.

use super::*;
use crate::report::Report;

fn row(t: f64, free: u64, available: u64) -> Row {
    Row {
        t_s: Some(t),
        total_kib: 24_000_000,
        free_kib: free,
        available_kib: available,
        mem_available_kib: Some(available),
        active_file_kib: Some(10_000),
        inactive_file_kib: Some(30_000),
        kreclaimable_kib: Some(50_000),
        sreclaimable_kib: Some(50_000),
        totalreserve_kib: Some(159_104),
        zone_low_kib: Some(84_592),
        totalreserve_after_kib: Some(159_104),
        zone_low_after_kib: Some(84_592),
        ..Row::default()
    }
}

/// The kernel's figure for `row(_, free, _)` (see tests.rs).
fn exact(free: u64) -> u64 {
    free - 159_104 + 20_000 + 25_000
}

fn report(cpus: Option<u64>) -> Report {
    let mut r = Report::new("free", &crate::probe::host::Meta::default());
    r.meta.page_size = 4096;
    r.measure("online_cpus", cpus);
    r
}

/// Judged from the rows (no `online`), and from the fold alone (no rows,
/// as a streamed run's report is), through JSON as `memlab judge` reads it.
fn both(rows: &[Row], cpus: Option<u64>) -> (Judgement, Judgement) {
    let mut by_rows = report(cpus);
    let mut online = Online::default();
    for x in rows {
        by_rows.push_row(x);
        online.push(x);
    }
    let mut by_fold = report(cpus);
    by_fold.measure("online", &online);
    let back = |r: &Report| {
        let bytes = serde_json::to_vec(r).unwrap();
        let r: Report = serde_json::from_slice(&bytes).unwrap();
        judge(&Recorded::of(&r)).unwrap()
    };
    (back(&by_rows), back(&by_fold))
}

fn same(a: &Judgement, b: &Judgement) -> Vec<Verdict> {
    let key = |j: &Judgement| {
        j.checks
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.verdict,
                    c.measured.clone(),
                    c.measured_value,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(a), key(b));
    assert_eq!(a.summary, b.summary);
    a.checks.iter().map(|c| c.verdict).collect()
}

#[test]
fn the_fold_holds_where_the_rows_hold() {
    let rows: Vec<Row> = (0..50)
        .map(|i| row(i as f64, 1_000_000 + i, exact(1_000_000 + i)))
        .collect();
    let (a, b) = both(&rows, Some(2));
    assert!(same(&a, &b).iter().all(|v| *v == Verdict::Holds));
    assert_eq!(a.summary["samples"], 50);
}

#[test]
fn the_fold_fails_on_one_bad_sample_among_many_and_says_when() {
    let mut rows: Vec<Row> = (0..1000)
        .map(|i| row(i as f64 * 0.01, 1_000_000, exact(1_000_000)))
        .collect();
    rows[617] = row(6.17, 1_000_000, 100);
    let (a, b) = both(&rows, Some(2));
    let v = same(&a, &b);
    assert_eq!(v[0], Verdict::Fails, "{v:?}");
    assert_eq!(v[2], Verdict::Fails, "{v:?}");
    assert_eq!(v[1], Verdict::Holds, "{v:?}");
    let mut online = Online::default();
    rows.iter().for_each(|r| online.push(r));
    let w = online.floor.unwrap();
    assert_eq!((w.available_kib, w.t_s), (100, Some(6.17)));
}

#[test]
fn the_fold_is_inconclusive_where_figures_are_absent() {
    let mut r = row(0.0, 1_000_000, 900_000);
    r.mem_available_kib = None;
    let (a, b) = both(&[r.clone(), r], Some(2));
    assert!(same(&a, &b).iter().all(|v| *v == Verdict::Inconclusive));
    let (a, b) = both(&[row(0.0, 1_000_000, 900_000)], None);
    assert!(same(&a, &b).iter().all(|v| *v == Verdict::Inconclusive));
}

#[test]
fn a_tie_keeps_the_later_sample_as_the_rows_did() {
    let rows = [
        row(1.0, 1_000_000, exact(1_000_000)),
        row(2.0, 1_000_000, exact(1_000_000)),
    ];
    let mut online = Online::default();
    rows.iter().for_each(|r| online.push(r));
    assert_eq!(online.formula.unwrap().t_s, Some(2.0));
    let (a, b) = both(&rows, Some(2));
    same(&a, &b);
}

#[test]
fn no_sample_gives_no_check() {
    let (a, b) = both(&[], Some(2));
    assert!(a.checks.is_empty() && b.checks.is_empty());
    assert_eq!(b.summary["samples"], 0);
}
