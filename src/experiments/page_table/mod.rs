//! page-table — 階層型ページテーブル
//!
//! The document's arithmetic: on x86_64 a process has 128 TiB of user address
//! space, pages of 4 KiB and page-table entries of 8 bytes, so one flat table
//! covering the whole space would take 256 GiB per process. Linux therefore
//! uses a hierarchy (PGD → PUD → PMD → PTE on 4-level x86_64): a table page of
//! the lower level exists only where something is mapped and touched.
//!
//! memlab does the arithmetic from this host's page size and address width,
//! then measures what the kernel really spends (`VmPTE` in /proc/PID/status,
//! which counts the PTE, PMD and PUD table pages of the process):
//! - dense: touch every page of SIZE. One 4 KiB PTE page maps 512 pages
//!   (2 MiB), so the cost is ≈ 8 bytes per touched page, 1/512 of SIZE.
//! - sparse: inside a large `MAP_NORESERVE` reservation touch one page every
//!   2 MiB (each touch needs a whole PTE page of its own: ≈ 4 KiB per touched
//!   page), and one page every 1 GiB (a PTE page and a PMD page each: ≈ 8 KiB).
//!
//! Each case runs in a fresh child (see `touch_child`), so its `VmPTE` delta
//! holds only what that case's touching cost.

mod checks;
pub mod view;

use anyhow::{Result, anyhow};

pub use checks::judge;
use checks::{FlatTable, ONE_GIB, PTE_ENTRY_BYTES, Row};

use super::Ctx;
use super::touch_child::{self, Outcome, Plan};
use crate::error::usage;
use crate::i18n::tr;
use crate::probe::host;
use crate::probe::meminfo::HugeAndTables;
use crate::probe::process::ProcHandle;
use crate::report::Report;
use crate::sys::{self, HUGE_PAGE_BYTES, HugeAdvice, MapOptions};
use crate::units::{Size, human_bytes};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How much to touch densely, every page (binary units: 256M = 256 MiB)
    #[arg(long, allow_hyphen_values = true, default_value = "256M")]
    pub size: Size,
    /// The MAP_NORESERVE reservation the sparse cases touch inside (shrunk,
    /// with a note, if the kernel refuses it)
    #[arg(long, allow_hyphen_values = true, default_value = "64G")]
    pub reserve: Size,
    /// Repeat the dense case with transparent huge pages (MADV_HUGEPAGE)
    #[arg(long)]
    pub thp: bool,
    /// Run even if the memory touched is more than half of the available memory
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "page-table",
    section: "階層型ページテーブル",
    summary: "a flat table would be 256 GiB; VmPTE for dense and sparse touching",
    needs: "-",
    page: include_str!("../../../experiments/page-table.md"),
    plots: true,
    chart: Some(view::chart),
    quick: Some(&["--size", "64M", "--reserve", "8G"]),
    key_figures: &["dense_pte_bytes_per_page", "sparse_2m_pte_bytes_per_page"],
    judge,
    page_ja: Some(include_str!("../../../experiments/ja/page-table.md")),
};

/// Smallest reservation worth the sparse cases (two 1 GiB strides).
const MIN_RESERVE: u64 = 2 * ONE_GIB;

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let page = sys::page_size();
    let (size, reserve) = sizes(args, page)?;
    let mut r = Report::new("page-table", &ctx.meta);
    r.param("size_bytes", size);
    r.param("reserve_bytes", reserve);
    r.param("thp", args.thp);

    // --- The document's arithmetic, from this host's figures ---------------
    let vbits = host::virtual_address_bits();
    r.measure("virtual_address_bits", vbits);
    let flat = FlatTable::of(vbits, &ctx.meta.arch, page);
    ctx.ui.say(&tr(
        "page_table.say.flat_table",
        &[
            ("user_space", &human_bytes(flat.user_space)),
            ("page", &human_bytes(page)),
            ("entries", &flat.entries.to_string()),
            ("entry", &PTE_ENTRY_BYTES.to_string()),
            ("bytes", &human_bytes(flat.bytes)),
        ],
    ));
    let me = ProcHandle::myself()?.status_mem()?;
    r.measure("memlab_vm_pte_kib", me.vm_pte_kib);

    // --- The cases -----------------------------------------------------------
    let mut rows: Vec<Row> = Vec::new();
    for (name, plan) in dense_plans(args, size, ctx, &mut r) {
        if !run_case(ctx, name, plan, &mut r, &mut rows)? {
            return finish(r, rows);
        }
    }
    if ctx.meta.overcommit_memory == Some(2) {
        r.skip_t("page_table.skip.overcommit_strict", &[]);
    } else if !sparse_cases(ctx, reserve, &mut r, &mut rows)? {
        return finish(r, rows);
    }
    if let Ok(t) = HugeAndTables::read() {
        r.measure("system_page_tables_kib", t.page_tables_kib);
    }
    finish(r, rows)
}

/// The sizes the run uses, validated: the dense SIZE (whole pages) and the
/// reservation (whole GiB), refused where they ask too much memory.
fn sizes(args: &Args, page: u64) -> Result<(u64, u64)> {
    crate::guard::at_least(
        "--size",
        args.size,
        HUGE_PAGE_BYTES,
        &tr("page_table.err.size_floor", &[]),
        "256M",
    )?;
    let size = args.size.bytes().next_multiple_of(page).max(page);
    let reserve = args.reserve.bytes().next_multiple_of(ONE_GIB);
    if reserve < MIN_RESERVE {
        return Err(usage(tr(
            "page_table.err.reserve_too_small",
            &[
                ("reserve", &args.reserve.to_string()),
                ("min", &human_bytes(MIN_RESERVE)),
            ],
        )));
    }
    // The sparse 2 MiB case touches reserve/2MiB pages and as many PTE pages.
    let sparse_cost = reserve / HUGE_PAGE_BYTES * 2 * page;
    // Name the option that asked for the memory: the dense case's --size,
    // or the sparse cases' page tables, which grow with --reserve.
    if sparse_cost > size {
        let (room, source) = crate::guard::room()?;
        if !args.force && sparse_cost > room / 2 {
            // The largest reservation that fits, as a suggestion that works.
            let fits = (room / 2 / (2 * page) * HUGE_PAGE_BYTES) / ONE_GIB * ONE_GIB;
            let hint = if fits >= MIN_RESERVE {
                tr(
                    "page_table.err.reserve_hint",
                    &[("gib", &(fits / ONE_GIB).to_string())],
                )
            } else {
                tr("page_table.err.reserve_no_room", &[])
            };
            return Err(usage(tr(
                "page_table.err.reserve_too_big",
                &[
                    ("reserve", &args.reserve.to_string()),
                    ("cost", &human_bytes(sparse_cost)),
                    ("room", &human_bytes(room)),
                    ("source", &source.words()),
                    ("hint", &hint),
                ],
            )));
        }
    } else {
        crate::guard::check(Size(size), args.force)?;
    }
    Ok((size, reserve))
}

/// The dense case, and its THP twin with --thp where THP can give huge pages.
fn dense_plans(args: &Args, size: u64, ctx: &Ctx, r: &mut Report) -> Vec<(&'static str, Plan)> {
    let dense = Plan {
        // Start at a 2 MiB boundary and map whole 2 MiB windows past the
        // end of SIZE, plus 2 MiB of slack for the alignment: every PTE page
        // the touching needs maps only this region, so none can already
        // exist for a neighbouring mapping (with SIZE = 3 MiB the last
        // window used to stick out of the mapping and be shared).
        map_len: size.next_multiple_of(HUGE_PAGE_BYTES) + HUGE_PAGE_BYTES,
        opts: MapOptions::default(),
        advice: HugeAdvice::NoHuge,
        align: HUGE_PAGE_BYTES,
        span: size,
        stride: sys::page_size(),
        forks: 0,
    };
    let mut plans = vec![("dense", dense)];
    if args.thp {
        match ctx.meta.thp_enabled.as_deref() {
            Some("always") | Some("madvise") => plans.push((
                "dense-thp",
                Plan {
                    advice: HugeAdvice::Huge,
                    ..dense
                },
            )),
            other => r.skip_t(
                "page_table.skip.thp_off",
                &[("mode", other.unwrap_or("absent"))],
            ),
        }
    }
    plans
}

/// Run one case in a fresh child and record its row. `Ok(false)`: the run
/// was interrupted.
fn run_case(
    ctx: &Ctx,
    name: &str,
    plan: Plan,
    r: &mut Report,
    rows: &mut Vec<Row>,
) -> Result<bool> {
    ctx.ui.say(&tr(
        "page_table.say.case",
        &[
            ("name", name),
            ("stride", &human_bytes(plan.stride)),
            ("span", &human_bytes(plan.span)),
        ],
    ));
    let m = match touch_child::run(plan)? {
        Outcome::Interrupted => {
            r.interrupted = true;
            return Ok(false);
        }
        Outcome::AdviseFailed(why) => return Err(anyhow!("{name}: {why}")),
        Outcome::MapFailed(errno) => {
            return Err(anyhow!(tr(
                "page_table.err.mmap_failed",
                &[
                    ("name", name),
                    ("len", &human_bytes(plan.map_len)),
                    (
                        "error",
                        &std::io::Error::from_raw_os_error(errno).to_string()
                    ),
                ],
            )));
        }
        Outcome::Done(m) => m,
    };
    let (before, after, touched) = (m.before, m.after, m.touched);
    let delta = after.status.vm_pte_kib as i64 - before.status.vm_pte_kib as i64;
    rows.push(Row {
        case: name.into(),
        huge: match plan.advice {
            HugeAdvice::Huge => "madv_hugepage",
            HugeAdvice::NoHuge => "madv_nohugepage",
            HugeAdvice::Default => "default",
        }
        .into(),
        align_bytes: plan.align,
        stride_bytes: plan.stride,
        span_bytes: plan.span,
        touched_pages: touched,
        minflt: after.sample.minflt.saturating_sub(before.sample.minflt),
        vm_pte_before_kib: before.status.vm_pte_kib,
        vm_pte_after_kib: after.status.vm_pte_kib,
        pte_delta_kib: delta,
        pte_bytes_per_touched_page: if touched > 0 {
            (delta * 1024) as f64 / touched as f64
        } else {
            0.0
        },
        rss_delta_kib: after.sample.rss_kib as i64 - before.sample.rss_kib as i64,
        anon_huge_kib: after.anon_huge_kib,
    });
    Ok(true)
}

/// The sparse cases inside one MAP_NORESERVE reservation. `Ok(false)`: the
/// run was interrupted.
fn sparse_cases(ctx: &Ctx, reserve: u64, r: &mut Report, rows: &mut Vec<Row>) -> Result<bool> {
    let Some((plan, reserve)) = accepted_reservation(reserve, r)? else {
        return Ok(!r.interrupted);
    };
    r.measure("reserve_used_bytes", reserve);
    for (name, stride) in [("sparse-2m", HUGE_PAGE_BYTES), ("sparse-1g", ONE_GIB)] {
        if !run_case(ctx, name, Plan { stride, ..plan }, r, rows)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// With overcommit heuristics (mode 0) a MAP_NORESERVE mapping is not
/// charged at all, but a kernel may still refuse an address range it cannot
/// fit: halve the reservation until it is accepted. The reservation starts
/// on a 1 GiB boundary and is mapped 1 GiB longer, so every 2 MiB and 1 GiB
/// window the sparse cases touch belongs to it alone: their PTE and PMD
/// pages are all new.
fn accepted_reservation(mut reserve: u64, r: &mut Report) -> Result<Option<(Plan, u64)>> {
    while reserve >= MIN_RESERVE {
        let plan = Plan {
            map_len: reserve + ONE_GIB,
            opts: MapOptions {
                noreserve: true,
                ..MapOptions::default()
            },
            advice: HugeAdvice::NoHuge,
            align: ONE_GIB,
            span: reserve,
            stride: HUGE_PAGE_BYTES,
            forks: 0,
        };
        let probe = Plan {
            stride: reserve,
            span: 1,
            ..plan
        };
        match touch_child::run(probe)? {
            Outcome::MapFailed(e) if e == libc::ENOMEM => {
                r.note_t(
                    "page_table.note.reservation_halved",
                    &[("len", &human_bytes(plan.map_len))],
                );
                reserve /= 2;
            }
            Outcome::AdviseFailed(why) => return Err(anyhow!("{why}")),
            Outcome::MapFailed(e) => {
                return Err(anyhow!(tr(
                    "page_table.err.reserve_mmap_failed",
                    &[
                        ("len", &human_bytes(plan.map_len)),
                        ("error", &std::io::Error::from_raw_os_error(e).to_string()),
                    ],
                )));
            }
            Outcome::Interrupted => {
                r.interrupted = true;
                return Ok(None);
            }
            Outcome::Done(_) => return Ok(Some((plan, reserve))),
        }
    }
    r.skip_t(
        "page_table.skip.no_reservation",
        &[("min", &human_bytes(MIN_RESERVE))],
    );
    Ok(None)
}

/// The rows, the view and the chart; the summary and checks come from
/// [`judge`].
fn finish(mut r: Report, rows: Vec<Row>) -> Result<Report> {
    if let Some(t) = rows.iter().find(|x| x.case == "dense-thp") {
        let delta = t.pte_delta_kib.to_string();
        let span = human_bytes(t.span_bytes);
        match t.anon_huge_kib {
            Some(k) => r.note_t(
                "page_table.note.dense_thp",
                &[("delta", &delta), ("span", &span), ("huge", &k.to_string())],
            ),
            None => r.note_t(
                "page_table.note.dense_thp_unknown",
                &[("delta", &delta), ("span", &span)],
            ),
        }
    }
    r.columns_from(&Row::default());
    for row in &rows {
        r.push_row(row);
    }
    r.table_hide = vec!["huge".into(), "align_bytes".into()];
    r.chart = view::chart(&super::Recorded::of(&r))?;
    Ok(r)
}
