//! What the terminal can show: its width, whether a stream gets colour, and
//! whether the locale's charset is UTF-8. One place decides each, so the
//! table, the checks, `explain` and later the Japanese text agree.
//!
//! - Width: the terminal's columns when the stream is a terminal, else
//!   [`DEFAULT_WIDTH`] (a file or a pipe gets the same layout every time).
//! - Colour: per stream, only on a terminal and only when `NO_COLOR` is
//!   unset or empty (<https://no-color.org>). The glyphs ✓ ✗ ? stay either
//!   way: colour is decoration, the glyph is the verdict.
//! - Charset: from the first of `LC_ALL`, `LC_CTYPE`, `LANG` that is set and
//!   not empty, as the C library reads it. `C`, `POSIX` and no locale at all
//!   are ASCII: then memlab prints ASCII glyphs and leaves the document's
//!   Japanese quotes out (the English translation beside them stays).

use std::io::IsTerminal;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The width used when the stream is not a terminal.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrower terminals than this are laid out at this width anyway: a table
/// cut into one-column blocks reads worse than a line that wraps.
pub const MIN_WIDTH: usize = 40;

/// Which standard stream a text goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
    }
}

/// The columns of `s` when it is a terminal, else [`DEFAULT_WIDTH`].
pub fn width(s: Stream) -> usize {
    if !s.is_terminal() {
        return DEFAULT_WIDTH;
    }
    let size = match s {
        Stream::Stdout => terminal_size::terminal_size_of(std::io::stdout()),
        Stream::Stderr => terminal_size::terminal_size_of(std::io::stderr()),
    };
    // A terminal that does not say its size (a pty with no rows set):
    // $COLUMNS, as the shell exports it, else the default.
    let columns = || std::env::var("COLUMNS").ok()?.trim().parse::<usize>().ok();
    match size {
        Some((terminal_size::Width(w), _)) if w > 0 => usize::from(w).max(MIN_WIDTH),
        _ => columns()
            .filter(|&c| c > 0)
            .map_or(DEFAULT_WIDTH, |c| c.max(MIN_WIDTH)),
    }
}

/// Colour on `s`: a terminal, and `NO_COLOR` unset or empty.
pub fn colour(s: Stream) -> bool {
    s.is_terminal() && no_color_allows(std::env::var_os("NO_COLOR").as_deref())
}

/// `NO_COLOR` set to anything but the empty string turns colour off.
pub fn no_color_allows(v: Option<&std::ffi::OsStr>) -> bool {
    v.is_none_or(|v| v.is_empty())
}

/// Is the locale's charset UTF-8? (`LC_ALL`, then `LC_CTYPE`, then `LANG`.)
pub fn utf8() -> bool {
    // `--lang ja` asks for Japanese whatever the locale: it is UTF-8.
    if crate::i18n::current() == crate::i18n::Lang::Ja {
        return true;
    }
    let get = |k| std::env::var(k).ok();
    utf8_from(
        get("LC_ALL").as_deref(),
        get("LC_CTYPE").as_deref(),
        get("LANG").as_deref(),
    )
}

/// The rule of [`utf8`] on given values: the first set and non-empty one
/// decides; its charset (after `.`, before `@`) must be UTF-8 (any case,
/// with or without the dash). `C.UTF-8` is UTF-8; `C`, `POSIX` and nothing
/// at all are not.
pub fn utf8_from(lc_all: Option<&str>, lc_ctype: Option<&str>, lang: Option<&str>) -> bool {
    let Some(v) = [lc_all, lc_ctype, lang]
        .into_iter()
        .flatten()
        .find(|v| !v.is_empty())
    else {
        return false;
    };
    let charset = v
        .split_once('.')
        .map(|(_, c)| c.split('@').next().unwrap_or(c))
        .unwrap_or("");
    let c = charset.to_ascii_lowercase();
    c == "utf-8" || c == "utf8"
}

/// How to draw text for one stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub width: usize,
    pub colour: bool,
    pub utf8: bool,
}

impl Style {
    /// The style of a stream of this process.
    pub fn of(s: Stream) -> Style {
        Style {
            width: width(s),
            colour: colour(s),
            utf8: utf8(),
        }
    }

    /// 100 columns, no colour, UTF-8: files, pipes, snapshots.
    pub fn plain() -> Style {
        Style {
            width: DEFAULT_WIDTH,
            colour: false,
            utf8: true,
        }
    }

    /// 100 columns, no colour, ASCII.
    pub fn ascii() -> Style {
        Style {
            utf8: false,
            ..Style::plain()
        }
    }

    /// The glyph of a verdict (`None`: inconclusive), coloured when asked.
    pub fn mark(&self, holds: Option<bool>) -> String {
        let (g, a, code) = match holds {
            Some(true) => ("✓", "ok", GREEN),
            Some(false) => ("✗", "FAIL", RED),
            None => ("?", "??", YELLOW),
        };
        self.paint(if self.utf8 { g } else { a }, code)
    }

    /// `text` in an ANSI colour when colour is on.
    pub fn paint(&self, text: &str, code: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// `s` as this stream can show it: itself under UTF-8, else ASCII with
    /// the Japanese left out (see [`ascii`]).
    pub fn text(&self, s: &str) -> String {
        if self.utf8 { s.to_string() } else { ascii(s) }
    }
}

pub const RED: &str = "31";
pub const GREEN: &str = "32";
pub const YELLOW: &str = "33";
pub const BOLD: &str = "1";

/// Hiragana, katakana, CJK ideographs and the Japanese and full-width
/// punctuation around them: the document's own words.
pub fn is_japanese(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// A line in plain ASCII for a non-UTF-8 locale. Parts joined by ` — `
/// that are Japanese are left out with their separator (`total 全メモリ —
/// all memory` → `total - all memory`); other Japanese runs are left out;
/// common symbols become ASCII (`—` `-`, `≥` `>=`, `µ` `u`, `×` `x`); what
/// is left that is not ASCII becomes `?`.
pub fn ascii(s: &str) -> String {
    let parts: Vec<String> = s
        .split(" — ")
        .map(drop_japanese)
        .filter(|p| !p.trim().is_empty() && p.trim() != "()")
        .collect();
    let joined = parts.join(" - ");
    let mut out = String::new();
    for c in joined.chars() {
        match c {
            c if c.is_ascii() => out.push(c),
            '—' | '–' | '−' => out.push('-'),
            '≥' => out.push_str(">="),
            '≤' => out.push_str("<="),
            '≠' => out.push_str("!="),
            '≈' => out.push('~'),
            '±' => out.push_str("+/-"),
            'µ' | 'μ' => out.push('u'),
            '×' => out.push('x'),
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '…' => out.push_str("..."),
            '·' => out.push('-'),
            '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            '✓' => out.push_str("ok"),
            '✗' => out.push_str("FAIL"),
            '\u{a0}' | '\u{2009}' | '\u{202f}' => out.push(' '),
            _ => out.push('?'),
        }
    }
    // "(実質的な空きメモリ)" leaves "()" behind.
    out.replace(" ()", "").replace("()", "")
}

/// `s` without its Japanese runs; a run that stood between two spaces
/// takes one of them with it (other spacing, as in aligned output, stays).
fn drop_japanese(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_japanese(c) {
            out.push(c);
            continue;
        }
        while chars.peek().is_some_and(|&c| is_japanese(c)) {
            chars.next();
        }
        if (out.is_empty() || out.ends_with(' ')) && chars.peek() == Some(&' ') {
            chars.next();
        }
    }
    out.trim_end().to_string()
}

/// Does `s` hold any of the document's Japanese?
pub fn has_japanese(s: &str) -> bool {
    s.chars().any(is_japanese)
}

/// The columns `s` takes on a terminal (East Asian wide characters take 2).
pub fn cols(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Break `s` into lines of at most `width` columns, at spaces; a word
/// longer than a line is cut. The first line starts with `first`, the
/// others with `rest` (a hanging indent).
pub fn wrap(s: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = first.to_string();
    let mut fresh = true;
    for (gap, word) in words(s) {
        // Japanese has no spaces: a run of it may break anywhere, so it
        // starts on the current line when a few columns are left.
        let breaks_anywhere = has_japanese(&word) && cols(&line) + gap + CJK_MIN_ROOM <= width;
        if !fresh && cols(&line) + gap + cols(&word) > width && !breaks_anywhere {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            fresh = true;
        }
        if !fresh {
            line.push_str(&" ".repeat(gap));
        }
        // A word wider than a whole line is cut where the line ends (a
        // Japanese run where Japanese may break: see [`japanese_cut`]).
        let mut w = word.as_str();
        while cols(&line) + cols(w) > width && cols(&line) < width {
            let room = width - cols(&line);
            let hard = split_at_cols(w, room);
            let cut = if has_japanese(w) {
                match japanese_cut(w, hard) {
                    Some(c) => c,
                    // No place Japanese may break before the end of the
                    // line (an English word there): the next line, when
                    // this one holds anything; else cut where it ends.
                    None if !line.trim().is_empty() => {
                        lines.push(std::mem::replace(&mut line, rest.to_string()));
                        continue;
                    }
                    None => hard,
                }
            } else {
                hard
            };
            if cut == 0 {
                break;
            }
            line.push_str(&w[..cut]);
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            w = &w[cut..];
        }
        line.push_str(w);
        fresh = false;
    }
    if !fresh || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Columns a Japanese run needs left on a line to start there.
const CJK_MIN_ROOM: usize = 8;

/// Units that stay on the line of their number (`6.4 MiB`, `3 µs`).
const UNITS: [&str; 12] = [
    "B", "KiB", "MiB", "GiB", "TiB", "kB", "ns", "µs", "us", "ms", "s", "%",
];

/// The words of `s`, each with the spaces before it (so aligned text keeps
/// its alignment within a line); a number and its unit are one word.
fn words(s: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut gap = 0;
    for w in s.split(' ') {
        if w.is_empty() {
            gap += 1;
            continue;
        }
        let glue = gap == 0 || (gap == 1 && is_unit(w));
        match out.last_mut() {
            Some((_, prev)) if glue && prev.ends_with(|c: char| c.is_ascii_digit()) => {
                prev.push_str(&" ".repeat(gap));
                prev.push_str(w);
            }
            _ => out.push((gap.max(1), w.to_string())),
        }
        gap = 1;
    }
    out
}

fn is_unit(w: &str) -> bool {
    let core = w.trim_end_matches([',', ';', '.', ':', ')']);
    UNITS.contains(&core)
}

/// A line of narration for a stream: in its charset, wrapped at its width
/// with a hanging indent (the line's own indent plus four).
pub fn fit(line: &str, st: &Style) -> String {
    let mut out = String::new();
    for l in line.split('\n') {
        let l = st.text(l);
        let indent = &l[..l.len() - l.trim_start().len()];
        let rest = format!("{indent}    ");
        for w in wrap(l.trim_start(), st.width, indent, &rest) {
            out.push_str(w.trim_end());
            out.push('\n');
        }
    }
    out.pop();
    out
}

/// Where a line may break in `s` at or before byte `cut`: next to a
/// Japanese character (never inside an English word or a number such as
/// `null-page` or `8,192`), and not before closing punctuation (、。）」),
/// which stays on the line it closes. `None` when there is no such place.
fn japanese_cut(s: &str, cut: usize) -> Option<usize> {
    let closing = |c: char| "、。，．）」』】〕・ー！？：".contains(c);
    let ok = |i: usize| {
        let before = s[..i].chars().next_back();
        let after = s[i..].chars().next();
        match (before, after) {
            (Some(b), Some(a)) => (is_japanese(b) || is_japanese(a)) && !closing(a),
            _ => false,
        }
    };
    (1..=cut)
        .rev()
        .filter(|&i| s.is_char_boundary(i))
        .find(|&i| ok(i))
}

/// The byte index where the first `room` columns of `s` end.
fn split_at_cols(s: &str, room: usize) -> usize {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            return i;
        }
        used += w;
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_comes_from_the_first_locale_variable_set() {
        assert!(utf8_from(Some("en_US.UTF-8"), None, None));
        assert!(utf8_from(None, Some("ja_JP.utf8"), Some("C")));
        assert!(utf8_from(None, None, Some("C.UTF-8")));
        assert!(utf8_from(None, None, Some("de_DE.UTF-8@euro")));
        assert!(!utf8_from(
            Some("C"),
            Some("en_US.UTF-8"),
            Some("en_US.UTF-8")
        ));
        assert!(!utf8_from(Some("POSIX"), None, None));
        assert!(!utf8_from(None, None, None));
        assert!(!utf8_from(Some(""), None, Some("ja_JP.eucJP")));
        assert!(utf8_from(Some(""), None, Some("en_GB.UTF-8")));
    }

    #[test]
    fn no_color_set_and_not_empty_turns_colour_off() {
        assert!(no_color_allows(None));
        assert!(no_color_allows(Some(std::ffi::OsStr::new(""))));
        assert!(!no_color_allows(Some(std::ffi::OsStr::new("1"))));
    }

    #[test]
    fn ascii_leaves_the_japanese_out_and_keeps_the_english() {
        assert_eq!(
            ascii("total      システムに搭載されている全メモリの量 — all memory installed"),
            "total - all memory installed"
        );
        assert_eq!(
            ascii("available (実質的な空きメモリ) is free ≥ 3 µs"),
            "available is free >= 3 us"
        );
        assert_eq!(ascii("「仮想記憶」"), "");
        assert!(ascii("a → b — 日本").is_ascii());
    }

    #[test]
    fn glyphs_are_ascii_without_utf8_and_stay_without_colour() {
        let s = Style::ascii();
        assert_eq!(s.mark(Some(true)), "ok");
        assert_eq!(s.mark(Some(false)), "FAIL");
        assert_eq!(Style::plain().mark(Some(false)), "✗");
        let c = Style {
            colour: true,
            ..Style::plain()
        };
        assert_eq!(c.mark(None), "\x1b[33m?\x1b[0m");
    }

    #[test]
    fn narration_wraps_with_a_hanging_indent() {
        let st = Style {
            width: 30,
            ..Style::plain()
        };
        let line = "  + 7fc259200000-7fc259a00000 rw-s 00000000 fe:00 10028083 /tmp/x/filemap.dat";
        let out = fit(line, &st);
        assert!(out.lines().all(|l| cols(l) <= 30), "{out}");
        assert!(
            out.lines().skip(1).all(|l| l.starts_with("      ")),
            "{out}"
        );
        assert_eq!(fit("a\nb", &st), "a\nb");
    }

    #[test]
    fn japanese_breaks_between_its_own_characters_not_inside_english() {
        let text = "プロセスはそのアクセスで終わり、その後の行は実行されない（null-page）";
        for w in 20..60 {
            let lines = wrap(text, w, "", "    ");
            assert!(lines.iter().all(|l| cols(l) <= w), "{w}: {lines:?}");
            assert!(
                lines
                    .iter()
                    .all(|l| !l.trim_start().starts_with(['、', '）', '-'])),
                "{w}: {lines:?}"
            );
            assert!(lines.concat().contains("null-page"), "{w}: {lines:?}");
        }
        // An English identifier right after Japanese, at the line's end:
        // it goes to the next line whole.
        let text = "親プロセスは子プロセスを回収し（子プロセスの一生分の rusage: `child_wait4_minflt`）も記録します";
        for w in 30..70 {
            let lines = wrap(text, w, "", "   ");
            assert!(lines.iter().all(|l| cols(l) <= w), "{w}: {lines:?}");
            assert!(
                lines.iter().any(|l| l.contains("`child_wait4_minflt`")),
                "{w}: {lines:?}"
            );
        }
    }

    #[test]
    fn wrap_keeps_every_line_within_the_width() {
        let text = "measured available 23261688 KiB vs free 12736172 KiB (the closest sample) \
                    (expected available ≥ free in every sample) /a/very/long/path/without/any/spaces/in/it/at/all";
        for w in [20, 40, 100] {
            let lines = wrap(text, w, "    ", "      ");
            assert!(lines.iter().all(|l| cols(l) <= w), "{lines:?}");
            let back: String = lines.concat().split_whitespace().collect();
            assert_eq!(back, text.split_whitespace().collect::<String>());
        }
        assert_eq!(wrap("", 10, "  ", "  "), vec!["  "]);
        // A number keeps its unit; aligned text keeps its spaces.
        assert_eq!(
            wrap("grows < 6.4 MiB)", 12, "", ""),
            vec!["grows <", "6.4 MiB)"]
        );
        assert_eq!(
            wrap("used       the figure", 100, "", ""),
            vec!["used       the figure"]
        );
    }

    // The table and the list align by these columns.
    use crate::output::table::{grid, list};

    /// The display column where `needle` starts in `line` (a Japanese
    /// character takes two).
    fn col_of(line: &str, needle: &str) -> usize {
        cols(&line[..line.find(needle).unwrap()])
    }

    #[test]
    fn japanese_cells_take_two_columns_and_the_grid_stays_aligned() {
        let heads = vec!["key".to_string(), "what".to_string(), "n".to_string()];
        let cells = vec![
            vec!["a".into(), "物理メモリ".into(), "1".into()],
            vec![
                "bb".into(),
                "ページキャッシュとスワップ".into(),
                "22,000".into(),
            ],
            vec!["ccc".into(), "ascii text".into(), "3".into()],
        ];
        let out = grid(&heads, &cells, &[false, false, true], 100);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(cols("物理メモリ"), 10);
        // The third column starts at one column on every line, and the
        // numbers end at one column.
        let ends: Vec<usize> = lines[1..].iter().map(|l| cols(l.trim_end())).collect();
        assert!(ends.windows(2).all(|w| w[0] == w[1]), "{out}");
        let second: Vec<usize> = [("物理", 1), ("ページ", 2), ("ascii", 3)]
            .iter()
            .map(|(n, i)| col_of(lines[*i], n))
            .collect();
        assert!(second.windows(2).all(|w| w[0] == w[1]), "{out}");
    }

    #[test]
    fn the_list_aligns_japanese_summaries_and_wraps_them_in_their_column() {
        let rows = [
            (
                "cow",
                "fork() はページテーブルだけをコピーし、子プロセスの書き込みでページがコピーされる（コピーオンライト）",
                "-",
            ),
            (
                "demand-paging",
                "100 MiB を確保し、毎秒 10 MiB ずつ触れて測る",
                "root",
            ),
        ];
        let out = list(&rows, 70);
        for l in out.lines() {
            assert!(cols(l) <= 70, "{l}\n{out}");
        }
        let start = cols("demand-paging") + 2;
        for l in out.lines().skip(1) {
            let rest = &l[l.len() - l.trim_start().len()..];
            let text_at = if l.starts_with(' ') {
                cols(l) - cols(rest)
            } else {
                start
            };
            assert_eq!(text_at, start, "{l}\n{out}");
        }
    }
}
