//! The Japanese pages of `memlab explain` (experiments/ja/NAME.md). An
//! experiment without one is shown in English, after a one-line note.

/// Each experiment that has a Japanese page, and the page.
pub const PAGES_JA: &[(&str, &str)] = &[
    ("cow", include_str!("../../experiments/ja/cow.md")),
    ("segv", include_str!("../../experiments/ja/segv.md")),
    ("mmap", include_str!("../../experiments/ja/mmap.md")),
    ("free", include_str!("../../experiments/ja/free.md")),
    (
        "demand-paging",
        include_str!("../../experiments/ja/demand-paging.md"),
    ),
];

/// The Japanese page of experiment `name`, when there is one.
pub fn page_ja(name: &str) -> Option<&'static str> {
    PAGES_JA.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::PAGES_JA;
    use crate::i18n::MESSAGES;

    /// A Japanese page names the same checks as its English page: every
    /// check the catalogue knows is in both or in neither.
    #[test]
    fn japanese_pages_name_the_same_checks_as_the_english_ones() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
        for (name, ja) in PAGES_JA {
            let en = std::fs::read_to_string(dir.join(format!("{name}.md"))).unwrap();
            for m in MESSAGES {
                let Some(check) = m.id.strip_prefix("check.") else {
                    continue;
                };
                assert_eq!(
                    en.contains(check),
                    ja.contains(check),
                    "{name}: check {check} named in one page and not the other"
                );
            }
            assert!(
                ja.contains("```"),
                "{name}: the Japanese page has no real run"
            );
        }
    }
}
