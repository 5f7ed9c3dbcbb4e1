// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Final object A's own half: globals in every section the library uses, declared (and linked)
 * before the library's so that they shift the library's offsets, and a program calling the
 * library's global function.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int main_arg = 7;                                   /* .data */
const volatile char main_ro_pad[3] = { 1, 2, 3 };   /* .rodata */
int main_ret;                                       /* .bss */
int main_ran;
int main_custom_pad SEC(".data.x") = 44;            /* .data.x */
extern int CONFIG_HZ __kconfig;                     /* .kconfig: sorts before the library's */
int main_hz;

extern int lib_func(int x);

SEC("syscall")
int main_prog(void *ctx)
{
	main_ran++;
	main_hz = CONFIG_HZ;
	main_ret = lib_func(main_arg + main_ro_pad[2] - 3);
	return main_ret;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
