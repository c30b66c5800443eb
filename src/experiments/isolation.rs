//! isolation
use super::Ctx;
use crate::cli::OutputArgs;
use crate::report::Report;
use anyhow::Result;
#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, hide = true)]
    pub worker: bool,
    #[command(flatten)]
    pub out: OutputArgs,
}
pub fn worker() -> i32 {
    0
}
pub fn run(_args: &Args, ctx: &Ctx) -> Result<Report> {
    Ok(Report::new("isolation", &ctx.meta))
}
