//! malloc
use super::Ctx;
use crate::cli::OutputArgs;
use crate::report::Report;
use anyhow::Result;
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub out: OutputArgs,
}
pub fn run(_args: &Args, ctx: &Ctx) -> Result<Report> {
    Ok(Report::new("malloc", &ctx.meta))
}
