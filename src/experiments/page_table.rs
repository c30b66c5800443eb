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

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use super::touch_child::{self, Outcome, Plan};
use crate::error::usage;
use crate::probe::host;
use crate::probe::meminfo::HugeAndTables;
use crate::probe::process::ProcHandle;
use crate::report::{Chart, ChartKind, Check, Report};
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
    page: include_str!("../../experiments/page-table.md"),
    plots: true,
    quick: Some(&["--size", "64M", "--reserve", "8G"]),
    key_figures: &[],
    judge: None,
};

/// A page-table entry on a 64-bit machine is one machine word.
const PTE_ENTRY_BYTES: u64 = std::mem::size_of::<u64>() as u64;
/// The document's figure for x86_64, to compare the arithmetic with.
const DOCUMENT_FLAT_BYTES: u64 = 256 << 30;
/// x86_64 gives user space the lower half of the virtual address width, and
/// keeps it at 47 bits (128 TiB) even on 5-level (57-bit) CPUs unless a
/// program asks for higher addresses.
const X86_64_USER_BITS_MAX: u32 = 47;
const ONE_GIB: u64 = 1 << 30;
/// Smallest reservation worth the sparse cases (two 1 GiB strides).
const MIN_RESERVE: u64 = 2 * ONE_GIB;
/// Dense touching: besides the PTE pages, allow the upper-level table pages
/// (one PMD page per GiB spanned, one PUD page) and a few pages of the child's
/// own stack or heap growing meanwhile.
const DENSE_EXTRA_TABLE_PAGES: u64 = 4;
/// Sparse touching: every touched page should cost at least 90% of a whole
/// table page (the first touch may share a PTE page with a neighbour).
const SPARSE_MIN_FRACTION: f64 = 0.9;
/// "Much smaller than the flat table": the measured peak must stay below this
/// fraction of it.
const REAL_VS_FLAT_MAX: f64 = 1e-3;

#[derive(Serialize, Clone, Default)]
struct Row {
    case: String,
    huge: String,
    stride_bytes: u64,
    span_bytes: u64,
    touched_pages: u64,
    minflt: u64,
    vm_pte_before_kib: u64,
    vm_pte_after_kib: u64,
    pte_delta_kib: i64,
    pte_bytes_per_touched_page: f64,
    rss_delta_kib: i64,
    /// Empty where smaps_rollup cannot be read: unknown, not zero.
    anon_huge_kib: Option<u64>,
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    let page = sys::page_size();
    crate::guard::at_least(
        "--size",
        args.size,
        HUGE_PAGE_BYTES,
        "one page-table page maps 2 MiB, so less shows no page-table cost of its own",
        "256M",
    )?;
    let size = args.size.bytes().next_multiple_of(page).max(page);
    let mut reserve = args.reserve.bytes().next_multiple_of(ONE_GIB);
    if reserve < MIN_RESERVE {
        return Err(usage(format!(
            "--reserve {} is too small for the sparse cases (one page every 1 GiB needs at \
             least {}; e.g. --reserve 64G)",
            args.reserve,
            human_bytes(MIN_RESERVE)
        )));
    }
    // The sparse 2 MiB case touches reserve/2MiB pages and as many PTE pages.
    let sparse_cost = reserve / HUGE_PAGE_BYTES * 2 * page;
    // Name the option that asked for the memory: the dense case's --size,
    // or the sparse cases' page tables, which grow with --reserve.
    if sparse_cost > size {
        let (room, source) = crate::guard::room()?;
        if !args.force && sparse_cost > room / 2 {
            return Err(usage(format!(
                "--reserve {} needs {} of page tables in the sparse cases, more than half of \
                 the {} {source}; e.g. --reserve 64G, or --force",
                args.reserve,
                human_bytes(sparse_cost),
                human_bytes(room)
            )));
        }
    } else {
        crate::guard::check(Size(size), args.force)?;
    }

    let mut r = Report::new("page-table", &ctx.meta);
    r.param("size_bytes", size);
    r.param("reserve_bytes", reserve);
    r.param("thp", args.thp);

    // --- The document's arithmetic, from this host's figures ---------------
    let vbits = host::virtual_address_bits();
    let x86 = cfg!(target_arch = "x86_64");
    let user_bits = match vbits {
        Some(b) if x86 => (b - 1).min(X86_64_USER_BITS_MAX),
        _ => X86_64_USER_BITS_MAX,
    };
    let user_space = 1u64 << user_bits;
    let entries = user_space / page;
    let flat = entries * PTE_ENTRY_BYTES;
    ctx.ui.say(&format!(
        "A flat table: {} of user space / {} pages = {} entries × {} bytes = {}",
        human_bytes(user_space),
        human_bytes(page),
        entries,
        PTE_ENTRY_BYTES,
        human_bytes(flat)
    ));
    r.summary("virtual_address_bits", vbits);
    r.summary("user_space_bits", user_bits);
    r.summary("user_space_bytes", user_space);
    r.summary("page_size_bytes", page);
    r.summary("pte_entry_bytes", PTE_ENTRY_BYTES);
    r.summary("flat_table_entries", entries);
    r.summary("flat_table_bytes", flat);

    let me = ProcHandle::myself()?.status_mem()?;
    r.summary("memlab_vm_pte_kib", me.vm_pte_kib);

    // --- The cases -----------------------------------------------------------
    let thp_mode = ctx.meta.thp_enabled.clone();
    let mut plans: Vec<(&str, Plan)> = vec![(
        "dense",
        Plan {
            // Map 2 MiB more and start at a 2 MiB boundary, so the span
            // covers whole PTE pages and shares none with a neighbour.
            map_len: size + HUGE_PAGE_BYTES,
            opts: MapOptions::default(),
            advice: HugeAdvice::NoHuge,
            align: HUGE_PAGE_BYTES,
            span: size,
            stride: page,
            forks: 0,
        },
    )];
    if args.thp {
        match thp_mode.as_deref() {
            Some("always") | Some("madvise") => plans.push((
                "dense-thp",
                Plan {
                    advice: HugeAdvice::Huge,
                    ..plans[0].1
                },
            )),
            other => r.skip(format!(
                "--thp: transparent huge pages are `{}` on this host, so MADV_HUGEPAGE \
                 cannot give huge pages (memlab never changes the THP mode)",
                other.unwrap_or("absent")
            )),
        }
    }

    let overcommit = ctx.meta.overcommit_memory;
    let sparse_ok = overcommit != Some(2);
    if !sparse_ok {
        r.skip(
            "sparse cases: vm.overcommit_memory is 2 (strict), where MAP_NORESERVE is ignored \
             and a large reservation is charged in full against the commit limit; memlab \
             does not change that setting",
        );
    }

    let mut rows: Vec<Row> = Vec::new();
    let run_case = |name: &str, plan: Plan, r: &mut Report| -> Result<Option<Row>> {
        ctx.ui.say(&format!(
            "{name}: touching one byte every {} over {} in a fresh child",
            human_bytes(plan.stride),
            human_bytes(plan.span)
        ));
        match touch_child::run(plan)? {
            Outcome::Interrupted => {
                r.interrupted = true;
                Ok(None)
            }
            Outcome::AdviseFailed(why) => Err(anyhow::anyhow!("{name}: {why}")),
            Outcome::MapFailed(errno) => Err(anyhow::anyhow!(
                "{name}: mmap of {} failed: {}",
                human_bytes(plan.map_len),
                std::io::Error::from_raw_os_error(errno)
            )),
            Outcome::Done(m) => {
                let (before, after, touched) = (m.before, m.after, m.touched);
                let delta = after.status.vm_pte_kib as i64 - before.status.vm_pte_kib as i64;
                Ok(Some(Row {
                    case: name.into(),
                    huge: match plan.advice {
                        HugeAdvice::Huge => "madv_hugepage",
                        HugeAdvice::NoHuge => "madv_nohugepage",
                        HugeAdvice::Default => "default",
                    }
                    .into(),
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
                }))
            }
        }
    };

    for (name, plan) in plans {
        if let Some(row) = run_case(name, plan, &mut r)? {
            rows.push(row);
        }
        if r.interrupted {
            return finish(r, rows, flat, page);
        }
    }

    if sparse_ok {
        // With overcommit heuristics (mode 0) a MAP_NORESERVE mapping is not
        // charged at all, but a kernel may still refuse an address range it
        // cannot fit: halve the reservation until it is accepted.
        let mut accepted = None;
        while reserve >= MIN_RESERVE {
            let plan = Plan {
                map_len: reserve,
                opts: MapOptions {
                    noreserve: true,
                    ..MapOptions::default()
                },
                advice: HugeAdvice::NoHuge,
                align: 1,
                span: reserve,
                stride: HUGE_PAGE_BYTES,
                forks: 0,
            };
            match touch_child::run(Plan {
                stride: reserve,
                span: 1,
                ..plan
            })? {
                Outcome::MapFailed(e) if e == libc::ENOMEM => {
                    r.note(format!(
                        "the kernel refused a MAP_NORESERVE reservation of {} (ENOMEM); halving it",
                        human_bytes(reserve)
                    ));
                    reserve /= 2;
                }
                Outcome::AdviseFailed(why) => return Err(anyhow::anyhow!("{why}")),
                Outcome::MapFailed(e) => {
                    return Err(anyhow::anyhow!(
                        "mmap of {} with MAP_NORESERVE failed: {}",
                        human_bytes(reserve),
                        std::io::Error::from_raw_os_error(e)
                    ));
                }
                Outcome::Interrupted => {
                    r.interrupted = true;
                    return finish(r, rows, flat, page);
                }
                Outcome::Done(_) => {
                    accepted = Some(plan);
                    break;
                }
            }
        }
        match accepted {
            None => r.skip(format!(
                "sparse cases: no MAP_NORESERVE reservation of at least {} was accepted",
                human_bytes(MIN_RESERVE)
            )),
            Some(plan) => {
                r.summary("reserve_used_bytes", reserve);
                for (name, stride) in [("sparse-2m", HUGE_PAGE_BYTES), ("sparse-1g", ONE_GIB)] {
                    if let Some(row) = run_case(name, Plan { stride, ..plan }, &mut r)? {
                        rows.push(row);
                    }
                    if r.interrupted {
                        return finish(r, rows, flat, page);
                    }
                }
            }
        }
    }
    if let Ok(t) = HugeAndTables::read() {
        r.summary("system_page_tables_kib", t.page_tables_kib);
    }
    finish(r, rows, flat, page)
}

/// Summary, checks and chart from the rows measured so far.
fn finish(mut r: Report, rows: Vec<Row>, flat: u64, page: u64) -> Result<Report> {
    let find = |c: &str| rows.iter().find(|x| x.case == c).cloned();
    let dense = find("dense");
    let sparse2 = find("sparse-2m");
    let sparse1g = find("sparse-1g");
    let thp = find("dense-thp");
    for (key, row) in [
        ("dense", &dense),
        ("dense_thp", &thp),
        ("sparse_2m", &sparse2),
        ("sparse_1g", &sparse1g),
    ] {
        if let Some(x) = row {
            r.summary(&format!("{key}_pte_delta_kib"), x.pte_delta_kib);
            r.summary(
                &format!("{key}_pte_bytes_per_page"),
                round2(x.pte_bytes_per_touched_page),
            );
        }
    }

    // The arithmetic: the document's 256 GiB, computed here from the page size
    // and the width of the user address space.
    let claim_flat = "a flat page table for x86_64's 128 TiB of user space, with 4 KiB pages \
                      and 8-byte entries, would take 256 GiB per process";
    if cfg!(target_arch = "x86_64") && page == 4096 {
        r.check(Check::new(
            "flat_table_would_be_256_gib",
            claim_flat,
            human_bytes(DOCUMENT_FLAT_BYTES),
            format!("{} ({flat} bytes)", human_bytes(flat)),
            flat == DOCUMENT_FLAT_BYTES,
        ));
    } else {
        r.check(Check::inconclusive(
            "flat_table_would_be_256_gib",
            claim_flat,
            human_bytes(DOCUMENT_FLAT_BYTES),
            format!(
                "this host is not x86_64 with 4 KiB pages; its flat table would be {}",
                human_bytes(flat)
            ),
        ));
    }

    if let Some(d) = &dense {
        let pte_pages = d.span_bytes.div_ceil(HUGE_PAGE_BYTES);
        let min_kib = pte_pages * page / 1024;
        let upper_pages = d.span_bytes.div_ceil(ONE_GIB) + DENSE_EXTRA_TABLE_PAGES;
        let max_kib = min_kib + upper_pages * page / 1024;
        r.check(Check::new(
            "dense_costs_8_bytes_per_page",
            "touching every page needs one 8-byte entry per page: one 4 KiB PTE page per 512 \
             pages, about 1/512 of the memory touched",
            format!(
                "{min_kib}–{max_kib} KiB for {} ({} PTE pages + up to {upper_pages} upper-level \
                 pages), ≈ 8 bytes per page",
                human_bytes(d.span_bytes),
                pte_pages
            ),
            format!(
                "{} KiB, {:.2} bytes per touched page",
                d.pte_delta_kib, d.pte_bytes_per_touched_page
            ),
            d.pte_delta_kib >= min_kib as i64 && d.pte_delta_kib <= max_kib as i64,
        ));
    }
    for (row, tables, name) in [
        (&sparse2, 1u64, "sparse_2m_costs_a_table_page_per_touch"),
        (&sparse1g, 2u64, "sparse_1g_costs_two_table_pages_per_touch"),
    ] {
        let Some(s) = row else { continue };
        let want = SPARSE_MIN_FRACTION * (tables * page) as f64;
        r.check(Check::new(
            name,
            if tables == 1 {
                "a page touched alone in its 2 MiB needs a whole PTE page of its own, so sparse \
                 touching costs far more than 8 bytes per page"
            } else {
                "a page touched alone in its 1 GiB needs a PTE page and a PMD page of its own"
            },
            format!("≥ {want:.0} bytes of page table per touched page (≫ 8)"),
            format!(
                "{:.0} bytes per touched page ({} KiB for {} pages)",
                s.pte_bytes_per_touched_page, s.pte_delta_kib, s.touched_pages
            ),
            s.pte_bytes_per_touched_page >= want,
        ));
    }
    if let Some(peak) = rows.iter().map(|x| x.vm_pte_after_kib).max() {
        let peak_bytes = peak * 1024;
        let limit = (flat as f64 * REAL_VS_FLAT_MAX) as u64;
        r.check(Check::new(
            "real_tables_far_smaller_than_flat",
            "with a hierarchy the kernel spends page tables only where memory is used, far \
             less than a flat table",
            format!(
                "largest VmPTE < {} (1/1000 of {})",
                human_bytes(limit),
                human_bytes(flat)
            ),
            format!(
                "largest VmPTE {} = 1/{:.0} of the flat table",
                human_bytes(peak_bytes),
                flat as f64 / peak_bytes.max(1) as f64
            ),
            peak_bytes < limit,
        ));
    }
    if let Some(t) = &thp {
        r.note(format!(
            "dense-thp: {} KiB of VmPTE for {} with {} in huge pages; on x86_64 the kernel \
             sets aside (deposits) one PTE page per transparent huge page so it can split it \
             later, and VmPTE counts those pages although no PTE in them is used",
            t.pte_delta_kib,
            human_bytes(t.span_bytes),
            t.anon_huge_kib
                .map_or("an unknown amount (no smaps_rollup)".into(), |k| {
                    format!("{k} KiB")
                })
        ));
    }

    r.chart = Some(Chart {
        title: "Page-table bytes per touched page".into(),
        x_label: "case".into(),
        y_label: "bytes of page table per touched page (VmPTE delta)".into(),
        kind: ChartKind::Bars {
            categories: rows.iter().map(|x| x.case.clone()).collect(),
            series: vec![(
                "bytes per touched page".into(),
                rows.iter().map(|x| x.pte_bytes_per_touched_page).collect(),
            )],
        },
    });
    for row in &rows {
        r.push_row(row);
    }
    if rows.is_empty() {
        r.columns_from(&Row::default());
    }
    r.table_hide = vec!["huge".into()];
    Ok(r)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
