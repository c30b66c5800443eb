//! Bad input: exit 2, one short line naming the value, and no file written.
mod common;
use common::*;

fn assert_usage_error(args: &[&str], must_mention: &str) {
    let dir = tempfile::tempdir().unwrap();
    let o = memlab()
        .current_dir(dir.path())
        .args(args)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "memlab {args:?}: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "memlab {args:?}: not one line: {err}");
    assert!(lines[0].len() < 200, "memlab {args:?}: long message: {err}");
    assert!(
        err.contains(must_mention),
        "memlab {args:?}: {err} does not name {must_mention}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(o.stdout.is_empty(), "memlab {args:?} printed to stdout");
    assert_eq!(
        files_in(dir.path()),
        Vec::<String>::new(),
        "memlab {args:?} left files"
    );
}

#[test]
fn bad_sizes_are_refused() {
    for v in [
        "10X",
        "0",
        "-5M",
        "abc",
        "1.2.3M",
        "99999999999999999999",
        "2000000T",
    ] {
        assert_usage_error(&["mmap", "--size", v, "--csv", "out.csv"], v);
    }
}

#[test]
fn sizes_above_half_of_available_memory_are_refused_by_the_guard() {
    assert_usage_error(&["mmap", "--size", "100T", "--csv", "out.csv"], "--force");
}

#[test]
fn bad_intervals_and_counts_are_refused() {
    for v in ["100", "0ms", "-1s", "1h", "fast"] {
        assert_usage_error(&["free", "--watch", v, "--csv", "out.csv"], v);
    }
    assert_usage_error(&["free", "--watch", "1s", "--count", "0"], "0");
    assert_usage_error(&["free", "--count", "3"], "--watch");
}

#[test]
fn unknown_choices_and_experiments_are_refused() {
    assert_usage_error(&["segv", "--target", "moon"], "moon");
    assert_usage_error(&["no-such-experiment"], "no-such-experiment");
    assert_usage_error(&["explain", "no-such-experiment"], "no-such-experiment");
    assert_usage_error(&["mmap", "--no-such-flag"], "--no-such-flag");
    // A missing required argument is named on the one line.
    assert_usage_error(&["all"], "--out");
}

#[test]
fn unwritable_or_odd_output_paths_are_refused_before_running() {
    assert_usage_error(
        &["free", "--csv", "/no/such/folder/out.csv"],
        "/no/such/folder",
    );
    assert_usage_error(&["free", "--json", "/proc"], "/proc");
    assert_usage_error(&["free", "--csv", "/dev/null"], "/dev/null");
    assert_usage_error(&["free", "--csv", "-", "--json", "-"], "stdout");
    assert_usage_error(&["free", "--csv", "same", "--json", "same"], "same");
}

#[test]
fn help_and_version_exit_zero() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["segv", "--help"],
        &["list"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(!o.stdout.is_empty());
    }
}

#[test]
fn list_marks_every_spec_experiment() {
    let out = stdout(&run(&["list"]));
    for name in [
        "free",
        "segv",
        "mmap",
        "malloc",
        "isolation",
        "filemap",
        "demand-paging",
        "oom",
        "cow",
        "page-table",
        "hugepage",
        "watch",
        "all",
    ] {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().next() == Some(name)),
            "{name} missing from memlab list:\n{out}"
        );
    }
    assert!(out.contains("available"));
}

#[test]
fn explain_prints_the_page() {
    let o = run(&["explain", "segv"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("不正なアドレス"));
}

#[test]
fn an_ordinary_user_runs_the_foundation_experiments() {
    for args in [
        &["segv", "--json", "-", "-q"][..],
        &["mmap", "--size", "8M", "--json", "-", "-q"],
        &["free", "--json", "-", "-q"],
    ] {
        let Some(o) = run_unprivileged(args) else {
            return;
        };
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_no_failed_checks(&r);
        if is_root() {
            assert_eq!(r["meta"]["root"], false);
        }
    }
}
