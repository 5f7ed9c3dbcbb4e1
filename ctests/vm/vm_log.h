/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The debug log of a VM-lane test (and of the struct_ops tests it runs): with
 * OXBPF_TEST_DEBUG_LOG=FILE in the environment, every libbpf log line, at every level, goes to
 * FILE prefixed "[W] ", "[I] " or "[D] " (as ctests/logs/log_driver.c prints them), whatever
 * the test's print callback does with it. The file is opened before main (fd counts taken in
 * main include it). ctests/vm/guest.sh compares the files of libbpf 1.5
 * and liboxbpf with ctests/logs/log_compare.sh. Each print callback calls oxt_debug_log first.
 */
#ifndef OXBPF_CTESTS_VM_LOG_H
#define OXBPF_CTESTS_VM_LOG_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>

static FILE *oxt_debug_log_file;

/* Opened before main, so that the tests' fd counts (taken in main) include it. */
__attribute__((constructor)) static void oxt_debug_log_open(void)
{
	const char *path = getenv("OXBPF_TEST_DEBUG_LOG");

	if (!path || !*path)
		return;
	oxt_debug_log_file = fopen(path, "w");
	if (oxt_debug_log_file)
		setvbuf(oxt_debug_log_file, NULL, _IOLBF, 0);
}

static inline void oxt_debug_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static const char *names[] = {"W", "I", "D"};
	va_list cp;

	if (!oxt_debug_log_file)
		return;
	va_copy(cp, ap);
	fprintf(oxt_debug_log_file, "[%s] ", (unsigned)level < 3 ? names[level] : "?");
	vfprintf(oxt_debug_log_file, fmt, cp);
	va_end(cp);
}

/* For tests that keep libbpf's default printing (WARN and INFO to stderr): the same, plus the
 * file of OXBPF_TEST_DEBUG_LOG; installed only when that is set. */
static int oxt_default_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	oxt_debug_log(level, fmt, ap);
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static inline void oxt_debug_log_install(void)
{
	if (oxt_debug_log_file)
		libbpf_set_print(oxt_default_print);
}

#endif
