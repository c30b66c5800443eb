//! `mincore(2)`: which pages of a mapping are in memory. For a file mapping
//! this is the file's page cache, whether or not this process has touched
//! the pages yet.

use std::io;

use anyhow::{Context, Result};

use super::{Region, page_size};

impl Region {
    /// How many pages of this mapping are resident (page cache for a file
    /// mapping).
    pub fn resident_pages(&self) -> Result<u64> {
        let page = page_size() as usize;
        let n = self.len.div_ceil(page);
        let mut vec = vec![0u8; n];
        // SAFETY: the range is exactly this live mapping, and `vec` holds one
        // byte per page of it, as mincore requires.
        let r = unsafe {
            libc::mincore(
                self.ptr.as_ptr() as *mut libc::c_void,
                self.len,
                vec.as_mut_ptr(),
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error()).context("mincore");
        }
        Ok(vec.iter().filter(|b| *b & 1 != 0).count() as u64)
    }
}
