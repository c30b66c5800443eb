//! RFC 4180 CSV of a report's rows: one header, numbers only in numeric cells.

use anyhow::Result;
use serde_json::Value;

use crate::report::Report;

pub fn render(report: &Report) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&report.columns)?;
    for row in &report.rows {
        w.write_record(report.columns.iter().map(|c| cell(row.get(c))))?;
    }
    Ok(w.into_inner()?)
}

/// A JSON value as a CSV cell: null is empty, strings are as they are.
pub fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => other.to_string(),
    }
}
