//! TEST ONLY: the fixture of the checks' unit tests. A [`Fixture`] is a
//! report made by hand (rows from any `Serialize` row type, params,
//! measurements, meta) that a pure judge function judges as `memlab judge`
//! would; [`verdict`] looks a check's verdict up by name.
//!
//! ```ignore
//! let j = Fixture::new("mmap").param("size_bytes", 4096).rows(&rows).judge(judge);
//! assert_eq!(verdict(&j, "vsz_grows_by_size"), Verdict::Holds);
//! ```

use std::ops::{Deref, DerefMut};

use anyhow::Result;
use serde::Serialize;

use super::{JudgeFn, Judgement, Recorded};
use crate::probe::host::Meta;
use crate::report::{Check, Report, Verdict};

/// A recorded run made by hand. Derefs to its [`Report`], for what the
/// builders do not cover (`f.rows[0].remove("field")`, `f.ended_by = ..`).
pub struct Fixture {
    report: Report,
}

impl Fixture {
    /// An empty run of `experiment` on a host of default meta.
    pub fn new(experiment: &str) -> Fixture {
        Fixture::with_meta(experiment, &Meta::default())
    }

    pub fn with_meta(experiment: &str, meta: &Meta) -> Fixture {
        Fixture {
            report: Report::new(experiment, meta),
        }
    }

    /// The host's page size, in bytes.
    pub fn page_size(mut self, bytes: u64) -> Fixture {
        self.report.meta.page_size = bytes;
        self
    }

    /// Append these rows.
    pub fn rows<R: Serialize>(mut self, rows: &[R]) -> Fixture {
        for row in rows {
            self.report.push_row(row);
        }
        self
    }

    pub fn param(mut self, key: &str, v: impl Serialize) -> Fixture {
        self.report.param(key, v);
        self
    }

    pub fn measure(mut self, key: &str, v: impl Serialize) -> Fixture {
        self.report.measure(key, v);
        self
    }

    /// Every field of `p` (a struct) as a param.
    pub fn params(mut self, p: &impl Serialize) -> Fixture {
        match serde_json::to_value(p).expect("params serialize") {
            serde_json::Value::Object(o) => self.report.params.extend(o),
            other => panic!("params must be a struct, not {other}"),
        }
        self
    }

    /// Every field of `m` (a struct) as a measurement.
    pub fn measurements(mut self, m: &impl Serialize) -> Fixture {
        match serde_json::to_value(m).expect("measurements serialize") {
            serde_json::Value::Object(o) => self.report.measurements.extend(o),
            other => panic!("measurements must be a struct, not {other}"),
        }
        self
    }

    /// What `judge` makes of this run.
    pub fn try_judge(&self, judge: JudgeFn) -> Result<Judgement> {
        judge(&Recorded::of(&self.report))
    }

    /// What `judge` makes of this run; panics when it refuses the data.
    pub fn judge(&self, judge: JudgeFn) -> Judgement {
        self.try_judge(judge)
            .unwrap_or_else(|e| panic!("judge refused the fixture: {e:#}"))
    }
}

impl Deref for Fixture {
    type Target = Report;
    fn deref(&self) -> &Report {
        &self.report
    }
}

impl DerefMut for Fixture {
    fn deref_mut(&mut self) -> &mut Report {
        &mut self.report
    }
}

/// The verdict of the check `name`; panics, listing the checks, when there
/// is none.
pub fn verdict(j: &Judgement, name: &str) -> Verdict {
    j.checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name} in {:?}", j.checks))
        .verdict
}

/// Each check's name and verdict, in order.
pub fn verdicts(j: &Judgement) -> Vec<(String, Verdict)> {
    j.checks
        .iter()
        .map(|c| (c.name.clone(), c.verdict))
        .collect()
}

/// The verdict of `name` in a list made by [`verdicts`]; panics when there
/// is none.
pub fn of(v: &[(String, Verdict)], name: &str) -> Verdict {
    v.iter()
        .find(|c| c.0 == name)
        .unwrap_or_else(|| panic!("no check {name} in {v:?}"))
        .1
}

/// Assert the verdict of each named check, reporting every mismatch at once.
pub fn assert_verdicts(j: &Judgement, want: &[(&str, Verdict)]) {
    let wrong: Vec<String> = want
        .iter()
        .filter_map(|&(name, v)| {
            let got = verdict(j, name);
            (got != v).then(|| format!("{name}: {got:?}, wanted {v:?}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{}\nchecks: {:?}",
        wrong.join("\n"),
        j.checks
    );
}

/// The check `name`; panics, listing the checks, when there is none.
pub fn check<'a>(j: &'a Judgement, name: &str) -> &'a Check {
    j.checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name} in {:?}", j.checks))
}

/// The reason `c` gives in its English `measured` text is a `why.*`
/// catalogue entry, and the Japanese reader sees it in Japanese: the
/// Japanese measured line has its piece and not `english` (a run of the
/// reason's English words, which the data keeps).
pub fn assert_reason_in_japanese(c: &Check, english: &str) {
    use crate::i18n::{Lang, pieces_in};
    use crate::output::checktext::{measured, narrow};
    assert!(c.measured.contains(english), "{}", c.measured);
    let pieces = pieces_in(Lang::Ja, &c.measured);
    assert!(!pieces.is_empty(), "no why.* piece in {:?}", c.measured);
    let line = measured(c, Lang::Ja);
    assert!(!line.contains(english), "{line}");
    for p in &pieces {
        assert!(line.contains(&narrow(p)), "{p} not in {line}");
    }
}

/// Assert that the inconclusive check `name` says why through a `why.*`
/// catalogue entry: the Japanese reader finds `ja` (a fragment of the
/// entry's Japanese) among the reasons in its measured text and on its
/// measured line. Returns that line.
pub fn assert_japanese_reason(j: &Judgement, name: &str, ja: &str) -> String {
    use crate::i18n::{Lang, pieces_in};
    let c = j
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name} in {:?}", j.checks));
    assert_eq!(c.verdict, Verdict::Inconclusive, "{c:?}");
    let pieces = pieces_in(Lang::Ja, &c.measured);
    assert!(
        !pieces.is_empty(),
        "{name}: no why.* piece in {:?}",
        c.measured
    );
    assert!(
        pieces.iter().any(|p| p.contains(ja)),
        "{name}: {ja:?} not in {pieces:?}"
    );
    let line = crate::output::checktext::measured(c, Lang::Ja);
    assert!(line.contains(ja), "{name}: {ja:?} not in {line:?}");
    line
}
