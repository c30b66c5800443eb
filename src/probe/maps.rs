//! `/proc/PID/maps`: parsed lines and the diff between two readings.

use serde::Serialize;

/// One line of /proc/PID/maps.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MapLine {
    pub start: u64,
    pub end: u64,
    pub perms: String,
    pub offset: u64,
    pub device: String,
    pub inode: u64,
    pub pathname: String,
}

impl MapLine {
    /// Parse `start-end perms offset dev inode [pathname]`. `None` when the
    /// line does not have that shape.
    pub fn parse(line: &str) -> Option<MapLine> {
        let mut it = line.splitn(6, ' ');
        let range = it.next()?;
        let perms = it.next()?;
        let offset = it.next()?;
        let device = it.next()?;
        let inode = it.next()?;
        let pathname = it.next().unwrap_or("").trim_start().to_string();
        let (s, e) = range.split_once('-')?;
        let start = u64::from_str_radix(s, 16).ok()?;
        let end = u64::from_str_radix(e, 16).ok()?;
        if end < start || perms.len() != 4 || !device.contains(':') {
            return None;
        }
        Some(MapLine {
            start,
            end,
            perms: perms.to_string(),
            offset: u64::from_str_radix(offset, 16).ok()?,
            device: device.to_string(),
            inode: inode.parse().ok()?,
            pathname,
        })
    }

    pub fn size(&self) -> u64 {
        self.end - self.start
    }

    pub fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// The line as the kernel prints it (without the column padding).
    pub fn render(&self) -> String {
        format!(
            "{:x}-{:x} {} {:08x} {} {} {}",
            self.start, self.end, self.perms, self.offset, self.device, self.inode, self.pathname
        )
        .trim_end()
        .to_string()
    }
}

/// Parse a whole maps file; lines that do not parse are skipped.
pub fn parse(text: &str) -> Vec<MapLine> {
    text.lines().filter_map(MapLine::parse).collect()
}

/// Read `/proc/PID/maps` (`self` for the caller) into `buf`, which the caller
/// sizes in advance so the reading itself does not move the heap.
pub fn read_into(pid: &str, buf: &mut String) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Read;
    buf.clear();
    let path = format!("/proc/{pid}/maps");
    std::fs::File::open(&path)
        .and_then(|mut f| f.read_to_string(buf))
        .with_context(|| format!("reading {path}"))?;
    Ok(())
}

/// Whether a line appeared or disappeared between two readings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    #[default]
    Added,
    Removed,
}

/// Lines present in only one of the two readings, in address order. A region
/// merged into a neighbour shows as its old line removed and its new line
/// added.
pub fn diff(before: &[MapLine], after: &[MapLine]) -> Vec<(Change, MapLine)> {
    use std::collections::HashSet;
    let b: HashSet<&MapLine> = before.iter().collect();
    let a: HashSet<&MapLine> = after.iter().collect();
    let mut out: Vec<(Change, MapLine)> = before
        .iter()
        .filter(|l| !a.contains(l))
        .map(|l| (Change::Removed, l.clone()))
        .chain(
            after
                .iter()
                .filter(|l| !b.contains(l))
                .map(|l| (Change::Added, l.clone())),
        )
        .collect();
    out.sort_by_key(|(c, l)| (l.start, *c == Change::Added));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SAMPLE: &str = "\
55d0c6a00000-55d0c6a02000 r--p 00000000 fd:01 1234567                    /usr/bin/cat
7f1c2a000000-7f1c30400000 rw-p 00000000 00:00 0 
7ffd4b1e0000-7ffd4b201000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
";

    #[test]
    fn parses_kernel_lines() {
        let v = parse(SAMPLE);
        assert_eq!(v.len(), 4);
        assert_eq!(v[0].pathname, "/usr/bin/cat");
        assert_eq!(v[0].inode, 1234567);
        assert_eq!(v[1].size(), 0x6400000);
        assert_eq!(v[1].pathname, "");
        assert_eq!(v[2].pathname, "[stack]");
        assert_eq!(v[3].start, 0xffffffffff600000);
    }

    #[test]
    fn path_with_spaces_is_kept() {
        let l = MapLine::parse("1000-2000 rw-s 00000000 00:05 7 /tmp/a b (deleted)").unwrap();
        assert_eq!(l.pathname, "/tmp/a b (deleted)");
    }

    #[test]
    fn diff_shows_merges_as_removed_and_added() {
        let before = parse("1000-2000 rw-p 00000000 00:00 0\n5000-6000 r--p 00000000 00:00 0\n");
        let after = parse("0800-2000 rw-p 00000000 00:00 0\n5000-6000 r--p 00000000 00:00 0\n");
        let d = diff(&before, &after);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].0, Change::Added);
        assert_eq!(d[0].1.start, 0x800);
        assert_eq!(d[1].0, Change::Removed);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }

        #[test]
        fn rendered_lines_parse_back(start in 0u64..1<<47, len in 1u64..1<<30,
                                     perms in "[r-][w-][x-][ps]", off in 0u64..1<<40,
                                     inode in 0u64..1<<40, path in "[a-z/\\[\\]]{0,20}") {
            let l = MapLine { start, end: start + len, perms, offset: off,
                              device: "fd:01".into(), inode, pathname: path.trim().to_string() };
            prop_assert_eq!(MapLine::parse(&l.render()), Some(l));
        }
    }
}
