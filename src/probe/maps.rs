//! `/proc/PID/maps`: parsed lines and the diff between two readings.

use serde::{Deserialize, Serialize};

/// One line of /proc/PID/maps.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MapLine {
    pub start: u64,
    pub end: u64,
    pub perms: String,
    pub offset: u64,
    /// The device's major and minor numbers (the kernel prints them in hex,
    /// `fe:01`).
    pub dev_major: u32,
    pub dev_minor: u32,
    pub inode: u64,
    pub pathname: String,
}

/// Hex as the kernel writes it, or as memlab writes it (`0x…`).
fn hex(s: &str) -> Option<u64> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    u64::from_str_radix(s, 16).ok()
}

impl MapLine {
    /// Parse `start-end perms offset dev inode [pathname]` (hex with or
    /// without `0x`, so [`MapLine::render`]'s lines parse back). `None` when
    /// the line does not have that shape.
    pub fn parse(line: &str) -> Option<MapLine> {
        let mut it = line.splitn(6, ' ');
        let range = it.next()?;
        let perms = it.next()?;
        let offset = it.next()?;
        let device = it.next()?;
        let inode = it.next()?;
        let pathname = it.next().unwrap_or("").trim_start().to_string();
        let (s, e) = range.split_once('-')?;
        let start = hex(s)?;
        let end = hex(e)?;
        let (major, minor) = device.split_once(':')?;
        if end < start || perms.len() != 4 {
            return None;
        }
        Some(MapLine {
            start,
            end,
            perms: perms.to_string(),
            offset: hex(offset)?,
            dev_major: u32::from_str_radix(major, 16).ok()?,
            dev_minor: u32::from_str_radix(minor, 16).ok()?,
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

    /// The line in the kernel's order, with every address and offset
    /// written `0x…` as everywhere in memlab's output (the device stays
    /// `major:minor` in hex, as the kernel prints it).
    pub fn render(&self) -> String {
        format!(
            "{:#x}-{:#x} {} {:#x} {:02x}:{:02x} {} {}",
            self.start,
            self.end,
            self.perms,
            self.offset,
            self.dev_major,
            self.dev_minor,
            self.inode,
            self.pathname
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
        .with_context(|| crate::i18n::tr("err.sys.reading", &[("path", &path)]))?;
    Ok(())
}

/// Whether a line appeared or disappeared between two readings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// One line of a maps diff as report data: typed, with addresses and the
/// offset as `0x…` text (hex without a prefix loads as a wrong decimal
/// number) and the device as two decimal numbers (`00:00` loads as a time).
/// mmap's rows, malloc's and filemap's measurements are lists of these,
/// built by [`diff_entries`], so every format shows the same fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffEntry {
    pub change: Change,
    pub start: String,
    pub end: String,
    pub size_kib: u64,
    pub perms: String,
    pub offset: String,
    pub dev_major: u32,
    pub dev_minor: u32,
    pub inode: u64,
    /// Empty for an anonymous mapping.
    pub pathname: String,
}

impl DiffEntry {
    pub fn of(change: Change, l: &MapLine) -> DiffEntry {
        DiffEntry {
            change,
            start: format!("{:#x}", l.start),
            end: format!("{:#x}", l.end),
            size_kib: l.size() / 1024,
            perms: l.perms.clone(),
            offset: format!("{:#x}", l.offset),
            dev_major: l.dev_major,
            dev_minor: l.dev_minor,
            inode: l.inode,
            pathname: l.pathname.clone(),
        }
    }

    /// The maps line again (`None` if an address does not parse).
    pub fn line(&self) -> Option<MapLine> {
        Some(MapLine {
            start: hex(&self.start)?,
            end: hex(&self.end)?,
            perms: self.perms.clone(),
            offset: hex(&self.offset)?,
            dev_major: self.dev_major,
            dev_minor: self.dev_minor,
            inode: self.inode,
            pathname: self.pathname.clone(),
        })
    }

    /// The entry for a person: `+` added, `-` removed, then the line.
    pub fn text(&self) -> String {
        let mark = match self.change {
            Change::Added => '+',
            Change::Removed => '-',
        };
        match self.line() {
            Some(l) => format!("{mark} {}", l.render()),
            None => format!("{mark} {}-{} {}", self.start, self.end, self.perms),
        }
    }
}

/// The diff between two readings as report data (see [`diff`]).
pub fn diff_entries(before: &[MapLine], after: &[MapLine]) -> Vec<DiffEntry> {
    diff(before, after)
        .iter()
        .map(|(c, l)| DiffEntry::of(*c, l))
        .collect()
}

/// The narration of a diff, the same in every experiment: one line per
/// entry, indented, with `note` after the entry whose range holds `addr`.
pub fn narrate(entries: &[DiffEntry], addr: Option<u64>, note: &str) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            let here = addr.is_some_and(|a| e.line().is_some_and(|l| l.contains(a)));
            if here && !note.is_empty() {
                format!("  {}   <- {note}", e.text())
            } else {
                format!("  {}", e.text())
            }
        })
        .collect()
}

/// The added entry whose range holds `addr`, as its line.
pub fn added_holding(entries: &[DiffEntry], addr: u64) -> Option<MapLine> {
    entries
        .iter()
        .filter(|e| e.change == Change::Added)
        .filter_map(DiffEntry::line)
        .find(|l| l.contains(addr))
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
        assert_eq!((v[0].dev_major, v[0].dev_minor), (0xfd, 1));
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

    #[test]
    fn entries_write_hex_with_0x_and_the_device_as_decimal_numbers() {
        let l = MapLine::parse("555555554000-555555556000 r--p 00001000 fe:01 42 /bin/x").unwrap();
        let e = DiffEntry::of(Change::Added, &l);
        assert_eq!(e.start, "0x555555554000");
        assert_eq!(e.end, "0x555555556000");
        assert_eq!(e.offset, "0x1000");
        assert_eq!((e.dev_major, e.dev_minor), (254, 1));
        assert_eq!(e.size_kib, 8);
        assert_eq!(e.line(), Some(l));
        assert_eq!(
            e.text(),
            "+ 0x555555554000-0x555555556000 r--p 0x1000 fe:01 42 /bin/x"
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["change"], "added");
        let back: DiffEntry = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn narration_marks_the_entry_holding_the_address() {
        let before = parse("1000-2000 rw-p 00000000 00:00 0\n");
        let after = parse("1000-2000 rw-p 00000000 00:00 0\n8000-a000 rw-p 00000000 00:00 0\n");
        let d = diff_entries(&before, &after);
        let lines = narrate(&d, Some(0x9000), "the new mapping");
        assert_eq!(
            lines,
            ["  + 0x8000-0xa000 rw-p 0x0 00:00 0   <- the new mapping"]
        );
        assert_eq!(added_holding(&d, 0x9000).map(|l| l.start), Some(0x8000));
        assert_eq!(added_holding(&d, 0x1000), None);
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
                              dev_major: 0xfd, dev_minor: 1, inode, pathname: path.trim().to_string() };
            prop_assert_eq!(MapLine::parse(&l.render()), Some(l.clone()));
            let e = DiffEntry::of(Change::Removed, &l);
            prop_assert!(e.start.starts_with("0x") && e.offset.starts_with("0x"));
            prop_assert_eq!(e.line(), Some(l));
        }
    }
}
