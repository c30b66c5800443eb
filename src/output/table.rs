//! The human view of a report: header, notes, an aligned table with human
//! units, the summary, and the checks as ✓/✗ lines.

use std::fmt::Write;

use serde_json::Value;

use crate::report::Report;
use crate::units::{group_digits, human_bytes, human_kib};

/// Check marks, with an ASCII fallback.
#[derive(Clone, Copy, Debug)]
pub struct Symbols {
    pub ok: &'static str,
    pub fail: &'static str,
    pub unknown: &'static str,
}

impl Symbols {
    pub fn detect() -> Symbols {
        let utf8 = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .map(|v| {
                v.to_ascii_uppercase().contains("UTF-8") || v.to_ascii_uppercase().contains("UTF8")
            })
            .unwrap_or(false);
        if utf8 && std::env::var_os("NO_COLOR").is_none() {
            Symbols {
                ok: "✓",
                fail: "✗",
                unknown: "?",
            }
        } else {
            Symbols {
                ok: "[ok]",
                fail: "[FAIL]",
                unknown: "[??]",
            }
        }
    }
}

pub fn render(r: &Report, sym: Symbols) -> String {
    let mut out = String::new();
    let params: Vec<String> = r
        .params
        .iter()
        .map(|(k, v)| format!("{}={}", strip_unit(k), human(k, v)))
        .collect();
    let _ = writeln!(out, "memlab {}  {}", r.experiment, params.join(" "));
    let m = &r.meta;
    let _ = writeln!(
        out,
        "host: {} {} · kernel {} · page {} B · THP {} · overcommit {} · cgroup {}{}",
        m.hostname,
        m.arch,
        m.kernel_release,
        m.page_size,
        m.thp_enabled.as_deref().unwrap_or("n/a"),
        m.overcommit_memory
            .map(|v| v.to_string())
            .unwrap_or_else(|| "n/a".into()),
        m.cgroup_version.as_deref().unwrap_or("none"),
        if m.root { " · root" } else { "" },
    );
    if r.interrupted {
        let _ = writeln!(
            out,
            "INTERRUPTED: what was measured before the signal is shown below"
        );
    }
    for n in &r.notes {
        let _ = writeln!(out, "{n}");
    }
    if !r.rows.is_empty() {
        out.push('\n');
        out.push_str(&table(r));
    }
    if !r.summary.is_empty() {
        out.push('\n');
        let width = r.summary.keys().map(|k| k.len()).max().unwrap_or(0);
        for (k, v) in &r.summary {
            let _ = writeln!(out, "  {k:<width$}  {}", human(k, v));
        }
    }
    if !r.checks.is_empty() {
        out.push('\n');
        for c in &r.checks {
            let mark = match c.holds {
                Some(true) => sym.ok,
                Some(false) => sym.fail,
                None => sym.unknown,
            };
            let _ = writeln!(out, "{mark} {}: {}", c.name, c.claim);
            let _ = writeln!(out, "    measured {} (expected {})", c.measured, c.expected);
        }
    }
    for s in &r.skipped {
        let _ = writeln!(out, "skipped: {s}");
    }
    out
}

fn table(r: &Report) -> String {
    let cols = r.shown_columns();
    let idx = r.shown_rows();
    let mut cells: Vec<Vec<(String, bool)>> = vec![
        cols.iter()
            .map(|c| (strip_unit(c).to_string(), false))
            .collect(),
    ];
    for &i in &idx {
        let Some(row) = r.rows.get(i) else { continue };
        cells.push(
            cols.iter()
                .map(|c| {
                    let v = row.get(*c).unwrap_or(&Value::Null);
                    (human(c, v), v.is_number())
                })
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..cols.len())
        .map(|j| {
            cells
                .iter()
                .map(|r| r[j].0.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|((s, num), w)| {
                let pad = w - s.chars().count();
                if *num {
                    format!("{}{s}", " ".repeat(pad))
                } else {
                    format!("{s}{}", " ".repeat(pad))
                }
            })
            .collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
    }
    if idx.len() < r.rows.len() {
        let _ = writeln!(
            out,
            "  ({} of {} rows shown; all are in --csv/--json)",
            idx.len(),
            r.rows.len()
        );
    }
    out
}

/// `rss_kib` → `rss` (the cell shows the unit).
fn strip_unit(k: &str) -> &str {
    k.strip_suffix("_kib")
        .or_else(|| k.strip_suffix("_bytes"))
        .unwrap_or(k)
}

/// A value for a person, by the unit its key names.
pub fn human(key: &str, v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            if key.ends_with("_kib") {
                human_kib(n.as_f64().unwrap_or(0.0))
            } else if key.ends_with("_bytes") && n.as_u64().is_some() {
                human_bytes(n.as_u64().unwrap_or(0))
            } else if key == "pid" || key.ends_with("_pid") {
                // An identifier, not a quantity: no digit grouping.
                n.to_string()
            } else if let Some(i) = n.as_i64() {
                group_digits(i as i128)
            } else if let Some(u) = n.as_u64() {
                group_digits(u as i128)
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                if f.abs() >= 100.0 {
                    format!("{f:.1}")
                } else {
                    format!("{f:.3}")
                }
            }
        }
        other => other.to_string(),
    }
}
