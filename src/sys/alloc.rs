//! memlab's global allocator: the system allocator, except that a failed
//! allocation (an inherited `ulimit -v`, a cgroup at its limit) prints one
//! line and ends memlab with status 1 instead of aborting the Rust runtime
//! (status 134, a core file). Memory an experiment allocates on purpose
//! goes through glibc or mmap directly and never reaches this.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct OneLineOnFailure;

fn out_of_memory() -> ! {
    // The catalogue's own static text: nothing is formatted on the heap.
    let line = crate::i18n::lookup("err.out_of_memory").map_or(
        "memlab: error: out of memory for memlab itself",
        |m| {
            if crate::i18n::current().is_ja() {
                m.ja
            } else {
                m.en
            }
        },
    );
    super::limits::print_raw_stderr(line);
    super::limits::print_raw_stderr("\n");
    // SAFETY: _exit ends the process at once; nothing can be allocated to
    // unwind or run destructors cleanly here.
    unsafe { libc::_exit(1) }
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged and returns its result; the only change is that a null result
// ends the process instead of being returned.
unsafe impl GlobalAlloc for OneLineOnFailure {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory();
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc_zeroed` is passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory();
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory();
        }
        p
    }
}

#[global_allocator]
static GLOBAL: OneLineOnFailure = OneLineOnFailure;
