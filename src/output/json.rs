//! The report as one JSON object.

use anyhow::Result;

use crate::report::Report;

pub fn render(report: &Report) -> Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(report)?;
    v.push(b'\n');
    Ok(v)
}
