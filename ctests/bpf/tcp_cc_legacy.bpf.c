// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcp_cc_legacy.bpf.c: tcp_cc.bpf.c in the old form, SEC(".struct_ops") without ".link":
 * the map has no BPF_F_LINK, and attaching it registers the CC by a map update whose "link"
 * deletes the element on detach. Skeletons from both bpftool 7.1 and 7.5 are generated.
 *
 * Names: map oxccl (struct_ops) and oxccl_events (hash); programs oxccl_init, oxccl_ssthresh,
 * oxccl_cong_avoid, oxccl_cong_avoid_alt, oxccl_undo_cwnd; CC name "oxbpf_ccl".
 */
#define OXCC oxccl
#define OXCC_SEC ".struct_ops"
#define OXCC_NAME "oxbpf_ccl"
#include "tcp_cc.bpf.c"
