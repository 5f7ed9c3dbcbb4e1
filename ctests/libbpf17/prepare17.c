/* prepare17.c OBJ: bpf_object__prepare (libbpf 1.6), the first half of load, as a transcript:
 * maps created and programs not loaded after it; map setters refused and program setters
 * still allowed; maps pinned between the halves; prepare twice, load twice, prepare after
 * load; a failed prepare leaves the object unloadable. Built against libbpf 1.7's headers; the
 * transcripts of upstream libbpf 1.7 and of liboxbpf must be equal, the warnings of the failing
 * map creation (errno written as -EINVAL) included. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "t17.h"

int main(int argc, char **argv)
{
	struct bpf_program *tp, *st;
	struct bpf_object *obj;
	struct bpf_map *plain;
	char dir[128], path[160];
	struct stat sb;

	if (argc < 2)
		return 2;
	libbpf_set_print(warn_out);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return 1;
	tp = bpf_object__find_program_by_name(obj, "on_enter");
	st = bpf_object__find_program_by_name(obj, "op_test_1");
	plain = bpf_object__find_map_by_name(obj, "plain");

	say("prepare", bpf_object__prepare(obj));
	printf("after prepare: map fd %s, on_enter fd %s, op_test_1 fd %s\n",
	       bpf_map__fd(plain) >= 0 ? "valid" : "none", bpf_program__fd(tp) >= 0 ? "valid" : "none",
	       bpf_program__fd(st) >= 0 ? "valid" : "none");
	say("set_value_size after prepare", bpf_map__set_value_size(plain, 8));
	say("set_max_entries after prepare", bpf_map__set_max_entries(plain, 4));
	say("set_exclusive_program after prepare", bpf_map__set_exclusive_program(plain, tp));
	say("set_log_level(on_enter) after prepare", bpf_program__set_log_level(tp, 0));
	say("prepare again", bpf_object__prepare(obj));

	snprintf(dir, sizeof(dir), "/sys/fs/bpf/oxbpf-prepare17-%d", getpid());
	say("pin_maps after prepare", bpf_object__pin_maps(obj, dir));
	snprintf(path, sizeof(path), "%s/plain", dir);
	printf("pinned map present: %s\n", stat(path, &sb) == 0 ? "yes" : "no");
	say("unpin_maps", bpf_object__unpin_maps(obj, dir));
	rmdir(dir);
	say("pin_programs after prepare", bpf_object__pin_programs(obj, dir));

	say("load", bpf_object__load(obj));
	printf("after load: on_enter fd %s, op_test_1 fd %s\n", bpf_program__fd(tp) >= 0 ? "valid" : "none",
	       bpf_program__fd(st) >= 0 ? "valid" : "none");
	say("load again", bpf_object__load(obj));
	say("prepare after load", bpf_object__prepare(obj));
	bpf_object__close(obj);

	/* a prepare that fails: an array map with no entries */
	obj = bpf_object__open_file(argv[1], NULL);
	plain = bpf_object__find_map_by_name(obj, "plain");
	say("set_max_entries 0", bpf_map__set_max_entries(plain, 0));
	say("prepare (fails)", bpf_object__prepare(obj));
	printf("map fd after the failure: %s\n", bpf_map__fd(plain) >= 0 ? "valid" : "none");
	say("load after a failed prepare", bpf_object__load(obj));
	say("prepare after a failed prepare", bpf_object__prepare(obj));
	bpf_object__close(obj);
	return 0;
}
