// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The uprobe/USDT target library of the attach tests: SEC("uprobe/<this .so>:oxt_lib_func")
 * and SEC("usdt/<this .so>:oxt:libhit"). */
#include "oxt_usdt.h"

__attribute__((noipa, visibility("default"))) int oxt_lib_func(int x)
{
	OXT_USDT1(oxt, libhit, x);
	return x * 3 + 1;
}
