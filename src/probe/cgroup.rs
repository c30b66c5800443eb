//! Where memlab sits in the memory cgroup hierarchy (v1 or v2), and the
//! memory limit that applies to it.

use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Version {
    V1,
    V2,
}

/// memlab's own memory cgroup.
#[derive(Clone, Debug, Serialize)]
pub struct MemCgroup {
    pub version: Version,
    /// The cgroup's folder, e.g. /sys/fs/cgroup/memory/user.slice.
    pub dir: PathBuf,
    /// The memory limit in bytes, `None` when unlimited.
    pub limit_bytes: Option<u64>,
    /// Current usage in bytes (what counts against the limit).
    pub usage_bytes: Option<u64>,
}

/// v1 reports "no limit" as a huge page-aligned number near i64::MAX.
const V1_UNLIMITED_FLOOR: u64 = 1 << 62;

impl MemCgroup {
    /// Find memlab's memory cgroup from /proc/self/cgroup and mountinfo.
    pub fn current() -> Option<MemCgroup> {
        let cgroup = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        let (version, dir) = locate(&cgroup, &mountinfo)?;
        Some(Self::at(version, dir))
    }

    /// Read the limit and usage of the cgroup at `dir`.
    pub fn at(version: Version, dir: PathBuf) -> MemCgroup {
        let limit = match version {
            Version::V1 => read_limit(&dir.join("memory.limit_in_bytes"), version),
            Version::V2 => read_limit(&dir.join("memory.max"), version),
        };
        let usage = usage_bytes(&dir, version);
        MemCgroup {
            version,
            dir,
            limit_bytes: limit,
            usage_bytes: usage,
        }
    }

    /// Bytes that may still be charged before the limit is hit.
    pub fn headroom_bytes(&self) -> Option<u64> {
        Some(
            self.limit_bytes?
                .saturating_sub(self.usage_bytes.unwrap_or(0)),
        )
    }
}

/// What is charged to the group at `dir` now.
pub fn usage_bytes(dir: &Path, version: Version) -> Option<u64> {
    match version {
        Version::V1 => crate::probe::read_u64(dir.join("memory.usage_in_bytes")),
        Version::V2 => crate::probe::read_u64(dir.join("memory.current")),
    }
}

/// The most ever charged to the group at `dir` (v1 `max_usage_in_bytes`,
/// v2 `memory.peak` on kernels since 5.19).
pub fn peak_bytes(dir: &Path, version: Version) -> Option<u64> {
    match version {
        Version::V1 => crate::probe::read_u64(dir.join("memory.max_usage_in_bytes")),
        Version::V2 => crate::probe::read_u64(dir.join("memory.peak")),
    }
}

fn read_limit(path: &Path, version: Version) -> Option<u64> {
    parse_limit(&std::fs::read_to_string(path).ok()?, version)
}

/// `max` (v2) or a near-i64::MAX value (v1) mean no limit.
pub fn parse_limit(text: &str, version: Version) -> Option<u64> {
    let t = text.trim();
    if t == "max" {
        return None;
    }
    let v: u64 = t.parse().ok()?;
    (version == Version::V2 || v < V1_UNLIMITED_FLOOR).then_some(v)
}

/// From the contents of /proc/self/cgroup and /proc/self/mountinfo, find the
/// memory cgroup's version and folder. A v1 memory hierarchy wins over v2
/// (on hybrid hosts the memory controller is on v1).
pub fn locate(cgroup: &str, mountinfo: &str) -> Option<(Version, PathBuf)> {
    let mut v2_path = None;
    for line in cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (_id, ctrls, path) = (parts.next()?, parts.next()?, parts.next()?);
        if ctrls.split(',').any(|c| c == "memory") {
            let (root, mount) = mount_of(mountinfo, "cgroup", Some("memory"))?;
            return Some((Version::V1, join_cgroup(&mount, &root, path)));
        }
        if ctrls.is_empty() {
            v2_path = Some(path.to_string());
        }
    }
    let path = v2_path?;
    let (root, mount) = mount_of(mountinfo, "cgroup2", None)?;
    let controllers =
        std::fs::read_to_string(Path::new(&mount).join("cgroup.controllers")).unwrap_or_default();
    if !controllers.split_whitespace().any(|c| c == "memory") {
        return None;
    }
    Some((Version::V2, join_cgroup(&mount, &root, &path)))
}

/// The (root, mount point) of the first mount of `fstype` whose super options
/// include `option`.
fn mount_of(mountinfo: &str, fstype: &str, option: Option<&str>) -> Option<(String, String)> {
    for line in mountinfo.lines() {
        // id parent major:minor root mountpoint opts [optional...] - fstype source superopts
        let (left, right) = line.split_once(" - ")?;
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        if l.len() < 5 || r.len() < 3 || r[0] != fstype {
            continue;
        }
        if let Some(opt) = option
            && !r[2].split(',').any(|o| o == opt)
        {
            continue;
        }
        return Some((unescape(l[3]), unescape(l[4])));
    }
    None
}

/// mountinfo escapes spaces and the like as octal `\040`.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && let Some(v) = b
                .get(i + 1..i + 4)
                .and_then(|d| std::str::from_utf8(d).ok())
                .and_then(|d| u8::from_str_radix(d, 8).ok())
        {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The folder of cgroup `path` under a mount of hierarchy `root` at `mount`.
fn join_cgroup(mount: &str, root: &str, path: &str) -> PathBuf {
    let rel = if root != "/" {
        path.strip_prefix(root).unwrap_or(path)
    } else {
        path
    };
    Path::new(mount).join(rel.trim_start_matches('/'))
}

/// The group's OOM counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OomCounters {
    /// OOM kills in the group (v2 `memory.events` `oom_kill`, v1
    /// `memory.oom_control` `oom_kill` on kernels since 4.13).
    pub oom_kill: Option<u64>,
    /// Times the group hit its limit (v1 the larger of `memory.failcnt` and
    /// `memory.memsw.failcnt`, v2 the `max` event).
    pub limit_hits: Option<u64>,
    /// v2 `oom` events (allocations that failed even after reclaim), v1
    /// `under_oom` (1 while the group is in OOM).
    pub oom: Option<u64>,
}

/// v2 `memory.events`: `low`, `high`, `max`, `oom`, `oom_kill` lines.
pub fn read_counters_v2(dir: &Path) -> OomCounters {
    let text = std::fs::read_to_string(dir.join("memory.events")).unwrap_or_default();
    OomCounters {
        oom_kill: keyed(&text, "oom_kill"),
        limit_hits: keyed(&text, "max"),
        oom: keyed(&text, "oom"),
    }
}

/// v1 `memory.oom_control` (`oom_kill_disable`, `under_oom`, and `oom_kill`
/// since 4.13) and `memory.failcnt`.
pub fn read_counters_v1(dir: &Path) -> OomCounters {
    let text = std::fs::read_to_string(dir.join("memory.oom_control")).unwrap_or_default();
    // With swap accounting the memory+swap counter is charged first, so
    // hits of a memsw limit equal to the memory limit land in memsw.failcnt.
    let hits = match (
        crate::probe::read_u64(dir.join("memory.failcnt")),
        crate::probe::read_u64(dir.join("memory.memsw.failcnt")),
    ) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    OomCounters {
        oom_kill: keyed(&text, "oom_kill"),
        limit_hits: hits,
        oom: keyed(&text, "under_oom"),
    }
}

/// The value of `key N` in a flat-keyed cgroup file.
pub fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO_V1: &str = "\
30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 30 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn v1_memory_hierarchy_is_found() {
        let cg = "4:memory:/process_api/abc\n0::/\n";
        let (v, dir) = locate(cg, MOUNTINFO_V1).unwrap();
        assert_eq!(v, Version::V1);
        assert_eq!(dir, PathBuf::from("/sys/fs/cgroup/memory/process_api/abc"));
    }

    #[test]
    fn nested_root_is_stripped() {
        let mi = "35 30 0:31 /docker/x /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        let (_, dir) = locate("4:memory:/docker/x/sub\n", mi).unwrap();
        assert_eq!(dir, PathBuf::from("/sys/fs/cgroup/memory/sub"));
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit("max\n", Version::V2), None);
        assert_eq!(parse_limit("67108864\n", Version::V2), Some(64 << 20));
        assert_eq!(parse_limit("9223372036854771712\n", Version::V1), None);
        assert_eq!(parse_limit("67108864", Version::V1), Some(64 << 20));
        assert_eq!(parse_limit("garbage", Version::V1), None);
    }

    #[test]
    fn octal_escapes() {
        assert_eq!(unescape("/a\\040b"), "/a b");
    }

    proptest::proptest! {
        #[test]
        fn locate_and_limits_never_panic(cg in "\\PC{0,80}", mi in "\\PC{0,120}") {
            let _ = locate(&cg, &mi);
            let _ = parse_limit(&cg, Version::V1);
            let _ = parse_limit(&cg, Version::V2);
            let _ = unescape(&mi);
        }
    }
}
