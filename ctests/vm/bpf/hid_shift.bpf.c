// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hid_shift: a HID-BPF program (struct_ops type hid_bpf_ops)
 * that adds x_shift to byte 1 (the X movement of hid_test.c's mouse) of every input report.
 * hid_id is left 0 here: the loader writes the device's id through the skeleton's shadow.
 * oxhid_alt (adds 20; not auto-attached by the loader) is the map bpf_link__update_map
 * swaps in. oxhid_extra has a local flavour of the type with a member the kernel lacks
 * (ox_extra): zero, it is skipped; set through the shadow, loading must fail.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

const volatile __u8 x_shift = 10;
__u64 events;

SEC("struct_ops/hid_device_event")
int BPF_PROG(oxhid_event, struct hid_bpf_ctx *hctx, enum hid_report_type type, __u64 source)
{
	__u8 *data = hid_bpf_get_data(hctx, 0, 3);

	if (!data)
		return 0;
	data[1] += x_shift;
	__sync_fetch_and_add(&events, 1);
	return 0;
}

SEC("struct_ops/hid_device_event")
int BPF_PROG(oxhid_event_alt, struct hid_bpf_ctx *hctx, enum hid_report_type type, __u64 source)
{
	__u8 *data = hid_bpf_get_data(hctx, 0, 3);

	if (!data)
		return 0;
	data[1] += 20;
	__sync_fetch_and_add(&events, 1);
	return 0;
}

SEC(".struct_ops.link")
struct hid_bpf_ops oxhid = {
	.hid_device_event = (void *)oxhid_event,
};

SEC(".struct_ops.link")
struct hid_bpf_ops oxhid_alt = {
	.hid_device_event = (void *)oxhid_event_alt,
};

struct hid_bpf_ops___ox {
	int hid_id;
	u32 flags;
	int (*hid_device_event)(struct hid_bpf_ctx *, enum hid_report_type, u64);
	int ox_extra;
};

SEC("?.struct_ops.link")
struct hid_bpf_ops___ox oxhid_extra = {
	.hid_device_event = (void *)oxhid_event_alt,
};
