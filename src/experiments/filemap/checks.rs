//! filemap's checks: a pure function of the recorded rows, params and
//! measurements (`memlab judge` runs the same code on a saved JSON).

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::experiments::{Judgement, Recorded};
use crate::i18n::{Lang, tr_in};
use crate::probe::maps::{self, DiffEntry, MapLine};
use crate::report::Check;

/// One step of the child that maps the file: its counters after the step.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Row {
    pub step: String,
    pub vsz_kib: u64,
    pub rss_kib: u64,
    /// Faults since the previous row.
    pub minflt: u64,
    pub majflt: u64,
    /// Pages of the mapped file in the page cache (mincore), when mapped.
    pub cached_pages: Option<u64>,
    pub detail: String,
}

/// Figures that are not rows.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Measured {
    /// Where mmap put the file, and the file's path as the kernel shows it.
    pub address: Option<u64>,
    pub mapped_path: Option<String>,
    /// The child's /proc/PID/maps diff around the mmap: typed entries, as
    /// every maps listing of memlab.
    #[serde(default)]
    pub maps_diff: Vec<DiffEntry>,
    /// What an older memlab recorded instead of `maps_diff`: the added
    /// lines as text. Read (so its JSON is judged the same), never written.
    #[serde(default, skip_serializing)]
    pub maps_added: Vec<String>,
    /// The first bytes through the mapping, and read(2)'s of the same.
    pub bytes_via_map: Option<Vec<u8>>,
    pub bytes_via_read: Option<Vec<u8>>,
    /// read(2) of the file after HELLO was written through the mapping.
    pub bytes_read_back: Option<Vec<u8>>,
    /// The file's pages (size / page size).
    pub file_pages: Option<u64>,
    /// The file lives in memory only (tmpfs, ramfs): no disk to read from.
    #[serde(default)]
    pub file_system_in_memory: bool,
    /// The signal that ended the child early (SIGBUS: the file shrank).
    #[serde(default)]
    pub child_signal: Option<String>,
}

pub const HELLO: &[u8] = b"HELLO";

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    let m: Measured = rec.measurements_as()?;
    let size: u64 = rec
        .params
        .get("size_bytes")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    let mut j = Judgement::default();
    if let Some(sig) = &m.child_signal {
        j.summary("child_signal", sig);
    }
    if let Some(c) = map_line_check(&m, size, &mut j) {
        j.check(c);
    }
    if let (Some(map), Some(read)) = (&m.bytes_via_map, &m.bytes_via_read) {
        j.check(reads_check(map, read));
    }
    if let Some(back) = &m.bytes_read_back {
        if let Some(before) = &m.bytes_via_read {
            j.summary("bytes_before", printable(before));
        }
        j.summary("bytes_read_back", printable(back));
        j.check(write_check(back));
    }
    cold_summary(&rows, m.file_pages.unwrap_or(0), &mut j);
    if let Some(c) = cold_check(&rows, &m) {
        j.check(c);
    }
    Ok(j)
}

/// Bytes as text, with anything unprintable as '.'.
pub fn printable(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_graphic() || c == b' ' {
                c as char
            } else {
                '.'
            }
        })
        .collect()
}

fn map_line_check(m: &Measured, size: u64, j: &mut Judgement) -> Option<Check> {
    let addr = m.address?;
    let path = m.mapped_path.clone().unwrap_or_default();
    let line = maps::added_holding(&m.maps_diff, addr).or_else(|| {
        m.maps_added
            .iter()
            .filter_map(|l| MapLine::parse(l))
            .find(|l| l.contains(addr))
    });
    j.summary("address", format!("{addr:#x}"));
    j.summary("file_map_line", line.as_ref().map(|l| l.render()));
    let holds = line
        .as_ref()
        .is_some_and(|l| l.pathname == path && l.perms.ends_with('s') && l.size() >= size);
    Some(
        Check::new(
            "file_line_in_maps",
            "the file's contents are mapped into the virtual address space: a new line of the \
             memory map names the file",
            tr_in(
                Lang::En,
                "why.filemap.expect_line",
                &[("addr", &format!("{addr:#x}")), ("path", &path)],
            ),
            line.map_or_else(
                || tr_in(Lang::En, "why.filemap.no_line", &[]),
                |l| l.render(),
            ),
            holds,
        )
        .arg("address", format!("{addr:#x}"))
        .arg("path", path),
    )
}

fn reads_check(map: &[u8], read: &[u8]) -> Check {
    Check::new(
        "mapping_reads_the_file",
        "a mapped file is read with plain memory accesses",
        tr_in(
            Lang::En,
            "why.filemap.expect_bytes",
            &[("n", &map.len().to_string())],
        ),
        format!("{:?} vs {:?}", printable(map), printable(read)),
        map == read,
    )
}

fn write_check(back: &[u8]) -> Check {
    Check::new(
        "write_reaches_the_file",
        "what is written to a shared file mapping is written back to the file",
        tr_in(Lang::En, "why.filemap.expect_hello", &[]),
        format!("{:?}", printable(back)),
        back == HELLO,
    )
}

/// The faults of a cold read (`cold_read` or `cold_read_random`) and the
/// pages posix_fadvise had dropped before it (from the row before).
fn cold_figures(rows: &[Row], step: &str, file_pages: u64) -> Option<(u64, u64, u64)> {
    let i = rows.iter().position(|x| x.step == step)?;
    let before = rows.get(i.checked_sub(1)?)?;
    let dropped = file_pages.saturating_sub(before.cached_pages.unwrap_or(file_pages));
    Some((dropped, rows[i].majflt, rows[i].minflt))
}

fn cold_summary(rows: &[Row], file_pages: u64, j: &mut Judgement) {
    for (step, key) in [("cold_read", ""), ("cold_read_random", "random_")] {
        let Some((dropped, majflt, minflt)) = cold_figures(rows, step, file_pages) else {
            continue;
        };
        j.summary(&format!("cold_{key}pages_dropped"), dropped);
        j.summary(&format!("cold_{key}major_faults"), majflt);
        j.summary(&format!("cold_{key}minor_faults"), minflt);
        if majflt > 0 {
            j.summary(
                &format!("cold_{key}pages_per_major_fault"),
                (dropped as f64 / majflt as f64 * 10.0).round() / 10.0,
            );
        }
    }
}

fn cold_check(rows: &[Row], m: &Measured) -> Option<Check> {
    let (dropped, majflt, _) = cold_figures(rows, "cold_read_random", m.file_pages?)?;
    let name = "cold_read_takes_major_faults";
    let claim = "a page of a mapped file that is not in memory is read from the disk on first \
                 access (a major fault)";
    let expected = "major faults > 0 when pages were dropped from the cache (MADV_RANDOM read)";
    let c = if m.file_system_in_memory {
        Check::inconclusive(
            name,
            claim,
            expected,
            tr_in(
                Lang::En,
                "why.filemap.in_memory_fs",
                &[("majflt", &majflt.to_string())],
            ),
        )
    } else if dropped == 0 {
        Check::inconclusive(
            name,
            claim,
            expected,
            tr_in(
                Lang::En,
                "why.filemap.none_dropped",
                &[("majflt", &majflt.to_string())],
            ),
        )
    } else {
        Check::new(
            name,
            claim,
            expected,
            format!("{majflt} major faults for {dropped} dropped pages"),
            majflt > 0,
        )
    };
    Some(
        c.value(majflt as f64, "faults")
            .bounds(Some(1.0), None)
            .window("reading the file through a fresh mapping (MADV_RANDOM)")
            .arg("pages_dropped", dropped),
    )
}

#[cfg(test)]
mod tests;
