use super::*;

#[test]
fn every_message_has_both_languages_and_the_same_placeholders() {
    for m in MESSAGES {
        assert!(!m.en.trim().is_empty(), "{}: no English", m.id);
        assert!(!m.ja.trim().is_empty(), "{}: no Japanese", m.id);
        assert_eq!(
            placeholders(m.en),
            placeholders(m.ja),
            "{}: placeholders differ",
            m.id
        );
    }
}

#[test]
fn ids_are_unique() {
    let mut ids: Vec<&str> = MESSAGES.iter().map(|m| m.id).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(n, ids.len(), "a message id is given twice");
}

#[test]
fn japanese_text_has_no_ambiguous_width_characters() {
    for m in MESSAGES {
        for c in AMBIGUOUS {
            assert!(!m.ja.contains(*c), "{}: '{c}' in the Japanese text", m.id);
        }
    }
}

#[test]
fn the_japanese_is_japanese() {
    for m in MESSAGES {
        assert!(
            m.ja.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)
                || ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{}: {}",
            m.id,
            m.ja
        );
    }
}

#[test]
fn locale_language_comes_from_the_first_variable_set() {
    assert_eq!(locale_lang(Some("ja:en"), None, None, Some("C")), Lang::Ja);
    assert_eq!(
        locale_lang(Some("en:ja"), Some("ja_JP.UTF-8"), None, None),
        Lang::En
    );
    assert_eq!(
        locale_lang(Some(""), None, None, Some("ja_JP.UTF-8")),
        Lang::Ja
    );
    assert_eq!(
        locale_lang(None, Some("C"), None, Some("ja_JP.UTF-8")),
        Lang::En
    );
    assert_eq!(
        locale_lang(None, None, Some("ja_JP.eucJP"), Some("C")),
        Lang::Ja
    );
    assert_eq!(locale_lang(None, None, None, None), Lang::En);
}

#[test]
fn japanese_needs_utf8_unless_asked_for() {
    assert_eq!(choose(None, Lang::Ja, true), Lang::Ja);
    assert_eq!(choose(None, Lang::Ja, false), Lang::En);
    assert_eq!(choose(Some(Lang::Ja), Lang::En, false), Lang::Ja);
    assert_eq!(choose(Some(Lang::En), Lang::Ja, true), Lang::En);
}

#[test]
fn lang_is_found_in_the_command_line() {
    assert_eq!(
        lang_in_args(&["memlab", "--lang", "ja", "list"]),
        Some(Lang::Ja)
    );
    assert_eq!(
        lang_in_args(&["memlab", "cow", "--lang=en"]),
        Some(Lang::En)
    );
    assert_eq!(
        lang_in_args(&["memlab", "watch", "--", "x", "--lang", "ja"]),
        None
    );
    assert_eq!(lang_in_args(&["memlab", "list"]), None);
}

#[test]
fn placeholders_are_filled_and_mark_wraps() {
    let t = tr_in(Lang::Ja, "ui.tally.held", &[("held", "3"), ("total", "4")]);
    assert_eq!(t, "4 件中 3 件の主張が成り立ちました");
    let t = tr_in(
        Lang::Mark,
        "ui.tally.held",
        &[("held", "3"), ("total", "4")],
    );
    assert_eq!(t, "<<3 of 4 held>>");
    assert_eq!(fill("{a} {b} {", &[("a", "x")]), "x {b} {");
    assert_eq!(tr_in(Lang::Ja, "no.such.id", &[]), "no.such.id");
}
