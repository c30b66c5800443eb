//! glibc's allocator, called directly, so what the document says about
//! glibc is what is measured.

use std::ptr::NonNull;

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
