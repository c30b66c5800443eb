//! memlab's own process limits, checked and set at the very start of `main`,
//! and the standard descriptors made safe to use.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Below this stack limit (`ulimit -s`) clap's parser alone can overflow.
pub const MIN_STACK_BYTES: u64 = 512 << 10;
/// Below this address-space limit (`ulimit -v`, `prlimit --as`) memlab's
/// own binary, libraries and buffers do not fit.
pub const MIN_AS_BYTES: u64 = 64 << 20;

/// The soft RLIMIT_CORE memlab was started with (u64::MAX = unlimited),
/// saved before memlab sets its own to 0.
static CORE_SOFT: AtomicU64 = AtomicU64::new(u64::MAX);
static CORE_SAVED: AtomicBool = AtomicBool::new(false);

/// Standard descriptors that were closed when memlab started (bit 0, 1, 2).
static CLOSED_STD: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

fn soft_limit(res: libc::__rlimit_resource_t) -> Option<libc::rlimit> {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the live local.
    (unsafe { libc::getrlimit(res, &mut rl) } == 0).then_some(rl)
}

/// Check the inherited stack and address-space limits before anything can
/// overflow or fail to allocate: `Err` holds the one line to print (exit 1),
/// from the catalogue's static text in the locale's language (the
/// environment read with getenv alone). Formats nothing on the heap when a
/// limit is too small.
pub fn check_own_limits() -> Result<(), &'static str> {
    let id = if let Some(rl) = soft_limit(libc::RLIMIT_STACK)
        && rl.rlim_cur != libc::RLIM_INFINITY
        && rl.rlim_cur < MIN_STACK_BYTES
    {
        "err.limit.stack"
    } else if let Some(rl) = soft_limit(libc::RLIMIT_AS)
        && rl.rlim_cur != libc::RLIM_INFINITY
        && rl.rlim_cur < MIN_AS_BYTES
    {
        "err.limit.as"
    } else {
        return Ok(());
    };
    let ja = locale_is_japanese_utf8();
    Err(
        crate::i18n::lookup(id).map_or("memlab: error: a process limit is too small", |m| {
            if ja { m.ja } else { m.en }
        }),
    )
}

/// The value of the environment variable `name`, without copying it.
fn getenv(name: &std::ffi::CStr) -> Option<&'static [u8]> {
    // SAFETY: getenv reads the environment, which nothing changes while
    // memlab starts (one thread, before any setenv); the string it points
    // to lives as long as the process does, and is not modified.
    let p = unsafe { libc::getenv(name.as_ptr()) };
    // SAFETY: a non-null result of getenv is a NUL-terminated string.
    (!p.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(p) }.to_bytes())
}

/// The rule of `i18n::locale_lang` and `output::term::utf8` on the raw
/// environment, without the heap: the locale's language is Japanese and
/// its charset UTF-8.
pub fn locale_is_japanese_utf8() -> bool {
    let first = |names: &[&std::ffi::CStr]| {
        names
            .iter()
            .find_map(|n| getenv(n).filter(|v| !v.is_empty()))
    };
    let ja = first(&[c"LANGUAGE", c"LC_ALL", c"LC_MESSAGES", c"LANG"])
        .is_some_and(|v| v.starts_with(b"ja"));
    let utf8 = first(&[c"LC_ALL", c"LC_CTYPE", c"LANG"]).is_some_and(|v| {
        let charset = v.split(|&b| b == b'.').nth(1).unwrap_or(b"");
        let charset = charset.split(|&b| b == b'@').next().unwrap_or(b"");
        charset.eq_ignore_ascii_case(b"utf-8") || charset.eq_ignore_ascii_case(b"utf8")
    });
    ja && utf8
}

/// Print a line with write(2) alone (no allocation, no stdio lock).
pub fn print_raw_stderr(line: &str) {
    let _ = super::write_fd_raw(2, line.as_bytes());
}

/// Set memlab's own soft RLIMIT_CORE to 0 (a memlab that crashes writes no
/// core), keeping the hard limit so that [`restore_inherited_limits`] can
/// give a command run under `memlab watch --` what it would have had.
pub fn no_core_for_memlab() {
    if let Some(rl) = soft_limit(libc::RLIMIT_CORE) {
        CORE_SOFT.store(rl.rlim_cur, Ordering::SeqCst);
        CORE_SAVED.store(true, Ordering::SeqCst);
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: rl.rlim_max,
        };
        // SAFETY: setrlimit reads one rlimit; lowering a soft limit is
        // always allowed and changes only this process.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) };
    }
}

/// In a child about to exec a user's command (`memlab watch -- CMD`): put
/// back the RLIMIT_CORE memlab was started with, so the command may dump
/// core as it would have outside memlab. Call it after `fork_child` (whose
/// setup sets the soft limit to 0) and just before `exec`.
pub fn restore_inherited_limits() {
    if !CORE_SAVED.load(Ordering::SeqCst) {
        return;
    }
    if let Some(rl) = soft_limit(libc::RLIMIT_CORE) {
        let saved: libc::rlim_t = CORE_SOFT.load(Ordering::SeqCst);
        let back = libc::rlimit {
            rlim_cur: if rl.rlim_max == libc::RLIM_INFINITY {
                saved
            } else {
                saved.min(rl.rlim_max)
            },
            rlim_max: rl.rlim_max,
        };
        // SAFETY: setrlimit reads one rlimit; a soft limit up to the hard
        // limit is always allowed and changes only this process.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &back) };
    }
}

/// Reopen fd 0, 1 and 2 on /dev/null when they are closed, so that the next
/// `open` cannot take their number (and "stdout" land in an output file).
/// Remembers which were closed: see [`std_fd_was_closed`]. Rust's runtime
/// already reopens a closed standard descriptor on /dev/null, read-write,
/// before `main`: such a descriptor counts as closed too (a shell's
/// `>/dev/null` opens it write-only).
pub fn reopen_closed_std_fds() {
    for fd in 0..=2 {
        // SAFETY: fcntl(F_GETFD) only asks whether `fd` is open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1 {
            if fd != 0 && is_runtime_dev_null(fd) {
                CLOSED_STD.fetch_or(1 << fd, Ordering::SeqCst);
            }
            continue;
        }
        CLOSED_STD.fetch_or(1 << fd, Ordering::SeqCst);
        let flags = if fd == 0 {
            libc::O_RDONLY
        } else {
            libc::O_WRONLY
        };
        // SAFETY: open of a constant NUL-terminated path; dup2 onto the
        // closed standard number, then close of the extra descriptor.
        unsafe {
            let null = libc::open(c"/dev/null".as_ptr(), flags);
            if null >= 0 && null != fd {
                libc::dup2(null, fd);
                libc::close(null);
            }
        }
    }
}

/// Is `fd` /dev/null opened read-write, as Rust's runtime does for a
/// standard descriptor that was closed?
fn is_runtime_dev_null(fd: i32) -> bool {
    let Ok(st) = nix::sys::stat::fstat(fd) else {
        return false;
    };
    let null = st.st_mode & libc::S_IFMT == libc::S_IFCHR && st.st_rdev == libc::makedev(1, 3);
    // SAFETY: fcntl(F_GETFL) only reads the descriptor's status flags.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    null && fl != -1 && fl & libc::O_ACCMODE == libc::O_RDWR
}

/// True when standard descriptor `fd` (0, 1 or 2) was closed at start.
pub fn std_fd_was_closed(fd: i32) -> bool {
    (0..=2).contains(&fd) && CLOSED_STD.load(Ordering::SeqCst) & (1 << fd) != 0
}
