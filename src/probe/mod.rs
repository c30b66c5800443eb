//! Read-only views of the kernel, typed once. Nothing here changes the host.

pub mod cgroup;
pub mod fs;
pub mod host;
pub mod maps;
pub mod meminfo;
pub mod pagemap;
pub mod process;

use anyhow::{Context, Result};

/// Read a small text file under /proc or /sys, with the path in the error.
pub fn read_text(path: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {path}"))
}

/// Read a file holding one integer (a sysctl, a cgroup limit).
pub fn read_u64(path: impl AsRef<std::path::Path>) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}
