//! memlab: the experiments of a Linux memory-management chapter, run on the
//! real host and checked against the kernel's own counters.
//!
//! Data flows one way: cli → app (and lab, for `all`) → experiments →
//! sampler/report/output → probe/sys → units/error. See ARCHITECTURE.md.

#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod app;
pub mod cgroup_sandbox;
pub mod cli;
pub mod error;
pub mod experiments;
pub mod guard;
pub mod i18n;
pub mod lab;
pub mod labreport;
pub mod layers;
pub mod output;
pub mod probe;
pub mod report;
pub mod sampler;
pub mod sys;
pub mod units;
pub mod verdict;

use error::{UsageError, exit};

/// Parse the command line, run, and return the exit status.
pub fn run() -> i32 {
    // First, before clap or anything else can overflow a tiny stack or fail
    // to allocate under a tiny address-space limit: one line, exit 1.
    if let Err(line) = sys::check_own_limits() {
        sys::print_raw_stderr(line);
        sys::print_raw_stderr("\n");
        return exit::FAILED;
    }
    // memlab itself never dumps core (its deliberately faulting children
    // already could not); a command under `watch --` gets the limit back.
    sys::no_core_for_memlab();
    // A closed fd 0/1/2 would be taken by the next open: "stdout" could
    // land in an output file.
    sys::reopen_closed_std_fds();
    // The language first: the help clap prints is built in it.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let words: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let lang = i18n::choose(
        i18n::lang_in_args(&words),
        i18n::locale_from_env(),
        output::term::utf8(),
    );
    i18n::set(lang);
    let cli = match cli::command_in(lang)
        .try_get_matches_from(argv)
        .and_then(|m| <cli::Cli as clap::FromArgMatches>::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => return clap_error(e),
    };
    if let Err(e) = sys::install_interrupt_handlers() {
        error::print(&format!("{e:#}"));
        return exit::FAILED;
    }
    // An experiment decides 130 itself from whether its report was cut
    // short: a signal that lands after everything was measured and written
    // does not turn a complete run into an interrupted one.
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => error_code(&e),
    }
}

/// The top of the layers: each command goes to the application layer.
fn dispatch(cmd: cli::Command) -> anyhow::Result<i32> {
    use cli::Command;
    match cmd {
        Command::List => {
            app::list()?;
            Ok(exit::OK)
        }
        Command::Explain { name } => app::explain(&name),
        Command::Judge(a) => app::judge(&a),
        Command::All(a) => lab::run(&a),
        Command::Report(a) => labreport::run(&a),
        Command::Help { command } => cli::help(command.as_deref()),
        Command::Completions { shell } => cli::completions(shell),
        Command::Man => cli::man(),
        Command::Experiment(e) => app::run_experiment(&e),
    }
}

/// Help and version print as clap does; every usage error is one line.
fn clap_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                exit::USAGE
            } else {
                exit::OK
            }
        }
        ErrorKind::InvalidUtf8 => {
            let line = invalid_utf8_line(std::env::args_os().skip(1));
            error::print(&i18n::tr("err.see_help", &[("what", &line)]));
            exit::USAGE
        }
        _ => {
            let text = e.render().to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let mut line = lines
                .next()
                .map(|l| l.trim_start_matches("error: ").to_string())
                .unwrap_or_else(|| i18n::tr("err.bad_command_line", &[]));
            // "the following required arguments were not provided:" names
            // them on the next line.
            if line.ends_with(':')
                && let Some(next) = lines.next()
            {
                line = format!("{line} {next}");
            }
            // An unknown choice: show the good ones on the same line.
            // A bad value is said in the reader's language around our own
            // words (why a size is not one); clap's other sentences stay
            // as clap says them, inside ours.
            let mut line = match value_line(&e) {
                Some(l) => shorten_quoted(&l),
                None => i18n::tr("err.clap", &[("what", &shorten_quoted(&line))]),
            };
            if let Some(clap::error::ContextValue::Strings(v)) =
                e.get(clap::error::ContextKind::ValidValue)
                && !v.is_empty()
            {
                line = i18n::tr("err.one_of", &[("what", &line), ("values", &v.join(", "))]);
            }
            error::print(&i18n::tr("err.see_help", &[("what", &line)]));
            exit::USAGE
        }
    }
}

/// `invalid value 'V' for '--opt <OPT>': WHY` in the reader's language, for
/// a value clap or one of our parsers refused.
fn value_line(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        e.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return None;
    }
    let text = |k| match e.get(k) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let (arg, value) = (
        text(ContextKind::InvalidArg)?,
        text(ContextKind::InvalidValue)?,
    );
    let args = [("arg", arg.as_str()), ("value", &value)];
    Some(match std::error::Error::source(e) {
        Some(why) => {
            let why = why.to_string();
            let mut a = args.to_vec();
            a.push(("why", &why));
            i18n::tr("err.value.why", &a)
        }
        None => i18n::tr("err.value", &args),
    })
}

/// Name the option whose value is not valid UTF-8 (clap says only that
/// some argument is).
fn invalid_utf8_line(args: impl Iterator<Item = std::ffi::OsString>) -> String {
    let args: Vec<std::ffi::OsString> = args.collect();
    let Some(i) = args.iter().position(|a| a.to_str().is_none()) else {
        return i18n::tr("err.utf8.any", &[]);
    };
    let bad = args[i].to_string_lossy();
    let option = |opt: &str| i18n::tr("err.utf8.option", &[("option", opt), ("value", &bad)]);
    if bad.starts_with("--")
        && let Some((opt, _)) = bad.split_once('=')
    {
        return option(opt);
    }
    match i.checked_sub(1).and_then(|j| args[j].to_str()) {
        Some(prev) if prev.starts_with('-') && prev != "--" => option(prev),
        _ => i18n::tr(
            "err.utf8.nth",
            &[("n", &(i + 1).to_string()), ("value", &bad)],
        ),
    }
}

/// Keep a usage error one short line when the value itself is long (a
/// pasted number of 300 digits): each quoted value is cut to its start.
fn shorten_quoted(line: &str) -> String {
    const KEEP: usize = 24;
    let mut out = String::with_capacity(line.len());
    for (i, part) in line.split('\'').enumerate() {
        if i > 0 {
            out.push('\'');
        }
        // Odd parts lie between quotes. A value has no spaces; text between
        // two apostrophes ("glibc's ... host's") has, and is left alone.
        if i % 2 == 1 && part.chars().count() > KEEP + 8 && !part.contains(' ') {
            out.extend(part.chars().take(KEEP));
            out.push('…');
        } else {
            out.push_str(part);
        }
    }
    out
}

fn error_code(e: &anyhow::Error) -> i32 {
    if e.downcast_ref::<UsageError>().is_some() {
        error::print(&shorten_quoted(&e.to_string()));
        return exit::USAGE;
    }
    if sys::interrupted() {
        // An interrupted run never exits 0, not even when its reader left.
        return exit::INTERRUPTED;
    }
    let broken_pipe = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        // The reader went away (`memlab ... --csv | head`): end quietly.
        return exit::OK;
    }
    error::print(&format!("{e:#}"));
    exit::FAILED
}

#[cfg(test)]
mod tests {
    use super::{invalid_utf8_line, shorten_quoted};

    #[test]
    fn invalid_utf8_names_the_option() {
        use std::os::unix::ffi::OsStringExt;
        let bad = std::ffi::OsString::from_vec(b"1\xffM".to_vec());
        let args = vec!["mmap".into(), "--size".into(), bad.clone()];
        let line = invalid_utf8_line(args.into_iter());
        assert!(line.contains("--size"), "{line}");
        let mut eq = std::ffi::OsString::from("--size=");
        eq.push(&bad);
        let line = invalid_utf8_line(vec!["mmap".into(), eq].into_iter());
        assert!(line.starts_with("the value of --size "), "{line}");
        let line = invalid_utf8_line(vec!["explain".into(), bad].into_iter());
        assert!(line.contains("argument 2"), "{line}");
    }

    #[test]
    fn long_quoted_values_are_cut() {
        let long = "9".repeat(300);
        let line =
            format!("invalid value '{long}' for '--size <SIZE>': size '{long}' is too large");
        let short = shorten_quoted(&line);
        assert!(short.len() < 140, "{short}");
        assert!(short.contains("'999999999999999999999999…'"), "{short}");
        assert!(short.contains("'--size <SIZE>'"), "{short}");
        assert_eq!(shorten_quoted("a 'b' c"), "a 'b' c");
        let prose =
            "--large 4.0 KiB is below glibc's mmap threshold (128.0 KiB); it's e.g. --large 1M";
        assert_eq!(shorten_quoted(prose), prose);
    }
}
