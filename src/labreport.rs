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
use crate::i18n::tr;
use crate::lab::{chart_svg, html_page};
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
        return Err(usage(tr(
            "report.err.labels",
            &[
                ("labels", &a.label.len().to_string()),
                ("dirs", &a.dirs.len().to_string()),
            ],
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
        eprintln!(
            "{}",
            tr(
                "report.say.wrote",
                &[("path", &a.out.display().to_string())]
            )
        );
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
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        usage(tr(
            "report.err.not_a_folder",
            &[("dir", &shown), ("error", &e.to_string())],
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut runs = Vec::new();
    for f in files {
        let read = crate::app::read_run(&f).and_then(|mut r| {
            if rejudge {
                crate::app::rejudge(&mut r, &f)?;
            }
            Ok(r)
        });
        match read {
            Ok(r) => {
                let svg = chart_svg(&r, &f.with_extension("svg"));
                runs.push((r, svg));
            }
            Err(e) => {
                if !quiet {
                    eprintln!("{}", tr("report.say.left_out", &[("why", &e.to_string())]));
                }
            }
        }
    }
    if runs.is_empty() {
        return Err(usage(tr("report.err.no_json", &[("dir", &shown)])));
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
                page: info.map(html_page),
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

/// What a comparison row is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum What {
    Host,
    Check,
    Figure,
}

impl What {
    /// The word in the CSV's `what` column.
    fn word(self) -> &'static str {
        match self {
            What::Host => "host",
            What::Check => "check",
            What::Figure => "figure",
        }
    }
}

/// One lab's cell of a comparison row.
enum Cell {
    /// The lab has no such run, check or figure.
    Missing,
    /// A host fact or a key figure: (its key, its value).
    Value(String, Value),
    /// A check's verdict, with the figure it rests on (value, unit).
    Check(Verdict, Option<(f64, String)>),
}

impl Cell {
    /// The cell in the CSV: data, English, plain numbers
    /// (`held (12 KiB)`).
    fn csv(&self) -> String {
        match self {
            Cell::Missing => "-".into(),
            Cell::Value(_, v) => plain(v),
            Cell::Check(v, m) => {
                let v = match v {
                    Verdict::Holds => "held",
                    Verdict::Fails => "not held",
                    Verdict::Inconclusive => "inconclusive",
                };
                match m {
                    Some((x, unit)) => {
                        format!("{v} ({})", format!("{} {unit}", trim(*x)).trim_end())
                    }
                    None => v.to_string(),
                }
            }
        }
    }

    /// The cell on the page, in the reader's language: (class, HTML).
    fn html(&self) -> (&'static str, String) {
        match self {
            Cell::Missing => ("", "-".into()),
            // For a person: sizes in their unit, digits grouped.
            Cell::Value(k, v) => ("n", html::text(&crate::output::table::human(k, v))),
            Cell::Check(v, m) => {
                let (class, word) = match v {
                    Verdict::Holds => ("ok", tr("report.cell.held", &[])),
                    Verdict::Fails => ("fail", tr("report.cell.not_held", &[])),
                    Verdict::Inconclusive => ("unk", tr("report.cell.inconclusive", &[])),
                };
                // The figure never wraps inside itself (`1.0` / `MiB`).
                let text = match m {
                    Some((x, unit)) => format!(
                        "{} <span class=\"nw\">({})</span>",
                        html::text(&word),
                        html::escape(
                            format!("{} {unit}", crate::output::checktext::num(*x)).trim_end()
                        )
                    ),
                    None => html::text(&word),
                };
                (class, text)
            }
        }
    }
}

/// A row of the comparison: what it is about, the experiment, the name
/// (host fact, check or figure), one cell per lab.
struct Row {
    what: What,
    exp: String,
    name: String,
    cells: Vec<Cell>,
}

/// The experiments of the labs, in the order they are first met.
fn experiment_names(labs: &[Lab]) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for l in labs {
        for (r, _) in &l.runs {
            if !names.contains(&r.experiment.as_str()) {
                names.push(&r.experiment);
            }
        }
    }
    names
}

/// The rows of a comparison: the host facts, then each experiment's checks
/// and key figures.
fn comparison(labs: &[Lab]) -> Vec<Row> {
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
        let cells = metas.iter().map(|m| cell(key, &m[key])).collect();
        out.push(Row {
            what: What::Host,
            exp: String::new(),
            name: key.into(),
            cells,
        });
    }
    for exp in experiment_names(labs) {
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
                        None => Cell::Missing,
                        Some(x) => {
                            Cell::Check(x.verdict, x.measured_value.map(|m| (m, x.unit.clone())))
                        }
                    },
                )
                .collect();
            out.push(Row {
                what: What::Check,
                exp: exp.into(),
                name: c.into(),
                cells,
            });
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
                .map(|r| {
                    r.and_then(|r| r.summary.get(&k))
                        .map_or(Cell::Missing, |v| cell(&k, v))
                })
                .collect();
            out.push(Row {
                what: What::Figure,
                exp: exp.into(),
                name: k,
                cells,
            });
        }
    }
    out
}

/// A number as data: plain, without meaningless zeros.
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

fn cell(key: &str, v: &Value) -> Cell {
    match v {
        Value::Null => Cell::Missing,
        v => Cell::Value(key.to_string(), v.clone()),
    }
}

/// A value as data: strings bare, numbers plain.
fn plain(v: &Value) -> String {
    match v {
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
    for row in comparison(labs) {
        let mut rec = vec![row.what.word().to_string(), row.exp, row.name];
        rec.extend(row.cells.iter().map(Cell::csv));
        let _ = w.write_record(&rec);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The comparison page: the hosts side by side, then each experiment's
/// claims (a column per lab), key figures and charts (one per lab,
/// labelled, side by side where the screen is wide enough).
fn compare_html(labs: &[Lab]) -> String {
    let rows = comparison(labs);
    let title = tr("report.title.compare", &[("n", &labs.len().to_string())]);
    let mut h = html::head(&title);
    let _ = writeln!(h, "<h1>{}</h1>", html::escape(&title));
    let hosts: Vec<&Row> = rows.iter().filter(|r| r.what == What::Host).collect();
    table(&mut h, labs, &tr("report.title.hosts", &[]), &hosts);
    for exp in experiment_names(labs) {
        let _ = writeln!(
            h,
            "<h2 id=\"{e}\" lang=\"en\">{e}</h2>",
            e = html::escape(exp)
        );
        for (what, id) in [
            (What::Check, "report.title.claims"),
            (What::Figure, "report.title.figures"),
        ] {
            let group: Vec<&Row> = rows
                .iter()
                .filter(|r| r.what == what && r.exp == exp)
                .collect();
            if !group.is_empty() {
                table(&mut h, labs, &tr(id, &[]), &group);
            }
        }
        charts(&mut h, labs, exp);
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// One table of the comparison: a column per lab.
fn table(h: &mut String, labs: &[Lab], title: &str, rows: &[&Row]) {
    let _ = write!(
        h,
        "<h3>{}</h3>\n<div class=\"wide\"><table>\n<tr><th></th>",
        html::escape(title)
    );
    for l in labs {
        let _ = write!(h, "<th>{}</th>", html::text(&l.label));
    }
    h.push_str("</tr>\n");
    for row in rows {
        let _ = write!(h, "<tr><th lang=\"en\">{}</th>", html::escape(&row.name));
        for c in &row.cells {
            let (class, text) = c.html();
            let class = if class.is_empty() {
                String::new()
            } else {
                format!(" class=\"{class}\"")
            };
            let _ = write!(h, "<td{class}>{text}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n");
}

/// An experiment's chart from each lab, labelled with the lab's name.
fn charts(h: &mut String, labs: &[Lab], exp: &str) {
    let svgs: Vec<Option<&str>> = labs
        .iter()
        .map(|l| {
            l.runs
                .iter()
                .find(|(r, _)| r.experiment == exp)
                .and_then(|(_, svg)| svg.as_deref())
        })
        .collect();
    if svgs.iter().all(Option::is_none) {
        return;
    }
    let _ = writeln!(
        h,
        "<h3>{}</h3>\n<div class=\"charts\">",
        html::escape(&tr("report.title.charts", &[]))
    );
    for (l, svg) in labs.iter().zip(svgs) {
        let body = match svg {
            Some(svg) => svg.find("<svg").map_or(svg, |i| &svg[i..]).to_string(),
            None => format!(
                "<p class=\"note\">{}</p>",
                html::escape(&tr("report.no_chart", &[]))
            ),
        };
        let _ = writeln!(
            h,
            "<figure class=\"chart\"><figcaption>{}</figcaption>{body}</figure>",
            html::text(&l.label)
        );
    }
    h.push_str("</div>\n");
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;
    use crate::experiments::{ChartFn, Recorded};
    use crate::lab::chart_with;
    use crate::report::{Chart, ChartKind, Series};

    /// A chart of the rows' `y` against their `x`, as a plotted
    /// experiment's chart function draws one.
    fn fake_chart(rec: &Recorded<'_>) -> Result<Option<Chart>> {
        let points: Vec<(f64, f64)> = rec
            .rows
            .iter()
            .filter_map(|r| Some((r.get("x")?.as_f64()?, r.get("y")?.as_f64()?)))
            .collect();
        if points.is_empty() {
            return Ok(None);
        }
        Ok(Some(Chart {
            title: "fake".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            kind: ChartKind::Lines {
                series: vec![Series {
                    name: "y".into(),
                    points,
                }],
                bands: Vec::new(),
            },
        }))
    }

    fn report(ys: &[f64]) -> Report {
        let meta = crate::probe::host::Meta::gather();
        let mut r = Report::new("fake", &meta);
        for (i, y) in ys.iter().enumerate() {
            let mut row = Map::new();
            row.insert("x".into(), json!(i));
            row.insert("y".into(), json!(y));
            r.rows.push(row);
        }
        r
    }

    /// The numbers a chart labels (its `<text>` elements).
    fn labels(svg: &str) -> String {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| t.split('>').nth(1))
            .map(|t| t.split('<').next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("|")
    }

    #[test]
    fn the_chart_is_drawn_from_the_rows_not_taken_from_the_file_beside() {
        let t = tempfile::tempdir().unwrap();
        let beside = t.path().join("fake.svg");
        std::fs::write(&beside, "<svg>the old file</svg>").unwrap();
        let draw: ChartFn = fake_chart;
        let a = chart_with(Some(draw), &report(&[1.0, 5.0, 3.0]), &beside).unwrap();
        assert!(a.contains("<svg") && !a.contains("the old file"), "{a}");
        // Another value in the rows: another chart.
        let b = chart_with(Some(draw), &report(&[1.0, 777.0, 3.0]), &beside).unwrap();
        assert_ne!(a, b);
        assert!(labels(&b).contains("777"), "{}", labels(&b));
        // No file beside: still drawn.
        std::fs::remove_file(&beside).unwrap();
        assert!(chart_with(Some(draw), &report(&[2.0, 4.0]), &beside).is_some());
        // Nothing to draw: no chart (not an older file's).
        std::fs::write(&beside, "<svg>the old file</svg>").unwrap();
        assert!(chart_with(Some(draw), &report(&[]), &beside).is_none());
    }

    #[test]
    fn without_a_chart_function_the_file_beside_is_shown() {
        let t = tempfile::tempdir().unwrap();
        let beside = t.path().join("fake.svg");
        assert!(chart_with(None, &report(&[1.0]), &beside).is_none());
        std::fs::write(&beside, "<svg>drawn by the run</svg>").unwrap();
        assert_eq!(
            chart_with(None, &report(&[1.0]), &beside).as_deref(),
            Some("<svg>drawn by the run</svg>")
        );
    }

    #[test]
    fn the_comparison_shows_each_labs_chart_labelled() {
        let lab = |label: &str, y: f64, svg: bool| {
            let r = report(&[1.0, y]);
            let svg = svg.then(|| chart_with(Some(fake_chart), &r, Path::new("/nonexistent")));
            Lab {
                label: label.into(),
                runs: vec![(r, svg.flatten())],
            }
        };
        let labs = [lab("hostA", 5.0, true), lab("hostB", 9.0, false)];
        let page = compare_html(&labs);
        assert!(
            page.contains("<figcaption>hostA</figcaption><svg"),
            "{page}"
        );
        assert!(page.contains("<figcaption>hostB</figcaption><p"), "{page}");
        assert_eq!(page.matches("<svg").count(), 1);
        let csv = compare_csv(&labs);
        assert!(
            csv.starts_with("what,experiment,name,hostA,hostB\n"),
            "{csv}"
        );
    }

    #[test]
    fn check_cells_in_the_csv_are_english_data() {
        let c = Cell::Check(Verdict::Holds, Some((12.0, "KiB".into())));
        assert_eq!(c.csv(), "held (12 KiB)");
        let c = Cell::Check(Verdict::Inconclusive, Some((0.5, String::new())));
        assert_eq!(c.csv(), "inconclusive (0.5)");
        assert_eq!(Cell::Check(Verdict::Fails, None).csv(), "not held");
        assert_eq!(trim(95.0), "95");
        assert_eq!(trim(0.125), "0.125");
    }
}
