//! `memlab report DIR [DIR ...] --out FILE.html`: a lab report rebuilt from
//! the JSON files memlab wrote (one folder), or a page that puts several labs
//! side by side (several folders: hosts, kernels, THP modes).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::Value;

use crate::error::{exit, usage};
use crate::experiments::{self, ALL};
use crate::output::html;
use crate::report::{Report, Verdict};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folders of JSON files memlab wrote (`memlab all --out DIR`, or single runs' --json)
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// The HTML page to write
    #[arg(long, value_name = "FILE.html")]
    pub out: PathBuf,
    /// A label per folder, in order (default: the folder's name)
    #[arg(long, value_name = "LABEL")]
    pub label: Vec<String>,
    /// Also write the comparison as CSV (several folders)
    #[arg(long, value_name = "PATH.csv")]
    pub csv: Option<PathBuf>,
    /// Judge every run again with this memlab's rules instead of showing the recorded verdicts
    #[arg(long)]
    pub rejudge: bool,
    /// No narration
    #[arg(short, long)]
    pub quiet: bool,
}

/// One lab: a label and the runs found in its folder, in registry order.
pub struct Lab {
    pub label: String,
    pub runs: Vec<(Report, Option<String>)>,
}

pub fn run(a: &Args) -> Result<i32> {
    crate::output::write::check_writable("--out", &a.out)?;
    if let Some(c) = &a.csv {
        crate::output::write::check_writable("--csv", c)?;
    }
    if !a.label.is_empty() && a.label.len() != a.dirs.len() {
        return Err(usage(format!(
            "{} --label for {} folders; give one per folder, in order, or none",
            a.label.len(),
            a.dirs.len()
        )));
    }
    let mut labs = Vec::new();
    for (i, dir) in a.dirs.iter().enumerate() {
        let label = a.label.get(i).cloned().unwrap_or_else(|| label_of(dir));
        labs.push(read_lab(dir, label, a.rejudge, a.quiet)?);
    }
    let page = if labs.len() == 1 {
        single(&labs[0])
    } else {
        compare_html(&labs)
    };
    crate::output::write::atomic(&a.out, page.as_bytes())?;
    if let Some(c) = &a.csv {
        crate::output::write::atomic(c, compare_csv(&labs).as_bytes())?;
    }
    if !a.quiet {
        eprintln!("wrote {}", a.out.display());
    }
    Ok(exit::OK)
}

fn label_of(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string())
}

/// Every memlab JSON in `dir`: a file of an unknown schema is named and left
/// out; a folder with none is a usage error.
fn read_lab(dir: &Path, label: String, rejudge: bool, quiet: bool) -> Result<Lab> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        usage(format!(
            "'{}' cannot be read as a folder ({e}); give a folder of memlab JSON files, e.g. memlab all --out lab",
            dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut runs = Vec::new();
    for f in files {
        match crate::app::read_run(&f) {
            Ok(mut r) => {
                if rejudge {
                    r.summary.clear();
                    r.checks.clear();
                    experiments::judge(&mut r)?;
                }
                let svg = std::fs::read_to_string(f.with_extension("svg")).ok();
                runs.push((r, svg));
            }
            Err(e) => {
                if !quiet {
                    eprintln!("memlab: left out: {e}");
                }
            }
        }
    }
    if runs.is_empty() {
        return Err(usage(format!(
            "'{}' holds no memlab JSON this memlab can read (e.g. memlab all --out {})",
            dir.display(),
            dir.display()
        )));
    }
    let order = |r: &Report| {
        ALL.iter()
            .position(|i| i.name == r.experiment)
            .unwrap_or(usize::MAX)
    };
    runs.sort_by_key(|(r, _)| order(r));
    Ok(Lab { label, runs })
}

/// One folder: the lab report, as `memlab all` writes it.
fn single(lab: &Lab) -> String {
    let sections: Vec<html::Section<'_>> = lab
        .runs
        .iter()
        .map(|(r, svg)| {
            let info = experiments::find(&r.experiment);
            html::Section {
                name: info.map_or(r.experiment.as_str(), |i| i.name),
                section: info.map_or("", |i| i.section),
                page: info.map(|i| i.page),
                outcome: html::Outcome::Ran {
                    report: r,
                    svg: svg.as_deref(),
                    files: vec![format!("{}.json", r.experiment)],
                },
            }
        })
        .collect();
    let meta = &lab.runs[0].0.meta;
    html::render(meta, &sections, 0.0)
}

/// The rows of a comparison: (what, experiment, name, one cell per lab).
fn comparison(labs: &[Lab]) -> Vec<(String, String, String, Vec<String>)> {
    let mut out = Vec::new();
    let metas: Vec<Value> = labs
        .iter()
        .map(|l| serde_json::to_value(&l.runs[0].0.meta).unwrap_or(Value::Null))
        .collect();
    for key in [
        "hostname",
        "kernel_release",
        "arch",
        "page_size",
        "thp_enabled",
        "thp_defrag",
        "overcommit_memory",
        "mem_total_kib",
        "swap_total_kib",
        "cgroup_version",
        "virtual_machine",
        "root",
        "memlab_version",
    ] {
        let cells = metas.iter().map(|m| cell(&m[key])).collect();
        out.push(("host".into(), String::new(), key.into(), cells));
    }
    let mut names: Vec<&str> = Vec::new();
    for l in labs {
        for (r, _) in &l.runs {
            if !names.contains(&r.experiment.as_str()) {
                names.push(&r.experiment);
            }
        }
    }
    for exp in names {
        let runs: Vec<Option<&Report>> = labs
            .iter()
            .map(|l| l.runs.iter().map(|(r, _)| r).find(|r| r.experiment == exp))
            .collect();
        let mut checks: Vec<&str> = Vec::new();
        for r in runs.iter().flatten() {
            for c in &r.checks {
                if !checks.contains(&c.name.as_str()) {
                    checks.push(&c.name);
                }
            }
        }
        for c in checks {
            let cells = runs
                .iter()
                .map(
                    |r| match r.and_then(|r| r.checks.iter().find(|x| x.name == c)) {
                        None => "-".into(),
                        Some(x) => {
                            let v = match x.verdict {
                                Verdict::Holds => "held",
                                Verdict::Fails => "not held",
                                Verdict::Inconclusive => "inconclusive",
                            };
                            match x.measured_value {
                                Some(m) => format!("{v} ({} {})", trim(m), x.unit)
                                    .trim_end()
                                    .replace(" )", ")"),
                                None => v.to_string(),
                            }
                        }
                    },
                )
                .collect();
            out.push(("check".into(), exp.into(), c.into(), cells));
        }
        let key_figures: BTreeSet<String> = match experiments::find(exp) {
            Some(i) if !i.key_figures.is_empty() => {
                i.key_figures.iter().map(|s| s.to_string()).collect()
            }
            _ => runs
                .iter()
                .flatten()
                .flat_map(|r| {
                    r.summary
                        .iter()
                        .filter(|(_, v)| v.is_number())
                        .map(|(k, _)| k.clone())
                })
                .collect(),
        };
        for k in key_figures {
            let cells = runs
                .iter()
                .map(|r| r.and_then(|r| r.summary.get(&k)).map_or("-".into(), cell))
                .collect();
            out.push(("figure".into(), exp.into(), k, cells));
        }
    }
    out
}

fn trim(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), trim),
        other => other.to_string(),
    }
}

fn compare_csv(labs: &[Lab]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["what".to_string(), "experiment".into(), "name".into()];
    head.extend(labs.iter().map(|l| l.label.clone()));
    let _ = w.write_record(&head);
    for (what, exp, name, cells) in comparison(labs) {
        let mut rec = vec![what, exp, name];
        rec.extend(cells);
        let _ = w.write_record(&rec);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
h1{border-bottom:2px solid #333}h2{margin-top:1.8em;border-bottom:1px solid #bbb}\
.wide{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-size:.88em}\
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;white-space:nowrap}th{background:#f2f2f2}\
.ok{color:#17732b}.fail{color:#b00020}.unk{color:#8a6d00}";

fn compare_html(labs: &[Lab]) -> String {
    let rows = comparison(labs);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>memlab: {} labs compared</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
         <h1>memlab: {} labs compared</h1>\n",
        labs.len(),
        labs.len()
    );
    let mut current = None::<(String, String)>;
    for (what, exp, name, cells) in &rows {
        let group = (what.clone(), exp.clone());
        if current.as_ref() != Some(&group) {
            if current.is_some() {
                h.push_str("</table></div>\n");
            }
            let title = match what.as_str() {
                "host" => "Hosts".to_string(),
                "check" => format!("{exp}: claims"),
                _ => format!("{exp}: key figures"),
            };
            let _ = write!(
                h,
                "<h2>{}</h2>\n<div class=\"wide\"><table><tr><th></th>",
                html::escape(&title)
            );
            for l in labs {
                let _ = write!(h, "<th>{}</th>", html::escape(&l.label));
            }
            h.push_str("</tr>\n");
            current = Some(group);
        }
        let _ = write!(h, "<tr><th>{}</th>", html::escape(name));
        for c in cells {
            let class = if c.starts_with("held") {
                " class=\"ok\""
            } else if c.starts_with("not held") {
                " class=\"fail\""
            } else if c.starts_with("inconclusive") {
                " class=\"unk\""
            } else {
                ""
            };
            let _ = write!(h, "<td{class}>{}</td>", html::escape(c));
        }
        h.push_str("</tr>\n");
    }
    if current.is_some() {
        h.push_str("</table></div>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}
