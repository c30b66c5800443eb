//! help, completions and the manual page.
use crate::common::*;

#[test]
fn help_subcommand_and_its_own_help() {
    let o = run(&["help", "--help"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Usage: memlab help"), "{}", stdout(&o));
    let o = run(&["help", "cow"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("Usage: memlab cow"), "{}", stdout(&o));
    assert!(!stdout(&o).contains('\u{1b}'), "no escape codes when piped");
    let o = run(&["help", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).trim().lines().count(), 1);
}

#[test]
fn completions_name_every_experiment() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        for name in ["cow", "demand-paging", "page-table", "faults", "judge"] {
            assert!(text.contains(name), "{shell} completion lacks {name}");
        }
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_page_covers_every_command_and_the_exit_statuses() {
    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with(".ie") || text.contains(".TH"), "not roff");
    for name in [
        "MEMLAB COW",
        "MEMLAB DEMAND-PAGING",
        "MEMLAB JUDGE",
        "MEMLAB FAULTS",
    ] {
        assert!(text.contains(name), "man page lacks {name}");
    }
    assert!(text.contains("EXIT STATUS"));
    assert!(
        text.contains(r"\-\-thp\-size"),
        "subcommand options are on the page"
    );
}
