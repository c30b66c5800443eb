//! The only place in memlab that says `unsafe`.
//!
//! Everything that maps memory, forks, handles signals or pokes at an address
//! on purpose lives here, behind small safe wrappers. Each `unsafe` block has a
//! `// SAFETY:` line saying what makes it sound at that spot.
//!
//! One file per facility: `signals` (the interrupt flag and the waits that
//! watch it), `region` (mappings), `fault` (deliberate bad stores, children
//! only), `child` (fork, wait, kill), `chan` (pipes, and writes a signal can
//! end), `glibc` (malloc called directly), `limits` (memlab's own limits
//! and standard descriptors), `alloc` (the global allocator), `timing`,
//! `poll`, `residency`, and `hook` (test-only pauses). Every public item is
//! re-exported here, so callers say `sys::NAME`.

// The one module allowed to say `unsafe` (the crate root denies it).
#![allow(unsafe_code)]

mod alloc;
mod chan;
mod child;
mod fault;
mod glibc;
mod hook;
mod limits;
mod poll;
pub mod reap;
mod region;
mod residency;
mod signals;
pub mod swapfile;
mod timing;

pub use chan::{Chan, chan, dup_fd, write_fd, write_fd_raw};
pub use child::{Child, ChildExit, exec, fork_child, let_parent_read_my_proc, redirect_output};
pub use fault::{report_fault_on, store_byte_in_child};
pub use glibc::{c_fill, c_free, c_malloc, mallinfo, pin_mmap_threshold};
pub use hook::hook;
pub use limits::{
    MIN_AS_BYTES, MIN_STACK_BYTES, check_own_limits, no_core_for_memlab, print_raw_stderr,
    reopen_closed_std_fds, restore_inherited_limits, std_fd_was_closed,
};
pub use poll::Polled;
pub use region::{HugeAdvice, MapOptions, Region, Sharing, unmapped_address};
pub use signals::{
    INTERRUPTING, install_interrupt_handlers, interrupt_signal, interrupted, sleep_until,
};
// For reap and swapfile, which use them directly.
use child::exit_of;
use signals::on_interrupt;
pub use timing::{
    ThreadUsage, affinity, pin_to_current_cpu, set_affinity, thread_usage, timer_overhead_ns,
};

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use anyhow::{Context, Result};

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
