/* libbpf_strerror() for every errno the C library knows (1-133, both signs), libbpf's own codes
 * (4000-4014) and a few unknown ones, with a large buffer and with short ones: the return value,
 * errno and the text, one line each. Built against libbpf 1.5's headers; run on libbpf 1.5 and
 * on liboxbpf, the outputs must be identical (diff_dump.sh). The argument is ignored. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

static void show(int err, size_t size)
{
	char buf[256];
	int ret;

	memset(buf, 'x', sizeof(buf));
	errno = 0;
	ret = libbpf_strerror(err, buf, size);
	printf("%d/%zu: ret %d errno %d '%.*s'\n", err, size, ret, ret < 0 ? errno : 0,
	       size ? (int)size : 0, size ? buf : "");
}

int main(void)
{
	static const size_t sizes[] = {sizeof(((char[256]){0})), 1, 5, 16};
	int e;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (e = 0; e <= 134; e++) {
			show(e, sizes[i]);
			show(-e, sizes[i]);
		}
		for (e = 3999; e <= 4015; e++)
			show(-e, sizes[i]);
		show(99999, sizes[i]);
	}
	show(1, 0);
	return 0;
}
