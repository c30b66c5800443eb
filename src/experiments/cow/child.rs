//! The child's side of cow, and the messages on the pipes between parent
//! and child. The stages are stepped through with pipes: while one process
//! measures, the other is blocked in `read(2)`, so nothing moves between the
//! readings of a stage.

use std::hint::black_box;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::Access;
use crate::i18n::tr;
use crate::probe::process::{ProcHandle, Rollup, Sample};
use crate::sys::{self, Region};

/// The parent's touch writes this byte, the child's writes another: after the
/// child is gone the parent can tell whose data each of its pages holds.
pub const PARENT_VALUE: u8 = 1;
pub const CHILD_VALUE: u8 = 2;

/// What a process reads about itself at one stage: smaps_rollup, then
/// stat/statm, then getrusage, as close together as possible.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SelfView {
    pub sample: Sample,
    pub rollup: Option<Rollup>,
    pub rusage_minflt: u64,
    pub rusage_majflt: u64,
}

impl SelfView {
    pub fn read(me: &ProcHandle) -> Result<SelfView> {
        let rollup = me.rollup()?;
        let sample = me.sample()?;
        let (rusage_minflt, rusage_majflt) = sys::rusage_self_faults();
        Ok(SelfView {
            sample,
            rollup,
            rusage_minflt,
            rusage_majflt,
        })
    }

    pub fn rss_kib(&self) -> u64 {
        self.rollup.map_or(self.sample.rss_kib, |r| r.rss_kib)
    }
}

/// memlab's word to the child: go on to the next stage.
#[derive(Debug, Serialize, Deserialize)]
pub enum ToChild {
    /// Access every page, then report.
    Access,
    /// Exit (memlab has read the system's memory).
    Leave,
}

/// The child's message at each stage: its view (`None` when it could not
/// read its own /proc files) and the (minor, major) faults its access loop
/// took (getrusage right before and right after the loop).
#[derive(Debug, Serialize, Deserialize)]
pub struct Stage {
    pub view: Option<SelfView>,
    pub faults: (u64, u64),
}

/// The child: report after fork, wait, access every page, report, wait for
/// leave to exit. Returns its exit status. Every error is reported to the
/// parent as a message without a view.
pub fn body(
    region: &Region,
    access: Access,
    page: u64,
    to_parent: &sys::Chan,
    from_parent: &sys::Chan,
) -> i32 {
    let send = |view: Option<SelfView>, faults: (u64, u64)| -> bool {
        // CPU times stay out of the message (zero), as they always have:
        // the stages compare sizes and faults.
        let view = view.map(|mut v| {
            v.sample.utime_s = 0.0;
            v.sample.stime_s = 0.0;
            v
        });
        to_parent.send_msg(&Stage { view, faults }).is_ok()
    };
    // The child measures itself: its /proc files are its own to read even
    // though it is not dumpable (a non-root parent could not open its
    // smaps_rollup), and getrusage(RUSAGE_SELF) only speaks for the caller.
    let me = match ProcHandle::myself() {
        Ok(h) => h,
        Err(_) => {
            send(None, (0, 0));
            return 2;
        }
    };
    if !send(SelfView::read(&me).ok(), (0, 0)) {
        return 2;
    }
    match from_parent.recv_msg::<ToChild>() {
        Ok(Some(ToChild::Access)) => {}
        _ => return 3,
    }
    let before = sys::rusage_self_faults();
    match access {
        Access::Write => region.write_range(0, region.len(), page, CHILD_VALUE),
        Access::Read => {
            black_box(region.read_range(0, region.len(), page));
        }
    }
    let after = sys::rusage_self_faults();
    let faults = (after.0 - before.0, after.1 - before.1);
    if !send(SelfView::read(&me).ok(), faults) {
        return 2;
    }
    // Stay alive (and mapped) until the parent has read the system's memory.
    match from_parent.recv_msg::<ToChild>() {
        Ok(Some(ToChild::Leave)) => 0,
        _ => 3,
    }
}

/// What the parent got from the child at a stage.
pub enum Got {
    /// The child's view of itself and the faults of its access loop.
    Report(SelfView, (u64, u64)),
    /// SIGINT or SIGTERM arrived meanwhile.
    Interrupted,
    /// The pipe closed: the child is gone.
    Died,
}

/// Receive one child message.
pub fn recv(ch: &sys::Chan, stage: &str) -> Result<Got> {
    let Some(m) = ch
        .recv_msg::<Stage>()
        .with_context(|| tr("cow.err.read_report", &[("stage", stage)]))?
    else {
        return Ok(if sys::interrupted() {
            Got::Interrupted
        } else {
            Got::Died
        });
    };
    let Some(view) = m.view else {
        anyhow::bail!(tr("cow.err.child_proc", &[("stage", stage)]));
    };
    Ok(Got::Report(view, m.faults))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_view_survives_the_pipe() {
        let v = SelfView {
            sample: Sample {
                vsz_kib: 1,
                rss_kib: 2,
                minflt: 3,
                majflt: 4,
                utime_s: 0.0,
                stime_s: 0.0,
            },
            rollup: Some(Rollup {
                rss_kib: 5,
                pss_kib: 6,
                shared_kib: 7,
                private_kib: 8,
                anon_huge_kib: 9,
                pss_file_kib: Some(13),
            }),
            rusage_minflt: 10,
            rusage_majflt: 11,
        };
        let (r, w) = sys::chan().unwrap();
        let none = SelfView { rollup: None, ..v };
        for view in [Some(v), Some(none), None] {
            w.send_msg(&Stage {
                view,
                faults: (12, 0),
            })
            .unwrap();
            let got = r.recv_msg::<Stage>().unwrap().unwrap();
            assert_eq!((got.view, got.faults), (view, (12, 0)));
        }
    }
}
