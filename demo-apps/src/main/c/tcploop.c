/*
 * tcploop: a loopback TCP client/server workload for Otherworld trials (issue 10). Both ends of each
 * connection live in the guest, so both are read from the same vmcore and restored by the same
 * criu restore (run them in one process tree: a socket restored alone would send its first segment to
 * a port that has no socket yet and get a reset).
 *
 *   tcploop server DIR          listens on 127.0.0.1:7470 and [::1]:7471, accepts one connection on
 *                               each, then every 20 ms reads the requests that have arrived (at most
 *                               16 per connection, without blocking) and answers each.
 *   tcploop client DIR [v4]     connects to both (only to 127.0.0.1 with "v4"), keeps 48 requests
 *                               outstanding per connection and every 10 ms reads at most 3 answers per
 *                               connection (without blocking), so answers wait unread in the client's
 *                               receive queue and requests in the server's.
 *   tcploop check DIR           exit 0 when neither side wrote DIR/error and DIR/progress grows on
 *                               every connection within 3 s.
 *
 * A request is "Q%014llu\n" (16 bytes, its number); an answer is "A%015llu C%013llu\n" (32 bytes:
 * the request's number and the server's own count of requests on that connection). The server checks
 * that each request's number equals its count; the client that each answer's number is the oldest
 * outstanding request and the server's count the next one. Anything lost, duplicated or reordered in
 * either direction, a closed connection or an error is written to DIR/error and ends that side.
 * Reads and writes never block (the windows are far below the socket buffers), so the threads sleep
 * in nanosleep (restarted transparently after a resurrection); EINTR and EAGAIN are retried.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "owdemo.h"

#define PORT4 7470
#define PORT6 7471
#define REQ 16
#define ANS 32
#define WINDOW 48
#define SERVER_BATCH 16
#define CLIENT_BATCH 3

static const char *dir;
static const char *side;

static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	char text[400], line[480];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, "%s: %s\n", side, text);
	ow_note(dir, "error", line, 1);
	fputs(line, stderr);
	exit(3);
}

/* one connection's state on either side */
struct conn {
	const char *name; /* "v4" or "v6" */
	int fd;
	char in[4096];
	size_t have;
	unsigned long long sent, done; /* client: requests sent, answers checked; server: requests answered */
};

/* writes all of buf; the windows keep it far below the send buffer, so EAGAIN never lasts */
static void send_all(struct conn *c, const char *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			ow_nap(1);
			continue;
		}
		if (n <= 0)
			fail("%s: send failed (%s) after %llu", c->name, strerror(errno), c->done);
		off += (size_t)n;
	}
}

/* reads what has arrived, up to want bytes in c->in; never blocks */
static void pull(struct conn *c, size_t want)
{
	if (want > sizeof c->in)
		want = sizeof c->in;
	while (c->have < want) {
		ssize_t n = recv(c->fd, c->in + c->have, want - c->have, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0)
			fail("%s: connection closed by the peer after %llu", c->name, c->done);
		if (n < 0)
			fail("%s: recv failed (%s) after %llu", c->name, strerror(errno), c->done);
		c->have += (size_t)n;
	}
}

static void consume(struct conn *c, size_t len)
{
	memmove(c->in, c->in + len, c->have - len);
	c->have -= len;
}

static int listener(int family, int port)
{
	int one = 1, s = socket(family, SOCK_STREAM, 0);
	if (s < 0)
		fail("socket(%s): %s", family == AF_INET ? "AF_INET" : "AF_INET6", strerror(errno));
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	int r;
	if (family == AF_INET) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = bind(s, (struct sockaddr *)&a, sizeof a);
	} else {
		struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
		r = bind(s, (struct sockaddr *)&a, sizeof a);
	}
	if (r < 0 || listen(s, 4) < 0)
		fail("bind/listen on port %d: %s", port, strerror(errno));
	return s;
}

static int accept_one(int l)
{
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c >= 0)
			return c;
		if (errno != EINTR)
			fail("accept: %s", strerror(errno));
	}
}

static int server(int v6)
{
	side = "server";
	int l4 = listener(AF_INET, PORT4);
	int l6 = v6 ? listener(AF_INET6, PORT6) : -1;
	struct conn conns[2] = {{.name = "v4"}, {.name = "v6"}};
	int n = v6 ? 2 : 1;
	conns[0].fd = accept_one(l4);
	if (v6)
		conns[1].fd = accept_one(l6);
	/* the listening sockets stay open: they are restored as listening sockets */
	char out[SERVER_BATCH * ANS + 1];
	for (;;) {
		for (int i = 0; i < n; i++) {
			struct conn *c = &conns[i];
			pull(c, SERVER_BATCH * REQ);
			size_t len = 0;
			while (c->have >= REQ) {
				char req[REQ + 1];
				memcpy(req, c->in, REQ);
				req[REQ] = 0;
				consume(c, REQ);
				unsigned long long num = strtoull(req + 1, NULL, 10);
				if (req[0] != 'Q' || req[REQ - 1] != '\n' || num != c->done)
					fail("%s: request %llu is \"%.15s\", expected number %llu (lost, duplicated or reordered)",
					     c->name, c->done, req, c->done);
				c->done++;
				len += (size_t)snprintf(out + len, sizeof out - len, "A%015llu C%013llu\n", num, c->done);
			}
			if (len)
				send_all(c, out, len);
		}
		ow_nap(20);
	}
}

static int connect_to(int family, int port)
{
	for (int i = 0; i < 200; i++) {
		int s = socket(family, SOCK_STREAM, 0), r;
		if (family == AF_INET) {
			struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			r = connect(s, (struct sockaddr *)&a, sizeof a);
		} else {
			struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
			r = connect(s, (struct sockaddr *)&a, sizeof a);
		}
		if (r == 0)
			return s;
		close(s);
		ow_nap(100);
	}
	fail("cannot connect to %s port %d: %s", family == AF_INET ? "127.0.0.1" : "::1", port, strerror(errno));
	return -1;
}

static int client(int v6)
{
	side = "client";
	struct conn conns[2] = {{.name = "v4"}, {.name = "v6"}};
	int n = v6 ? 2 : 1;
	conns[0].fd = connect_to(AF_INET, PORT4);
	if (v6)
		conns[1].fd = connect_to(AF_INET6, PORT6);
	struct timespec last = {0}, now;
	for (;;) {
		for (int i = 0; i < n; i++) {
			struct conn *c = &conns[i];
			pull(c, CLIENT_BATCH * ANS);
			while (c->have >= ANS) {
				char ans[ANS + 1], want[ANS + 1];
				memcpy(ans, c->in, ANS);
				ans[ANS] = 0;
				consume(c, ANS);
				snprintf(want, sizeof want, "A%015llu C%013llu\n", c->done, c->done + 1);
				if (c->done >= c->sent || memcmp(ans, want, ANS) != 0)
					fail("%s: answer %llu is \"%.31s\", expected \"%.31s\" (lost, duplicated or reordered)",
					     c->name, c->done, ans, want);
				c->done++;
			}
			char req[WINDOW * REQ + 1];
			size_t len = 0;
			while (c->sent - c->done < WINDOW) {
				len += (size_t)snprintf(req + len, sizeof req - len, "Q%014llu\n", c->sent);
				c->sent++;
			}
			if (len)
				send_all(c, req, len);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec) {
			char text[128];
			if (v6)
				snprintf(text, sizeof text, "v4 %llu v6 %llu\n", conns[0].done, conns[1].done);
			else
				snprintf(text, sizeof text, "v4 %llu\n", conns[0].done);
			ow_note(dir, "progress", text, 1);
			last = now;
		}
		ow_nap(10);
	}
}

/* answers verified per connection from DIR/progress; returns how many connections it names */
static int progress(long long v[2])
{
	char path[512];
	v[0] = v[1] = -1;
	snprintf(path, sizeof path, "%s/progress", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int n = fscanf(f, "v4 %lld v6 %lld", &v[0], &v[1]);
	fclose(f);
	return n < 0 ? 0 : n;
}

static int check(void)
{
	if (ow_failed(dir, "tcploop"))
		return 1;
	long long a[2], b[2];
	int na = progress(a);
	sleep(3);
	int nb = progress(b);
	if (ow_failed(dir, "tcploop"))
		return 1;
	int ok = na > 0 && nb == na;
	for (int i = 0; i < nb; i++) {
		printf("%s: client verified %lld answers, then %lld 3 s later\n", i ? "v6" : "v4", a[i], b[i]);
		ok = ok && a[i] >= 0 && b[i] > a[i];
	}
	if (nb == 0)
		printf("no progress recorded\n");
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 3) {
		dir = argv[2];
		int v6 = !(argc == 4 && strcmp(argv[3], "v4") == 0);
		if (strcmp(argv[1], "server") == 0 && argc <= 4)
			return server(v6);
		if (strcmp(argv[1], "client") == 0 && argc <= 4)
			return client(v6);
		if (strcmp(argv[1], "check") == 0 && argc == 3)
			return check();
	}
	fprintf(stderr, "usage: tcploop server DIR [v4] | tcploop client DIR [v4] | tcploop check DIR\n");
	return 64;
}
