//! A test-only hook: `MEMLAB_TEST_PAUSE=STAGE` makes memlab stop at the
//! named stage for `MEMLAB_TEST_PAUSE_MS` milliseconds (default 3000), after
//! printing `memlab: test pause at STAGE` on stderr, so a test can act at
//! that precise moment (fill a disk, send a signal, SIGKILL). A signal ends
//! the pause. Stages: `run` (before the experiment runs), `emit` (after the
//! run, before any output is written), `write` (a temporary output file is
//! created and locked, nothing written yet). `MEMLAB_TEST_PAUSE=alloc`
//! instead asks the allocator for 1 TiB at `run`, to see memlab's answer to
//! a failed allocation. Not for users.

pub fn hook(stage: &str) {
    let Some(want) = std::env::var_os("MEMLAB_TEST_PAUSE") else {
        return;
    };
    if want == "alloc" && stage == "run" {
        let v: Vec<u8> = Vec::with_capacity(1 << 40);
        std::hint::black_box(&v);
        return;
    }
    if want != stage {
        return;
    }
    let ms = std::env::var("MEMLAB_TEST_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(3000);
    super::limits::print_raw_stderr(&format!("memlab: test pause at {stage}\n"));
    super::sleep_until(std::time::Instant::now() + std::time::Duration::from_millis(ms));
}
