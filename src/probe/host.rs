//! Host facts that make a run reproducible (`meta` in JSON), read once per run.

use serde::{Deserialize, Serialize};

use super::cgroup::MemCgroup;
use super::read_u64;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Meta {
    pub memlab_version: String,
    pub timestamp_utc: String,
    pub hostname: String,
    pub kernel_release: String,
    pub arch: String,
    pub page_size: u64,
    pub thp_enabled: Option<String>,
    pub thp_defrag: Option<String>,
    pub overcommit_memory: Option<u64>,
    pub mmap_min_addr: Option<u64>,
    pub panic_on_oom: Option<u64>,
    pub mem_total_kib: u64,
    pub swap_total_kib: u64,
    /// "v1", "v2" or null when no memory controller is found.
    pub cgroup_version: Option<String>,
    pub cgroup_path: Option<String>,
    pub cgroup_memory_limit_bytes: Option<u64>,
    pub root: bool,
    /// First-touch faults cost several times more in a guest.
    pub virtual_machine: bool,
    pub hugetlb_pages_total: Option<u64>,
}

impl Meta {
    pub fn gather() -> Meta {
        let uts = nix::sys::utsname::uname().ok();
        let mem = super::meminfo::MemInfo::read().unwrap_or_default();
        let cg = MemCgroup::current();
        let hugetlb = <procfs::Meminfo as procfs::Current>::current()
            .ok()
            .and_then(|m| m.hugepages_total);
        Meta {
            memlab_version: env!("CARGO_PKG_VERSION").into(),
            timestamp_utc: utc_now(),
            hostname: nix::unistd::gethostname()
                .map(|h| h.to_string_lossy().into_owned())
                .unwrap_or_default(),
            kernel_release: uts
                .as_ref()
                .map(|u| u.release().to_string_lossy().into_owned())
                .unwrap_or_default(),
            arch: std::env::consts::ARCH.into(),
            page_size: crate::sys::page_size(),
            thp_enabled: thp_mode("enabled"),
            thp_defrag: thp_mode("defrag"),
            overcommit_memory: read_u64("/proc/sys/vm/overcommit_memory"),
            mmap_min_addr: read_u64("/proc/sys/vm/mmap_min_addr"),
            panic_on_oom: read_u64("/proc/sys/vm/panic_on_oom"),
            mem_total_kib: mem.total_kib,
            swap_total_kib: mem.swap_total_kib,
            cgroup_version: cg.as_ref().map(|c| {
                match c.version {
                    super::cgroup::Version::V1 => "v1",
                    super::cgroup::Version::V2 => "v2",
                }
                .to_string()
            }),
            cgroup_path: cg.as_ref().map(|c| c.dir.display().to_string()),
            cgroup_memory_limit_bytes: cg.as_ref().and_then(|c| c.limit_bytes),
            root: nix::unistd::geteuid().is_root(),
            virtual_machine: is_virtual_machine(),
            hugetlb_pages_total: hugetlb,
        }
    }
}

/// The selected mode of /sys/kernel/mm/transparent_hugepage/NAME (`[madvise]`).
pub fn thp_mode(name: &str) -> Option<String> {
    let t = std::fs::read_to_string(format!("/sys/kernel/mm/transparent_hugepage/{name}")).ok()?;
    selected_mode(&t)
}

pub fn selected_mode(text: &str) -> Option<String> {
    let s = text.find('[')?;
    let e = text[s..].find(']')?;
    Some(text[s + 1..s + e].to_string())
}

fn is_virtual_machine() -> bool {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    if cpu
        .lines()
        .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor"))
    {
        return true;
    }
    std::path::Path::new("/sys/hypervisor/type").exists()
}

/// Now as `2026-11-25T20:21:35Z`.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format_utc(secs)
}

/// Seconds since the epoch as an RFC 3339 UTC timestamp (civil-from-days).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_795_638_095), "2026-11-25T20:21:35Z");
    }

    #[test]
    fn thp_selection() {
        assert_eq!(
            selected_mode("always [madvise] never\n").as_deref(),
            Some("madvise")
        );
        assert_eq!(selected_mode("no brackets"), None);
    }
}

/// The CPU's virtual address width from /proc/cpuinfo (`address sizes : 39
/// bits physical, 48 bits virtual` on x86_64); `None` where the line is absent.
pub fn virtual_address_bits() -> Option<u32> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    parse_virtual_bits(&cpu)
}

pub fn parse_virtual_bits(cpuinfo: &str) -> Option<u32> {
    let line = cpuinfo.lines().find(|l| l.starts_with("address sizes"))?;
    let (_, rest) = line.split_once(':')?;
    rest.split(',')
        .find(|p| p.contains("virtual"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod virtual_bits_tests {
    #[test]
    fn reads_the_virtual_width() {
        let t = "flags\t: fpu\naddress sizes\t: 39 bits physical, 48 bits virtual\n";
        assert_eq!(super::parse_virtual_bits(t), Some(48));
        assert_eq!(super::parse_virtual_bits("flags : fpu"), None);
    }

    mod props {
        use super::super::{parse_virtual_bits, selected_mode};
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn kernel_text_parsers_never_panic(t in "\\PC{0,200}") {
                let _ = parse_virtual_bits(&t);
                let _ = selected_mode(&t);
            }

            #[test]
            fn the_virtual_width_is_read_from_any_cpuinfo(
                phys in 1u32..64, virt in 1u32..64, before in "[a-z ]{0,20}"
            ) {
                let t = format!(
                    "processor\t: 0\nflags\t\t: {before}\naddress sizes\t: {phys} bits physical, {virt} bits virtual\n"
                );
                prop_assert_eq!(parse_virtual_bits(&t), Some(virt));
            }

            #[test]
            fn the_bracketed_mode_is_the_selected_one(
                modes in proptest::collection::vec("[a-z_]{1,10}", 1..5), pick in any::<prop::sample::Index>()
            ) {
                let i = pick.index(modes.len());
                let line: Vec<String> = modes
                    .iter()
                    .enumerate()
                    .map(|(k, m)| if k == i { format!("[{m}]") } else { m.clone() })
                    .collect();
                prop_assert_eq!(selected_mode(&format!("{}\n", line.join(" "))), Some(modes[i].clone()));
            }
        }
    }
}
