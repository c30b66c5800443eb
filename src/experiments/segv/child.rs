//! Each target's child: it writes its "before" line, stores to the address,
//! and would write its "after" line; the parent collects how it ended and
//! the fault its handler reported.

use anyhow::{Context, Result};

use super::Target;
use crate::i18n::tr;
use crate::sys;

/// A kernel-half address that is canonical (so the CPU raises a page fault,
/// not a general-protection fault): the start of the kernel text mapping.
#[cfg(target_arch = "x86_64")]
const KERNEL_ADDR: u64 = 0xffff_ffff_8100_0000;
#[cfg(not(target_arch = "x86_64"))]
const KERNEL_ADDR: u64 = 0xffff_8000_0800_0000;

/// What one child did.
pub(super) struct Outcome {
    pub address: u64,
    pub signal: Option<nix::sys::signal::Signal>,
    pub exit_code: Option<i32>,
    pub si_code: Option<i32>,
    pub si_addr: Option<u64>,
    pub before: bool,
    pub after: bool,
    pub core_dumped: bool,
}

/// The address each target writes to. `readonly` and `unmapped` are set up in
/// the child itself, so their address is only known there.
fn fixed_address(t: Target, min_addr: u64) -> Option<u64> {
    match t {
        Target::NullPage => Some(0),
        // Half of mmap_min_addr, 16-byte aligned: inside the forbidden range.
        Target::Low => Some((min_addr / 2).max(16) & !0xf),
        Target::Kernel => Some(KERNEL_ADDR),
        _ => None,
    }
}

/// Run one target's child; `None` when memlab was interrupted meanwhile.
pub(super) fn try_target(t: Target, min_addr: u64) -> Result<Option<Outcome>> {
    let (lines_r, lines_w) = sys::chan()?;
    let (fault_r, fault_w) = sys::chan()?;
    let (addr_r, addr_w) = sys::chan()?;
    let fixed = fixed_address(t, min_addr);
    let mut child = sys::fork_child(|| {
        let addr = match (t, fixed) {
            (_, Some(a)) => a,
            (Target::Readonly, _) => {
                let opts = sys::MapOptions {
                    read_only: true,
                    ..Default::default()
                };
                match sys::Region::anon(sys::page_size(), opts) {
                    // Leak the region: the child dies holding it.
                    Ok(reg) => {
                        let a = reg.addr();
                        std::mem::forget(reg);
                        a
                    }
                    Err(_) => return 2,
                }
            }
            _ => match sys::unmapped_address() {
                Ok(a) => a,
                Err(_) => return 2,
            },
        };
        if addr_w.send(&[addr]).is_err() || sys::report_fault_on(fault_w.raw()).is_err() {
            return 2;
        }
        let _ = sys::write_fd(lines_w.fd(), b"before invalid access\n");
        sys::store_byte_in_child(addr);
        let _ = sys::write_fd(lines_w.fd(), b"after invalid access\n");
        0
    })?;
    drop((lines_w, fault_w, addr_w));
    let exit = child.wait()?;
    let Some(exit) = exit else {
        // Interrupted: the child is killed and reaped when dropped.
        return Ok(None);
    };
    let lines = String::from_utf8_lossy(
        &lines_r
            .read_to_end()
            .with_context(|| tr("segv.err.read_lines", &[]))?,
    )
    .into_owned();
    let fault = fault_r
        .recv_bytes(16)
        .with_context(|| tr("segv.err.read_fault", &[]))?;
    let address = addr_r
        .recv(1)
        .ok()
        .flatten()
        .map(|v| v[0])
        .or(fixed)
        .unwrap_or(0);
    let (si_code, si_addr) = match fault {
        Some(b) => (
            Some(i32::from_ne_bytes(b[4..8].try_into().expect("4 bytes"))),
            Some(u64::from_ne_bytes(b[8..16].try_into().expect("8 bytes"))),
        ),
        None => (None, None),
    };
    Ok(Some(Outcome {
        address,
        signal: exit.signal,
        exit_code: exit.exit_code,
        si_code,
        si_addr,
        before: lines.contains("before invalid access"),
        after: lines.contains("after invalid access"),
        core_dumped: exit.core_dumped,
    }))
}
