//! The command line (clap derive). Each experiment's own options live beside
//! the experiment (`experiments::<name>::Args`); the subcommands of the
//! experiments come from the registry (`experiments::Experiment`); the
//! output flags they share live in `output::args`.

use clap::{Parser, Subcommand};

use crate::experiments::Experiment;

#[derive(Parser, Debug)]
#[command(
    name = "memlab",
    version,
    about = "Run the experiments of a Linux memory-management chapter on this host, \
             measure them with the kernel's own counters, and check each claim.",
    after_help = "Every experiment: memlab list. Its page: memlab explain NAME.",
    after_long_help = EXIT_STATUS,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Language of what memlab prints: ja or en (default: the locale's)
    #[arg(long, global = true, value_name = "LANG", value_parser = lang_values())]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// `ja` and `en` (and `mark`, hidden: each message wrapped in markers, for
/// the tests that check every line went through the catalogue).
fn lang_values() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("ja"),
        PossibleValue::new("en"),
        PossibleValue::new("mark").hide(true),
    ])
}

/// The command line with its help in `lang`: clap derive fixes the doc
/// comments at compile time, so the Japanese is set here, at run time, from
/// the catalogue. The manual page and the completions use the English
/// [`clap::CommandFactory::command`].
pub fn command_in(lang: crate::i18n::Lang) -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command();
    if !lang.is_ja() {
        return cmd;
    }
    let t = |id: &str| crate::i18n::tr_in(lang, id, &[]);
    let mut cmd = cmd
        .about(t("help.about"))
        .after_help(t("help.after"))
        .after_long_help(t("help.exit_status"))
        .mut_arg("lang", |a| a.help(t("help.lang")));
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let id = [format!("help.{name}"), format!("list.{name}")]
            .into_iter()
            .find(|id| crate::i18n::lookup(id).is_some());
        if let Some(id) = id {
            let about = t(&id);
            cmd = cmd.mut_subcommand(&name, |s| s.about(about));
        }
        // Each option: `help.opt.COMMAND.ARG` (its own), else `help.arg.ARG`
        // (the output flags every experiment shares, output::args).
        cmd = cmd.mut_subcommand(&name, |mut s| {
            let ids: Vec<(String, String)> = s
                .get_arguments()
                .map(|a| {
                    let doc = a.get_help().map(ToString::to_string).unwrap_or_default();
                    (a.get_id().to_string(), doc)
                })
                .collect();
            for (arg, doc) in ids {
                if let Some(id) = option_help_id(&name, &arg, &doc) {
                    let help = t(&id);
                    s = s.mut_arg(arg.as_str(), |a| a.help(help));
                }
            }
            s
        });
    }
    // clap's own words: its help and version flags (made when the command
    // is built), the headings.
    let mut cmd = cmd;
    cmd.build();
    clap_words_in(cmd, &t)
}

/// clap's own words in a built command and its subcommands, from the
/// catalogue: the help and version flags, the usage, command, argument and
/// option headings.
fn clap_words_in(cmd: clap::Command, t: &dyn Fn(&str) -> String) -> clap::Command {
    let command = cmd.get_name().to_string();
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
        t("help.heading.usage")
    );
    // clap keeps headings as `&'static str`: made once per process.
    let leak = |id: &str| -> &'static str { Box::leak(t(id).into_boxed_str()) };
    let (options, arguments) = (leak("help.heading.options"), leak("help.heading.arguments"));
    let mut cmd = cmd
        .help_template(template)
        .subcommand_help_heading(leak("help.heading.commands"));
    let args: Vec<(String, bool, bool)> = cmd
        .get_arguments()
        .map(|a| {
            (
                a.get_id().to_string(),
                a.is_positional(),
                a.get_help_heading().is_none(),
            )
        })
        .collect();
    for (id, positional, default_heading) in args {
        cmd = cmd.mut_arg(id.as_str(), |mut a| {
            if default_heading {
                a = a.help_heading(if positional { arguments } else { options });
            }
            match id.as_str() {
                "help" => a
                    .help(t("help.flag.help"))
                    .long_help(t("help.flag.help_long")),
                "version" => a.help(t("help.flag.version")),
                _ => values_in(a, &command),
            }
        });
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(&name, |s| clap_words_in(s, t));
    }
    cmd
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Every experiment, one line each, with what it needs
    List,
    /// Print an experiment's page (what it shows, columns, checks, a real run)
    Explain {
        /// Experiment name, e.g. cow
        name: String,
    },
    /// Judge a saved run again: recompute its summary and checks from its rows
    Judge(crate::app::JudgeArgs),
    /// Run every experiment with quick defaults into DIR, with report.html
    All(crate::lab::Args),
    /// Rebuild a lab report from one folder of JSON files, or compare several labs side by side
    Report(crate::labreport::Args),
    /// Print the help of memlab or of one of its commands
    Help {
        /// A command, e.g. cow
        command: Option<String>,
    },
    /// Print a shell completion script (bash, zsh or fish) to stdout
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff) to stdout: memlab man | man -l -
    Man,
    #[command(flatten)]
    Experiment(Experiment),
}

/// The shells `memlab completions` writes for.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The exit statuses, for `--help` and the manual page.
pub const EXIT_STATUS: &str = "\
Exit status:
  0    every check held (or was inconclusive)
  1    memlab could not run, an output could not be written, or a worker died
  2    bad usage: a bad option or value, decided before anything runs
  3    a check did not hold
  130  interrupted (SIGINT, SIGTERM, SIGHUP, SIGQUIT); what was measured is written
When several apply: 2, then 130, then 1, then 3. `memlab watch -- CMD` exits
with CMD's status instead (see memlab explain watch).";

/// clap's `[default: X]` and `[possible values: a, b]` after an option's
/// help, in the catalogue's words; a value's own help from
/// `help.val.COMMAND.ARG.VALUE` where the catalogue has it (else its doc
/// comment).
fn values_in(a: clap::Arg, command: &str) -> clap::Arg {
    use crate::i18n::tr;
    let mut a = a;
    let mut extra = String::new();
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let takes_values = a.get_action().takes_values();
    if !defaults.is_empty() && !a.is_hide_default_value_set() && takes_values {
        extra.push_str(&tr("help.default", &[("values", &defaults.join(", "))]));
        a = a.hide_default_value(true);
    }
    let shown: Vec<clap::builder::PossibleValue> = a
        .get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set())
        .collect();
    // Values with their own help are listed under the long help, one a
    // line, as clap does.
    let (mut listed, mut short_only) = (String::new(), String::new());
    if !shown.is_empty() && !a.is_hide_possible_values_set() && takes_values {
        let names: Vec<&str> = shown.iter().map(|v| v.get_name()).collect();
        short_only = tr("help.possible", &[("values", &names.join(", "))]);
        if shown.iter().any(|v| v.get_help().is_some()) {
            listed = format!("\n\n{}", tr("help.possible_heading", &[]));
            let arg = a.get_id().to_string();
            for v in &shown {
                // `help.val.COMMAND.ARG.VALUE` when the catalogue has it.
                let id = format!("help.val.{command}.{arg}.{}", v.get_name());
                let help = crate::i18n::lookup(&id)
                    .map(|_| tr(&id, &[]))
                    .or_else(|| v.get_help().map(ToString::to_string))
                    .unwrap_or_default();
                listed.push_str(&format!("\n- {}: {help}", v.get_name()));
            }
        } else {
            extra.push_str(&short_only);
            short_only.clear();
        }
        a = a.hide_possible_values(true);
    }
    if extra.is_empty() && short_only.is_empty() {
        return a;
    }
    let help = a.get_help().map(ToString::to_string).unwrap_or_default();
    let long = a
        .get_long_help()
        .map(ToString::to_string)
        .or_else(|| (!listed.is_empty()).then(|| help.clone()));
    let a = a.help(format!("{help}{extra}{short_only}"));
    match long {
        Some(l) => a.long_help(format!("{l}{extra}{listed}")),
        None => a,
    }
}

/// The catalogue id of an option's help: its command's own
/// (`help.opt.COMMAND.ARG`), else the shared one (`help.arg.ARG`) where
/// its English is the option's doc comment `doc`.
pub fn option_help_id(command: &str, arg: &str, doc: &str) -> Option<String> {
    let own = format!("help.opt.{command}.{arg}");
    if crate::i18n::lookup(&own).is_some() {
        return Some(own);
    }
    let shared = format!("help.arg.{arg}");
    crate::i18n::lookup(&shared)
        .filter(|m| m.en == doc)
        .map(|_| shared)
}

/// `memlab help [COMMAND]`.
pub fn help(command: Option<&str>) -> anyhow::Result<i32> {
    let mut cmd = command_in(crate::i18n::current());
    cmd.build();
    let text = match command {
        None => cmd.render_long_help(),
        Some(name) => match cmd.find_subcommand_mut(name) {
            Some(sub) => sub.render_long_help(),
            None => {
                return Err(crate::error::usage_t("err.help.unknown", &[("name", name)]));
            }
        },
    };
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_all(text.to_string().as_bytes())?;
    Ok(0)
}

/// `memlab completions SHELL`.
pub fn completions(shell: Shell) -> anyhow::Result<i32> {
    use clap::CommandFactory;
    use clap_complete::{Shell as S, generate};
    let s = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
    };
    let mut buf = Vec::new();
    generate(s, &mut Cli::command(), "memlab", &mut buf);
    use std::io::Write;
    std::io::stdout().lock().write_all(&buf)?;
    Ok(0)
}

/// `memlab man`: one page with every command's options and the exit
/// statuses.
pub fn man() -> anyhow::Result<i32> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let mut out: Vec<u8> = Vec::new();
    let page = clap_mangen::Man::new(cmd.clone());
    page.render_title(&mut out)?;
    page.render_name_section(&mut out)?;
    page.render_synopsis_section(&mut out)?;
    page.render_description_section(&mut out)?;
    page.render_options_section(&mut out)?;
    page.render_subcommands_section(&mut out)?;
    for sub in cmd.get_subcommands() {
        let name = format!("memlab {}", sub.get_name());
        out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        let sub = sub.clone().bin_name(name);
        let man = clap_mangen::Man::new(sub);
        man.render_description_section(&mut out)?;
        man.render_synopsis_section(&mut out)?;
        man.render_options_section(&mut out)?;
    }
    out.extend_from_slice(b".SH \"EXIT STATUS\"\n.nf\n");
    for line in EXIT_STATUS.lines().skip(1) {
        out.extend_from_slice(line.replace('\\', "\\\\").as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b".fi\n");
    page.render_version_section(&mut out)?;
    use std::io::Write;
    std::io::stdout().lock().write_all(&out)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// The exit statuses the Japanese help prints are the English ones'
    /// translation: the catalogue's English is the help's.
    #[test]
    fn exit_status_in_the_catalogue_is_the_help_s() {
        assert_eq!(
            crate::i18n::lookup("help.exit_status").unwrap().en,
            super::EXIT_STATUS
        );
    }

    /// Every `help.val.COMMAND.ARG.VALUE` names a value memlab takes.
    #[test]
    fn every_value_help_names_a_real_value() {
        let cmd = super::Cli::command();
        for m in crate::i18n::messages().filter(|m| m.id.starts_with("help.val.")) {
            let parts: Vec<&str> = m.id.splitn(5, '.').collect();
            let [_, _, command, arg, value] = parts[..] else {
                panic!("{}: not help.val.COMMAND.ARG.VALUE", m.id);
            };
            let sub = cmd
                .find_subcommand(command)
                .unwrap_or_else(|| panic!("{}", m.id));
            let a = sub
                .get_arguments()
                .find(|a| a.get_id() == arg)
                .unwrap_or_else(|| panic!("{}: no --{arg}", m.id));
            let v = a
                .get_possible_values()
                .into_iter()
                .find(|v| v.get_name() == value);
            let v = v.unwrap_or_else(|| panic!("{}: no value {value}", m.id));
            let doc = v.get_help().map(ToString::to_string).unwrap_or_default();
            assert_eq!(m.en, doc, "{}: not the value's doc comment", m.id);
        }
        // And the other way: every value described in English has its
        // Japanese.
        let mut missing = Vec::new();
        for sub in cmd.get_subcommands() {
            for a in sub.get_arguments() {
                for v in a.get_possible_values() {
                    if v.get_help().is_none() {
                        continue;
                    }
                    let id = format!(
                        "help.val.{}.{}.{}",
                        sub.get_name(),
                        a.get_id(),
                        v.get_name()
                    );
                    if crate::i18n::lookup(&id).is_none() {
                        missing.push(id);
                    }
                }
            }
        }
        assert!(missing.is_empty(), "not in the catalogue: {missing:?}");
    }

    /// Every option of a command has its help in the catalogue, and the
    /// catalogue's English is the doc comment's (so the two languages stay
    /// in step). An option without a doc comment has no words to translate.
    #[test]
    fn option_help_is_in_the_catalogue_in_step_with_the_doc_comments() {
        let cmd = super::Cli::command();
        let mut untranslated = Vec::new();
        for sub in cmd.get_subcommands() {
            let name = sub.get_name();
            let prefix = format!("help.opt.{name}.");
            let has_any = crate::i18n::messages().any(|m| m.id.starts_with(&prefix));
            for a in sub.get_arguments() {
                let arg = a.get_id().as_str();
                if arg == "help" || arg == "version" {
                    continue;
                }
                let doc = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                if doc.is_empty() {
                    // No words to translate (clap lists its values).
                    continue;
                }
                let Some(id) = super::option_help_id(name, arg, &doc) else {
                    assert!(!has_any, "{name} --{arg}: no help.opt.{name}.{arg}");
                    untranslated.push(format!("{name} --{arg}"));
                    continue;
                };
                let en = crate::i18n::lookup(&id).unwrap().en;
                assert_eq!(en, doc, "{name} --{arg}: {id} is not the doc comment");
            }
        }
        let exit = crate::i18n::lookup("help.exit_status").unwrap();
        assert_eq!(
            exit.en,
            super::EXIT_STATUS,
            "help.exit_status is not EXIT_STATUS"
        );
        assert!(
            untranslated.is_empty(),
            "options without Japanese help: {untranslated:?}"
        );
    }
}
