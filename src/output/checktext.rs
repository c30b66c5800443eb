//! A check's lines in the reader's language, rendered from its data at
//! output time: the claim by its message id (`check.MSG`, else
//! `check.NAME`), the measured line from its numbers. The JSON keeps the
//! English text; only what is shown to a person changes.

use serde_json::Value;

use super::table::commas;
use crate::i18n::{self, Lang};
use crate::report::Check;

/// The check's arguments as plain text (`"x"` as x, numbers as written).
fn args(c: &Check) -> Vec<(String, String)> {
    c.args
        .iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), s)
        })
        .collect()
}

/// The catalogue id of a check's claim, when the catalogue has one.
pub fn claim_id(c: &Check) -> Option<String> {
    [format!("check.{}", c.msg), format!("check.{}", c.name)]
        .into_iter()
        .find(|id| i18n::lookup(id).is_some())
}

/// The claim in `lang`: Japanese from the catalogue (the English claim when
/// it has none yet), English as the check states it.
pub fn claim(c: &Check, lang: Lang) -> String {
    let Some(id) = claim_id(c) else {
        return c.claim.clone();
    };
    match lang {
        Lang::En => c.claim.clone(),
        Lang::Mark => format!("<<{}>>", c.claim),
        Lang::Ja => {
            let a = args(c);
            let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            i18n::tr_in(Lang::Ja, &id, &a)
        }
    }
}

/// A number as the table shows it: integers with commas, else two decimals
/// at most.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return commas(v as i128);
    }
    if !v.is_finite() || v.abs() >= 1e15 {
        return format!("{v}");
    }
    // One decimal from 100 up, two below; the integer part with commas.
    let s = if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    let s = s.trim_end_matches('0').trim_end_matches('.');
    match s.split_once('.') {
        Some((int, frac)) => {
            let sign = if int.starts_with('-') { "-" } else { "" };
            let digits: i128 = int.trim_start_matches('-').parse().unwrap_or(0);
            format!("{sign}{}.{frac}", commas(digits))
        }
        None => s.to_string(),
    }
}

/// The line under the claim: what was measured and what was expected.
pub fn measured(c: &Check, lang: Lang) -> String {
    if lang != Lang::Ja {
        // The data's text, its long integers grouped as the tables group
        // them (the JSON keeps the text as it is).
        return group_digits(&i18n::tr_in(
            lang,
            "ui.measured",
            &[("measured", &c.measured), ("expected", &c.expected)],
        ));
    }
    let (scale, unit) = shown_unit(c);
    let unit = unit.as_str();
    let num = |v: f64| num(v * scale);
    let (m, e) = match c.measured_value {
        Some(v) => {
            let m = format!("{} {unit}", num(v)).trim_end().to_string();
            let e = match (c.expected_min, c.expected_max) {
                (Some(lo), Some(hi)) if lo == hi => format!("{} {unit}", num(lo)),
                (Some(lo), Some(hi)) => i18n::tr_in(
                    lang,
                    "ui.range.between",
                    &[("lo", &num(lo)), ("hi", &num(hi)), ("unit", unit)],
                ),
                (Some(lo), None) => i18n::tr_in(
                    lang,
                    "ui.range.at_least",
                    &[("lo", &num(lo)), ("unit", unit)],
                ),
                (None, Some(hi)) => i18n::tr_in(
                    lang,
                    "ui.range.at_most",
                    &[("hi", &num(hi)), ("unit", unit)],
                ),
                (None, None) => c.expected.clone(),
            };
            // A range without a unit leaves two spaces where it would be.
            (m, e.replace("  ", " "))
        }
        None => (
            i18n::localize_in(lang, &c.measured),
            i18n::localize_in(lang, &c.expected),
        ),
    };
    let mut line = i18n::tr_in(
        lang,
        "ui.measured",
        &[("measured", m.trim_end()), ("expected", e.trim_end())],
    );
    // An inconclusive check says why in its measured text: keep it.
    // The numbers are shown above: only its reasons from the catalogue,
    // or the whole text when it has none there.
    if c.holds.is_none() && c.measured_value.is_some() {
        let pieces = i18n::pieces_in(lang, &c.measured);
        let why = if pieces.is_empty() {
            c.measured.clone()
        } else {
            pieces.join("。")
        };
        line += &i18n::tr_in(lang, "ui.why_unknown", &[("why", &why)]);
    }
    narrow(&line)
}

/// The unit a Japanese line shows a check's figures in, and the factor
/// from the data's: large KiB and byte figures in MiB (as the English texts
/// give them), counting words in Japanese (`unit.*`); units proper as
/// they are.
fn shown_unit(c: &Check) -> (f64, String) {
    let largest = [c.measured_value, c.expected_min, c.expected_max]
        .into_iter()
        .flatten()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    match c.unit.as_str() {
        "KiB" if largest >= 10.0 * 1024.0 => (1.0 / 1024.0, "MiB".into()),
        "bytes" if largest >= 10.0 * 1024.0 * 1024.0 => (1.0 / 1048576.0, "MiB".into()),
        u => (
            1.0,
            i18n::try_tr_in(Lang::Ja, &format!("unit.{u}"), &[]).unwrap_or_else(|| u.to_string()),
        ),
    }
}

/// `text` with every plain integer of five digits or more grouped by
/// commas (`32768` as `32,768`); digits inside a word, a hex number, a
/// path or after a decimal point are left alone.
pub fn group_digits(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let run = &text[start..i];
        let before = start.checked_sub(1).map(|k| b[k]);
        let after = b.get(i).copied();
        let inside_word = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_');
        // A sign after a letter is a hyphen (`oom-12064`); a token with a
        // slash is a path.
        let signed_after_word =
            matches!(before, Some(b'-' | b'+')) && start >= 2 && inside_word(Some(b[start - 2]));
        let token_start = text[..start]
            .rfind(char::is_whitespace)
            .map_or(0, |k| k + 1);
        let token_end = text[i..]
            .find(char::is_whitespace)
            .map_or(text.len(), |k| i + k);
        let standalone = !inside_word(before)
            && !signed_after_word
            && !matches!(before, Some(b'.' | b'/' | b':' | b','))
            && !inside_word(after)
            && !matches!(after, Some(b'/' | b':'))
            && !text[token_start..token_end].contains('/');
        match run.parse::<i128>() {
            Ok(n) if run.len() >= 5 && standalone && !run.starts_with('0') => {
                out.push_str(&commas(n));
            }
            _ => out.push_str(run),
        }
    }
    out
}

/// The tally line in `lang`.
pub fn tally(lang: Lang, held: usize, failed: usize, unk: usize) -> String {
    let total = held + failed + unk;
    if total == 0 {
        return i18n::tr_in(lang, "ui.tally.none", &[]);
    }
    let (h, t) = (held.to_string(), total.to_string());
    let mut s = i18n::tr_in(lang, "ui.tally.held", &[("held", &h), ("total", &t)]);
    if failed > 0 {
        s += &i18n::tr_in(lang, "ui.tally.failed", &[("n", &failed.to_string())]);
    }
    if unk > 0 {
        s += &i18n::tr_in(lang, "ui.tally.inconclusive", &[("n", &unk.to_string())]);
    }
    s
}

/// English fragments inside Japanese lines without the characters CJK
/// terminals draw two columns wide (`±`, `×`, `…`, `→`, `≤`, `≥`).
pub fn narrow(s: &str) -> String {
    s.replace('±', "+-")
        .replace('×', "x")
        .replace('…', "...")
        .replace('→', "->")
        .replace('←', "<-")
        .replace('≤', "<=")
        .replace('≥', ">=")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check() -> Check {
        Check::new(
            "touch_faults_once_per_page",
            "touching each page takes one fault",
            "25,600 ± 784",
            "25,612 faults",
            true,
        )
        .value(25612.0, "faults")
        .bounds(Some(24816.0), Some(26384.0))
    }

    #[test]
    fn japanese_claim_comes_from_the_catalogue_and_english_from_the_check() {
        let c = check();
        assert_eq!(claim(&c, Lang::En), c.claim);
        assert!(claim(&c, Lang::Ja).contains("ページフォルト"));
        assert_eq!(claim(&c, Lang::Mark), format!("<<{}>>", c.claim));
        let mut odd = c.clone();
        odd.name = "no_such_check".into();
        odd.msg = "no_such_check".into();
        assert_eq!(claim(&odd, Lang::Ja), odd.claim);
    }

    #[test]
    fn long_plain_integers_are_grouped_and_nothing_else() {
        assert_eq!(
            group_digits("measured +32768 KiB (expected 25600 ± 784; 1234)"),
            "measured +32,768 KiB (expected 25,600 ± 784; 1234)"
        );
        for same in [
            "0x7f7675391010",
            "/sys/fs/cgroup/memory/memlab-oom-12064",
            "pid12345",
            "3.14159265",
            "x_123456",
            "12,345",
            "2026-12-01T11:25:11Z",
            "00001000",
        ] {
            assert_eq!(group_digits(same), same);
        }
        assert_eq!(group_digits("-166800.5 KiB"), "-166,800.5 KiB");
    }

    #[test]
    fn japanese_lines_show_large_kib_in_mib_and_count_in_japanese() {
        let c = Check::new("c", "claim", "e", "m", true)
            .value(-170_776.0, "KiB")
            .bounds(Some(-4104.4), Some(4104.4));
        let m = measured(&c, Lang::Ja);
        assert!(m.starts_with("測定値 -166.8 MiB"), "{m}");
        assert!(m.contains("-4.01 MiB 以上 4.01 MiB 以下"), "{m}");
        let c = Check::new("c", "claim", "e", "m", true)
            .value(2048.0, "faults")
            .bounds(Some(2047.0), Some(2049.0));
        let m = measured(&c, Lang::Ja);
        assert!(m.starts_with("測定値 2,048 回"), "{m}");
    }

    #[test]
    fn japanese_measured_line_is_built_from_the_numbers() {
        let c = check();
        let m = measured(&c, Lang::Ja);
        assert_eq!(
            m,
            "測定値 25,612 回（期待値 24,816 回 以上 26,384 回 以下）"
        );
        assert_eq!(
            measured(&c, Lang::En),
            "measured 25,612 faults (expected 25,600 ± 784)"
        );
        let mut plain = c.clone();
        plain.measured_value = None;
        assert_eq!(
            measured(&plain, Lang::Ja),
            "測定値 25,612 faults（期待値 25,600 +- 784）"
        );
    }

    #[test]
    fn numbers_group_their_digits_and_keep_a_decimal() {
        assert_eq!(num(-593054.8), "-593,054.8");
        assert_eq!(num(0.49), "0.49");
        assert_eq!(num(4096.0), "4,096");
        assert_eq!(num(-0.5), "-0.5");
    }

    #[test]
    fn an_inconclusive_check_keeps_its_reason() {
        let mut c = check();
        c.holds = None;
        c.measured = "background moved 88 MiB".into();
        assert!(measured(&c, Lang::Ja).ends_with("判定できない理由: background moved 88 MiB"));
    }

    #[test]
    fn segv_claims_name_their_target() {
        let c = Check::new(
            "readonly_killed_by_sigsegv",
            "x",
            "SIGSEGV",
            "SIGSEGV",
            true,
        )
        .msg("killed_by_sigsegv")
        .arg("target", "readonly");
        assert!(
            claim(&c, Lang::Ja).contains("（readonly）"),
            "{}",
            claim(&c, Lang::Ja)
        );
    }

    #[test]
    fn tally_in_both_languages() {
        assert_eq!(tally(Lang::En, 1, 0, 1), "1 of 2 held, 1 inconclusive");
        assert_eq!(
            tally(Lang::Ja, 1, 1, 1),
            "3 件中 1 件の主張が成り立ちました。1 件は成り立ちませんでした。1 件は判定できませんでした"
        );
    }
}
