//! Timed single accesses, for `memlab faults`: one load or store between two
//! reads of the monotonic clock, so each page fault is timed on its own; and
//! the per-thread counters and CPU pinning that keep anything else from
//! faulting or moving inside the timed loop.

use std::io;
use std::sync::atomic::{Ordering, compiler_fence};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::{HugeAdvice, MapOptions, Region};

/// `getrusage(RUSAGE_THREAD)`: this thread's own counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadUsage {
    pub minflt: u64,
    pub majflt: u64,
    /// Involuntary context switches: the thread was preempted.
    pub nivcsw: u64,
}

/// This thread's fault and preemption counters.
pub fn thread_usage() -> ThreadUsage {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one rusage struct into the buffer we own; on
    // failure it is left zeroed, which is a valid rusage.
    let r = unsafe { libc::getrusage(libc::RUSAGE_THREAD, ru.as_mut_ptr()) };
    if r != 0 {
        return ThreadUsage::default();
    }
    // SAFETY: zero-initialised and (on success) filled in by the kernel.
    let ru = unsafe { ru.assume_init() };
    ThreadUsage {
        minflt: ru.ru_minflt as u64,
        majflt: ru.ru_majflt as u64,
        nivcsw: ru.ru_nivcsw as u64,
    }
}

/// Pin the calling thread to the CPU it runs on now; returns that CPU.
pub fn pin_to_current_cpu() -> Result<usize> {
    // SAFETY: sched_getcpu takes no arguments.
    let cpu = unsafe { libc::sched_getcpu() };
    if cpu < 0 {
        return Err(io::Error::last_os_error()).context("sched_getcpu");
    }
    let cpu = cpu as usize;
    let mut set = nix::sched::CpuSet::new();
    set.set(cpu)
        .with_context(|| crate::i18n::tr("err.sys.cpu", &[("cpu", &cpu.to_string())]))?;
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set)
        .context("sched_setaffinity")?;
    Ok(cpu)
}

/// The CPUs this thread may run on.
pub fn affinity() -> Option<nix::sched::CpuSet> {
    nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0)).ok()
}

/// Restore an affinity saved with [`affinity`].
pub fn set_affinity(set: &nix::sched::CpuSet) {
    let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), set);
}

/// The cost of one clock read in ns: the median gap between back-to-back
/// reads of the monotonic clock over `samples` pairs.
pub fn timer_overhead_ns(samples: usize) -> u64 {
    let mut gaps = vec![0u64; samples.max(1)];
    for g in gaps.iter_mut() {
        let a = Instant::now();
        let b = Instant::now();
        *g = b.duration_since(a).as_nanos() as u64;
    }
    gaps.sort_unstable();
    gaps[gaps.len() / 2]
}

impl Region {
    /// Map `len` bytes of private anonymous memory starting on an `align`
    /// boundary (a power of two), with huge-page advice: the head and tail
    /// of a larger mapping are unmapped so that a 2 MiB-aligned region can
    /// hold huge pages from its first byte.
    pub fn anon_aligned(len: u64, align: u64, advice: HugeAdvice) -> Result<Region> {
        if !align.is_power_of_two() || len == 0 {
            bail!(crate::i18n::tr(
                "err.sys.alignment",
                &[("align", &align.to_string()), ("len", &len.to_string())]
            ));
        }
        let big = Region::anon(len + align, MapOptions::default())?;
        let start = big.addr();
        let aligned = start.next_multiple_of(align);
        let head = aligned - start;
        let tail = (start + big.len()) - (aligned + len);
        let total = big.len() as usize;
        let base = big.ptr;
        // The pieces are unmapped here; the Region for the middle takes over.
        std::mem::forget(big);
        // SAFETY: [start, start+head) and [aligned+len, start+total) lie
        // inside the mapping just made, which no Rust object refers to (the
        // Region that owned it was forgotten, not dropped).
        unsafe {
            if head > 0 {
                libc::munmap(base.as_ptr() as *mut libc::c_void, head as usize);
            }
            if tail > 0 {
                libc::munmap(
                    base.as_ptr().add(total - tail as usize) as *mut libc::c_void,
                    tail as usize,
                );
            }
        }
        let region = Region {
            // SAFETY: aligned lies within the original (non-null) mapping.
            ptr: unsafe { std::ptr::NonNull::new_unchecked(base.as_ptr().add(head as usize)) },
            len: len as usize,
            writable: true,
        };
        region.advise_huge(advice)?;
        Ok(region)
    }

    /// `MADV_PAGEOUT` (Linux 5.4+): ask the kernel to reclaim this region's
    /// pages now (anonymous pages go to swap). Contents are kept.
    pub fn page_out(&self) -> Result<()> {
        const MADV_PAGEOUT: libc::c_int = 21;
        // SAFETY: the range is exactly this live mapping; MADV_PAGEOUT keeps
        // its contents (they come back from swap on the next access).
        let r = unsafe {
            libc::madvise(
                self.ptr.as_ptr() as *mut libc::c_void,
                self.len,
                MADV_PAGEOUT,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error()).context("madvise(MADV_PAGEOUT)");
        }
        Ok(())
    }

    /// Time one access at each offset of `offsets` into `out` (ns each,
    /// between two clock reads around a single volatile load or store).
    /// `out` must be as long as `offsets` and already written by the caller,
    /// so that storing a timing cannot fault inside the loop. Offsets past
    /// the end are skipped (their timing left as it was).
    pub fn time_accesses(&self, offsets: &[u64], write: bool, out: &mut [u64]) {
        for (o, slot) in offsets.iter().zip(out.iter_mut()) {
            if *o >= self.len as u64 {
                continue;
            }
            *slot = self.time_one(*o, write);
        }
    }

    /// Time one load (or store) at `offset`, in ns.
    #[inline(never)]
    pub fn time_one(&self, offset: u64, write: bool) -> u64 {
        let off = (offset as usize).min(self.len - 1);
        // SAFETY: off < len, so the byte lies inside this live mapping, which
        // is writable unless mapped read-only (then only loads are asked for:
        // a store is refused below).
        let p = unsafe { self.ptr.as_ptr().add(off) };
        let write = write && self.writable;
        let t0 = Instant::now();
        compiler_fence(Ordering::SeqCst);
        if write {
            // SAFETY: see above; the region is writable.
            unsafe { std::ptr::write_volatile(p, 0x5a) };
        } else {
            // SAFETY: see above; any mapped byte can be read.
            let _ = unsafe { std::ptr::read_volatile(p) };
        }
        compiler_fence(Ordering::SeqCst);
        let t1 = Instant::now();
        t1.duration_since(t0).as_nanos() as u64
    }
}
