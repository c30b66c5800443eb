//! The human view of a report: header, notes, an aligned table with human
//! units, the summary, and the checks as ✓/✗/? lines, laid out for the
//! width of the stream it goes to (see [`super::term`]).
//!
//! A table wider than the stream first stacks long headers on their `_`
//! (`swap_total` over two lines), then cuts the columns into blocks, each
//! repeating the first column so a row can be followed; no column of the
//! view is ever left out. Numbers group their digits with commas
//! (`25,600`); the params line prints them plain, to be pasted back.

use std::fmt::Write;

use serde_json::Value;

use super::term::{self, Style, cols, wrap};
use crate::report::{Report, Verdict};
use crate::units::{human_bytes, human_kib};

/// Check marks, kept for callers that choose them.
#[derive(Clone, Copy, Debug)]
pub struct Symbols {
    pub ok: &'static str,
    pub fail: &'static str,
    pub unknown: &'static str,
}

impl Symbols {
    /// The marks the locale can show (ASCII outside UTF-8).
    pub fn detect() -> Symbols {
        if term::utf8() {
            Symbols {
                ok: "✓",
                fail: "✗",
                unknown: "?",
            }
        } else {
            Symbols {
                ok: "ok",
                fail: "FAIL",
                unknown: "??",
            }
        }
    }
}

/// The report for stdout, in the locale's charset, at 100 columns without
/// colour (the layout of a file or a pipe).
pub fn render(r: &Report, sym: Symbols) -> String {
    let style = Style {
        utf8: sym.ok == "✓",
        ..Style::plain()
    };
    render_styled(r, &style)
}

/// The report for a stream of this process: its width, its colour.
pub fn render_for(r: &Report, s: term::Stream) -> String {
    render_styled(r, &Style::of(s))
}

/// The report laid out in `st`.
pub fn render_styled(r: &Report, st: &Style) -> String {
    let w = st.width;
    let mut out = String::new();
    let push = |lines: Vec<String>, out: &mut String| {
        for l in lines {
            let _ = writeln!(out, "{}", l.trim_end());
        }
    };
    let head = format!("memlab {}  {}", r.experiment, params_line(r));
    push(wrap(&st.text(&head), w, "", "    "), &mut out);
    push(wrap(&st.text(&host_line(r)), w, "", "    "), &mut out);
    if r.interrupted {
        let text = st.text(&crate::i18n::tr("ui.interrupted", &[]));
        push(wrap(&text, w, "", "    "), &mut out);
    }
    let plain = Style {
        colour: false,
        ..*st
    };
    for n in &r.notes {
        // Notes are Markdown: *emphasis* reads as the word, `code` stays.
        let n = st.text(&super::page::inline(&r.shown(n), &plain));
        if n.trim().is_empty() {
            continue;
        }
        push(wrap(&n, w, "", "    "), &mut out);
    }
    if !r.rows.is_empty() && !r.shown_rows().is_empty() {
        out.push('\n');
        out.push_str(&table(r, st));
    }
    for (key, cols, entries) in r.listings() {
        out.push('\n');
        let _ = writeln!(out, "{}:", st.text(&listing_title(key)));
        let heads: Vec<String> = cols.iter().map(|c| strip_unit(c).to_string()).collect();
        let mut numeric = vec![false; cols.len()];
        let cells: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                cols.iter()
                    .enumerate()
                    .map(|(j, c)| {
                        let v = e.get(c).unwrap_or(&Value::Null);
                        numeric[j] |= v.is_number();
                        st.text(&human(c, v))
                    })
                    .collect()
            })
            .collect();
        out.push_str(&grid(&heads, &cells, &numeric, st.width));
    }
    if !r.summary.is_empty() {
        out.push('\n');
        out.push_str(&summary(r, st));
    }
    if !r.checks.is_empty() {
        out.push('\n');
        for c in &r.checks {
            let first = format!("{} ", st.mark(c.holds));
            let plain_first = format!(
                "{} ",
                Style {
                    colour: false,
                    ..*st
                }
                .mark(c.holds)
            );
            let lang = crate::i18n::current();
            let claim = super::checktext::claim(c, lang);
            let text = st.text(&format!("{}: {}", c.name, claim));
            let mut lines = wrap(&text, w, &plain_first, "    ");
            if let Some(l) = lines.first_mut() {
                *l = l.replacen(&plain_first, &first, 1);
            }
            push(lines, &mut out);
            let m = st.text(&super::checktext::measured(c, lang));
            push(wrap(&m, w, "    ", "      "), &mut out);
        }
        push(tally_styled(r, st), &mut out);
    }
    for s in &r.skipped {
        push(
            wrap(
                &st.text(&crate::i18n::tr("ui.skipped", &[("why", &r.shown(s))])),
                w,
                "",
                "    ",
            ),
            &mut out,
        );
    }
    out
}

/// `key=value ...` with plain numbers, as they would be typed again; a
/// parameter not given (`null`: no interval, no duration) is left out.
pub fn params_line(r: &Report) -> String {
    r.params
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| format!("{k}={}", plain(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value as it would be typed: numbers without grouping, strings bare.
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(plain).collect::<Vec<_>>().join(","),
        // `95.0` is typed `95`.
        Value::Number(n) if n.is_f64() => trim_zeros(&n.to_string()),
        other => other.to_string(),
    }
}

/// The host in one line, in the reader's language (the values are data).
pub fn host_line(r: &Report) -> String {
    use crate::i18n::tr;
    let m = &r.meta;
    let page = m.page_size.to_string();
    let overcommit = m
        .overcommit_memory
        .map(|v| v.to_string())
        .unwrap_or_else(|| "n/a".into());
    let line = tr(
        "ui.host",
        &[
            ("host", &m.hostname),
            ("arch", &m.arch),
            ("kernel", &m.kernel_release),
            ("page", &page),
            ("thp", m.thp_enabled.as_deref().unwrap_or("n/a")),
            ("overcommit", &overcommit),
            ("cgroup", m.cgroup_version.as_deref().unwrap_or("none")),
        ],
    );
    if m.root {
        tr("ui.host.root", &[("host", &line)])
    } else {
        line
    }
}

/// The title of a listing beside the rows (a `maps_diff*` measurement):
/// `title.KEY` from the catalogue, else the key (flagged under the
/// test-only language `mark`: a listing without a title).
pub fn listing_title(key: &str) -> String {
    let lang = crate::i18n::current();
    crate::i18n::try_tr_in(lang, &format!("title.{key}"), &[])
        .or_else(|| crate::i18n::flag_unmarked(key))
        .unwrap_or_else(|| key.to_string())
}

/// The summary as `key  value` lines, keys without their unit suffix (the
/// value names its unit: `copied  69.6 MiB`).
fn summary(r: &Report, st: &Style) -> String {
    let keys: Vec<String> = r.summary.keys().map(|k| st.text(strip_unit(k))).collect();
    let kw = keys.iter().map(|k| cols(k)).max().unwrap_or(0);
    let mut out = String::new();
    for (k, (key, v)) in keys.iter().zip(&r.summary) {
        let pad = " ".repeat(kw - cols(k));
        let first = format!("  {k}{pad}  ");
        let rest = " ".repeat(cols(&first));
        for l in wrap(&st.text(&human(key, v)), st.width, &first, &rest) {
            let _ = writeln!(out, "{}", l.trim_end());
        }
    }
    out
}

/// `n of m held` (and `, k did not hold`, `, j inconclusive`): never "all
/// held" when one could not be judged.
pub fn tally_text(r: &Report) -> String {
    let (held, failed, unk) = r.tally();
    super::checktext::tally(crate::i18n::current(), held, failed, unk)
}

/// The words of [`tally_text`] from the counts, in English.
pub fn tally_words(held: usize, failed: usize, unk: usize) -> String {
    let m = held + failed + unk;
    if m == 0 {
        return "no checks".into();
    }
    let mut s = format!("{held} of {m} held");
    if failed > 0 {
        let _ = write!(s, ", {failed} did not hold");
    }
    if unk > 0 {
        let _ = write!(s, ", {unk} inconclusive");
    }
    s
}

/// The worst verdict of a report: a failure, else an inconclusive check,
/// else held (also with no checks).
pub fn worst(r: &Report) -> Verdict {
    let (_, failed, unk) = r.tally();
    if failed > 0 {
        Verdict::Fails
    } else if unk > 0 {
        Verdict::Inconclusive
    } else {
        Verdict::Holds
    }
}

/// The tally line under the checks, in the colour of the worst verdict.
fn tally_styled(r: &Report, st: &Style) -> Vec<String> {
    let code = match worst(r) {
        Verdict::Fails => term::RED,
        Verdict::Inconclusive => term::YELLOW,
        Verdict::Holds => term::GREEN,
    };
    let (held, failed, unk) = r.tally();
    let text = super::checktext::tally(crate::i18n::current(), held, failed, unk);
    wrap(&text, st.width, "", "  ")
        .iter()
        .map(|l| st.paint(l, code))
        .collect()
}

/// The rows of the view, fitted to the width.
fn table(r: &Report, st: &Style) -> String {
    let cols_shown = r.shown_columns();
    let idx = r.shown_rows();
    let heads: Vec<String> = cols_shown
        .iter()
        .map(|c| strip_unit(c).to_string())
        .collect();
    let mut numeric = vec![false; cols_shown.len()];
    let mut cells: Vec<Vec<String>> = Vec::new();
    for &i in &idx {
        let Some(row) = r.rows.get(i) else { continue };
        cells.push(
            cols_shown
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    let v = row.get(*c).unwrap_or(&Value::Null);
                    numeric[j] |= v.is_number();
                    st.text(&human(c, v))
                })
                .collect(),
        );
    }
    let mut out = grid(&heads, &cells, &numeric, st.width);
    if idx.len() < r.rows.len() {
        let what = crate::i18n::tr(
            "ui.rows_shown",
            &[
                ("shown", &idx.len().to_string()),
                ("total", &r.rows.len().to_string()),
            ],
        );
        for l in wrap(&what, st.width, INDENT, "   ") {
            let _ = writeln!(out, "{l}");
        }
    }
    out
}

/// Columns joined by two spaces, indented by two.
const GAP: usize = 2;
const INDENT: &str = "  ";

/// Lay out a table of `heads` over `cells` in at most `width` columns:
/// stack headers, then cut into blocks that repeat the key column(s), then
/// wrap text cells that are still too wide. Numbers align right.
pub fn grid(heads: &[String], cells: &[Vec<String>], numeric: &[bool], width: usize) -> String {
    let n = heads.len();
    if n == 0 {
        return String::new();
    }
    let data_w: Vec<usize> = (0..n)
        .map(|j| cells.iter().map(|r| cols(&r[j])).max().unwrap_or(0))
        .collect();
    let mut head_lines: Vec<Vec<String>> = heads.iter().map(|h| vec![h.clone()]).collect();
    let total = |hl: &[Vec<String>]| -> usize {
        INDENT.len() + (0..n).map(|j| col_width(&hl[j], data_w[j])).sum::<usize>() + GAP * (n - 1)
    };
    if total(&head_lines) > width {
        for j in 0..n {
            head_lines[j] = stack(&heads[j], data_w[j]);
        }
    }
    let mut widths: Vec<usize> = (0..n)
        .map(|j| col_width(&head_lines[j], data_w[j]))
        .collect();
    // Blocks: the key repeats in each, the others are packed greedily. The
    // key is column 0, or columns 0 and 1 when column 0 alone names two
    // rows alike (cow's stage, then its process). A wide key (a sentence,
    // not a key) is not repeated: the text columns wrap inside themselves
    // instead.
    let key_of = |k: usize| widths[..k].iter().sum::<usize>() + GAP * (k - 1);
    let keys = if n > 2 && !unique(cells, 1) && unique(cells, 2) && key_of(2) <= width / 3 {
        2
    } else {
        1
    };
    let key_w = key_of(keys);
    let key_small = key_w <= width / 3;
    let blocks: Vec<Vec<usize>> = if total(&head_lines) <= width || n <= keys || !key_small {
        vec![(0..n).collect()]
    } else {
        // A text column wider than a block's room is wrapped inside it.
        let room = width
            .saturating_sub(INDENT.len() + key_w + GAP)
            .max(TEXT_MIN);
        for j in keys..n {
            if widths[j] > room && !numeric[j] {
                widths[j] = room;
            }
        }
        balanced_blocks(&widths, width, keys)
    };
    // A single block may still be too wide: its widest text column gives
    // up a column at a time.
    if blocks.len() == 1 {
        let over = |w: &[usize]| INDENT.len() + w.iter().sum::<usize>() + GAP * (n - 1);
        while over(&widths) > width {
            let widest = (0..n)
                .filter(|&j| !numeric[j] && widths[j] > TEXT_MIN)
                .max_by_key(|&j| widths[j]);
            match widest {
                Some(j) => widths[j] -= 1,
                None => break,
            }
        }
    }
    let mut out = String::new();
    for (b, block) in blocks.iter().enumerate() {
        if b > 0 {
            out.push('\n');
        }
        let hl = block
            .iter()
            .map(|&j| head_lines[j].len())
            .max()
            .unwrap_or(1);
        for line in 0..hl {
            let parts: Vec<Vec<String>> = block
                .iter()
                .map(|&j| {
                    // Stacked headers sit at the bottom, next to the data.
                    let skip = hl - head_lines[j].len();
                    vec![if line >= skip {
                        head_lines[j][line - skip].clone()
                    } else {
                        String::new()
                    }]
                })
                .collect();
            emit_row(&mut out, block, &parts, &widths, numeric);
        }
        for row in cells {
            let parts: Vec<Vec<String>> = block
                .iter()
                .map(|&j| {
                    if cols(&row[j]) > widths[j] {
                        wrap(&row[j], widths[j], "", "")
                    } else {
                        vec![row[j].clone()]
                    }
                })
                .collect();
            emit_row(&mut out, block, &parts, &widths, numeric);
        }
    }
    out
}

/// A text column is not narrowed below this to fit.
const TEXT_MIN: usize = 8;

/// Stacked headers are at least this wide (`fork_us` stays one word).
const STACK_MIN: usize = 8;

/// Whether the first `k` columns tell every row apart.
fn unique(cells: &[Vec<String>], k: usize) -> bool {
    let mut seen = std::collections::HashSet::new();
    cells.iter().all(|r| seen.insert(&r[..k.min(r.len())]))
}

/// Columns `keys..` packed into blocks that each repeat the key columns
/// (`0..keys`) and fit in `width`: as few blocks as greedy packing needs,
/// as even as they can be (12 columns in two blocks of 6 and 6, not 10
/// and 2).
fn balanced_blocks(widths: &[usize], width: usize, keys: usize) -> Vec<Vec<usize>> {
    let key: Vec<usize> = (0..keys).collect();
    let key_w = INDENT.len() + widths[..keys].iter().sum::<usize>() + GAP * (keys - 1);
    let pack = |limit: usize| {
        let mut blocks: Vec<Vec<usize>> = Vec::new();
        let mut cur = key.clone();
        let mut used = key_w;
        for (j, &w) in widths.iter().enumerate().skip(keys) {
            if cur.len() > keys && used + GAP + w > limit {
                blocks.push(std::mem::replace(&mut cur, key.clone()));
                used = key_w;
            }
            cur.push(j);
            used += GAP + w;
        }
        blocks.push(cur);
        blocks
    };
    let greedy = pack(width);
    let k = greedy.len();
    let rest: usize = widths.iter().skip(keys).map(|w| w + GAP).sum();
    let mut limit = key_w + rest.div_ceil(k);
    while limit < width {
        let b = pack(limit);
        if b.len() <= k {
            return b;
        }
        limit += 1;
    }
    greedy
}

fn col_width(head: &[String], data: usize) -> usize {
    head.iter().map(|h| cols(h)).max().unwrap_or(0).max(data)
}

/// A header over several lines, split at `_`, each line as wide as the
/// data allows (or as its longest word).
fn stack(head: &str, data: usize) -> Vec<String> {
    let words: Vec<&str> = head.split('_').collect();
    let mut room = data
        .max(words.iter().map(|w| cols(w)).max().unwrap_or(0))
        .max(STACK_MIN);
    loop {
        let mut lines: Vec<String> = Vec::new();
        for w in &words {
            match lines.last_mut() {
                Some(l) if cols(l) + 1 + cols(w) <= room => {
                    l.push('_');
                    l.push_str(w);
                }
                _ => lines.push((*w).to_string()),
            }
        }
        // More than three lines reads worse than a wider column.
        if lines.len() <= STACK_MAX_LINES || room >= cols(head) {
            return lines;
        }
        room += 1;
    }
}

/// A stacked header takes at most this many lines when it can.
const STACK_MAX_LINES: usize = 3;

fn emit_row(
    out: &mut String,
    block: &[usize],
    parts: &[Vec<String>],
    widths: &[usize],
    numeric: &[bool],
) {
    let height = parts.iter().map(|p| p.len()).max().unwrap_or(1);
    for k in 0..height {
        let line: Vec<String> = block
            .iter()
            .zip(parts)
            .map(|(&j, p)| {
                let s = p.get(k).map(String::as_str).unwrap_or("");
                let pad = " ".repeat(widths[j].saturating_sub(cols(s)));
                if numeric[j] {
                    format!("{pad}{s}")
                } else {
                    format!("{s}{pad}")
                }
            })
            .collect();
        let _ = writeln!(out, "{INDENT}{}", line.join("  ").trim_end());
    }
}

/// `rss_kib` → `rss` (the cell shows the unit).
pub fn strip_unit(k: &str) -> &str {
    k.strip_suffix("_kib")
        .or_else(|| k.strip_suffix("_bytes"))
        .unwrap_or(k)
}

/// `25600` → `25,600`.
pub fn commas(v: i128) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
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
                commas(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                commas(i128::from(u))
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    // A whole number stored as a float (`4104.0`).
                    return commas(f as i128);
                }
                let s = if f.abs() >= 100.0 {
                    format!("{f:.1}")
                } else {
                    format!("{f:.3}")
                };
                let s = trim_zeros(&s);
                // Group the whole part: 13490.8 → 13,490.8.
                match s.split_once('.') {
                    Some((int, frac)) if int.trim_start_matches('-').len() > 3 => {
                        let i: i128 = int.parse().unwrap_or(0);
                        let sign = if f < 0.0 && i == 0 { "-" } else { "" };
                        format!("{sign}{}.{frac}", commas(i))
                    }
                    _ => s,
                }
            }
        }
        other => other.to_string(),
    }
}

/// A number (and what follows it after a space, e.g. its unit) without
/// the zeros that say nothing: `95.000` → `95`, `1.50 MiB` → `1.5 MiB`,
/// `100` stays `100`.
pub fn trim_zeros(s: &str) -> String {
    let (num, rest) = match s.find(' ') {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let numeric = num
        .trim_start_matches('-')
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
    if !numeric || !num.contains('.') {
        return s.to_string();
    }
    let num = num.trim_end_matches('0').trim_end_matches('.');
    let num = if num == "-0" { "0" } else { num };
    format!("{num}{rest}")
}

/// `memlab list`: each experiment's name and what it shows, aligned in
/// `width` columns, with what it needs (when anything) on the lines under
/// its summary; long summaries wrap inside their column.
pub fn list(rows: &[(&str, &str, &str)], width: usize) -> String {
    let heads = [
        crate::i18n::tr("ui.list.experiment", &[]),
        crate::i18n::tr("ui.list.what", &[]),
    ];
    let name_w = rows
        .iter()
        .map(|r| cols(r.0))
        .chain([cols(&heads[0])])
        .max()
        .unwrap_or(0);
    let what_w = width.saturating_sub(name_w + GAP).max(20);
    let mut out = String::new();
    let pad = |s: &str| format!("{s}{}", " ".repeat(name_w - cols(s) + GAP));
    let _ = writeln!(out, "{}{}", pad(&heads[0]), heads[1]);
    for (name, what, needs) in rows {
        let mut lines = wrap(what, what_w, "", "");
        if !needs.trim().is_empty() && needs.trim() != "-" {
            let n = crate::i18n::tr("ui.list.needs", &[("needs", needs)]);
            lines.extend(wrap(&n, what_w, "", "  "));
        }
        for (k, l) in lines.iter().enumerate() {
            let left = if k == 0 { pad(name) } else { pad("") };
            let _ = writeln!(out, "{left}{}", l.trim_end());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{human, plain, trim_zeros};

    #[test]
    fn numbers_carry_no_meaningless_trailing_zeros() {
        assert_eq!(trim_zeros("95.000"), "95");
        assert_eq!(trim_zeros("0.500"), "0.5");
        assert_eq!(trim_zeros("13,490.0"), "13,490");
        assert_eq!(trim_zeros("1.0 MiB"), "1 MiB");
        assert_eq!(trim_zeros("-0.000"), "0");
        assert_eq!(trim_zeros("100"), "100");
        assert_eq!(trim_zeros("4096 B"), "4096 B");
        assert_eq!(trim_zeros("v1.0"), "v1.0");
        assert_eq!(human("percent", &json!(95.0)), "95");
        assert_eq!(human("ratio", &json!(0.25)), "0.25");
        assert_eq!(human("ratio", &json!(1.0 / 3.0)), "0.333");
        assert_eq!(human("ns", &json!(13490.8)), "13,490.8");
        assert_eq!(human("ns", &json!(150.0)), "150");
        assert_eq!(human("bytes_per_page", &json!(4104.0)), "4,104");
        // A size keeps the one decimal of its column (`76.0 MiB` beside
        // `72.9 MiB`).
        assert_eq!(human("rss_kib", &json!(1536.0)), "1.5 MiB");
        assert_eq!(human("faults", &json!(25600)), "25,600");
        assert_eq!(plain(&json!(95.0)), "95");
        assert_eq!(plain(&json!(0.5)), "0.5");
        assert_eq!(plain(&Value::from(8192)), "8192");
    }
}
