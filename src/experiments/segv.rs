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
use serde::Serialize;

use super::Ctx;
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
    judge: None,
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

    /// The `si_code` the kernel gives this fault.
    fn expected_code(self) -> i32 {
        match self {
            Target::Readonly => SEGV_ACCERR,
            _ => SEGV_MAPERR,
        }
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

#[derive(Serialize)]
struct Row {
    target: &'static str,
    address: String,
    signal: String,
    si_code: String,
    si_addr: String,
    after_line_printed: bool,
    core_dumped: bool,
    before_line_printed: bool,
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
    r.summary("mmap_min_addr", min_addr);
    r.note(format!(
        "vm.mmap_min_addr = {} ({}): no process may map below it, so a NULL write always faults",
        min_addr
            .map(|v| v.to_string())
            .unwrap_or_else(|| "unknown".into()),
        min_addr.map(|v| format!("{v:#x}")).unwrap_or_default(),
    ));

    for t in targets {
        if sys::interrupted() {
            r.interrupted = true;
            break;
        }
        let o = try_target(t, min_addr.unwrap_or(4096))?;
        ctx.ui.say(&format!(
            "[{}] child wrote {}; {}",
            t.name(),
            describe_lines(&o),
            match (o.signal, o.exit_code) {
                (Some(s), _) => format!("killed by {}", s.as_str()),
                (None, Some(c)) => format!("exited with status {c}"),
                _ => "ended".into(),
            }
        ));
        add_checks(&mut r, t, &o);
        r.push_row(&Row {
            target: t.name(),
            address: format!("{:#x}", o.address),
            signal: o.signal.map(|s| s.as_str().to_string()).unwrap_or_default(),
            si_code: o.si_code.map(code_name).unwrap_or_default(),
            si_addr: o.si_addr.map(|a| format!("{a:#x}")).unwrap_or_default(),
            after_line_printed: o.after,
            core_dumped: o.core_dumped,
            before_line_printed: o.before,
        });
    }
    Ok(r)
}

fn describe_lines(o: &Outcome) -> String {
    match (o.before, o.after) {
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

fn try_target(t: Target, min_addr: u64) -> Result<Outcome> {
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
        return Ok(Outcome {
            address: fixed.unwrap_or(0),
            signal: None,
            exit_code: None,
            si_code: None,
            si_addr: None,
            before: false,
            after: false,
            core_dumped: false,
        });
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
    Ok(Outcome {
        address,
        signal: exit.signal,
        exit_code: exit.exit_code,
        si_code,
        si_addr,
        before: lines.contains("before invalid access"),
        after: lines.contains("after invalid access"),
        core_dumped: exit.core_dumped,
    })
}

fn add_checks(r: &mut Report, t: Target, o: &Outcome) {
    let n = t.name();
    let sig = o
        .signal
        .map(|s| s.as_str().to_string())
        .or(o.exit_code.map(|c| format!("exit status {c}")))
        .unwrap_or_else(|| "nothing".into());
    r.check(Check::new(
        &format!("{n}_killed_by_sigsegv"),
        "an access to memory the process may not touch ends it with a segmentation fault",
        "SIGSEGV",
        sig,
        o.signal == Some(nix::sys::signal::Signal::SIGSEGV),
    ));
    let want = t.expected_code();
    r.check(Check::new(
        &format!("{n}_si_code"),
        match t {
            Target::Readonly => "the page is mapped but not writable: an access-rights fault",
            Target::Kernel => {
                "kernel memory is in every address space but its page-table entries allow kernel mode only"
            }
            _ => "no mapping exists at that address (the first pages are kept unmapped on purpose)",
        },
        code_name(want),
        o.si_code.map(code_name).unwrap_or_else(|| "no fault reported".into()),
        o.si_code == Some(want),
    ));
    r.check(Check::new(
        &format!("{n}_si_addr"),
        "the kernel reports the faulting address",
        format!("{:#x}", o.address),
        o.si_addr
            .map(|a| format!("{a:#x}"))
            .unwrap_or_else(|| "no fault reported".into()),
        o.si_addr == Some(o.address),
    ));
    r.check(Check::new(
        &format!("{n}_after_line_never_printed"),
        "「before invalid access」 is printed, 「after invalid access」 never is",
        "before printed, after not",
        describe_lines(o),
        o.before && !o.after,
    ));
    r.check(Check::new(
        &format!("{n}_no_core_dump"),
        "the experiment leaves no core file (dumping is off in the child)",
        "no core dumped",
        if o.core_dumped {
            "core dumped"
        } else {
            "no core dumped"
        },
        !o.core_dumped,
    ));
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
