//! free — メモリに関する統計情報
//!
//! The columns of `free`, read from /proc/meminfo, with the document's
//! definition of each. `used` is the document's (procps before 4.0.1:
//! total - free - buff/cache); `unavailable` (total - available) is what
//! procps 4.0.1 and later print as `used`.
//!
//! The document's `available` is "free plus the kernel memory that can be
//! released". The kernel's own definition (`si_mem_available`, see
//! [`crate::probe::available`]) also takes off the reserve it keeps for
//! itself (`totalreserve_pages`: the zones' high watermarks and lowmem
//! reserves), so with little page cache `available` is legitimately below
//! `free`. Each row records the zoneinfo and meminfo figures the checks need.

use std::time::Duration;

mod checks;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Ctx;
use crate::probe::available::{self, AvailableInputs, Watermarks};
use crate::probe::meminfo::{self, MemInfo};
use crate::report::Report;
use crate::sampler::Sampler;
use crate::units::Interval;

use checks::Online;
pub use checks::judge;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sample every INTERVAL (e.g. 1s) instead of once: --count times, or until interrupted (Ctrl-C), as free -s
    #[arg(long, value_name = "INTERVAL", allow_hyphen_values = true)]
    pub watch: Option<Interval>,
    /// With --watch: how many samples (without it, until interrupted, as free -s)
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = parse_count)]
    pub count: Option<u64>,
}

/// `--count N`: at least one sample; no --count is the unbounded run.
fn parse_count(s: &str) -> Result<u64, String> {
    if s.trim() == "0" {
        return Err("'0' samples: leave --count out to sample until interrupted, as free -s does (or e.g. --count 5)".into());
    }
    crate::units::parse_count::<u64>(s, 1, 1_000_000_000_000, 5)
}

/// This experiment's registry entry.
pub const INFO: super::Info = super::Info {
    name: "free",
    section: "メモリに関する統計情報",
    summary: "system memory as `free` shows it, with the document's definitions",
    needs: "-",
    page: include_str!("../../../experiments/free.md"),
    plots: false,
    chart: None,
    quick: Some(&[]),
    key_figures: &[],
    judge,
    page_ja: Some(include_str!("../../../experiments/ja/free.md")),
};

/// The document's definitions, in its words and in English.
const DEFINITIONS: &[(&str, &str, &str)] = &[
    (
        "total",
        "システムに搭載されている全メモリの量",
        "all memory installed in the system",
    ),
    (
        "free",
        "見かけ上の空きメモリ",
        "memory that is free on the face of it",
    ),
    (
        "buff/cache",
        "バッファキャッシュ、およびページキャッシュが利用するメモリ",
        "memory used by the buffer cache and the page cache",
    ),
    (
        "available",
        "実質的な空きメモリ",
        "memory that is free in practice: free plus kernel memory (most of the caches) that can be released when free runs short",
    ),
];

#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub struct Row {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_s: Option<f64>,
    pub total_kib: u64,
    pub used_kib: u64,
    pub free_kib: u64,
    pub shared_kib: u64,
    pub buff_cache_kib: u64,
    pub available_kib: u64,
    pub unavailable_kib: u64,
    pub swap_total_kib: u64,
    pub swap_used_kib: u64,
    pub swap_free_kib: u64,
    pub pcp_free_kib: u64,
    pub mem_used_adj_kib: u64,
    /// meminfo `MemAvailable` as printed (`None` before Linux 3.14; then
    /// `available_kib` is procps's stand-in, free).
    pub mem_available_kib: Option<u64>,
    pub active_file_kib: Option<u64>,
    pub inactive_file_kib: Option<u64>,
    /// meminfo `KReclaimable` (4.20 and later), else `None`.
    pub kreclaimable_kib: Option<u64>,
    pub sreclaimable_kib: Option<u64>,
    /// zoneinfo, read just before meminfo: the kernel's totalreserve_pages
    /// (Σ min(managed, high watermark + largest lowmem reserve)), in KiB.
    pub totalreserve_kib: Option<u64>,
    /// Σ high watermarks (without boost) and Σ largest lowmem reserves.
    pub zone_high_kib: Option<u64>,
    pub zone_lowmem_reserve_kib: Option<u64>,
    /// Σ low watermarks (boost included), read before meminfo.
    pub zone_low_kib: Option<u64>,
    /// The same two figures read again just after meminfo.
    pub totalreserve_after_kib: Option<u64>,
    pub zone_low_after_kib: Option<u64>,
}

/// Columns the table leaves to CSV/JSON.
const HIDDEN: &[&str] = &[
    "mem_available_kib",
    "active_file_kib",
    "inactive_file_kib",
    "kreclaimable_kib",
    "sreclaimable_kib",
    "zone_high_kib",
    "zone_lowmem_reserve_kib",
    "zone_low_kib",
    "totalreserve_after_kib",
    "zone_low_after_kib",
];

#[derive(Serialize, Deserialize, Default, Debug)]
pub struct Measurements {
    /// CPUs online: the vmstat batch tolerance scales with them.
    pub online_cpus: Option<u64>,
    /// All the samples as the checks need them, folded as they were taken
    /// (absent in a JSON written before `--watch` streamed: the judge then
    /// folds the rows).
    #[serde(default)]
    pub online: Option<Online>,
    /// `--watch`: rows a reader of the output did not take in time.
    #[serde(default)]
    pub rows_dropped: u64,
    /// `--watch`: how well the sampling deadlines were kept (passed to the
    /// summary as they are).
    #[serde(default)]
    pub sampler: Map<String, Value>,
}

/// One sample: zoneinfo, meminfo, zoneinfo again.
fn sample(t_s: Option<f64>, page_kib: u64) -> Result<Row> {
    let before = available::read_watermarks().ok();
    let text = std::fs::read_to_string("/proc/meminfo").context("reading /proc/meminfo")?;
    let after = available::read_watermarks().ok();
    let fields = meminfo::parse_meminfo(&text).context("parsing /proc/meminfo")?;
    let pcp = before
        .as_ref()
        .map(|(_, z)| meminfo::parse_pcp_pages(z) * page_kib)
        .unwrap_or(0);
    let m = MemInfo::from_fields(fields, pcp);
    let a = available::parse_inputs(&text);
    Ok(Row::new(
        t_s,
        &m,
        &a,
        before.map(|w| w.0),
        after.map(|w| w.0),
        page_kib,
    ))
}

impl Row {
    fn new(
        t_s: Option<f64>,
        m: &MemInfo,
        a: &AvailableInputs,
        before: Option<Watermarks>,
        after: Option<Watermarks>,
        page_kib: u64,
    ) -> Row {
        let kib = |w: Option<Watermarks>, f: fn(&Watermarks) -> u64| w.map(|w| f(&w) * page_kib);
        Row {
            t_s,
            total_kib: m.total_kib,
            used_kib: m.used_kib,
            free_kib: m.free_kib,
            shared_kib: m.shared_kib,
            buff_cache_kib: m.buff_cache_kib,
            available_kib: m.available_kib,
            unavailable_kib: m.unavailable_kib,
            swap_total_kib: m.swap_total_kib,
            swap_used_kib: m.swap_used_kib,
            swap_free_kib: m.swap_free_kib,
            pcp_free_kib: m.pcp_free_kib,
            mem_used_adj_kib: m.used_adj_kib,
            mem_available_kib: a.mem_available,
            active_file_kib: a.active_file,
            inactive_file_kib: a.inactive_file,
            kreclaimable_kib: a.k_reclaimable,
            sreclaimable_kib: a.s_reclaimable,
            totalreserve_kib: kib(before, |w| w.totalreserve),
            zone_high_kib: kib(before, |w| w.high),
            zone_lowmem_reserve_kib: kib(before, |w| w.lowmem_reserve),
            zone_low_kib: kib(before, |w| w.low),
            totalreserve_after_kib: kib(after, |w| w.totalreserve),
            zone_low_after_kib: kib(after, |w| w.low),
        }
    }
}

pub fn run(args: &Args, ctx: &Ctx) -> Result<Report> {
    if args.count.is_some() && args.watch.is_none() {
        return Err(crate::error::usage(
            "--count needs --watch, e.g. --watch 1s --count 5",
        ));
    }
    let mut r = Report::new("free", &ctx.meta);
    // Without --count, --watch samples until interrupted (as `free -s`):
    // `samples` is then null.
    let samples = match args.watch {
        Some(_) => args.count,
        None => Some(1),
    };
    r.param("interval_s", args.watch.map(|w| w.0.as_secs_f64()));
    r.param("samples", samples);
    r.measure("online_cpus", available::online_cpus());
    for (name, ja, en) in DEFINITIONS {
        r.note(format!("{name:<10} {ja} — {en}"));
    }
    r.note(
        "used       the document's figure (procps < 4.0.1): total - free - buff/cache. \
         procps 4.0.1 and later print total - available as `used`: that is `unavailable` here.",
    );
    r.note(
        "available  the kernel's estimate: free - its reserve (zone high watermarks + lowmem \
         reserves) + the reclaimable part of the page cache and of reclaimable kernel memory; \
         with little page cache it is below free",
    );
    r.columns_from(&Row {
        t_s: args.watch.map(|_| 0.0),
        ..Row::default()
    });
    r.table_hide = HIDDEN.iter().map(|s| s.to_string()).collect();

    let page_kib = (ctx.meta.page_size / 1024).max(1);
    match args.watch {
        None => {
            let row = sample(None, page_kib)?;
            let mut online = Online::default();
            online.push(&row);
            r.push_row(&row);
            r.measure("online", &online);
        }
        Some(interval) => watch(&mut r, ctx, interval.0, args.count, page_kib)?,
    }
    Ok(r)
}

/// `--watch`: sample on fixed deadlines, `count` times or until
/// interrupted (or until the reader of `--csv -` leaves). Every row streams
/// to the outputs as it is taken; memlab keeps the [`Online`] fold the
/// checks need and a bounded selection of rows for the table, so its size
/// does not grow with the number of samples.
fn watch(
    r: &mut Report,
    ctx: &Ctx,
    interval: Duration,
    count: Option<u64>,
    page_kib: u64,
) -> Result<()> {
    for n in ctx.stream.open(r)? {
        ctx.ui.say(&n.text());
        n.add_to(r);
    }
    let mut online = Online::default();
    let mut keep = TableKeep::new(TABLE_ROWS);
    let mut live = Live::new(&ctx.ui);
    if live.on {
        ctx.ui.say(&format!(
            "sampling every {}{}; a line a second here, the table at the end",
            Interval(interval),
            count.map_or(" until interrupted (Ctrl-C)".to_string(), |n| format!(
                ", {n} times"
            ))
        ));
    }
    let mut sampler = Sampler::start(interval);
    let mut reader_left = false;
    while count.is_none_or(|n| online.samples < n) {
        let Some(tick) = sampler.wait(None) else {
            r.interrupted = true;
            break;
        };
        if ctx.stream.reader_gone() {
            reader_left = true;
            break;
        }
        let t_s = (tick.t_s * 1e6).round() / 1e6;
        let row = sampler.timed(|| sample(Some(t_s), page_kib))?;
        keep.push(online.samples, &row);
        online.push(&row);
        ctx.stream.push(&row);
        live.show(&ctx.ui, &row);
        sampler.record();
        ctx.stream.before_idle(interval);
    }
    let stats = sampler.finish();
    let kept = keep.rows();
    for (_, row) in &kept {
        r.push_row(row);
    }
    ctx.stream
        .set_view_rows(kept.iter().map(|(i, _)| *i as usize).collect());
    if online.samples > kept.len() as u64 {
        r.note(format!(
            "the table shows {} of {} samples (evenly spaced, the lowest available and the last); all are in --csv/--json",
            kept.len(),
            online.samples
        ));
    }
    let dropped = ctx.stream.dropped();
    if dropped > 0 {
        r.note(format!(
            "{dropped} rows were dropped: the reader of the output did not keep up"
        ));
    }
    if reader_left {
        r.note("the reader of the output left: sampling stopped there");
    }
    let figures: Map<String, Value> = stats
        .figures()
        .into_iter()
        .filter(|(k, _)| SAMPLER_FIGURES.contains(&k.as_str()))
        .collect();
    r.measure("online", &online);
    r.measure("rows_dropped", dropped);
    r.measure("sampler", figures);
    Ok(())
}

/// On a terminal, a line per sample as `free -s` prints (at most one a
/// second): the table comes only when the run ends, and a run without
/// `--count` ends when the user says so.
struct Live {
    on: bool,
    last: Option<std::time::Instant>,
}

impl Live {
    fn new(ui: &crate::output::Ui) -> Live {
        use std::io::IsTerminal;
        let on = !ui.quiet
            && if ui.to_stderr {
                std::io::stderr().is_terminal()
            } else {
                std::io::stdout().is_terminal()
            };
        Live { on, last: None }
    }

    fn show(&mut self, ui: &crate::output::Ui, row: &Row) {
        if !self.on
            || self
                .last
                .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        self.last = Some(std::time::Instant::now());
        ui.say(&live_line(row));
    }
}

fn live_line(row: &Row) -> String {
    let h = |kib: u64| crate::units::human_kib(kib as f64);
    format!(
        "{:>8.1} s  used {}  free {}  buff/cache {}  available {}  swap used {}",
        row.t_s.unwrap_or(0.0),
        h(row.used_kib),
        h(row.free_kib),
        h(row.buff_cache_kib),
        h(row.available_kib),
        h(row.swap_used_kib),
    )
}

/// The sampler's figures a `--watch` summary shows.
const SAMPLER_FIGURES: &[&str] = &[
    "duration_s",
    "samples_skipped",
    "samples_late",
    "sample_work_mean_us",
];

/// At most this many evenly spaced rows in the human table, plus the one
/// with the lowest `available` and the last.
const TABLE_ROWS: usize = 20;

/// Evenly spaced rows of a run of unknown length: every `stride`-th row,
/// the stride doubling (and every other kept row going) whenever more than
/// `cap` are kept; plus the row with the lowest `available` and the last.
struct TableKeep {
    cap: usize,
    stride: u64,
    kept: Vec<(u64, Row)>,
    lowest: Option<(u64, Row)>,
    last: Option<(u64, Row)>,
}

impl TableKeep {
    fn new(cap: usize) -> TableKeep {
        TableKeep {
            cap: cap.max(2),
            stride: 1,
            kept: Vec::with_capacity(cap + 1),
            lowest: None,
            last: None,
        }
    }

    fn push(&mut self, index: u64, r: &Row) {
        if index.is_multiple_of(self.stride) {
            self.kept.push((index, r.clone()));
            if self.kept.len() > self.cap {
                self.stride *= 2;
                let s = self.stride;
                self.kept.retain(|(i, _)| i.is_multiple_of(s));
            }
        }
        if self
            .lowest
            .as_ref()
            .is_none_or(|(_, l)| r.available_kib < l.available_kib)
        {
            self.lowest = Some((index, r.clone()));
        }
        self.last = Some((index, r.clone()));
    }

    /// The kept rows in order, each with its index among all the samples.
    fn rows(&self) -> Vec<(u64, Row)> {
        let mut v = self.kept.clone();
        v.extend(self.lowest.clone());
        v.extend(self.last.clone());
        v.sort_by_key(|(i, _)| *i);
        v.dedup_by_key(|(i, _)| *i);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_line_names_the_columns_of_free() {
        let row = Row {
            t_s: Some(3.0),
            used_kib: 1024,
            available_kib: 2 * 1024 * 1024,
            ..Row::default()
        };
        let line = live_line(&row);
        assert!(line.contains("3.0 s"), "{line}");
        assert!(line.contains("used 1.0 MiB"), "{line}");
        assert!(line.contains("available 2.0 GiB"), "{line}");
    }

    #[test]
    fn the_table_keeps_a_bounded_even_selection_the_lowest_and_the_last() {
        let mut k = TableKeep::new(20);
        for i in 0..100_000u64 {
            let row = Row {
                available_kib: if i == 77_777 { 1 } else { 1_000 + i },
                ..Row::default()
            };
            k.push(i, &row);
        }
        let rows = k.rows();
        assert!(rows.len() <= 22, "{}", rows.len());
        assert_eq!(rows[0].0, 0);
        assert!(rows.iter().any(|(i, _)| *i == 77_777));
        assert_eq!(rows.last().unwrap().0, 99_999);
        assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
        let mut few = TableKeep::new(20);
        for i in 0..5u64 {
            few.push(i, &Row::default());
        }
        assert_eq!(few.rows().len(), 5);
    }
}
