/* Builds the va_list that libbpf print callbacks take.
 *
 * Rust calls oxbpf_shim_print(cb, level, fmt, ...) as an ordinary C variadic call; this function
 * turns its variadic tail into a va_list and hands it to the user's callback, so a callback sees
 * exactly what libbpf would give it (including multi-argument formats that some callers parse,
 * such as the verifier-log banner). Compiled with -fvisibility=hidden: never exported. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

typedef int (*oxbpf_print_fn)(int level, const char *fmt, va_list ap);

int oxbpf_shim_print(oxbpf_print_fn cb, int level, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cb(level, fmt, ap);
	va_end(ap);
	return ret;
}

/* Whether the default sink prints `level`: WARN (0) and INFO (1) always, DEBUG (2) only with
 * LIBBPF_LOG_LEVEL=debug in the environment, read once per process as libbpf does. The Rust side
 * asks too, so that it formats no message the default sink would drop. */
int oxbpf_shim_stderr_enabled(int level)
{
	static int debug = -1;
	const char *env;

	if (level < 2)
		return 1;
	if (debug < 0) {
		env = getenv("LIBBPF_LOG_LEVEL");
		debug = env && strcasecmp(env, "debug") == 0;
	}
	return debug;
}

/* The default sink when no callback is installed, and what libbpf_set_print() hands back as
 * "the default": stderr for the levels oxbpf_shim_stderr_enabled() allows. */
int oxbpf_shim_stderr(int level, const char *fmt, va_list ap)
{
	if (!oxbpf_shim_stderr_enabled(level))
		return 0;
	return vfprintf(stderr, fmt, ap);
}
