//! English made from a catalogue template, found again inside a longer
//! text: the reason a check was inconclusive inside its `measured` text, a
//! refusal inside a skip reason. The data (JSON) keeps that English; the
//! reader sees each embedded piece in their language.
//!
//! Only entries whose id starts with `why.` take part. Their English must
//! start with literal text (a test checks it), and the code that writes the
//! English makes it from the same entry (`tr_in(Lang::En, ..)`), so the two
//! cannot drift apart.

use super::{Lang, Message, current, fill, messages};

/// A template cut into its literal parts and placeholder names.
enum Part<'a> {
    Lit(&'a str),
    Hole(&'a str),
}

fn parts(text: &str) -> Vec<Part<'_>> {
    let mut v = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j) if super::is_name(&after[..j]) => {
                if i > 0 {
                    v.push(Part::Lit(&rest[..i]));
                }
                v.push(Part::Hole(&after[..j]));
                rest = &after[j + 1..];
            }
            _ => {
                // A brace that is not a placeholder: literal.
                v.push(Part::Lit(&rest[..=i]));
                rest = after;
            }
        }
    }
    if !rest.is_empty() {
        v.push(Part::Lit(rest));
    }
    v
}

/// The first place `m`'s English occurs in `text`: (start, end, args).
/// Where a template matched: (start, end, its arguments).
type Found<'t> = (usize, usize, Vec<(String, &'t str)>);

fn find<'t>(m: &Message, text: &'t str) -> Option<Found<'t>> {
    let ps = parts(m.en);
    let Some(Part::Lit(first)) = ps.first() else {
        return None;
    };
    let mut from = 0;
    while let Some(off) = text[from..].find(first) {
        let start = from + off;
        if let Some((end, args)) = match_at(&ps, text, start) {
            return Some((start, end, args));
        }
        from = start + first.len().max(1);
    }
    None
}

/// Match the parts at `start`: each hole takes the shortest text up to the
/// next literal; a hole at the end takes the rest of the text.
fn match_at<'t>(
    ps: &[Part<'_>],
    text: &'t str,
    start: usize,
) -> Option<(usize, Vec<(String, &'t str)>)> {
    let mut at = start;
    let mut args = Vec::new();
    let mut i = 0;
    while i < ps.len() {
        match ps[i] {
            Part::Lit(l) => {
                if !text[at..].starts_with(l) {
                    return None;
                }
                at += l.len();
            }
            Part::Hole(name) => {
                let end = match ps.get(i + 1) {
                    Some(Part::Lit(next)) => at + text[at..].find(next)?,
                    Some(Part::Hole(_)) => return None,
                    None => text.len(),
                };
                if end == at {
                    return None;
                }
                args.push((name.to_string(), &text[at..end]));
                at = end;
            }
        }
        i += 1;
    }
    Some((at, args))
}

/// `text` with every embedded `why.*` English shown in `lang` (its
/// arguments too, one level down). English comes back unchanged.
pub fn localize_in(lang: Lang, text: &str) -> String {
    if lang == Lang::En || text.is_empty() {
        return text.to_string();
    }
    let mut out = String::new();
    walk(lang, text, |piece| out.push_str(piece));
    out
}

/// Only the embedded `why.*` pieces of `text`, each shown in `lang`, in
/// the order they occur: the reason an inconclusive check gives, without
/// the English around it (its numbers are shown apart).
pub fn pieces_in(lang: Lang, text: &str) -> Vec<String> {
    let mut v = Vec::new();
    walk_found(lang, text, &mut |piece, found| {
        if found {
            v.push(piece.to_string());
        }
    });
    v
}

fn walk(lang: Lang, text: &str, mut put: impl FnMut(&str)) {
    walk_found(lang, text, &mut |piece, _| put(piece));
}

/// Calls `put` with each stretch of `text` in order: literal stretches as
/// they are (`false`), embedded pieces rendered in `lang` (`true`).
fn walk_found(lang: Lang, text: &str, put: &mut dyn FnMut(&str, bool)) {
    let mut rest = text;
    loop {
        // The earliest match of any template in what is left (the longest
        // when two start at the same place).
        let best = messages()
            .filter(|m| m.id.starts_with("why."))
            .filter_map(|m| find(m, rest).map(|(s, e, a)| (s, e, a, m)))
            .min_by_key(|(s, e, _, _)| (*s, usize::MAX - e));
        let Some((s, e, args, m)) = best else {
            if !rest.is_empty() {
                put(rest, false);
            }
            return;
        };
        if s > 0 {
            put(&rest[..s], false);
        }
        let args: Vec<(String, String)> = args
            .into_iter()
            .map(|(k, v)| (k, localize_args(lang, v)))
            .collect();
        let a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let text = match lang {
            Lang::Ja => m.ja,
            Lang::En | Lang::Mark => m.en,
        };
        let filled = fill(text, &a);
        if lang == Lang::Mark {
            put(&format!("<<{filled}>>"), true);
        } else {
            put(&filled, true);
        }
        rest = &rest[e..];
    }
}

/// An argument: its own embedded pieces in `lang`, without the markers of
/// the test language (the piece around it carries them).
fn localize_args(lang: Lang, v: &str) -> String {
    match lang {
        Lang::Mark => v.to_string(),
        _ => localize_in(lang, v),
    }
}

/// [`localize_in`] the current language.
pub fn localize(text: &str) -> String {
    localize_in(current(), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Message = Message {
        id: "why.test",
        en: "background moved by {bg} MiB, which hides {fx} MiB",
        ja: "背景が {bg} MiB 動き、{fx} MiB の効果が隠れました",
    };

    #[test]
    fn a_template_is_found_inside_a_longer_text_with_its_arguments() {
        let text = "+1.0 MiB: background moved by 5.2 MiB, which hides 8.0 MiB";
        let (s, e, a) = find(&M, text).unwrap();
        assert_eq!(s, 10);
        assert_eq!(e, text.len());
        assert_eq!(a, vec![("bg".into(), "5.2"), ("fx".into(), "8.0")]);
        assert!(find(&M, "background moved by 5.2 MiB").is_none());
    }

    #[test]
    fn templates_from_the_catalogue_are_localized_and_english_is_left_alone() {
        let en = crate::i18n::tr_in(
            Lang::En,
            "why.system.background",
            &[("bg", "5.2"), ("effect", "8.0")],
        );
        let text = format!("+1.0 MiB: {en}");
        assert_eq!(localize_in(Lang::En, &text), text);
        let ja = localize_in(Lang::Ja, &text);
        assert!(ja.starts_with("+1.0 MiB: "), "{ja}");
        assert!(ja.contains("5.2") && ja.contains("8.0"), "{ja}");
        assert!(!ja.contains("background"), "{ja}");
        assert_eq!(
            localize_in(Lang::Mark, &text),
            format!("+1.0 MiB: <<{en}>>")
        );
        assert_eq!(localize_in(Lang::Ja, "nothing to see"), "nothing to see");
        let ja = pieces_in(Lang::Ja, &text);
        assert_eq!(ja.len(), 1, "{ja:?}");
        assert!(!ja[0].contains("+1.0") && ja[0].contains("5.2"), "{ja:?}");
        assert_eq!(pieces_in(Lang::En, &text), vec![en.clone()]);
        assert!(pieces_in(Lang::Ja, "nothing to see").is_empty());
    }

    #[test]
    fn every_why_template_starts_with_literal_text_and_has_no_adjacent_holes() {
        for m in messages().filter(|m| m.id.starts_with("why.")) {
            let ps = parts(m.en);
            assert!(
                matches!(ps.first(), Some(Part::Lit(l)) if l.len() >= 3),
                "{}: the English must start with literal text",
                m.id
            );
            for w in ps.windows(2) {
                assert!(
                    !matches!((&w[0], &w[1]), (Part::Hole(_), Part::Hole(_))),
                    "{}: two placeholders side by side cannot be found again",
                    m.id
                );
            }
        }
    }
}
