//! The registry of experiments and the dispatch from the command line.
//!
//! Each experiment module reads top-down like the document's procedure:
//! set up → measure → act → measure → checks → Report.

pub mod all;
pub mod cow;
pub mod demand_paging;
pub mod filemap;
pub mod free;
pub mod hugepage;
pub mod isolation;
pub mod malloc;
pub mod mmap;
pub mod oom;
pub mod page_table;
pub mod segv;
mod touch_child;
pub mod watch;

use anyhow::Result;

use crate::cli::{Command, OutputArgs, PlotArgs};
use crate::error::{exit, usage};
use crate::output::{Plan, Ui};
use crate::probe::host::Meta;
use crate::report::Report;

/// What an experiment gets besides its own options.
pub struct Ctx {
    pub meta: Meta,
    pub ui: Ui,
}

/// One line of `memlab list`.
pub struct Info {
    pub name: &'static str,
    /// The document's section it comes from.
    pub section: &'static str,
    pub summary: &'static str,
    /// What it needs beyond an ordinary user ("-" for nothing).
    pub needs: &'static str,
    /// Its page (experiments/NAME.md), once the experiment is built.
    pub page: Option<&'static str>,
}

impl Info {
    pub fn built(&self) -> bool {
        self.page.is_some()
    }
}

/// Every experiment of SPEC section 3, in the document's order.
pub const ALL: &[Info] = &[
    Info {
        name: "free",
        section: "メモリに関する統計情報",
        summary: "system memory as `free` shows it, with the document's definitions",
        needs: "-",
        page: Some(include_str!("../../experiments/free.md")),
    },
    Info {
        name: "segv",
        section: "不正なアドレスにアクセスする実験",
        summary: "a child writes to NULL and dies of SIGSEGV; other invalid addresses",
        needs: "-",
        page: Some(include_str!("../../experiments/segv.md")),
    },
    Info {
        name: "mmap",
        section: "プロセスへのメモリ割り当て",
        summary: "mmap 100 MiB and diff /proc/self/maps: VSZ grows, RSS does not",
        needs: "-",
        page: Some(include_str!("../../experiments/mmap.md")),
    },
    Info {
        name: "malloc",
        section: "上位レイヤによるメモリ割り当て",
        summary: "glibc malloc pools small blocks and mmaps large ones",
        needs: "-",
        page: Some(include_str!("../../experiments/malloc.md")),
    },
    Info {
        name: "isolation",
        section: "問題の解決",
        summary: "per-process address spaces; scattered physical frames",
        needs: "root for physical frame numbers (the rest runs without)",
        page: Some(include_str!("../../experiments/isolation.md")),
    },
    Info {
        name: "filemap",
        section: "ファイルマップ",
        summary: "map a file MAP_SHARED, write through memory, read it back",
        needs: "-",
        page: Some(include_str!("../../experiments/filemap.md")),
    },
    Info {
        name: "demand-paging",
        section: "デマンドページング",
        summary: "reserve 100 MiB, touch it at 10 MiB/s, sample VSZ/RSS/faults",
        needs: "-",
        page: Some(include_str!("../../experiments/demand-paging.md")),
    },
    Info {
        name: "oom",
        section: "仮想メモリの枯渇と物理メモリの枯渇",
        summary: "RLIMIT_AS exhaustion, and the OOM killer inside a memory cgroup",
        needs: "root or a delegated memory cgroup for the physical part",
        page: Some(include_str!("../../experiments/oom.md")),
    },
    Info {
        name: "cow",
        section: "コピーオンライト",
        summary: "fork copies page tables only; the child's writes copy pages",
        needs: "-",
        page: Some(include_str!("../../experiments/cow.md")),
    },
    Info {
        name: "page-table",
        section: "階層型ページテーブル",
        summary: "a flat table would be 256 GiB; VmPTE for dense and sparse touching",
        needs: "-",
        page: Some(include_str!("../../experiments/page-table.md")),
    },
    Info {
        name: "hugepage",
        section: "ヒュージページ",
        summary: "4 KiB pages vs transparent huge pages: faults, VmPTE, fork time",
        needs: "reserved hugetlb pages for the hugetlbfs part (the rest runs without)",
        page: Some(include_str!("../../experiments/hugepage.md")),
    },
    Info {
        name: "watch",
        section: "(the document's ps loop)",
        summary: "sample any process's VSZ/RSS/faults every 1 ms or more",
        needs: "-",
        page: Some(include_str!("../../experiments/watch.md")),
    },
    Info {
        name: "all",
        section: "(the whole chapter)",
        summary: "run every experiment with quick defaults into a lab report",
        needs: "-",
        page: Some(include_str!("../../experiments/all.md")),
    },
];

pub fn find(name: &str) -> Option<&'static Info> {
    ALL.iter().find(|i| i.name == name)
}

/// Run the command; returns the exit status.
pub fn dispatch(cmd: Command) -> Result<i32> {
    match &cmd {
        Command::List => {
            list()?;
            Ok(exit::OK)
        }
        Command::Explain { name } => explain(name),
        Command::All(a) => all::run(a),
        // The re-executed program of isolation's second part.
        Command::Isolation(a) if a.worker => {
            // The worker speaks binary words on a pipe to its parent; typed
            // by a person it would print them and wait for stdin to close.
            if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                return Err(usage(
                    "--worker is for memlab's own use (isolation runs itself with it); \
                     e.g. memlab isolation",
                ));
            }
            Ok(isolation::worker())
        }
        _ => {
            let (out, plot) = outputs_of(&cmd);
            run_one(out, plot, |ctx| run_experiment(&cmd, ctx))
        }
    }
}

/// Run one experiment and return its report (no output written).
pub fn run_experiment(cmd: &Command, ctx: &Ctx) -> Result<Report> {
    match cmd {
        Command::Free(a) => free::run(a, ctx),
        Command::Segv(a) => segv::run(a, ctx),
        Command::Mmap(a) => mmap::run(a, ctx),
        Command::Oom(a) => oom::run(a, ctx),
        Command::PageTable(a) => page_table::run(a, ctx),
        Command::Hugepage(a) => hugepage::run(a, ctx),
        Command::Filemap(a) => filemap::run(a, ctx),
        Command::Malloc(a) => malloc::run(a, ctx),
        Command::Isolation(a) => isolation::run(a, ctx),
        Command::Cow(a) => cow::run(a, ctx),
        Command::DemandPaging(a) => demand_paging::run(a, ctx),
        Command::Watch(a) => watch::run(a, ctx),
        Command::List | Command::Explain { .. } | Command::All(_) => {
            Err(usage("not an experiment (see memlab list)"))
        }
    }
}

/// The output options of an experiment's command line.
pub fn outputs_of(cmd: &Command) -> (&OutputArgs, Option<&PlotArgs>) {
    static NONE: std::sync::OnceLock<OutputArgs> = std::sync::OnceLock::new();
    match cmd {
        Command::Free(a) => (&a.out, None),
        Command::Segv(a) => (&a.out, None),
        Command::Mmap(a) => (&a.out, None),
        Command::Oom(a) => (&a.out, None),
        Command::PageTable(a) => (&a.out, Some(&a.plot)),
        Command::Hugepage(a) => (&a.out, Some(&a.plot)),
        Command::Filemap(a) => (&a.out, None),
        Command::Malloc(a) => (&a.out, None),
        Command::Isolation(a) => (&a.out, None),
        Command::Cow(a) => (&a.out, Some(&a.plot)),
        Command::DemandPaging(a) => (&a.out, Some(&a.plot)),
        Command::Watch(a) => (&a.out, Some(&a.plot)),
        Command::List | Command::Explain { .. } | Command::All(_) => {
            (NONE.get_or_init(OutputArgs::default), None)
        }
    }
}

/// Validate the outputs, gather the host facts once, run, export, and turn
/// the report into an exit status.
pub fn run_one(
    out: &OutputArgs,
    plot: Option<&PlotArgs>,
    body: impl FnOnce(&Ctx) -> Result<Report>,
) -> Result<i32> {
    let plan = Plan::new(out, plot.and_then(|p| p.plot.as_ref()))?;
    let ctx = Ctx {
        meta: Meta::gather(),
        ui: plan.ui(),
    };
    let mut report = body(&ctx)?;
    if crate::sys::interrupted() {
        report.interrupted = true;
    }
    plan.emit(&report)?;
    Ok(if report.interrupted {
        exit::INTERRUPTED
    } else if report.all_hold() {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}

/// A closed stdout (`memlab list | head -1`) is an error here, which
/// `run` turns into a quiet exit, not a panic as `println!` would.
fn list() -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let w = ALL.iter().map(|i| i.name.len()).max().unwrap_or(0);
    writeln!(
        out,
        "{:<w$}  {:<13}  {:<60}  needs",
        "experiment", "status", "what it shows"
    )?;
    for i in ALL {
        let status = if i.built() {
            "available"
        } else {
            "not yet built"
        };
        writeln!(
            out,
            "{:<w$}  {:<13}  {:<60}  {}",
            i.name, status, i.summary, i.needs
        )?;
    }
    Ok(())
}

fn explain(name: &str) -> Result<i32> {
    match find(name) {
        Some(Info { page: Some(p), .. }) => {
            use std::io::Write;
            std::io::stdout().lock().write_all(p.as_bytes())?;
            Ok(exit::OK)
        }
        Some(i) => Err(usage(format!(
            "experiment '{}' is not built yet, so it has no page (see memlab list)",
            i.name
        ))),
        None => Err(usage(format!(
            "unknown experiment '{name}' (e.g. memlab explain cow; memlab list shows all)"
        ))),
    }
}
