//! `/proc/PID/pagemap`: which physical frame backs a virtual page.
//!
//! One 8-byte little-endian entry per virtual page, at offset
//! `(vaddr / page_size) * 8`. Bit 63: the page is present in RAM; bit 62:
//! swapped; bits 0–54: the page frame number (PFN). Since Linux 4.2 the PFN
//! reads as 0 unless the reader has CAP_SYS_ADMIN (frame numbers helped
//! Rowhammer attacks), so a present page with PFN 0 means "hidden", never
//! "frame 0".

use std::fs::File;
use std::os::unix::fs::FileExt;

use anyhow::{Context, Result};

const PRESENT: u64 = 1 << 63;
const PFN_MASK: u64 = (1 << 55) - 1;

/// An open pagemap of one process.
pub struct Pagemap {
    file: File,
    path: String,
    page: u64,
}

/// What one pagemap entry says about a virtual page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Frame {
    /// Not in RAM (never touched, or swapped out).
    Absent,
    /// In RAM, but the frame number is hidden from this reader (no CAP_SYS_ADMIN).
    Hidden,
    /// In RAM at this page frame number.
    Pfn(u64),
}

impl Frame {
    /// Decode a raw entry.
    pub fn from_entry(e: u64) -> Frame {
        if e & PRESENT == 0 {
            Frame::Absent
        } else {
            match e & PFN_MASK {
                0 => Frame::Hidden,
                pfn => Frame::Pfn(pfn),
            }
        }
    }

    pub fn pfn(self) -> Option<u64> {
        match self {
            Frame::Pfn(p) => Some(p),
            _ => None,
        }
    }
}

impl Pagemap {
    /// Open `/proc/PID/pagemap` (`self` for the caller).
    pub fn open(pid: &str) -> Result<Pagemap> {
        let path = format!("/proc/{pid}/pagemap");
        let file = File::open(&path)
            .with_context(|| crate::i18n::tr("err.sys.opening", &[("path", &path)]))?;
        Ok(Pagemap {
            file,
            path,
            page: crate::sys::page_size(),
        })
    }

    /// The frames behind `n` pages starting at `vaddr` (one read for all).
    pub fn frames(&self, vaddr: u64, n: usize) -> Result<Vec<Frame>> {
        let mut buf = vec![0u8; n * 8];
        let off = (vaddr / self.page) * 8;
        self.file.read_exact_at(&mut buf, off).with_context(|| {
            crate::i18n::tr(
                "err.sys.reading_at",
                &[("path", &self.path), ("addr", &format!("{vaddr:#x}"))],
            )
        })?;
        Ok(buf
            .chunks_exact(8)
            .map(|c| Frame::from_entry(u64::from_le_bytes(c.try_into().expect("8 bytes"))))
            .collect())
    }

    /// The frame behind the page holding `vaddr`.
    pub fn frame(&self, vaddr: u64) -> Result<Frame> {
        Ok(self.frames(vaddr, 1)?[0])
    }
}

/// Runs of physically consecutive frames in a list of PFNs (in virtual
/// order): `(index of the first page, pages in the run)`.
pub fn contiguous_runs(pfns: &[u64]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, &p) in pfns.iter().enumerate() {
        match runs.last_mut() {
            Some((start, len)) if pfns[*start + *len - 1].checked_add(1) == Some(p) => *len += 1,
            _ => runs.push((i, 1)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_entries() {
        assert_eq!(Frame::from_entry(0), Frame::Absent);
        assert_eq!(Frame::from_entry(PRESENT), Frame::Hidden);
        assert_eq!(Frame::from_entry(PRESENT | 0x1234), Frame::Pfn(0x1234));
        // Soft-dirty (bit 55) and exclusive (bit 56) are not part of the PFN.
        assert_eq!(
            Frame::from_entry(PRESENT | (1 << 55) | (1 << 56) | 7),
            Frame::Pfn(7)
        );
        // Swapped but not present: no frame.
        assert_eq!(Frame::from_entry((1 << 62) | 99), Frame::Absent);
    }

    #[test]
    fn counts_runs() {
        assert_eq!(contiguous_runs(&[]), vec![]);
        assert_eq!(contiguous_runs(&[5]), vec![(0, 1)]);
        assert_eq!(contiguous_runs(&[5, 6, 7]), vec![(0, 3)]);
        assert_eq!(
            contiguous_runs(&[5, 6, 9, 10, 4]),
            vec![(0, 2), (2, 2), (4, 1)]
        );
        // Descending frames are not a run.
        assert_eq!(contiguous_runs(&[7, 6, 5]), vec![(0, 1), (1, 1), (2, 1)]);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn entries_decode_to_their_frame_bits(e in any::<u64>()) {
                match Frame::from_entry(e) {
                    Frame::Absent => prop_assert_eq!(e & PRESENT, 0),
                    Frame::Hidden => prop_assert_eq!((e & PRESENT != 0, e & PFN_MASK), (true, 0)),
                    Frame::Pfn(p) => {
                        prop_assert!(e & PRESENT != 0);
                        prop_assert_eq!(p, e & PFN_MASK);
                    }
                }
            }

            #[test]
            fn runs_cover_every_page_once_and_only_join_neighbours(
                pfns in proptest::collection::vec(0u64..64, 0..200)
            ) {
                let runs = contiguous_runs(&pfns);
                let mut next = 0;
                for (k, &(start, len)) in runs.iter().enumerate() {
                    prop_assert_eq!(start, next);
                    prop_assert!(len >= 1);
                    for i in start + 1..start + len {
                        prop_assert_eq!(pfns[i], pfns[i - 1] + 1);
                    }
                    // A run ends where the next frame does not follow on.
                    if k + 1 < runs.len() {
                        prop_assert_ne!(pfns[start + len], pfns[start + len - 1] + 1);
                    }
                    next = start + len;
                }
                prop_assert_eq!(next, pfns.len());
            }
        }
    }
}
