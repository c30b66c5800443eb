//! faults — what one page fault costs, by kind, as a distribution.
//!
//! The chapter's mechanisms (demand paging, copy-on-write, file maps, swap)
//! all run through page faults. For each kind, a region is prepared so that
//! each access is exactly one fault of that kind, and every access is timed
//! on its own between two reads of the monotonic clock, on one thread pinned
//! to one CPU. The thread's own fault counters around each loop check that
//! the kernel counted one fault per access. Rounds are interleaved (A B C A
//! B C), each prepared afresh.

mod checks;
mod kinds;
mod view;

use std::path::PathBuf;

use anyhow::Result;

use super::{Ctx, Recorded};
use crate::i18n::tr;
use crate::report::{Chart, Report};
use crate::sys::{self, HUGE_PAGE_BYTES, MapOptions, Region};
use crate::units::{Size, human_bytes};
use checks::{Measurements, Row};
use kinds::{ALL_KINDS, Kind, Setup, TestFile};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Size of the region (and test file) for the 4 KiB kinds: SIZE/4 KiB timed faults each
    #[arg(long, allow_hyphen_values = true, default_value = "16M")]
    pub size: Size,
    /// Size of the region for the thp kind: one timed fault per 2 MiB
    #[arg(
        long,
        value_name = "SIZE",
        allow_hyphen_values = true,
        default_value = "512M"
    )]
    pub thp_size: Size,
    /// Rounds per kind, interleaved (A B C A B C), each prepared afresh
    #[arg(long, value_name = "N", default_value = "3", allow_hyphen_values = true,
          value_parser = |s: &str| crate::units::parse_count::<u32>(s, 1, 100, 3))]
    pub rounds: u32,
    /// Which kinds, comma-separated (default: every kind that can run here)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KIND,...")]
    pub kinds: Vec<Kind>,
    /// Also write the histogram (kind,bucket_lo_ns,bucket_hi_ns,count; 8 buckets per power of two) as CSV to PATH
    #[arg(long, value_name = "PATH.csv")]
    pub histogram: Option<PathBuf>,
    /// Run even if a region is more than half of the available memory
    #[arg(long)]
    pub force: bool,
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "faults",
    section: "(every section: the page fault behind each mechanism)",
    summary: "what one page fault costs, by kind (anon, THP, CoW, file, swap-in), as a distribution",
    needs: "swap for the swap-in kind (the rest runs without)",
    page: include_str!("../../../experiments/faults.md"),
    plots: true,
    chart: Some(chart),
    quick: Some(&["--size", "8M", "--thp-size", "64M", "--rounds", "2"]),
    key_figures: &[
        "anon_p50_ns",
        "cow_p50_ns",
        "file_minor_p50_ns",
        "file_major_p50_ns",
        "thp_p50_ns",
        "swap_in_p50_ns",
    ],
    judge: checks::judge,
    page_ja: Some(include_str!("../../../experiments/ja/faults.md")),
};

/// At least 256 timed faults per 4 KiB kind.
const MIN_SIZE: u64 = 1 << 20;

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    crate::guard::at_least(
        "--size",
        args.size,
        MIN_SIZE,
        &tr("faults.err.size_min", &[]),
        "16M",
    )?;
    // cow's child copies every page the parent touched.
    crate::guard::check_footprint("--size", args.size, 2, args.force)?;
    crate::guard::at_least(
        "--thp-size",
        args.thp_size,
        HUGE_PAGE_BYTES,
        &tr("faults.err.thp_size_min", &[]),
        "512M",
    )?;
    if let Some(p) = &args.histogram {
        crate::output::write::check_writable("--histogram", p)?;
    }
    let mut r = Report::new("faults", &ctx.meta);
    let page = sys::page_size();
    let size = args.size.bytes() / page * page;
    let thp_size = thp_size(args, &mut r)?;
    let kinds = choose_kinds(args, ctx, &mut r);
    r.param("size_bytes", size);
    r.param("thp_size_bytes", thp_size);
    r.param("rounds", args.rounds);
    r.param("kinds", kinds.iter().map(|k| k.name()).collect::<Vec<_>>());
    r.columns_from(&Row {
        kind: String::new(),
        round: 0,
        seq: 0,
        ns: 0,
    });
    let (file, kinds) = test_file(size, kinds, &mut r)?;
    let scratch = Region::anon(page, MapOptions::default())?;
    scratch.write_range(0, page, page, 1);
    let setup = Setup {
        page,
        size,
        thp_size,
        file,
        scratch,
    };
    let saved = sys::affinity();
    let cpu = sys::pin_to_current_cpu().ok();
    let overhead = sys::timer_overhead_ns(10_001);
    let result = measure(&setup, &kinds, args.rounds, ctx, &mut r, overhead, cpu);
    if let Some(s) = saved {
        sys::set_affinity(&s);
    }
    result?;
    finish(args, &mut r)?;
    Ok(r)
}

/// The thp region: a multiple of 2 MiB, and fewer huge pages (with a note)
/// when the guard would refuse the size asked for.
fn thp_size(args: &Args, r: &mut Report) -> Result<u64> {
    let mut bytes = args.thp_size.bytes() / HUGE_PAGE_BYTES * HUGE_PAGE_BYTES;
    if !args.force {
        let (room, source) = crate::guard::room()?;
        let cap = (room / 2) / HUGE_PAGE_BYTES * HUGE_PAGE_BYTES;
        if bytes > cap {
            let id = if source == crate::guard::Room::Available {
                "faults.note.thp_size_available"
            } else {
                "faults.note.thp_size_cgroup"
            };
            r.note_t(
                id,
                &[
                    ("asked", &human_bytes(bytes)),
                    ("room", &human_bytes(room)),
                    ("used", &human_bytes(cap)),
                    ("n", &(cap / HUGE_PAGE_BYTES).to_string()),
                ],
            );
            bytes = cap;
        }
    }
    if bytes < HUGE_PAGE_BYTES {
        anyhow::bail!(tr("faults.err.no_huge_page", &[]));
    }
    Ok(bytes)
}

/// The kinds asked for (or all), less those this host cannot run, each
/// skipped with one line.
fn choose_kinds(args: &Args, ctx: &Ctx, r: &mut Report) -> Vec<Kind> {
    let asked: Vec<Kind> = if args.kinds.is_empty() {
        ALL_KINDS.to_vec()
    } else {
        ALL_KINDS
            .iter()
            .copied()
            .filter(|k| args.kinds.contains(k))
            .collect()
    };
    let swap_kib = crate::probe::meminfo::MemInfo::read()
        .map(|m| m.swap_total_kib)
        .unwrap_or(0);
    let thp_mode = ctx.meta.thp_enabled.clone();
    asked
        .into_iter()
        .filter(|k| match k {
            Kind::SwapIn if swap_kib == 0 => {
                r.skip_t("faults.skip.no_swap", &[]);
                false
            }
            Kind::Thp if thp_mode.is_none() => {
                r.skip_t("faults.skip.no_thp", &[]);
                false
            }
            Kind::Thp if thp_mode.as_deref() == Some("never") => {
                r.skip_t("faults.skip.thp_never", &[]);
                false
            }
            _ => true,
        })
        .collect()
}

/// The test file for the file kinds, in a folder on disk (a file in memory,
/// on tmpfs, has no device to read from). The file kinds are skipped with a
/// line when no such folder takes an unnamed file.
fn test_file(size: u64, kinds: Vec<Kind>, r: &mut Report) -> Result<(Option<TestFile>, Vec<Kind>)> {
    let wants = |k: &Kind| matches!(k, Kind::FileMinor | Kind::FileMajor);
    if !kinds.iter().any(wants) {
        return Ok((None, kinds));
    }
    let tmp = std::env::temp_dir();
    let mut tried = Vec::new();
    for dir in [tmp.clone(), PathBuf::from("/var/tmp")] {
        let Ok((fs, in_memory)) = crate::probe::fs::kind(&dir) else {
            continue;
        };
        if in_memory {
            tried.push(format!("{} is {fs} (in memory)", dir.display()));
            continue;
        }
        let free = crate::probe::fs::free_bytes(&dir).unwrap_or(0);
        if free < size.saturating_mul(2) {
            tried.push(format!(
                "{} has {} free, under twice the {} file",
                dir.display(),
                human_bytes(free),
                human_bytes(size)
            ));
            continue;
        }
        match TestFile::create(&dir, size) {
            Ok(f) => {
                r.param("file_folder", dir.display().to_string());
                r.param("file_system", fs);
                return Ok((Some(f), kinds));
            }
            Err(e) if sys::interrupted() => return Err(e),
            Err(e) => tried.push(format!("{}: {e:#}", dir.display())),
        }
    }
    r.skip_t("faults.skip.no_folder", &[("tried", &tried.join("; "))]);
    Ok((None, kinds.into_iter().filter(|k| !wants(k)).collect()))
}

fn measure(
    setup: &Setup,
    kinds: &[Kind],
    rounds: u32,
    ctx: &Ctx,
    r: &mut Report,
    overhead: u64,
    cpu: Option<usize>,
) -> Result<()> {
    let mut m = Measurements {
        timer_overhead_ns: overhead,
        clocksource: std::fs::read_to_string(
            "/sys/devices/system/clocksource/clocksource0/current_clocksource",
        )
        .ok()
        .map(|s| s.trim().to_string()),
        cpu,
        rounds: Vec::new(),
    };
    let unknown = tr("faults.say.clocksource_unknown", &[]);
    let clock = [
        ("ns", overhead.to_string()),
        ("clocksource", m.clocksource.clone().unwrap_or(unknown)),
        ("cpu", cpu.map(|c| c.to_string()).unwrap_or_default()),
    ];
    let clock: Vec<(&str, &str)> = clock.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ctx.ui.say(&match cpu {
        Some(_) => tr("faults.say.clock", &clock),
        None => tr("faults.say.clock_unpinned", &clock),
    });
    'rounds: for round in 1..=rounds {
        for &kind in kinds {
            if sys::interrupted() {
                r.interrupted = true;
                break 'rounds;
            }
            let t = kinds::run_kind(kind, round, setup)?;
            ctx.ui.say(&tr(
                "faults.say.round",
                &[
                    ("round", &round.to_string()),
                    ("kind", &format!("{:<10}", kind.name())),
                    ("n", &format!("{:>6}", t.stats.attempted)),
                    ("minor", &t.stats.minflt.to_string()),
                    ("major", &t.stats.majflt.to_string()),
                ],
            ));
            for (seq, ns) in t.ns.iter().enumerate() {
                r.push_row(&Row {
                    kind: kind.name().into(),
                    round,
                    seq: seq as u64,
                    ns: *ns,
                });
            }
            m.rounds.push(t.stats);
        }
    }
    r.measure("timer_overhead_ns", m.timer_overhead_ns);
    r.measure("clocksource", &m.clocksource);
    r.measure("cpu", m.cpu);
    r.measure("rounds", &m.rounds);
    Ok(())
}

/// The histogram, the chart, and the table view: the rows are raw samples
/// (tens of thousands), so the terminal shows none of them; the summary
/// carries each kind's distribution.
fn finish(args: &Args, r: &mut Report) -> Result<()> {
    let rows: Vec<Row> = r
        .rows
        .iter()
        .filter_map(|m| serde_json::from_value(serde_json::Value::Object(m.clone())).ok())
        .collect();
    let buckets = view::histogram(&rows);
    if let Some(p) = &args.histogram {
        crate::output::write::atomic(p, view::histogram_csv(&buckets).as_bytes())?;
    }
    r.chart = chart(&Recorded::of(r))?;
    r.table_rows = Some(Vec::new());
    r.note_t("faults.note.rows", &[("n", &rows.len().to_string())]);
    Ok(())
}

/// The chart from the recorded rows alone: each kind's share of its faults
/// per log-spaced bucket. None without rows.
pub fn chart(rec: &Recorded<'_>) -> Result<Option<Chart>> {
    let rows: Vec<Row> = rec.rows_as()?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(view::chart(&view::histogram(&rows))))
}
