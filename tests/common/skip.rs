//! How a Rust test skips: `skip!("needs root ({why})")` prints `SKIP: <test>: <reason>` and, when
//! `OXBPF_SKIP_LOG` names a file (scripts/test.sh sets it), appends `<crate>::<test>: <reason>`
//! to it. libtest counts a test that returns early as passed; scripts/test.sh reads the log,
//! counts each recorded skip as skipped instead, and on CI fails on any skip whose reason is
//! not allowed by `.ci/allowed-skips`.
//!
//! Part of `tests/common` (each test crate has `mod common;`); the macro is exported at the crate
//! root, so tests write `skip!(...)` or `crate::skip!(...)`.

/// Record a skip of the running test with the reason given (format arguments); the caller
/// returns right after.
#[macro_export]
macro_rules! skip {
    ($($t:tt)*) => { $crate::common::skip::record(&format!($($t)*)) };
}

pub fn record(reason: &str) {
    let test = std::thread::current().name().unwrap_or("?").to_string();
    let line = format!("{}::{}: {}", env!("CARGO_CRATE_NAME"), test, reason);
    eprintln!("SKIP: {line}");
    if let Some(path) = std::env::var_os("OXBPF_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{line}");
        }
    }
}
