//! The report as one JSON object.

use anyhow::Result;

use crate::report::Report;

pub fn render(report: &Report) -> Result<Vec<u8>> {
    let mut value = serde_json::to_value(report)?;
    if let Some(m) = value.as_object_mut() {
        m.insert("row_count".into(), report.rows.len().into());
    }
    let mut v = serde_json::to_vec_pretty(&value)?;
    v.push(b'\n');
    Ok(v)
}
