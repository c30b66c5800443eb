//! Helpers every integration test shares: run the real binary, load its CSV
//! and JSON with real parsers.
#![allow(dead_code)]

pub mod browser;
pub mod lang;
pub mod rejudge;

use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The `memlab` binary under test: the one cargo built for these tests, or
/// the one `MEMLAB_BIN` names (CI also runs the segv tests against the
/// release build, where the compiler treats a null write differently).
pub fn memlab_path() -> std::path::PathBuf {
    match std::env::var_os("MEMLAB_BIN") {
        Some(p) => std::path::PathBuf::from(p),
        None => assert_cmd::cargo::cargo_bin("memlab"),
    }
}

/// The memlab binary, without colour and without a terminal.
pub fn memlab() -> Command {
    let mut c = Command::new(memlab_path());
    c.env("NO_COLOR", "1");
    c
}

/// Experiments whose checks judge system-wide memory. The tests run them
/// alone: no other memlab run of the suite goes on beside them (the others
/// take the lock shared, these take it whole), so that the suite itself is
/// not the "other activity" their rule must tell apart; `concurrency` runs
/// them side by side on purpose, with its own commands.
const SYSTEM_WIDE: &[&str] = &["cow", "demand-paging", "oom", "page-cache", "swap", "all"];
static SYSTEM_WIDE_RUN: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// What a run holds while it goes on: the whole lock for a run with
/// system-wide checks, a shared part for any other run.
pub enum Turn {
    Alone(std::sync::RwLockWriteGuard<'static, ()>),
    Shared(std::sync::RwLockReadGuard<'static, ()>),
}

/// The turn a run with `args` waits for (memory-moving runs of other
/// experiments share theirs; a system-wide run has the machine alone).
pub fn one_at_a_time(args: &[&str]) -> Turn {
    if args.first().is_some_and(|a| SYSTEM_WIDE.contains(a)) {
        Turn::Alone(system_wide_lock())
    } else {
        Turn::Shared(SYSTEM_WIDE_RUN.read().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The lock itself, whole, for tests that start such runs their own way
/// (several at once in `concurrency`: they disturb each other on purpose,
/// not the rest of the suite). Never call [`run`] while holding it.
pub fn system_wide_lock() -> std::sync::RwLockWriteGuard<'static, ()> {
    SYSTEM_WIDE_RUN.write().unwrap_or_else(|e| e.into_inner())
}

/// Run memlab with `args`; returns the process output (any exit status).
pub fn run(args: &[&str]) -> Output {
    let _one = one_at_a_time(args);
    memlab().args(args).output().expect("running memlab")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run memlab with `args` plus `--json -`, assert it exited with one of
/// `codes`, and parse the JSON report.
pub fn json_run(args: &[&str], codes: &[i32]) -> Value {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--json", "-", "-q"]);
    let o = run(&all);
    let code = o.status.code().unwrap_or(-1);
    assert!(
        codes.contains(&code),
        "memlab {all:?} exited {code}, wanted {codes:?}\nstderr: {}\nstdout: {}",
        stderr(&o),
        stdout(&o)
    );
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("memlab {all:?}: JSON does not parse: {e}\n{}", stdout(&o)))
}

/// A fresh folder on the disk that holds `target/` (never a tmpfs), for
/// memlab's TMPDIR: a test file there really has to be read from the disk.
pub fn disk_tmpdir() -> tempfile::TempDir {
    let base = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

/// CSV text as rows of column → cell.
pub fn parse_csv(text: &str) -> Vec<HashMap<String, String>> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().expect("CSV header").clone();
    rdr.records()
        .map(|r| {
            let r = r.expect("CSV record");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    parse_csv(&std::fs::read_to_string(path).expect("reading CSV"))
}

/// A numeric CSV cell.
pub fn num(row: &HashMap<String, String>, col: &str) -> f64 {
    row.get(col)
        .unwrap_or_else(|| panic!("no column {col} in {row:?}"))
        .parse()
        .unwrap_or_else(|_| panic!("column {col} is not a number in {row:?}"))
}

/// The check named `name` in a JSON report.
pub fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {}", report["checks"]))
}

/// The first JSON row whose column `col` equals `value`.
pub fn row_where<'a>(report: &'a Value, col: &str, value: &str) -> Option<&'a Value> {
    report["rows"]
        .as_array()
        .expect("rows array")
        .iter()
        .find(|x| x[col] == value)
}

/// A numeric field of a JSON row.
pub fn field(v: &Value, k: &str) -> f64 {
    v[k].as_f64()
        .unwrap_or_else(|| panic!("no number {k} in {v}"))
}

/// The host's transparent-huge-page mode (`always`, `madvise`, `never`), or
/// `absent` where the kernel has no THP.
pub fn thp_mode() -> String {
    let t =
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
    t.split('[')
        .nth(1)
        .and_then(|s| s.split(']').next())
        .unwrap_or("absent")
        .to_string()
}

/// Assert every check in the report held or was inconclusive.
pub fn assert_no_failed_checks(report: &Value) {
    for c in report["checks"].as_array().expect("checks array") {
        assert_ne!(c["holds"], Value::Bool(false), "check failed: {c}");
    }
}

/// Files in `dir` (for "nothing was left behind" assertions).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Whether the tests run as root (then unprivileged runs go through setpriv).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Run memlab as an ordinary user (uid/gid 65534, no capabilities) through
/// `setpriv`, when the tests run as root. `None` (with a printed reason) when
/// that is not possible; when the tests already run unprivileged, memlab runs
/// as it is.
pub fn run_unprivileged(args: &[&str]) -> Option<Output> {
    if !is_root() {
        return Some(run(args));
    }
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(setpriv) = setpriv else {
        eprintln!("skipped: setpriv is not installed, cannot run as an ordinary user");
        return None;
    };
    let _one = one_at_a_time(args);
    let bin = memlab_path();
    let o = std::process::Command::new(setpriv)
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--",
        ])
        .arg(&bin)
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir("/")
        .output()
        .expect("running setpriv");
    Some(o)
}

/// `args` with `extra` (memlab's own options) put before a command's `--`,
/// so that `watch -- CMD` keeps them away from CMD.
pub fn with_options<'a>(args: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    let at = all.iter().position(|a| *a == "--").unwrap_or(all.len());
    all.splice(at..at, extra.iter().copied());
    all
}

/// Every experiment once, with sizes small enough for a test: the runs the
/// "works on any host" tests (unprivileged, hidepid) go through.
pub const EVERY_EXPERIMENT_SMALL: &[&[&str]] = &[
    &["free"],
    &["segv", "--target", "all"],
    &["mmap", "--size", "8M"],
    &["malloc"],
    &["isolation"],
    &["filemap"],
    &["filemap", "--cold"],
    &["page-cache", "--size", "16M"],
    &["oom", "--limit", "32M"],
    &["swap", "--size", "8M"],
    &["cow", "--size", "16M"],
    &["page-table", "--size", "16M", "--reserve", "4G"],
    &["hugepage", "--size", "16M", "--forks", "3"],
    &[
        "demand-paging",
        "--size",
        "16M",
        "--rate",
        "64M/s",
        "--interval",
        "20ms",
        "--hold",
        "200ms",
    ],
    &["watch", "--interval", "5ms", "--", "sleep", "0.2"],
    &[
        "faults",
        "--size",
        "2M",
        "--thp-size",
        "8M",
        "--rounds",
        "1",
    ],
];

/// The kernel's own peak RSS (`ru_maxrss`) of a memlab run with `inner`
/// arguments plus streamed `--csv` and `--json` files, taken by an outer
/// memlab watching the inner one: the memory streaming keeps bounded.
pub fn streamed_peak_kib(inner: &[&str]) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path().join("outer.json");
    let csv = dir.path().join("in.csv");
    let json = dir.path().join("in.json");
    let me = memlab_path();
    let mut args = vec![
        "watch",
        "-q",
        "--interval",
        "50ms",
        "--json",
        outer.to_str().unwrap(),
        "--",
        me.to_str().unwrap(),
    ];
    args.extend(with_options(
        inner,
        &[
            "--csv",
            csv.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
    ));
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: Value = serde_json::from_str(&std::fs::read_to_string(&outer).unwrap()).unwrap();
    j["summary"]["rusage_maxrss_kib"].as_u64().unwrap()
}
