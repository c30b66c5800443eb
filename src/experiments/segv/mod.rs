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

mod checks;
mod child;

use anyhow::Result;
use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::i18n::tr;
use crate::report::Report;
use crate::sys;

pub use checks::judge;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which invalid access(es) to try, comma-separated (`null` is accepted
    /// for `null-page`)
    #[arg(long, value_enum, value_delimiter = ',', default_value = "null-page")]
    pub target: Vec<Target>,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "segv",
    section: "不正なアドレスにアクセスする実験",
    summary: "a child writes to NULL and dies of SIGSEGV; other invalid addresses",
    needs: "-",
    page: include_str!("../../../experiments/segv.md"),
    plots: false,
    chart: None,
    quick: Some(&["--target", "all"]),
    key_figures: &[],
    judge,
    page_ja: Some(include_str!("../../../experiments/ja/segv.md")),
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Write to address 0 (`null` is accepted too). Named `null-page`, not
    /// `null`: pandas and DuckDB read a cell `null` as missing.
    #[value(name = "null-page", alias = "null")]
    NullPage,
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
    pub(super) fn name(self) -> &'static str {
        match self {
            Target::NullPage => "null-page",
            Target::Low => "low",
            Target::Kernel => "kernel",
            Target::Readonly => "readonly",
            Target::Unmapped => "unmapped",
            Target::All => "all",
        }
    }
}

/// `si_code` values of SIGSEGV (asm-generic/siginfo.h).
pub(super) const SEGV_MAPERR: i32 = 1;
pub(super) const SEGV_ACCERR: i32 = 2;

const EACH: [Target; 5] = [
    Target::NullPage,
    Target::Low,
    Target::Kernel,
    Target::Readonly,
    Target::Unmapped,
];

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
    match min_addr {
        Some(v) => r.note_t(
            "segv.note.min_addr",
            &[("value", &v.to_string()), ("hex", &format!("{v:#x}"))],
        ),
        None => r.note_t("segv.note.min_addr_unknown", &[]),
    }
    r.columns_from(&Row::default());

    for t in targets {
        if sys::interrupted() {
            r.interrupted = true;
            break;
        }
        let Some(o) = child::try_target(t, min_addr.unwrap_or(4096))? else {
            r.interrupted = true;
            break;
        };
        let ending = match (o.signal, o.exit_code) {
            (Some(s), _) => tr("segv.say.killed", &[("signal", s.as_str())]),
            (None, Some(c)) => tr("segv.say.exited", &[("code", &c.to_string())]),
            _ => tr("segv.say.ended", &[]),
        };
        let lines = match (o.before, o.after) {
            (true, false) => "segv.say.lines_before_only",
            (true, true) => "segv.say.lines_both",
            (false, _) => "segv.say.lines_none",
        };
        ctx.ui.say(&tr(
            "segv.say.outcome",
            &[
                ("target", t.name()),
                ("lines", &tr(lines, &[])),
                ("ending", &ending),
            ],
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

pub(super) fn describe_lines(before: bool, after: bool) -> String {
    match (before, after) {
        (true, false) => crate::i18n::tr_in(crate::i18n::Lang::En, "why.segv.before_only", &[]),
        (true, true) => crate::i18n::tr_in(crate::i18n::Lang::En, "why.segv.both_lines", &[]),
        (false, _) => "nothing".into(),
    }
}

/// `si_code` of a SIGSEGV as its name.
pub(super) fn code_name(code: i32) -> String {
    match code {
        SEGV_MAPERR => "SEGV_MAPERR".into(),
        SEGV_ACCERR => "SEGV_ACCERR".into(),
        3 => "SEGV_BNDERR".into(),
        4 => "SEGV_PKUERR".into(),
        0x80 => "SI_KERNEL".into(),
        other => format!("{other}"),
    }
}
