//! One error type for the safe core. Every failure carries the context a user needs to find the
//! problem (section, symbol, relocation index, program or map name) and maps to exactly one errno
//! at the C boundary.

use std::fmt;

/// A failure in the safe core: an errno for the C boundary plus a human-readable account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    errno: i32,
    msg: String,
    /// Logged as a WARN line at the C boundary; false for expected outcomes such as a lookup that
    /// finds nothing (libbpf is silent there too).
    log: bool,
    /// The boundary prefixes the exported function's name (errors found before the core knew
    /// what it was working on, e.g. a refused handle).
    name_func: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with an explicit errno (positive, e.g. `libc::EINVAL`).
    pub fn new(errno: i32, msg: impl Into<String>) -> Self {
        debug_assert!(errno > 0, "errno must be positive");
        Error { errno, msg: msg.into(), log: true, name_func: false }
    }
    /// An expected failure that the C boundary reports by errno alone, without a log line.
    pub fn quiet(errno: i32) -> Self {
        Error { errno, msg: String::new(), log: false, name_func: false }
    }
    /// A pointer that is not a live handle of the expected type: `EINVAL`, logged with the name
    /// of the export that refused it.
    pub fn bad_handle(msg: impl Into<String>) -> Self {
        Error { errno: libc::EINVAL, msg: msg.into(), log: true, name_func: true }
    }
    /// Whether the boundary prefixes the export's name when logging.
    pub fn names_func(&self) -> bool {
        self.name_func
    }
    /// Whether the boundary should print this error.
    pub fn should_log(&self) -> bool {
        self.log && !self.msg.is_empty()
    }
    /// Malformed input (ELF, BTF, options): `EINVAL`.
    pub fn inval(msg: impl Into<String>) -> Self {
        Self::new(libc::EINVAL, msg)
    }
    /// Malformed BTF/.BTF.ext contents: `-EINVAL`, as libbpf's btf__new/btf_ext__new give.
    /// (Malformed ELF containers in the object open path are `-LIBBPF_ERRNO__FORMAT` instead:
    /// see `object::format_err`.)
    pub fn format(msg: impl Into<String>) -> Self {
        Self::new(libc::EINVAL, msg)
    }
    pub fn nomem(msg: impl Into<String>) -> Self {
        Self::new(libc::ENOMEM, msg)
    }
    pub fn notsup(msg: impl Into<String>) -> Self {
        Self::new(libc::EOPNOTSUPP, msg)
    }
    /// A failed syscall or libc call, from `std::io::Error`.
    pub fn io(what: impl fmt::Display, e: &std::io::Error) -> Self {
        match e.raw_os_error() {
            Some(errno) => Self::new(errno, format!("{what}: {}", strerror(errno))),
            None => Self::new(libc::EIO, format!("{what}: {e}")),
        }
    }
    /// Positive errno value.
    pub fn errno(&self) -> i32 {
        self.errno
    }
    pub fn message(&self) -> &str {
        &self.msg
    }
    /// Prefix more context: `e.context("map 'foo'")` → "map 'foo': `old message`".
    pub fn context(mut self, ctx: impl fmt::Display) -> Self {
        self.msg = format!("{ctx}: {}", self.msg);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

/// Add context to a `Result` in place.
pub trait Context<T> {
    fn context(self, ctx: impl fmt::Display) -> Result<T>;
    fn with_context<D: fmt::Display>(self, f: impl FnOnce() -> D) -> Result<T>;
}

impl<T> Context<T> for Result<T> {
    fn context(self, ctx: impl fmt::Display) -> Result<T> {
        self.map_err(|e| e.context(ctx))
    }
    fn with_context<D: fmt::Display>(self, f: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| e.context(f()))
    }
}

/// `strerror` text for a positive errno, as libbpf prints it in its messages: the C library's
/// own text ("Operation not permitted", "Unknown error 134"), never Rust's "(os error N)". The
/// one errno-to-text function of the crate.
pub fn strerror(errno: i32) -> String {
    let mut buf = [0u8; 128];
    strerror_into(errno, &mut buf);
    let n = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// The C library's XSI `strerror_r` into `out` (always NUL-terminated when non-empty): returns
/// 0, or a positive EINVAL for an unknown code / ERANGE when `out` was too short.
pub fn strerror_into(errno: i32, out: &mut [u8]) -> i32 {
    if out.is_empty() {
        return libc::ERANGE;
    }
    // SAFETY: `out` is a writable buffer of out.len() bytes for the call's duration; the XSI
    // strerror_r writes at most that many bytes.
    let ret = unsafe { libc::strerror_r(errno, out.as_mut_ptr() as *mut std::ffi::c_char, out.len()) };
    let last = out.len() - 1;
    out[last] = 0;
    ret
}

/// libbpf's error numbers past the errno range (`enum libbpf_errno`), and the text
/// `libbpf_strerror` gives them.
pub mod lerr {
    pub const LIBELF: i32 = 4000;
    pub const FORMAT: i32 = 4001;
    pub const KVERSION: i32 = 4002;
    pub const ENDIAN: i32 = 4003;
    pub const INTERNAL: i32 = 4004;
    pub const RELOC: i32 = 4005;
    pub const LOAD: i32 = 4006;
    pub const VERIFY: i32 = 4007;
    pub const PROG2BIG: i32 = 4008;
    pub const KVER: i32 = 4009;
    pub const PROGTYPE: i32 = 4010;
    pub const WRNGPID: i32 = 4011;
    pub const INVSEQ: i32 = 4012;
    pub const NLPARSE: i32 = 4013;
    /// The first of them: smaller codes are errno values.
    pub const START: i32 = LIBELF;

    /// libbpf 1.5's text for code `e`. Its table has no entry for `LOAD`, so it formats a
    /// NULL string, which glibc prints as "(null)"; callers see exactly that, so it is kept.
    pub fn text(e: i32) -> Option<&'static str> {
        Some(match e {
            LIBELF => "Something wrong in libelf",
            FORMAT => "BPF object format invalid",
            KVERSION => "'version' section incorrect or lost",
            ENDIAN => "Endian mismatch",
            INTERNAL => "Internal error in libbpf",
            RELOC => "Relocation failed",
            LOAD => "(null)",
            VERIFY => "Kernel verifier blocks program loading",
            PROG2BIG => "Program too big",
            KVER => "Incorrect kernel version",
            PROGTYPE => "Kernel doesn't support this program type",
            WRNGPID => "Wrong pid in netlink message",
            INVSEQ => "Invalid netlink sequence",
            NLPARSE => "Incorrect netlink message parsing",
            _ => return None,
        })
    }
}
