/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * FNV-1a (64-bit), the one hash the C tests print to compare byte strings (BTF blobs, files,
 * instructions) between libbpf and liboxbpf without printing the bytes.
 */
#ifndef OXBPF_CTESTS_OXT_HASH_H
#define OXBPF_CTESTS_OXT_HASH_H

#include <stddef.h>

#define OXT_FNV1A_INIT 0xcbf29ce484222325ULL

/* Continue hash `h` (OXT_FNV1A_INIT to start) over `n` bytes at `p`. */
static inline unsigned long long oxt_fnv1a_more(unsigned long long h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static inline unsigned long long oxt_fnv1a(const void *p, size_t n)
{
	return oxt_fnv1a_more(OXT_FNV1A_INIT, p, n);
}

#endif
