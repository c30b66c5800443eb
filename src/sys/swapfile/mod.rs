//! A temporary swap file for `memlab swap --swapfile SIZE` (root only): made,
//! formatted, switched on at the lowest priority, and always switched off and
//! removed — on success, on error, on SIGINT/SIGTERM/SIGHUP (from `Drop`), and
//! after a SIGKILL by the next run's sweep, which a lock makes safe.
//!
//! `mkswap` is done here, not by running /sbin/mkswap: the format is one page
//! (`union swap_header` in include/linux/swap.h): `SWAPSPACE2` in the last 10
//! bytes of the first page, and at byte 1024 the version (1), the last usable
//! page, the number of bad pages (0), a UUID and a label.
//!
//! The file's blocks are reserved with `fallocate` (no holes: the kernel
//! writes to a swap file's blocks directly, bypassing the file system; ext4
//! and XFS accept preallocated extents). On btrfs the file must be
//! no-copy-on-write before it holds any data, so `FS_NOCOW_FL` is set on the
//! empty file first. tmpfs, overlayfs, NFS, ZFS and the like cannot hold one.

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

mod lock;
pub use lock::{SwapLock, is_memlab_swapfile, lock_path, sweep_stale};

/// File names memlab gives its swap files: `memlab-swap-<pid>.swap`.
pub const FILE_PREFIX: &str = "memlab-swap-";
pub const FILE_SUFFIX: &str = ".swap";

/// File systems that can hold a swap file, by the names `probe::fs::kind`
/// gives; `btrfs` needs the no-copy-on-write attribute.
pub fn fs_supports_swapfile(kind: &str) -> bool {
    matches!(kind, "ext2/3/4" | "xfs" | "btrfs")
}

/// A swap file memlab made; switched off (if on) and removed on drop.
pub struct SwapFile {
    pub path: PathBuf,
    pub size_bytes: u64,
    active: bool,
    removed: bool,
}

impl SwapFile {
    /// Make `dir/memlab-swap-<pid>.swap` of `size` bytes and write the swap
    /// header into it (not yet switched on).
    pub fn create(dir: &Path, size: u64, btrfs: bool) -> Result<SwapFile> {
        let page = super::page_size();
        let size = size / page * page;
        let path = dir.join(format!("{FILE_PREFIX}{}{FILE_SUFFIX}", std::process::id()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| {
                crate::i18n::tr("err.sys.creating", &[("path", &path.display().to_string())])
            })?;
        let sf = SwapFile {
            path: path.clone(),
            size_bytes: size,
            active: false,
            removed: false,
        };
        if btrfs {
            set_nocow(&file).with_context(|| {
                crate::i18n::tr("err.sys.nocow", &[("path", &path.display().to_string())])
            })?;
        }
        // SAFETY: fallocate on a descriptor owned here, with a length that
        // fits off_t (a size from the command line, checked by the caller
        // against the free space).
        let r = unsafe { libc::fallocate(file.as_raw_fd(), 0, 0, size as libc::off_t) };
        if r != 0 {
            return Err(io::Error::last_os_error()).with_context(|| {
                crate::i18n::tr(
                    "err.sys.reserving",
                    &[
                        ("size", &size.to_string()),
                        ("path", &path.display().to_string()),
                    ],
                )
            });
        }
        file.write_all_at(&swap_header(size, page), 0)
            .with_context(|| {
                crate::i18n::tr(
                    "err.sys.swap_header",
                    &[("path", &path.display().to_string())],
                )
            })?;
        file.sync_all().with_context(|| {
            crate::i18n::tr("err.sys.syncing", &[("path", &path.display().to_string())])
        })?;
        Ok(sf)
    }

    /// `swapon(2)` without `SWAP_FLAG_PREFER`: the kernel gives the area a
    /// negative priority below every other area's, so it is used last.
    pub fn activate(&mut self) -> io::Result<()> {
        let c = cpath(&self.path)?;
        // SAFETY: swapon reads the NUL-terminated path and takes flags 0.
        if unsafe { libc::swapon(c.as_ptr(), 0) } != 0 {
            return Err(io::Error::last_os_error());
        }
        self.active = true;
        Ok(())
    }

    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Switch off (the kernel reads every page still in the file back into
    /// memory first: ENOMEM when there is no room) and remove the file.
    pub fn remove(&mut self) -> Result<()> {
        if self.active {
            swapoff(&self.path).map_err(|e| {
                let id = if e.raw_os_error() == Some(libc::ENOMEM) {
                    "err.sys.swapoff_nomem"
                } else {
                    "err.sys.swapoff"
                };
                let path = self.path.display().to_string();
                anyhow::anyhow!(crate::i18n::tr(
                    id,
                    &[("path", &path), ("cause", &e.to_string())]
                ))
            })?;
            self.active = false;
        }
        if !self.removed {
            match std::fs::remove_file(&self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        crate::i18n::tr(
                            "err.sys.removing",
                            &[("path", &self.path.display().to_string())],
                        )
                    });
                }
            }
            self.removed = true;
        }
        Ok(())
    }
}

impl Drop for SwapFile {
    fn drop(&mut self) {
        if let Err(e) = self.remove() {
            crate::error::warn(&format!("{e:#}"));
        }
    }
}

/// `swapoff(2)`.
pub fn swapoff(path: &Path) -> io::Result<()> {
    let c = cpath(path)?;
    // SAFETY: swapoff reads the NUL-terminated path.
    if unsafe { libc::swapoff(c.as_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn cpath(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path holds a NUL byte"))
}

/// `chattr +C`: FS_NOCOW_FL (0x00800000) through FS_IOC_SETFLAGS.
fn set_nocow(file: &File) -> io::Result<()> {
    const FS_NOCOW_FL: libc::c_long = 0x0080_0000;
    let mut flags: libc::c_long = 0;
    // SAFETY: FS_IOC_GETFLAGS writes one long into `flags`.
    if unsafe { libc::ioctl(file.as_raw_fd(), libc::FS_IOC_GETFLAGS, &mut flags) } != 0 {
        return Err(io::Error::last_os_error());
    }
    flags |= FS_NOCOW_FL;
    // SAFETY: FS_IOC_SETFLAGS reads one long from `flags`.
    if unsafe { libc::ioctl(file.as_raw_fd(), libc::FS_IOC_SETFLAGS, &flags) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The first page of a swap area of `size` bytes (version 1 header, no bad
/// pages, the label `memlab`), as mkswap writes it.
pub fn swap_header(size: u64, page: u64) -> Vec<u8> {
    let mut h = vec![0u8; page as usize];
    let last_page = (size / page).saturating_sub(1).min(u64::from(u32::MAX)) as u32;
    h[1024..1028].copy_from_slice(&1u32.to_ne_bytes()); // version
    h[1028..1032].copy_from_slice(&last_page.to_ne_bytes());
    h[1032..1036].copy_from_slice(&0u32.to_ne_bytes()); // nr_badpages
    // sws_uuid[16] at 1036: any 16 bytes that differ between areas.
    let seed = (u64::from(std::process::id()) << 32)
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
    h[1036..1044].copy_from_slice(&seed.to_ne_bytes());
    h[1044..1052].copy_from_slice(&(!seed).to_ne_bytes());
    h[1052..1058].copy_from_slice(b"memlab"); // sws_volume[16]
    let m = page as usize - 10;
    h[m..].copy_from_slice(b"SWAPSPACE2");
    h
}

/// Treat SIGHUP as SIGINT/SIGTERM (clean up, write what was measured, exit
/// 130) while a swap area of memlab's exists: a closed terminal must not
/// leave it on.
pub fn catch_hangup() -> Result<()> {
    use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let action = SigAction::new(
        SigHandler::Handler(super::on_interrupt),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only stores to an atomic and writes to a pipe,
    // both async-signal-safe.
    unsafe { signal::sigaction(Signal::SIGHUP, &action) }
        .with_context(|| crate::i18n::tr("err.sys.signal_handlers", &[]))?;
    Ok(())
}

/// A forked child takes SIGHUP with the default action (it dies with the
/// terminal, like SIGINT/SIGTERM), not memlab's handler.
pub fn default_hangup_in_child() {
    // SAFETY: signal(2) with SIG_DFL only changes this process's disposition.
    unsafe { libc::signal(libc::SIGHUP, libc::SIG_DFL) };
}

// ---------------------------------------------------------------------------
// MADV_PAGEOUT
// ---------------------------------------------------------------------------

impl super::Region {
    /// `madvise(MADV_PAGEOUT)` (Linux 5.4+): reclaim the region's pages now,
    /// as memory pressure would — anonymous pages go to swap. EINVAL on older
    /// kernels. Contents are kept (they come back from swap on access).
    pub fn pageout(&self) -> Result<()> {
        // SAFETY: the range is exactly this live mapping; MADV_PAGEOUT keeps
        // the contents (a later access faults them back in).
        let r = unsafe {
            libc::madvise(
                self.ptr.as_ptr() as *mut libc::c_void,
                self.len,
                libc::MADV_PAGEOUT,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error()).context("madvise(MADV_PAGEOUT)");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_has_magic_version_and_last_page() {
        let h = swap_header(256 << 20, 4096);
        assert_eq!(&h[4086..], b"SWAPSPACE2");
        assert_eq!(u32::from_ne_bytes(h[1024..1028].try_into().unwrap()), 1);
        assert_eq!(u32::from_ne_bytes(h[1028..1032].try_into().unwrap()), 65535);
        assert_eq!(&h[1052..1058], b"memlab");
    }

    #[test]
    fn memlab_swapfile_names() {
        assert!(is_memlab_swapfile("/var/tmp/memlab-swap-123.swap"));
        assert!(!is_memlab_swapfile("/dev/vda2"));
        assert!(!is_memlab_swapfile("/var/tmp/memlab-swap-123"));
    }

    #[test]
    fn swap_capable_file_systems() {
        assert!(fs_supports_swapfile("ext2/3/4"));
        assert!(fs_supports_swapfile("xfs"));
        assert!(!fs_supports_swapfile("tmpfs"));
        assert!(!fs_supports_swapfile("overlayfs"));
    }
}
