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
            Some(errno) => Self::new(errno, format!("{what}: {}", errstr(errno))),
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

/// `strerror` text for a positive errno, as `libbpf_strerror` gives it: the C library's
/// own text ("Operation not permitted", "Unknown error 134"), never Rust's "(os error N)". Log
/// lines name errno values with [`errstr`] instead, as libbpf 1.7 does.
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

/// An errno as libbpf 1.6+ writes it in its log lines (its `errstr()`): the symbolic name of the
/// errno values libbpf names (`-EINVAL`, `-ENOENT`, `-ENOTSUPP` …), otherwise the negative
/// number (`-134`, `-4007`). Positive and negative `err` print alike; 0 prints `0`. The one
/// errno-to-log-text function of the crate ([`strerror`] is the C library's text, for the
/// `libbpf_strerror` API and the few log sites where libbpf still prints it).
pub fn errstr(err: i32) -> std::borrow::Cow<'static, str> {
    let e = if err > 0 { -err } else { err };
    match errno_name(-(e as i64)) {
        Some(name) => std::borrow::Cow::Borrowed(name),
        None => std::borrow::Cow::Owned(e.to_string()),
    }
}

/// The errno values [`errstr`] names, with their names.
const ERRNO_NAMES: [(i32, &str); 53] = [
    (libc::E2BIG, "-E2BIG"),
    (libc::EACCES, "-EACCES"),
    (libc::EADDRINUSE, "-EADDRINUSE"),
    (libc::EADDRNOTAVAIL, "-EADDRNOTAVAIL"),
    (libc::EAGAIN, "-EAGAIN"),
    (libc::EALREADY, "-EALREADY"),
    (libc::EBADF, "-EBADF"),
    (libc::EBADFD, "-EBADFD"),
    (libc::EBUSY, "-EBUSY"),
    (libc::ECANCELED, "-ECANCELED"),
    (libc::ECHILD, "-ECHILD"),
    (libc::EDEADLK, "-EDEADLK"),
    (libc::EDOM, "-EDOM"),
    (libc::EEXIST, "-EEXIST"),
    (libc::EFAULT, "-EFAULT"),
    (libc::EFBIG, "-EFBIG"),
    (libc::EILSEQ, "-EILSEQ"),
    (libc::EINPROGRESS, "-EINPROGRESS"),
    (libc::EINTR, "-EINTR"),
    (libc::EINVAL, "-EINVAL"),
    (libc::EIO, "-EIO"),
    (libc::EISDIR, "-EISDIR"),
    (libc::ELOOP, "-ELOOP"),
    (libc::EMFILE, "-EMFILE"),
    (libc::EMLINK, "-EMLINK"),
    (libc::EMSGSIZE, "-EMSGSIZE"),
    (libc::ENAMETOOLONG, "-ENAMETOOLONG"),
    (libc::ENFILE, "-ENFILE"),
    (libc::ENODATA, "-ENODATA"),
    (libc::ENODEV, "-ENODEV"),
    (libc::ENOENT, "-ENOENT"),
    (libc::ENOEXEC, "-ENOEXEC"),
    (libc::ENOLINK, "-ENOLINK"),
    (libc::ENOMEM, "-ENOMEM"),
    (libc::ENOSPC, "-ENOSPC"),
    (libc::ENOTBLK, "-ENOTBLK"),
    (libc::ENOTDIR, "-ENOTDIR"),
    (ENOTSUPP, "-ENOTSUPP"),
    (libc::ENOTTY, "-ENOTTY"),
    (libc::ENXIO, "-ENXIO"),
    (libc::EOPNOTSUPP, "-EOPNOTSUPP"),
    (libc::EOVERFLOW, "-EOVERFLOW"),
    (libc::EPERM, "-EPERM"),
    (libc::EPIPE, "-EPIPE"),
    (libc::EPROTO, "-EPROTO"),
    (libc::EPROTONOSUPPORT, "-EPROTONOSUPPORT"),
    (libc::ERANGE, "-ERANGE"),
    (libc::EROFS, "-EROFS"),
    (libc::ESPIPE, "-ESPIPE"),
    (libc::ESRCH, "-ESRCH"),
    (libc::ETXTBSY, "-ETXTBSY"),
    (libc::EUCLEAN, "-EUCLEAN"),
    (libc::EXDEV, "-EXDEV"),
];

/// The `-EXXX` name of a positive errno, where [`errstr`] has one.
fn errno_name(errno: i64) -> Option<&'static str> {
    ERRNO_NAMES.iter().find(|&&(e, _)| i64::from(e) == errno).map(|&(_, name)| name)
}

/// The kernel's ENOTSUPP (524), which the C library does not name.
pub const ENOTSUPP: i32 = 524;

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

#[cfg(test)]
mod errstr_tests {
    use super::errstr;

    /// The errno values libbpf 1.7's `errstr()` names (its `libbpf_errstr` switch in
    /// src/libbpf_utils.c), by number on Linux.
    const NAMED: [(i32, &str); 53] = [
        (1, "-EPERM"),
        (2, "-ENOENT"),
        (3, "-ESRCH"),
        (4, "-EINTR"),
        (5, "-EIO"),
        (6, "-ENXIO"),
        (7, "-E2BIG"),
        (8, "-ENOEXEC"),
        (9, "-EBADF"),
        (10, "-ECHILD"),
        (11, "-EAGAIN"),
        (12, "-ENOMEM"),
        (13, "-EACCES"),
        (14, "-EFAULT"),
        (15, "-ENOTBLK"),
        (16, "-EBUSY"),
        (17, "-EEXIST"),
        (18, "-EXDEV"),
        (19, "-ENODEV"),
        (20, "-ENOTDIR"),
        (21, "-EISDIR"),
        (22, "-EINVAL"),
        (23, "-ENFILE"),
        (24, "-EMFILE"),
        (25, "-ENOTTY"),
        (26, "-ETXTBSY"),
        (27, "-EFBIG"),
        (28, "-ENOSPC"),
        (29, "-ESPIPE"),
        (30, "-EROFS"),
        (31, "-EMLINK"),
        (32, "-EPIPE"),
        (33, "-EDOM"),
        (34, "-ERANGE"),
        (35, "-EDEADLK"),
        (36, "-ENAMETOOLONG"),
        (40, "-ELOOP"),
        (61, "-ENODATA"),
        (67, "-ENOLINK"),
        (71, "-EPROTO"),
        (75, "-EOVERFLOW"),
        (77, "-EBADFD"),
        (84, "-EILSEQ"),
        (90, "-EMSGSIZE"),
        (93, "-EPROTONOSUPPORT"),
        (95, "-EOPNOTSUPP"),
        (98, "-EADDRINUSE"),
        (99, "-EADDRNOTAVAIL"),
        (114, "-EALREADY"),
        (115, "-EINPROGRESS"),
        (117, "-EUCLEAN"),
        (125, "-ECANCELED"),
        (524, "-ENOTSUPP"),
    ];

    fn expected(errno: i32) -> String {
        match NAMED.iter().find(|&&(e, _)| e == errno) {
            Some(&(_, name)) => name.to_string(),
            None => format!("-{errno}"),
        }
    }

    #[test]
    fn every_errno_both_signs() {
        for e in 1..=133 {
            assert_eq!(errstr(e), expected(e), "errno {e}");
            assert_eq!(errstr(-e), expected(e), "errno -{e}");
        }
        // 37 (ENOLCK), 38 (ENOSYS), 39 (ENOTEMPTY), 110 (ETIMEDOUT) and 111 (ECONNREFUSED) have
        // no name in libbpf's table: the number is printed.
        for (e, text) in [(37, "-37"), (38, "-38"), (39, "-39"), (110, "-110"), (111, "-111"), (133, "-133")] {
            assert_eq!(errstr(e), text);
        }
    }

    #[test]
    fn out_of_range_values() {
        assert_eq!(errstr(0), "0");
        assert_eq!(errstr(134), "-134");
        assert_eq!(errstr(524), "-ENOTSUPP");
        assert_eq!(errstr(-524), "-ENOTSUPP");
        assert_eq!(errstr(525), "-525");
        assert_eq!(errstr(4007), "-4007");
        assert_eq!(errstr(-4001), "-4001");
        assert_eq!(errstr(i32::MAX), "-2147483647");
        assert_eq!(errstr(i32::MIN), "-2147483648");
        assert_eq!(errstr(-i32::MAX), "-2147483647");
    }
}
