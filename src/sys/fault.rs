//! Deliberate invalid accesses (segv): only a forked child that exists to
//! die of the fault may make them.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use anyhow::{Context, Result};
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};

/// Set in every child [`fork_child`] makes, right after the fork.
pub(super) static IN_CHILD: AtomicBool = AtomicBool::new(false);

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
        unsafe { signal::sigaction(sig, &action) }
            .with_context(|| crate::i18n::tr("err.sys.signal_handlers", &[]))?;
    }
    Ok(())
}
