//! The integration tests, in one binary (one link, not twenty): one module
//! per area. `tests/swap.rs` is a binary of its own because it adds swap
//! areas, which must not overlap the other tests (an OOM test's child would
//! swap instead of being killed). Tests whose outcome depends on the host's
//! timing (signals landing mid-run, sampling rates) live in `signals`,
//! `concurrency` and `watch`: `cargo test --test suite -- --skip signals::
//! --skip concurrency:: --skip watch::` leaves them out.

mod all;
mod cli_errors;
mod common;
mod concurrency;
mod cow;
mod csv_values;
mod demand_paging;
mod docs;
mod faults;
mod filemap;
mod free;
mod guard;
mod hugepage;
mod i18n;
mod i18n_group3;
mod i18n_group4;
mod i18n_group5;
mod isolation;
mod malloc;
mod mmap;
mod odd_hosts;
mod oom;
mod page_cache;
mod page_table;
mod report;
mod segv;
mod signals;
mod unprivileged;
mod watch;
