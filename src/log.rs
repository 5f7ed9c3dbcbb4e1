//! libbpf-style logging: every message goes through the user's `libbpf_set_print` callback as
//! `"libbpf: …\n"` with a level of WARN, INFO or DEBUG, or to the default printer (stderr, WARN and
//! INFO only like libbpf; `LIBBPF_LOG_LEVEL=debug` in the environment adds DEBUG; the filter lives
//! in the C shim so the default handed back by `libbpf_set_print` keeps it).
//!
//! The callback takes a `va_list`, which stable Rust cannot build; `csrc/print_shim.c` does it.
//! Messages are passed as `"%s"` plus one string, except the verifier-log banner, which keeps
//! libbpf's exact two-argument format because some callers parse its arguments.

use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `enum libbpf_print_level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(C)]
pub enum Level {
    Warn = 0,
    Info = 1,
    Debug = 2,
}

/// The raw callback type; the third argument is a `va_list` (a pointer-sized handle on x86_64's
/// ABI when passed as a parameter). We never touch it: only the C shim builds and forwards it.
pub type RawPrintFn = unsafe extern "C" fn(level: u32, fmt: *const c_char, ap: *mut c_void) -> c_int;

extern "C" {
    #[doc(hidden)]
    pub fn oxbpf_shim_print(cb: RawPrintFn, level: c_int, fmt: *const c_char, ...) -> c_int;
    fn oxbpf_shim_stderr(level: u32, fmt: *const c_char, ap: *mut c_void) -> c_int;
    fn oxbpf_shim_stderr_enabled(level: c_int) -> c_int;
}

/// Which printer is installed. `Default` is libbpf's stderr sink; `None` is a NULL callback,
/// which silences everything (libbpf_set_print(NULL)).
#[derive(Clone, Copy)]
enum Printer {
    Default,
    Silent,
    User(RawPrintFn),
}

/// The installed printer as one word ([`SILENT`], [`DEFAULT`] or the callback's address), read
/// with a plain load by every message (libbpf swaps and reads its `__libbpf_pr` the same way): a
/// lock here cost two atomic read-modify-writes per debug line, thousands per large open.
static PRINTER: AtomicUsize = AtomicUsize::new(DEFAULT);
const SILENT: usize = 0;
const DEFAULT: usize = 1;

impl Printer {
    fn encode(self) -> usize {
        match self {
            Printer::Silent => SILENT,
            Printer::Default => DEFAULT,
            Printer::User(f) => f as usize,
        }
    }
    fn decode(w: usize) -> Printer {
        match w {
            SILENT => Printer::Silent,
            DEFAULT => Printer::Default,
            // SAFETY: every other word stored in PRINTER is `encode` of a `RawPrintFn` (function
            // addresses are never 0 or 1), so this gives back that same function pointer.
            f => Printer::User(unsafe { std::mem::transmute::<usize, RawPrintFn>(f) }),
        }
    }
    fn get() -> Printer {
        Printer::decode(PRINTER.load(Ordering::Acquire))
    }
}

/// Install a callback (`None` = silence) and return the previous one as libbpf does: the
/// default printer is reported as libbpf's own default function, which here is the shim's.
pub fn set_print(cb: Option<RawPrintFn>) -> Option<RawPrintFn> {
    let new = match cb {
        Some(f) => Printer::User(f),
        None => Printer::Silent,
    };
    let old = Printer::decode(PRINTER.swap(new.encode(), Ordering::AcqRel));
    match old {
        Printer::Default => Some(oxbpf_shim_stderr as RawPrintFn),
        Printer::Silent => None,
        Printer::User(f) => Some(f),
    }
}

/// The callback to use now, or `None` when printing is silenced.
fn current() -> Option<RawPrintFn> {
    match Printer::get() {
        Printer::Silent => None,
        Printer::Default => Some(oxbpf_shim_stderr as RawPrintFn),
        Printer::User(f) => Some(f),
    }
}

/// Whether a message at `level` can reach any printer: false when printing is silenced, or when
/// the default printer would drop it (DEBUG without `LIBBPF_LOG_LEVEL=debug`). A user callback
/// sees every level, as in libbpf. The `pr_*!` macros format nothing when this is false.
pub fn enabled(level: Level) -> bool {
    match Printer::get() {
        Printer::Silent => false,
        Printer::User(_) => true,
        // SAFETY: a plain C function of the shim taking and returning ints.
        Printer::Default => (unsafe { oxbpf_shim_stderr_enabled(level as c_int) }) != 0,
    }
}

/// The printer to hand a `level` message to, or `None` when none would print it
/// ([`enabled`]). For [`pr_debug_c!`].
pub fn printer_for(level: Level) -> Option<RawPrintFn> {
    // One read of the printer (this runs for every hot debug line).
    match Printer::get() {
        Printer::Silent => None,
        Printer::User(f) => Some(f),
        Printer::Default => {
            // SAFETY: a plain C function of the shim taking and returning ints.
            let on = unsafe { oxbpf_shim_stderr_enabled(level as c_int) } != 0;
            on.then_some(oxbpf_shim_stderr as RawPrintFn)
        }
    }
}

/// Emit one message. `msg` is the text after "libbpf: "; a trailing newline is added if absent.
pub fn print(level: Level, msg: &str) {
    print_args(level, format_args!("{msg}"))
}

thread_local! {
    /// The line buffer of [`print_args`], reused so a message costs no allocation.
    static LINE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// [`print`] of formatting arguments: formatted once, straight into a reused buffer, as
/// `"libbpf: " + text + ['\n'] + NUL` (NUL bytes inside the text are dropped).
pub fn print_args(level: Level, args: std::fmt::Arguments<'_>) {
    let Some(cb) = current() else { return };
    // Taken out of the thread-local, so a callback that logs again gets a buffer of its own.
    let mut line = LINE.with(|l| l.take());
    line.clear();
    line.extend_from_slice(b"libbpf: ");
    // Writing into a Vec cannot fail; a Display impl that errs leaves what it wrote.
    let _ = std::io::Write::write_fmt(&mut line, args);
    if line.last() != Some(&b'\n') {
        line.push(b'\n');
    }
    if line.contains(&0) {
        line.retain(|&b| b != 0);
    }
    line.push(0);
    // SAFETY: `cb` is a callback the user installed with the documented libbpf signature (or our
    // own stderr sink); the format "%s" consumes exactly the one C string argument we pass, which
    // is NUL-terminated (pushed above, none inside) and outlives the call.
    unsafe {
        oxbpf_shim_print(cb, level as c_int, c"%s".as_ptr(), line.as_ptr() as *const c_char);
    }
    if line.capacity() <= 64 << 10 {
        LINE.with(|l| l.set(line));
    }
}

/// The verifier-log banner in libbpf's exact format, with the program name and the log as the
/// two `%s` arguments so callers that parse the arguments find them where libbpf puts them.
pub fn print_prog_load_log(level: Level, prog: &str, log: &str) {
    let Some(cb) = current() else { return };
    let name = to_cstring(prog.to_string());
    let text = to_cstring(log.to_string());
    // SAFETY: as in `print`; the format consumes exactly two C strings, both live across the call.
    unsafe {
        oxbpf_shim_print(
            cb,
            level as c_int,
            c"libbpf: prog '%s': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n".as_ptr(),
            name.as_ptr(),
            text.as_ptr(),
        );
    }
}

fn to_cstring(s: String) -> CString {
    CString::new(s).unwrap_or_else(|e| {
        let mut v = e.into_vec();
        v.retain(|&b| b != 0);
        CString::new(v).unwrap_or_default()
    })
}

/// `pr_warn!("map '{}': bad thing", name)` — libbpf's pr_warn/pr_info/pr_debug. The arguments
/// are formatted only when a printer will see the level ([`enabled`]).
#[macro_export]
macro_rules! pr_warn { ($($t:tt)*) => { $crate::pr_at!($crate::log::Level::Warn, $($t)*) }; }
#[macro_export]
macro_rules! pr_info { ($($t:tt)*) => { $crate::pr_at!($crate::log::Level::Info, $($t)*) }; }
#[macro_export]
macro_rules! pr_debug { ($($t:tt)*) => { $crate::pr_at!($crate::log::Level::Debug, $($t)*) }; }
/// A debug line of a hot path (one per program or relocation) handed to the printer as a C
/// format with C arguments, as libbpf does: formatted only by a callback that prints it, not
/// for a callback that drops debug output. The format must be a `c"libbpf: ...\n"` literal
/// whose conversions match the arguments' C types exactly (`%zu` usize, `%llu` u64, `%d`
/// c_int, `%s` a NUL-terminated pointer, `%.*s` a c_int length then a pointer: the way to
/// print a `&str`, see [`cs`]); the text must be what [`pr_debug!`] would print. It expands
/// to a call of the C variadic printer, so it must be used inside an `unsafe` block whose
/// SAFETY comment states that the format and the arguments match.
#[macro_export]
macro_rules! pr_debug_c {
    ($fmt:expr $(, $arg:expr)* $(,)?) => {
        if let Some(cb) = $crate::log::printer_for($crate::log::Level::Debug) {
            let fmt: &'static ::std::ffi::CStr = $fmt;
            $crate::log::oxbpf_shim_print(cb, $crate::log::Level::Debug as ::std::ffi::c_int, fmt.as_ptr() $(, $arg)*);
        }
    };
}

/// `(len, ptr)` of a `&str` for a `%.*s` conversion of [`pr_debug_c!`].
pub fn cs(s: &str) -> (c_int, *const c_char) {
    (c_int::try_from(s.len()).unwrap_or(c_int::MAX), s.as_ptr() as *const c_char)
}

#[doc(hidden)]
#[macro_export]
macro_rules! pr_at {
    ($level:expr, $($t:tt)*) => {
        if $crate::log::enabled($level) {
            $crate::log::print_args($level, format_args!($($t)*))
        }
    };
}
