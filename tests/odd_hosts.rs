//! Hosts unlike the test machine: /proc mounted with hidepid.
//! Whatever cannot be measured is reported as missing, never as zero.
mod common;
use common::*;

use std::path::Path;

/// Run memlab as an ordinary user in a private /proc mounted with
/// `hidepid=invisible` (a new pid and mount namespace: the host's /proc is
/// untouched). `None` with a reason where that cannot be set up.
fn run_under_hidepid(args: &[&str]) -> Option<std::process::Output> {
    if !is_root() {
        eprintln!("skipped: mounting a private /proc with hidepid needs root");
        return None;
    }
    let tools = ["/usr/bin/unshare", "/usr/bin/setpriv"];
    if !tools.iter().all(|t| Path::new(t).exists()) {
        eprintln!("skipped: unshare or setpriv is not installed");
        return None;
    }
    let o = std::process::Command::new("/usr/bin/unshare")
        .args(["--pid", "--fork", "--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount -t proc -o hidepid=2 proc /proc || exit 77; \
             grep -q hidepid /proc/mounts || exit 77; \
             exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all -- \"$@\"",
        )
        .arg("sh")
        .arg(memlab_path())
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir("/")
        .output()
        .expect("running unshare");
    if o.status.code() == Some(77) {
        eprintln!("skipped: cannot mount a private /proc here: {}", stderr(&o));
        return None;
    }
    Some(o)
}

#[test]
fn with_hidepid_every_experiment_still_runs_as_an_ordinary_user() {
    for args in EVERY_EXPERIMENT_SMALL {
        let all = with_options(args, &["--json", "-", "-q"]);
        let Some(o) = run_under_hidepid(&all) else {
            return;
        };
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        assert_no_failed_checks(&r);
        // The children's /proc files stay readable to their parent: nothing
        // the run measures about them is left out.
        for c in r["checks"].as_array().unwrap() {
            let m = c["measured"].as_str().unwrap_or_default();
            assert!(!m.contains("could not read"), "{args:?}: {c}");
        }
    }
}
