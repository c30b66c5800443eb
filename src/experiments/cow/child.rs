//! The child's side of cow, and the messages on the pipes between parent
//! and child. The stages are stepped through with pipes: while one process
//! measures, the other is blocked in `read(2)`, so nothing moves between the
//! readings of a stage.

use std::hint::black_box;

use anyhow::{Context, Result};

use super::Access;
use crate::probe::process::{ProcHandle, Rollup, Sample};
use crate::sys::{self, Region};

/// The parent's touch writes this byte, the child's writes another: after the
/// child is gone the parent can tell whose data each of its pages holds.
pub const PARENT_VALUE: u8 = 1;
pub const CHILD_VALUE: u8 = 2;

/// What a process reads about itself at one stage: smaps_rollup, then
/// stat/statm, then getrusage, as close together as possible.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SelfView {
    pub sample: Sample,
    pub rollup: Option<Rollup>,
    pub rusage_minflt: u64,
    pub rusage_majflt: u64,
}

/// Words in a [`SelfView`] message on the pipe.
const VIEW_WORDS: usize = 14;

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

    /// The view as fixed-size words for the pipe (CPU times are not sent).
    fn to_words(self) -> [u64; VIEW_WORDS] {
        let s = self.sample;
        let r = self.rollup.unwrap_or_default();
        [
            s.vsz_kib,
            s.rss_kib,
            s.minflt,
            s.majflt,
            self.rollup.is_some() as u64,
            r.rss_kib,
            r.pss_kib,
            r.shared_kib,
            r.private_kib,
            r.anon_huge_kib,
            self.rusage_minflt,
            self.rusage_majflt,
            r.pss_file_kib.is_some() as u64,
            r.pss_file_kib.unwrap_or(0),
        ]
    }

    fn from_words(w: &[u64]) -> SelfView {
        SelfView {
            sample: Sample {
                vsz_kib: w[0],
                rss_kib: w[1],
                minflt: w[2],
                majflt: w[3],
                utime_s: 0.0,
                stime_s: 0.0,
            },
            rollup: (w[4] != 0).then_some(Rollup {
                rss_kib: w[5],
                pss_kib: w[6],
                shared_kib: w[7],
                private_kib: w[8],
                anon_huge_kib: w[9],
                pss_file_kib: (w[12] != 0).then_some(w[13]),
            }),
            rusage_minflt: w[10],
            rusage_majflt: w[11],
        }
    }
}

/// The child's message at each stage: ok flag, its view, and the faults its
/// access loop took (getrusage right before and right after the loop).
const MSG_WORDS: usize = 1 + VIEW_WORDS + 2;

/// The child: report after fork, wait, access every page, report, wait for
/// leave to exit. Returns its exit status. Every error is reported to the
/// parent as a message with the ok flag cleared.
pub fn body(
    region: &Region,
    access: Access,
    page: u64,
    to_parent: &sys::Chan,
    from_parent: &sys::Chan,
) -> i32 {
    let send = |view: Option<SelfView>, faults: (u64, u64)| -> bool {
        let mut msg = [0u64; MSG_WORDS];
        if let Some(v) = view {
            msg[0] = 1;
            msg[1..1 + VIEW_WORDS].copy_from_slice(&v.to_words());
        }
        msg[1 + VIEW_WORDS] = faults.0;
        msg[2 + VIEW_WORDS] = faults.1;
        to_parent.send(&msg).is_ok()
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
    match from_parent.recv(1) {
        Ok(Some(_)) => {}
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
    match from_parent.recv(1) {
        Ok(Some(_)) => 0,
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
    let Some(w) = ch
        .recv(MSG_WORDS)
        .with_context(|| format!("reading the child's {stage} report"))?
    else {
        return Ok(if sys::interrupted() {
            Got::Interrupted
        } else {
            Got::Died
        });
    };
    if w[0] != 1 {
        anyhow::bail!("the child could not read its own /proc files at {stage}");
    }
    Ok(Got::Report(
        SelfView::from_words(&w[1..1 + VIEW_WORDS]),
        (w[1 + VIEW_WORDS], w[2 + VIEW_WORDS]),
    ))
}

/// How a child ended, in words.
pub fn ending(exit: Option<&sys::ChildExit>) -> String {
    match exit.map(|e| (e.signal, e.exit_code)) {
        Some((Some(s), _)) => format!("was killed by {}", s.as_str()),
        Some((None, Some(c))) => format!("exited with status {c}"),
        _ => "ended".into(),
    }
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
        assert_eq!(SelfView::from_words(&v.to_words()), v);
        let none = SelfView { rollup: None, ..v };
        assert_eq!(SelfView::from_words(&none.to_words()), none);
    }
}
