use super::*;

#[test]
fn every_message_has_both_languages_and_the_same_placeholders() {
    for m in messages() {
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
    let mut ids: Vec<&str> = messages().map(|m| m.id).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(n, ids.len(), "a message id is given twice");
}

#[test]
fn japanese_text_has_no_ambiguous_width_characters() {
    for m in messages() {
        for c in AMBIGUOUS {
            assert!(!m.ja.contains(*c), "{}: '{c}' in the Japanese text", m.id);
        }
    }
}

#[test]
fn the_japanese_is_japanese() {
    for m in messages() {
        // Only placeholders and full-width punctuation (`{why}（{example}）`)
        // has no words to translate.
        let words = fill(m.ja, &[]);
        let only_punctuation = placeholders(m.ja)
            .iter()
            .fold(words, |w, p| w.replace(&format!("{{{p}}}"), ""))
            .chars()
            .all(|c| {
                ('\u{ff00}'..='\u{ffef}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c)
            });
        assert!(
            only_punctuation
                || m.ja.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)
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

/// Every `ui.*`, `html.*`, `help.*` and `err.*` message is used by the code, and
/// every id the code asks for by name is in the catalogue.
#[test]
fn the_catalogue_and_the_code_agree() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut text = String::new();
    let mut stack = vec![src];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs")
                && !p.to_string_lossy().contains("i18n/catalogue")
                && !p.ends_with("i18n/tests.rs")
            {
                text.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    for m in messages() {
        // Ids built from a name at run time, and the experiments' own
        // parts (their tests and the marking-language test cover them).
        let generic = !["ui.", "html.", "help.", "err."]
            .iter()
            .any(|p| m.id.starts_with(p));
        // help.NAME for a subcommand is found by its name (cli::command_in).
        let by_name = m.id.starts_with("help.")
            && m.id != "help.about"
            && m.id != "help.after"
            && m.id != "help.lang";
        if !generic && !by_name {
            assert!(
                text.contains(&format!("\"{}\"", m.id)),
                "{} is never used",
                m.id
            );
        }
    }
    for quote in ["tr(\"", "tr_in(lang, \"", "t(\""] {
        for part in text.split(quote).skip(1) {
            let id = &part[..part.find('"').unwrap()];
            if ["ui.", "html.", "help.", "err."]
                .iter()
                .any(|p| id.starts_with(p))
            {
                assert!(
                    lookup(id).is_some(),
                    "the code asks for {id}, not in the catalogue"
                );
            }
        }
    }
}

/// Every check named by a literal in the experiments has its claim in the
/// catalogue (names built at run time are covered by the marking-language
/// test, which runs the experiments).
#[test]
fn every_literal_check_name_has_a_claim() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/experiments");
    let mut stack = vec![dir];
    let mut missing = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for ctor in [
                "Check::new(",
                "Check::with_verdict(",
                "Check::inconclusive(",
                "Check::judged(",
            ] {
                for part in text.split(ctor).skip(1) {
                    let rest = part.trim_start().trim_start_matches('&');
                    let Some(rest) = rest.strip_prefix('"') else {
                        continue;
                    };
                    let name = &rest[..rest.find('"').unwrap()];
                    if lookup(&format!("check.{name}")).is_none() {
                        missing.push(name.to_string());
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "checks without a Japanese claim: {missing:?}"
    );
}

#[test]
fn the_marking_language_flags_a_line_without_a_message() {
    let said = tr_in(Lang::Mark, "ui.no_chart", &[]);
    assert_eq!(flag_unmarked_in(Lang::Mark, &said), None);
    assert_eq!(
        flag_unmarked_in(Lang::Mark, "fork()").as_deref(),
        Some("!!fork()")
    );
    assert_eq!(flag_unmarked_in(Lang::En, "fork()"), None);
    assert_eq!(flag_unmarked_in(Lang::Ja, "fork()"), None);
}
