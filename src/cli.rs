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
    #[command(subcommand)]
    pub command: Command,
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

/// `memlab help [COMMAND]`.
pub fn help(command: Option<&str>) -> anyhow::Result<i32> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    cmd.build();
    let text = match command {
        None => cmd.render_long_help(),
        Some(name) => match cmd.find_subcommand_mut(name) {
            Some(sub) => sub.render_long_help(),
            None => {
                return Err(crate::error::usage(format!(
                    "no command '{name}' (e.g. memlab help cow; memlab list shows every experiment)"
                )));
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
