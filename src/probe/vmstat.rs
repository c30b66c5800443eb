//! The swap counters of /proc/vmstat, system-wide, in pages.
//!
//! Which counter moves depends on where a page goes: `pswpout`/`pswpin`
//! count pages written to / read from a swap device, `zswpout`/`zswpin`
//! pages stored in / loaded from zswap's compressed pool in RAM (those never
//! reach the device unless zswap writes them back, `zswpwb`), and
//! `swpout_zero`/`swpin_zero` (Linux 6.12+) pages that were all zeros, which
//! are only marked in the swap map and never written. `swap_ra`/`swap_ra_hit`
//! count pages brought in by swap read-ahead and how many were then used.
//! A counter this kernel lacks reads `None`.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwapCounters {
    pub pswpin: Option<u64>,
    pub pswpout: Option<u64>,
    pub zswpin: Option<u64>,
    pub zswpout: Option<u64>,
    pub swpin_zero: Option<u64>,
    pub swpout_zero: Option<u64>,
    pub swap_ra: Option<u64>,
    pub swap_ra_hit: Option<u64>,
    pub pgmajfault: Option<u64>,
}

impl SwapCounters {
    pub fn read() -> Result<SwapCounters> {
        let t = std::fs::read_to_string("/proc/vmstat")
            .with_context(|| crate::i18n::tr("err.sys.reading", &[("path", "/proc/vmstat")]))?;
        Ok(parse(&t))
    }

    /// `self - earlier`, counter by counter (a counter absent in either is
    /// absent in the difference).
    pub fn since(&self, earlier: &SwapCounters) -> SwapCounters {
        let d = |a: Option<u64>, b: Option<u64>| Some(a?.saturating_sub(b?));
        SwapCounters {
            pswpin: d(self.pswpin, earlier.pswpin),
            pswpout: d(self.pswpout, earlier.pswpout),
            zswpin: d(self.zswpin, earlier.zswpin),
            zswpout: d(self.zswpout, earlier.zswpout),
            swpin_zero: d(self.swpin_zero, earlier.swpin_zero),
            swpout_zero: d(self.swpout_zero, earlier.swpout_zero),
            swap_ra: d(self.swap_ra, earlier.swap_ra),
            swap_ra_hit: d(self.swap_ra_hit, earlier.swap_ra_hit),
            pgmajfault: d(self.pgmajfault, earlier.pgmajfault),
        }
    }

    /// Pages that left memory for swap by any route (device, zswap, zero).
    pub fn out_pages(&self) -> u64 {
        self.pswpout.unwrap_or(0) + self.zswpout.unwrap_or(0) + self.swpout_zero.unwrap_or(0)
    }
}

pub fn parse(text: &str) -> SwapCounters {
    let mut c = SwapCounters::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(' ') else {
            continue;
        };
        let Ok(v) = v.trim().parse::<u64>() else {
            continue;
        };
        let slot = match k {
            "pswpin" => &mut c.pswpin,
            "pswpout" => &mut c.pswpout,
            "zswpin" => &mut c.zswpin,
            "zswpout" => &mut c.zswpout,
            "swpin_zero" => &mut c.swpin_zero,
            "swpout_zero" => &mut c.swpout_zero,
            "swap_ra" => &mut c.swap_ra,
            "swap_ra_hit" => &mut c.swap_ra_hit,
            "pgmajfault" => &mut c.pgmajfault,
            _ => continue,
        };
        *slot = Some(v);
    }
    c
}

/// One counter of /proc/vmstat by name (`None` when absent or unreadable).
pub fn counter(name: &str) -> Option<u64> {
    let t = std::fs::read_to_string("/proc/vmstat").ok()?;
    t.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        if k == name {
            v.trim().parse().ok()
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_differences() {
        let a = parse("pswpin 1\npswpout 10\nzswpout 0\nswap_ra 3\nnr_free_pages 99\n");
        let b = parse("pswpin 5\npswpout 16394\nzswpout 0\nswap_ra 1027\n");
        let d = b.since(&a);
        assert_eq!(d.pswpout, Some(16384));
        assert_eq!(d.pswpin, Some(4));
        assert_eq!(d.swap_ra, Some(1024));
        assert_eq!(d.swpout_zero, None, "absent on this kernel");
        assert_eq!(d.out_pages(), 16384);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(t in "\\PC{0,200}") {
            let _ = parse(&t);
        }
    }
}
