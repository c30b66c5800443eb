//! Rows written as they are taken, for experiments that sample for as long
//! as the user likes (`watch`, and any experiment that asks through
//! `Ctx::stream`).
//!
//! A file output is written to `PATH.partial` (a visible name: it is data)
//! and flushed on a timer, at least once a second; when the run ends it is
//! completed and renamed to PATH. A run killed outright (SIGKILL, power
//! loss) leaves `PATH.partial` with every row flushed before it died: for
//! CSV that is a complete record of those rows. `--csv -` writes rows to
//! stdout as they come. JSON streams too: the head (`schema_version`,
//! `experiment`, `meta`, `params`, `columns`) and then the `rows` array as it
//! grows; `ended_by`, `measurements`, `summary`, `checks` and the rest follow
//! it when the run ends.
//!
//! Rows are encoded as they come into a batch, and the batch goes to the
//! output's own writer thread every flush period (or at 64 KiB): one wake-up
//! of that thread and one write per batch, not per row. The queue to the
//! thread is bounded: a reader that stops reading (`--csv - | sleep 1000`)
//! blocks that thread only. Sampling goes on; once [`QUEUE_BATCHES`] batches
//! wait, further rows are dropped for that output and counted
//! ([`Hook::dropped`]). A reader that leaves (EPIPE) is seen by
//! [`Hook::reader_gone`].
//!
//! Threads: open the streams after any `fork` the experiment makes (a
//! process that forks must be single-threaded, see `sys::fork_child`).
//!
//! How an experiment uses it (`watch` does exactly this):
//!
//! ```text
//! let mut r = Report::new("name", &ctx.meta);
//! r.param(..);                       // params and columns are final now
//! r.columns_from(&Row { .. });
//! for n in ctx.stream.open(&r)? { ui.say(&n.text()); n.add_to(&mut r) }  // after any fork
//! loop { ..; ctx.stream.push(&row); keep a bounded selection; }
//! r.push_row(..)                     // only the rows the table shows
//! ctx.stream.set_view_rows(indices); // their indices among all rows
//! r.measure(..)                      // what the checks need, computed online
//! ```
//!
//! `app::run_one` then judges the report and calls [`Hook::finish`], which
//! writes the JSON's tail and renames the files; the other outputs (table,
//! chart) are rendered from the report as usual.
//!
//! What the streams have to tell a person ([`Note`]) comes from the
//! catalogue (`out.*`), so that it is said in the reader's language.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use serde::Serialize;
use serde_json::{Map, Value};

use super::Dest;
use crate::report::Report;

/// Batches that may wait for a slow reader, per output (each at most
/// [`BATCH_BYTES`] and one row: 4 MiB at most). Beyond that, rows are
/// dropped and counted.
pub const QUEUE_BATCHES: usize = 64;
/// A batch goes to the writer once it holds this much, whatever the time.
pub const BATCH_BYTES: usize = 64 << 10;
/// A file gets what was sampled this often while rows come (not per row:
/// one write system call per batch).
pub const FILE_FLUSH: Duration = Duration::from_millis(500);
/// stdout is flushed this often: a reader such as `head` sees rows at once.
pub const STDOUT_FLUSH: Duration = Duration::from_millis(50);
/// After an interrupt, how long the end of the run waits for a reader that
/// does not read.
const GIVE_UP_AFTER_INTERRUPT: Duration = Duration::from_secs(1);

/// A line for a person from the streams: a catalogue message (`out.*`)
/// and its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub id: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Note {
    fn new(id: &'static str, args: &[(&'static str, String)]) -> Note {
        Note {
            id,
            args: args.to_vec(),
        }
    }

    fn args(&self) -> Vec<(&str, &str)> {
        self.args.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    /// In the reader's language.
    pub fn text(&self) -> String {
        crate::i18n::tr(self.id, &self.args())
    }

    /// In English (what the JSON keeps).
    pub fn english(&self) -> String {
        crate::i18n::tr_in(crate::i18n::Lang::En, self.id, &self.args())
    }

    /// Add it to the report's notes (English in the JSON, the reader's
    /// language on the screen).
    pub fn add_to(&self, r: &mut Report) {
        r.note_t(self.id, &self.args());
    }
}

/// The JSON keys written before the rows, in this order.
pub const HEAD_KEYS: [&str; 5] = ["schema_version", "experiment", "meta", "params", "columns"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

/// One output being streamed.
struct Sink {
    format: Format,
    dest: Dest,
    /// The file rows go to until the run ends (`PATH.partial`).
    partial: Option<PathBuf>,
    tx: Option<SyncSender<Vec<u8>>>,
    thread: Option<JoinHandle<io::Result<File>>>,
    /// Rows encoded since the last hand-over to the writer.
    batch: Vec<u8>,
    batch_rows: u64,
    last_send: Instant,
    period: Duration,
    /// A write failed: the reader left (EPIPE) or the disk is full.
    failed: Arc<AtomicBool>,
    sent: u64,
    dropped: u64,
}

/// The streaming an experiment may ask for: what the command line asked
/// (`--csv`, `--json`), and the streams once opened.
pub struct Hook {
    csv: Option<Dest>,
    json: Option<Dest>,
    state: RefCell<Option<Streams>>,
}

struct Streams {
    columns: Vec<String>,
    sinks: Vec<Sink>,
    view_rows: Option<Vec<usize>>,
}

impl Hook {
    /// Nothing to stream.
    pub fn none() -> Hook {
        Hook::new(None, None)
    }

    pub fn new(csv: Option<Dest>, json: Option<Dest>) -> Hook {
        Hook {
            csv,
            json,
            state: RefCell::new(None),
        }
    }

    /// Were CSV or JSON asked for?
    pub fn wanted(&self) -> bool {
        self.csv.is_some() || self.json.is_some()
    }

    pub fn is_open(&self) -> bool {
        self.state.borrow().is_some()
    }

    /// Start streaming: the CSV header, the JSON head from `head` (its
    /// `schema_version`, `experiment`, `meta`, `params` and `columns` are
    /// final from now on). Returns lines for a person (an older
    /// `PATH.partial` found, kept), for the caller to say and to add to
    /// the report's notes. Does nothing when no data output was asked for.
    pub fn open(&self, head: &Report) -> Result<Vec<Note>> {
        let mut notes = Vec::new();
        if !self.wanted() || self.is_open() {
            return Ok(notes);
        }
        let mut sinks = Vec::new();
        for (format, dest) in [(Format::Csv, &self.csv), (Format::Json, &self.json)] {
            let Some(dest) = dest else { continue };
            let first = match format {
                Format::Csv => csv_line(&head.columns, |_| String::new(), true)?,
                Format::Json => json_head(head)?,
            };
            sinks.push(Sink::open(format, dest, first, &mut notes)?);
        }
        *self.state.borrow_mut() = Some(Streams {
            columns: head.columns.clone(),
            sinks,
            view_rows: None,
        });
        Ok(notes)
    }

    /// Send one row to every output (never blocks; a full queue drops it).
    pub fn push<T: Serialize>(&self, row: &T) {
        let mut st = self.state.borrow_mut();
        let Some(st) = st.as_mut() else { return };
        let map = match serde_json::to_value(row) {
            Ok(Value::Object(m)) => m,
            _ => return,
        };
        let columns = &st.columns;
        for s in &mut st.sinks {
            let first = s.sent == 0 && s.batch_rows == 0;
            let ok = match s.format {
                Format::Csv => csv_line(columns, |c| super::csv::cell(map.get(c)), false)
                    .map(|b| s.batch.extend_from_slice(&b)),
                Format::Json => json_row(&mut s.batch, &map, first),
            };
            match ok {
                Ok(()) => s.batch_rows += 1,
                Err(_) => s.dropped += 1,
            }
            if s.batch.len() >= BATCH_BYTES || s.last_send.elapsed() >= s.period {
                s.send_batch();
            }
        }
    }

    /// Did a reader of stdout leave (`--csv - | head`)?
    pub fn reader_gone(&self) -> bool {
        self.state.borrow().as_ref().is_some_and(|st| {
            st.sinks
                .iter()
                .any(|s| s.dest == Dest::Stdout && s.failed.load(Ordering::SeqCst))
        })
    }

    /// About to wait `idle` for the next row: hand over each output's
    /// batch that would otherwise wait past its flush period (a run that
    /// samples every 10 s still gets each row to the disk, or to `head`,
    /// as it is taken; at 10 ms the rows still go in batches).
    pub fn before_idle(&self, idle: Duration) {
        if let Some(st) = self.state.borrow_mut().as_mut() {
            for s in &mut st.sinks {
                if s.batch_rows > 0 && s.last_send.elapsed() + idle >= s.period {
                    s.send_batch();
                }
            }
        }
    }

    /// Rows dropped for a reader that did not keep up (the most of any
    /// output).
    pub fn dropped(&self) -> u64 {
        self.state.borrow().as_ref().map_or(0, |st| {
            st.sinks.iter().map(|s| s.dropped).max().unwrap_or(0)
        })
    }

    /// The rows the human table shows, as indices into the streamed rows
    /// (the JSON's `table_rows`; the report itself keeps only those rows).
    pub fn set_view_rows(&self, rows: Vec<usize>) {
        if let Some(st) = self.state.borrow_mut().as_mut() {
            st.view_rows = Some(rows);
        }
    }

    /// End the streams: the JSON's tail from `report` (everything but the
    /// head and the rows), flush, sync, rename each `PATH.partial` to PATH.
    /// Returns lines for a person. A reader that left is not an error.
    pub fn finish(&self, report: &Report) -> Result<Vec<Note>> {
        let Some(st) = self.state.borrow_mut().take() else {
            return Ok(Vec::new());
        };
        let mut notes = Vec::new();
        let mut first_err = None;
        for mut s in st.sinks {
            let tail = match s.format {
                Format::Csv => Vec::new(),
                // The rows this file holds: those handed to its writer and
                // the last batch, which closing writes.
                Format::Json => json_tail(report, st.view_rows.as_deref(), s.sent + s.batch_rows)?,
            };
            if let Err(e) = s.close(&tail, &mut notes) {
                first_err.get_or_insert(e);
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(notes),
        }
    }
}

impl Sink {
    fn open(format: Format, dest: &Dest, first: Vec<u8>, notes: &mut Vec<Note>) -> Result<Sink> {
        let (file, partial, period) = match dest {
            Dest::Stdout => {
                let fd = crate::sys::dup_fd(1).context("duplicating stdout")?;
                (File::from(fd), None, STDOUT_FLUSH)
            }
            Dest::Fd(n) => {
                let fd = crate::sys::dup_fd(*n)
                    .with_context(|| format!("duplicating descriptor {n}"))?;
                (File::from(fd), None, STDOUT_FLUSH)
            }
            Dest::File { target: path, .. } => {
                let partial = partial_path(path, notes);
                let f = File::create(&partial)
                    .with_context(|| format!("creating {}", partial.display()))?;
                (f, Some(partial), FILE_FLUSH)
            }
        };
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(QUEUE_BATCHES);
        let failed = Arc::new(AtomicBool::new(false));
        let flag = failed.clone();
        let thread = std::thread::Builder::new()
            .name("memlab-stream".into())
            .spawn(move || {
                let r = write_loop(file, &first, &rx);
                if r.is_err() {
                    flag.store(true, Ordering::SeqCst);
                }
                r
            })
            .context("starting an output thread")?;
        Ok(Sink {
            format,
            dest: dest.clone(),
            partial,
            tx: Some(tx),
            thread: Some(thread),
            batch: Vec::with_capacity(BATCH_BYTES),
            batch_rows: 0,
            last_send: Instant::now(),
            period,
            failed,
            sent: 0,
            dropped: 0,
        })
    }

    /// Hand the batch to the writer thread (never blocks: a full queue
    /// drops the batch's rows, counted).
    fn send_batch(&mut self) {
        self.last_send = Instant::now();
        if self.batch_rows == 0 {
            return;
        }
        let rows = std::mem::take(&mut self.batch_rows);
        let bytes = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_BYTES));
        let Some(tx) = &self.tx else { return };
        if self.failed.load(Ordering::SeqCst) {
            // Nobody reads any more (or the disk failed): not a slow reader.
            return;
        }
        match tx.try_send(bytes) {
            Ok(()) => self.sent += rows,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped += rows;
            }
        }
    }

    /// Wait for the writer, write `tail`, flush, sync and rename.
    fn close(&mut self, tail: &[u8], notes: &mut Vec<Note>) -> Result<()> {
        let shown = match &self.dest {
            Dest::Stdout => "stdout".to_string(),
            Dest::Fd(n) => format!("descriptor {n}"),
            Dest::File { shown, .. } => shown.display().to_string(),
        };
        self.send_last_batch();
        let Some(w) = self.join() else {
            notes.push(Note::new("out.last_rows_not_taken", &[("output", shown)]));
            return Ok(());
        };
        let result = w.and_then(|mut w| {
            w.write_all(tail)?;
            if self.partial.is_some() {
                w.sync_all()?;
            }
            Ok(())
        });
        match (result, &self.dest, &self.partial) {
            (Ok(()), Dest::File { target: path, .. }, Some(partial)) => {
                std::fs::rename(partial, path).with_context(|| {
                    format!("renaming {} to {}", partial.display(), path.display())
                })
            }
            (Ok(()), _, _) => Ok(()),
            (Err(e), Dest::Stdout, _) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            (Err(e), _, Some(partial)) => Err(anyhow!(e)).context(format!(
                "writing {} (the rows written so far stay in {})",
                shown,
                partial.display()
            )),
            (Err(e), _, None) => Err(anyhow!(e)).context(format!("writing {shown}")),
        }
    }

    /// The rows of the last batch: wait for room in the queue (the run is
    /// over, nothing else waits), except for a stuck reader after an
    /// interrupt.
    fn send_last_batch(&mut self) {
        let mut since_interrupt: Option<Instant> = None;
        while self.batch_rows > 0 && !self.failed.load(Ordering::SeqCst) {
            let Some(tx) = &self.tx else { return };
            match tx.try_send(std::mem::take(&mut self.batch)) {
                Ok(()) => {
                    self.sent += std::mem::take(&mut self.batch_rows);
                }
                Err(TrySendError::Full(b)) => {
                    self.batch = b;
                    if crate::sys::interrupted() {
                        let t = *since_interrupt.get_or_insert_with(Instant::now);
                        if t.elapsed() > GIVE_UP_AFTER_INTERRUPT {
                            self.dropped += std::mem::take(&mut self.batch_rows);
                            return;
                        }
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(TrySendError::Disconnected(_)) => return,
            }
        }
    }

    /// Close the queue and wait for the writer thread; `None` when it is
    /// stuck on a reader that does not read and the run was interrupted.
    fn join(&mut self) -> Option<io::Result<File>> {
        self.tx = None;
        let handle = self.thread.take()?;
        let mut since_interrupt: Option<Instant> = None;
        while !handle.is_finished() {
            if crate::sys::interrupted() {
                let t = *since_interrupt.get_or_insert_with(Instant::now);
                if t.elapsed() > GIVE_UP_AFTER_INTERRUPT {
                    return None;
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Some(
            handle
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("output thread panicked"))),
        )
    }
}

impl Drop for Sink {
    /// A run that failed: whatever was sampled is written into PATH.partial
    /// (kept, never renamed); the wait is bounded.
    fn drop(&mut self) {
        if self.batch_rows > 0
            && let Some(tx) = &self.tx
        {
            let _ = tx.try_send(std::mem::take(&mut self.batch));
        }
        self.tx = None;
        if let Some(h) = self.thread.take() {
            let t = Instant::now();
            while !h.is_finished() && t.elapsed() < GIVE_UP_AFTER_INTERRUPT {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

/// The writer thread: write each batch as it comes (one write system
/// call), until the queue closes.
fn write_loop(mut w: File, first: &[u8], rx: &mpsc::Receiver<Vec<u8>>) -> io::Result<File> {
    w.write_all(first)?;
    for batch in rx {
        w.write_all(&batch)?;
    }
    Ok(w)
}

/// `PATH.partial`, or when an earlier run left one there (it is data: never
/// swept), `PATH.2.partial`, `PATH.3.partial`, … with a note saying so.
pub fn partial_path(path: &Path, notes: &mut Vec<Note>) -> PathBuf {
    let with = |suffix: String| {
        let mut s = path.as_os_str().to_os_string();
        s.push(suffix);
        PathBuf::from(s)
    };
    let first = with(".partial".into());
    if !first.exists() {
        return first;
    }
    let mut left = vec![first.display().to_string()];
    let mut n = 2;
    let chosen = loop {
        let p = with(format!(".{n}.partial"));
        if !p.exists() {
            break p;
        }
        left.push(p.display().to_string());
        n += 1;
    };
    let chosen_shown = chosen.display().to_string();
    notes.push(if left.len() == 1 {
        Note::new(
            "out.partial_kept",
            &[("partial", left[0].clone()), ("chosen", chosen_shown)],
        )
    } else {
        Note::new(
            "out.partials_kept",
            &[("partials", left.join(", ")), ("chosen", chosen_shown)],
        )
    });
    chosen
}

/// One CSV record (RFC 4180 quoting by the csv crate).
fn csv_line(columns: &[String], cell: impl Fn(&str) -> String, header: bool) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(128));
    if header {
        w.write_record(columns)?;
    } else {
        w.write_record(columns.iter().map(|c| cell(c)))?;
    }
    Ok(w.into_inner()?)
}

fn json_row(out: &mut Vec<u8>, row: &Map<String, Value>, first: bool) -> Result<()> {
    out.extend_from_slice(if first { b"\n    " } else { b",\n    " });
    serde_json::to_writer(&mut *out, row)?;
    Ok(())
}

/// `{` and the head keys, then `"rows": [`.
fn json_head(head: &Report) -> Result<Vec<u8>> {
    let Value::Object(m) = serde_json::to_value(head)? else {
        return Err(anyhow!("a report serialises to an object"));
    };
    let mut out = b"{".to_vec();
    for k in HEAD_KEYS {
        if let Some(v) = m.get(k) {
            push_key(&mut out, k, v)?;
            out.push(b',');
        }
    }
    out.extend_from_slice(b"\n  \"rows\": [");
    Ok(out)
}

/// `]`, every key of `report` not in the head (with `table_rows` from
/// `view_rows` when given), and `}`.
fn json_tail(report: &Report, view_rows: Option<&[usize]>, row_count: u64) -> Result<Vec<u8>> {
    let Value::Object(m) = serde_json::to_value(report)? else {
        return Err(anyhow!("a report serialises to an object"));
    };
    let mut out = b"\n  ]".to_vec();
    for (k, v) in &m {
        if k == "rows" || HEAD_KEYS.contains(&k.as_str()) {
            continue;
        }
        out.push(b',');
        match (k.as_str(), view_rows) {
            ("table_rows", Some(rows)) => push_key(&mut out, k, &serde_json::to_value(rows)?)?,
            _ => push_key(&mut out, k, v)?,
        }
    }
    out.push(b',');
    push_key(&mut out, "row_count", &row_count.into())?;
    out.extend_from_slice(b"\n}\n");
    Ok(out)
}

/// `\n  "key": value`, the value pretty-printed and indented one level.
fn push_key(out: &mut Vec<u8>, k: &str, v: &Value) -> Result<()> {
    out.extend_from_slice(b"\n  ");
    serde_json::to_writer(&mut *out, k)?;
    out.extend_from_slice(b": ");
    let pretty = serde_json::to_string_pretty(v)?;
    out.extend_from_slice(pretty.replace('\n', "\n  ").as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::host::Meta;

    #[derive(Serialize)]
    struct Row {
        t_s: f64,
        name: &'static str,
        v: Option<u64>,
    }

    fn head() -> Report {
        let mut r = Report::new("watch", &Meta::default());
        r.param("interval_s", 0.01);
        r.columns_from(&Row {
            t_s: 0.0,
            name: "",
            v: Some(0),
        });
        r
    }

    #[test]
    fn csv_and_json_stream_to_files_and_are_renamed_at_the_end() {
        let d = tempfile::tempdir().unwrap();
        let csv = d.path().join("a.csv");
        let json = d.path().join("a.json");
        let hook = Hook::new(
            Some(Dest::File {
                shown: csv.clone(),
                target: csv.clone(),
            }),
            Some(Dest::File {
                shown: json.clone(),
                target: json.clone(),
            }),
        );
        let mut r = head();
        assert!(hook.open(&r).unwrap().is_empty());
        assert!(d.path().join("a.csv.partial").exists());
        for i in 0..5 {
            hook.push(&Row {
                t_s: i as f64,
                name: "a,\"b\"",
                v: (i % 2 == 0).then_some(i),
            });
        }
        r.summary("peak", 4);
        r.measure("m", 1);
        hook.set_view_rows(vec![0, 4]);
        hook.finish(&r).unwrap();
        assert!(!d.path().join("a.csv.partial").exists());
        let mut rd = csv::Reader::from_path(&csv).unwrap();
        assert_eq!(rd.headers().unwrap(), vec!["t_s", "name", "v"]);
        let recs: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
        assert_eq!(recs.len(), 5);
        assert_eq!(&recs[1][1], "a,\"b\"");
        assert_eq!(&recs[1][2], "");
        let j: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(j["rows"].as_array().unwrap().len(), 5);
        assert_eq!(j["summary"]["peak"], 4);
        assert_eq!(j["table_rows"], serde_json::json!([0, 4]));
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        let pos = |k: &str| keys.iter().position(|x| *x == k).unwrap();
        assert!(pos("params") < pos("rows") && pos("rows") < pos("summary"));
        assert!(pos("summary") < pos("checks"));
        let back = Report::from_json(std::fs::read(&json).unwrap().as_slice()).unwrap();
        assert_eq!(back.rows.len(), 5);
    }

    #[test]
    fn an_empty_run_is_valid_json() {
        let d = tempfile::tempdir().unwrap();
        let json = d.path().join("e.json");
        let hook = Hook::new(
            None,
            Some(Dest::File {
                shown: json.clone(),
                target: json.clone(),
            }),
        );
        let r = head();
        hook.open(&r).unwrap();
        hook.finish(&r).unwrap();
        let j: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(j["rows"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn an_earlier_partial_file_is_kept_and_named() {
        let d = tempfile::tempdir().unwrap();
        let csv = d.path().join("k.csv");
        std::fs::write(d.path().join("k.csv.partial"), "old").unwrap();
        let hook = Hook::new(
            Some(Dest::File {
                shown: csv.clone(),
                target: csv.clone(),
            }),
            None,
        );
        let notes = hook.open(&head()).unwrap();
        assert!(
            notes[0].english().contains("k.csv.partial is there"),
            "{notes:?}"
        );
        assert_eq!(notes[0].id, "out.partial_kept");
        assert!(d.path().join("k.csv.2.partial").exists());
        hook.finish(&head()).unwrap();
        // Two left: both named.
        std::fs::write(d.path().join("k.csv.2.partial"), "old too").unwrap();
        let mut notes = Vec::new();
        let p = partial_path(&csv, &mut notes);
        assert!(p.ends_with("k.csv.3.partial"), "{p:?}");
        let said = notes[0].english();
        assert!(
            said.contains("k.csv.partial, ") && said.contains("k.csv.2.partial are there"),
            "{said}"
        );
        assert_eq!(
            std::fs::read_to_string(d.path().join("k.csv.partial")).unwrap(),
            "old"
        );
        assert!(csv.exists());
    }

    #[test]
    fn rows_are_on_disk_before_the_end() {
        let d = tempfile::tempdir().unwrap();
        let csv = d.path().join("f.csv");
        let hook = Hook::new(
            Some(Dest::File {
                shown: csv.clone(),
                target: csv,
            }),
            None,
        );
        hook.open(&head()).unwrap();
        for i in 0..10 {
            hook.push(&Row {
                t_s: i as f64,
                name: "x",
                v: None,
            });
        }
        // A row after the flush period hands the batch over.
        std::thread::sleep(FILE_FLUSH);
        hook.push(&Row {
            t_s: 10.0,
            name: "x",
            v: None,
        });
        std::thread::sleep(FILE_FLUSH);
        let text = std::fs::read_to_string(d.path().join("f.csv.partial")).unwrap();
        assert_eq!(text.lines().count(), 12, "{text}");
        hook.finish(&head()).unwrap();
    }

    #[test]
    fn a_row_before_a_long_wait_is_handed_over_at_once() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("i.csv");
        let hook = Hook::new(
            Some(Dest::File {
                shown: path.clone(),
                target: path,
            }),
            None,
        );
        hook.open(&head()).unwrap();
        let row = Row {
            t_s: 0.0,
            name: "x",
            v: None,
        };
        hook.push(&row);
        // The next row comes soon: the batch waits for it.
        hook.before_idle(Duration::ZERO);
        assert_eq!(hook.state.borrow().as_ref().unwrap().sinks[0].batch_rows, 1);
        // The next row is a long wait away: the row goes now.
        hook.before_idle(Duration::from_secs(10));
        assert_eq!(hook.state.borrow().as_ref().unwrap().sinks[0].batch_rows, 0);
        let partial = d.path().join("i.csv.partial");
        let t = Instant::now();
        while std::fs::read_to_string(&partial).unwrap().lines().count() < 2 {
            assert!(t.elapsed() < Duration::from_secs(5), "not written");
            std::thread::sleep(Duration::from_millis(5));
        }
        hook.finish(&head()).unwrap();
    }
}
