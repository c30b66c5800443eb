//! One process seen from /proc/PID: sizes, faults, CPU time, PSS.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::ProcFile;

/// A handle on /proc/PID, opened once and read many times. `stat` and
/// `statm`, read at every sample, stay open and are re-read from offset 0
/// ([`ProcFile`]); the rarer readings go through the procfs crate.
pub struct ProcHandle {
    pid: i32,
    proc: procfs::process::Process,
    stat: ProcFile,
    statm: ProcFile,
    /// Read every so often for `VmHWM` (opened at its first read).
    status: ProcFile,
    page_kib: u64,
    tick_s: f64,
}

/// /proc/PID/stat is one line of about 300 bytes (52 numbers and a name of
/// at most 64 bytes); statm is seven numbers.
const STAT_BUF: usize = 2048;
const STATM_BUF: usize = 256;

/// What one sample reads: `/proc/PID/stat` and `/proc/PID/statm`, once each.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Sample {
    pub vsz_kib: u64,
    /// From statm (exact); the `rss` field of stat is a per-CPU approximation.
    pub rss_kib: u64,
    pub minflt: u64,
    pub majflt: u64,
    pub utime_s: f64,
    pub stime_s: f64,
}

/// `/proc/PID/smaps_rollup`: who shares what.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Rollup {
    pub rss_kib: u64,
    pub pss_kib: u64,
    pub shared_kib: u64,
    pub private_kib: u64,
    pub anon_huge_kib: u64,
    /// The file-backed part of PSS (`Pss_File`, Linux 5.6+): it moves
    /// whenever another process maps or unmaps the same files (memlab's own
    /// binary, libc), whatever this process does.
    pub pss_file_kib: Option<u64>,
}

impl Rollup {
    /// PSS without the file-backed part: anonymous and shared memory only,
    /// which other processes mapping the same files do not disturb. Falls
    /// back to the whole PSS on kernels without `Pss_File`.
    pub fn pss_own_kib(&self) -> u64 {
        self.pss_kib - self.pss_file_kib.unwrap_or(0).min(self.pss_kib)
    }
}

/// The memory lines of `/proc/PID/status` that memlab uses.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct StatusMem {
    pub vm_size_kib: u64,
    pub vm_rss_kib: u64,
    pub vm_hwm_kib: u64,
    /// Bytes of page tables, in KiB (`VmPTE`).
    pub vm_pte_kib: u64,
}

impl ProcHandle {
    pub fn new(pid: i32) -> Result<ProcHandle> {
        let proc = procfs::process::Process::new(pid).with_context(|| {
            crate::i18n::tr("err.sys.opening", &[("path", &format!("/proc/{pid}"))])
        })?;
        Ok(ProcHandle {
            pid,
            proc,
            stat: ProcFile::lazy(format!("/proc/{pid}/stat")),
            statm: ProcFile::lazy(format!("/proc/{pid}/statm")),
            status: ProcFile::lazy(format!("/proc/{pid}/status")),
            page_kib: crate::sys::page_size() / 1024,
            tick_s: 1.0 / procfs::ticks_per_second() as f64,
        })
    }

    pub fn myself() -> Result<ProcHandle> {
        Self::new(std::process::id() as i32)
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Sizes and fault counters: one `pread` of stat and one of statm, no
    /// allocation. Fails (ESRCH) once the process has been reaped; a zombie
    /// or an exiting process has no memory, and statm reads all zeros.
    pub fn sample(&self) -> Result<Sample> {
        let mut buf = [0u8; STAT_BUF];
        let stat = parse_stat(self.stat.read(&mut buf)?)
            .with_context(|| crate::i18n::tr("err.sys.parsing", &[("path", self.stat.path())]))?;
        let mut buf = [0u8; STATM_BUF];
        let (size, resident) = parse_statm(self.statm.read(&mut buf)?)
            .with_context(|| crate::i18n::tr("err.sys.parsing", &[("path", self.statm.path())]))?;
        Ok(Sample {
            vsz_kib: size * self.page_kib,
            rss_kib: resident * self.page_kib,
            minflt: stat.minflt,
            majflt: stat.majflt,
            utime_s: stat.utime_ticks as f64 * self.tick_s,
            stime_s: stat.stime_ticks as f64 * self.tick_s,
        })
    }

    /// PSS and sharing; `None` on kernels without smaps_rollup (before 4.14).
    pub fn rollup(&self) -> Result<Option<Rollup>> {
        let path = format!("/proc/{}/smaps_rollup", self.pid);
        if !std::path::Path::new(&path).exists() {
            return Ok(None);
        }
        let r = self
            .proc
            .smaps_rollup()
            .with_context(|| crate::i18n::tr("err.sys.reading", &[("path", &path)]))?;
        let Some(m) = r.memory_map_rollup.0.first() else {
            return Ok(None);
        };
        let get = |k: &str| m.extension.map.get(k).copied().unwrap_or(0) / 1024;
        Ok(Some(Rollup {
            rss_kib: get("Rss"),
            pss_kib: get("Pss"),
            shared_kib: get("Shared_Clean") + get("Shared_Dirty"),
            private_kib: get("Private_Clean") + get("Private_Dirty"),
            anon_huge_kib: get("AnonHugePages"),
            pss_file_kib: m.extension.map.get("Pss_File").map(|v| v / 1024),
        }))
    }

    pub fn status_mem(&self) -> Result<StatusMem> {
        let s = self.proc.status().with_context(|| {
            crate::i18n::tr(
                "err.sys.reading",
                &[("path", &format!("/proc/{}/status", self.pid))],
            )
        })?;
        Ok(StatusMem {
            vm_size_kib: s.vmsize.unwrap_or(0),
            vm_rss_kib: s.vmrss.unwrap_or(0),
            vm_hwm_kib: s.vmhwm.unwrap_or(0),
            // The page-table figures are what memlab reads this file for:
            // without the line there is nothing to report, and 0 would be
            // a false one.
            vm_pte_kib: s.vmpte.with_context(|| {
                crate::i18n::tr(
                    "err.sys.no_line",
                    &[
                        ("path", &format!("/proc/{}/status", self.pid)),
                        ("name", "VmPTE"),
                    ],
                )
            })?,
        })
    }

    /// `/proc/PID/oom_score`: the badness the OOM killer gives the process
    /// now; `None` when it cannot be read (the process is gone).
    pub fn oom_score(&self) -> Option<u64> {
        super::read_u64(format!("/proc/{}/oom_score", self.pid))
    }

    /// `/proc/PID/oom_score_adj` (-1000 to 1000): what the process asked to
    /// add to its badness; `None` when it cannot be read.
    pub fn oom_score_adj(&self) -> Option<i64> {
        std::fs::read_to_string(format!("/proc/{}/oom_score_adj", self.pid))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

/// Everything of /proc/PID/stat a process-tree sample uses (`watch`): who
/// the parent is, when the process started (with the pid, the identity no
/// pid reuse can fake), and its own and its reaped children's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TreeStat {
    /// `R`, `S`, `D`, `Z` (zombie), … as a byte.
    pub state: u8,
    pub ppid: i32,
    pub minflt: u64,
    /// Faults and CPU of the children this process has reaped (wait(2)):
    /// proc(5) fields 11 and 13 (cminflt, cmajflt), 16 and 17 (cutime, cstime).
    pub cminflt: u64,
    pub majflt: u64,
    pub cmajflt: u64,
    pub utime_ticks: u64,
    pub stime_ticks: u64,
    pub cutime_ticks: u64,
    pub cstime_ticks: u64,
    /// Clock ticks after boot at which the process started (field 22).
    pub starttime_ticks: u64,
}

impl ProcHandle {
    /// One `pread` of stat and one of statm, with the tree fields of stat.
    pub fn sample_tree(&self) -> Result<(Sample, TreeStat)> {
        let mut buf = [0u8; STAT_BUF];
        let t = parse_stat_tree(self.stat.read(&mut buf)?)
            .with_context(|| crate::i18n::tr("err.sys.parsing", &[("path", self.stat.path())]))?;
        let mut buf = [0u8; STATM_BUF];
        let (size, resident) = parse_statm(self.statm.read(&mut buf)?)
            .with_context(|| crate::i18n::tr("err.sys.parsing", &[("path", self.statm.path())]))?;
        let s = Sample {
            vsz_kib: size * self.page_kib,
            rss_kib: resident * self.page_kib,
            minflt: t.minflt,
            majflt: t.majflt,
            utime_s: t.utime_ticks as f64 * self.tick_s,
            stime_s: t.stime_ticks as f64 * self.tick_s,
        };
        Ok((s, t))
    }

    /// Seconds per clock tick (the unit of stat's CPU times).
    pub fn tick_s(&self) -> f64 {
        self.tick_s
    }

    /// The kernel's own peak of this process's resident set (`VmHWM` of
    /// /proc/PID/status); `None` once it has no memory (a zombie).
    pub fn vm_hwm_kib(&self) -> Result<Option<u64>> {
        // One pread of the descriptor kept open, no allocation: the file is
        // about 1.5 KiB.
        let mut buf = [0u8; 8192];
        let text = self.status.read(&mut buf)?;
        Ok(text
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()))
    }
}

/// Parse the tree fields of /proc/PID/stat (see [`TreeStat`]), counted from
/// the last `)` as in [`parse_stat`].
pub fn parse_stat_tree(text: &str) -> Result<TreeStat> {
    let Some(close) = text.rfind(')') else {
        bail!(crate::i18n::tr("err.sys.no_paren", &[]));
    };
    let mut f = text[close + 1..].split_ascii_whitespace();
    let state = f
        .next()
        .and_then(|s| s.bytes().next())
        .with_context(|| crate::i18n::tr("err.sys.no_field", &[("name", "state")]))?;
    let mut num = |name: &str| -> Result<i64> {
        f.next()
            .with_context(|| crate::i18n::tr("err.sys.no_field", &[("name", name)]))?
            .parse::<i64>()
            .with_context(|| crate::i18n::tr("err.sys.not_number", &[("name", name)]))
    };
    let ppid = num("ppid")?;
    for name in ["pgrp", "session", "tty_nr", "tpgid", "flags"] {
        num(name)?;
    }
    let mut v = [0u64; 8];
    for (slot, name) in v.iter_mut().zip([
        "minflt", "cminflt", "majflt", "cmajflt", "utime", "stime", "cutime", "cstime",
    ]) {
        *slot = num(name)?.max(0) as u64;
    }
    for name in ["priority", "nice", "num_threads", "itrealvalue"] {
        num(name)?;
    }
    let starttime = num("starttime")?.max(0) as u64;
    Ok(TreeStat {
        state,
        ppid: ppid as i32,
        minflt: v[0],
        cminflt: v[1],
        majflt: v[2],
        cmajflt: v[3],
        utime_ticks: v[4],
        stime_ticks: v[5],
        cutime_ticks: v[6],
        cstime_ticks: v[7],
        starttime_ticks: starttime,
    })
}

/// The fields of /proc/PID/stat that a sample uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatFields {
    pub minflt: u64,
    pub majflt: u64,
    pub utime_ticks: u64,
    pub stime_ticks: u64,
}

/// Parse /proc/PID/stat: `pid (comm) state ppid pgrp session tty_nr tpgid
/// flags minflt cminflt majflt cmajflt utime stime …` (proc(5)). The command
/// name may hold spaces and parentheses, so the numbers are counted from the
/// last `)`.
pub fn parse_stat(text: &str) -> Result<StatFields> {
    let Some(close) = text.rfind(')') else {
        bail!(crate::i18n::tr("err.sys.no_paren", &[]));
    };
    // After the name: state(0) ppid(1) pgrp(2) session(3) tty_nr(4)
    // tpgid(5) flags(6) minflt(7) cminflt(8) majflt(9) cmajflt(10)
    // utime(11) stime(12).
    let mut f = text[close + 1..].split_ascii_whitespace().skip(7);
    let mut next = |name: &str| -> Result<u64> {
        f.next()
            .with_context(|| crate::i18n::tr("err.sys.no_field", &[("name", name)]))?
            .parse::<u64>()
            .with_context(|| crate::i18n::tr("err.sys.not_number", &[("name", name)]))
    };
    let minflt = next("minflt")?;
    let _cminflt = next("cminflt")?;
    let majflt = next("majflt")?;
    let _cmajflt = next("cmajflt")?;
    Ok(StatFields {
        minflt,
        majflt,
        utime_ticks: next("utime")?,
        stime_ticks: next("stime")?,
    })
}

/// Parse /proc/PID/statm: its first two numbers, the virtual size and the
/// resident set, in pages.
pub fn parse_statm(text: &str) -> Result<(u64, u64)> {
    let mut f = text.split_ascii_whitespace();
    let mut next = |name: &str| -> Result<u64> {
        f.next()
            .with_context(|| crate::i18n::tr("err.sys.no_field", &[("name", name)]))?
            .parse::<u64>()
            .with_context(|| crate::i18n::tr("err.sys.not_number", &[("name", name)]))
    };
    Ok((next("size")?, next("resident")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_from_the_last_parenthesis() {
        let line = "17590 (a) b) c) R 17583 17583 7384 0 -1 4194304 97 5 3 1 12 34 0 0 20 0 1 0 194556 3133440 382\n";
        assert_eq!(
            parse_stat(line).unwrap(),
            StatFields {
                minflt: 97,
                majflt: 3,
                utime_ticks: 12,
                stime_ticks: 34
            }
        );
    }

    #[test]
    fn tree_fields_of_stat() {
        let line = "17590 (a) b) c) Z 17583 17583 7384 0 -1 4194304 97 5 3 1 12 34 7 8 20 0 1 0 194556 3133440 382\n";
        let t = parse_stat_tree(line).unwrap();
        assert_eq!((t.state, t.ppid), (b'Z', 17583));
        assert_eq!((t.minflt, t.cminflt, t.majflt, t.cmajflt), (97, 5, 3, 1));
        assert_eq!((t.utime_ticks, t.stime_ticks), (12, 34));
        assert_eq!((t.cutime_ticks, t.cstime_ticks), (7, 8));
        assert_eq!(t.starttime_ticks, 194556);
        assert!(parse_stat_tree("1 (x) S 0 0").is_err());
    }

    #[test]
    fn statm_gives_size_and_resident() {
        assert_eq!(parse_statm("765 382 330 5 0 86 0\n").unwrap(), (765, 382));
        assert!(parse_statm("765").is_err());
    }

    #[test]
    fn stat_of_this_process_agrees_with_procfs() {
        let me = ProcHandle::myself().unwrap();
        let ours = me.sample().unwrap();
        let theirs = procfs::process::Process::myself().unwrap().stat().unwrap();
        // Read after ours: counters can only have grown.
        assert!(theirs.minflt >= ours.minflt && theirs.minflt - ours.minflt < 100);
        assert!(theirs.majflt >= ours.majflt);
        assert!(ours.vsz_kib > 0 && ours.rss_kib > 0);
    }

    proptest::proptest! {
        #[test]
        fn stat_parser_never_panics(s in "\\PC{0,300}") {
            let _ = parse_stat(&s);
            let _ = parse_statm(&s);
        }
    }
}
