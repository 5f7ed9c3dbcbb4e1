// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The uprobe target library of the attach tests: SEC("uprobe/<this .so>:oxt_lib_func"). */

__attribute__((noipa, visibility("default"))) int oxt_lib_func(int x)
{
	return x * 3 + 1;
}
