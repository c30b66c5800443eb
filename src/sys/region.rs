//! Memory regions: anonymous and file mappings owned by memlab, unmapped on
//! drop, touched and read through safe calls.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::ptr::NonNull;

use super::signals::interrupted;
use super::{errno_of, page_size};
use anyhow::{Context, Result, bail};

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
    pub(super) ptr: NonNull<u8>,
    pub(super) len: usize,
    /// False for a read-only mapping: safe writes through it are refused.
    pub(super) writable: bool,
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
        let len_usize =
            usize::try_from(len).with_context(|| crate::i18n::tr("err.sys.address_space", &[]))?;
        if len_usize == 0 {
            bail!(crate::i18n::tr("err.sys.map_zero", &[]));
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
            return Err(io::Error::last_os_error()).with_context(|| {
                crate::i18n::tr(
                    "err.sys.mmap_of",
                    &[("size", &crate::units::human_bytes(len))],
                )
            });
        }
        Ok(Region {
            ptr: NonNull::new(p as *mut u8)
                .with_context(|| crate::i18n::tr("err.sys.mmap_null", &[]))?,
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
                _ => Err(e.context(crate::i18n::tr("err.sys.no_thp", &[]))),
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

    /// What `MAP_POPULATE` does (fault every page in, for writing), in
    /// slices that look at the signal flag between them: the kernel's own
    /// populate loop stops only for fatal signals, so a SIGTERM during
    /// `mmap(MAP_POPULATE)` of 4 GiB waited seconds. `MADV_POPULATE_WRITE`
    /// (Linux 5.14+) per slice, else one write of 0 per page (the region is
    /// fresh, so its contents stay zero). Returns false when interrupted.
    pub fn populate_interruptibly(&self) -> bool {
        const SLICE: usize = 32 << 20;
        let page = page_size();
        let mut off = 0usize;
        let mut madvise_works = true;
        while off < self.len {
            if interrupted() {
                return false;
            }
            let n = SLICE.min(self.len - off);
            if madvise_works {
                // SAFETY: the range lies inside this live mapping;
                // MADV_POPULATE_WRITE only faults pages in, keeping contents.
                let r = unsafe {
                    libc::madvise(
                        self.ptr.as_ptr().add(off).cast(),
                        n,
                        libc::MADV_POPULATE_WRITE,
                    )
                };
                madvise_works = r == 0;
            }
            if !madvise_works {
                self.touch_zero(off as u64, (off + n) as u64, page);
            }
            off += n;
        }
        !interrupted()
    }

    /// Write 0 to one byte per `stride` of `[from, to)` in a fresh region.
    fn touch_zero(&self, from: u64, to: u64, stride: u64) {
        self.write_range(from, to, stride, 0);
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
