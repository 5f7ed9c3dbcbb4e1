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

/* The default sink when no callback is installed, and what libbpf_set_print() hands back as
 * "the default": stderr for WARN and INFO; DEBUG (level 2) only with LIBBPF_LOG_LEVEL=debug. */
int oxbpf_shim_stderr(int level, const char *fmt, va_list ap)
{
	const char *env;

	if (level == 2) {
		env = getenv("LIBBPF_LOG_LEVEL");
		if (!env || strcasecmp(env, "debug") != 0)
			return 0;
	}
	return vfprintf(stderr, fmt, ap);
}
