//! The host's swap areas (/proc/swaps) and the settings that shape swapping:
//! `vm.swappiness`, `vm.page-cluster` (swap read-ahead reads up to
//! 2^page-cluster pages), VMA-based read-ahead, and zswap.

use serde::{Deserialize, Serialize};

use super::read_u64;

/// One line of /proc/swaps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwapArea {
    /// The device or file (spaces in a path are shown by the kernel as `\040`).
    pub filename: String,
    /// `partition` or `file`.
    pub kind: String,
    pub size_kib: u64,
    pub used_kib: u64,
    pub priority: i64,
}

/// The active swap areas, or none when /proc/swaps cannot be read.
pub fn areas() -> Vec<SwapArea> {
    std::fs::read_to_string("/proc/swaps")
        .map(|t| parse_swaps(&t))
        .unwrap_or_default()
}

pub fn parse_swaps(text: &str) -> Vec<SwapArea> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 5 {
                return None;
            }
            Some(SwapArea {
                filename: f[0].replace("\\040", " "),
                kind: f[1].to_string(),
                size_kib: f[2].parse().ok()?,
                used_kib: f[3].parse().ok()?,
                priority: f[4].parse().ok()?,
            })
        })
        .collect()
}

/// The settings a swap run records (`measurements` in its JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SwapSettings {
    pub swappiness: Option<u64>,
    pub page_cluster: Option<u64>,
    /// /sys/kernel/mm/swap/vma_ra_enabled: read-ahead follows the faulting
    /// VMA's addresses rather than the swap slots' order.
    pub vma_ra_enabled: Option<bool>,
    /// /sys/module/zswap/parameters/enabled (`None`: no zswap in this kernel).
    pub zswap_enabled: Option<bool>,
    pub zswap_compressor: Option<String>,
}

impl SwapSettings {
    pub fn read() -> SwapSettings {
        let text = |p: &str| {
            std::fs::read_to_string(p)
                .ok()
                .map(|t| t.trim().to_string())
        };
        SwapSettings {
            swappiness: read_u64("/proc/sys/vm/swappiness"),
            page_cluster: read_u64("/proc/sys/vm/page-cluster"),
            vma_ra_enabled: text("/sys/kernel/mm/swap/vma_ra_enabled").map(|t| t == "true"),
            zswap_enabled: text("/sys/module/zswap/parameters/enabled")
                .map(|t| t == "Y" || t == "1"),
            zswap_compressor: text("/sys/module/zswap/parameters/compressor"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_swaps_lines() {
        let t = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n\
                 /dev/vda2                               partition\t2097148\t\t0\t\t-2\n\
                 /var/tmp/my\\040swap                     file\t\t262140\t\t1024\t\t-3\n";
        let a = parse_swaps(t);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].kind, "partition");
        assert_eq!(a[0].priority, -2);
        assert_eq!(a[1].filename, "/var/tmp/my swap");
        assert_eq!(a[1].used_kib, 1024);
        assert!(parse_swaps("Filename Type Size Used Priority\n").is_empty());
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(t in "\\PC{0,200}") {
            let _ = parse_swaps(&t);
        }
    }
}

/// A process's `VmSwap` and `VmRSS` (KiB) from /proc/PID/status.
pub fn process_swap_rss(pid: i32) -> Option<(u64, u64)> {
    let t = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_swap_rss(&t)
}

pub fn parse_swap_rss(status: &str) -> Option<(u64, u64)> {
    let field = |k: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmSwap:")?, field("VmRSS:")?))
}

/// meminfo `Writeback` (KiB): pages being written to storage right now.
pub fn writeback_kib() -> Option<u64> {
    let t = std::fs::read_to_string("/proc/meminfo").ok()?;
    t.lines()
        .find_map(|l| l.strip_prefix("Writeback:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod status_tests {
    #[test]
    fn swap_and_rss_from_status() {
        let t = "Name:\tx\nVmRSS:\t    1700 kB\nVmSwap:\t   65536 kB\n";
        assert_eq!(super::parse_swap_rss(t), Some((65536, 1700)));
        assert_eq!(super::parse_swap_rss("Name: kthread\n"), None);
    }
}
