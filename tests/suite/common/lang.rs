//! Runs in a chosen language: the locale variables cleared, then set.

use std::process::{Command, Output};

use super::{memlab_path, one_at_a_time};

/// A Japanese locale.
pub const JA: &[(&str, &str)] = &[("LANG", "ja_JP.UTF-8")];

/// Run memlab with `args` under `env` alone among the locale variables
/// (`LANGUAGE`, `LC_*`, `LANG` cleared first), waiting for its turn as
/// [`super::run`] does; any exit status.
pub fn run_in(env: &[(&str, &str)], args: &[&str]) -> Output {
    let _one = one_at_a_time(args);
    let mut c = Command::new(memlab_path());
    for k in ["LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LANG"] {
        c.env_remove(k);
    }
    c.env("NO_COLOR", "1").envs(env.iter().copied()).args(args);
    c.output().expect("running memlab")
}

/// Whether `s` holds kana or kanji.
pub fn has_japanese(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c))
}
