//! Sizes, rates and intervals as the user types them, in binary units.
//!
//! The document's "100Mバイト" is 100×1024×1024 bytes, so `100M`, `100MiB`
//! and `100MB` all mean that here.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::i18n::tr;

const KIB: u64 = 1024;

/// A number of bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(pub u64);

impl Size {
    pub fn bytes(self) -> u64 {
        self.0
    }
    pub fn kib(self) -> u64 {
        self.0 / KIB
    }
}

/// Split "100MiB" into ("100", "MiB").
fn split_number(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

fn unit_multiplier(unit: &str) -> Option<u64> {
    let u = unit.trim().to_ascii_lowercase();
    let base = u
        .strip_suffix("ib")
        .or_else(|| u.strip_suffix('b'))
        .unwrap_or(&u);
    Some(match base {
        "" => 1,
        "k" => KIB,
        "m" => KIB * KIB,
        "g" => KIB * KIB * KIB,
        "t" => KIB * KIB * KIB * KIB,
        _ => return None,
    })
}

/// A parse error in the reader's language: message `id` with `raw` (and
/// `more`), then the example `example_id`.
fn bad(id: &str, raw: &str, more: &[(&str, &str)], example_id: &str) -> String {
    with_example(&why(id, raw, more), example_id)
}

/// Message `id` with `raw` and `more` filled in.
fn why(id: &str, raw: &str, more: &[(&str, &str)]) -> String {
    let mut args = vec![("raw", raw)];
    args.extend_from_slice(more);
    tr(id, &args)
}

/// `WHY (e.g. ...)` in the reader's language.
fn with_example(why: &str, example_id: &str) -> String {
    tr(
        "err.example",
        &[("why", why), ("example", &tr(example_id, &[]))],
    )
}

/// A size, or why it is not one (without an example: the caller adds
/// the one that fits, a size's or a rate's).
fn parse_size(raw: &str) -> Result<Size, String> {
    let s = raw.trim();
    let no = |id: &str| why(id, raw, &[]);
    if s.is_empty() {
        return Err(tr("err.size.empty", &[]));
    }
    if s.starts_with('-') {
        return Err(no("err.size.negative"));
    }
    let (num, unit) = split_number(s);
    if num.is_empty() {
        return Err(no("err.size.no_number"));
    }
    let mult = unit_multiplier(unit).ok_or_else(|| why("err.size.unit", raw, &[("unit", unit)]))?;
    let bytes = if num.contains('.') {
        let v: f64 = num.parse().map_err(|_| no("err.size.not_number"))?;
        let b = v * mult as f64;
        if !b.is_finite() || b >= u64::MAX as f64 {
            return Err(no("err.size.too_large"));
        }
        // `1.5` bytes or `1.3K` (1331.2 bytes): not a whole number of
        // bytes, so not what the user meant; refuse, never round.
        if b.fract() != 0.0 {
            return Err(no("err.size.fraction"));
        }
        b as u64
    } else {
        let v: u64 = num.parse().map_err(|_| no("err.size.too_large"))?;
        v.checked_mul(mult)
            .ok_or_else(|| no("err.size.too_large"))?
    };
    if bytes == 0 {
        return Err(no("err.size.zero"));
    }
    // No machine has an exabyte: anything past 1 EiB is a typo.
    if bytes > 1 << 60 {
        return Err(no("err.size.too_large"));
    }
    Ok(Size(bytes))
}

impl FromStr for Size {
    type Err = String;
    fn from_str(raw: &str) -> Result<Size, String> {
        parse_size(raw).map_err(|why| with_example(&why, "err.size.example"))
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human_bytes(self.0))
    }
}

/// `104857600` → `100.0 MiB`.
pub fn human_bytes(b: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", units[i])
    }
}

/// A signed KiB figure as a human size (`-1.5 MiB`).
pub fn human_kib(kib: f64) -> String {
    let sign = if kib < 0.0 { "-" } else { "" };
    format!("{sign}{}", human_bytes((kib.abs() * 1024.0).round() as u64))
}

/// `25600` → `25 600`.
pub fn group_digits(v: i128) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// A whole number of things (`--forks 9`, `--blocks 8192`) in `lo..=hi`;
/// the error names the value and shows `example`.
pub fn parse_count<T: TryFrom<u64>>(
    raw: &str,
    lo: u64,
    hi: u64,
    example: u64,
) -> Result<T, String> {
    let s = raw.trim();
    let bad = || {
        let (lo, hi, example) = (lo.to_string(), hi.to_string(), example.to_string());
        let args = [("lo", lo.as_str()), ("hi", &hi), ("example", &example)];
        why("err.count", raw, &args)
    };
    if s.starts_with('-') {
        return Err(bad());
    }
    let v: u64 = s.parse().map_err(|_| bad())?;
    if !(lo..=hi).contains(&v) {
        return Err(bad());
    }
    T::try_from(v).map_err(|_| bad())
}

/// How fast to touch memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rate {
    /// Bytes per second.
    PerSecond(Size),
    /// As fast as the CPU and the kernel's fault path allow.
    Max,
}

impl FromStr for Rate {
    type Err = String;
    fn from_str(raw: &str) -> Result<Rate, String> {
        let s = raw.trim();
        const EXAMPLE: &str = "err.rate.example";
        if s.eq_ignore_ascii_case("max") {
            return Ok(Rate::Max);
        }
        let size = s
            .strip_suffix("/s")
            .ok_or_else(|| bad("err.rate.per_s", raw, &[], EXAMPLE))?;
        // The size's own example would suggest a size, not a rate.
        let size =
            parse_size(size).map_err(|e| bad("err.rate.size", raw, &[("why", &e)], EXAMPLE))?;
        Ok(Rate::PerSecond(size))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rate::PerSecond(s) => write!(f, "{s}/s"),
            Rate::Max => f.write_str("max"),
        }
    }
}

/// A time interval such as `100ms`, `1s`, `500us`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval(pub Duration);

impl FromStr for Interval {
    type Err = String;
    fn from_str(raw: &str) -> Result<Interval, String> {
        let s = raw.trim();
        const EXAMPLE: &str = "err.interval.example";
        let no = |id: &str| bad(id, raw, &[], EXAMPLE);
        if s.starts_with('-') {
            return Err(no("err.interval.negative"));
        }
        let (num, unit) = split_number(s);
        if num.is_empty() {
            return Err(no("err.interval.no_number"));
        }
        let nanos_per: f64 = match unit.trim() {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" | "min" => 60e9,
            "" => return Err(no("err.interval.no_unit")),
            other => {
                return Err(bad("err.interval.unit", raw, &[("unit", other)], EXAMPLE));
            }
        };
        let v: f64 = num.parse().map_err(|_| no("err.interval.not_number"))?;
        let nanos = v * nanos_per;
        if !nanos.is_finite() || nanos > 7.0 * 24.0 * 3600.0 * 1e9 {
            return Err(no("err.interval.too_long"));
        }
        if nanos < 1.0 {
            return Err(no("err.interval.zero"));
        }
        // memlab samples /proc; no interval of its is shorter than 1 ms.
        if nanos < 1e6 {
            return Err(no("err.interval.below_1ms"));
        }
        Ok(Interval(Duration::from_nanos(nanos.round() as u64)))
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0.as_nanos();
        if ns.is_multiple_of(1_000_000_000) {
            write!(f, "{}s", ns / 1_000_000_000)
        } else if ns.is_multiple_of(1_000_000) {
            write!(f, "{}ms", ns / 1_000_000)
        } else if ns.is_multiple_of(1_000) {
            write!(f, "{}us", ns / 1_000)
        } else {
            write!(f, "{ns}ns")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_binary() {
        for (s, v) in [
            ("100M", 100 << 20),
            ("100MiB", 100 << 20),
            ("100MB", 100 << 20),
            ("100m", 100 << 20),
            ("1G", 1 << 30),
            ("4096", 4096),
            ("4K", 4096),
            ("4KiB", 4096),
            ("1.5K", 1536),
            ("2T", 2 << 40),
            (" 16M ", 16 << 20),
        ] {
            assert_eq!(s.parse::<Size>(), Ok(Size(v)), "{s}");
        }
    }

    #[test]
    fn bad_sizes_name_the_value_and_an_example() {
        for s in [
            "",
            "0",
            "0M",
            "-1M",
            "10X",
            "M",
            "abc",
            "1.2.3M",
            "1.5",
            "1.3K",
            "99999999999999999999",
            "2000000T",
        ] {
            let e = s.parse::<Size>().unwrap_err();
            assert!(e.contains("e.g."), "{s}: {e}");
            if !s.is_empty() {
                assert!(e.contains(s.trim()), "{s}: {e}");
            }
        }
    }

    #[test]
    fn counts_name_the_value_and_the_range() {
        assert_eq!(parse_count::<u32>("9", 1, 1000, 9), Ok(9));
        assert_eq!(parse_count::<usize>(" 12 ", 1, 1000, 9), Ok(12));
        for s in ["0", "-5", "1001", "abc", "1.5", "", "99999999999999999999"] {
            let e = parse_count::<u32>(s, 1, 1000, 9).unwrap_err();
            assert!(
                e.contains(&format!("'{s}'")) && e.contains("e.g. 9"),
                "{s}: {e}"
            );
        }
    }

    #[test]
    fn rates() {
        assert_eq!("10M/s".parse::<Rate>(), Ok(Rate::PerSecond(Size(10 << 20))));
        assert_eq!("max".parse::<Rate>(), Ok(Rate::Max));
        assert_eq!("MAX".parse::<Rate>(), Ok(Rate::Max));
        for s in ["10M", "0/s", "-1M/s", "fast", "10X/s"] {
            let e = s.parse::<Rate>().unwrap_err();
            assert!(e.contains(s), "{s}: {e}");
        }
    }

    #[test]
    fn intervals() {
        assert_eq!(
            "100ms".parse::<Interval>(),
            Ok(Interval(Duration::from_millis(100)))
        );
        assert_eq!(
            "1s".parse::<Interval>(),
            Ok(Interval(Duration::from_secs(1)))
        );
        assert_eq!(
            "1500us".parse::<Interval>(),
            Ok(Interval(Duration::from_micros(1500)))
        );
        assert_eq!(
            "1.5s".parse::<Interval>(),
            Ok(Interval(Duration::from_millis(1500)))
        );
        for s in [
            "100", "0ms", "-1s", "1h", "ms", "fast", "1000000s", "1ns", "500us", "0.9ms",
        ] {
            let e = s.parse::<Interval>().unwrap_err();
            assert!(e.contains(s), "{s}: {e}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["100ms", "1s", "1500us"] {
            assert_eq!(s.parse::<Interval>().unwrap().to_string(), s);
        }
        assert_eq!(Size(100 << 20).to_string(), "100.0 MiB");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(group_digits(25600), "25 600");
        assert_eq!(group_digits(-1234567), "-1 234 567");
        assert_eq!(group_digits(12), "12");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn parsers_never_panic(s in "\\PC{0,24}") {
                let _ = s.parse::<Size>();
                let _ = s.parse::<Rate>();
                let _ = s.parse::<Interval>();
            }

            #[test]
            fn errors_name_the_value(s in "[0-9a-zA-Z./ -]{1,12}") {
                if let Err(e) = s.parse::<Size>() {
                    prop_assert!(e.contains("e.g."));
                }
                if let Err(e) = s.parse::<Interval>() {
                    prop_assert!(e.contains("e.g."));
                }
            }

            #[test]
            fn sizes_scale_by_binary_units(n in 1u64..1_000_000, unit in 0usize..4) {
                let (suffix, mult) = [("K", 1u64 << 10), ("M", 1 << 20), ("G", 1 << 30), ("", 1)][unit];
                for form in [suffix.to_string(), format!("{suffix}iB"), format!("{suffix}B")] {
                    if suffix.is_empty() && !form.is_empty() { continue; }
                    prop_assert_eq!(format!("{n}{form}").parse::<Size>(), Ok(Size(n * mult)));
                }
            }

            #[test]
            fn intervals_round_trip(us in 1_000u64..10_000_000, below in 1u64..1_000) {
                // 1 ms and more round-trips; below 1 ms is refused.
                let i = Interval(Duration::from_micros(us));
                prop_assert_eq!(i.to_string().parse::<Interval>(), Ok(i));
                let short = Interval(Duration::from_micros(below));
                prop_assert!(short.to_string().parse::<Interval>().is_err());
            }

            #[test]
            fn counts_accept_exactly_their_range(v in 0u64..3000, junk in "\\PC{0,12}") {
                let got = parse_count::<u32>(&v.to_string(), 1, 1000, 9);
                prop_assert_eq!(got.is_ok(), (1..=1000).contains(&v));
                if let Ok(n) = parse_count::<u32>(&junk, 1, 1000, 9) {
                    prop_assert!((1..=1000).contains(&n));
                }
            }

            #[test]
            fn rates_accept_any_size(n in 1u64..100_000) {
                prop_assert_eq!(format!("{n}M/s").parse::<Rate>(), Ok(Rate::PerSecond(Size(n << 20))));
            }
        }
    }
}
