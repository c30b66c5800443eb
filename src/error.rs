//! Errors that decide the exit status.

use std::fmt;

/// A usage error: a bad flag or value, an output path that cannot be written,
/// a size the safety guard refuses. Exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Build a usage error as an `anyhow::Error`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

/// A usage error from the catalogue: message `id` (`err.*`) in the reader's
/// language, made where the error is (the language is set before anything
/// can fail).
pub fn usage_t(id: &str, args: &[(&str, &str)]) -> anyhow::Error {
    usage(crate::i18n::tr(id, args))
}

/// `memlab: error: WHAT` in the reader's language (`err.line`).
pub fn line(what: &str) -> String {
    crate::i18n::tr("err.line", &[("what", what)])
}

/// Print [`line`] on stderr.
pub fn print(what: &str) {
    eprintln!("{}", line(what));
}

/// `memlab: warning: WHAT` on stderr, in the reader's language.
pub fn warn(what: &str) {
    eprintln!("{}", crate::i18n::tr("err.warning", &[("what", what)]));
}

/// Exit statuses (SPEC section 1).
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const CHECK_FAILED: i32 = 3;
    pub const INTERRUPTED: i32 = 130;

    /// The status that wins when a run has several (`all` over its parts):
    /// 130 (interrupted) over 1 (could not run, an output could not be
    /// written, a worker died) over 3 (a check did not hold) over 0. Usage
    /// errors (2) are decided before anything runs and never combined.
    pub fn worst(a: i32, b: i32) -> i32 {
        let rank = |c: i32| match c {
            INTERRUPTED => 4,
            USAGE => 5,
            OK => 0,
            CHECK_FAILED => 1,
            _ => 3,
        };
        if rank(b) > rank(a) { b } else { a }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn precedence_is_130_then_1_then_3_then_0() {
            assert_eq!(worst(OK, CHECK_FAILED), CHECK_FAILED);
            assert_eq!(worst(CHECK_FAILED, FAILED), FAILED);
            assert_eq!(worst(FAILED, INTERRUPTED), INTERRUPTED);
            assert_eq!(worst(INTERRUPTED, CHECK_FAILED), INTERRUPTED);
            assert_eq!(worst(OK, OK), OK);
            let all = [OK, CHECK_FAILED, FAILED, INTERRUPTED];
            assert_eq!(all.iter().copied().fold(OK, worst), INTERRUPTED);
        }
    }
}
