//! The one result type every experiment returns and every exporter renders.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::probe::host::Meta;

/// One claim of the document, tested against the measurement.
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
}

impl Check {
    pub fn new(
        name: &str,
        claim: &str,
        expected: impl Into<String>,
        measured: impl Into<String>,
        holds: bool,
    ) -> Check {
        Check {
            name: name.into(),
            claim: claim.into(),
            expected: expected.into(),
            measured: measured.into(),
            holds: Some(holds),
        }
    }

    /// A check that could not be judged on this host; says why in `measured`.
    pub fn inconclusive(
        name: &str,
        claim: &str,
        expected: impl Into<String>,
        why: impl Into<String>,
    ) -> Check {
        Check {
            name: name.into(),
            claim: claim.into(),
            expected: expected.into(),
            measured: why.into(),
            holds: None,
        }
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
}

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

/// `{experiment, meta, params, summary, rows, checks}`, plus the notes shown
/// to a person and whether the run was interrupted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub experiment: String,
    pub meta: Meta,
    pub params: Map<String, Value>,
    pub summary: Map<String, Value>,
    /// Column names in order (the CSV header). Rows are objects over them.
    #[serde(skip, default)]
    pub columns: Vec<String>,
    pub rows: Vec<Map<String, Value>>,
    pub checks: Vec<Check>,
    /// Lines for a person: what was done, what was skipped and why.
    pub notes: Vec<String>,
    /// Parts that could not run here, each with the reason.
    pub skipped: Vec<String>,
    pub interrupted: bool,
    /// Rows to show in the human table (all when `None`).
    #[serde(skip, default)]
    pub table_rows: Option<Vec<usize>>,
    /// Columns to leave out of the human table (still in CSV/JSON).
    #[serde(skip, default)]
    pub table_hide: Vec<String>,
    #[serde(skip, default)]
    pub chart: Option<Chart>,
}

impl Report {
    pub fn new(experiment: &str, meta: &Meta) -> Report {
        Report {
            experiment: experiment.into(),
            meta: meta.clone(),
            params: Map::new(),
            summary: Map::new(),
            columns: Vec::new(),
            rows: Vec::new(),
            checks: Vec::new(),
            notes: Vec::new(),
            skipped: Vec::new(),
            interrupted: false,
            table_rows: None,
            table_hide: Vec::new(),
            chart: None,
        }
    }

    pub fn param(&mut self, key: &str, v: impl Serialize) {
        self.params.insert(key.into(), to_value(v));
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
        for row in &r.rows {
            for k in row.keys() {
                if !r.columns.iter().any(|c| c == k) {
                    r.columns.push(k.clone());
                }
            }
        }
        Ok(r)
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

    /// Did every check hold (inconclusive ones do not count as failures)?
    pub fn all_hold(&self) -> bool {
        self.checks.iter().all(|c| c.holds != Some(false))
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
