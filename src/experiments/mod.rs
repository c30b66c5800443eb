//! The registry of experiments: one [`Info`] per experiment, declared in the
//! experiment's own module, and one line per experiment in [`registry!`]
//! below. The clap subcommands, `list`, `explain`, `all`, `judge` and the
//! dispatch all come from here.
//!
//! Each experiment module reads top-down like the document's procedure:
//! set up → measure → act → measure → Report; its checks are a pure
//! function of what was recorded ([`Recorded`] → [`Judgement`]).

pub mod cow;
pub mod demand_paging;
pub mod faults;
pub mod filemap;
#[cfg(test)]
pub mod fixture;
pub mod free;
pub mod hugepage;
pub mod isolation;
pub mod malloc;
pub mod mmap;
pub mod oom;
pub mod page_cache;
pub mod page_table;
pub mod scratch_dir;
pub mod segv;
pub mod swap;
mod touch_child;
pub mod watch;

use anyhow::Result;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::usage;
use crate::output::Ui;
use crate::output::args::{Plain, Plotted, Wrapped};
use crate::probe::host::Meta;
use crate::report::{Check, EndedBy, Report};

/// What an experiment gets besides its own options.
pub struct Ctx {
    pub meta: Meta,
    pub ui: Ui,
    /// Rows streamed to the CSV/JSON outputs as they are taken, for runs
    /// as long as the user likes (`Hook::open` before the first row); the
    /// outputs are then completed after the checks, not rendered again.
    pub stream: crate::output::stream::Hook,
}

/// What a check function gets: everything a run recorded, nothing else.
pub struct Recorded<'a> {
    pub rows: &'a [Map<String, Value>],
    pub params: &'a Map<String, Value>,
    pub measurements: &'a Map<String, Value>,
    pub meta: &'a Meta,
    pub ended_by: EndedBy,
    /// Parts that could not run (their checks are skipped).
    pub skipped: &'a [String],
}

impl Recorded<'_> {
    pub fn of(r: &Report) -> Recorded<'_> {
        Recorded {
            rows: &r.rows,
            params: &r.params,
            measurements: &r.measurements,
            meta: &r.meta,
            ended_by: r.ended_by,
            skipped: &r.skipped,
        }
    }

    /// The rows as the experiment's row type; a row that lacks a field is a
    /// usage error naming it (exit 2 in `memlab judge`).
    pub fn rows_as<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                serde_json::from_value(Value::Object(row.clone()))
                    .map_err(|e| usage(bad_row(i, &e)))
            })
            .collect()
    }

    /// The params as the experiment's params type.
    pub fn params_as<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(Value::Object(self.params.clone())).map_err(|e| {
            usage(crate::i18n::tr(
                "err.data.params",
                &[("error", &e.to_string())],
            ))
        })
    }

    /// The measurements as the experiment's measurements type.
    pub fn measurements_as<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(Value::Object(self.measurements.clone())).map_err(|e| {
            usage(crate::i18n::tr(
                "err.data.measurements",
                &[("error", &e.to_string())],
            ))
        })
    }
}

/// Row `i` (from 0) of the recorded data could not be read: why, in the
/// reader's language around serde's own words.
pub fn bad_row(i: usize, e: &dyn std::fmt::Display) -> String {
    crate::i18n::tr(
        "err.data.row",
        &[("n", &(i + 1).to_string()), ("error", &e.to_string())],
    )
}

/// A row's `pte_delta_kib` must be its two VmPTE counters' difference (the
/// checks read the delta; an edited row is refused, not judged).
pub fn pte_delta_is_the_counters(case: &str, before: u64, after: u64, delta: i64) -> Result<()> {
    if delta == after as i64 - before as i64 {
        return Ok(());
    }
    Err(usage(crate::i18n::tr(
        "err.data.pte_delta",
        &[("case", case)],
    )))
}

/// What the checks conclude: the summary derived from rows and measurements,
/// and the checks.
#[derive(Debug, Default)]
pub struct Judgement {
    pub summary: Map<String, Value>,
    pub checks: Vec<Check>,
}

impl Judgement {
    pub fn summary(&mut self, key: &str, v: impl serde::Serialize) {
        self.summary
            .insert(key.into(), serde_json::to_value(v).unwrap_or(Value::Null));
    }

    pub fn check(&mut self, c: Check) {
        self.checks.push(c);
    }
}

/// An experiment's pure check function.
pub type JudgeFn = fn(&Recorded<'_>) -> Result<Judgement>;

/// An experiment's chart from what was recorded (`None`: nothing to draw,
/// e.g. too few rows).
pub type ChartFn = fn(&Recorded<'_>) -> Result<Option<crate::report::Chart>>;

/// One experiment, as the registry knows it.
pub struct Info {
    pub name: &'static str,
    /// The document's section it comes from.
    pub section: &'static str,
    /// One line for `memlab list` and the subcommand's help.
    pub summary: &'static str,
    /// What it needs beyond an ordinary user ("-" for nothing).
    pub needs: &'static str,
    /// Its page (experiments/NAME.md).
    pub page: &'static str,
    /// Whether it draws a chart (`--plot`).
    pub plots: bool,
    /// Its chart, drawn from what was recorded: a run and `memlab report`
    /// (which redraws a lab's charts from its JSON) both go through it.
    pub chart: Option<ChartFn>,
    /// `memlab all` runs it with these arguments; `None`: not run by `all`.
    pub quick: Option<&'static [&'static str]>,
    /// Summary keys that characterise a run (for reports that compare labs).
    pub key_figures: &'static [&'static str],
    /// Its checks, as a pure function of what was recorded.
    pub judge: JudgeFn,
    /// Its Japanese page (experiments/ja/NAME.md), where there is one.
    pub page_ja: Option<&'static str>,
}

/// Judge a report from what it recorded, replacing its summary and checks.
/// Runs go through here as `memlab judge` does, so a saved JSON re-judges
/// to the same verdicts.
pub fn judge(r: &mut Report) -> Result<()> {
    let info = find(&r.experiment).ok_or_else(|| {
        usage(crate::i18n::tr(
            "err.data.unknown_experiment",
            &[("name", &r.experiment)],
        ))
    })?;
    // Judge from the JSON form, exactly as `memlab judge` reads it back.
    let bytes = serde_json::to_vec(r)?;
    let back: Report = serde_json::from_slice(&bytes)?;
    let j = (info.judge)(&Recorded::of(&back))?;
    // Summary keys the run set that the checks do not derive stay (e.g. a
    // figure for a person); derived ones are replaced.
    for (k, v) in j.summary {
        r.summary.insert(k, v);
    }
    r.checks = j.checks;
    Ok(())
}

/// The experiments and their wrappers: the one list of them. Each line is
/// `Variant => module: Wrapper`, optionally `, worker = path` for a hidden
/// entry point a run re-executes itself into.
macro_rules! registry {
    ($( $variant:ident => $module:ident : $wrap:ident $(, worker = $worker:path)? ;)*) => {
        /// Every experiment's subcommand.
        #[derive(clap::Subcommand, Debug)]
        pub enum Experiment {
            $(
                #[command(name = $module::INFO.name, about = $module::INFO.summary)]
                $variant($wrap<$module::Args>),
            )*
        }

        /// Every experiment, in the document's order.
        pub const ALL: &[&Info] = &[$( &$module::INFO ),*];

        impl Experiment {
            pub fn info(&self) -> &'static Info {
                match self {
                    $( Experiment::$variant(_) => &$module::INFO, )*
                }
            }

            pub fn out(&self) -> &crate::output::OutputArgs {
                match self {
                    $( Experiment::$variant(w) => w.out(), )*
                }
            }

            pub fn plot(&self) -> Option<&std::path::PathBuf> {
                match self {
                    $( Experiment::$variant(w) => w.plot(), )*
                }
            }

            /// A hidden entry point (a worker memlab re-executes itself as),
            /// when the options ask for one.
            #[allow(unused_variables)]
            pub fn worker(&self) -> Option<Result<i32>> {
                match self {
                    $( Experiment::$variant(w) => {
                        $( return $worker(w.inner()); )?
                        #[allow(unreachable_code)]
                        None
                    } )*
                }
            }

            /// Run it and return its report (no output written).
            pub fn run(&self, ctx: &Ctx) -> Result<Report> {
                match self {
                    $( Experiment::$variant(w) => $module::run(w.inner(), ctx), )*
                }
            }
        }
    };
}

registry! {
    Free => free: Plain;
    Segv => segv: Plain;
    Mmap => mmap: Plain;
    Malloc => malloc: Plain;
    Isolation => isolation: Plain, worker = isolation::worker_entry;
    Filemap => filemap: Plain;
    PageCache => page_cache: Plotted;
    DemandPaging => demand_paging: Plotted;
    Oom => oom: Plain;
    Cow => cow: Plotted;
    PageTable => page_table: Plotted;
    Hugepage => hugepage: Plotted;
    Swap => swap: Plain;
    Watch => watch: Plotted;
    Faults => faults: Plotted;
}

pub fn find(name: &str) -> Option<&'static Info> {
    ALL.iter().copied().find(|i| i.name == name)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[derive(clap::Parser)]
    struct Probe {
        #[command(subcommand)]
        e: super::Experiment,
    }

    #[test]
    fn subcommand_names_are_the_registry_names() {
        let cmd = Probe::command();
        let mut clap_names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
        let mut reg: Vec<&str> = super::ALL.iter().map(|i| i.name).collect();
        clap_names.sort();
        reg.sort();
        assert_eq!(clap_names, reg);
    }

    #[test]
    fn plots_is_true_exactly_where_the_subcommand_takes_plot() {
        let cmd = Probe::command();
        for i in super::ALL {
            let sub = cmd.find_subcommand(i.name).expect("a subcommand per entry");
            let takes = sub.get_arguments().any(|a| a.get_id() == "plot");
            assert_eq!(
                takes, i.plots,
                "{}: plots = {} but --plot taken: {takes}",
                i.name, i.plots
            );
        }
    }

    /// A Japanese page names the same checks as its English page: every
    /// check the catalogue knows is in both or in neither; and it has a
    /// real run.
    #[test]
    fn japanese_pages_name_the_same_checks_as_the_english_ones() {
        for i in super::ALL {
            let Some(ja) = i.page_ja else { continue };
            for m in crate::i18n::messages() {
                let Some(check) = m.id.strip_prefix("check.") else {
                    continue;
                };
                assert_eq!(
                    i.page.contains(check),
                    ja.contains(check),
                    "{}: check {check} named in one page and not the other",
                    i.name
                );
            }
            assert!(
                ja.contains("```"),
                "{}: the Japanese page has no real run",
                i.name
            );
        }
    }

    #[test]
    fn every_quick_argument_list_parses() {
        use clap::Parser;
        for i in super::ALL {
            if let Some(q) = i.quick {
                let mut argv = vec!["memlab", i.name];
                argv.extend_from_slice(q);
                Probe::try_parse_from(&argv)
                    .unwrap_or_else(|e| panic!("{}'s quick arguments: {e}", i.name));
            }
        }
    }
}
