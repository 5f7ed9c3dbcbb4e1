// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hid_test: HID-BPF (bpf/hid_shift.bpf.c, bpftool 7.5 skeleton) on a uhid virtual mouse,
 * on a kernel with CONFIG_HID_BPF (Debian's 7.2).
 * The device's hid_id is written through the skeleton's struct_ops shadow before load;
 * skeleton attach makes the program rewrite the reports hidraw delivers; bpf_link__detach
 * stops it (and the link fd reports POLLHUP); bpf_link__update_map(link, oxhid_alt) is
 * tried on the live link. `hid_test missing`: the map whose local type has a member the
 * kernel's hid_bpf_ops lacks loads while that member is zero, and fails once the shadow sets
 * it. stdout is the transcript that
 * scripts/vm-tests.sh compares between libbpf 1.5 and liboxbpf.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <linux/uhid.h>
#include <bpf/libbpf.h>
#include "hid_shift.skel.h"
#include "common.h"
#include "vm_log.h"

#define VENDOR 0x0ab5
#define PRODUCT 0x7e57

/* A mouse: 3 buttons (+5 bits padding), X and Y relative, one byte each; no report id. */
static const unsigned char rdesc[] = {
	0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, 0x05, 0x09, 0x19, 0x01,
	0x29, 0x03, 0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01,
	0x75, 0x05, 0x81, 0x01, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7f,
	0x75, 0x08, 0x95, 0x02, 0x81, 0x06, 0xc0, 0xc0,
};

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int uhid_send(int fd, struct uhid_event *ev)
{
	return write(fd, ev, sizeof(*ev)) == (ssize_t)sizeof(*ev) ? 0 : -1;
}

/* The device's sysfs name 0003:VVVV:PPPP.NNNN (waits up to ~5 s for it). */
static int find_device(char *name, size_t size)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "0003:%04X:%04X.", VENDOR, PRODUCT);
	for (int i = 0; i < 500; i++) {
		DIR *d = opendir("/sys/bus/hid/devices");
		struct dirent *e;

		while (d && (e = readdir(d))) {
			if (!strncmp(e->d_name, prefix, strlen(prefix))) {
				snprintf(name, size, "%s", e->d_name);
				closedir(d);
				return 1;
			}
		}
		if (d)
			closedir(d);
		sleep_ms(10);
	}
	return 0;
}

/* Open /dev/hidrawN of the device (waits up to ~5 s for hid-generic to bind it). */
/*
 * The hidraw node of the device, opened. Its sysfs directory shows before the device core has
 * made /dev/hidrawN (device_add creates the first, then asks devtmpfs for the second), so an
 * open that finds no node yet is retried, like the directory listing.
 */
static int open_hidraw(const char *dev)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/hid/devices/%s/hidraw", dev);
	for (int i = 0; i < 500; i++) {
		DIR *d = opendir(path);
		struct dirent *e;
		int fd = -1;

		while (d && (e = readdir(d))) {
			if (!strncmp(e->d_name, "hidraw", 6)) {
				char node[300];

				snprintf(node, sizeof(node), "/dev/%s", e->d_name);
				fd = open(node, O_RDONLY | O_NONBLOCK);
				break;
			}
		}
		if (d)
			closedir(d);
		if (fd >= 0)
			return fd;
		sleep_ms(10);
	}
	return -1;
}

/*
 * Wait until the device can deliver input. The hidraw node appears while hid-generic is still
 * probing, and until the probe returns the HID core drops input reports (driver_input_lock is
 * held); on a slow (emulated) machine the first report can land in that window. So: wait for the
 * driver link sysfs sets after a successful probe, then send plain reports (no BPF attached yet)
 * until one comes back, and drain anything late before the transcript starts.
 */
static void settle(int uhid, int raw, const char *dev)
{
	struct uhid_event ev = { .type = UHID_INPUT2 };
	struct pollfd pfd = { .fd = raw, .events = POLLIN };
	unsigned char buf[16];
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/hid/devices/%s/driver", dev);
	for (int i = 0; i < 500 && access(path, F_OK); i++)
		sleep_ms(10);
	ev.u.input2.size = 3;
	for (int i = 0; i < 10; i++) {
		if (uhid_send(uhid, &ev))
			break;
		if (poll(&pfd, 1, 1000) == 1 && read(raw, buf, sizeof(buf)) > 0)
			break;
	}
	sleep_ms(100);
	while (read(raw, buf, sizeof(buf)) > 0)
		;
}

/* Send report {0, x, y} and print what hidraw delivers. */
static void report(int uhid, int raw, const char *what, unsigned char x, unsigned char y,
		   unsigned char want_x)
{
	struct uhid_event ev = { .type = UHID_INPUT2 };
	struct pollfd pfd = { .fd = raw, .events = POLLIN };
	unsigned char buf[16];
	ssize_t n = -1;

	ev.u.input2.size = 3;
	ev.u.input2.data[1] = x;
	ev.u.input2.data[2] = y;
	OXT_CHECK(!uhid_send(uhid, &ev), "UHID_INPUT2: %s", strerror(errno));
	if (poll(&pfd, 1, 5000) == 1)
		n = read(raw, buf, sizeof(buf));
	if (n != 3) {
		printf("%s: no report (%zd)\n", what, n);
		OXT_CHECK(0, "%s: hidraw gave %zd bytes", what, n);
		return;
	}
	printf("%s: %02x %02x %02x\n", what, buf[0], buf[1], buf[2]);
	OXT_CHECK(buf[1] == want_x && buf[2] == y, "%s: got x %u y %u, want x %u y %u", what,
		  buf[1], buf[2], want_x, y);
}

/* hid_test missing: the member ox_extra the kernel's type lacks. */
static int missing(int id)
{
	struct hid_shift *skel;
	int err;

	for (int extra = 0; extra <= 1; extra++) {
		skel = hid_shift__open();
		OXT_ASSERT(skel, "hid_shift__open: %s", strerror(errno));
		bpf_map__set_autoattach(skel->maps.oxhid, false);
		bpf_map__set_autoattach(skel->maps.oxhid_alt, false);
		bpf_map__set_autocreate(skel->maps.oxhid_extra, true);
		skel->struct_ops.oxhid->hid_id = id;
		skel->struct_ops.oxhid_alt->hid_id = id;
		skel->struct_ops.oxhid_extra->hid_id = id;
		skel->struct_ops.oxhid_extra->ox_extra = extra;
		err = hid_shift__load(skel);
		printf("load with ox_extra = %d: %d (%s)\n", extra, err, err ? strerror(-err) : "ok");
		if (extra)
			OXT_CHECK(err == -EOPNOTSUPP, "a nonzero member the kernel lacks: load gave %d", err);
		else
			OXT_CHECK(!err, "a zero member the kernel lacks: load gave %d", err);
		hid_shift__destroy(skel);
	}
	return oxt_result("hid missing member");
}

int main(int argc, char **argv)
{
	struct uhid_event ev = { .type = UHID_CREATE2 };
	struct hid_shift *skel;
	char dev[256];
	int uhid, raw, err, id;

	setvbuf(stdout, NULL, _IOLBF, 0);
	oxt_require_root();
	libbpf_set_print(oxt_default_print);
	uhid = open("/dev/uhid", O_RDWR | O_CLOEXEC);
	OXT_SKIP_IF(uhid < 0, "no /dev/uhid: %s", strerror(errno));

	snprintf((char *)ev.u.create2.name, sizeof(ev.u.create2.name), "oxbpf test mouse");
	ev.u.create2.rd_size = sizeof(rdesc);
	ev.u.create2.bus = 0x03; /* BUS_USB */
	ev.u.create2.vendor = VENDOR;
	ev.u.create2.product = PRODUCT;
	memcpy(ev.u.create2.rd_data, rdesc, sizeof(rdesc));
	OXT_ASSERT(!uhid_send(uhid, &ev), "UHID_CREATE2: %s", strerror(errno));
	OXT_ASSERT(find_device(dev, sizeof(dev)), "the uhid device never showed in /sys/bus/hid/devices");
	id = (int)strtol(strrchr(dev, '.') + 1, NULL, 16);
	raw = open_hidraw(dev);
	OXT_ASSERT(raw >= 0, "no hidraw node for %s", dev);
	settle(uhid, raw, dev);
	printf("device up\n");
	if (argc == 2 && !strcmp(argv[1], "missing")) {
		err = missing(id);
		ev.type = UHID_DESTROY;
		uhid_send(uhid, &ev);
		return err;
	}
	report(uhid, raw, "without hid-bpf", 5, 7, 5);

	skel = hid_shift__open();
	OXT_ASSERT(skel, "hid_shift__open: %s", strerror(errno));
	skel->struct_ops.oxhid->hid_id = id;
	skel->struct_ops.oxhid_alt->hid_id = id;
	bpf_map__set_autoattach(skel->maps.oxhid_alt, false);
	err = hid_shift__load(skel);
	OXT_ASSERT(!err, "hid_shift__load: %d", err);
	err = hid_shift__attach(skel);
	OXT_ASSERT(!err, "hid_shift__attach: %d", err);
	OXT_ASSERT(skel->links.oxhid, "skeleton attach left links.oxhid NULL");
	printf("attached\n");
	report(uhid, raw, "with hid-bpf", 5, 7, 15);
	printf("events seen by the program: %llu\n", (unsigned long long)skel->bss->events);
	OXT_CHECK(skel->bss->events == 1, "the program saw %llu events, want 1",
		  (unsigned long long)skel->bss->events);
	OXT_CHECK(!skel->links.oxhid_alt, "a map with autoattach off was attached");

	/* The kernel decides whether hid_bpf_ops links can be updated; both libraries must
	 * report the same, and a successful update must switch the program. */
	err = bpf_link__update_map(skel->links.oxhid, skel->maps.oxhid_alt);
	printf("bpf_link__update_map: %d (%s)\n", err, err ? strerror(-err) : "ok");
	report(uhid, raw, "after update_map", 5, 7, err ? 15 : 25);

	err = bpf_link__detach(skel->links.oxhid);
	OXT_CHECK(!err, "bpf_link__detach: %d", err);
	struct pollfd pfd = { .fd = bpf_link__fd(skel->links.oxhid), .events = POLLIN };
	int ready = poll(&pfd, 1, 2000);

	printf("link after detach: %s\n", ready == 1 && (pfd.revents & POLLHUP) ? "POLLHUP" : "no hangup");
	OXT_CHECK(ready == 1 && (pfd.revents & POLLHUP), "no POLLHUP after detach (revents %#x)", pfd.revents);
	report(uhid, raw, "after detach", 5, 7, 5);

	hid_shift__destroy(skel);
	ev.type = UHID_DESTROY;
	OXT_CHECK(!uhid_send(uhid, &ev), "UHID_DESTROY: %s", strerror(errno));
	close(raw);
	close(uhid);
	return oxt_result("hid");
}
