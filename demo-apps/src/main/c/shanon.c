/*
 * shanon run DIR | check DIR PRE: shared anonymous memory kept shared across the crash.
 *
 * run: maps 16 pages MAP_SHARED | MAP_ANONYMOUS, fills pages 2-15 with a pattern of their own (page 1
 * stays untouched: never allocated, a hole in the shmem object), then forks. Every 50 ms the parent
 * increments word 0 and the child word 1 of page 0, each checks the pattern pages, and the parent writes
 * DIR/progress "parent P child C" with C read through the shared page. A broken pattern, a dead child or
 * a child counter that stays still in the parent's view for 200 of the parent's rounds (10 s of its own
 * running: counted in rounds, not wall-clock time, which jumps by the whole outage across a crash) ends
 * the run with DIR/error (and the reason on stdout).
 * check: the resurrected pair goes on: no DIR/error, and over 2 s both counters advance in the parent's
 * view (the child's only through the shared memory) and are past PRE ("parent P child C" before the crash).
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "owdemo.h"

#define PAGES 16
#define PAGE 4096

static int pattern_ok(volatile uint64_t *mem)
{
	for (int p = 2; p < PAGES; p++)
		for (int w = 0; w < PAGE / 8; w += 61)
			if (mem[p * PAGE / 8 + w] != ((uint64_t)p << 32 | (uint64_t)w) * 0x9e3779b97f4a7c15ULL)
				return p;
	for (int w = 0; w < PAGE / 8; w++)
		if (mem[PAGE / 8 + w] != 0)
			return 1;
	return 0;
}

static void fail(const char *dir, const char *what, long a, long b)
{
	char t[256];
	snprintf(t, sizeof t, "%s (%ld %ld)\n", what, a, b);
	ow_note(dir, "error", t, 1);
	printf("shanon: %s", t);
	fflush(stdout);
	exit(1);
}

static int run(const char *dir)
{
	volatile uint64_t *mem = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("shanon: mmap");
		return 1;
	}
	for (int p = 2; p < PAGES; p++)
		for (int w = 0; w < PAGE / 8; w++)
			mem[p * PAGE / 8 + w] = ((uint64_t)p << 32 | (uint64_t)w) * 0x9e3779b97f4a7c15ULL;
	pid_t child = fork();
	if (child < 0) {
		perror("shanon: fork");
		return 1;
	}
	if (child == 0) {
		for (;;) {
			mem[1]++;
			int bad = pattern_ok(mem);
			if (bad)
				fail(dir, "child: pattern broken on page", bad, (long)mem[1]);
			ow_nap(50);
		}
	}
	uint64_t seen = mem[1];
	long still = 0; /* rounds since the child's counter last moved */
	for (;;) {
		mem[0]++;
		int bad = pattern_ok(mem);
		if (bad)
			fail(dir, "parent: pattern broken on page", bad, (long)mem[0]);
		if (waitpid(child, NULL, WNOHANG) == child)
			fail(dir, "parent: child died", (long)mem[0], (long)mem[1]);
		uint64_t c = mem[1];
		if (c != seen) {
			seen = c;
			still = 0;
		} else if (++still > 200) {
			fail(dir, "parent: child counter stopped in the shared page", (long)mem[0], (long)c);
		}
		char t[128];
		snprintf(t, sizeof t, "parent %llu child %llu\n", (unsigned long long)mem[0], (unsigned long long)c);
		ow_note(dir, "progress", t, 0);
		ow_nap(50);
	}
}

static int read_progress(const char *dir, long *p, long *c)
{
	char path[512];
	snprintf(path, sizeof path, "%s/progress", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int n = fscanf(f, "parent %ld child %ld", p, c);
	fclose(f);
	return n == 2 ? 0 : -1;
}

static int check(const char *dir, const char *pre)
{
	long pp = 0, pc = 0, p1, c1, p2, c2;
	if (pre && *pre)
		sscanf(pre, "parent %ld child %ld", &pp, &pc);
	char e[512];
	snprintf(e, sizeof e, "%s/error", dir);
	if (read_progress(dir, &p1, &c1)) {
		printf("FAIL no progress\n");
		return 1;
	}
	sleep(2);
	if (read_progress(dir, &p2, &c2)) {
		printf("FAIL no progress\n");
		return 1;
	}
	if (access(e, F_OK) == 0) {
		char t[256] = "";
		FILE *f = fopen(e, "r");
		if (f) {
			if (!fgets(t, sizeof t, f))
				t[0] = 0;
			fclose(f);
		}
		printf("FAIL %s", t);
		return 1;
	}
	if (p2 <= p1 || c2 <= c1) {
		printf("FAIL counters stalled: parent %ld -> %ld, child (through the shared page) %ld -> %ld\n", p1, p2, c1, c2);
		return 1;
	}
	if (p2 < pp || c2 < pc) {
		printf("FAIL counters went back: before the crash parent %ld child %ld, now parent %ld child %ld\n", pp, pc, p2, c2);
		return 1;
	}
	printf("PASS shared page: parent %ld -> %ld, child %ld -> %ld (before the crash: %s)\n", p1, p2, c1, c2,
	       pre && *pre ? pre : "?");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "run") == 0)
		return run(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "check") == 0)
		return check(argv[2], argc > 3 ? argv[3] : "");
	fprintf(stderr, "usage: shanon run DIR | check DIR [PRE]\n");
	return 2;
}
