//! Bad input: exit 2, one short line naming the value, and no file written.
use crate::common::*;

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
    assert!(
        out.lines()
            .next()
            .is_some_and(|l| l.starts_with("experiment"))
    );
}

#[test]
fn explain_prints_the_page() {
    let o = memlab()
        .args(["explain", "segv"])
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("不正なアドレス"));
}

/// For someone who installed only the binary, in any locale: no Markdown
/// images, no files of the source repository, lines within 100 columns
/// outside code blocks (indented by four); plain ASCII (the Japanese quotes
/// left out) under C and POSIX.
#[test]
fn explain_renders_every_page_for_a_terminal() {
    let listed = stdout(&run(&["list"]));
    let names: Vec<&str> = listed
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.len() > 5, "{listed}");
    for name in names {
        for (locale, ascii) in [("C.UTF-8", false), ("C", true), ("POSIX", true)] {
            let o = memlab()
                .args(["explain", name])
                .env("LC_ALL", locale)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0), "{name}");
            let text = stdout(&o);
            assert_eq!(text.is_ascii(), ascii, "{name} under {locale}");
            let mut in_code = false;
            for l in text.lines() {
                for bad in ["src/", "bench/", "BENCHMARKS.md", "!["] {
                    let word = l
                        .split_whitespace()
                        .any(|w| w.trim_start_matches(['`', '(']).starts_with(bad));
                    assert!(!word, "{name}: {l}");
                }
                // Code (a recorded run) keeps its own width.
                in_code = l.starts_with("    ") && (in_code || !l.trim_start().starts_with('-'));
                let cols = l.chars().count();
                assert!(
                    in_code || cols <= 100 || !ascii,
                    "{name}: {cols} columns: {l}"
                );
            }
        }
    }
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

/// Every value-taking option of every experiment, with the bad values a user
/// might type: each is refused with one line naming the value.
#[test]
fn every_option_of_every_experiment_refuses_bad_values() {
    const SIZES: &[&str] = &[
        "10X",
        "0",
        "-5M",
        "abc",
        "1.2.3M",
        "99999999999999999999",
        "5MM",
    ];
    let size_options: &[(&str, &str)] = &[
        ("mmap", "--size"),
        ("cow", "--size"),
        ("hugepage", "--size"),
        ("page-table", "--size"),
        ("page-table", "--reserve"),
        ("isolation", "--region"),
        ("malloc", "--large"),
        ("filemap", "--size"),
        ("oom", "--limit"),
        ("oom", "--as-headroom"),
        ("demand-paging", "--size"),
    ];
    for (exp, opt) in size_options {
        for v in SIZES {
            assert_usage_error(&[exp, opt, v, "--csv", "out.csv"], v);
        }
    }
    let count_options: &[(&str, &str, &[&str])] = &[
        (
            "hugepage",
            "--forks",
            &["0", "-5", "abc", "1001", "2.5", "99999999999999999999"],
        ),
        (
            "malloc",
            "--blocks",
            &["0", "4", "-5", "abc", "99999999999"],
        ),
        ("free", "--count", &["0", "-1", "many"]),
    ];
    for (exp, opt, values) in count_options {
        for v in *values {
            let mut args = vec![*exp, *opt, v, "--csv", "out.csv"];
            if *exp == "free" {
                args.extend(["--watch", "1s"]);
            }
            assert_usage_error(&args, v);
        }
    }
    for v in ["-5M/s", "0/s", "fast", "10M", "10X/s", "/s"] {
        assert_usage_error(&["oom", "--rate", v, "--csv", "out.csv"], v);
        assert_usage_error(&["demand-paging", "--rate", v, "--csv", "out.csv"], v);
    }
    // A rate that would touch for more than an hour is a typo.
    assert_usage_error(
        &["demand-paging", "--rate", "1/s", "--csv", "out.csv"],
        "1 B/s",
    );
    for v in ["-1s", "0ms", "100", "1h", "fast", "1000000s"] {
        assert_usage_error(&["oom", "--interval", v, "--csv", "out.csv"], v);
        assert_usage_error(&["free", "--watch", v, "--csv", "out.csv"], v);
        assert_usage_error(&["demand-paging", "--interval", v, "--csv", "out.csv"], v);
        assert_usage_error(&["demand-paging", "--hold", v, "--csv", "out.csv"], v);
        assert_usage_error(
            &["watch", "--interval", v, "--csv", "out.csv", "--", "true"],
            v,
        );
        assert_usage_error(
            &["watch", "--duration", v, "--csv", "out.csv", "--", "true"],
            v,
        );
    }
    // Below the sampler's 1 ms floor.
    assert_usage_error(&["demand-paging", "--interval", "500us"], "500us");
    assert_usage_error(&["watch", "--interval", "100us", "--", "true"], "100us");
    for v in ["-3", "0", "abc", "99999999999"] {
        assert_usage_error(&["watch", "--pid", v, "--csv", "out.csv"], v);
    }
    let choices: &[(&str, &str, &str)] = &[
        ("segv", "--target", "moon"),
        ("segv", "--target", "null,moon"),
        ("cow", "--access", "moon"),
        ("oom", "--part", "moon"),
    ];
    for (exp, opt, v) in choices {
        // The line names the value and lists the good ones.
        assert_usage_error(&[exp, opt, v, "--csv", "out.csv"], "moon");
        assert_usage_error(&[exp, opt, v], "one of:");
    }
}

/// Values that parse but that no run could show anything with.
#[test]
fn sizes_too_small_to_show_anything_are_refused_with_a_good_one() {
    for (args, good) in [
        (&["cow", "--size", "1"][..], "--size 16M"),
        (&["page-table", "--size", "1M"], "--size 256M"),
        (&["page-table", "--reserve", "1G"], "--reserve 64G"),
        (&["isolation", "--region", "1"], "--region 4M"),
        (&["malloc", "--large", "4K"], "--large 1M"),
        (&["filemap", "--size", "1"], "--size 8M"),
        (&["oom", "--limit", "4K"], "--limit 64M"),
        (&["oom", "--as-headroom", "1"], "--as-headroom 256M"),
    ] {
        let mut a = args.to_vec();
        a.extend(["--csv", "out.csv"]);
        assert_usage_error(&a, good);
    }
}

/// The guard names the option that asked for too much.
#[test]
fn the_guard_names_the_option_that_asked_for_too_much() {
    for (args, flag) in [
        (&["cow", "--size", "100T"][..], "--size"),
        (&["hugepage", "--size", "100T"], "--size"),
        (&["page-table", "--size", "100T"], "--size"),
        (&["isolation", "--region", "100T"], "--region"),
        (&["oom", "--limit", "100T"], "--limit"),
        (&["filemap", "--size", "100T"], "--size"),
        (&["malloc", "--large", "100T"], "--force"),
    ] {
        let mut a = args.to_vec();
        a.extend(["--json", "out.json"]);
        assert_usage_error(&a, flag);
        assert_usage_error(&a, "--force");
    }
}

/// Output paths that cannot be written, for every experiment: refused before
/// anything runs.
#[test]
fn every_experiment_refuses_unwritable_outputs_before_running() {
    for exp in [
        "free",
        "segv",
        "mmap",
        "malloc",
        "isolation",
        "filemap",
        "oom",
        "cow",
        "page-table",
        "hugepage",
    ] {
        assert_usage_error(
            &[exp, "--csv", "/no/such/folder/out.csv"],
            "/no/such/folder",
        );
        assert_usage_error(&[exp, "--json", "/proc"], "/proc");
        assert_usage_error(&[exp, "--csv", "/dev/null"], "/dev/null");
        assert_usage_error(&[exp, "--csv", "-", "--json", "-"], "stdout");
    }
    for exp in ["cow", "page-table", "hugepage"] {
        assert_usage_error(&[exp, "--plot", "/no/such/folder/p.svg"], "/no/such/folder");
        assert_usage_error(&[exp, "--plot", "/proc"], "/proc");
    }
    // One file for two outputs, however it is spelled.
    assert_usage_error(
        &["cow", "--json", "./b.json", "--csv", "b.json"],
        "same file",
    );
    assert_usage_error(
        &["cow", "--json", "././b.json", "--plot", "b.json"],
        "same file",
    );
    assert_usage_error(&["cow", "--plot", "/proc"], "--plot chart.svg");
    assert_usage_error(&["cow", "--json", "/proc"], "--json out.json");
    assert_usage_error(&["all", "--out", "/dev/null"], "/dev/null");
    assert_usage_error(&["all", "--out", "/no/such/folder/lab"], "/no/such/folder");
    assert_usage_error(&["filemap", "--file", "/no/such/file"], "/no/such/file");
    assert_usage_error(&["filemap", "--file", "/proc"], "/proc");
    assert_usage_error(&["filemap", "--write"], "--file");
}

/// A pasted value of hundreds of characters still gives one short line.
#[test]
fn very_long_values_still_give_one_short_line() {
    let long = "9".repeat(300);
    assert_usage_error(&["mmap", "--size", &long], "999999999999");
    let junk = "x".repeat(500);
    assert_usage_error(&["oom", "--rate", &junk], "xxxxxxxx");
    assert_usage_error(&["cow", "--access", &junk], "one of:");
    assert_usage_error(&["explain", &junk], "memlab list");
}

/// Values so large that no run could work, refused even with --force.
#[test]
fn values_no_host_could_run_are_refused_even_with_force() {
    assert_usage_error(&["oom", "--as-headroom", "2T", "--force"], "2.0 TiB");
    assert_usage_error(&["oom", "--limit", "1000T", "--force"], "MemTotal");
    assert_usage_error(&["oom", "--rate", "1/s"], "--rate 1 B/s");
    assert_usage_error(&["filemap", "--size", "1000T", "--force"], "free on");
    // The sparse cases' page tables grow with --reserve: the guard names it.
    assert_usage_error(
        &["page-table", "--reserve", "1000T"],
        "--reserve 1000.0 TiB",
    );
}

#[test]
fn outputs_that_would_fail_at_write_time_are_refused_before_the_run() {
    assert_usage_error(&["free", "--csv", "/proc/version"], "/proc/version");
    assert_usage_error(&["free", "--json", "/sys/kernel/x"], "/sys/kernel/x");
    assert_usage_error(&["free", "--csv", "/proc/self/fd/99"], "descriptor 99");
    // A relative path after the working folder was deleted.
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone");
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg("mkdir \"$1\" && cd \"$1\" && rmdir \"$1\" && exec \"$2\" free --csv out.csv")
        .arg("sh")
        .arg(&gone)
        .arg(memlab_path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("working folder"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn a_name_whose_temporary_name_is_too_long_is_still_written() {
    let dir = tempfile::tempdir().unwrap();
    // 250 bytes: the name fits, `.NAME.memlab-PID.tmp` would not.
    let p = dir.path().join(format!("{}.csv", "n".repeat(246)));
    let o = run(&["free", "-q", "--csv", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read_csv(&p).len(), 1);
    assert_eq!(files_in(dir.path()).len(), 1, "{:?}", files_in(dir.path()));
}

#[test]
fn descriptor_paths_are_written_directly() {
    let o = run(&["free", "-q", "--csv", "/dev/stdout"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(parse_csv(&stdout(&o)).len(), 1, "{}", stdout(&o));
    let o = run(&["free", "--json", "/proc/self/fd/2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let start = err.find('{').expect("JSON on stderr");
    let v: serde_json::Value = serde_json::Deserializer::from_str(&err[start..])
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(v["experiment"], "free");
    // The table went to stdout, which was free.
    assert!(stdout(&o).contains("memlab free"), "{}", stdout(&o));
}

#[test]
fn outputs_that_are_one_file_through_a_link_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    std::fs::write(&real, "{}").unwrap();
    let sym = dir.path().join("sym.csv");
    std::os::unix::fs::symlink(&real, &sym).unwrap();
    let hard = dir.path().join("hard.csv");
    std::fs::hard_link(&real, &hard).unwrap();
    for other in [&sym, &hard] {
        let o = run(&[
            "free",
            "--csv",
            other.to_str().unwrap(),
            "--json",
            real.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("same file"), "{}", stderr(&o));
    }
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "{}");
}

#[test]
fn writing_through_a_symbolic_link_writes_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    let sym = dir.path().join("sym.csv");
    std::os::unix::fs::symlink("real.csv", &sym).unwrap();
    let o = run(&["free", "-q", "--csv", sym.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&sym)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(read_csv(&real).len(), 1);
}

#[test]
fn short_intervals_fractional_sizes_and_bad_utf8_are_refused() {
    assert_usage_error(&["free", "--watch", "1ns"], "1ns");
    assert_usage_error(&["free", "--watch", "999us"], "999us");
    assert_usage_error(&["mmap", "--size", "1.5"], "1.5");
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"1\xffM");
    let o = memlab()
        .arg("mmap")
        .arg("--size")
        .arg(bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("--size"), "{}", stderr(&o));
}
