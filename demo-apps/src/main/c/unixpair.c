/*
 * unixpair: a Unix-domain stream socket client/server workload for Otherworld trials (issue 10).
 *
 *   unixpair server PATH        listens on PATH, serves one client at a time: reads 16-byte requests
 *                               "%015llu\n" and answers each, 20 ms later, with "R%014llu\n" of the
 *                               same number.
 *   unixpair client PATH DIR    connects to PATH, keeps 32 requests outstanding (the server is slower,
 *                               so requests queue in its socket), checks that every answer matches the
 *                               oldest outstanding request (nothing lost, duplicated or reordered) and
 *                               keeps DIR/progress ("answers N") current; a mismatch or a closed
 *                               connection is written to DIR/error and ends it.
 *   unixpair check DIR          exit 0 when there is no DIR/error and DIR/progress grows within 3 s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "owdemo.h"

#define MSG 16
#define WINDOW 32

/* 1 on success, 0 on end of file, -1 on error; EINTR is retried */
static int io_exact(int fd, char *buf, size_t len, int writing)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = writing ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		done += (size_t)n;
	}
	return 1;
}

static struct sockaddr_un address(const char *path)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	strncpy(a.sun_path, path, sizeof a.sun_path - 1);
	return a;
}

static int server(const char *path)
{
	struct sockaddr_un a = address(path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(path);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0) {
		perror("unixpair server");
		return 1;
	}
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("accept");
			return 1;
		}
		char req[MSG + 1], rep[MSG + 1];
		while (io_exact(c, req, MSG, 0) == 1) {
			req[MSG] = 0;
			unsigned long long n = strtoull(req, NULL, 10);
			ow_nap(20);
			snprintf(rep, sizeof rep, "R%014llu\n", n);
			if (io_exact(c, rep, MSG, 1) != 1)
				break;
		}
		close(c);
	}
}

static int client(const char *path, const char *dir)
{
	struct sockaddr_un a = address(path);
	int s = -1;
	for (int i = 0; i < 100; i++) {
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a, sizeof a) == 0)
			break;
		close(s);
		s = -1;
		ow_nap(100);
	}
	if (s < 0) {
		ow_note(dir, "error", "cannot connect\n", 0);
		return 1;
	}
	unsigned long long sent = 0, answered = 0;
	char buf[MSG + 1], want[MSG + 1], text[256];
	struct timespec last = {0}, now;
	for (;;) {
		while (sent - answered < WINDOW) {
			snprintf(buf, sizeof buf, "%015llu\n", sent);
			if (io_exact(s, buf, MSG, 1) != 1) {
				snprintf(text, sizeof text, "send failed (errno %d) after %llu answers\n", errno, answered);
				ow_note(dir, "error", text, 0);
				return 2;
			}
			sent++;
		}
		int r = io_exact(s, buf, MSG, 0);
		if (r != 1) {
			snprintf(text, sizeof text, "%s after %llu answers\n", r == 0 ? "connection closed" : "read failed",
				 answered);
			ow_note(dir, "error", text, 0);
			return 3;
		}
		buf[MSG] = 0;
		snprintf(want, sizeof want, "R%014llu\n", answered);
		if (memcmp(buf, want, MSG) != 0) {
			snprintf(text, sizeof text, "answer %llu is \"%.15s\", expected \"%.15s\" (lost, duplicated or reordered)\n",
				 answered, buf, want);
			ow_note(dir, "error", text, 0);
			return 4;
		}
		answered++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec) {
			snprintf(text, sizeof text, "answers %llu\n", answered);
			ow_note(dir, "progress", text, 0);
			last = now;
		}
		ow_nap(10);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "server") == 0)
		return server(argv[2]);
	if (argc == 4 && strcmp(argv[1], "client") == 0)
		return client(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return ow_check_progress(argv[2], "client", "answers");
	fprintf(stderr, "usage: unixpair server PATH | unixpair client PATH DIR | unixpair check DIR\n");
	return 64;
}
