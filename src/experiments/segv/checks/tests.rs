//! Fixed-data tests: each check holding and failing.

use super::*;
use crate::experiments::fixture::{self, Fixture, of};
use crate::report::Verdict;

/// What a healthy kernel gives for `target`.
fn good(target: &str, addr: &str, code: &str) -> Row {
    Row {
        target: target.into(),
        address: addr.into(),
        signal: "SIGSEGV".into(),
        exit_code: None,
        si_code: code.into(),
        si_addr: addr.into(),
        after_line_printed: false,
        core_dumped: false,
        before_line_printed: true,
    }
}

fn verdicts(rows: &[Row]) -> Vec<(String, Verdict)> {
    fixture::verdicts(&Fixture::new("segv").rows(rows).judge(judge))
}

#[test]
fn every_target_of_a_healthy_kernel_holds() {
    let v = verdicts(&[
        good("null-page", "0x0", "SEGV_MAPERR"),
        good("low", "0x800", "SEGV_MAPERR"),
        good("kernel", "0xffffffff81000000", "SEGV_MAPERR"),
        good("readonly", "0x7f0000001000", "SEGV_ACCERR"),
        good("unmapped", "0x7f0000002000", "SEGV_MAPERR"),
    ]);
    assert_eq!(v.len(), 25);
    assert!(v.iter().all(|c| c.1 == Verdict::Holds), "{v:?}");
}

#[test]
fn a_child_that_survives_fails_every_check_but_the_core() {
    let mut r = good("null-page", "0x0", "SEGV_MAPERR");
    r.signal = String::new();
    r.exit_code = Some(0);
    r.si_code = String::new();
    r.si_addr = String::new();
    r.after_line_printed = true;
    let v = verdicts(&[r]);
    for n in [
        "null_page_killed_by_sigsegv",
        "null_page_si_code",
        "null_page_si_addr",
        "null_page_after_line_never_printed",
    ] {
        assert_eq!(of(&v, n), Verdict::Fails, "{n}");
    }
    assert_eq!(of(&v, "null_page_no_core_dump"), Verdict::Holds);
}

#[test]
fn a_wrong_code_address_or_a_core_fails() {
    // A read-only page must give an access-rights fault, not MAPERR.
    let mut r = good("readonly", "0x7f0000001000", "SEGV_MAPERR");
    r.si_addr = "0x7f0000001008".into();
    r.core_dumped = true;
    let v = verdicts(&[r]);
    assert_eq!(of(&v, "readonly_si_code"), Verdict::Fails);
    assert_eq!(of(&v, "readonly_si_addr"), Verdict::Fails);
    assert_eq!(of(&v, "readonly_no_core_dump"), Verdict::Fails);
    assert_eq!(of(&v, "readonly_killed_by_sigsegv"), Verdict::Holds);
    // Killed by another signal.
    let mut r = good("kernel", "0xffffffff81000000", "SEGV_MAPERR");
    r.signal = "SIGBUS".into();
    assert_eq!(
        of(&verdicts(&[r]), "kernel_killed_by_sigsegv"),
        Verdict::Fails
    );
}

#[test]
fn an_unknown_target_is_a_usage_error() {
    let f = Fixture::new("segv").rows(&[good("elsewhere", "0x0", "SEGV_MAPERR")]);
    assert!(f.try_judge(judge).is_err());
}

#[test]
fn a_row_of_an_older_memlab_named_null_is_judged_as_null_page() {
    let v = verdicts(&[good("null", "0x0", "SEGV_MAPERR")]);
    assert_eq!(v.len(), 5);
    assert_eq!(of(&v, "null_page_si_code"), Verdict::Holds);
}

#[test]
fn the_words_of_the_data_are_shown_in_japanese() {
    use crate::i18n::Lang;
    use crate::output::checktext::measured;
    let mut row = good("null-page", "0x0", "");
    row.si_addr = String::new();
    row.after_line_printed = true;
    row.core_dumped = true;
    let j = Fixture::new("segv").rows(&[row]).judge(judge);
    let line = |name: &str| {
        let c = j.checks.iter().find(|c| c.name == name).unwrap();
        (c.measured.clone(), measured(c, Lang::Ja))
    };
    let (en, ja) = line("null_page_si_code");
    assert_eq!(en, "no fault reported");
    assert!(ja.contains("フォルトの報告なし"), "{ja}");
    let (en, ja) = line("null_page_no_core_dump");
    assert_eq!(en, "core dumped");
    assert!(
        ja.contains("コアダンプあり") && ja.contains("コアダンプなし"),
        "{ja}"
    );
    let (en, ja) = line("null_page_after_line_never_printed");
    assert_eq!(en, "both lines (the access did not fault!)");
    assert!(
        ja.contains("両方の行") && ja.contains("before は書かれ"),
        "{ja}"
    );
    assert!(!ja.contains("both lines"), "{ja}");
}
