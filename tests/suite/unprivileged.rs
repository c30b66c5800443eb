//! As an ordinary user every experiment runs, or skips only its privileged
//! part with one line saying what it needs, and exits 0.
use crate::common::*;

#[test]
fn every_experiment_runs_or_skips_its_privileged_part_as_an_ordinary_user() {
    for args in EVERY_EXPERIMENT_SMALL {
        let all = with_options(args, &["--json", "-", "-q"]);
        let Some(o) = run_unprivileged(&all) else {
            return;
        };
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: JSON does not parse: {e}; {}", stderr(&o)));
        // The failed checks, named, before the exit status that follows.
        assert_no_failed_checks(&r);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        if is_root() {
            assert_eq!(r["meta"]["root"], false, "{args:?}");
        }
        for s in r["skipped"].as_array().into_iter().flatten() {
            let s = s.as_str().unwrap_or_default();
            assert!(!s.is_empty() && !s.contains('\n'), "{args:?}: skip {s:?}");
        }
    }
}

#[test]
fn the_every_experiment_list_names_every_experiment_memlab_lists() {
    let listed = stdout(&run(&["list"]));
    // Lines that start with a space continue the experiment above.
    for line in listed.lines().skip(1).filter(|l| !l.starts_with(' ')) {
        let name = line.split_whitespace().next().unwrap();
        if name == "all" {
            continue;
        }
        assert!(
            EVERY_EXPERIMENT_SMALL.iter().any(|a| a[0] == name),
            "{name} is missing from EVERY_EXPERIMENT_SMALL"
        );
    }
}
