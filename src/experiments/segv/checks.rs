//! segv's checks: five per target, from the rows.

use anyhow::Result;

use super::{Row, SEGV_ACCERR, SEGV_MAPERR, code_name, describe_lines};
use crate::error::usage;
use crate::experiments::{Judgement, Recorded};
use crate::report::Check;

/// The `si_code` the kernel gives a fault at this target: only the
/// read-only page is mapped (an access-rights fault); nothing is mapped at
/// the others, as far as user mode can see.
fn expected_code(target: &str) -> Result<i32> {
    match target {
        "readonly" => Ok(SEGV_ACCERR),
        "null-page" | "low" | "kernel" | "unmapped" => Ok(SEGV_MAPERR),
        other => Err(usage(crate::i18n::tr(
            "segv.err.unknown_target",
            &[("target", other)],
        ))),
    }
}

/// English words of the data from a `why.*` catalogue entry, which the
/// reader's language finds again.
fn en(id: &str) -> String {
    crate::i18n::tr_in(crate::i18n::Lang::En, id, &[])
}

/// A hex address as the rows write it ("0x1f"); `None` for "" or junk.
fn parse_addr(s: &str) -> Option<u64> {
    u64::from_str_radix(s.trim().trim_start_matches("0x"), 16).ok()
}

/// The checks, from the rows: five per target, each ✓ or ✗. None can be
/// inconclusive: every figure is the child's own (its signal, the fault the
/// kernel reported to it, its two lines), untouched by other processes.
pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    let mut j = Judgement::default();
    j.summary("mmap_min_addr", rec.meta.mmap_min_addr);
    j.summary("targets", rows.len());
    for row in &rows {
        for c in row_checks(row)? {
            j.check(c);
        }
    }
    Ok(j)
}

/// A row's target as this memlab names it: rows written before the rename
/// say `null` (which pandas and DuckDB read as missing) for `null-page`.
fn target_name(row: &Row) -> &str {
    match row.target.as_str() {
        "null" => "null-page",
        other => other,
    }
}

fn row_checks(row: &Row) -> Result<[Check; 5]> {
    let n = target_name(row);
    let want = expected_code(n)?;
    // Check names are snake_case: `null-page` → `null_page_si_code`.
    let id = n.replace('-', "_");
    let sig = match (row.signal.as_str(), row.exit_code) {
        ("", Some(c)) => format!("exit status {c}"),
        ("", None) => "nothing".into(),
        (s, _) => s.to_string(),
    };
    let killed = Check::new(
        &format!("{id}_killed_by_sigsegv"),
        "an access to memory the process may not touch ends it with a segmentation fault",
        "SIGSEGV",
        sig,
        row.signal == "SIGSEGV",
    )
    .msg("killed_by_sigsegv")
    .arg("target", n);
    let code = Check::new(
        &format!("{id}_si_code"),
        match n {
            "readonly" => "the page is mapped but not writable: an access-rights fault",
            "kernel" => {
                "kernel memory is in every address space but its page-table entries allow kernel mode only"
            }
            _ => "no mapping exists at that address (the first pages are kept unmapped on purpose)",
        },
        code_name(want),
        if row.si_code.is_empty() {
            en("why.segv.no_fault")
        } else {
            row.si_code.clone()
        },
        row.si_code == code_name(want),
    )
    .msg("si_code")
    .arg("target", n);
    let addr = parse_addr(&row.address);
    let si_addr = parse_addr(&row.si_addr);
    let at = Check::new(
        &format!("{id}_si_addr"),
        "the kernel reports the faulting address",
        row.address.clone(),
        si_addr
            .map(|a| format!("{a:#x}"))
            .unwrap_or_else(|| en("why.segv.no_fault")),
        si_addr.is_some() && si_addr == addr,
    )
    .msg("si_addr")
    .arg("target", n);
    let lines = Check::new(
        &format!("{id}_after_line_never_printed"),
        "「before invalid access」 is printed, 「after invalid access」 never is",
        en("why.segv.expect_lines"),
        describe_lines(row.before_line_printed, row.after_line_printed),
        row.before_line_printed && !row.after_line_printed,
    )
    .msg("after_line_never_printed")
    .arg("target", n);
    let core = Check::new(
        &format!("{id}_no_core_dump"),
        "the experiment leaves no core file (dumping is off in the child)",
        en("why.segv.no_core"),
        en(if row.core_dumped {
            "why.segv.core"
        } else {
            "why.segv.no_core"
        }),
        !row.core_dumped,
    )
    .msg("no_core_dump")
    .arg("target", n);
    Ok([killed, code, at, lines, core])
}

#[cfg(test)]
mod tests;
