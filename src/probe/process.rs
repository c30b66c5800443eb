//! One process seen from /proc/PID: sizes, faults, CPU time, PSS.

use anyhow::{Context, Result};
use serde::Serialize;

/// A handle on /proc/PID, opened once and read many times.
pub struct ProcHandle {
    pid: i32,
    proc: procfs::process::Process,
    page_kib: u64,
    tick_s: f64,
}

/// What one sample reads: `/proc/PID/stat` and `/proc/PID/statm`, once each.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
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
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
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
        let proc =
            procfs::process::Process::new(pid).with_context(|| format!("opening /proc/{pid}"))?;
        Ok(ProcHandle {
            pid,
            proc,
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

    /// Sizes and fault counters. Fails once the process is gone.
    pub fn sample(&self) -> Result<Sample> {
        let stat = self
            .proc
            .stat()
            .with_context(|| format!("reading /proc/{}/stat", self.pid))?;
        let statm = self
            .proc
            .statm()
            .with_context(|| format!("reading /proc/{}/statm", self.pid))?;
        Ok(Sample {
            vsz_kib: statm.size * self.page_kib,
            rss_kib: statm.resident * self.page_kib,
            minflt: stat.minflt,
            majflt: stat.majflt,
            utime_s: stat.utime as f64 * self.tick_s,
            stime_s: stat.stime as f64 * self.tick_s,
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
            .with_context(|| format!("reading {path}"))?;
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
        let s = self
            .proc
            .status()
            .with_context(|| format!("reading /proc/{}/status", self.pid))?;
        Ok(StatusMem {
            vm_size_kib: s.vmsize.unwrap_or(0),
            vm_rss_kib: s.vmrss.unwrap_or(0),
            vm_hwm_kib: s.vmhwm.unwrap_or(0),
            // The page-table figures are what memlab reads this file for:
            // without the line there is nothing to report, and 0 would be
            // a false one.
            vm_pte_kib: s
                .vmpte
                .with_context(|| format!("/proc/{}/status has no VmPTE line", self.pid))?,
        })
    }
}
