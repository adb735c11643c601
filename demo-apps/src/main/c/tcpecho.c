/*
 * tcpecho PORT DIR: accepts one TCP connection on PORT and answers every line with
 * "<count> <line>", count being its own count of lines (state in the process's memory). Closes the
 * listening socket once connected. On the line "bye" it writes DIR/done with the count and then
 * idles (the trial checks that the resurrected process is still there, after the client is done).
 * Interrupted calls (a resurrected read or write returns EINTR) are retried.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "owdemo.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: tcpecho PORT DIR\n");
		return 2;
	}
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4)) {
		perror("tcpecho: bind/listen");
		return 1;
	}
	int c;
	while ((c = accept(l, NULL, NULL)) < 0)
		if (errno != EINTR) {
			perror("tcpecho: accept");
			return 1;
		}
	close(l);
	printf("tcpecho: connected\n");
	fflush(stdout);
	char line[4096], out[4200];
	size_t have = 0;
	long count = 0;
	for (;;) {
		ssize_t r = read(c, line + have, sizeof(line) - 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			printf("tcpecho: connection ended after %ld lines (%s)\n", count, r < 0 ? strerror(errno) : "eof");
			return 1;
		}
		have += (size_t)r;
		char *nl;
		while ((nl = memchr(line, '\n', have)) != NULL) {
			*nl = 0;
			count++;
			int n = snprintf(out, sizeof(out), "%ld %s\n", count, line);
			if (ow_write_all(c, out, (size_t)n)) {
				printf("tcpecho: write failed after %ld lines: %s\n", count, strerror(errno));
				return 1;
			}
			if (strcmp(line, "bye") == 0) {
				char p[512];
				snprintf(p, sizeof(p), "%s/done", argv[2]);
				FILE *f = fopen(p, "w");
				if (f) {
					fprintf(f, "%ld\n", count);
					fclose(f);
				}
				printf("tcpecho: bye after %ld lines\n", count);
				fflush(stdout);
				/* stays alive: the trial checks that the resurrected process still runs */
				for (;;)
					pause();
			}
			size_t used = (size_t)(nl - line) + 1;
			memmove(line, nl + 1, have - used);
			have -= used;
		}
		if (have == sizeof(line) - 1)
			have = 0; /* an overlong line is dropped */
	}
}
