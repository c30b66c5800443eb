//! `report.html`: one self-contained page (inline CSS and SVG, no script, no
//! font or image from the network) that reads like a lab notebook.
//!
//! It reads on any screen: the page never scrolls sideways (at 400 px it is
//! 400 px wide), each table scrolls inside its own box when it must, numbers
//! never wrap, headers may break after `_`, long words break. Japanese text
//! is marked `lang="ja"` and set in a CJK font when the host has one (Noto
//! Sans CJK JP: Debian's fonts-noto-cjk).

use std::fmt::Write;

use serde_json::Value;

use super::table::{human, params_line, strip_unit, tally_words};
use super::term::is_japanese;
use crate::probe::host::Meta;
use crate::report::{Report, Verdict};

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

/// The style sheet of memlab's pages.
pub const CSS: &str = "
html{-webkit-text-size-adjust:100%}
body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans',sans-serif;max-width:1500px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.45}
:lang(ja){font-family:'Noto Sans CJK JP','Noto Sans JP','Hiragino Sans','Hiragino Kaku Gothic ProN','Yu Gothic','Meiryo','IPAexGothic','TakaoPGothic','Noto Sans CJK',sans-serif}
p,li,blockquote,.measured{max-width:60rem;overflow-wrap:anywhere}
h1{border-bottom:2px solid #333;font-size:1.7em}h2{margin-top:2.2em;border-bottom:1px solid #bbb;overflow-wrap:anywhere}
code{overflow-wrap:anywhere}
.wide{overflow-x:auto;max-width:100%;margin:.6em 0}
table{border-collapse:collapse;font-size:.88em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f2f2f2;font-weight:600}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}.nw{white-space:nowrap}
blockquote{margin:.6em 0;padding:.4em 1em;border-left:4px solid #8aa;background:#f6f9f9}
pre{background:#f4f4f4;padding:.6em;overflow-x:auto;font-size:.85em;max-width:100%}
.ok{color:#17732b}.fail{color:#b00020}.unk{color:#8a6d00}
ul.checks{list-style:none;padding-left:0}ul.checks li{margin:.35em 0}
.measured{color:#555;font-size:.9em;margin-left:1.6em;display:block}
.chart svg{max-width:100%;height:auto;border:1px solid #eee}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,26rem),1fr));gap:1em}
.charts figure{margin:0;min-width:0}figcaption{font-weight:600;overflow-wrap:anywhere}
.note{color:#444;font-size:.92em}
table.facts td{overflow-wrap:anywhere;min-width:6em}td.q{white-space:nowrap}
";

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escape `s` and mark each run of Japanese `lang="ja"`.
pub fn text(s: &str) -> String {
    mark_japanese(&escape(s))
}

/// Wrap each run of Japanese in already escaped HTML in `<span lang="ja">`.
pub fn mark_japanese(html: &str) -> String {
    let mut out = String::new();
    let mut in_ja = false;
    for c in html.chars() {
        let ja = is_japanese(c);
        if ja && !in_ja {
            out.push_str("<span lang=\"ja\">");
        } else if !ja && in_ja {
            out.push_str("</span>");
        }
        in_ja = ja;
        out.push(c);
    }
    if in_ja {
        out.push_str("</span>");
    }
    out
}

/// A column name that may break after each `_` (`swap_<wbr/>total`).
fn header(name: &str) -> String {
    escape(name).replace('_', "_<wbr/>")
}

/// The page's `<head>`: charset, the viewport (phones lay it out at their
/// own width, not at 980 px), the title, the style sheet.
pub fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(title),
        lang = crate::i18n::current().html()
    )
}

/// A page in Japanese (experiments/ja/NAME.md): its claim section is
/// headed `## 文書の主張`.
fn is_japanese_page(page: &str) -> bool {
    page.lines()
        .any(|l| l.starts_with("## ") && l.contains("主張"))
}

/// A short text that may be English inside a Japanese page: escaped, and
/// marked `lang="en"` there when it holds no Japanese.
/// An experiment's section of the document: the document's own heading,
/// or memlab's words for it in the reader's language (`section.NAME`).
fn section_of(name: &str, section: &str) -> String {
    if section.chars().any(is_japanese) {
        return fragment(section);
    }
    match crate::i18n::try_tr_in(crate::i18n::current(), &format!("section.{name}"), &[]) {
        Some(t) => text(&t),
        None => fragment(section),
    }
}

fn fragment(s: &str) -> String {
    if en_attr().is_empty() || s.chars().any(is_japanese) {
        text(s)
    } else {
        format!("<span lang=\"en\">{}</span>", escape(s))
    }
}

/// ` lang="en"` on an element holding English inside a Japanese page.
fn en_attr() -> &'static str {
    if crate::i18n::current().is_ja() {
        " lang=\"en\""
    } else {
        ""
    }
}

fn t(id: &str) -> String {
    crate::i18n::tr(id, &[])
}

/// Render the whole page.
pub fn render(meta: &Meta, sections: &[Section<'_>], wall_s: f64) -> String {
    let mut h = head(&format!("{} — {}", t("html.title"), meta.hostname));
    let _ = writeln!(h, "<h1>{}</h1>", escape(&t("html.title")));
    // `memlab all` says how long it took; a report rebuilt from files
    // cannot.
    let intro = if wall_s > 0.0 {
        crate::i18n::tr("lab.html.intro_took", &[("secs", &format!("{wall_s:.1}"))])
    } else {
        t("html.intro")
    };
    let _ = writeln!(h, "<p>{}</p>", inline(&intro));
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
    let yes = |b: bool| t(if b { "lab.html.yes" } else { "lab.html.no" });
    let limit = m
        .cgroup_memory_limit_bytes
        .map(crate::units::human_bytes)
        .unwrap_or_else(|| t("lab.html.none"));
    let cgroup = format!("{} {}", opt(&m.cgroup_version), opt(&m.cgroup_path));
    let rows: Vec<(String, String)> = vec![
        (t("lab.html.fact.host"), m.hostname.clone()),
        (t("lab.html.fact.time"), m.timestamp_utc.clone()),
        (
            t("lab.html.fact.kernel"),
            format!("{} ({})", m.kernel_release, m.arch),
        ),
        (t("lab.html.fact.page_size"), format!("{} B", m.page_size)),
        (
            t("lab.html.fact.memory"),
            human("k_kib", &Value::from(m.mem_total_kib)),
        ),
        (
            t("lab.html.fact.swap"),
            human("k_kib", &Value::from(m.swap_total_kib)),
        ),
        (
            t("lab.html.fact.thp"),
            format!("{} / {}", opt(&m.thp_enabled), opt(&m.thp_defrag)),
        ),
        ("vm.overcommit_memory".into(), num(m.overcommit_memory)),
        ("vm.mmap_min_addr".into(), num(m.mmap_min_addr)),
        ("vm.panic_on_oom".into(), num(m.panic_on_oom)),
        (
            t("lab.html.fact.cgroup"),
            crate::i18n::tr(
                "lab.html.fact.limit",
                &[("cgroup", &cgroup), ("limit", &limit)],
            ),
        ),
        (t("lab.html.fact.root"), yes(m.root)),
        (t("lab.html.fact.vm"), yes(m.virtual_machine)),
        ("memlab".into(), m.memlab_version.clone()),
    ];
    let _ = writeln!(
        h,
        "<h2 id=\"host\">{}</h2>\n<div class=\"wide\"><table class=\"facts\">",
        escape(&t("html.host"))
    );
    for (k, v) in rows {
        // A quantity (`4096 B`, `23.5 GiB`) never wraps; a path may break.
        let class = if v.starts_with(|c: char| c.is_ascii_digit()) && v.len() < 14 {
            " class=\"q\""
        } else {
            ""
        };
        let _ = writeln!(
            h,
            "<tr><th>{}</th><td{class}>{}</td></tr>",
            text(&k),
            text(&v)
        );
    }
    h.push_str("</table></div>\n");
}

/// The class and words of a report's outcome: the colour of the worst
/// verdict, and "n of m held, k inconclusive".
fn status(r: &Report) -> (&'static str, String) {
    let (held, failed, unk) = r.tally();
    let lang = crate::i18n::current();
    let words = match lang {
        crate::i18n::Lang::En => tally_words(held, failed, unk),
        _ => super::checktext::tally(lang, held, failed, unk),
    };
    if r.interrupted {
        let words = crate::i18n::tr("html.interrupted_tally", &[("tally", &words)]);
        return ("unk", words);
    }
    if r.checks.is_empty() && !r.skipped.is_empty() {
        // Nothing ran that could be checked: said as skipped, not as held.
        return ("unk", crate::i18n::tr("ui.tally.all_skipped", &[]));
    }
    let class = match super::table::worst(r) {
        Verdict::Fails => "fail",
        Verdict::Inconclusive => "unk",
        Verdict::Holds => "ok",
    };
    (class, words)
}

/// Which claims held, experiment by experiment: the status (in the colour
/// of the worst verdict) comes right after the name, so it is on screen on
/// a phone too.
fn summary(h: &mut String, sections: &[Section<'_>]) {
    let _ = writeln!(
        h,
        "<h2 id=\"summary\">{}</h2>\n<div class=\"wide\"><table>\n\
         <tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(&t("html.summary")),
        escape(&t("html.experiment")),
        escape(&t("html.checks")),
        escape(&t("html.section")),
    );
    for s in sections {
        let status = match &s.outcome {
            Outcome::Ran { report, .. } => {
                let (class, words) = status(report);
                format!("<span class=\"{class}\">{}</span>", escape(&words))
            }
            Outcome::NotRun(why) => format!(
                "<span class=\"unk\">{}</span>",
                crate::i18n::tr("html.not_run", &[("why", &text(why))])
            ),
        };
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#{n}\">{n}</a></td><td>{status}</td><td>{}</td></tr>",
            section_of(s.name, s.section),
            n = escape(s.name)
        );
    }
    h.push_str("</table></div>\n");
}

fn section(h: &mut String, s: &Section<'_>) {
    let _ = writeln!(
        h,
        "<section id=\"{n}\">\n<h2>{n} — {}</h2>",
        section_of(s.name, s.section),
        n = escape(s.name)
    );
    let claim_text = s.page.map(claim_lines).unwrap_or_default();
    if let Some(page) = s.page {
        // An English page inside a Japanese report (no Japanese page yet)
        // is marked so; its quotes of the document stay `lang="ja"`.
        let english = !en_attr().is_empty() && !is_japanese_page(page);
        if english {
            h.push_str("<div lang=\"en\">\n");
        }
        claim(h, page);
        if english {
            h.push_str("</div>\n");
        }
    }
    match &s.outcome {
        Outcome::NotRun(why) => {
            let _ = writeln!(
                h,
                "<p class=\"unk\">{}</p>",
                crate::i18n::tr("html.not_run_here", &[("why", &text(why))])
            );
        }
        Outcome::Ran { report, svg, files } => ran(h, report, *svg, files, &claim_text),
    }
    h.push_str("</section>\n");
}

/// What a run left: parameters, notes, its table, summary, chart, checks.
fn ran(h: &mut String, report: &Report, svg: Option<&str>, files: &[String], claim: &str) {
    if report.interrupted {
        let _ = writeln!(h, "<p class=\"unk\">{}</p>", escape(&t("html.interrupted")));
    }
    if !report.params.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} <code{}>{}</code></p>",
            escape(&t("html.parameters")),
            en_attr(),
            escape(&params_line(report))
        );
    }
    for n in &report.notes {
        if repeats_claim(n, claim) {
            // The document's definition, shown once: in the claim above.
            continue;
        }
        let (attr, n) = match report.said_for(n) {
            Some(said) => ("", said.text()),
            None => (en_attr(), n.clone()),
        };
        let _ = writeln!(h, "<p class=\"note\"{attr}>{}</p>", inline(&n));
    }
    rows_table(h, report);
    listings(h, report);
    if !report.summary.is_empty() {
        let _ = writeln!(h, "<div class=\"wide\"><table{}>", en_attr());
        for (k, v) in &report.summary {
            let v_html = text(&human(k, v));
            let class = if v.is_number() { " class=\"n\"" } else { "" };
            let _ = writeln!(
                h,
                "<tr><th>{}</th><td{class}>{v_html}</td></tr>",
                header(strip_unit(k))
            );
        }
        h.push_str("</table></div>\n");
    }
    if let Some(svg) = svg {
        let body = match svg.find("<svg") {
            Some(i) => &svg[i..],
            None => svg,
        };
        let _ = writeln!(h, "<div class=\"chart\">{body}</div>");
    }
    checks(h, report);
    for sk in &report.skipped {
        let said = report.said_for(sk);
        let sk = if en_attr().is_empty() || said.is_some() {
            inline(&report.shown(sk))
        } else {
            format!("<span{}>{}</span>", en_attr(), inline(sk))
        };
        let _ = writeln!(
            h,
            "<p class=\"unk\">{} {sk}</p>",
            escape(&t("html.skipped"))
        );
    }
    if !files.is_empty() {
        let links: Vec<String> = files
            .iter()
            .map(|f| format!("<a href=\"{0}\">{0}</a>", escape(f)))
            .collect();
        let _ = writeln!(
            h,
            "<p class=\"note\">{} {}</p>",
            escape(&t("html.data")),
            links.join(", ")
        );
    }
}

fn checks(h: &mut String, report: &Report) {
    if report.checks.is_empty() {
        return;
    }
    h.push_str("<ul class=\"checks\">\n");
    for c in &report.checks {
        let (cls, mark) = match c.holds {
            Some(true) => ("ok", "✓"),
            Some(false) => ("fail", "✗"),
            None => ("unk", "?"),
        };
        let lang = crate::i18n::current();
        if lang == crate::i18n::Lang::En {
            let _ = writeln!(
                h,
                "<li><span class=\"{cls}\">{mark}</span> <b>{}</b>: {}<span class=\"measured\">measured {} (expected {})</span></li>",
                escape(&c.name),
                inline(&c.claim),
                inline(&c.measured),
                inline(&c.expected)
            );
            continue;
        }
        // Another language: the claim from the catalogue (English, marked
        // so, where it has none yet) and the measured line from the numbers.
        let claim = match super::checktext::claim_id(c) {
            Some(_) => escape(&super::checktext::claim(c, lang)),
            None => format!("<span lang=\"en\">{}</span>", inline(&c.claim)),
        };
        let _ = writeln!(
            h,
            "<li><span class=\"{cls}\">{mark}</span> <b lang=\"en\">{}</b>: {claim}<span class=\"measured\">{}</span></li>",
            escape(&c.name),
            escape(&super::checktext::measured(c, lang)),
        );
    }
    h.push_str("</ul>\n");
    let (class, words) = status(report);
    let _ = writeln!(h, "<p class=\"{class}\">{}</p>", escape(&words));
}

/// A note that repeats the document's words quoted in the claim (free's
/// definitions): its Japanese already stands there.
fn repeats_claim(note: &str, claim: &str) -> bool {
    let ja: String = note.chars().filter(|&c| is_japanese(c)).collect();
    ja.chars().count() >= 4 && claim.contains(&ja)
}

/// The claim section's text with only its Japanese characters, for
/// [`repeats_claim`].
fn claim_lines(page: &str) -> String {
    page.chars().filter(|&c| is_japanese(c)).collect()
}

/// The rows of the view, all of them (the view already chose them), in a
/// box that scrolls sideways when the table is wider than the page.
fn rows_table(h: &mut String, r: &Report) {
    let idx = r.shown_rows();
    if r.rows.is_empty() || idx.is_empty() {
        return;
    }
    let cols = r.shown_columns();
    let numeric: Vec<bool> = cols
        .iter()
        .map(|c| {
            idx.iter().any(|&i| {
                r.rows
                    .get(i)
                    .and_then(|row| row.get(*c))
                    .is_some_and(Value::is_number)
            })
        })
        .collect();
    let _ = write!(h, "<div class=\"wide\"><table{}>\n<tr>", en_attr());
    for (c, num) in cols.iter().zip(&numeric) {
        let class = if *num { " class=\"n\"" } else { "" };
        let _ = write!(h, "<th{class}>{}</th>", header(strip_unit(c)));
    }
    h.push_str("</tr>\n");
    for &i in &idx {
        let Some(row) = r.rows.get(i) else { continue };
        h.push_str("<tr>");
        for c in &cols {
            let v = row.get(*c).unwrap_or(&Value::Null);
            let class = if v.is_number() { " class=\"n\"" } else { "" };
            let _ = write!(h, "<td{class}>{}</td>", text(&human(c, v)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n");
    if idx.len() < r.rows.len() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            escape(&crate::i18n::tr(
                "lab.html.rows_shown",
                &[
                    ("shown", &idx.len().to_string()),
                    ("rows", &r.rows.len().to_string())
                ],
            ))
        );
    }
}

/// The maps listings (`Report::listings`), each a small table.
fn listings(h: &mut String, r: &Report) {
    for (key, cols, entries) in r.listings() {
        let _ = writeln!(h, "<p class=\"note\"><code>{}</code>:</p>", escape(key));
        let _ = write!(h, "<div class=\"wide\"><table{}>\n<tr>", en_attr());
        for c in &cols {
            let _ = write!(h, "<th>{}</th>", header(strip_unit(c)));
        }
        h.push_str("</tr>\n");
        for e in &entries {
            h.push_str("<tr>");
            for c in &cols {
                let v = e.get(c).unwrap_or(&Value::Null);
                let class = if v.is_number() { " class=\"n\"" } else { "" };
                let _ = write!(h, "<td{class}>{}</td>", text(&human(c, v)));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table></div>\n");
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
            in_claim = l.contains("claim") || l.contains("主張");
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
            let _ = writeln!(
                h,
                "<blockquote lang=\"ja\">{}</blockquote>",
                quote.join("<br/>")
            );
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
        let _ = writeln!(
            h,
            "<blockquote lang=\"ja\">{}</blockquote>",
            quote.join("<br/>")
        );
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

/// Escape a line of Markdown and turn its `code` spans, **bold** and
/// *emphasis* into HTML; Japanese runs are marked `lang="ja"`.
pub fn inline(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", text(part));
        } else {
            for (j, p) in text(part).split("**").enumerate() {
                let p = emphasis(p);
                if j % 2 == 1 {
                    let _ = write!(out, "<b>{p}</b>");
                } else {
                    out.push_str(&p);
                }
            }
        }
    }
    out
}

/// `*word*` → `<em>word</em>` (a lone `*`, as in `a * b`, stays).
fn emphasis(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('*') {
        let after = &rest[i + 1..];
        match after.find('*') {
            Some(k) if k > 0 && !after.starts_with(' ') && !after[..k].ends_with(' ') => {
                let _ = write!(out, "{}<em>{}</em>", &rest[..i], &after[..k]);
                rest = &after[k + 1..];
            }
            _ => {
                out.push_str(&rest[..=i]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
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
        assert!(
            h.contains("<blockquote lang=\"ja\"><span lang=\"ja\">引用</span></blockquote>"),
            "{h}"
        );
        assert!(h.contains("<p>English &lt;text&gt;.</p>"), "{h}");
        assert!(!h.contains("not this"));
        let mut h2 = String::new();
        claim(
            &mut h2,
            "## The document's claim\n\n> ### 見出し\n>\n> 本文 `x`\n\n- a **b**\n- c\n",
        );
        assert!(
            h2.contains(
                "<blockquote lang=\"ja\"><b><span lang=\"ja\">見出し</span></b><br/><span lang=\"ja\">本文</span> <code>x</code></blockquote>"
            ),
            "{h2}"
        );
        assert!(
            h2.contains("<ul><li>a <b>b</b></li><li>c</li></ul>"),
            "{h2}"
        );
    }
}
