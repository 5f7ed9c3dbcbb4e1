// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Final object B's own half: different (larger) globals than A's, so the library's variables
 * land at other offsets, and two programs (syscall and raw_tp) calling the library's function.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

long main_data_pad[5] = { 1, 2, 3, 4, 5 };           /* .data */
int main_arg = 7;
const volatile __u64 main_ro_pad[3] = { 9, 9, 9 };   /* .rodata */
int main_bss_pad[9];                                 /* .bss */
int main_ret;
int main_ran;
int main_ret2;
char main_custom_pad[13] SEC(".data.x") = "final b";  /* .data.x */
extern __u64 CONFIG_HZ __kconfig;                    /* .kconfig: 8-byte, sorts first */
__u64 main_hz;

extern int lib_func(int x);

SEC("syscall")
int main_prog(void *ctx)
{
	main_ran++;
	main_hz = CONFIG_HZ;
	main_bss_pad[8] = main_data_pad[4] + main_ro_pad[2];
	main_ret = lib_func(main_arg);
	return main_ret;
}

SEC("raw_tp")
int main_prog2(void *ctx)
{
	main_ret2 = lib_func(main_arg * 2);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
