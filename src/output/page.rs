//! `memlab explain NAME`: an experiment's page (experiments/NAME.md),
//! rendered for a terminal and for someone who installed only the binary.
//!
//! Headings are underlined, paragraphs and lists wrap at the width, the
//! document's quotes sit behind a bar, tables are laid out as memlab's own
//! tables are (fitted to the width), code stays as written. Markdown images
//! are left out (the chart is in `memlab all`'s report.html), and mentions
//! of files of the source repository (`src/…`, `bench/…`, `BENCHMARKS.md`)
//! are reworded: a user of the binary has none of them. Long pages go
//! through `$PAGER` (`less -R` when unset) when stdout is a terminal.

use std::io::Write;

use super::table::grid;
use super::term::{self, Style, cols, wrap};

/// Show `page` on stdout: rendered in stdout's style, through the pager
/// when it is longer than the terminal.
pub fn show(page: &str) -> std::io::Result<()> {
    let st = Style::of(term::Stream::Stdout);
    let text = render(page, &st);
    if term::Stream::Stdout.is_terminal() && text.lines().count() + 1 > terminal_rows() {
        let pager = match std::env::var("PAGER") {
            Ok(p) if p.trim().is_empty() => None,
            Ok(p) => Some(p),
            Err(_) => Some("less -R".to_string()),
        };
        if let Some(pager) = pager
            && page_through(&pager, &text).is_ok()
        {
            return Ok(());
        }
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

fn terminal_rows() -> usize {
    match terminal_size::terminal_size_of(std::io::stdout()) {
        Some((_, terminal_size::Height(h))) if h > 0 => usize::from(h),
        _ => usize::MAX,
    }
}

/// Run `pager` (through `sh -c`, as git does) with `text` on its stdin.
fn page_through(pager: &str, text: &str) -> std::io::Result<()> {
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(pager)
        .stdin(std::process::Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // The reader may quit early (q in less): that is not an error.
        let _ = stdin.write_all(text.as_bytes());
    }
    child.wait()?;
    Ok(())
}

/// The page as terminal text in `st`.
pub fn render(page: &str, st: &Style) -> String {
    let w = st.width;
    let mut out: Vec<String> = Vec::new();
    let mut para: Vec<String> = Vec::new();
    let mut table: Vec<&str> = Vec::new();
    let mut in_code = false;
    for l in page.lines() {
        if in_code {
            if l.trim_start().starts_with("```") {
                in_code = false;
                out.push(String::new());
            } else {
                let t = st.text(l);
                if st.utf8 || !t.trim().is_empty() || l.trim().is_empty() {
                    out.push(format!("    {}", t.trim_end()));
                }
            }
            continue;
        }
        if !l.trim_start().starts_with('|') && !table.is_empty() {
            out.extend(render_table(&table, st));
            table.clear();
        }
        let trimmed = l.trim_start();
        let starts_block = l.trim().is_empty()
            || trimmed.starts_with("```")
            || trimmed.starts_with('|')
            || l.starts_with('#')
            || l.starts_with('>')
            || trimmed.starts_with("- ")
            || numbered(trimmed).is_some()
            || trimmed.starts_with("![");
        if starts_block {
            flush(&mut para, &mut out, st, w);
        }
        if trimmed.starts_with("```") {
            in_code = true;
        } else if trimmed.starts_with('|') {
            table.push(l);
        } else if trimmed.starts_with("![") {
            // An image: the chart is in report.html, not in a terminal.
        } else if let Some(h) = l.strip_prefix('#') {
            heading(h, &mut out, st);
        } else if let Some(q) = l.strip_prefix('>') {
            quote(q, &mut out, st);
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            let indent = " ".repeat(l.len() - trimmed.len());
            para.push(format!("{indent}- {item}"));
        } else if numbered(trimmed).is_some() {
            let indent = " ".repeat(l.len() - trimmed.len());
            para.push(format!("{indent}{trimmed}"));
        } else if l.trim().is_empty() {
            if out.last().is_some_and(|p| !p.is_empty()) {
                out.push(String::new());
            }
        } else {
            para.push(l.to_string());
        }
    }
    flush(&mut para, &mut out, st, w);
    if !table.is_empty() {
        out.extend(render_table(&table, st));
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

fn heading(h: &str, out: &mut Vec<String>, st: &Style) {
    let level = 1 + h.chars().take_while(|&c| c == '#').count();
    let text = st.text(&inline(h.trim_start_matches('#').trim(), st));
    if text.trim().is_empty() {
        return;
    }
    if out.last().is_some_and(|p| !p.is_empty()) {
        out.push(String::new());
    }
    let plain = st.text(&inline(
        h.trim_start_matches('#').trim(),
        &Style {
            colour: false,
            ..*st
        },
    ));
    for line in wrap(&text, st.width, "", "") {
        out.push(st.paint(&line, term::BOLD));
    }
    if level <= 2 {
        let rule = if level == 1 { "=" } else { "-" };
        out.push(rule.repeat(cols(&plain).min(st.width)));
    }
}

fn quote(q: &str, out: &mut Vec<String>, st: &Style) {
    let bar = if st.utf8 { "  │ " } else { "  | " };
    let q = q.strip_prefix(' ').unwrap_or(q);
    if !st.utf8 && term::has_japanese(q) {
        // The document's own words: left out where they cannot be shown.
        return;
    }
    let text = st.text(&inline(q.trim_start_matches('#').trim_start(), st));
    if text.trim().is_empty() {
        // A blank quote line, or a Japanese one outside UTF-8.
        if st.utf8 && out.last().is_some_and(|l| l.starts_with(bar)) {
            out.push(bar.trim_end().to_string());
        }
        return;
    }
    // Keep a quoted list's indent.
    let lead = q.len() - q.trim_start().len();
    let first = format!("{bar}{}", " ".repeat(lead));
    let rest = format!("{first}  ");
    out.extend(wrap(&text, st.width, &first, &rest));
}

/// A paragraph or a list, wrapped at the width.
/// The width of the marker of a numbered item (`1. `, `12. `), when `t`
/// starts one.
fn numbered(t: &str) -> Option<usize> {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && digits <= 3 && t[digits..].starts_with(". ")).then_some(digits + 2)
}

fn flush(para: &mut Vec<String>, out: &mut Vec<String>, st: &Style, w: usize) {
    if para.is_empty() {
        return;
    }
    // Items start a new line; other lines continue the one before.
    let mut blocks: Vec<(usize, String)> = Vec::new();
    for l in para.iter() {
        let t = l.trim_start();
        let indent = l.len() - t.len();
        match blocks.last_mut() {
            Some((_, b)) if !t.starts_with("- ") && numbered(t).is_none() => {
                // Japanese runs on across a line break; English takes a space.
                let cjk = |c: Option<char>| c.is_some_and(|c| c >= '\u{2e80}');
                if !(cjk(b.chars().last()) && cjk(t.chars().next())) {
                    b.push(' ');
                }
                b.push_str(t);
            }
            _ => blocks.push((indent, t.to_string())),
        }
    }
    for (indent, b) in blocks {
        let text = st.text(&inline(&b, st));
        if text.trim().is_empty() {
            continue;
        }
        let pad = " ".repeat(indent);
        let rest = if b.starts_with("- ") {
            format!("{pad}  ")
        } else if let Some(n) = numbered(&b) {
            format!("{pad}{}", " ".repeat(n))
        } else {
            pad.clone()
        };
        out.extend(wrap(&text, w, &pad, &rest));
    }
    para.clear();
}

/// A Markdown table as memlab lays out its own: fitted to the width.
fn render_table(lines: &[&str], st: &Style) -> Vec<String> {
    let plain = Style {
        colour: false,
        ..*st
    };
    let rows: Vec<Vec<String>> = lines
        .iter()
        .filter(|l| !l.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')))
        .map(|l| {
            l.trim()
                .trim_start_matches('|')
                .trim_end_matches('|')
                .split('|')
                .map(|c| st.text(&inline(c.trim(), &plain)))
                .collect()
        })
        .collect();
    let Some((heads, body)) = rows.split_first() else {
        return Vec::new();
    };
    let n = heads.len();
    let body: Vec<Vec<String>> = body
        .iter()
        .map(|r| {
            (0..n)
                .map(|j| r.get(j).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    let mut v: Vec<String> = grid(heads, &body, &vec![false; n], st.width)
        .lines()
        .map(str::to_string)
        .collect();
    v.push(String::new());
    v
}

/// Inline Markdown for the terminal: images and link targets out, `code`
/// kept in backticks (cyan without them when in colour), **bold** and
/// *emphasis* as plain words (bold in colour), repository paths reworded.
pub fn inline(s: &str, st: &Style) -> String {
    let s = reword_repository(&drop_images_and_links(s));
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            if st.colour {
                out.push_str(&st.paint(part, "36"));
            } else {
                out.push('`');
                out.push_str(part);
                out.push('`');
            }
            continue;
        }
        for (j, p) in part.split("**").enumerate() {
            let p = emphasis(p);
            if j % 2 == 1 {
                out.push_str(&st.paint(&p, term::BOLD));
            } else {
                out.push_str(&p);
            }
        }
    }
    out
}

/// `*word*` → `word` (a lone `*`, as in `a * b`, stays).
fn emphasis(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('*') {
        let after = &rest[i + 1..];
        match after.find('*') {
            Some(k) if k > 0 && !after.starts_with(' ') && !after[..k].ends_with(' ') => {
                out.push_str(&rest[..i]);
                out.push_str(&after[..k]);
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

/// `![alt](file)` out; `[text](target)` → `text`, with the address when it
/// is one on the web.
fn drop_images_and_links(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('[') {
        let image = i > 0 && rest[..i].ends_with('!');
        let Some(close) = rest[i..].find("](") else {
            break;
        };
        let Some(end) = rest[i + close..].find(')') else {
            break;
        };
        let text = &rest[i + 1..i + close];
        let target = &rest[i + close + 2..i + close + end];
        out.push_str(&rest[..if image { i - 1 } else { i }]);
        if !image {
            out.push_str(text);
            if target.starts_with("http") {
                out.push_str(&format!(" <{target}>"));
            }
        }
        rest = &rest[i + close + end + 1..];
    }
    out.push_str(rest);
    out
}

/// Files of the source repository, in words a user of the binary can use.
fn reword_repository(s: &str) -> String {
    let mut out = s.replace(
        "BENCHMARKS.md",
        "memlab's benchmark page (in its source repository)",
    );
    for (prefix, words) in [
        ("src/", "memlab's source"),
        ("benches/", "memlab's source repository"),
        ("bench/", "memlab's source repository"),
        ("tests/", "memlab's tests"),
    ] {
        out = replace_paths(&out, prefix, words);
    }
    out
}

/// Each path that starts with `prefix` (bare or in backticks, at the start
/// of a word) becomes `words`.
fn replace_paths(s: &str, prefix: &str, words: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        let at_word = matches!(before, None | Some(' ' | '`' | '(' | '"' | '\''));
        if !at_word {
            out.push_str(&rest[..i + prefix.len()]);
            rest = &rest[i + prefix.len()..];
            continue;
        }
        let end = rest[i..]
            .find(|c: char| c.is_whitespace() || matches!(c, '`' | ')' | ',' | ';' | '"'))
            .map(|e| i + e)
            .unwrap_or(rest.len());
        let ticked = before == Some('`') && rest[end..].starts_with('`');
        let start = if ticked { i - 1 } else { i };
        out.push_str(&rest[..start]);
        out.push_str(words);
        rest = &rest[if ticked { end + 1 } else { end }..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_paths_and_images_are_left_out() {
        let st = Style::plain();
        let page = "# t\n\nfixed deadlines (the shared sampler, `src/sampler.rs`):\n\n\
                    ![a chart](demand-paging.svg)\n\nstack buffers (see BENCHMARKS.md) and bench/touch.c.\n";
        let r = render(page, &st);
        assert!(
            !r.contains("src/") && !r.contains("bench/") && !r.contains("BENCHMARKS"),
            "{r}"
        );
        assert!(!r.contains("!["), "{r}");
        assert!(r.contains("(the shared sampler, memlab's source):"), "{r}");
    }

    #[test]
    fn numbered_items_start_their_own_lines_and_continue_under_their_text() {
        let st = Style::plain();
        let page = "1. first item that goes on\n   over two lines.\n2. second.\n12. twelfth.\nnot 3.14 a list\n";
        let r = render(page, &st);
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(
            lines,
            [
                "1. first item that goes on over two lines.",
                "2. second.",
                "12. twelfth. not 3.14 a list"
            ],
            "{r}"
        );
        assert_eq!(numbered("3.14 x"), None);
        let ja = render("短い既定値\n（小さなサイズ）で\nrun `x`\nand y\n", &st);
        assert_eq!(ja.trim_end(), "短い既定値（小さなサイズ）で run `x` and y");
        assert_eq!(numbered("12. x"), Some(4));
    }

    #[test]
    fn emphasis_and_links_read_as_words() {
        let st = Style::plain();
        assert_eq!(inline("a *virtual* b", &st), "a virtual b");
        assert_eq!(inline("a * b * c", &st), "a * b * c");
        assert_eq!(inline("**x** `y`", &st), "x `y`");
        assert_eq!(
            inline("see [hyperfine](https://x.org/h)", &st),
            "see hyperfine <https://x.org/h>"
        );
    }
}
