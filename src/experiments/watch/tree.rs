//! The watched process tree: the process and all its descendants, as prmon
//! sums them.
//!
//! Descendants are found by parent pid in `/proc/N/stat`, not through
//! `/proc/PID/task/*/children` (proc(5): reliable only when the children are
//! stopped). A whole scan of `/proc` reads every process's stat, so it runs
//! rarely ([`FULL_SCAN_EVERY`]); in between, the last pid the kernel handed
//! out (`/proc/loadavg`, fifth field) says whether any process was created
//! at all, and only the pids created since are read. Parents are created
//! before their children, so new pids taken in creation order find their
//! parent already known.
//!
//! Each process is known by (pid, start time), and read through descriptors
//! that stay bound to it, so a reused pid can never mix two processes.
//! Faults and CPU time are cumulative: a descendant that exited and was
//! reaped still counts through its parent's `cminflt`/`cmajflt`/`cutime`/
//! `cstime` (proc(5) fields 11, 13, 16, 17), and through `wait4` for the
//! processes memlab reaps itself (the command, and orphans when memlab is
//! their subreaper).

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::probe::ProcFile;
use crate::probe::process::{ProcHandle, TreeStat, parse_stat_tree};
use crate::sampler::is_gone;
use crate::sys::reap::Reaped;

/// A whole scan of /proc at least this often (a safety net under the
/// last-pid shortcut, e.g. for a pid namespace whose loadavg says nothing).
pub const FULL_SCAN_EVERY: Duration = Duration::from_secs(2);
/// Look for new processes at most this often, and never more often than
/// [`SCAN_COST_FACTOR`] times what the last look cost.
/// (Nor more often than every [`SCAN_EVERY_INTERVALS`] samples.)
pub const SCAN_MIN_PERIOD: Duration = Duration::from_millis(20);
pub const SCAN_COST_FACTOR: u32 = 100;
pub const SCAN_EVERY_INTERVALS: u32 = 5;
/// Up to this many new pids are read one by one; more, and /proc is listed.
pub const PROBE_MAX: u64 = 64;
/// Read each process's `VmHWM` (the kernel's own peak) this often.
pub const HWM_PERIOD: Duration = Duration::from_millis(20);

/// One process of the tree.
struct Member {
    pid: i32,
    start: u64,
    handle: ProcHandle,
    /// The largest `VmHWM` read.
    hwm_kib: u64,
}

/// What one sample of the tree gives (the sums).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TreeSample {
    pub nprocs: u32,
    pub vsz_kib: u64,
    pub rss_kib: u64,
    pub minflt: u64,
    pub majflt: u64,
    pub utime_s: f64,
    pub stime_s: f64,
    /// The root's own reaped-children fault count (did it have children?).
    pub root_cminflt: u64,
}

/// Cumulative counters of processes memlab reaped (orphans).
#[derive(Clone, Copy, Debug, Default)]
struct Gone {
    minflt: u64,
    majflt: u64,
    utime_s: f64,
    stime_s: f64,
}

pub struct Tree {
    root: i32,
    /// The sampling interval (scans are spaced by a few of them).
    interval: Duration,
    /// Follow descendants (false: `--no-children`).
    children: bool,
    /// memlab's own pid when it is the subreaper of the tree (`-- CMD`):
    /// orphans are re-parented to it.
    adopter: Option<i32>,
    members: Vec<Member>,
    loadavg: Option<ProcFile>,
    last_pid: Option<u64>,
    pid_max: u64,
    next_scan: Instant,
    last_full: Instant,
    gone: Gone,
    pub procs_seen: u64,
    pub scans: u64,
    pub scan_ns: u128,
    /// The largest VmHWM of any member, of the root alone, the root's first.
    pub hwm_tree_kib: u64,
    pub hwm_root_kib: u64,
    pub hwm_root_first_kib: Option<u64>,
    /// The largest `ru_maxrss` of the orphans memlab reaped.
    pub reaped_maxrss_kib: u64,
    pub orphans_reaped: u64,
    next_hwm: Instant,
}

impl Tree {
    /// The tree rooted at `root`; `adopter` is memlab's pid when it started
    /// the root and is its subreaper.
    pub fn new(
        root: i32,
        interval: Duration,
        children: bool,
        adopter: Option<i32>,
    ) -> Result<Tree> {
        let handle = ProcHandle::new(root)?;
        let start = handle
            .sample_tree()
            .map(|(_, t)| t.starttime_ticks)
            .unwrap_or(0);
        let now = Instant::now();
        let mut t = Tree {
            root,
            interval,
            children,
            adopter,
            members: vec![Member {
                pid: root,
                start,
                handle,
                hwm_kib: 0,
            }],
            loadavg: ProcFile::open("/proc/loadavg").ok(),
            last_pid: None,
            pid_max: crate::probe::read_u64("/proc/sys/kernel/pid_max").unwrap_or(4_194_304),
            next_scan: now,
            last_full: now,
            gone: Gone::default(),
            procs_seen: 1,
            scans: 0,
            scan_ns: 0,
            hwm_tree_kib: 0,
            hwm_root_kib: 0,
            hwm_root_first_kib: None,
            reaped_maxrss_kib: 0,
            orphans_reaped: 0,
            next_hwm: now,
        };
        if children {
            t.last_pid = t.read_last_pid();
            t.scan(None);
        }
        t.read_hwm();
        Ok(t)
    }

    /// Live processes known (members whose /proc entry is still there).
    #[cfg(test)]
    pub fn known(&self) -> usize {
        self.members.len()
    }

    fn read_last_pid(&self) -> Option<u64> {
        let f = self.loadavg.as_ref()?;
        let mut buf = [0u8; 128];
        f.read(&mut buf)
            .ok()?
            .split_whitespace()
            .nth(4)?
            .parse()
            .ok()
    }

    /// Look for new descendants, when it is time to.
    pub fn discover(&mut self) {
        if !self.children {
            return;
        }
        let now = Instant::now();
        if now < self.next_scan {
            return;
        }
        let t0 = Instant::now();
        let full = now.duration_since(self.last_full) >= FULL_SCAN_EVERY;
        let last = self.read_last_pid();
        if full || last.is_none() {
            self.last_pid = last;
            self.scan(None);
            self.last_full = now;
        } else if last != self.last_pid {
            let since = self.last_pid;
            self.last_pid = last;
            self.scan(since.zip(last));
        }
        let cost = t0.elapsed();
        self.next_scan = now
            + SCAN_MIN_PERIOD
                .max(self.interval * SCAN_EVERY_INTERVALS)
                .max(cost * SCAN_COST_FACTOR);
    }

    /// Read /proc for processes whose parent is in the tree: all of them,
    /// or only the pids handed out in `(from, to]` (cyclically).
    fn scan(&mut self, range: Option<(u64, u64)>) {
        let t0 = Instant::now();
        self.scans += 1;
        let pid_max = self.pid_max.max(2);
        if let Some((from, to)) = range
            && (to + pid_max - from) % pid_max <= PROBE_MAX
        {
            self.probe(from, to);
            self.scan_ns += t0.elapsed().as_nanos();
            return;
        }
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return;
        };
        // Creation order: distance after `from`, cyclically.
        let age = |pid: u64| match range {
            Some((from, _)) => (pid + pid_max - from - 1) % pid_max,
            None => pid,
        };
        let mut pids: Vec<u64> = dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
            .filter(|&p| match range {
                Some((from, to)) => age(p) < (to + pid_max - from) % pid_max,
                None => true,
            })
            .filter(|&p| !self.members.iter().any(|m| m.pid as u64 == p))
            .collect();
        pids.sort_by_key(|&p| age(p));
        // Each candidate's stat is read once; who belongs is then decided
        // in memory, going round until nothing new joins (after a wrap of
        // the pids, a parent may come after its child).
        let mut candidates: Vec<(i32, TreeStat)> = pids
            .into_iter()
            .filter_map(|p| read_tree_stat(p as i32).map(|t| (p as i32, t)))
            .collect();
        loop {
            let before = self.members.len();
            candidates.retain(|(pid, st)| !self.try_join(*pid, st));
            if self.members.len() == before {
                break;
            }
        }
        self.scan_ns += t0.elapsed().as_nanos();
    }

    /// The few pids handed out in `(from, to]`, read one by one in creation
    /// order without listing /proc. Those include thread ids (a thread's
    /// /proc/TID can be opened though /proc does not list it): a candidate
    /// whose parent is in the tree joins only if it leads its thread group.
    fn probe(&mut self, from: u64, to: u64) {
        let pid_max = self.pid_max.max(2);
        let n = (to + pid_max - from) % pid_max;
        for i in 1..=n {
            let pid = ((from + i) % pid_max) as i32;
            if pid <= 0 || self.members.iter().any(|m| m.pid == pid) {
                continue;
            }
            let Some(st) = read_tree_stat(pid) else {
                continue;
            };
            let parent_in =
                self.members.iter().any(|m| m.pid == st.ppid) || self.adopter == Some(st.ppid);
            if parent_in && thread_group_leader(pid) {
                self.try_join(pid, &st);
            }
        }
    }

    /// Add `pid` if its parent is in the tree; true when it joined (or can
    /// never join: gone, or its pid was reused).
    fn try_join(&mut self, pid: i32, st: &TreeStat) -> bool {
        if self
            .members
            .iter()
            .any(|m| m.pid == pid && m.start == st.starttime_ticks)
        {
            return true;
        }
        let parent_known = self.members.iter().any(|m| m.pid == st.ppid);
        if !(parent_known || self.adopter == Some(st.ppid)) {
            return false;
        }
        let Ok(handle) = ProcHandle::new(pid) else {
            return true;
        };
        // The handle must be the process whose parent was read (not a
        // reuse of its pid in between).
        match handle.sample_tree() {
            Ok((_, t)) if t.starttime_ticks == st.starttime_ticks => {}
            _ => return true,
        }
        self.members.push(Member {
            pid,
            start: st.starttime_ticks,
            handle,
            hwm_kib: 0,
        });
        self.procs_seen += 1;
        true
    }

    /// Read every member once (stat + statm) and sum. `Ok(None)` once the
    /// root is gone (its entry, or its memory: a zombie has none).
    pub fn sample(&mut self) -> Result<Option<TreeSample>> {
        let mut s = TreeSample::default();
        let mut root_alive = false;
        let mut error = None;
        let children = self.children;
        let root = self.root;
        self.members.retain(|m| match m.handle.sample_tree() {
            Ok((smp, t)) => {
                let is_root = m.pid == root;
                if is_root {
                    root_alive = smp.vsz_kib > 0;
                    s.root_cminflt = t.cminflt;
                }
                if t.state != b'Z' && smp.vsz_kib > 0 {
                    s.nprocs += 1;
                }
                s.vsz_kib += smp.vsz_kib;
                s.rss_kib += smp.rss_kib;
                add_counts(&mut s, &smp, &t, children, m.handle.tick_s());
                true
            }
            Err(e) if is_gone(&e) => false,
            Err(e) => {
                error.get_or_insert(e);
                true
            }
        });
        if let Some(e) = error {
            return Err(e);
        }
        if !root_alive {
            return Ok(None);
        }
        s.minflt += self.gone.minflt;
        s.majflt += self.gone.majflt;
        s.utime_s += self.gone.utime_s;
        s.stime_s += self.gone.stime_s;
        Ok(Some(s))
    }

    /// An orphan memlab reaped: its counters (and its reaped descendants')
    /// from `wait4`.
    pub fn add_reaped(&mut self, r: &Reaped) {
        self.gone.minflt += r.exit.rusage_minflt;
        self.gone.majflt += r.exit.rusage_majflt;
        self.gone.utime_s += r.utime_s;
        self.gone.stime_s += r.stime_s;
        self.reaped_maxrss_kib = self.reaped_maxrss_kib.max(r.exit.rusage_maxrss_kib);
        self.orphans_reaped += 1;
        self.members.retain(|m| m.pid != r.pid);
    }

    /// Read `VmHWM` of every member, when it is time to.
    pub fn maybe_read_hwm(&mut self) {
        if Instant::now() >= self.next_hwm {
            self.read_hwm();
        }
    }

    pub fn read_hwm(&mut self) {
        self.next_hwm = Instant::now() + HWM_PERIOD;
        for m in &mut self.members {
            if let Ok(Some(h)) = m.handle.vm_hwm_kib() {
                m.hwm_kib = m.hwm_kib.max(h);
                self.hwm_tree_kib = self.hwm_tree_kib.max(h);
                if m.pid == self.root {
                    self.hwm_root_kib = self.hwm_root_kib.max(h);
                    self.hwm_root_first_kib.get_or_insert(h);
                }
            }
        }
    }

    /// PSS summed over the live members (smaps_rollup: a walk of every
    /// mapping of each). `None` when no member could be read.
    pub fn pss_kib(&self) -> Result<Option<u64>> {
        let mut sum = None;
        for m in &self.members {
            match m.handle.rollup() {
                Ok(Some(r)) => *sum.get_or_insert(0) += r.pss_kib,
                Ok(None) => {}
                Err(e) if is_gone(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(sum)
    }

    /// The (pid, start time) of each process known now.
    #[cfg(test)]
    pub fn identities(&self) -> Vec<(i32, u64)> {
        self.members.iter().map(|m| (m.pid, m.start)).collect()
    }
}

/// Add one member's cumulative counters to the sums: its own, and with the
/// tree those of its reaped children.
fn add_counts(
    s: &mut TreeSample,
    smp: &crate::probe::process::Sample,
    t: &TreeStat,
    children: bool,
    tick_s: f64,
) {
    s.minflt += smp.minflt;
    s.majflt += smp.majflt;
    s.utime_s += smp.utime_s;
    s.stime_s += smp.stime_s;
    if children {
        s.minflt += t.cminflt;
        s.majflt += t.cmajflt;
        s.utime_s += t.cutime_ticks as f64 * tick_s;
        s.stime_s += t.cstime_ticks as f64 * tick_s;
    }
}

/// /proc/PID/stat's tree fields, read once (open, read, close); `None` when
/// the process is gone.
fn read_tree_stat(pid: i32) -> Option<TreeStat> {
    let mut buf = [0u8; 1024];
    let text = read_small(&format!("/proc/{pid}/stat"), &mut buf).ok()?;
    parse_stat_tree(text).ok()
}

/// Is `pid` a process (the leader of its thread group), not a thread?
fn thread_group_leader(pid: i32) -> bool {
    let mut buf = [0u8; 4096];
    read_small(&format!("/proc/{pid}/status"), &mut buf)
        .ok()
        .and_then(|t| t.lines().find_map(|l| l.strip_prefix("Tgid:")))
        .and_then(|v| v.trim().parse::<i32>().ok())
        == Some(pid)
}

/// Read a small /proc file into `buf` (open, read, close).
fn read_small<'b>(path: &str, buf: &'b mut [u8]) -> std::io::Result<&'b str> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut n = 0;
    while n < buf.len() {
        let got = f.read(&mut buf[n..])?;
        if got == 0 {
            break;
        }
        n += got;
    }
    std::str::from_utf8(&buf[..n]).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn a_shell_and_its_children_are_one_tree() {
        let mut sh = Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30 & wait"])
            .spawn()
            .unwrap();
        let pid = sh.id() as i32;
        // Let the shell fork its two sleeps.
        let t0 = Instant::now();
        let mut tree = Tree::new(pid, Duration::from_millis(1), true, None).unwrap();
        while tree.known() < 3 && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
            tree.discover();
        }
        let s = tree.sample().unwrap().unwrap();
        assert_eq!(s.nprocs, 3, "{:?}", tree.identities());
        let ids = tree.identities();
        assert!(ids.iter().all(|(_, start)| *start > 0));
        let alone = Tree::new(pid, Duration::from_millis(1), false, None)
            .unwrap()
            .sample()
            .unwrap()
            .unwrap();
        assert_eq!(alone.nprocs, 1);
        assert!(s.rss_kib > alone.rss_kib);
        for (p, _) in ids {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(p),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        sh.wait().unwrap();
    }
}
