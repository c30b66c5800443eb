//! The safety guard (SPEC section 4): never touch more than half of what is
//! available, counting memlab's own cgroup limit, unless `--force`.

use anyhow::Result;

use crate::error::usage;
use crate::i18n::tr;
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
        let need = human_bytes(need);
        let twice = match times {
            0 | 1 => String::new(),
            2 => tr("err.guard.twice", &[("need", &need)]),
            t => tr(
                "err.guard.times",
                &[("times", &t.to_string()), ("need", &need)],
            ),
        };
        return Err(usage(tr(
            "err.guard.too_much",
            &[
                ("flag", flag),
                ("size", &human_bytes(size.bytes())),
                ("twice", &twice),
                ("limit", &human_bytes(limit)),
                ("source", &source.words()),
                ("example", &((limit / 4 / times) >> 20).max(1).to_string()),
            ],
        )));
    }
    Ok(())
}

/// What memlab may use: MemAvailable, or what is left under its own
/// cgroup's limit when that is less; and which of the two it is.
pub fn room() -> Result<(u64, Room)> {
    let avail = MemInfo::read()?.available_kib * 1024;
    let cg = MemCgroup::current().and_then(|c| c.headroom_bytes());
    Ok(match cg {
        Some(h) if h < avail => (h, Room::CgroupLimit),
        _ => (avail, Room::Available),
    })
}

/// Where the room memlab may use comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Room {
    /// What is left under memlab's own cgroup's memory limit.
    CgroupLimit,
    /// MemAvailable.
    Available,
}

impl Room {
    /// The words that say which, in the reader's language.
    pub fn words(self) -> String {
        match self {
            Room::CgroupLimit => tr("err.guard.cgroup_room", &[]),
            Room::Available => tr("err.guard.available", &[]),
        }
    }
}

/// Refuse a size too small for the experiment to show anything (exit 2),
/// saying why and what would do.
pub fn at_least(flag: &str, size: Size, min: u64, why: &str, example: &str) -> Result<()> {
    if size.bytes() < min {
        return Err(usage(tr(
            "err.guard.too_small",
            &[
                ("flag", flag),
                ("size", &size.to_string()),
                ("why", why),
                ("example", example),
            ],
        )));
    }
    Ok(())
}
