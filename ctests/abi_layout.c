/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI layout checks for the structs and constants of <bpf/libbpf.h> and <bpf/btf.h>.
 *
 * Every number below was measured on x86_64 from libbpf 1.5's own headers. Compile this file
 * against those headers (-I a directory whose bpf/ holds them) and against oxbpf's include/:
 * both must build, which proves the two header sets agree on every size, offset, field width
 * and enum value checked here. Checks that only hold for oxbpf's headers (its extra
 * bpf_object_open_opts field and the struct_ops shadow-info structs) are under OXBPF_HEADERS,
 * which only oxbpf's libbpf_common.h defines.
 *
 *   cc -std=gnu11 -Wall -Wextra -Werror -I include ctests/abi_layout.c -o abi_layout && ./abi_layout
 */
#include <stddef.h>
#include <stdio.h>

#include <bpf/libbpf.h>
#include <bpf/btf.h>

#if !defined(__x86_64__)
#error "the expected values below are x86_64's"
#endif

/* struct TYPE is SIZE bytes with 8-byte alignment. */
#define SIZE(TYPE, SIZE)                                                                        \
	_Static_assert(sizeof(struct TYPE) == (SIZE), "sizeof(struct " #TYPE ")");               \
	_Static_assert(_Alignof(struct TYPE) == 8, "alignment of struct " #TYPE)

/* FIELD of struct TYPE sits at byte OFF and is WIDTH bytes wide. */
#define AT(TYPE, FIELD, OFF, WIDTH)                                                             \
	_Static_assert(offsetof(struct TYPE, FIELD) == (OFF), "offset of " #TYPE "." #FIELD);     \
	_Static_assert(sizeof(((struct TYPE *)0)->FIELD) == (WIDTH), "width of " #TYPE "." #FIELD)

/* Constant NAME has value V. */
#define VAL(NAME, V) _Static_assert((long long)(NAME) == (V), #NAME)

/* Skeletons: bpftool-generated code fills these in. */
SIZE(bpf_map_skeleton, 32);
AT(bpf_map_skeleton, name, 0, 8);
AT(bpf_map_skeleton, map, 8, 8);
AT(bpf_map_skeleton, mmaped, 16, 8);
AT(bpf_map_skeleton, link, 24, 8);

SIZE(bpf_prog_skeleton, 24);
AT(bpf_prog_skeleton, name, 0, 8);
AT(bpf_prog_skeleton, prog, 8, 8);
AT(bpf_prog_skeleton, link, 16, 8);

SIZE(bpf_object_skeleton, 72);
AT(bpf_object_skeleton, sz, 0, 8);
AT(bpf_object_skeleton, name, 8, 8);
AT(bpf_object_skeleton, data, 16, 8);
AT(bpf_object_skeleton, data_sz, 24, 8);
AT(bpf_object_skeleton, obj, 32, 8);
AT(bpf_object_skeleton, map_cnt, 40, 4);
AT(bpf_object_skeleton, map_skel_sz, 44, 4);
AT(bpf_object_skeleton, maps, 48, 8);
AT(bpf_object_skeleton, prog_cnt, 56, 4);
AT(bpf_object_skeleton, prog_skel_sz, 60, 4);
AT(bpf_object_skeleton, progs, 64, 8);

SIZE(bpf_var_skeleton, 24);
AT(bpf_var_skeleton, name, 0, 8);
AT(bpf_var_skeleton, map, 8, 8);
AT(bpf_var_skeleton, addr, 16, 8);

SIZE(bpf_object_subskeleton, 64);
AT(bpf_object_subskeleton, sz, 0, 8);
AT(bpf_object_subskeleton, obj, 8, 8);
AT(bpf_object_subskeleton, map_cnt, 16, 4);
AT(bpf_object_subskeleton, map_skel_sz, 20, 4);
AT(bpf_object_subskeleton, maps, 24, 8);
AT(bpf_object_subskeleton, prog_cnt, 32, 4);
AT(bpf_object_subskeleton, prog_skel_sz, 36, 4);
AT(bpf_object_subskeleton, progs, 40, 8);
AT(bpf_object_subskeleton, var_cnt, 48, 4);
AT(bpf_object_subskeleton, var_skel_sz, 52, 4);
AT(bpf_object_subskeleton, vars, 56, 8);

/* Object open options: upstream ends at bpf_token_path; oxbpf appends its extension block
 * (magic word, struct_ops_shadow), which it reads only as the last 16 bytes of sz. */
#ifdef OXBPF_HEADERS
SIZE(bpf_object_open_opts, 104);
AT(bpf_object_open_opts, oxbpf_ext_magic, 88, 8);
AT(bpf_object_open_opts, struct_ops_shadow, 96, 8);
#else
SIZE(bpf_object_open_opts, 88);
#endif
AT(bpf_object_open_opts, sz, 0, 8);
AT(bpf_object_open_opts, object_name, 8, 8);
AT(bpf_object_open_opts, relaxed_maps, 16, 1);
AT(bpf_object_open_opts, pin_root_path, 24, 8);
AT(bpf_object_open_opts, kconfig, 40, 8);
AT(bpf_object_open_opts, btf_custom_path, 48, 8);
AT(bpf_object_open_opts, kernel_log_buf, 56, 8);
AT(bpf_object_open_opts, kernel_log_size, 64, 8);
AT(bpf_object_open_opts, kernel_log_level, 72, 4);
AT(bpf_object_open_opts, bpf_token_path, 80, 8);

/* Options structs of libbpf.h. */
SIZE(bpf_perf_event_opts, 24);
AT(bpf_perf_event_opts, sz, 0, 8);
AT(bpf_perf_event_opts, bpf_cookie, 8, 8);
AT(bpf_perf_event_opts, force_ioctl_attach, 16, 1);

SIZE(bpf_kprobe_opts, 32);
AT(bpf_kprobe_opts, sz, 0, 8);
AT(bpf_kprobe_opts, bpf_cookie, 8, 8);
AT(bpf_kprobe_opts, offset, 16, 8);
AT(bpf_kprobe_opts, retprobe, 24, 1);
AT(bpf_kprobe_opts, attach_mode, 28, 4);

SIZE(bpf_kprobe_multi_opts, 48);
AT(bpf_kprobe_multi_opts, sz, 0, 8);
AT(bpf_kprobe_multi_opts, syms, 8, 8);
AT(bpf_kprobe_multi_opts, addrs, 16, 8);
AT(bpf_kprobe_multi_opts, cookies, 24, 8);
AT(bpf_kprobe_multi_opts, cnt, 32, 8);
AT(bpf_kprobe_multi_opts, retprobe, 40, 1);
AT(bpf_kprobe_multi_opts, session, 41, 1);

SIZE(bpf_uprobe_multi_opts, 56);
AT(bpf_uprobe_multi_opts, sz, 0, 8);
AT(bpf_uprobe_multi_opts, syms, 8, 8);
AT(bpf_uprobe_multi_opts, offsets, 16, 8);
AT(bpf_uprobe_multi_opts, ref_ctr_offsets, 24, 8);
AT(bpf_uprobe_multi_opts, cookies, 32, 8);
AT(bpf_uprobe_multi_opts, cnt, 40, 8);
AT(bpf_uprobe_multi_opts, retprobe, 48, 1);

SIZE(bpf_ksyscall_opts, 24);
AT(bpf_ksyscall_opts, sz, 0, 8);
AT(bpf_ksyscall_opts, bpf_cookie, 8, 8);
AT(bpf_ksyscall_opts, retprobe, 16, 1);

SIZE(bpf_uprobe_opts, 48);
AT(bpf_uprobe_opts, sz, 0, 8);
AT(bpf_uprobe_opts, ref_ctr_offset, 8, 8);
AT(bpf_uprobe_opts, bpf_cookie, 16, 8);
AT(bpf_uprobe_opts, retprobe, 24, 1);
AT(bpf_uprobe_opts, func_name, 32, 8);
AT(bpf_uprobe_opts, attach_mode, 40, 4);

SIZE(bpf_usdt_opts, 16);
AT(bpf_usdt_opts, sz, 0, 8);
AT(bpf_usdt_opts, usdt_cookie, 8, 8);

SIZE(bpf_tracepoint_opts, 16);
AT(bpf_tracepoint_opts, sz, 0, 8);
AT(bpf_tracepoint_opts, bpf_cookie, 8, 8);

SIZE(bpf_raw_tracepoint_opts, 16);
AT(bpf_raw_tracepoint_opts, sz, 0, 8);
AT(bpf_raw_tracepoint_opts, cookie, 8, 8);

SIZE(bpf_trace_opts, 16);
AT(bpf_trace_opts, sz, 0, 8);
AT(bpf_trace_opts, cookie, 8, 8);

SIZE(bpf_netfilter_opts, 24);
AT(bpf_netfilter_opts, sz, 0, 8);
AT(bpf_netfilter_opts, pf, 8, 4);
AT(bpf_netfilter_opts, hooknum, 12, 4);
AT(bpf_netfilter_opts, priority, 16, 4);
AT(bpf_netfilter_opts, flags, 20, 4);

SIZE(bpf_tcx_opts, 32);
AT(bpf_tcx_opts, sz, 0, 8);
AT(bpf_tcx_opts, flags, 8, 4);
AT(bpf_tcx_opts, relative_fd, 12, 4);
AT(bpf_tcx_opts, relative_id, 16, 4);
AT(bpf_tcx_opts, expected_revision, 24, 8);

SIZE(bpf_netkit_opts, 32);
AT(bpf_netkit_opts, sz, 0, 8);
AT(bpf_netkit_opts, flags, 8, 4);
AT(bpf_netkit_opts, relative_fd, 12, 4);
AT(bpf_netkit_opts, relative_id, 16, 4);
AT(bpf_netkit_opts, expected_revision, 24, 8);

SIZE(bpf_iter_attach_opts, 24);
AT(bpf_iter_attach_opts, sz, 0, 8);
AT(bpf_iter_attach_opts, link_info, 8, 8);
AT(bpf_iter_attach_opts, link_info_len, 16, 4);

SIZE(bpf_xdp_set_link_opts, 16);
AT(bpf_xdp_set_link_opts, sz, 0, 8);
AT(bpf_xdp_set_link_opts, old_fd, 8, 4);

SIZE(bpf_xdp_attach_opts, 16);
AT(bpf_xdp_attach_opts, sz, 0, 8);
AT(bpf_xdp_attach_opts, old_prog_fd, 8, 4);

SIZE(bpf_xdp_query_opts, 48);
AT(bpf_xdp_query_opts, sz, 0, 8);
AT(bpf_xdp_query_opts, prog_id, 8, 4);
AT(bpf_xdp_query_opts, drv_prog_id, 12, 4);
AT(bpf_xdp_query_opts, hw_prog_id, 16, 4);
AT(bpf_xdp_query_opts, skb_prog_id, 20, 4);
AT(bpf_xdp_query_opts, attach_mode, 24, 1);
AT(bpf_xdp_query_opts, feature_flags, 32, 8);
AT(bpf_xdp_query_opts, xdp_zc_max_segs, 40, 4);

AT(bpf_tc_hook, sz, 0, 8);
AT(bpf_tc_hook, ifindex, 8, 4);
AT(bpf_tc_hook, attach_point, 12, 4);
AT(bpf_tc_hook, parent, 16, 4);
#ifdef OXBPF_HEADERS
/* libbpf 1.7 grew it: handle and qdisc (BPF_TC_QDISC) */
SIZE(bpf_tc_hook, 32);
AT(bpf_tc_hook, handle, 20, 4);
AT(bpf_tc_hook, qdisc, 24, 8);
VAL(BPF_TC_QDISC, 8);
/* libbpf 1.7 fields that fit in 1.5's padding */
AT(bpf_perf_event_opts, dont_enable, 17, 1);
AT(bpf_kprobe_multi_opts, unique_match, 42, 1);
AT(bpf_uprobe_multi_opts, session, 49, 1);
AT(btf_dump_type_data_opts, emit_strings, 23, 1);
#else
SIZE(bpf_tc_hook, 24);
#endif

SIZE(bpf_tc_opts, 32);
AT(bpf_tc_opts, sz, 0, 8);
AT(bpf_tc_opts, prog_fd, 8, 4);
AT(bpf_tc_opts, flags, 12, 4);
AT(bpf_tc_opts, prog_id, 16, 4);
AT(bpf_tc_opts, handle, 20, 4);
AT(bpf_tc_opts, priority, 24, 4);

SIZE(ring_buffer_opts, 8);
AT(ring_buffer_opts, sz, 0, 8);

SIZE(user_ring_buffer_opts, 8);
AT(user_ring_buffer_opts, sz, 0, 8);

SIZE(perf_buffer_opts, 16);
AT(perf_buffer_opts, sz, 0, 8);
AT(perf_buffer_opts, sample_period, 8, 4);

SIZE(perf_buffer_raw_opts, 32);
AT(perf_buffer_raw_opts, sz, 0, 8);
AT(perf_buffer_raw_opts, cpu_cnt, 8, 4);
AT(perf_buffer_raw_opts, cpus, 16, 8);
AT(perf_buffer_raw_opts, map_keys, 24, 8);

#ifdef OXBPF_HEADERS
SIZE(gen_loader_opts, 40); /* libbpf 1.7: gen_hash */
AT(gen_loader_opts, gen_hash, 32, 1);
#else
SIZE(gen_loader_opts, 32);
#endif
AT(gen_loader_opts, sz, 0, 8);
AT(gen_loader_opts, data, 8, 8);
AT(gen_loader_opts, insns, 16, 8);
AT(gen_loader_opts, data_sz, 24, 4);
AT(gen_loader_opts, insns_sz, 28, 4);

SIZE(bpf_linker_opts, 8);
AT(bpf_linker_opts, sz, 0, 8);

SIZE(bpf_linker_file_opts, 8);
AT(bpf_linker_file_opts, sz, 0, 8);

SIZE(libbpf_prog_handler_opts, 40);
AT(libbpf_prog_handler_opts, sz, 0, 8);
AT(libbpf_prog_handler_opts, cookie, 8, 8);
AT(libbpf_prog_handler_opts, prog_setup_fn, 16, 8);
AT(libbpf_prog_handler_opts, prog_prepare_load_fn, 24, 8);
AT(libbpf_prog_handler_opts, prog_attach_fn, 32, 8);

/* Options structs of btf.h. */
SIZE(btf_dedup_opts, 24);
AT(btf_dedup_opts, sz, 0, 8);
AT(btf_dedup_opts, btf_ext, 8, 8);
AT(btf_dedup_opts, force_collisions, 16, 1);

SIZE(btf_dump_opts, 8);
AT(btf_dump_opts, sz, 0, 8);

SIZE(btf_dump_emit_type_decl_opts, 24);
AT(btf_dump_emit_type_decl_opts, sz, 0, 8);
AT(btf_dump_emit_type_decl_opts, field_name, 8, 8);
AT(btf_dump_emit_type_decl_opts, indent_level, 16, 4);
AT(btf_dump_emit_type_decl_opts, strip_mods, 20, 1);

SIZE(btf_dump_type_data_opts, 24);
AT(btf_dump_type_data_opts, sz, 0, 8);
AT(btf_dump_type_data_opts, indent_str, 8, 8);
AT(btf_dump_type_data_opts, indent_level, 16, 4);
AT(btf_dump_type_data_opts, compact, 20, 1);
AT(btf_dump_type_data_opts, skip_names, 21, 1);
AT(btf_dump_type_data_opts, emit_zeroes, 22, 1);

/* oxbpf's struct_ops shadow description (no upstream counterpart). */
#ifdef OXBPF_HEADERS
SIZE(bpf_struct_ops_member_info, 16);
AT(bpf_struct_ops_member_info, name, 0, 8);
AT(bpf_struct_ops_member_info, offset, 8, 4);
AT(bpf_struct_ops_member_info, size, 12, 4);

SIZE(bpf_struct_ops_map_info, 24);
AT(bpf_struct_ops_map_info, name, 0, 8);
AT(bpf_struct_ops_map_info, members, 8, 8);
AT(bpf_struct_ops_map_info, cnt, 16, 4);
AT(bpf_struct_ops_map_info, data_size, 20, 4);

SIZE(bpf_struct_ops_shadow_info, 16);
AT(bpf_struct_ops_shadow_info, maps, 0, 8);
AT(bpf_struct_ops_shadow_info, cnt, 8, 4);
#endif

/* Enum values, enum sizes and version macros. */
VAL(__LIBBPF_ERRNO__START, 4000);
VAL(LIBBPF_ERRNO__LIBELF, 4000);
VAL(LIBBPF_ERRNO__FORMAT, 4001);
VAL(LIBBPF_ERRNO__KVERSION, 4002);
VAL(LIBBPF_ERRNO__ENDIAN, 4003);
VAL(LIBBPF_ERRNO__INTERNAL, 4004);
VAL(LIBBPF_ERRNO__RELOC, 4005);
VAL(LIBBPF_ERRNO__LOAD, 4006);
VAL(LIBBPF_ERRNO__VERIFY, 4007);
VAL(LIBBPF_ERRNO__PROG2BIG, 4008);
VAL(LIBBPF_ERRNO__KVER, 4009);
VAL(LIBBPF_ERRNO__PROGTYPE, 4010);
VAL(LIBBPF_ERRNO__WRNGPID, 4011);
VAL(LIBBPF_ERRNO__INVSEQ, 4012);
VAL(LIBBPF_ERRNO__NLPARSE, 4013);
VAL(__LIBBPF_ERRNO__END, 4014);
VAL(LIBBPF_WARN, 0);
VAL(LIBBPF_INFO, 1);
VAL(LIBBPF_DEBUG, 2);
VAL(PROBE_ATTACH_MODE_DEFAULT, 0);
VAL(PROBE_ATTACH_MODE_LEGACY, 1);
VAL(PROBE_ATTACH_MODE_PERF, 2);
VAL(PROBE_ATTACH_MODE_LINK, 3);
VAL(BPF_TC_INGRESS, 1);
VAL(BPF_TC_EGRESS, 2);
VAL(BPF_TC_CUSTOM, 4);
VAL(BPF_TC_F_REPLACE, 1);
VAL(BPF_TC_PARENT(0xffffu, 0xfff2u), 4294967282LL);
VAL(LIBBPF_PERF_EVENT_DONE, 0);
VAL(LIBBPF_PERF_EVENT_ERROR, -1);
VAL(LIBBPF_PERF_EVENT_CONT, -2);
VAL(TRI_NO, 0);
VAL(TRI_YES, 1);
VAL(TRI_MODULE, 2);
VAL(LIBBPF_STRICT_ALL, 4294967295LL);
VAL(LIBBPF_STRICT_NONE, 0);
VAL(LIBBPF_STRICT_CLEAN_PTRS, 1);
VAL(LIBBPF_STRICT_DIRECT_ERRS, 2);
VAL(LIBBPF_STRICT_SEC_NAME, 4);
VAL(LIBBPF_STRICT_NO_OBJECT_LIST, 8);
VAL(LIBBPF_STRICT_AUTO_RLIMIT_MEMLOCK, 16);
VAL(LIBBPF_STRICT_MAP_DEFINITIONS, 32);
VAL(__LIBBPF_STRICT_LAST, 33);
VAL(BTF_LITTLE_ENDIAN, 0);
VAL(BTF_BIG_ENDIAN, 1);
VAL(BTF_FWD_STRUCT, 0);
VAL(BTF_FWD_UNION, 1);
VAL(BTF_FWD_ENUM, 2);
VAL(BTF_KIND_FUNC, 12);
VAL(BTF_KIND_FUNC_PROTO, 13);
VAL(BTF_KIND_VAR, 14);
VAL(BTF_KIND_DATASEC, 15);
VAL(BTF_KIND_FLOAT, 16);
VAL(BTF_KIND_DECL_TAG, 17);
VAL(BTF_KIND_TYPE_TAG, 18);
VAL(BTF_KIND_ENUM64, 19);
VAL(LIBBPF_MAJOR_VERSION, 1);
#ifdef OXBPF_HEADERS
VAL(LIBBPF_MINOR_VERSION, 7); /* oxbpf implements libbpf 1.7's API */
#else
VAL(LIBBPF_MINOR_VERSION, 5);
#endif
_Static_assert(sizeof(enum libbpf_errno) == 4, "sizeof(enum libbpf_errno)");
_Static_assert(sizeof(enum libbpf_print_level) == 4, "sizeof(enum libbpf_print_level)");
_Static_assert(sizeof(enum probe_attach_mode) == 4, "sizeof(enum probe_attach_mode)");
_Static_assert(sizeof(enum bpf_tc_attach_point) == 4, "sizeof(enum bpf_tc_attach_point)");
_Static_assert(sizeof(enum bpf_perf_event_ret) == 4, "sizeof(enum bpf_perf_event_ret)");
_Static_assert(sizeof(enum libbpf_tristate) == 4, "sizeof(enum libbpf_tristate)");
_Static_assert(sizeof(enum libbpf_strict_mode) == 4, "sizeof(enum libbpf_strict_mode)");
_Static_assert(sizeof(enum btf_endianness) == 4, "sizeof(enum btf_endianness)");
_Static_assert(sizeof(enum btf_fwd_kind) == 4, "sizeof(enum btf_fwd_kind)");

int main(void)
{
	/* Everything above is checked at compile time; getting here means it all held. */
	printf("abi_layout: ok\n");
	return 0;
}
