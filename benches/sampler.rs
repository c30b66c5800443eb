//! The cost of one sample: every /proc read the sampler makes, timed one by
//! one, on a sleeping child process (what `memlab watch` and the
//! demand-paging sampler look at).
//!
//! Run with `cargo bench --bench sampler` (or `bench/run.sh`); not part of
//! `cargo test`. Each reading is timed back to back (warm caches) and with a
//! sleep between readings (10 ms and 100 ms: caches and branch predictors
//! gone cold, as in a real sampler), and the figures are p50/p99/mean in µs.
//! The "reopen" rows are the same files opened, read and closed through the
//! procfs crate each time (how memlab read them before it kept them open),
//! alternated with memlab's reading in the same loop so their ratio is fair
//! on a drifting host.

use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use memlab::probe::meminfo::{MemInfo, pcp_free_kib};
use memlab::probe::process::ProcHandle;
use procfs::Current;

type Reading<'a> = (&'a str, Box<dyn Fn() + 'a>);

fn main() {
    // `cargo bench` passes --bench; a number sets the samples per mode.
    let quick = std::env::args().any(|a| a == "--quick");
    let mut child = Command::new("sleep")
        .arg("600")
        .stdin(Stdio::null())
        .spawn()
        .expect("starting a sleeping child");
    let pid = child.id() as i32;
    let target = ProcHandle::new(pid).expect("opening /proc/PID of the child");
    let proc = procfs::process::Process::new(pid).expect("opening /proc/PID");
    let readings = readings(&target, &proc);
    measure(&readings, quick);
    let _ = child.kill();
    let _ = child.wait();
}

/// Every reading the sampler makes, as a closure over the child's handles.
fn readings<'a>(target: &'a ProcHandle, proc: &'a procfs::process::Process) -> Vec<Reading<'a>> {
    vec![
        (
            "stat+statm (ProcHandle::sample)",
            Box::new(|| {
                black_box(target.sample().expect("sampling the child"));
            }),
        ),
        (
            "stat+statm, reopened each time (procfs crate)",
            Box::new(|| {
                black_box(proc.stat().expect("stat"));
                black_box(proc.statm().expect("statm"));
            }),
        ),
        (
            "meminfo (MemInfo::read_with_pcp)",
            Box::new(|| {
                black_box(MemInfo::read_with_pcp(0).expect("meminfo"));
            }),
        ),
        (
            "meminfo, reopened each time (procfs crate)",
            Box::new(|| {
                black_box(procfs::Meminfo::current().expect("meminfo"));
            }),
        ),
        (
            "zoneinfo (pcp_free_kib)",
            Box::new(|| {
                black_box(pcp_free_kib());
            }),
        ),
        (
            "watch, one process of a tree (ProcHandle::sample_tree)",
            Box::new(|| {
                black_box(target.sample_tree().expect("sampling the child"));
            }),
        ),
        (
            "watch, VmHWM (ProcHandle::vm_hwm_kib, status kept open)",
            Box::new(|| {
                black_box(target.vm_hwm_kib().expect("status of the child"));
            }),
        ),
        (
            "watch, new processes? (/proc/loadavg)",
            Box::new(|| {
                black_box(std::fs::read_to_string("/proc/loadavg").expect("loadavg"));
            }),
        ),
        (
            "watch, a look at every process (read_dir /proc + each stat)",
            Box::new(|| {
                let mut n = 0u64;
                for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
                    let name = e.file_name();
                    if name.to_str().is_some_and(|s| s.parse::<u32>().is_ok()) {
                        let p = e.path().join("stat");
                        n += std::fs::read(p).map_or(0, |v| v.len() as u64);
                    }
                }
                black_box(n);
            }),
        ),
        (
            "one demand-paging sample (stat+statm+meminfo)",
            Box::new(|| {
                black_box(target.sample().expect("sampling the child"));
                black_box(MemInfo::read_with_pcp(0).expect("meminfo"));
            }),
        ),
    ]
}

/// Time every reading in each mode, alternated inside one loop.
fn measure(readings: &[Reading<'_>], quick: bool) {
    let modes: [(&str, Duration, usize); 3] = if quick {
        [
            ("back-to-back", Duration::ZERO, 500),
            ("every 10 ms", Duration::from_millis(10), 30),
            ("every 100 ms", Duration::from_millis(100), 5),
        ]
    } else {
        [
            ("back-to-back", Duration::ZERO, 5000),
            ("every 10 ms", Duration::from_millis(10), 200),
            ("every 100 ms", Duration::from_millis(100), 30),
        ]
    };

    println!("reading,mode,n,p50_us,p99_us,mean_us");
    for (mode, gap, n) in modes {
        // Alternate the readings inside one loop: every reading sees the same
        // host, and a drift hits them all alike.
        let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(n); readings.len()];
        for (_, f) in readings {
            f(); // first touch: page in the code and the dentries
        }
        for _ in 0..n {
            for (i, (_, f)) in readings.iter().enumerate() {
                if !gap.is_zero() {
                    std::thread::sleep(gap);
                }
                let t = Instant::now();
                f();
                times[i].push(t.elapsed().as_nanos() as f64 / 1e3);
            }
        }
        for (i, (name, _)) in readings.iter().enumerate() {
            let v = &mut times[i];
            v.sort_by(|a, b| a.total_cmp(b));
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            println!(
                "\"{name}\",{mode},{},{:.1},{:.1},{:.1}",
                v.len(),
                pct(v, 0.50),
                pct(v, 0.99),
                mean
            );
        }
    }
}

/// The q-quantile of sorted values (nearest rank).
fn pct(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}
