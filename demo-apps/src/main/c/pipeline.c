/*
 * pipeline: a two-process pipe workload for Otherworld trials (issue 10).
 *
 *   pipeline produce            writes an endless stream of 32-bit little-endian sequence numbers
 *                               (0, 1, 2 ...) to stdout in 4096-byte writes (PIPE_BUF: each write is
 *                               all or nothing), as fast as the pipe takes them: the pipe stays full.
 *   pipeline consume DIR        reads stdin slowly (1000 bytes every 20 ms), checks every byte against
 *                               the sequence, and keeps DIR/progress ("bytes N") current; a wrong byte
 *                               or end of file is written to DIR/error and ends it.
 *   pipeline check DIR          exit 0 when there is no DIR/error and DIR/progress grows within 3 s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "owdemo.h"

static uint8_t expected(uint64_t off)
{
	uint32_t word = (uint32_t)(off / 4);
	return (uint8_t)(word >> (8 * (off % 4)));
}

static int produce(void)
{
	uint32_t buf[1024];
	uint32_t seq = 0;
	for (;;) {
		for (int i = 0; i < 1024; i++)
			buf[i] = seq++;
		size_t done = 0;
		while (done < sizeof buf) {
			ssize_t n = write(1, (char *)buf + done, sizeof buf - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return 1;
			done += (size_t)n;
		}
	}
}

static int consume(const char *dir)
{
	unsigned char buf[1000];
	uint64_t off = 0;
	char text[256];
	struct timespec last = {0}, now, nap = {0, 20 * 1000 * 1000};
	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(text, sizeof text, "read error %d after %llu bytes\n", errno, (unsigned long long)off);
			ow_note(dir, "error", text, 0);
			return 2;
		}
		if (n == 0) {
			snprintf(text, sizeof text, "end of file after %llu bytes\n", (unsigned long long)off);
			ow_note(dir, "error", text, 0);
			return 3;
		}
		for (ssize_t i = 0; i < n; i++, off++) {
			if (buf[i] != expected(off)) {
				snprintf(text, sizeof text, "byte %llu is 0x%02x, expected 0x%02x (lost or duplicated data)\n",
					 (unsigned long long)off, buf[i], expected(off));
				ow_note(dir, "error", text, 0);
				return 4;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec || now.tv_nsec - last.tv_nsec > 200 * 1000 * 1000) {
			snprintf(text, sizeof text, "bytes %llu\n", (unsigned long long)off);
			ow_note(dir, "progress", text, 0);
			last = now;
		}
		while (nanosleep(&nap, &nap) != 0 && errno == EINTR)
			;
		nap.tv_nsec = 20 * 1000 * 1000;
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "produce") == 0)
		return produce();
	if (argc == 3 && strcmp(argv[1], "consume") == 0)
		return consume(argv[2]);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return ow_check_progress(argv[2], "consumer", "bytes");
	fprintf(stderr, "usage: pipeline produce | pipeline consume DIR | pipeline check DIR\n");
	return 64;
}
