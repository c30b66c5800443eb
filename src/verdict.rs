//! Shared rules for judging claims from recorded figures. Pure functions:
//! no /proc, no clocks.
//!
//! # System-wide figures
//!
//! A claim about system memory ("used rises by SIZE while the worker
//! touches", "used comes back after exit", "fork copies nothing") is judged on
//! the **residual**: system used minus what memlab's own processes account
//! for. A departure from the claim looks, in system-wide figures, exactly like
//! other activity on the host, so the verdict rests on two things measured
//! independently of the effect:
//!
//! - `background_kib`: how much the residual moved where the claim says
//!   memlab does nothing (quiet windows before and after; several readings
//!   at each stage). Never measured in the window that holds the effect.
//! - `others_kib`: how much a signal of other processes' memory that the
//!   worker does not move (meminfo's AnonPages + Shmem + Cached, and the
//!   kernel memory processes cause: PageTables + KernelStack + SUnreclaim; less
//!   memlab's own) changed across the effect window.
//!
//! The rule ([`judge_system`]):
//! 1. The background hides the effect (`K × background ≥ effect`, or the
//!    allowance of rule 2 is half the effect or more, so that a run without
//!    the effect could pass): `?`, saying so. Noise is measured outside the
//!    effect, so a real departure cannot turn the check inconclusive this
//!    way.
//! 2. The residual's change is within `max(K × background, FLOOR_KIB,
//!    tolerance) + OTHERS_FRACTION × |others|` of what the claim predicts:
//!    `✓`. The last term is the residual's own imprecision while other
//!    processes churn: meminfo's counters are summed from per-CPU batches
//!    and the per-CPU free lists are re-read less often than meminfo, so
//!    when others move X MiB during the window the residual can be off by a
//!    few percent of X without any departure from the claim.
//! 3. It departs by more, and the other-processes signal moved by at least
//!    half the departure in the same direction: `?`, naming what moved.
//! 4. Otherwise `✗`: nothing measured explains the departure (a change in a
//!    direction the effect cannot produce included).

use crate::report::Verdict;

/// How many times the background noise a departure must exceed.
pub const K: f64 = 4.0;
/// The smallest departure ever judged a failure, in KiB: below this, page
/// and per-CPU counter granularity decides, not the claim. On this 2-CPU
/// VM the residual moved by 2.0–2.5 MiB across a touch window in which
/// nothing else moved (meminfo's per-CPU counter batches and the per-CPU
/// free lists, re-read less often than meminfo), so 2 MiB was too tight.
pub const FLOOR_KIB: f64 = 4096.0;
/// The share of the other processes' movement across the window that the
/// residual may be off by (see rule 2).
pub const OTHERS_FRACTION: f64 = 0.05;

/// A system-wide effect to judge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SystemEffect {
    /// What the claim predicts for the residual's change, in KiB.
    pub expected_kib: f64,
    /// The residual's change measured across the effect window, in KiB.
    pub measured_kib: f64,
    /// The size of the effect the check must be able to see (e.g. SIZE for
    /// "used rises by SIZE", or the SIZE that fork would copy for "fork
    /// copies nothing"), in KiB.
    pub effect_kib: f64,
    /// Extra tolerance of the measurement itself, in KiB (0 for none).
    pub tolerance_kib: f64,
    /// Spread of the residual in windows where memlab does nothing, in KiB.
    pub background_kib: f64,
    /// Change of the other-processes signal across the effect window, KiB.
    pub others_kib: f64,
}

impl SystemEffect {
    /// The departure allowed before a verdict other than ✓.
    pub fn allowed_kib(&self) -> f64 {
        (K * self.background_kib)
            .max(FLOOR_KIB)
            .max(self.tolerance_kib)
            + OTHERS_FRACTION * self.others_kib.abs()
    }
}

/// The verdict and, for anything but ✓, a plain reason (English, made from
/// a `why.system.*` catalogue entry so the reader's language can find it
/// again).
pub fn judge_system(e: &SystemEffect) -> (Verdict, String) {
    use crate::i18n::{Lang, tr_in};
    let mib = |kib: f64| format!("{:.1}", kib / 1024.0);
    let signed = |kib: f64| format!("{:+.1}", kib / 1024.0);
    let dev = e.measured_kib - e.expected_kib;
    // A verdict needs the claim and its absence apart: the allowance must
    // be under half the effect, or a run without the effect could pass.
    if K * e.background_kib < e.effect_kib.abs() && 2.0 * e.allowed_kib() >= e.effect_kib.abs() {
        return (
            Verdict::Inconclusive,
            tr_in(
                Lang::En,
                "why.system.too_small",
                &[
                    ("effect", &mib(e.effect_kib.abs())),
                    ("allowed", &mib(e.allowed_kib())),
                ],
            ),
        );
    }
    if K * e.background_kib >= e.effect_kib.abs() {
        return (
            Verdict::Inconclusive,
            tr_in(
                Lang::En,
                "why.system.background",
                &[
                    ("bg", &mib(e.background_kib)),
                    ("effect", &mib(e.effect_kib.abs())),
                ],
            ),
        );
    }
    let allowed = e.allowed_kib();
    if dev.abs() <= allowed {
        return (Verdict::Holds, String::new());
    }
    if e.others_kib.signum() == dev.signum() && e.others_kib.abs() >= dev.abs() / 2.0 {
        return (
            Verdict::Inconclusive,
            tr_in(
                Lang::En,
                "why.system.others",
                &[("others", &signed(e.others_kib)), ("dev", &signed(dev))],
            ),
        );
    }
    (
        Verdict::Fails,
        tr_in(
            Lang::En,
            "why.system.departs",
            &[
                ("dev", &signed(dev)),
                ("allowed", &mib(allowed)),
                ("bg", &mib(e.background_kib)),
                ("others", &signed(e.others_kib)),
            ],
        ),
    )
}

/// The spread (max − min) of a series, 0 for fewer than two values.
pub fn spread(v: impl IntoIterator<Item = f64>) -> f64 {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut n = 0;
    for x in v {
        lo = lo.min(x);
        hi = hi.max(x);
        n += 1;
    }
    if n < 2 { 0.0 } else { hi - lo }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effect(expected: f64, measured: f64, bg: f64, others: f64) -> SystemEffect {
        SystemEffect {
            expected_kib: expected,
            measured_kib: measured,
            effect_kib: 102_400.0,
            tolerance_kib: 0.0,
            background_kib: bg,
            others_kib: others,
        }
    }

    #[test]
    fn quiet_and_true_holds() {
        let (v, _) = judge_system(&effect(102_400.0, 102_300.0, 100.0, 0.0));
        assert_eq!(v, Verdict::Holds);
        // Memory returned at exit, on a quiet host: -0.1 MiB is within the floor.
        let (v, _) = judge_system(&effect(0.0, -100.0, 0.0, 0.0));
        assert_eq!(v, Verdict::Holds);
    }

    #[test]
    fn quiet_and_false_fails() {
        // Not returned at exit: +99 MiB, quiet host, nothing else moved.
        let (v, why) = judge_system(&effect(0.0, 101_376.0, 200.0, 0.0));
        assert_eq!(v, Verdict::Fails, "{why}");
        // A change in a direction the effect cannot produce: fork "freed" 48.5 MiB.
        let (v, _) = judge_system(&effect(0.0, -49_664.0, 300.0, 0.0));
        assert_eq!(v, Verdict::Fails);
    }

    #[test]
    fn explained_by_others_is_inconclusive() {
        let (v, why) = judge_system(&effect(0.0, -49_664.0, 300.0, -50_000.0));
        assert_eq!(v, Verdict::Inconclusive);
        assert!(why.contains("other processes"), "{why}");
        // Others moving the other way explain nothing.
        let (v, _) = judge_system(&effect(0.0, -49_664.0, 300.0, 50_000.0));
        assert_eq!(v, Verdict::Fails);
    }

    #[test]
    fn churn_of_others_widens_the_allowance_a_little() {
        // +6 MiB with nothing else moving: beyond the 4 MiB floor.
        let (v, _) = judge_system(&effect(0.0, 6144.0, 100.0, 0.0));
        assert_eq!(v, Verdict::Fails);
        // The same while others moved 80 MiB the other way: 5% of that is
        // the residual's own imprecision (4 MiB + 4 MiB allowed).
        let (v, _) = judge_system(&effect(0.0, 6144.0, 100.0, -81_920.0));
        assert_eq!(v, Verdict::Holds);
        // A large departure is not excused by churn.
        let (v, _) = judge_system(&effect(0.0, 40_960.0, 100.0, -81_920.0));
        assert_eq!(v, Verdict::Fails);
    }

    #[test]
    fn an_effect_the_allowance_could_swallow_is_inconclusive_never_held() {
        // 16 MiB written, used +1 MiB, background 3.9 MiB: 4 × background
        // (15.6 MiB) is under the effect, but a run without the effect
        // would pass such an allowance: `?`, not ✓.
        let e = SystemEffect {
            expected_kib: 16_384.0,
            measured_kib: 1_024.0,
            effect_kib: 16_384.0,
            tolerance_kib: 0.0,
            background_kib: 3_994.0,
            others_kib: 0.0,
        };
        let (v, why) = judge_system(&e);
        assert_eq!(v, Verdict::Inconclusive);
        assert!(why.contains("look alike"), "{why}");
        // A 1 MiB effect under the 4 MiB floor: the same.
        let small = SystemEffect {
            expected_kib: 0.0,
            measured_kib: 0.0,
            effect_kib: 1_024.0,
            background_kib: 10.0,
            ..e
        };
        assert_eq!(judge_system(&small).0, Verdict::Inconclusive);
        // Quiet enough, the same 16 MiB decides: held, or not.
        let quiet = SystemEffect {
            background_kib: 200.0,
            ..e
        };
        assert_eq!(judge_system(&quiet).0, Verdict::Fails);
        let held = SystemEffect {
            measured_kib: 16_000.0,
            ..quiet
        };
        assert_eq!(judge_system(&held).0, Verdict::Holds);
    }

    #[test]
    fn noisy_background_is_inconclusive() {
        let (v, why) = judge_system(&effect(102_400.0, 0.0, 60_000.0, 0.0));
        assert_eq!(v, Verdict::Inconclusive);
        assert!(why.contains("background"), "{why}");
    }

    #[test]
    fn spread_of_few_values_is_zero() {
        assert_eq!(spread([]), 0.0);
        assert_eq!(spread([5.0]), 0.0);
        assert_eq!(spread([5.0, -1.0, 3.0]), 6.0);
    }
}
