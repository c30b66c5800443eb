//! What kind of file system holds a path (`statfs`).

use std::path::Path;

use anyhow::{Context, Result};

/// The file system type behind `path`, and whether its files live in memory
/// only (tmpfs, ramfs): there the page cache *is* the file, so dropping it is
/// impossible and a "cold" read cannot cause a major fault.
pub fn kind(path: &Path) -> Result<(String, bool)> {
    use nix::sys::statfs::{self, FsType};
    let st = statfs::statfs(path).with_context(|| format!("statfs {}", path.display()))?;
    let t = st.filesystem_type();
    // Magic numbers from linux/magic.h.
    const RAMFS_MAGIC: FsType = FsType(0x8584_58f6_u32 as _);
    const EXT4_MAGIC: FsType = FsType(0xef53);
    const XFS_MAGIC: FsType = FsType(0x5846_5342);
    const BTRFS_MAGIC: FsType = FsType(0x9123_683e_u32 as _);
    const OVERLAY_MAGIC: FsType = FsType(0x794c_7630);
    let (name, in_memory) = if t == statfs::TMPFS_MAGIC {
        ("tmpfs".to_string(), true)
    } else if t == RAMFS_MAGIC {
        ("ramfs".to_string(), true)
    } else if t == EXT4_MAGIC {
        ("ext2/3/4".to_string(), false)
    } else if t == XFS_MAGIC {
        ("xfs".to_string(), false)
    } else if t == BTRFS_MAGIC {
        ("btrfs".to_string(), false)
    } else if t == OVERLAY_MAGIC {
        ("overlayfs".to_string(), false)
    } else {
        (format!("{:#x}", t.0), false)
    };
    Ok((name, in_memory))
}

/// Bytes an ordinary user may still write on the file system holding `path`
/// (`f_bavail`: blocks left once the root reserve is set aside).
pub fn free_bytes(path: &Path) -> Result<u64> {
    let st =
        nix::sys::statvfs::statvfs(path).with_context(|| format!("statvfs {}", path.display()))?;
    Ok((st.blocks_available() as u64).saturating_mul(st.fragment_size() as u64))
}
