//! `report.html`: one self-contained page (inline CSS and SVG, no script, no
//! font or image from the network) that reads like a lab notebook.

use std::fmt::Write;

use serde_json::Value;

use super::table::human;
use crate::probe::host::Meta;
use crate::report::Report;

/// One experiment's section of the lab report.
pub struct Section<'a> {
    pub name: &'a str,
    pub section: &'a str,
    /// The page (experiments/NAME.md), for the document's claim.
    pub page: Option<&'a str>,
    pub outcome: Outcome<'a>,
}

pub enum Outcome<'a> {
    Ran {
        report: &'a Report,
        svg: Option<&'a str>,
        files: Vec<String>,
    },
    /// Could not run here, with the reason.
    NotRun(String),
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #333}h2{margin-top:2.2em;border-bottom:1px solid #bbb}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}th{background:#f2f2f2}
td.s,th.s{text-align:left}
blockquote{margin:.6em 0;padding:.4em 1em;border-left:4px solid #8aa;background:#f6f9f9}
pre{background:#f4f4f4;padding:.6em;overflow-x:auto;font-size:.85em}
.ok{color:#17732b}.fail{color:#b00020}.unk{color:#8a6d00}
ul.checks{list-style:none;padding-left:0}ul.checks li{margin:.35em 0}
.measured{color:#555;font-size:.9em;margin-left:1.6em;display:block}
.chart svg{max-width:100%;height:auto;border:1px solid #eee}
.note{color:#444;font-size:.92em}
.wide{overflow-x:auto}
";

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Render the whole page.
pub fn render(meta: &Meta, sections: &[Section<'_>], wall_s: f64) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <title>memlab lab report — {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&meta.hostname)
    );
    let _ = writeln!(h, "<h1>memlab lab report</h1>");
    let _ = writeln!(
        h,
        "<p>Every experiment of the memory-management chapter that can run on this host, \
         run with quick defaults by <code>memlab all</code> in {wall_s:.1} s. Each section gives \
         the document's claim, what was measured, and whether the claim held here.</p>"
    );
    host_facts(&mut h, meta);
    summary(&mut h, sections);
    for s in sections {
        section(&mut h, s);
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn host_facts(h: &mut String, m: &Meta) {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "n/a".into());
    let num = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "n/a".into());
    let rows: Vec<(&str, String)> = vec![
        ("host", m.hostname.clone()),
        ("time (UTC)", m.timestamp_utc.clone()),
        ("kernel", format!("{} ({})", m.kernel_release, m.arch)),
        ("page size", format!("{} B", m.page_size)),
        ("memory", human("k_kib", &Value::from(m.mem_total_kib))),
        ("swap", human("k_kib", &Value::from(m.swap_total_kib))),
        (
            "THP enabled / defrag",
            format!("{} / {}", opt(&m.thp_enabled), opt(&m.thp_defrag)),
        ),
        ("vm.overcommit_memory", num(m.overcommit_memory)),
        ("vm.mmap_min_addr", num(m.mmap_min_addr)),
        ("vm.panic_on_oom", num(m.panic_on_oom)),
        (
            "memory cgroup",
            format!(
                "{} {} (limit {})",
                opt(&m.cgroup_version),
                opt(&m.cgroup_path),
                m.cgroup_memory_limit_bytes
                    .map(crate::units::human_bytes)
                    .unwrap_or_else(|| "none".into())
            ),
        ),
        ("root", if m.root { "yes" } else { "no" }.into()),
        (
            "virtual machine",
            if m.virtual_machine { "yes" } else { "no" }.into(),
        ),
        ("memlab", m.memlab_version.clone()),
    ];
    h.push_str("<h2 id=\"host\">The host</h2>\n<table>\n");
    for (k, v) in rows {
        let _ = writeln!(
            h,
            "<tr><th class=\"s\">{}</th><td class=\"s\">{}</td></tr>",
            escape(k),
            escape(&v)
        );
    }
    h.push_str("</table>\n");
}

fn counts(r: &Report) -> (usize, usize, usize) {
    let held = r.checks.iter().filter(|c| c.holds == Some(true)).count();
    let failed = r.checks.iter().filter(|c| c.holds == Some(false)).count();
    let unk = r.checks.iter().filter(|c| c.holds.is_none()).count();
    (held, failed, unk)
}

fn summary(h: &mut String, sections: &[Section<'_>]) {
    h.push_str("<h2 id=\"summary\">Which claims held here</h2>\n<table>\n<tr><th class=\"s\">experiment</th><th class=\"s\">section</th><th>held</th><th>did not hold</th><th>inconclusive</th><th class=\"s\">status</th></tr>\n");
    for s in sections {
        let (cells, status) = match &s.outcome {
            Outcome::Ran { report, .. } => {
                let (a, b, c) = counts(report);
                let status = if report.interrupted {
                    "<span class=\"unk\">interrupted</span>".to_string()
                } else if b > 0 {
                    "<span class=\"fail\">a claim did not hold</span>".to_string()
                } else {
                    "<span class=\"ok\">all claims held</span>".to_string()
                };
                (format!("<td>{a}</td><td>{b}</td><td>{c}</td>"), status)
            }
            Outcome::NotRun(why) => (
                "<td>-</td><td>-</td><td>-</td>".to_string(),
                format!("<span class=\"unk\">not run: {}</span>", escape(why)),
            ),
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"s\"><a href=\"#{n}\">{n}</a></td><td class=\"s\">{}</td>{cells}<td class=\"s\">{status}</td></tr>",
            escape(s.section),
            n = escape(s.name)
        );
    }
    h.push_str("</table>\n");
}

fn section(h: &mut String, s: &Section<'_>) {
    let _ = writeln!(
        h,
        "<section id=\"{n}\">\n<h2>{n} — {}</h2>",
        escape(s.section),
        n = escape(s.name)
    );
    if let Some(page) = s.page {
        claim(h, page);
    }
    match &s.outcome {
        Outcome::NotRun(why) => {
            let _ = writeln!(
                h,
                "<p class=\"unk\">Not run on this host: {}</p>",
                escape(why)
            );
        }
        Outcome::Ran { report, svg, files } => {
            if report.interrupted {
                h.push_str("<p class=\"unk\">Interrupted: partial results.</p>\n");
            }
            if !report.params.is_empty() {
                let p: Vec<String> = report
                    .params
                    .iter()
                    .map(|(k, v)| format!("{}={}", k.trim_end_matches("_bytes"), human(k, v)))
                    .collect();
                let _ = writeln!(
                    h,
                    "<p class=\"note\">Parameters: <code>{}</code></p>",
                    escape(&p.join(" "))
                );
            }
            for n in &report.notes {
                let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(n));
            }
            rows_table(h, report);
            if !report.summary.is_empty() {
                h.push_str("<table>\n");
                for (k, v) in &report.summary {
                    let _ = writeln!(
                        h,
                        "<tr><th class=\"s\">{}</th><td>{}</td></tr>",
                        escape(k),
                        escape(&human(k, v))
                    );
                }
                h.push_str("</table>\n");
            }
            if let Some(svg) = svg {
                let body = match svg.find("<svg") {
                    Some(i) => &svg[i..],
                    None => svg,
                };
                let _ = writeln!(h, "<div class=\"chart\">{body}</div>");
            }
            h.push_str("<ul class=\"checks\">\n");
            for c in &report.checks {
                let (cls, mark) = match c.holds {
                    Some(true) => ("ok", "✓"),
                    Some(false) => ("fail", "✗"),
                    None => ("unk", "?"),
                };
                let _ = writeln!(
                    h,
                    "<li><span class=\"{cls}\">{mark}</span> <b>{}</b>: {}<span class=\"measured\">measured {} (expected {})</span></li>",
                    escape(&c.name),
                    escape(&c.claim),
                    escape(&c.measured),
                    escape(&c.expected)
                );
            }
            h.push_str("</ul>\n");
            for sk in &report.skipped {
                let _ = writeln!(h, "<p class=\"unk\">Skipped: {}</p>", escape(sk));
            }
            if !files.is_empty() {
                let _ = writeln!(
                    h,
                    "<p class=\"note\">Data: {}</p>",
                    escape(&files.join(", "))
                );
            }
        }
    }
    h.push_str("</section>\n");
}

/// The rows, as the human table shows them (at most 40).
fn rows_table(h: &mut String, r: &Report) {
    if r.rows.is_empty() {
        return;
    }
    let cols = r.shown_columns();
    let idx = r.shown_rows();
    h.push_str("<div class=\"wide\"><table>\n<tr>");
    for c in &cols {
        let _ = write!(h, "<th>{}</th>", escape(c));
    }
    h.push_str("</tr>\n");
    for &i in idx.iter().take(40) {
        let Some(row) = r.rows.get(i) else { continue };
        h.push_str("<tr>");
        for c in &cols {
            let v = row.get(*c).unwrap_or(&Value::Null);
            let cls = if v.is_number() { "" } else { " class=\"s\"" };
            let _ = write!(h, "<td{cls}>{}</td>", escape(&human(c, v)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n");
    if idx.len() > 40 || idx.len() < r.rows.len() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} of {} rows shown; all are in the CSV.</p>",
            idx.len().min(40),
            r.rows.len()
        );
    }
}

/// The "document's claim" part of a page: blockquotes, paragraphs, lists
/// and code, converted to HTML.
fn claim(h: &mut String, page: &str) {
    let mut in_claim = false;
    let mut in_code = false;
    let mut lines = Vec::new();
    for l in page.lines() {
        if l.starts_with("## ") {
            if in_claim {
                break;
            }
            in_claim = l.contains("claim");
            continue;
        }
        if in_claim {
            lines.push(l);
        }
    }
    let mut para = String::new();
    let mut quote: Vec<String> = Vec::new();
    let mut items: Vec<String> = Vec::new();
    for l in lines {
        let is_quote = l.starts_with('>');
        let is_item = l.starts_with("- ");
        if !is_quote && !quote.is_empty() {
            let _ = writeln!(h, "<blockquote>{}</blockquote>", quote.join("<br/>"));
            quote.clear();
        }
        let continues_item = l.starts_with("  ") && !l.trim().is_empty();
        if !is_item && !items.is_empty() && !continues_item {
            let _ = writeln!(h, "<ul><li>{}</li></ul>", items.join("</li><li>"));
            items.clear();
        }
        if l.starts_with("```") {
            flush_para(h, &mut para);
            h.push_str(if in_code { "</pre>\n" } else { "<pre>" });
            in_code = !in_code;
        } else if in_code {
            let _ = writeln!(h, "{}", escape(l));
        } else if let Some(q) = l.strip_prefix('>') {
            flush_para(h, &mut para);
            let q = q.trim().trim_start_matches("- ");
            match q.strip_prefix('#') {
                Some(head) => quote.push(format!(
                    "<b>{}</b>",
                    inline(head.trim_start_matches('#').trim())
                )),
                None if !q.is_empty() => quote.push(inline(q)),
                None => {}
            }
        } else if let Some(item) = l.strip_prefix("- ") {
            flush_para(h, &mut para);
            items.push(inline(item.trim()));
        } else if !items.is_empty() && continues_item {
            if let Some(last) = items.last_mut() {
                last.push(' ');
                last.push_str(&inline(l.trim()));
            }
        } else if l.trim().is_empty() {
            flush_para(h, &mut para);
        } else {
            para.push_str(l.trim());
            para.push(' ');
        }
    }
    if !quote.is_empty() {
        let _ = writeln!(h, "<blockquote>{}</blockquote>", quote.join("<br/>"));
    }
    if !items.is_empty() {
        let _ = writeln!(h, "<ul><li>{}</li></ul>", items.join("</li><li>"));
    }
    flush_para(h, &mut para);
}

fn flush_para(h: &mut String, para: &mut String) {
    if !para.trim().is_empty() {
        let _ = writeln!(h, "<p>{}</p>", inline(para.trim()));
    }
    para.clear();
}

/// Escape a line of Markdown and turn its `code` spans and **bold** into HTML.
fn inline(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{}</code>", escape(part)));
        } else {
            for (j, p) in escape(part).split("**").enumerate() {
                if j % 2 == 1 {
                    out.push_str(&format!("<b>{p}</b>"));
                } else {
                    out.push_str(p);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn claim_section_becomes_html() {
        let mut h = String::new();
        claim(
            &mut h,
            "# x\n\n## The document's claim\n\n> 引用\n\nEnglish <text>.\n\n## Next\n\nnot this",
        );
        assert!(h.contains("<blockquote>引用</blockquote>"));
        assert!(h.contains("<p>English &lt;text&gt;.</p>"), "{h}");
        assert!(!h.contains("not this"));
        let mut h2 = String::new();
        claim(
            &mut h2,
            "## The document's claim\n\n> ### 見出し\n>\n> 本文 `x`\n\n- a **b**\n- c\n",
        );
        assert!(
            h2.contains("<blockquote><b>見出し</b><br/>本文 <code>x</code></blockquote>"),
            "{h2}"
        );
        assert!(
            h2.contains("<ul><li>a <b>b</b></li><li>c</li></ul>"),
            "{h2}"
        );
    }
}
