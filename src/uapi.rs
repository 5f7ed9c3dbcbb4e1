//! Kernel UAPI numbers the whole crate uses, spelled as in `<linux/bpf.h>` and
//! `<linux/bpf_common.h>`, complete up to the UAPI copy libbpf 1.5 ships: every value of
//! `enum bpf_cmd`, `bpf_prog_type`, `bpf_attach_type`, `bpf_map_type` and `bpf_link_type`, the map
//! and program-load flags, the pseudo source registers the loader patches into instructions, and
//! the instruction-encoding building blocks.
//!
//! Also here: the raw instruction [`BpfInsn`] with a safe decoder, and libbpf's short names for the
//! four enums ([`prog_type_str`] …), which `libbpf_bpf_*_str` return verbatim.
//!
//! The C enums are plain `u32` constants rather than Rust enums: values arrive from ELF files, BTF
//! and the kernel, and an unknown number must stay representable.

// ---------------------------------------------------------------------------------------------
// enum bpf_cmd: the first argument of bpf(2).

pub const BPF_MAP_CREATE: u32 = 0;
pub const BPF_MAP_LOOKUP_ELEM: u32 = 1;
pub const BPF_MAP_UPDATE_ELEM: u32 = 2;
pub const BPF_MAP_DELETE_ELEM: u32 = 3;
pub const BPF_MAP_GET_NEXT_KEY: u32 = 4;
pub const BPF_PROG_LOAD: u32 = 5;
pub const BPF_OBJ_PIN: u32 = 6;
pub const BPF_OBJ_GET: u32 = 7;
pub const BPF_PROG_ATTACH: u32 = 8;
pub const BPF_PROG_DETACH: u32 = 9;
pub const BPF_PROG_TEST_RUN: u32 = 10;
/// Alias of [`BPF_PROG_TEST_RUN`].
pub const BPF_PROG_RUN: u32 = BPF_PROG_TEST_RUN;
pub const BPF_PROG_GET_NEXT_ID: u32 = 11;
pub const BPF_MAP_GET_NEXT_ID: u32 = 12;
pub const BPF_PROG_GET_FD_BY_ID: u32 = 13;
pub const BPF_MAP_GET_FD_BY_ID: u32 = 14;
pub const BPF_OBJ_GET_INFO_BY_FD: u32 = 15;
pub const BPF_PROG_QUERY: u32 = 16;
pub const BPF_RAW_TRACEPOINT_OPEN: u32 = 17;
pub const BPF_BTF_LOAD: u32 = 18;
pub const BPF_BTF_GET_FD_BY_ID: u32 = 19;
pub const BPF_TASK_FD_QUERY: u32 = 20;
pub const BPF_MAP_LOOKUP_AND_DELETE_ELEM: u32 = 21;
pub const BPF_MAP_FREEZE: u32 = 22;
pub const BPF_BTF_GET_NEXT_ID: u32 = 23;
pub const BPF_MAP_LOOKUP_BATCH: u32 = 24;
pub const BPF_MAP_LOOKUP_AND_DELETE_BATCH: u32 = 25;
pub const BPF_MAP_UPDATE_BATCH: u32 = 26;
pub const BPF_MAP_DELETE_BATCH: u32 = 27;
pub const BPF_LINK_CREATE: u32 = 28;
pub const BPF_LINK_UPDATE: u32 = 29;
pub const BPF_LINK_GET_FD_BY_ID: u32 = 30;
pub const BPF_LINK_GET_NEXT_ID: u32 = 31;
pub const BPF_ENABLE_STATS: u32 = 32;
pub const BPF_ITER_CREATE: u32 = 33;
pub const BPF_LINK_DETACH: u32 = 34;
pub const BPF_PROG_BIND_MAP: u32 = 35;
pub const BPF_TOKEN_CREATE: u32 = 36;
pub const BPF_PROG_STREAM_READ_BY_FD: u32 = 37;
pub const BPF_PROG_ASSOC_STRUCT_OPS: u32 = 38;
pub const __MAX_BPF_CMD: u32 = 37;

// ---------------------------------------------------------------------------------------------
// enum bpf_map_type

pub const BPF_MAP_TYPE_UNSPEC: u32 = 0;
pub const BPF_MAP_TYPE_HASH: u32 = 1;
pub const BPF_MAP_TYPE_ARRAY: u32 = 2;
pub const BPF_MAP_TYPE_PROG_ARRAY: u32 = 3;
pub const BPF_MAP_TYPE_PERF_EVENT_ARRAY: u32 = 4;
pub const BPF_MAP_TYPE_PERCPU_HASH: u32 = 5;
pub const BPF_MAP_TYPE_PERCPU_ARRAY: u32 = 6;
pub const BPF_MAP_TYPE_STACK_TRACE: u32 = 7;
pub const BPF_MAP_TYPE_CGROUP_ARRAY: u32 = 8;
pub const BPF_MAP_TYPE_LRU_HASH: u32 = 9;
pub const BPF_MAP_TYPE_LRU_PERCPU_HASH: u32 = 10;
pub const BPF_MAP_TYPE_LPM_TRIE: u32 = 11;
pub const BPF_MAP_TYPE_ARRAY_OF_MAPS: u32 = 12;
pub const BPF_MAP_TYPE_HASH_OF_MAPS: u32 = 13;
pub const BPF_MAP_TYPE_DEVMAP: u32 = 14;
pub const BPF_MAP_TYPE_SOCKMAP: u32 = 15;
pub const BPF_MAP_TYPE_CPUMAP: u32 = 16;
pub const BPF_MAP_TYPE_XSKMAP: u32 = 17;
pub const BPF_MAP_TYPE_SOCKHASH: u32 = 18;
pub const BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED: u32 = 19;
/// Alias of [`BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED`].
pub const BPF_MAP_TYPE_CGROUP_STORAGE: u32 = BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED;
pub const BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: u32 = 20;
pub const BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED: u32 = 21;
/// Alias of [`BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED`].
pub const BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: u32 = BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED;
pub const BPF_MAP_TYPE_QUEUE: u32 = 22;
pub const BPF_MAP_TYPE_STACK: u32 = 23;
pub const BPF_MAP_TYPE_SK_STORAGE: u32 = 24;
pub const BPF_MAP_TYPE_DEVMAP_HASH: u32 = 25;
pub const BPF_MAP_TYPE_STRUCT_OPS: u32 = 26;
pub const BPF_MAP_TYPE_RINGBUF: u32 = 27;
pub const BPF_MAP_TYPE_INODE_STORAGE: u32 = 28;
pub const BPF_MAP_TYPE_TASK_STORAGE: u32 = 29;
pub const BPF_MAP_TYPE_BLOOM_FILTER: u32 = 30;
pub const BPF_MAP_TYPE_USER_RINGBUF: u32 = 31;
pub const BPF_MAP_TYPE_CGRP_STORAGE: u32 = 32;
pub const BPF_MAP_TYPE_ARENA: u32 = 33;
pub const __MAX_BPF_MAP_TYPE: u32 = 34;

// ---------------------------------------------------------------------------------------------
// enum bpf_prog_type

pub const BPF_PROG_TYPE_UNSPEC: u32 = 0;
pub const BPF_PROG_TYPE_SOCKET_FILTER: u32 = 1;
pub const BPF_PROG_TYPE_KPROBE: u32 = 2;
pub const BPF_PROG_TYPE_SCHED_CLS: u32 = 3;
pub const BPF_PROG_TYPE_SCHED_ACT: u32 = 4;
pub const BPF_PROG_TYPE_TRACEPOINT: u32 = 5;
pub const BPF_PROG_TYPE_XDP: u32 = 6;
pub const BPF_PROG_TYPE_PERF_EVENT: u32 = 7;
pub const BPF_PROG_TYPE_CGROUP_SKB: u32 = 8;
pub const BPF_PROG_TYPE_CGROUP_SOCK: u32 = 9;
pub const BPF_PROG_TYPE_LWT_IN: u32 = 10;
pub const BPF_PROG_TYPE_LWT_OUT: u32 = 11;
pub const BPF_PROG_TYPE_LWT_XMIT: u32 = 12;
pub const BPF_PROG_TYPE_SOCK_OPS: u32 = 13;
pub const BPF_PROG_TYPE_SK_SKB: u32 = 14;
pub const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
pub const BPF_PROG_TYPE_SK_MSG: u32 = 16;
pub const BPF_PROG_TYPE_RAW_TRACEPOINT: u32 = 17;
pub const BPF_PROG_TYPE_CGROUP_SOCK_ADDR: u32 = 18;
pub const BPF_PROG_TYPE_LWT_SEG6LOCAL: u32 = 19;
pub const BPF_PROG_TYPE_LIRC_MODE2: u32 = 20;
pub const BPF_PROG_TYPE_SK_REUSEPORT: u32 = 21;
pub const BPF_PROG_TYPE_FLOW_DISSECTOR: u32 = 22;
pub const BPF_PROG_TYPE_CGROUP_SYSCTL: u32 = 23;
pub const BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE: u32 = 24;
pub const BPF_PROG_TYPE_CGROUP_SOCKOPT: u32 = 25;
pub const BPF_PROG_TYPE_TRACING: u32 = 26;
pub const BPF_PROG_TYPE_STRUCT_OPS: u32 = 27;
pub const BPF_PROG_TYPE_EXT: u32 = 28;
pub const BPF_PROG_TYPE_LSM: u32 = 29;
pub const BPF_PROG_TYPE_SK_LOOKUP: u32 = 30;
pub const BPF_PROG_TYPE_SYSCALL: u32 = 31;
pub const BPF_PROG_TYPE_NETFILTER: u32 = 32;
pub const __MAX_BPF_PROG_TYPE: u32 = 33;

// ---------------------------------------------------------------------------------------------
// enum bpf_attach_type (the order is the kernel's, not alphabetical or grouped: check twice).

pub const BPF_CGROUP_INET_INGRESS: u32 = 0;
pub const BPF_CGROUP_INET_EGRESS: u32 = 1;
pub const BPF_CGROUP_INET_SOCK_CREATE: u32 = 2;
pub const BPF_CGROUP_SOCK_OPS: u32 = 3;
pub const BPF_SK_SKB_STREAM_PARSER: u32 = 4;
pub const BPF_SK_SKB_STREAM_VERDICT: u32 = 5;
pub const BPF_CGROUP_DEVICE: u32 = 6;
pub const BPF_SK_MSG_VERDICT: u32 = 7;
pub const BPF_CGROUP_INET4_BIND: u32 = 8;
pub const BPF_CGROUP_INET6_BIND: u32 = 9;
pub const BPF_CGROUP_INET4_CONNECT: u32 = 10;
pub const BPF_CGROUP_INET6_CONNECT: u32 = 11;
pub const BPF_CGROUP_INET4_POST_BIND: u32 = 12;
pub const BPF_CGROUP_INET6_POST_BIND: u32 = 13;
pub const BPF_CGROUP_UDP4_SENDMSG: u32 = 14;
pub const BPF_CGROUP_UDP6_SENDMSG: u32 = 15;
pub const BPF_LIRC_MODE2: u32 = 16;
pub const BPF_FLOW_DISSECTOR: u32 = 17;
pub const BPF_CGROUP_SYSCTL: u32 = 18;
pub const BPF_CGROUP_UDP4_RECVMSG: u32 = 19;
pub const BPF_CGROUP_UDP6_RECVMSG: u32 = 20;
pub const BPF_CGROUP_GETSOCKOPT: u32 = 21;
pub const BPF_CGROUP_SETSOCKOPT: u32 = 22;
pub const BPF_TRACE_RAW_TP: u32 = 23;
pub const BPF_TRACE_FENTRY: u32 = 24;
pub const BPF_TRACE_FEXIT: u32 = 25;
pub const BPF_MODIFY_RETURN: u32 = 26;
pub const BPF_LSM_MAC: u32 = 27;
pub const BPF_TRACE_ITER: u32 = 28;
pub const BPF_CGROUP_INET4_GETPEERNAME: u32 = 29;
pub const BPF_CGROUP_INET6_GETPEERNAME: u32 = 30;
pub const BPF_CGROUP_INET4_GETSOCKNAME: u32 = 31;
pub const BPF_CGROUP_INET6_GETSOCKNAME: u32 = 32;
pub const BPF_XDP_DEVMAP: u32 = 33;
pub const BPF_CGROUP_INET_SOCK_RELEASE: u32 = 34;
pub const BPF_XDP_CPUMAP: u32 = 35;
pub const BPF_SK_LOOKUP: u32 = 36;
pub const BPF_XDP: u32 = 37;
pub const BPF_SK_SKB_VERDICT: u32 = 38;
pub const BPF_SK_REUSEPORT_SELECT: u32 = 39;
pub const BPF_SK_REUSEPORT_SELECT_OR_MIGRATE: u32 = 40;
pub const BPF_PERF_EVENT: u32 = 41;
pub const BPF_TRACE_KPROBE_MULTI: u32 = 42;
pub const BPF_LSM_CGROUP: u32 = 43;
pub const BPF_STRUCT_OPS: u32 = 44;
pub const BPF_NETFILTER: u32 = 45;
pub const BPF_TCX_INGRESS: u32 = 46;
pub const BPF_TCX_EGRESS: u32 = 47;
pub const BPF_TRACE_UPROBE_MULTI: u32 = 48;
pub const BPF_CGROUP_UNIX_CONNECT: u32 = 49;
pub const BPF_CGROUP_UNIX_SENDMSG: u32 = 50;
pub const BPF_CGROUP_UNIX_RECVMSG: u32 = 51;
pub const BPF_CGROUP_UNIX_GETPEERNAME: u32 = 52;
pub const BPF_CGROUP_UNIX_GETSOCKNAME: u32 = 53;
pub const BPF_NETKIT_PRIMARY: u32 = 54;
pub const BPF_NETKIT_PEER: u32 = 55;
pub const BPF_TRACE_KPROBE_SESSION: u32 = 56;
/// Kernel 6.13+; libbpf 1.7's `uprobe.session` sections. Past `__MAX_BPF_ATTACH_TYPE` as libbpf
/// 1.5 knows it, so the name tables keep 1.5's answers.
pub const BPF_TRACE_UPROBE_SESSION: u32 = 57;
/// Kernel 6.19+; libbpf 1.7's `fsession` sections (also past 1.5's name table).
pub const BPF_TRACE_FSESSION: u32 = 58;
pub const __MAX_BPF_ATTACH_TYPE: u32 = 57;

// ---------------------------------------------------------------------------------------------
// enum bpf_link_type

pub const BPF_LINK_TYPE_UNSPEC: u32 = 0;
pub const BPF_LINK_TYPE_RAW_TRACEPOINT: u32 = 1;
pub const BPF_LINK_TYPE_TRACING: u32 = 2;
pub const BPF_LINK_TYPE_CGROUP: u32 = 3;
pub const BPF_LINK_TYPE_ITER: u32 = 4;
pub const BPF_LINK_TYPE_NETNS: u32 = 5;
pub const BPF_LINK_TYPE_XDP: u32 = 6;
pub const BPF_LINK_TYPE_PERF_EVENT: u32 = 7;
pub const BPF_LINK_TYPE_KPROBE_MULTI: u32 = 8;
pub const BPF_LINK_TYPE_STRUCT_OPS: u32 = 9;
pub const BPF_LINK_TYPE_NETFILTER: u32 = 10;
pub const BPF_LINK_TYPE_TCX: u32 = 11;
pub const BPF_LINK_TYPE_UPROBE_MULTI: u32 = 12;
pub const BPF_LINK_TYPE_NETKIT: u32 = 13;
pub const BPF_LINK_TYPE_SOCKMAP: u32 = 14;
pub const __MAX_BPF_LINK_TYPE: u32 = 15;

// ---------------------------------------------------------------------------------------------
// Flags.

// BPF_PROG_ATTACH / BPF_LINK_CREATE attach flags.
pub const BPF_F_ALLOW_OVERRIDE: u32 = 1 << 0;
pub const BPF_F_ALLOW_MULTI: u32 = 1 << 1;
pub const BPF_F_REPLACE: u32 = 1 << 2;
pub const BPF_F_BEFORE: u32 = 1 << 3;
pub const BPF_F_AFTER: u32 = 1 << 4;
pub const BPF_F_ID: u32 = 1 << 5;

// BPF_PROG_LOAD prog_flags.
pub const BPF_F_STRICT_ALIGNMENT: u32 = 1 << 0;
pub const BPF_F_ANY_ALIGNMENT: u32 = 1 << 1;
pub const BPF_F_TEST_RND_HI32: u32 = 1 << 2;
pub const BPF_F_TEST_STATE_FREQ: u32 = 1 << 3;
pub const BPF_F_SLEEPABLE: u32 = 1 << 4;
pub const BPF_F_XDP_HAS_FRAGS: u32 = 1 << 5;
pub const BPF_F_XDP_DEV_BOUND_ONLY: u32 = 1 << 6;
pub const BPF_F_TEST_REG_INVARIANTS: u32 = 1 << 7;

// link_create flags of individual link kinds.
pub const BPF_F_KPROBE_MULTI_RETURN: u32 = 1 << 0;
pub const BPF_F_UPROBE_MULTI_RETURN: u32 = 1 << 0;
pub const BPF_F_NETFILTER_IP_DEFRAG: u32 = 1 << 0;

// BPF_MAP_UPDATE_ELEM flags.
pub const BPF_ANY: u64 = 0;
pub const BPF_NOEXIST: u64 = 1;
pub const BPF_EXIST: u64 = 2;
pub const BPF_F_LOCK: u64 = 4;
/// Per-CPU element flags (kernel 6.19, libbpf 1.7): one CPU's value (the CPU in the upper 32
/// bits of the flags), or the same value for every CPU.
pub const BPF_F_CPU: u64 = 8;
pub const BPF_F_ALL_CPUS: u64 = 16;

// BPF_MAP_CREATE map_flags (some also used by BPF_OBJ_GET / token commands).
pub const BPF_F_NO_PREALLOC: u32 = 1 << 0;
pub const BPF_F_NO_COMMON_LRU: u32 = 1 << 1;
pub const BPF_F_NUMA_NODE: u32 = 1 << 2;
pub const BPF_F_RDONLY: u32 = 1 << 3;
pub const BPF_F_WRONLY: u32 = 1 << 4;
pub const BPF_F_STACK_BUILD_ID: u32 = 1 << 5;
pub const BPF_F_ZERO_SEED: u32 = 1 << 6;
pub const BPF_F_RDONLY_PROG: u32 = 1 << 7;
pub const BPF_F_WRONLY_PROG: u32 = 1 << 8;
pub const BPF_F_CLONE: u32 = 1 << 9;
pub const BPF_F_MMAPABLE: u32 = 1 << 10;
pub const BPF_F_PRESERVE_ELEMS: u32 = 1 << 11;
pub const BPF_F_INNER_MAP: u32 = 1 << 12;
/// A struct_ops map registered and unregistered by a `bpf_link` (`.struct_ops.link`).
pub const BPF_F_LINK: u32 = 1 << 13;
pub const BPF_F_PATH_FD: u32 = 1 << 14;
/// `value_type_btf_obj_fd` of BPF_MAP_CREATE is valid (struct_ops types from module BTF).
pub const BPF_F_VTYPE_BTF_OBJ_FD: u32 = 1 << 15;
pub const BPF_F_TOKEN_FD: u32 = 1 << 16;
pub const BPF_F_SEGV_ON_FAULT: u32 = 1 << 17;
pub const BPF_F_NO_USER_CONV: u32 = 1 << 18;

// BPF_PROG_QUERY and BPF_PROG_TEST_RUN flags.
pub const BPF_F_QUERY_EFFECTIVE: u32 = 1 << 0;
pub const BPF_F_TEST_RUN_ON_CPU: u32 = 1 << 0;
pub const BPF_F_TEST_XDP_LIVE_FRAMES: u32 = 1 << 1;
pub const BPF_F_TEST_SKB_CHECKSUM_COMPLETE: u32 = 1 << 2;

/// Size of the kernel's object-name fields (map_name, prog_name), NUL included.
pub const BPF_OBJ_NAME_LEN: usize = 16;
/// Length of a build id in `struct bpf_stack_build_id`.
pub const BPF_BUILD_ID_SIZE: usize = 20;

// `enum libbpf_pin_type` (libbpf.c / bpf_helpers.h): the `pinning` attribute of BTF map defs.
pub const LIBBPF_PIN_NONE: u32 = 0;
pub const LIBBPF_PIN_BY_NAME: u32 = 1;

// ---------------------------------------------------------------------------------------------
// Instruction encoding (bpf_common.h + bpf.h). An opcode is class | size/op | mode/source.

/// `code & BPF_CLASS_MASK` is the instruction class.
pub const BPF_CLASS_MASK: u8 = 0x07;
pub const BPF_LD: u8 = 0x00;
pub const BPF_LDX: u8 = 0x01;
pub const BPF_ST: u8 = 0x02;
pub const BPF_STX: u8 = 0x03;
pub const BPF_ALU: u8 = 0x04;
pub const BPF_JMP: u8 = 0x05;
/// Classic-BPF class number 6; eBPF reuses it as [`BPF_JMP32`].
pub const BPF_RET: u8 = 0x06;
pub const BPF_JMP32: u8 = 0x06;
/// Classic-BPF class number 7; eBPF reuses it as [`BPF_ALU64`].
pub const BPF_MISC: u8 = 0x07;
pub const BPF_ALU64: u8 = 0x07;

/// `code & BPF_SIZE_MASK` is the access size of a load/store.
pub const BPF_SIZE_MASK: u8 = 0x18;
pub const BPF_W: u8 = 0x00;
pub const BPF_H: u8 = 0x08;
pub const BPF_B: u8 = 0x10;
pub const BPF_DW: u8 = 0x18;

/// `code & BPF_MODE_MASK` is the addressing mode of a load/store.
pub const BPF_MODE_MASK: u8 = 0xe0;
pub const BPF_IMM: u8 = 0x00;
pub const BPF_ABS: u8 = 0x20;
pub const BPF_IND: u8 = 0x40;
pub const BPF_MEM: u8 = 0x60;
pub const BPF_LEN: u8 = 0x80;
pub const BPF_MSH: u8 = 0xa0;
pub const BPF_MEMSX: u8 = 0x80;
pub const BPF_ATOMIC: u8 = 0xc0;
pub const BPF_XADD: u8 = 0xc0;

/// `code & BPF_OP_MASK` is the ALU or jump operation.
pub const BPF_OP_MASK: u8 = 0xf0;
pub const BPF_ADD: u8 = 0x00;
pub const BPF_SUB: u8 = 0x10;
pub const BPF_MUL: u8 = 0x20;
pub const BPF_DIV: u8 = 0x30;
pub const BPF_OR: u8 = 0x40;
pub const BPF_AND: u8 = 0x50;
pub const BPF_LSH: u8 = 0x60;
pub const BPF_RSH: u8 = 0x70;
pub const BPF_NEG: u8 = 0x80;
pub const BPF_MOD: u8 = 0x90;
pub const BPF_XOR: u8 = 0xa0;
pub const BPF_MOV: u8 = 0xb0;
pub const BPF_ARSH: u8 = 0xc0;
pub const BPF_END: u8 = 0xd0;
pub const BPF_TO_LE: u8 = 0x00;
pub const BPF_TO_BE: u8 = 0x08;

pub const BPF_JA: u8 = 0x00;
pub const BPF_JEQ: u8 = 0x10;
pub const BPF_JGT: u8 = 0x20;
pub const BPF_JGE: u8 = 0x30;
pub const BPF_JSET: u8 = 0x40;
pub const BPF_JNE: u8 = 0x50;
pub const BPF_JSGT: u8 = 0x60;
pub const BPF_JSGE: u8 = 0x70;
pub const BPF_CALL: u8 = 0x80;
pub const BPF_EXIT: u8 = 0x90;
pub const BPF_JLT: u8 = 0xa0;
pub const BPF_JLE: u8 = 0xb0;
pub const BPF_JSLT: u8 = 0xc0;
pub const BPF_JSLE: u8 = 0xd0;
pub const BPF_JCOND: u8 = 0xe0;

/// `code & BPF_SRC_MASK`: immediate ([`BPF_K`]) or register ([`BPF_X`]) operand.
pub const BPF_SRC_MASK: u8 = 0x08;
pub const BPF_K: u8 = 0x00;
pub const BPF_X: u8 = 0x08;

// Atomic operations (in `imm` of BPF_STX | BPF_ATOMIC).
pub const BPF_FETCH: i32 = 0x01;
pub const BPF_XCHG: i32 = 0xe0 | BPF_FETCH;
pub const BPF_CMPXCHG: i32 = 0xf0 | BPF_FETCH;

/// The 16-byte `ld_imm64` (two instruction slots; the second has code 0).
pub const BPF_LD_IMM64: u8 = BPF_LD | BPF_IMM | BPF_DW;
/// A helper call, BPF-to-BPF call or kfunc call, told apart by the source register.
pub const BPF_JMP_CALL: u8 = BPF_JMP | BPF_CALL;
pub const BPF_JMP_EXIT: u8 = BPF_JMP | BPF_EXIT;
/// Unconditional jump (`off`); as BPF_JMP32 | BPF_JA it is the 32-bit-offset `gotol` (`imm`).
pub const BPF_JMP_JA: u8 = BPF_JMP | BPF_JA;

pub const BPF_MAXINSNS: u32 = 4096;
pub const MAX_BPF_REG: u8 = 11;
pub const BPF_REG_0: u8 = 0;
pub const BPF_REG_1: u8 = 1;
pub const BPF_REG_10: u8 = 10;

// Source-register values of ld_imm64 that the loader patches (`insn[0].src_reg`).
/// `imm` is a map fd.
pub const BPF_PSEUDO_MAP_FD: u8 = 1;
/// `imm` is a map fd, `insn[1].imm` an offset into its value.
pub const BPF_PSEUDO_MAP_VALUE: u8 = 2;
/// `imm` is the kernel BTF id of a VAR (ksym).
pub const BPF_PSEUDO_BTF_ID: u8 = 3;
/// `imm` is an instruction offset to a subprogram (callback pointer).
pub const BPF_PSEUDO_FUNC: u8 = 4;
/// `imm` indexes the fd_array passed at load.
pub const BPF_PSEUDO_MAP_IDX: u8 = 5;
pub const BPF_PSEUDO_MAP_IDX_VALUE: u8 = 6;

// Source-register values of BPF_JMP | BPF_CALL.
/// `imm` is the pc-relative offset of another BPF function.
pub const BPF_PSEUDO_CALL: u8 = 1;
/// `imm` is the BTF id of a kernel function (`off` selects the module BTF in fd_array).
pub const BPF_PSEUDO_KFUNC_CALL: u8 = 2;

/// `enum bpf_cond_pseudo_jmp`: `src_reg` of a BPF_JCOND jump.
pub const BPF_MAY_GOTO: u8 = 0;
/// `enum bpf_addr_space_cast`: `imm` of BPF_ALU64 | BPF_MOV | BPF_X with off = 1.
pub const BPF_ADDR_SPACE_CAST: i32 = 1;

// Values that are easy to get wrong when retyped.
const _: () = assert!(BPF_LD_IMM64 == 0x18);
const _: () = assert!(BPF_JMP_CALL == 0x85);
const _: () = assert!(BPF_JMP_EXIT == 0x95);
const _: () = assert!(BPF_XCHG == 0xe1 && BPF_CMPXCHG == 0xf1);
const _: () = assert!(BPF_PROG_TYPE_STRUCT_OPS == 27 && BPF_PROG_TYPE_TRACING == 26);
const _: () = assert!(BPF_PROG_TYPE_SYSCALL == 31 && __MAX_BPF_PROG_TYPE == BPF_PROG_TYPE_NETFILTER + 1);
const _: () = assert!(BPF_MAP_TYPE_STRUCT_OPS == 26 && BPF_MAP_TYPE_DEVMAP_HASH == 25);
const _: () = assert!(BPF_MAP_TYPE_CGROUP_STORAGE == 19 && BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE == 21);
const _: () = assert!(__MAX_BPF_MAP_TYPE == BPF_MAP_TYPE_ARENA + 1);
const _: () = assert!(BPF_STRUCT_OPS == 44 && BPF_TRACE_FENTRY == 24 && BPF_LSM_MAC == 27);
const _: () = assert!(BPF_XDP_DEVMAP == 33 && BPF_CGROUP_INET_SOCK_RELEASE == 34 && BPF_XDP == 37);
const _: () = assert!(BPF_CGROUP_UNIX_CONNECT == 49 && BPF_TRACE_KPROBE_SESSION == 56);
const _: () = assert!(__MAX_BPF_ATTACH_TYPE == BPF_TRACE_KPROBE_SESSION + 1);
const _: () = assert!(BPF_LINK_TYPE_STRUCT_OPS == 9 && __MAX_BPF_LINK_TYPE == 15);
const _: () = assert!(BPF_LINK_CREATE == 28 && BPF_PROG_RUN == 10 && __MAX_BPF_CMD == 37);
const _: () = assert!(BPF_F_LINK == 0x2000 && BPF_F_VTYPE_BTF_OBJ_FD == 0x8000);
const _: () = assert!(BPF_F_MMAPABLE == 0x400 && BPF_F_RDONLY_PROG == 0x80);

// ---------------------------------------------------------------------------------------------
// struct bpf_insn

/// One eBPF instruction, `struct bpf_insn`: 8 bytes, little-endian on the hosts we support.
///
/// The C struct splits the second byte into two 4-bit bitfields, `dst_reg` (low nibble) and
/// `src_reg` (high nibble) on little-endian; [`BpfInsn::dst`] / [`BpfInsn::src`] read them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BpfInsn {
    pub code: u8,
    /// dst_reg in bits 0..4, src_reg in bits 4..8.
    pub regs: u8,
    pub off: i16,
    pub imm: i32,
}

const _: () = assert!(std::mem::size_of::<BpfInsn>() == 8);
const _: () = assert!(std::mem::align_of::<BpfInsn>() == 4);
const _: () = assert!(std::mem::offset_of!(BpfInsn, off) == 2);
const _: () = assert!(std::mem::offset_of!(BpfInsn, imm) == 4);

impl BpfInsn {
    /// Size of one instruction slot in bytes.
    pub const SIZE: usize = 8;

    pub const fn new(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Self {
        BpfInsn { code, regs: (dst & 0x0f) | ((src & 0x0f) << 4), off, imm }
    }
    /// Destination register (`dst_reg`).
    pub const fn dst(&self) -> u8 {
        self.regs & 0x0f
    }
    /// Source register (`src_reg`); for ld_imm64 and calls, the pseudo kind.
    pub const fn src(&self) -> u8 {
        self.regs >> 4
    }
    pub fn set_dst(&mut self, r: u8) {
        self.regs = (self.regs & 0xf0) | (r & 0x0f);
    }
    pub fn set_src(&mut self, r: u8) {
        self.regs = (self.regs & 0x0f) | ((r & 0x0f) << 4);
    }
    /// Instruction class (`BPF_CLASS(code)`).
    pub const fn class(&self) -> u8 {
        self.code & BPF_CLASS_MASK
    }
    /// First slot of a 16-byte `ld_imm64`.
    pub const fn is_ld_imm64(&self) -> bool {
        self.code == BPF_LD_IMM64
    }
    /// `call` of a helper, subprogram or kfunc.
    pub const fn is_call(&self) -> bool {
        self.code == BPF_JMP_CALL
    }
    /// BPF-to-BPF call (`call` with src_reg = BPF_PSEUDO_CALL).
    pub const fn is_pseudo_call(&self) -> bool {
        self.is_call() && self.src() == BPF_PSEUDO_CALL
    }
    /// Address of a subprogram (ld_imm64 with src_reg = BPF_PSEUDO_FUNC).
    pub const fn is_pseudo_func(&self) -> bool {
        self.is_ld_imm64() && self.src() == BPF_PSEUDO_FUNC
    }

    /// Decode one instruction from its 8 little-endian bytes.
    pub fn from_array(b: [u8; 8]) -> Self {
        BpfInsn {
            code: b[0],
            regs: b[1],
            off: i16::from_le_bytes([b[2], b[3]]),
            imm: i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
    /// Encode into the 8 bytes the kernel expects.
    pub fn to_array(self) -> [u8; 8] {
        let o = self.off.to_le_bytes();
        let i = self.imm.to_le_bytes();
        [self.code, self.regs, o[0], o[1], i[0], i[1], i[2], i[3]]
    }

    /// Decode a section's bytes into instructions, at any alignment. `None` when the length is not
    /// a multiple of 8 (libbpf rejects such program sections as malformed).
    pub fn from_bytes(bytes: &[u8]) -> Option<Vec<BpfInsn>> {
        if bytes.len() % Self::SIZE != 0 {
            return None;
        }
        Some(
            bytes
                .chunks_exact(Self::SIZE)
                .map(|c| {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(c);
                    Self::from_array(a)
                })
                .collect(),
        )
    }

    /// Encode instructions back into bytes (for hashing, dumping or tests).
    pub fn to_bytes(insns: &[BpfInsn]) -> Vec<u8> {
        insns.iter().flat_map(|i| i.to_array()).collect()
    }
}

// Host layout equals the wire layout only on little-endian; the C bitfield order differs on
// big-endian, and we do not claim to support it.
#[cfg(not(target_endian = "little"))]
compile_error!("oxbpf assumes a little-endian host (struct bpf_insn register nibbles)");

// ---------------------------------------------------------------------------------------------
// libbpf's short names (libbpf_bpf_*_str). Index = enum value; the strings are exactly libbpf
// 1.5's, which tools print and parse. Stored NUL-terminated so the C exports can hand out
// pointers into them.

use std::ffi::CStr;

static PROG_TYPE_NAMES: [&CStr; __MAX_BPF_PROG_TYPE as usize] = [
    c"unspec",
    c"socket_filter",
    c"kprobe",
    c"sched_cls",
    c"sched_act",
    c"tracepoint",
    c"xdp",
    c"perf_event",
    c"cgroup_skb",
    c"cgroup_sock",
    c"lwt_in",
    c"lwt_out",
    c"lwt_xmit",
    c"sock_ops",
    c"sk_skb",
    c"cgroup_device",
    c"sk_msg",
    c"raw_tracepoint",
    c"cgroup_sock_addr",
    c"lwt_seg6local",
    c"lirc_mode2",
    c"sk_reuseport",
    c"flow_dissector",
    c"cgroup_sysctl",
    c"raw_tracepoint_writable",
    c"cgroup_sockopt",
    c"tracing",
    c"struct_ops",
    c"ext",
    c"lsm",
    c"sk_lookup",
    c"syscall",
    c"netfilter",
];

static MAP_TYPE_NAMES: [&CStr; __MAX_BPF_MAP_TYPE as usize] = [
    c"unspec",
    c"hash",
    c"array",
    c"prog_array",
    c"perf_event_array",
    c"percpu_hash",
    c"percpu_array",
    c"stack_trace",
    c"cgroup_array",
    c"lru_hash",
    c"lru_percpu_hash",
    c"lpm_trie",
    c"array_of_maps",
    c"hash_of_maps",
    c"devmap",
    c"sockmap",
    c"cpumap",
    c"xskmap",
    c"sockhash",
    c"cgroup_storage",
    c"reuseport_sockarray",
    c"percpu_cgroup_storage",
    c"queue",
    c"stack",
    c"sk_storage",
    c"devmap_hash",
    c"struct_ops",
    c"ringbuf",
    c"inode_storage",
    c"task_storage",
    c"bloom_filter",
    c"user_ringbuf",
    c"cgrp_storage",
    c"arena",
];

static ATTACH_TYPE_NAMES: [&CStr; __MAX_BPF_ATTACH_TYPE as usize] = [
    c"cgroup_inet_ingress",
    c"cgroup_inet_egress",
    c"cgroup_inet_sock_create",
    c"cgroup_sock_ops",
    c"sk_skb_stream_parser",
    c"sk_skb_stream_verdict",
    c"cgroup_device",
    c"sk_msg_verdict",
    c"cgroup_inet4_bind",
    c"cgroup_inet6_bind",
    c"cgroup_inet4_connect",
    c"cgroup_inet6_connect",
    c"cgroup_inet4_post_bind",
    c"cgroup_inet6_post_bind",
    c"cgroup_udp4_sendmsg",
    c"cgroup_udp6_sendmsg",
    c"lirc_mode2",
    c"flow_dissector",
    c"cgroup_sysctl",
    c"cgroup_udp4_recvmsg",
    c"cgroup_udp6_recvmsg",
    c"cgroup_getsockopt",
    c"cgroup_setsockopt",
    c"trace_raw_tp",
    c"trace_fentry",
    c"trace_fexit",
    c"modify_return",
    c"lsm_mac",
    c"trace_iter",
    c"cgroup_inet4_getpeername",
    c"cgroup_inet6_getpeername",
    c"cgroup_inet4_getsockname",
    c"cgroup_inet6_getsockname",
    c"xdp_devmap",
    c"cgroup_inet_sock_release",
    c"xdp_cpumap",
    c"sk_lookup",
    c"xdp",
    c"sk_skb_verdict",
    c"sk_reuseport_select",
    c"sk_reuseport_select_or_migrate",
    c"perf_event",
    c"trace_kprobe_multi",
    c"lsm_cgroup",
    c"struct_ops",
    c"netfilter",
    c"tcx_ingress",
    c"tcx_egress",
    c"trace_uprobe_multi",
    c"cgroup_unix_connect",
    c"cgroup_unix_sendmsg",
    c"cgroup_unix_recvmsg",
    c"cgroup_unix_getpeername",
    c"cgroup_unix_getsockname",
    c"netkit_primary",
    c"netkit_peer",
    c"trace_kprobe_session",
];

static LINK_TYPE_NAMES: [&CStr; __MAX_BPF_LINK_TYPE as usize] = [
    c"unspec",
    c"raw_tracepoint",
    c"tracing",
    c"cgroup",
    c"iter",
    c"netns",
    c"xdp",
    c"perf_event",
    c"kprobe_multi",
    c"struct_ops",
    c"netfilter",
    c"tcx",
    c"uprobe_multi",
    c"netkit",
    c"sockmap",
];

/// The tables hold only ASCII literals.
fn ascii(c: &'static CStr) -> &'static str {
    c.to_str().unwrap_or("")
}

/// [`prog_type_str`] as a NUL-terminated string with a static address (what C callers receive).
pub fn prog_type_cstr(t: u32) -> Option<&'static CStr> {
    PROG_TYPE_NAMES.get(t as usize).copied()
}
/// [`attach_type_str`] as a static C string.
pub fn attach_type_cstr(t: u32) -> Option<&'static CStr> {
    ATTACH_TYPE_NAMES.get(t as usize).copied()
}
/// [`map_type_str`] as a static C string.
pub fn map_type_cstr(t: u32) -> Option<&'static CStr> {
    MAP_TYPE_NAMES.get(t as usize).copied()
}
/// [`link_type_str`] as a static C string.
pub fn link_type_cstr(t: u32) -> Option<&'static CStr> {
    LINK_TYPE_NAMES.get(t as usize).copied()
}

/// libbpf's name for a program type ("struct_ops", "tracing", "socket_filter" …); `None` past the
/// last type libbpf 1.5 knows.
pub fn prog_type_str(t: u32) -> Option<&'static str> {
    prog_type_cstr(t).map(ascii)
}

/// libbpf's name for an attach type ("trace_fentry", "struct_ops", "cgroup_inet4_connect" …).
pub fn attach_type_str(t: u32) -> Option<&'static str> {
    attach_type_cstr(t).map(ascii)
}

/// libbpf's name for a map type ("hash", "struct_ops", "cgroup_storage" …).
pub fn map_type_str(t: u32) -> Option<&'static str> {
    map_type_cstr(t).map(ascii)
}

/// libbpf's name for a link type ("struct_ops", "tracing", "kprobe_multi" …).
pub fn link_type_str(t: u32) -> Option<&'static str> {
    link_type_cstr(t).map(ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insn_roundtrip_and_fields() {
        // r1 = map[fd 7] (ld_imm64 pseudo map fd), then the second half, then call 1, exit.
        let bytes: [u8; 32] = [
            0x18, 0x11, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, // code, dst=1 src=1, off 0, imm 7
            0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, // second slot, imm 42
            0x85, 0x10, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, // call, src=1 (pseudo call), off -2, imm -1
            0x95, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // exit
        ];
        let v = BpfInsn::from_bytes(&bytes).unwrap();
        assert_eq!(v.len(), 4);
        assert!(v[0].is_ld_imm64());
        assert_eq!((v[0].dst(), v[0].src(), v[0].imm), (1, BPF_PSEUDO_MAP_FD, 7));
        assert_eq!(v[1].imm, 42);
        assert!(v[2].is_call() && v[2].is_pseudo_call());
        assert_eq!((v[2].off, v[2].imm), (-2, -1));
        assert_eq!(v[3].code, BPF_JMP_EXIT);
        assert_eq!(v[3].class(), BPF_JMP);
        assert_eq!(BpfInsn::to_bytes(&v), bytes.to_vec());
    }

    #[test]
    fn insn_decoding_is_alignment_independent() {
        let mut buf = [0u8; 1 + 16];
        buf[1..9].copy_from_slice(&BpfInsn::new(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -5).to_array());
        buf[9..17].copy_from_slice(&BpfInsn::new(BPF_JMP_EXIT, 0, 0, 0, 0).to_array());
        let v = BpfInsn::from_bytes(&buf[1..]).unwrap();
        assert_eq!(v[0].imm, -5);
        assert_eq!(v[0].code, 0xb7);
        assert_eq!(v[1].code, 0x95);
    }

    #[test]
    fn insn_bad_lengths() {
        assert_eq!(BpfInsn::from_bytes(&[]), Some(vec![]));
        assert_eq!(BpfInsn::from_bytes(&[0; 7]), None);
        assert_eq!(BpfInsn::from_bytes(&[0; 9]), None);
    }

    #[test]
    fn insn_register_setters() {
        let mut i = BpfInsn::new(BPF_LD_IMM64, 3, 0, 0, 0);
        i.set_src(BPF_PSEUDO_FUNC);
        assert!(i.is_pseudo_func());
        assert_eq!(i.dst(), 3);
        i.set_dst(9);
        assert_eq!((i.dst(), i.src()), (9, BPF_PSEUDO_FUNC));
        assert_eq!(i.regs, 0x49);
    }

    #[test]
    fn name_tables_cover_every_value() {
        for t in 0..__MAX_BPF_PROG_TYPE {
            assert!(prog_type_str(t).is_some_and(|s| !s.is_empty()), "prog type {t}");
        }
        for t in 0..__MAX_BPF_ATTACH_TYPE {
            assert!(attach_type_str(t).is_some_and(|s| !s.is_empty()), "attach type {t}");
        }
        for t in 0..__MAX_BPF_MAP_TYPE {
            assert!(map_type_str(t).is_some_and(|s| !s.is_empty()), "map type {t}");
        }
        for t in 0..__MAX_BPF_LINK_TYPE {
            assert!(link_type_str(t).is_some_and(|s| !s.is_empty()), "link type {t}");
        }
        assert_eq!(prog_type_str(__MAX_BPF_PROG_TYPE), None);
        assert_eq!(attach_type_str(__MAX_BPF_ATTACH_TYPE), None);
        assert_eq!(map_type_str(__MAX_BPF_MAP_TYPE), None);
        assert_eq!(link_type_str(__MAX_BPF_LINK_TYPE), None);
        assert_eq!(prog_type_str(u32::MAX), None);
        assert_eq!(attach_type_str(u32::MAX), None);
    }

    #[test]
    fn name_tables_spot_checks() {
        assert_eq!(prog_type_str(BPF_PROG_TYPE_STRUCT_OPS), Some("struct_ops"));
        assert_eq!(prog_type_str(BPF_PROG_TYPE_TRACING), Some("tracing"));
        assert_eq!(prog_type_str(BPF_PROG_TYPE_SOCKET_FILTER), Some("socket_filter"));
        assert_eq!(prog_type_str(BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE), Some("raw_tracepoint_writable"));
        assert_eq!(attach_type_str(BPF_TRACE_FENTRY), Some("trace_fentry"));
        assert_eq!(attach_type_str(BPF_MODIFY_RETURN), Some("modify_return"));
        assert_eq!(attach_type_str(BPF_STRUCT_OPS), Some("struct_ops"));
        assert_eq!(attach_type_str(BPF_CGROUP_INET_SOCK_RELEASE), Some("cgroup_inet_sock_release"));
        assert_eq!(attach_type_str(BPF_CGROUP_UNIX_GETSOCKNAME), Some("cgroup_unix_getsockname"));
        assert_eq!(map_type_str(BPF_MAP_TYPE_CGROUP_STORAGE), Some("cgroup_storage"));
        assert_eq!(map_type_str(BPF_MAP_TYPE_DEVMAP_HASH), Some("devmap_hash"));
        assert_eq!(map_type_str(BPF_MAP_TYPE_STRUCT_OPS), Some("struct_ops"));
        assert_eq!(link_type_str(BPF_LINK_TYPE_STRUCT_OPS), Some("struct_ops"));
        assert_eq!(link_type_str(BPF_LINK_TYPE_SOCKMAP), Some("sockmap"));
    }

    #[test]
    fn name_tables_have_no_duplicates() {
        for table in [&PROG_TYPE_NAMES[..], &MAP_TYPE_NAMES[..], &ATTACH_TYPE_NAMES[..], &LINK_TYPE_NAMES[..]] {
            let mut v: Vec<&CStr> = table.to_vec();
            v.sort_unstable();
            v.dedup();
            assert_eq!(v.len(), table.len());
        }
    }
}
