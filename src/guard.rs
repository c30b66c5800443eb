//! The safety guard (SPEC section 4): never touch more than half of what is
//! available, counting memlab's own cgroup limit, unless `--force`.

use anyhow::Result;

use crate::error::usage;
use crate::probe::{cgroup::MemCgroup, meminfo::MemInfo};
use crate::units::{Size, human_bytes};

/// Refuse `size` (exit 2) when it is above 50% of what is available.
pub fn check(size: Size, force: bool) -> Result<()> {
    check_flag("--size", size, force)
}

/// As `check`, for a size given by another option (`--limit`, `--region`).
pub fn check_flag(flag: &str, size: Size, force: bool) -> Result<()> {
    check_footprint(flag, size, 1, force)
}

/// As `check_flag`, for a run that needs `times` × the size (cow's child
/// copies every page it writes).
pub fn check_footprint(flag: &str, size: Size, times: u64, force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    let (limit, source) = room()?;
    let need = size.bytes().saturating_mul(times);
    if need > limit / 2 {
        let twice = if times > 1 {
            let mult = if times == 2 {
                "twice".to_string()
            } else {
                format!("{times} ×")
            };
            format!(" needs {mult} that ({}), which", human_bytes(need))
        } else {
            String::new()
        };
        return Err(usage(format!(
            "{flag} {}{twice} is more than half of the {} {source}; e.g. {flag} {}M, or --force",
            human_bytes(size.bytes()),
            human_bytes(limit),
            ((limit / 4 / times) >> 20).max(1)
        )));
    }
    Ok(())
}

/// What memlab may use: MemAvailable, or what is left under its own
/// cgroup's limit when that is less; with the words that say which.
pub fn room() -> Result<(u64, &'static str)> {
    let avail = MemInfo::read()?.available_kib * 1024;
    let cg = MemCgroup::current().and_then(|c| c.headroom_bytes());
    Ok(match cg {
        Some(h) if h < avail => (h, "left under memlab's cgroup memory limit"),
        _ => (avail, "available (MemAvailable)"),
    })
}

/// Refuse a size too small for the experiment to show anything (exit 2),
/// saying why and what would do.
pub fn at_least(flag: &str, size: Size, min: u64, why: &str, example: &str) -> Result<()> {
    if size.bytes() < min {
        return Err(usage(format!(
            "{flag} {size} is too small: {why} (e.g. {flag} {example})"
        )));
    }
    Ok(())
}
