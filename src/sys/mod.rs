//! The only place in memlab that says `unsafe`.
//!
//! Everything that maps memory, forks, handles signals or pokes at an address
//! on purpose lives here, behind small safe wrappers. Each `unsafe` block has a
//! `// SAFETY:` line saying what makes it sound at that spot.

mod residency;
pub mod swapfile;
mod timing;
pub use timing::{
    ThreadUsage, affinity, pin_to_current_cpu, set_affinity, thread_usage, timer_overhead_ns,
};

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

mod poll;
pub mod reap;
pub use poll::Polled;

// ---------------------------------------------------------------------------
// Page size
// ---------------------------------------------------------------------------

/// The errno of the system call behind `e` (anywhere in its context chain),
/// for a forked child to pass to its parent as one word.
pub fn errno_of(e: &anyhow::Error) -> Option<i32> {
    e.chain()
        .find_map(|c| c.downcast_ref::<io::Error>())
        .and_then(|io| io.raw_os_error())
}

/// x86_64's PMD-level page: the size of a transparent huge page and of a
/// default hugetlbfs page (one page-table page of 512 entries maps as much).
pub const HUGE_PAGE_BYTES: u64 = 2 << 20;

/// The size of a base page on this host (4096 on x86_64).
pub fn page_size() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .map(|v| v as u64)
        .unwrap_or(4096)
}

// ---------------------------------------------------------------------------
// Signals: SIGINT / SIGTERM set a flag that every loop polls.
// ---------------------------------------------------------------------------

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// A pipe the handler writes one byte to (read end, write end; -1 until
/// installed). A flag alone has a gap: a signal that lands after a loop
/// looked at the flag and before it entered a blocking call is not seen
/// until that call returns on its own (a sleep of a whole interval, a wait
/// for a child). The byte stays in the pipe, so a blocking call that also
/// polls the pipe returns at once whenever the signal came.
static SIGNAL_PIPE: [AtomicI32; 2] = [AtomicI32::new(-1), AtomicI32::new(-1)];

/// The number of the last interrupting signal (0 before any).
static LAST_SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_interrupt(sig: libc::c_int) {
    LAST_SIGNAL.store(sig, Ordering::SeqCst);
    INTERRUPTED.store(true, Ordering::SeqCst);
    let w = SIGNAL_PIPE[1].load(Ordering::SeqCst);
    if w >= 0 {
        let byte = 1u8;
        // SAFETY: write(2) is async-signal-safe; the fd is non-blocking, so
        // a full pipe (already readable) just drops the byte.
        unsafe { libc::write(w, (&raw const byte).cast(), 1) };
    }
}

/// Install the SIGINT/SIGTERM handlers. No `SA_RESTART`: a blocking wait or
/// sleep returns `EINTR`, and `block_on` also watches the handler's pipe, so
/// the run notices within a fraction of a second.
pub fn install_interrupt_handlers() -> Result<()> {
    use std::os::fd::IntoRawFd;
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK)
        .context("creating the signal pipe")?;
    // Kept open for the life of the process.
    SIGNAL_PIPE[0].store(r.into_raw_fd(), Ordering::SeqCst);
    SIGNAL_PIPE[1].store(w.into_raw_fd(), Ordering::SeqCst);
    let action = SigAction::new(
        SigHandler::Handler(on_interrupt),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM] {
        // SAFETY: the handler only stores to an atomic and writes to a pipe,
        // both async-signal-safe.
        unsafe { signal::sigaction(sig, &action) }.context("installing signal handlers")?;
    }
    Ok(())
}

/// True once SIGINT or SIGTERM has arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Which signal interrupted the run (the last one, when several came).
pub fn interrupt_signal() -> Option<Signal> {
    Signal::try_from(LAST_SIGNAL.load(Ordering::SeqCst)).ok()
}

/// Why `block_on` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wake {
    Ready,
    Timeout,
    Interrupted,
}

/// Block until `fd` is readable (or hung up), `deadline` passes, or
/// SIGINT/SIGTERM arrives, whichever comes first.
fn block_on(fd: Option<RawFd>, deadline: Option<std::time::Instant>) -> Wake {
    loop {
        if interrupted() {
            return Wake::Interrupted;
        }
        let mut fds = Vec::with_capacity(2);
        if let Some(fd) = fd {
            fds.push(libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let sig = SIGNAL_PIPE[0].load(Ordering::SeqCst);
        if sig >= 0 {
            fds.push(libc::pollfd {
                fd: sig,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let ts = match deadline {
            Some(d) => {
                let now = std::time::Instant::now();
                if now >= d {
                    return Wake::Timeout;
                }
                let left = d - now;
                Some(libc::timespec {
                    tv_sec: left.as_secs() as libc::time_t,
                    tv_nsec: left.subsec_nanos() as libc::c_long,
                })
            }
            None => None,
        };
        let ts_ptr = ts.as_ref().map_or(std::ptr::null(), |t| t as *const _);
        // SAFETY: ppoll reads `fds.len()` pollfds from the live vector and
        // writes their revents; `ts_ptr` is null or points at a live
        // timespec; a null signal mask leaves the mask as it is.
        let r = unsafe {
            libc::ppoll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                ts_ptr,
                std::ptr::null(),
            )
        };
        if r < 0 {
            if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            // Let the caller's own call report the error.
            return Wake::Ready;
        }
        if interrupted() {
            return Wake::Interrupted;
        }
        if r == 0 {
            continue; // the deadline: the clock is checked at the top
        }
        if fd.is_some() && fds[0].revents != 0 {
            return Wake::Ready;
        }
        // The pipe is readable but this process was not interrupted: a byte
        // from a forked child's copy of the handler, in the instant before
        // it reset its signals. Drain it, or every poll would return at once.
        if sig >= 0 {
            let mut junk = [0u8; 64];
            // SAFETY: read(2) into a live stack buffer of that length; the
            // fd is non-blocking.
            while unsafe { libc::read(sig, junk.as_mut_ptr().cast(), junk.len()) } > 0 {}
        }
    }
}

/// Sleep until `deadline` (an absolute point, so sampling does not drift).
/// Returns early, with `false`, when the run is interrupted.
pub fn sleep_until(deadline: std::time::Instant) -> bool {
    block_on(None, Some(deadline)) == Wake::Timeout
}

// ---------------------------------------------------------------------------
// Memory regions
// ---------------------------------------------------------------------------

/// How a region is backed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    Private,
    Shared,
}

/// Huge-page advice for an anonymous region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HugeAdvice {
    /// `MADV_NOHUGEPAGE`: 4 KiB pages whatever the host's THP mode, so fault
    /// counts follow the document's reasoning.
    NoHuge,
    /// `MADV_HUGEPAGE`: ask for transparent huge pages.
    Huge,
    /// Leave the host's default.
    Default,
}

/// Options for [`Region::anon`] and [`Region::file`].
#[derive(Clone, Copy, Debug)]
pub struct MapOptions {
    pub sharing: Sharing,
    pub populate: bool,
    pub noreserve: bool,
    /// `MAP_HUGETLB`: pages from the hugetlbfs reserve.
    pub hugetlb: bool,
    pub read_only: bool,
}

impl Default for MapOptions {
    fn default() -> Self {
        Self {
            sharing: Sharing::Private,
            populate: false,
            noreserve: false,
            hugetlb: false,
            read_only: false,
        }
    }
}

/// A mapping owned by this process, unmapped on drop.
pub struct Region {
    ptr: NonNull<u8>,
    len: usize,
    /// False for a read-only mapping: safe writes through it are refused.
    writable: bool,
}

impl Region {
    /// Map `len` bytes of anonymous memory.
    pub fn anon(len: u64, opts: MapOptions) -> Result<Region> {
        Self::map(len, opts, None, 0)
    }

    /// Map `len` bytes of the file `fd` from `offset`.
    pub fn file(len: u64, opts: MapOptions, fd: BorrowedFd<'_>, offset: u64) -> Result<Region> {
        Self::map(len, opts, Some(fd.as_raw_fd()), offset)
    }

    fn map(len: u64, opts: MapOptions, fd: Option<RawFd>, offset: u64) -> Result<Region> {
        let len_usize = usize::try_from(len).context("size does not fit in the address space")?;
        if len_usize == 0 {
            bail!("cannot map 0 bytes");
        }
        let mut flags = match opts.sharing {
            Sharing::Private => libc::MAP_PRIVATE,
            Sharing::Shared => libc::MAP_SHARED,
        };
        if fd.is_none() {
            flags |= libc::MAP_ANONYMOUS;
        }
        if opts.populate {
            flags |= libc::MAP_POPULATE;
        }
        if opts.noreserve {
            flags |= libc::MAP_NORESERVE;
        }
        if opts.hugetlb {
            flags |= libc::MAP_HUGETLB;
        }
        let prot = if opts.read_only {
            libc::PROT_READ
        } else {
            libc::PROT_READ | libc::PROT_WRITE
        };
        // SAFETY: a fresh mapping chosen by the kernel (addr NULL) cannot alias
        // any Rust object; the result is checked for MAP_FAILED.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len_usize,
                prot,
                flags,
                fd.unwrap_or(-1),
                offset as libc::off_t,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error())
                .context(format!("mmap of {}", crate::units::human_bytes(len)));
        }
        Ok(Region {
            ptr: NonNull::new(p as *mut u8).context("mmap returned NULL")?,
            len: len_usize,
            writable: !opts.read_only,
        })
    }

    /// The start address the kernel chose.
    pub fn addr(&self) -> u64 {
        self.ptr.as_ptr() as u64
    }

    pub fn len(&self) -> u64 {
        self.len as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Apply huge-page advice to the whole region. A kernel built without
    /// transparent huge pages refuses both advices with EINVAL: there
    /// `NoHuge` is what the region gets anyway (fine), and `Huge` is an
    /// error that says so.
    pub fn advise_huge(&self, advice: HugeAdvice) -> Result<()> {
        let (adv, what) = match advice {
            HugeAdvice::NoHuge => (libc::MADV_NOHUGEPAGE, "madvise(MADV_NOHUGEPAGE)"),
            HugeAdvice::Huge => (libc::MADV_HUGEPAGE, "madvise(MADV_HUGEPAGE)"),
            HugeAdvice::Default => return Ok(()),
        };
        let thp_built_in = std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists();
        match self.advise_keeping_contents(adv, what) {
            Err(e) if !thp_built_in && errno_of(&e) == Some(libc::EINVAL) => match advice {
                HugeAdvice::NoHuge => Ok(()),
                _ => Err(e.context("this kernel has no transparent huge pages")),
            },
            other => other,
        }
    }

    /// `MADV_RANDOM`: the kernel stops reading around a faulting page of
    /// this file mapping, so every page not in the cache costs its own read
    /// (and its own major fault).
    pub fn advise_random(&self) -> Result<()> {
        self.advise_keeping_contents(libc::MADV_RANDOM, "madvise(MADV_RANDOM)")
    }

    /// madvise over the whole mapping, for advice that only changes policy
    /// (huge pages, read-ahead), never contents: not MADV_DONTNEED/FREE.
    fn advise_keeping_contents(&self, adv: libc::c_int, what: &'static str) -> Result<()> {
        // SAFETY: the range is exactly this live mapping; the callers pass
        // only advice that changes no contents.
        let r = unsafe { libc::madvise(self.ptr.as_ptr() as *mut libc::c_void, self.len, adv) };
        if r != 0 {
            return Err(io::Error::last_os_error()).context(what);
        }
        Ok(())
    }

    /// Write one byte in every `stride`-byte step of `[from, to)` (offsets in
    /// the region), so each page is touched once. The write is volatile so the
    /// compiler keeps every store: the page fault is what is measured.
    pub fn write_range(&self, from: u64, to: u64, stride: u64, value: u8) {
        let to = to.min(self.len as u64);
        let mut off = from;
        while off < to {
            // SAFETY: off < len, so the byte lies inside this live, writable mapping.
            unsafe { std::ptr::write_volatile(self.ptr.as_ptr().add(off as usize), value) };
            off += stride;
        }
    }

    /// `write_range` in slices of a few MiB, stopping at SIGINT/SIGTERM.
    /// Returns false when interrupted (the rest is left untouched).
    pub fn write_range_interruptibly(&self, from: u64, to: u64, stride: u64, value: u8) -> bool {
        const SLICE: u64 = 4 << 20;
        let to = to.min(self.len as u64);
        let mut off = from;
        while off < to {
            if interrupted() {
                return false;
            }
            let end = off.saturating_add(SLICE.max(stride)).min(to);
            self.write_range(off, end, stride, value);
            // The next slice starts on the stride grid of this one.
            off += (end - off).div_ceil(stride) * stride;
        }
        !interrupted()
    }

    /// Read one byte in every `stride`-byte step of `[from, to)`; returns their
    /// sum so the reads cannot be optimised away.
    pub fn read_range(&self, from: u64, to: u64, stride: u64) -> u64 {
        let to = to.min(self.len as u64);
        let mut off = from;
        let mut sum = 0u64;
        while off < to {
            // SAFETY: off < len, so the byte lies inside this live, readable mapping.
            sum += unsafe { std::ptr::read_volatile(self.ptr.as_ptr().add(off as usize)) } as u64;
            off += stride;
        }
        sum
    }

    /// Copy `data` into the region at `offset`.
    pub fn write_bytes(&self, offset: u64, data: &[u8]) {
        let end = (offset as usize).saturating_add(data.len());
        assert!(end <= self.len, "write past the end of the region");
        // SAFETY: the destination range was just checked to lie inside this
        // writable mapping, and it cannot overlap `data`, which is Rust memory.
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr(),
                self.ptr.as_ptr().add(offset as usize),
                data.len(),
            )
        };
    }

    /// Read `n` bytes at `offset`.
    pub fn read_bytes(&self, offset: u64, n: usize) -> Vec<u8> {
        let end = (offset as usize).saturating_add(n);
        assert!(end <= self.len, "read past the end of the region");
        let mut out = vec![0u8; n];
        // SAFETY: the source range lies inside this readable mapping (checked above).
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.ptr.as_ptr().add(offset as usize),
                out.as_mut_ptr(),
                n,
            )
        };
        out
    }

    /// `msync(MS_SYNC)`: write a shared file mapping back to its file.
    pub fn sync(&self) -> Result<()> {
        // SAFETY: the range is exactly this live mapping.
        let r = unsafe {
            libc::msync(
                self.ptr.as_ptr() as *mut libc::c_void,
                self.len,
                libc::MS_SYNC,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error()).context("msync");
        }
        Ok(())
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: this mapping is owned by the Region and no reference into it
        // outlives it (all accessors copy data out).
        unsafe { libc::munmap(self.ptr.as_ptr() as *mut libc::c_void, self.len) };
    }
}

/// Map one page with no access rights after it has been unmapped: returns an
/// address that is guaranteed not to be mapped (an "unmapped hole").
pub fn unmapped_address() -> Result<u64> {
    let r = Region::anon(page_size(), MapOptions::default())?;
    let addr = r.addr();
    drop(r);
    Ok(addr)
}

// ---------------------------------------------------------------------------
// Deliberate invalid accesses (segv)
// ---------------------------------------------------------------------------

/// Set in every child [`fork_child`] makes, right after the fork.
static IN_CHILD: AtomicBool = AtomicBool::new(false);

/// In a throwaway child (segv): write one byte to `addr` with a plain CPU
/// store, to die of the fault. The compiler never sees a pointer, so it
/// cannot turn the store into a trap or a debug-build panic: whatever happens
/// next is the hardware's and the kernel's business. Refuses (panics) in
/// memlab's own process, which must never scribble on an address it was given.
pub fn store_byte_in_child(addr: u64) {
    assert!(
        IN_CHILD.load(Ordering::SeqCst),
        "store_byte_in_child outside a forked child"
    );
    // SAFETY: only a forked child gets here (checked above), and the segv
    // experiment forks that child only to take this fault; if the address
    // happens to be writable the byte lands in the child's own copy.
    unsafe { store_byte_at(addr) }
}

/// The raw store behind [`store_byte_in_child`].
///
/// # Safety
/// Only in a child process that exists to die of the fault.
unsafe fn store_byte_at(addr: u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the caller is a throwaway child; the store faults by design.
    unsafe {
        std::arch::asm!("mov byte ptr [{0}], 1", in(reg) addr, options(nostack));
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: the caller is a throwaway child; the store faults by design.
    unsafe {
        std::arch::asm!("strb wzr, [{0}]", in(reg) addr, options(nostack));
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    // SAFETY: the caller is a throwaway child; the store faults by design.
    unsafe {
        std::ptr::write_volatile(addr as *mut u8, 1)
    };
}

static FAULT_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    let fd = FAULT_FD.load(Ordering::SeqCst);
    // SAFETY: the kernel hands a valid siginfo to an SA_SIGINFO handler.
    let (code, addr) = unsafe { ((*info).si_code, (*info).si_addr() as u64) };
    let mut buf = [0u8; 20];
    buf[0..4].copy_from_slice(&sig.to_ne_bytes());
    buf[4..8].copy_from_slice(&code.to_ne_bytes());
    buf[8..16].copy_from_slice(&addr.to_ne_bytes());
    // SAFETY: write(2) and signal(2) are async-signal-safe. Restoring the
    // default action and returning re-runs the faulting store, so the process
    // really dies of the signal (the parent sees it in waitpid).
    unsafe {
        libc::write(fd, buf.as_ptr() as *const libc::c_void, 16);
        libc::signal(sig, libc::SIG_DFL);
    }
}

/// In a child about to fault: report the fault's `si_code` and `si_addr` on
/// `fd` (16 bytes: signal, code, address) before dying of the signal.
pub fn report_fault_on(fd: RawFd) -> Result<()> {
    FAULT_FD.store(fd, Ordering::SeqCst);
    let action = SigAction::new(
        SigHandler::SigAction(on_fault),
        SaFlags::SA_SIGINFO | SaFlags::SA_RESETHAND,
        SigSet::empty(),
    );
    for sig in [Signal::SIGSEGV, Signal::SIGBUS, Signal::SIGILL] {
        // SAFETY: the handler only uses async-signal-safe calls (see on_fault).
        unsafe { signal::sigaction(sig, &action) }.context("installing fault handler")?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------

/// Write all of `data` to `fd` straight through write(2) (no stdio buffer:
/// a line written before a crash is never lost).
pub fn write_fd(fd: BorrowedFd<'_>, data: &[u8]) -> io::Result<()> {
    let mut rest = data;
    while !rest.is_empty() {
        match nix::unistd::write(fd, rest) {
            Ok(n) => rest = &rest[n..],
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// A child process, killed (SIGKILL) and reaped when dropped unless it was
/// already reaped: no child ever outlives memlab's handling of it.
pub struct Child {
    pid: Pid,
    reaped: bool,
    fork_time: Duration,
}

/// How a child ended, with its resource usage from `wait4`.
#[derive(Clone, Debug)]
pub struct ChildExit {
    pub exit_code: Option<i32>,
    pub signal: Option<Signal>,
    pub core_dumped: bool,
    pub rusage_minflt: u64,
    pub rusage_majflt: u64,
    pub rusage_maxrss_kib: u64,
}

impl Child {
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// How long the `fork(2)` call itself took in the parent (from just
    /// before the call to its return; memlab's own checks excluded).
    pub fn fork_time(&self) -> Duration {
        self.fork_time
    }

    /// Wait for the child to end, collecting its rusage (`wait4`). Returns
    /// `Ok(None)` when interrupted by SIGINT/SIGTERM (the child is then killed
    /// and reaped on drop).
    pub fn wait(&mut self) -> Result<Option<ChildExit>> {
        // Wait for the child's exit and the signal pipe at once (a pidfd is
        // readable once the process has ended; Linux 5.3+). Without a pidfd,
        // wait4 alone still returns on EINTR.
        if !self.reaped
            && let Some(pidfd) = pidfd_open(self.pid)
            && block_on(Some(pidfd.as_raw_fd()), None) == Wake::Interrupted
        {
            return Ok(None);
        }
        loop {
            if interrupted() {
                return Ok(None);
            }
            let mut status: libc::c_int = 0;
            // SAFETY: zeroed rusage is a valid value for wait4 to overwrite.
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: wait4 writes only into the two out-parameters given.
            let r = unsafe { libc::wait4(self.pid.as_raw(), &mut status, 0, &mut ru) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return Err(e).context(format!("waiting for child {}", self.pid));
            }
            self.reaped = true;
            let exit = exit_of(status, &ru);
            // Ctrl-C reaches the whole process group: a child that died of
            // the user's signal is not a result of the experiment.
            if interrupted() && matches!(exit.signal, Some(Signal::SIGINT | Signal::SIGTERM)) {
                return Ok(None);
            }
            return Ok(Some(exit));
        }
    }

    /// True while the child has not exited (without reaping it).
    pub fn is_running(&self) -> bool {
        if self.reaped {
            return false;
        }
        let mut info: libc::siginfo_t = unsafe_zeroed_siginfo();
        // SAFETY: waitid with WNOWAIT|WNOHANG only inspects the child's state.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                self.pid.as_raw() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: si_pid is valid to read after waitid filled (or zeroed) info.
        r == 0 && unsafe { info.si_pid() } == 0
    }

    /// Ask the child to stop (SIGTERM), give it `grace` to write what it has,
    /// then SIGKILL it. Reaps it either way and returns how it ended.
    pub fn stop(&mut self, grace: Duration) -> Option<ChildExit> {
        if self.reaped {
            return None;
        }
        let _ = signal::kill(self.pid, Signal::SIGTERM);
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            let mut status: libc::c_int = 0;
            // SAFETY: zeroed rusage is a valid value for wait4 to overwrite.
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: wait4 writes only into the two out-parameters given.
            let r = unsafe { libc::wait4(self.pid.as_raw(), &mut status, libc::WNOHANG, &mut ru) };
            if r == self.pid.as_raw() {
                self.reaped = true;
                return Some(exit_of(status, &ru));
            }
            if r < 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill();
        None
    }

    /// Kill (SIGKILL) and reap now.
    pub fn kill(&mut self) {
        if !self.reaped {
            let _ = signal::kill(self.pid, Signal::SIGKILL);
            loop {
                match waitpid(self.pid, Some(WaitPidFlag::__WALL)) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    Ok(WaitStatus::StillAlive) => continue,
                    _ => break,
                }
            }
            self.reaped = true;
        }
    }
}

/// A wait status and its rusage as a [`ChildExit`].
fn exit_of(status: libc::c_int, ru: &libc::rusage) -> ChildExit {
    let signal = if libc::WIFSIGNALED(status) {
        Signal::try_from(libc::WTERMSIG(status)).ok()
    } else {
        None
    };
    ChildExit {
        exit_code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal,
        core_dumped: libc::WIFSIGNALED(status) && libc::WCOREDUMP(status),
        rusage_minflt: ru.ru_minflt as u64,
        rusage_majflt: ru.ru_majflt as u64,
        rusage_maxrss_kib: ru.ru_maxrss as u64,
    }
}

/// A pidfd for `pid` (readable once it has ended), or None on kernels
/// without pidfd_open.
fn pidfd_open(pid: Pid) -> Option<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    // SAFETY: a non-negative result is a new fd that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

fn unsafe_zeroed_siginfo() -> libc::siginfo_t {
    // SAFETY: siginfo_t is a plain C struct for which all-zero is valid.
    unsafe { std::mem::zeroed() }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill();
    }
}

/// In a child made by `fork_child` that never faults on purpose: make it
/// dumpable again so that its parent, running as the same ordinary user, may
/// still open its /proc/PID files where /proc is mounted with `hidepid`
/// (there the kernel shows a process's folder only to readers allowed to
/// ptrace-read it, and a non-dumpable process allows none but root).
/// RLIMIT_CORE stays 0, so a crash still writes no core file.
pub fn let_parent_read_my_proc() {
    // SAFETY: prctl with these constant arguments only changes this
    // process's own dumpable flag.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0) };
}

/// Fork a child that runs `body` and `_exit`s with its return value.
///
/// The child dies with its parent (`PR_SET_PDEATHSIG`), never dumps core
/// (`PR_SET_DUMPABLE 0`, `RLIMIT_CORE 0`, which also stops piped core
/// handlers), and takes SIGINT/SIGTERM with the default action. Must be called
/// while memlab is single-threaded (checked).
pub fn fork_child<F: FnOnce() -> i32>(body: F) -> Result<Child> {
    ensure_single_threaded()?;
    let parent = nix::unistd::getpid();
    let t0 = std::time::Instant::now();
    // SAFETY: memlab is single-threaded here (checked above), so the child
    // inherits no lock held by another thread; it runs `body` and `_exit`s.
    let forked = unsafe { nix::unistd::fork() };
    let fork_time = t0.elapsed();
    match forked.context("fork")? {
        nix::unistd::ForkResult::Parent { child } => Ok(Child {
            pid: child,
            reaped: false,
            fork_time,
        }),
        nix::unistd::ForkResult::Child => {
            child_setup(parent);
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(101);
            // SAFETY: _exit ends the child without running the parent's
            // atexit handlers or flushing its copied stdio buffers.
            unsafe { libc::_exit(code) }
        }
    }
}

/// What every child does first.
fn child_setup(parent: Pid) {
    IN_CHILD.store(true, Ordering::SeqCst);
    // SAFETY: prctl/setrlimit/signal with these constant arguments, and
    // close of this process's copies of the signal pipe, only change this
    // (child) process's own attributes.
    unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        );
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &zero);
        // The child takes SIGINT/SIGTERM with the default action and has no
        // handler: it must not watch the parent's signal pipe either (the
        // parent's signals would make it readable here too).
        for end in &SIGNAL_PIPE {
            let fd = end.swap(-1, Ordering::SeqCst);
            if fd >= 0 {
                libc::close(fd);
            }
        }
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // The parent may have died between fork and prctl.
    if nix::unistd::getppid() != parent {
        // SAFETY: leaving at once is the right thing for an orphaned child.
        unsafe { libc::_exit(1) };
    }
}

/// The calling process's thread count, from /proc/self/status.
fn ensure_single_threaded() -> Result<()> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(1);
    if threads > 1 {
        bail!("internal error: fork requested while memlab runs {threads} threads");
    }
    Ok(())
}

/// In a child about to exec: send its stdout to /dev/null and its stderr to
/// `stderr_to`.
pub fn redirect_output(stderr_to: RawFd) -> Result<()> {
    let null = nix::fcntl::open(
        "/dev/null",
        nix::fcntl::OFlag::O_WRONLY,
        nix::sys::stat::Mode::empty(),
    )
    .context("opening /dev/null")?;
    nix::unistd::dup2(null, 1).context("dup2")?;
    nix::unistd::dup2(stderr_to, 2).context("dup2")?;
    let _ = nix::unistd::close(null);
    Ok(())
}

/// Replace the child's program with `argv` (for `watch -- CMD`).
pub fn exec(argv: &[std::ffi::CString]) -> nix::errno::Errno {
    match nix::unistd::execvp(&argv[0], argv) {
        Err(e) => e,
        Ok(never) => match never {},
    }
}

// ---------------------------------------------------------------------------
// Pipes between parent and child
// ---------------------------------------------------------------------------

/// One end of a pipe used to step parent and child through the stages of an
/// experiment. Messages are fixed-size arrays of `u64`.
pub struct Chan {
    fd: OwnedFd,
}

/// A pipe: (read end, write end).
pub fn chan() -> Result<(Chan, Chan)> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("pipe")?;
    Ok((Chan { fd: r }, Chan { fd: w }))
}

impl Chan {
    pub fn fd(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.fd.as_fd()
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    pub fn send(&self, words: &[u64]) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(words.len() * 8);
        for w in words {
            bytes.extend_from_slice(&w.to_ne_bytes());
        }
        write_fd(self.fd(), &bytes)
    }

    /// Read exactly `n` words. `Ok(None)` when the other end closed first, or
    /// when memlab is interrupted while waiting.
    pub fn recv(&self, n: usize) -> io::Result<Option<Vec<u64>>> {
        let bytes = match self.recv_bytes(n * 8)? {
            Some(b) => b,
            None => return Ok(None),
        };
        Ok(Some(
            bytes
                .chunks_exact(8)
                .map(|c| u64::from_ne_bytes(c.try_into().expect("8-byte chunk")))
                .collect(),
        ))
    }

    /// Read exactly `n` bytes (see [`Chan::recv`]).
    pub fn recv_bytes(&self, n: usize) -> io::Result<Option<Vec<u8>>> {
        let mut buf = vec![0u8; n];
        let mut got = 0;
        while got < n {
            if block_on(Some(self.fd.as_raw_fd()), None) == Wake::Interrupted {
                return Ok(None);
            }
            match nix::unistd::read(self.fd.as_raw_fd(), &mut buf[got..]) {
                Ok(0) => return Ok(None),
                Ok(k) => got += k,
                Err(nix::errno::Errno::EINTR) => {
                    if interrupted() {
                        return Ok(None);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Some(buf))
    }

    /// Read everything until the other end closes (or interruption).
    pub fn read_to_end(&self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            if block_on(Some(self.fd.as_raw_fd()), None) == Wake::Interrupted {
                return Ok(out);
            }
            match nix::unistd::read(self.fd.as_raw_fd(), &mut buf) {
                Ok(0) => return Ok(out),
                Ok(k) => out.extend_from_slice(&buf[..k]),
                Err(nix::errno::Errno::EINTR) => {
                    if interrupted() {
                        return Ok(out);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Small wrappers
// ---------------------------------------------------------------------------

/// Minor and major faults of the calling process, from `getrusage(RUSAGE_SELF)`.
pub fn rusage_self_faults() -> (u64, u64) {
    match nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF) {
        Ok(ru) => (ru.minor_page_faults() as u64, ru.major_page_faults() as u64),
        Err(_) => (0, 0),
    }
}

/// Turn address-space randomisation off for this process and what it execs
/// (`personality(ADDR_NO_RANDOMIZE)`).
pub fn disable_aslr() -> Result<()> {
    use nix::sys::personality::{self, Persona};
    let cur = personality::get().context("personality")?;
    personality::set(cur | Persona::ADDR_NO_RANDOMIZE).context("personality")?;
    Ok(())
}

/// glibc's `malloc`, called directly (not Rust's allocator), so what the
/// document says about glibc is what is measured.
pub fn c_malloc(n: usize) -> Option<NonNull<u8>> {
    // SAFETY: malloc may be called with any size; NULL is handled by NonNull::new.
    NonNull::new(unsafe { libc::malloc(n) } as *mut u8)
}

/// Fill `n` bytes at `p` (from [`c_malloc`]) so its pages are touched.
pub fn c_fill(p: NonNull<u8>, n: usize, value: u8) {
    // SAFETY: `p` came from malloc(n) and has not been freed by the caller.
    unsafe { std::ptr::write_bytes(p.as_ptr(), value, n) };
}

/// glibc's `free`.
pub fn c_free(p: NonNull<u8>) {
    // SAFETY: `p` came from c_malloc and is freed once by the caller.
    unsafe { libc::free(p.as_ptr() as *mut libc::c_void) };
}

/// `mallinfo2()` figures: (arena bytes from brk, bytes in mmapped chunks,
/// bytes in use by the program).
#[cfg(target_env = "gnu")]
pub fn mallinfo() -> Option<(u64, u64, u64)> {
    // SAFETY: mallinfo2 takes no arguments and returns a plain struct.
    let mi = unsafe { libc::mallinfo2() };
    Some((mi.arena as u64, mi.hblkhd as u64, mi.uordblks as u64))
}

#[cfg(not(target_env = "gnu"))]
pub fn mallinfo() -> Option<(u64, u64, u64)> {
    None
}

/// Fix glibc's mmap threshold at `bytes` (`mallopt(M_MMAP_THRESHOLD)`).
/// glibc raises its threshold each time a mapped chunk is freed, so in a
/// process that already did other work (memlab all) a large block could
/// land in the pool; a threshold set this way stays put. Only this
/// process's allocator changes. False when glibc refuses.
#[cfg(target_env = "gnu")]
pub fn pin_mmap_threshold(bytes: u64) -> bool {
    let Ok(v) = libc::c_int::try_from(bytes) else {
        return false;
    };
    // SAFETY: mallopt takes two integers and only changes malloc's settings.
    unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, v) == 1 }
}

#[cfg(not(target_env = "gnu"))]
pub fn pin_mmap_threshold(_bytes: u64) -> bool {
    false
}

/// `posix_fadvise(POSIX_FADV_DONTNEED)` on a whole file: drop its clean pages
/// from the page cache (this file only; no global setting is touched).
pub fn fadvise_dontneed(fd: BorrowedFd<'_>) -> Result<()> {
    nix::fcntl::posix_fadvise(
        fd.as_raw_fd(),
        0,
        0,
        nix::fcntl::PosixFadviseAdvice::POSIX_FADV_DONTNEED,
    )
    .context("posix_fadvise(DONTNEED)")?;
    Ok(())
}
