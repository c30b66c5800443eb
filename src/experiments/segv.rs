//! segv — 不正なアドレスにアクセスする実験
//!
//! A child prints "before invalid access", writes to an address it may not
//! write, and would print "after invalid access". Linux keeps the first pages
//! of every address space unmapped (`vm.mmap_min_addr`) so that a NULL write
//! always faults; the kernel's half of the address space is mapped in every
//! process but only reachable in kernel mode.
//!
//! The child writes its lines straight to a pipe (no stdio buffer to lose)
//! and reports the fault's `si_code`/`si_addr` from a signal handler that then
//! restores the default action, so the child really dies of the signal. It
//! never dumps core (see `sys::fork_child`).

use anyhow::{Context, Result};
use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use super::{Ctx, Judgement, Recorded};
use crate::error::usage;
use crate::report::{Check, Report};
use crate::sys;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which invalid access(es) to try, comma-separated
    #[arg(long, value_enum, value_delimiter = ',', default_value = "null")]
    pub target: Vec<Target>,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "segv",
    section: "不正なアドレスにアクセスする実験",
    summary: "a child writes to NULL and dies of SIGSEGV; other invalid addresses",
    needs: "-",
    page: include_str!("../../experiments/segv.md"),
    plots: false,
    quick: Some(&["--target", "all"]),
    key_figures: &[],
    judge: Some(judge),
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Write to address 0
    Null,
    /// Write to an address under vm.mmap_min_addr (never mappable)
    Low,
    /// Write to a kernel address (mapped, but only in kernel mode)
    Kernel,
    /// Write to a page mapped read-only (SEGV_ACCERR)
    Readonly,
    /// Write to a page that was just unmapped (a hole)
    Unmapped,
    /// Every target above
    All,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Null => "null",
            Target::Low => "low",
            Target::Kernel => "kernel",
            Target::Readonly => "readonly",
            Target::Unmapped => "unmapped",
            Target::All => "all",
        }
    }
}

/// The `si_code` the kernel gives a fault at this target: only the
/// read-only page is mapped (an access-rights fault); nothing is mapped at
/// the others, as far as user mode can see.
fn expected_code(target: &str) -> Result<i32> {
    match target {
        "readonly" => Ok(SEGV_ACCERR),
        "null" | "low" | "kernel" | "unmapped" => Ok(SEGV_MAPERR),
        other => Err(usage(format!(
            "row of target '{other}': not a target of this memlab's segv"
        ))),
    }
}

/// `si_code` values of SIGSEGV (asm-generic/siginfo.h).
const SEGV_MAPERR: i32 = 1;
const SEGV_ACCERR: i32 = 2;

const EACH: [Target; 5] = [
    Target::Null,
    Target::Low,
    Target::Kernel,
    Target::Readonly,
    Target::Unmapped,
];

/// A kernel-half address that is canonical (so the CPU raises a page fault,
/// not a general-protection fault): the start of the kernel text mapping.
#[cfg(target_arch = "x86_64")]
const KERNEL_ADDR: u64 = 0xffff_ffff_8100_0000;
#[cfg(not(target_arch = "x86_64"))]
const KERNEL_ADDR: u64 = 0xffff_8000_0800_0000;

/// One target's child: what it wrote, how it ended, what the kernel said.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct Row {
    pub target: String,
    /// The address written to (hex).
    pub address: String,
    /// The signal that ended the child ("" if none).
    pub signal: String,
    /// Its exit status if it exited instead.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// The fault's `si_code`, by name ("" if no fault was reported).
    pub si_code: String,
    /// The fault's `si_addr` (hex; "" if no fault was reported).
    pub si_addr: String,
    pub after_line_printed: bool,
    pub core_dumped: bool,
    pub before_line_printed: bool,
}

/// What one child did.
struct Outcome {
    address: u64,
    signal: Option<nix::sys::signal::Signal>,
    exit_code: Option<i32>,
    si_code: Option<i32>,
    si_addr: Option<u64>,
    before: bool,
    after: bool,
    core_dumped: bool,
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let mut targets: Vec<Target> = Vec::new();
    for t in &args.target {
        let add: &[Target] = if *t == Target::All {
            &EACH
        } else {
            std::slice::from_ref(t)
        };
        for a in add {
            if !targets.contains(a) {
                targets.push(*a);
            }
        }
    }
    let mut r = Report::new("segv", &ctx.meta);
    r.param(
        "target",
        targets
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(","),
    );
    let min_addr = ctx.meta.mmap_min_addr;
    r.note(format!(
        "vm.mmap_min_addr = {} ({}): no process may map below it, so a NULL write always faults",
        min_addr
            .map(|v| v.to_string())
            .unwrap_or_else(|| "unknown".into()),
        min_addr.map(|v| format!("{v:#x}")).unwrap_or_default(),
    ));
    r.columns_from(&Row::default());

    for t in targets {
        if sys::interrupted() {
            r.interrupted = true;
            break;
        }
        let Some(o) = try_target(t, min_addr.unwrap_or(4096))? else {
            r.interrupted = true;
            break;
        };
        ctx.ui.say(&format!(
            "[{}] child wrote {}; {}",
            t.name(),
            describe_lines(o.before, o.after),
            match (o.signal, o.exit_code) {
                (Some(s), _) => format!("killed by {}", s.as_str()),
                (None, Some(c)) => format!("exited with status {c}"),
                _ => "ended".into(),
            }
        ));
        r.push_row(&Row {
            target: t.name().into(),
            address: format!("{:#x}", o.address),
            signal: o.signal.map(|s| s.as_str().to_string()).unwrap_or_default(),
            exit_code: o.exit_code,
            si_code: o.si_code.map(code_name).unwrap_or_default(),
            si_addr: o.si_addr.map(|a| format!("{a:#x}")).unwrap_or_default(),
            after_line_printed: o.after,
            core_dumped: o.core_dumped,
            before_line_printed: o.before,
        });
    }
    Ok(r)
}

fn describe_lines(before: bool, after: bool) -> String {
    match (before, after) {
        (true, false) => "\"before invalid access\" and never \"after invalid access\"".into(),
        (true, true) => "both lines (the access did not fault!)".into(),
        (false, _) => "nothing".into(),
    }
}

/// The address each target writes to. `readonly` and `unmapped` are set up in
/// the child itself, so their address is only known there.
fn fixed_address(t: Target, min_addr: u64) -> Option<u64> {
    match t {
        Target::Null => Some(0),
        // Half of mmap_min_addr, 16-byte aligned: inside the forbidden range.
        Target::Low => Some((min_addr / 2).max(16) & !0xf),
        Target::Kernel => Some(KERNEL_ADDR),
        _ => None,
    }
}

/// Run one target's child; `None` when memlab was interrupted meanwhile.
fn try_target(t: Target, min_addr: u64) -> Result<Option<Outcome>> {
    let (lines_r, lines_w) = sys::chan()?;
    let (fault_r, fault_w) = sys::chan()?;
    let (addr_r, addr_w) = sys::chan()?;
    let fixed = fixed_address(t, min_addr);
    let mut child = sys::fork_child(|| {
        let addr = match (t, fixed) {
            (_, Some(a)) => a,
            (Target::Readonly, _) => {
                let opts = sys::MapOptions {
                    read_only: true,
                    ..Default::default()
                };
                match sys::Region::anon(sys::page_size(), opts) {
                    // Leak the region: the child dies holding it.
                    Ok(reg) => {
                        let a = reg.addr();
                        std::mem::forget(reg);
                        a
                    }
                    Err(_) => return 2,
                }
            }
            _ => match sys::unmapped_address() {
                Ok(a) => a,
                Err(_) => return 2,
            },
        };
        if addr_w.send(&[addr]).is_err() || sys::report_fault_on(fault_w.raw()).is_err() {
            return 2;
        }
        let _ = sys::write_fd(lines_w.fd(), b"before invalid access\n");
        sys::store_byte_in_child(addr);
        let _ = sys::write_fd(lines_w.fd(), b"after invalid access\n");
        0
    })?;
    drop((lines_w, fault_w, addr_w));
    let exit = child.wait()?;
    let Some(exit) = exit else {
        // Interrupted: the child is killed and reaped when dropped.
        return Ok(None);
    };
    let lines =
        String::from_utf8_lossy(&lines_r.read_to_end().context("reading the child's lines")?)
            .into_owned();
    let fault = fault_r.recv_bytes(16).context("reading the fault report")?;
    let address = addr_r
        .recv(1)
        .ok()
        .flatten()
        .map(|v| v[0])
        .or(fixed)
        .unwrap_or(0);
    let (si_code, si_addr) = match fault {
        Some(b) => (
            Some(i32::from_ne_bytes(b[4..8].try_into().expect("4 bytes"))),
            Some(u64::from_ne_bytes(b[8..16].try_into().expect("8 bytes"))),
        ),
        None => (None, None),
    };
    Ok(Some(Outcome {
        address,
        signal: exit.signal,
        exit_code: exit.exit_code,
        si_code,
        si_addr,
        before: lines.contains("before invalid access"),
        after: lines.contains("after invalid access"),
        core_dumped: exit.core_dumped,
    }))
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

fn row_checks(row: &Row) -> Result<[Check; 5]> {
    let n = row.target.as_str();
    let want = expected_code(n)?;
    let sig = match (row.signal.as_str(), row.exit_code) {
        ("", Some(c)) => format!("exit status {c}"),
        ("", None) => "nothing".into(),
        (s, _) => s.to_string(),
    };
    let killed = Check::new(
        &format!("{n}_killed_by_sigsegv"),
        "an access to memory the process may not touch ends it with a segmentation fault",
        "SIGSEGV",
        sig,
        row.signal == "SIGSEGV",
    )
    .msg("killed_by_sigsegv")
    .arg("target", n);
    let code = Check::new(
        &format!("{n}_si_code"),
        match n {
            "readonly" => "the page is mapped but not writable: an access-rights fault",
            "kernel" => {
                "kernel memory is in every address space but its page-table entries allow kernel mode only"
            }
            _ => "no mapping exists at that address (the first pages are kept unmapped on purpose)",
        },
        code_name(want),
        if row.si_code.is_empty() {
            "no fault reported".to_string()
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
        &format!("{n}_si_addr"),
        "the kernel reports the faulting address",
        row.address.clone(),
        si_addr
            .map(|a| format!("{a:#x}"))
            .unwrap_or_else(|| "no fault reported".into()),
        si_addr.is_some() && si_addr == addr,
    )
    .msg("si_addr")
    .arg("target", n);
    let lines = Check::new(
        &format!("{n}_after_line_never_printed"),
        "「before invalid access」 is printed, 「after invalid access」 never is",
        "before printed, after not",
        describe_lines(row.before_line_printed, row.after_line_printed),
        row.before_line_printed && !row.after_line_printed,
    )
    .msg("after_line_never_printed")
    .arg("target", n);
    let core = Check::new(
        &format!("{n}_no_core_dump"),
        "the experiment leaves no core file (dumping is off in the child)",
        "no core dumped",
        if row.core_dumped {
            "core dumped"
        } else {
            "no core dumped"
        },
        !row.core_dumped,
    )
    .msg("no_core_dump")
    .arg("target", n);
    Ok([killed, code, at, lines, core])
}

/// `si_code` of a SIGSEGV as its name.
fn code_name(code: i32) -> String {
    match code {
        SEGV_MAPERR => "SEGV_MAPERR".into(),
        SEGV_ACCERR => "SEGV_ACCERR".into(),
        3 => "SEGV_BNDERR".into(),
        4 => "SEGV_PKUERR".into(),
        0x80 => "SI_KERNEL".into(),
        other => format!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let mut r = Report::new("segv", &crate::probe::host::Meta::default());
        for x in rows {
            r.push_row(x);
        }
        judge(&Recorded::of(&r))
            .unwrap()
            .checks
            .into_iter()
            .map(|c| (c.name, c.verdict))
            .collect()
    }

    fn of(v: &[(String, Verdict)], name: &str) -> Verdict {
        v.iter()
            .find(|c| c.0 == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .1
    }

    #[test]
    fn every_target_of_a_healthy_kernel_holds() {
        let v = verdicts(&[
            good("null", "0x0", "SEGV_MAPERR"),
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
        let mut r = good("null", "0x0", "SEGV_MAPERR");
        r.signal = String::new();
        r.exit_code = Some(0);
        r.si_code = String::new();
        r.si_addr = String::new();
        r.after_line_printed = true;
        let v = verdicts(&[r]);
        for n in [
            "null_killed_by_sigsegv",
            "null_si_code",
            "null_si_addr",
            "null_after_line_never_printed",
        ] {
            assert_eq!(of(&v, n), Verdict::Fails, "{n}");
        }
        assert_eq!(of(&v, "null_no_core_dump"), Verdict::Holds);
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
        let mut r = Report::new("segv", &crate::probe::host::Meta::default());
        r.push_row(&good("elsewhere", "0x0", "SEGV_MAPERR"));
        assert!(judge(&Recorded::of(&r)).is_err());
    }
}
