//! The one result type every experiment returns and every exporter renders.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::probe::host::Meta;

/// The version of the JSON layout memlab writes (`schema_version`). `memlab
/// judge` and `memlab report` read only this version.
pub const SCHEMA_VERSION: u32 = 2;

/// What a check concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Holds,
    Fails,
    Inconclusive,
}

impl Verdict {
    pub fn from_holds(h: Option<bool>) -> Verdict {
        match h {
            Some(true) => Verdict::Holds,
            Some(false) => Verdict::Fails,
            None => Verdict::Inconclusive,
        }
    }

    pub fn holds(self) -> Option<bool> {
        match self {
            Verdict::Holds => Some(true),
            Verdict::Fails => Some(false),
            Verdict::Inconclusive => None,
        }
    }
}

/// One claim of the document, tested against the measurement: data first
/// (the numbers, the bounds, the verdict, a message id with its arguments),
/// with the English text rendered beside it for readers of the JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Check {
    /// Stable snake_case identifier.
    pub name: String,
    /// The document's claim, in English.
    pub claim: String,
    /// What the measurement should show, with its threshold.
    pub expected: String,
    /// What was measured (or why it could not be judged).
    pub measured: String,
    /// `Some(true)` held, `Some(false)` did not, `None` inconclusive.
    pub holds: Option<bool>,
    /// The same as `holds`, as a word.
    pub verdict: Verdict,
    /// The figure the verdict rests on, in `unit`.
    #[serde(default)]
    pub measured_value: Option<f64>,
    /// The bounds the figure had to stay within (either may be open).
    #[serde(default)]
    pub expected_min: Option<f64>,
    #[serde(default)]
    pub expected_max: Option<f64>,
    /// Unit of `measured_value`, `expected_min`, `expected_max` and `noise`
    /// ("KiB", "faults", "ns", "count", "" for a plain number or a yes/no).
    #[serde(default)]
    pub unit: String,
    /// The noise the verdict allowed for, measured outside the effect.
    #[serde(default)]
    pub noise: Option<f64>,
    /// Where the figure (and its noise) came from, e.g. "touch phase".
    #[serde(default)]
    pub window: Option<String>,
    /// Message id for the text (the check's name unless a variant is meant),
    /// and its arguments: the renderer of another language starts here.
    #[serde(default)]
    pub msg: String,
    #[serde(default)]
    pub args: Map<String, Value>,
}

/// A line said through the catalogue: its message id and arguments.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Said {
    pub id: String,
    #[serde(default)]
    pub args: Map<String, Value>,
}

impl Said {
    pub fn new(id: &str, args: &[(&str, &str)]) -> Said {
        Said {
            id: id.into(),
            args: args
                .iter()
                .map(|(k, v)| ((*k).to_string(), Value::String((*v).to_string())))
                .collect(),
        }
    }

    fn args(&self) -> Vec<(&str, String)> {
        self.args
            .iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.as_str(), s)
            })
            .collect()
    }

    fn in_lang(&self, lang: crate::i18n::Lang) -> String {
        let mut a = self.args();
        if lang == crate::i18n::Lang::Ja {
            // English reasons handed in as arguments, in Japanese too.
            for (_, v) in &mut a {
                *v = crate::i18n::localize_in(lang, v);
            }
        }
        let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
        crate::i18n::tr_in(lang, &self.id, &a)
    }

    /// The English text (what the JSON keeps).
    pub fn english(&self) -> String {
        self.in_lang(crate::i18n::Lang::En)
    }

    /// The text in the current language.
    pub fn text(&self) -> String {
        self.in_lang(crate::i18n::current())
    }
}

impl Check {
    pub fn new(
        name: &str,
        claim: &str,
        expected: impl Into<String>,
        measured: impl Into<String>,
        holds: bool,
    ) -> Check {
        Check::with_verdict(
            name,
            claim,
            expected,
            measured,
            Verdict::from_holds(Some(holds)),
        )
    }

    /// The general constructor.
    pub fn with_verdict(
        name: &str,
        claim: &str,
        expected: impl Into<String>,
        measured: impl Into<String>,
        verdict: Verdict,
    ) -> Check {
        Check {
            name: name.into(),
            claim: claim.into(),
            expected: expected.into(),
            measured: measured.into(),
            holds: verdict.holds(),
            verdict,
            measured_value: None,
            expected_min: None,
            expected_max: None,
            unit: String::new(),
            noise: None,
            window: None,
            msg: name.into(),
            args: Map::new(),
        }
    }

    /// A check that could not be judged on this host; says why in `measured`.
    pub fn inconclusive(
        name: &str,
        claim: &str,
        expected: impl Into<String>,
        why: impl Into<String>,
    ) -> Check {
        Check::with_verdict(name, claim, expected, why, Verdict::Inconclusive)
    }

    /// `holds` when the measurement could judge the claim; when it could not
    /// (`None`), inconclusive, with `why` after what was measured.
    pub fn judged(
        name: &str,
        claim: &str,
        expected: impl Into<String>,
        measured: impl Into<String>,
        holds: Option<bool>,
        why: &str,
    ) -> Check {
        let measured = measured.into();
        match holds {
            Some(h) => Check::new(name, claim, expected, measured, h),
            None => Check::inconclusive(name, claim, expected, format!("{measured}: {why}")),
        }
    }

    /// The figure the verdict rests on, and its unit.
    pub fn value(mut self, v: f64, unit: &str) -> Check {
        self.measured_value = Some(v);
        self.unit = unit.into();
        self
    }

    /// The bounds the figure had to stay within.
    pub fn bounds(mut self, min: Option<f64>, max: Option<f64>) -> Check {
        self.expected_min = min;
        self.expected_max = max;
        self
    }

    /// The noise allowed for (same unit as the value).
    pub fn noise(mut self, n: f64) -> Check {
        self.noise = Some(n);
        self
    }

    /// Where the figure came from.
    pub fn window(mut self, w: &str) -> Check {
        self.window = Some(w.into());
        self
    }

    /// A message id other than the check's name (a variant of its text).
    pub fn msg(mut self, id: &str) -> Check {
        self.msg = id.into();
        self
    }

    /// An argument of the message.
    pub fn arg(mut self, k: &str, v: impl Serialize) -> Check {
        self.args.insert(k.into(), to_value(v));
        self
    }
}

/// A listing shown beside the rows: (measurement key, columns, entries).
pub type Listing<'a> = (&'a str, Vec<String>, Vec<&'a Map<String, Value>>);

/// How a run ended (`ended_by` in the JSON).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    #[default]
    Completed,
    /// A signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) cut it short.
    Interrupted,
    /// The worker or child that was measured died before the end.
    WorkerDied,
    /// memlab hit an error after it had measured something.
    Error,
}

/// A run that measured something and then could not go on (its worker
/// died, a later step failed): what it measured, and why it stopped, in a
/// plain sentence. The application layer writes the report (its `ended_by`
/// says how it ended) and then prints `why`; exit status 1 (130 when a
/// signal cut it). Build it with [`Report::ended_early`].
#[derive(Debug)]
pub struct EndedEarly {
    pub report: Box<Report>,
    pub why: String,
}

impl std::fmt::Display for EndedEarly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

impl std::error::Error for EndedEarly {}

/// A chart an experiment asks for; `output::svg` draws it.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub kind: ChartKind,
}

#[derive(Clone, Debug)]
pub enum ChartKind {
    /// Lines against a numeric x axis, with shaded, labelled x ranges.
    Lines {
        series: Vec<Series>,
        bands: Vec<Band>,
    },
    /// Grouped bars: one group per category, one bar per series.
    Bars {
        categories: Vec<String>,
        series: Vec<(String, Vec<f64>)>,
    },
}

impl Default for ChartKind {
    fn default() -> Self {
        ChartKind::Lines {
            series: Vec::new(),
            bands: Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Debug)]
pub struct Band {
    pub label: String,
    pub from: f64,
    pub to: f64,
}

/// `{schema_version, experiment, ended_by, meta, params, measurements,
/// summary, rows, checks}`, plus the notes shown to a person, what was
/// skipped, and the view (which columns and rows the human table shows).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub experiment: String,
    #[serde(default)]
    pub ended_by: EndedBy,
    pub meta: Meta,
    pub params: Map<String, Value>,
    /// Figures the checks use that are not rows (a worker's own fault
    /// count, a child's rusage, an exit status).
    #[serde(default)]
    pub measurements: Map<String, Value>,
    /// Derived from rows and measurements: `memlab judge` reads a JSON
    /// without it (and without `checks`) and derives both again.
    #[serde(default)]
    pub summary: Map<String, Value>,
    /// Column names in order (the CSV header). Rows are objects over them.
    #[serde(default)]
    pub columns: Vec<String>,
    pub rows: Vec<Map<String, Value>>,
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Lines for a person: what was done, what was skipped and why.
    pub notes: Vec<String>,
    /// Parts that could not run here, each with the reason.
    pub skipped: Vec<String>,
    /// The catalogue messages behind lines of `notes` and `skipped` (which
    /// stay English): a report read back shows them in the reader's
    /// language. A line without one is shown as it is.
    #[serde(default)]
    pub said: Vec<Said>,
    pub interrupted: bool,
    /// The view: rows to show in the human table (all when `None`).
    #[serde(default)]
    pub table_rows: Option<Vec<usize>>,
    /// The view: columns to leave out of the human table (still in CSV/JSON).
    #[serde(default)]
    pub table_hide: Vec<String>,
    /// How many rows the file holds, written last by the JSON writers (a
    /// streamed file: the rows it streamed, not the report's selection);
    /// `memlab judge` refuses a file whose `rows` are not that many. Never
    /// serialised from here (`None` in a report being made).
    #[serde(default, skip_serializing)]
    pub row_count: Option<u64>,
    #[serde(skip, default)]
    pub chart: Option<Chart>,
    /// The status memlab exits with when it is not the checks' to decide:
    /// `watch -- CMD` passes its command's status on, as time(1) does.
    /// (An interrupted run still exits 130.)
    #[serde(skip, default)]
    pub exit_status: Option<i32>,
}

impl Report {
    pub fn new(experiment: &str, meta: &Meta) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            experiment: experiment.into(),
            ended_by: EndedBy::Completed,
            meta: meta.clone(),
            params: Map::new(),
            measurements: Map::new(),
            summary: Map::new(),
            columns: Vec::new(),
            rows: Vec::new(),
            checks: Vec::new(),
            notes: Vec::new(),
            skipped: Vec::new(),
            said: Vec::new(),
            interrupted: false,
            table_rows: None,
            table_hide: Vec::new(),
            row_count: None,
            chart: None,
            exit_status: None,
        }
    }

    pub fn param(&mut self, key: &str, v: impl Serialize) {
        self.params.insert(key.into(), to_value(v));
    }

    /// A figure the checks need that is not a row.
    pub fn measure(&mut self, key: &str, v: impl Serialize) {
        self.measurements.insert(key.into(), to_value(v));
    }

    pub fn summary(&mut self, key: &str, v: impl Serialize) {
        self.summary.insert(key.into(), to_value(v));
    }

    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    pub fn skip(&mut self, why: impl Into<String>) {
        self.skipped.push(why.into());
    }

    /// A note from the catalogue: its English goes into `notes` (and the
    /// JSON), the reader sees it in their language.
    pub fn note_t(&mut self, id: &str, args: &[(&str, &str)]) {
        let said = Said::new(id, args);
        self.notes.push(said.english());
        self.said.push(said);
    }

    /// A skipped part's reason from the catalogue, as [`Report::note_t`].
    pub fn skip_t(&mut self, id: &str, args: &[(&str, &str)]) {
        let said = Said::new(id, args);
        self.skipped.push(said.english());
        self.said.push(said);
    }

    /// A line of `notes` or `skipped` in the current language: through the
    /// catalogue message it came from, else as it is (flagged under the
    /// test-only language `mark`, see [`crate::i18n::flag_unmarked`]).
    pub fn shown(&self, line: &str) -> String {
        self.said_for(line).map_or_else(
            || {
                let l = crate::i18n::localize(line);
                crate::i18n::flag_unmarked(&l).unwrap_or(l)
            },
            Said::text,
        )
    }

    /// The catalogue message a line of `notes` or `skipped` came from.
    pub fn said_for(&self, line: &str) -> Option<&Said> {
        self.said.iter().find(|s| s.english() == line)
    }

    pub fn check(&mut self, c: Check) {
        self.checks.push(c);
    }

    /// Append a row: any struct that serialises to a flat object. Its field
    /// order becomes the column order; fields new to the table are appended.
    pub fn push_row<T: Serialize>(&mut self, row: &T) {
        match to_value(row) {
            Value::Object(map) => {
                for k in map.keys() {
                    if !self.columns.iter().any(|c| c == k) {
                        self.columns.push(k.clone());
                    }
                }
                self.rows.push(map);
            }
            other => panic!("a report row must serialise to an object, got {other}"),
        }
    }

    /// Fix the column order up front from a row of the experiment's row
    /// type (its field names, in order): the CSV keeps its header when a
    /// run ends before its first row.
    pub fn columns_from<T: Serialize>(&mut self, example: &T) {
        match to_value(example) {
            Value::Object(map) => self.columns = map.keys().cloned().collect(),
            other => panic!("a report row must serialise to an object, got {other}"),
        }
    }

    /// A report read back from its JSON (`memlab all` runs each experiment in
    /// its own process): the columns are the rows' keys in order.
    pub fn from_json(bytes: &[u8]) -> serde_json::Result<Report> {
        let mut r: Report = serde_json::from_slice(bytes)?;
        r.columns_from_rows();
        Ok(r)
    }

    /// Add to the columns any key of a row they lack, in order.
    pub fn columns_from_rows(&mut self) {
        for row in &self.rows {
            for k in row.keys() {
                if !self.columns.iter().any(|c| c == k) {
                    self.columns.push(k.clone());
                }
            }
        }
    }

    /// The columns the human table and the HTML report show (CSV/JSON keep
    /// all of them).
    pub fn shown_columns(&self) -> Vec<&String> {
        self.columns
            .iter()
            .filter(|c| !self.table_hide.contains(c))
            .collect()
    }

    /// The indices of the rows the human table and the HTML report show.
    pub fn shown_rows(&self) -> Vec<usize> {
        match &self.table_rows {
            Some(v) => v.clone(),
            None => (0..self.rows.len()).collect(),
        }
    }

    /// This report as an error that keeps it: `return
    /// Err(r.ended_early(EndedBy::WorkerDied, "the worker 7512 was killed
    /// (SIGKILL)"))` writes what was measured, then says why, exit 1.
    pub fn ended_early(mut self, by: EndedBy, why: impl Into<String>) -> anyhow::Error {
        self.ended_by = by;
        anyhow::Error::new(EndedEarly {
            report: Box::new(self),
            why: why.into(),
        })
    }

    /// The listings every format shows beside the rows: measurements whose
    /// key starts with `maps_diff` and whose value is a list of objects
    /// (the lines a mapping added to or removed from /proc/PID/maps). Each
    /// is (key, columns, entries).
    pub fn listings(&self) -> Vec<Listing<'_>> {
        let mut out = Vec::new();
        for (k, v) in &self.measurements {
            if !k.starts_with("maps_diff") {
                continue;
            }
            let Some(items) = v.as_array() else { continue };
            let entries: Vec<&Map<String, Value>> =
                items.iter().filter_map(Value::as_object).collect();
            if entries.is_empty() {
                continue;
            }
            let mut cols: Vec<String> = Vec::new();
            for e in &entries {
                for c in e.keys() {
                    if !cols.contains(c) {
                        cols.push(c.clone());
                    }
                }
            }
            out.push((k.as_str(), cols, entries));
        }
        out
    }

    /// Did every check hold (inconclusive ones do not count as failures)?
    pub fn all_hold(&self) -> bool {
        self.checks.iter().all(|c| c.verdict != Verdict::Fails)
    }

    /// (held, did not hold, inconclusive).
    pub fn tally(&self) -> (usize, usize, usize) {
        let n = |v| self.checks.iter().filter(|c| c.verdict == v).count();
        (
            n(Verdict::Holds),
            n(Verdict::Fails),
            n(Verdict::Inconclusive),
        )
    }
}

fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::Check;

    #[test]
    fn judged_is_inconclusive_only_without_a_verdict() {
        let c = Check::judged("n", "claim", "e", "3 KiB", Some(false), "noisy");
        assert_eq!((c.holds, c.measured.as_str()), (Some(false), "3 KiB"));
        let c = Check::judged("n", "claim", "e", "3 KiB", None, "noisy");
        assert_eq!((c.holds, c.measured.as_str()), (None, "3 KiB: noisy"));
    }
}
