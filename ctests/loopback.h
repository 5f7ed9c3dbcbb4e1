/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Loopback TCP traffic through a named congestion control, for the tests and the demo that
 * register one (struct_ops): a child process receives over 127.0.0.1 what a client socket
 * using that congestion control sends.
 */
#ifndef OXBPF_CTESTS_LOOPBACK_H
#define OXBPF_CTESTS_LOOPBACK_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Send `total` bytes from a client socket using congestion control `cc` to a child process
 * over 127.0.0.1. Returns 0 once the receiver got every byte and the socket reported `cc`
 * (with the receiver's port in *port when `port` is not NULL); -1, said on stderr, otherwise. */
static inline int oxt_loopback_send(const char *cc, size_t total, unsigned short *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(addr);
	static char buf[1 << 16];
	char used[32] = "";
	socklen_t ulen = sizeof(used);
	size_t sent = 0;
	int ls, c, status = 0;
	pid_t pid;

	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&addr, &alen)) {
		perror("listen on 127.0.0.1");
		if (ls >= 0)
			close(ls);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		close(ls);
		return -1;
	}
	if (pid == 0) {
		size_t got = 0;
		ssize_t n;
		int s = accept(ls, NULL, NULL);

		if (s < 0)
			_exit(2);
		while ((n = read(s, buf, sizeof(buf))) > 0)
			got += n;
		_exit(got == total ? 0 : 3);
	}
	close(ls);

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || setsockopt(c, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc))) {
		fprintf(stderr, "setsockopt(TCP_CONGESTION, %s): %s\n", cc, strerror(errno));
		if (c >= 0)
			close(c);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	if (connect(c, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("connect");
		close(c);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	getsockopt(c, IPPROTO_TCP, TCP_CONGESTION, used, &ulen);
	memset(buf, 0x5a, sizeof(buf));
	while (sent < total) {
		size_t chunk = total - sent < sizeof(buf) ? total - sent : sizeof(buf);
		ssize_t n = write(c, buf, chunk);

		if (n <= 0) {
			perror("write");
			break;
		}
		sent += n;
	}
	close(c);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "receiver failed (status 0x%x)\n", status);
		return -1;
	}
	if (strncmp(used, cc, sizeof(used))) {
		fprintf(stderr, "socket used congestion control '%s', not '%s'\n", used, cc);
		return -1;
	}
	if (port)
		*port = ntohs(addr.sin_port);
	return 0;
}

#endif
