/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * OXT_USDT1(provider, name, arg): a USDT probe site with one 4-byte signed argument, encoded the
 * way <sys/sdt.h> does (a nop, a .note.stapsdt entry naming it, the .stapsdt.base marker), for
 * machines without systemtap-sdt-dev. x86-64 only.
 */
#ifndef OXT_USDT_H
#define OXT_USDT_H

/* OXT_USDT_NOTE(provider, name, args): the .note.stapsdt entry of a probe site at local label 990
 * (and the .stapsdt.base marker once per object), as asm text; `args` is the note's argument
 * string, with asm operands written %%reg. */
#define OXT_USDT_NOTE(provider, name, args)                                              \
	".pushsection .note.stapsdt,\"?\",\"note\"\n"                                    \
	".balign 4\n"                                                                    \
	".4byte 992f-991f, 994f-993f, 3\n"                                               \
	"991: .asciz \"stapsdt\"\n"                                                      \
	"992: .balign 4\n"                                                               \
	"993: .8byte 990b\n"                                                             \
	".8byte _.stapsdt.base\n"                                                        \
	".8byte 0\n"                                                                     \
	".asciz \"" provider "\"\n"                                                      \
	".asciz \"" name "\"\n"                                                          \
	".asciz \"" args "\"\n"                                                          \
	"994: .balign 4\n"                                                               \
	".popsection\n"                                                                  \
	".ifndef _.stapsdt.base\n"                                                       \
	".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n"         \
	".weak _.stapsdt.base\n"                                                         \
	".hidden _.stapsdt.base\n"                                                       \
	"_.stapsdt.base: .space 1\n"                                                     \
	".size _.stapsdt.base, 1\n"                                                      \
	".popsection\n"                                                                  \
	".endif\n"

#define OXT_USDT1(provider, name, arg)                                                   \
	__asm__ __volatile__("990: nop\n" OXT_USDT_NOTE(#provider, #name, "-4@%0") : : "nor"(arg))

#endif
