//! A series of any length drawn from a bounded number of points, for the
//! charts of runs as long as the user likes (`watch`, `demand-paging`).

/// A series of any length drawn from at most `2 × buckets` points: each
/// bucket of consecutive samples keeps its lowest and its highest point, so
/// every local peak survives; when the buckets run out, neighbours merge
/// and each bucket covers twice as many samples. Each point may carry a
/// payload `P` (e.g. the row it came from).
#[derive(Clone, Debug)]
pub struct Downsample<P = ()> {
    max_buckets: usize,
    width: u64,
    n: u64,
    buckets: Vec<[(f64, f64, P); 2]>,
}

impl<P: Copy> Downsample<P> {
    pub fn new(max_buckets: usize) -> Downsample<P> {
        Downsample {
            max_buckets: max_buckets.max(2),
            width: 1,
            n: 0,
            buckets: Vec::new(),
        }
    }

    /// A point and what it carries.
    pub fn push_with(&mut self, t: f64, v: f64, p: P) {
        let b = (self.n / self.width) as usize;
        self.n += 1;
        if b < self.buckets.len() {
            let [lo, hi] = &mut self.buckets[b];
            if v < lo.1 {
                *lo = (t, v, p);
            }
            if v > hi.1 {
                *hi = (t, v, p);
            }
            return;
        }
        self.buckets.push([(t, v, p), (t, v, p)]);
        if self.buckets.len() > self.max_buckets {
            let merged = self
                .buckets
                .chunks(2)
                .map(|c| match c {
                    [a, b] => [
                        if b[0].1 < a[0].1 { b[0] } else { a[0] },
                        if b[1].1 > a[1].1 { b[1] } else { a[1] },
                    ],
                    [a] => *a,
                    _ => unreachable!("chunks(2) yields one or two"),
                })
                .collect();
            self.buckets = merged;
            self.width *= 2;
        }
    }

    /// The points in time order, with what they carry.
    pub fn points_with(&self) -> Vec<(f64, f64, P)> {
        let mut out = Vec::with_capacity(self.buckets.len() * 2);
        for [lo, hi] in &self.buckets {
            let (a, b) = if lo.0 <= hi.0 { (lo, hi) } else { (hi, lo) };
            out.push(*a);
            if (b.0, b.1) != (a.0, a.1) {
                out.push(*b);
            }
        }
        out
    }

    /// The points in time order.
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.points_with()
            .into_iter()
            .map(|(t, v, _)| (t, v))
            .collect()
    }
}

impl Downsample<()> {
    pub fn push(&mut self, t: f64, v: f64) {
        self.push_with(t, v, ());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_is_bounded_and_keeps_every_spike() {
        let mut d: Downsample = Downsample::new(64);
        let spikes = [777u64, 40_001, 99_998];
        for i in 0..100_000u64 {
            let v = if spikes.contains(&i) {
                500.0
            } else {
                (i % 7) as f64
            };
            d.push(i as f64, v);
        }
        let p = d.points();
        assert!(p.len() <= 128, "{}", p.len());
        for s in spikes {
            assert!(p.contains(&(s as f64, 500.0)), "spike at {s} lost");
        }
        assert!(p.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(p.iter().any(|x| x.1 == 0.0), "the lows stay too");
    }

    #[test]
    fn each_point_keeps_what_it_carries() {
        let mut d = Downsample::new(4);
        for i in 0..1000u64 {
            d.push_with(i as f64, (i % 10) as f64, i);
        }
        assert!(d.points_with().iter().all(|(t, _, i)| *t == *i as f64));
    }
}
