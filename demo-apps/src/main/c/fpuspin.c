/*
 * fpuspin: a workload whose state lives in the FPU/SSE/AVX registers of threads that are running on a
 * CPU when the kernel panics (the case kernel patch 0001 is about).
 *
 *   fpuspin run DIR            one spinner thread per online CPU, forever
 *   fpuspin check DIR [PRE]    verify a running (or resurrected) instance; exit 0 if sound
 *
 * Each spinner loads a pattern of its own into all 16 vector registers (ymm0-15 with AVX2, else
 * xmm0-15 with SSE2) and then, in one inline-assembly loop without any system call, adds 1 to every
 * 64-bit lane, keeps the iteration number k in a general register (r8), stores the vector registers
 * and compares every lane with pattern + k. A restored thread whose vector registers are older (or
 * newer) than its general registers fails that comparison at once: the loop leaves, the thread
 * writes "MISMATCH thread=I tid=T reg=ymmR lane=L got=... want=... iter=K" into DIR/fpu.log (opened
 * and synced before the loop) and the process exits with status 3. Each iteration also increments the thread's
 * counter in memory shared by the threads; the main thread writes all counters to DIR/progress
 * every 250 ms ("pid P mode M threads N counters C0 C1 ...").
 *
 * "check" prints one line starting "pattern intact", "pattern broken" or "pattern unknown", then
 * details; it passes when the process is alive, every counter advanced after the restore (and is not
 * below the pre-crash sample PRE, a copy of the progress line), and fpu.log holds no MISMATCH.
 * Built statically by the project's build: gcc -static -O2 -pthread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define NREGS 16
#define MAX_LANES 4 /* 64-bit lanes per register: 4 for ymm, 2 for xmm */
#define MISMATCH_EXIT 3

struct spinner {
	uint64_t pat[NREGS][MAX_LANES] __attribute__((aligned(32)));
	uint64_t buf[NREGS][MAX_LANES] __attribute__((aligned(32)));
	int index;
	pid_t tid;
};

static const uint64_t ones[MAX_LANES] __attribute__((aligned(32))) = { 1, 1, 1, 1 };
static volatile uint64_t counters[MAX_THREADS]; /* shared by all threads of the process */
static struct spinner spinners[MAX_THREADS];
static int use_avx2;
static int log_fd = -1;

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	ssize_t done = 0;
	while (done < n) {
		ssize_t w = write(log_fd, line + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		done += w;
	}
}

/* A distinct, recognisable value for every thread, register and lane ("OW" in the top bytes). */
static uint64_t pattern(int thread, int reg, int lane)
{
	return 0x4f57000000000000ULL | ((uint64_t)thread << 40) | ((uint64_t)reg << 32) | ((uint64_t)lane << 24)
		| ((uint64_t)(thread * 131 + reg * 17 + lane * 3) << 8);
}

/*
 * The AVX2 loop: returns (with k) only when a lane differs from pattern + k. r8 holds k; the counter
 * increment is a memory add. Nothing in the loop enters the kernel.
 */
static uint64_t spin_avx2(struct spinner *s, volatile uint64_t *counter)
{
	uint64_t k;
	__asm__ volatile(
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"vmovdqa 32*\\r(%[p]), %%ymm\\r\n\t"
		".endr\n\t"
		"xor %%r8, %%r8\n"
		"1:\n\t"
		"inc %%r8\n\t"
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"vpaddq (%[one]), %%ymm\\r, %%ymm\\r\n\t"
		".endr\n\t"
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"vmovdqa %%ymm\\r, 32*\\r(%[b])\n\t"
		".endr\n\t"
		".irp q,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,"
		"32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63\n\t"
		"mov 8*\\q(%[b]), %%rax\n\t"
		"sub %%r8, %%rax\n\t"
		"cmp 8*\\q(%[p]), %%rax\n\t"
		"jne 2f\n\t"
		".endr\n\t"
		"lock incq (%[c])\n\t"
		"jmp 1b\n"
		"2:\n\t"
		"mov %%r8, %[k]\n\t"
		"vzeroupper\n\t"
		: [k] "=r"(k)
		: [p] "r"(s->pat), [b] "r"(s->buf), [c] "r"(counter), [one] "r"(ones)
		: "rax", "r8", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
		  "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return k;
}

/* The same with SSE2 only (xmm0-15, two lanes each), for CPUs without AVX2. */
static uint64_t spin_sse2(struct spinner *s, volatile uint64_t *counter)
{
	uint64_t k;
	__asm__ volatile(
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"movdqa 32*\\r(%[p]), %%xmm\\r\n\t"
		".endr\n\t"
		"xor %%r8, %%r8\n"
		"1:\n\t"
		"inc %%r8\n\t"
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"paddq (%[one]), %%xmm\\r\n\t"
		".endr\n\t"
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"movdqa %%xmm\\r, 32*\\r(%[b])\n\t"
		".endr\n\t"
		".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		".irp l,0,1\n\t"
		"mov 32*\\r+8*\\l(%[b]), %%rax\n\t"
		"sub %%r8, %%rax\n\t"
		"cmp 32*\\r+8*\\l(%[p]), %%rax\n\t"
		"jne 2f\n\t"
		".endr\n\t"
		".endr\n\t"
		"lock incq (%[c])\n\t"
		"jmp 1b\n"
		"2:\n\t"
		"mov %%r8, %[k]\n\t"
		: [k] "=r"(k)
		: [p] "r"(s->pat), [b] "r"(s->buf), [c] "r"(counter), [one] "r"(ones)
		: "rax", "r8", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
		  "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return k;
}

static void *spinner_main(void *arg)
{
	struct spinner *s = arg;
	int lanes = use_avx2 ? 4 : 2;
	s->tid = (pid_t)syscall(SYS_gettid);
	for (int r = 0; r < NREGS; r++)
		for (int l = 0; l < MAX_LANES; l++)
			s->pat[r][l] = pattern(s->index, r, l);
	log_line("thread %d tid %d spinning (%s)\n", s->index, s->tid, use_avx2 ? "avx2 ymm0-15" : "sse2 xmm0-15");
	/*
	 * The log must be on disk before the loop: restore checks an open file's size against the image,
	 * and a few bytes appended seconds before the crash may not be (measured: "fpu.log has bad size 0").
	 */
	fsync(log_fd);
	uint64_t k = use_avx2 ? spin_avx2(s, &counters[s->index]) : spin_sse2(s, &counters[s->index]);
	int bad = 0;
	for (int r = 0; r < NREGS; r++) {
		for (int l = 0; l < lanes; l++) {
			uint64_t want = s->pat[r][l] + k;
			if (s->buf[r][l] != want && bad++ < 16)
				log_line("MISMATCH thread=%d tid=%d reg=%s%d lane=%d got=%016llx want=%016llx iter=%llu\n",
					 s->index, s->tid, use_avx2 ? "ymm" : "xmm", r, l,
					 (unsigned long long)s->buf[r][l], (unsigned long long)want, (unsigned long long)k);
		}
	}
	log_line("thread %d tid %d: %d lanes differ at iteration %llu, exiting\n", s->index, s->tid, bad,
		 (unsigned long long)k);
	_exit(MISMATCH_EXIT);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int path_in(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

static void write_progress(const char *dir, int n)
{
	char path[4096], tmp[4096], line[64 + MAX_THREADS * 21];
	if (path_in(path, sizeof(path), dir, "progress") || path_in(tmp, sizeof(tmp), dir, "progress.tmp"))
		return;
	int len = snprintf(line, sizeof(line), "pid %d mode %s threads %d counters", (int)getpid(),
			   use_avx2 ? "avx2" : "sse2", n);
	for (int i = 0; i < n; i++)
		len += snprintf(line + len, sizeof(line) - len, " %llu", (unsigned long long)counters[i]);
	len += snprintf(line + len, sizeof(line) - len, "\n");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	ssize_t w = write(fd, line, len);
	close(fd);
	if (w == len)
		rename(tmp, path);
}

static int run(const char *dir)
{
	char path[4096];
	__builtin_cpu_init();
	use_avx2 = __builtin_cpu_supports("avx2");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int n = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
	if (path_in(path, sizeof(path), dir, "fpu.log"))
		return 2;
	log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (log_fd < 0) {
		perror("fpuspin: fpu.log");
		return 2;
	}
	log_line("start pid %d threads %d mode %s\n", (int)getpid(), n,
		 use_avx2 ? "avx2 (ymm0-15, 4 lanes)" : "sse2 (xmm0-15, 2 lanes; no AVX2 on this CPU)");
	for (int i = 0; i < n; i++) {
		pthread_t t;
		spinners[i].index = i;
		if (pthread_create(&t, NULL, spinner_main, &spinners[i]) != 0) {
			fprintf(stderr, "fpuspin: pthread_create failed\n");
			return 2;
		}
	}
	for (;;) {
		write_progress(dir, n);
		sleep_ms(250);
	}
}

struct progress {
	int pid, threads;
	char mode[16];
	unsigned long long c[MAX_THREADS];
};

static int parse_progress(const char *line, struct progress *p)
{
	int off = 0;
	memset(p, 0, sizeof(*p));
	if (sscanf(line, "pid %d mode %15s threads %d counters%n", &p->pid, p->mode, &p->threads, &off) != 3 ||
	    p->threads < 1 || p->threads > MAX_THREADS)
		return -1;
	for (int i = 0; i < p->threads; i++) {
		int used = 0;
		if (sscanf(line + off, " %llu%n", &p->c[i], &used) != 1)
			return -1;
		off += used;
	}
	return 0;
}

static int read_progress(const char *dir, struct progress *p)
{
	char path[4096], line[64 + MAX_THREADS * 21];
	if (path_in(path, sizeof(path), dir, "progress"))
		return -1;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *ok = fgets(line, sizeof(line), f);
	fclose(f);
	return ok ? parse_progress(line, p) : -1;
}

/* Copies the first MISMATCH lines of fpu.log into out (at most 4); returns how many there are. */
static int mismatches(const char *dir, char *out, size_t size)
{
	char path[4096], line[512];
	int count = 0;
	size_t used = 0;
	out[0] = 0;
	if (path_in(path, sizeof(path), dir, "fpu.log"))
		return 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "MISMATCH", 8) != 0 || count++ >= 4)
			continue;
		int n = snprintf(out + used, size - used, "  %s", line);
		if (n > 0 && used + n < size)
			used += n;
	}
	fclose(f);
	return count;
}

static int check(const char *dir, const char *pre_line)
{
	struct progress a, b, pre;
	int have_pre = pre_line && *pre_line && parse_progress(pre_line, &pre) == 0;
	if (read_progress(dir, &a) != 0) {
		printf("pattern unknown: no readable %s/progress\n", dir);
		return 1;
	}
	int alive = kill(a.pid, 0) == 0;
	int advanced = 0;
	for (int tries = 0; alive && tries < 40 && !advanced; tries++) {
		sleep_ms(250);
		if (read_progress(dir, &b) != 0 || b.threads != a.threads)
			continue;
		advanced = 1;
		for (int i = 0; i < a.threads; i++)
			advanced &= b.c[i] > a.c[i];
		alive = kill(a.pid, 0) == 0;
	}
	char lines[2048];
	int bad = mismatches(dir, lines, sizeof(lines));
	int below = 0;
	if (have_pre && alive && advanced && pre.threads == b.threads)
		for (int i = 0; i < b.threads; i++)
			below |= b.c[i] < pre.c[i];
	int ok = alive && advanced && !bad && !below;
	if (bad)
		printf("pattern broken: %d MISMATCH line(s) in fpu.log; process %d %s\n", bad, a.pid,
		       alive ? "alive" : "gone");
	else if (ok)
		printf("pattern intact: %d threads (%s), every counter advanced after the restore\n", a.threads, a.mode);
	else
		printf("pattern unknown: process %d %s, counters %s%s\n", a.pid, alive ? "alive" : "gone",
		       advanced ? "advanced" : "did not advance", below ? ", below the pre-crash sample" : "");
	printf("%s", lines);
	for (int i = 0; i < a.threads; i++)
		printf("  thread %d: %llu -> %llu%s\n", i, a.c[i], advanced ? b.c[i] : a.c[i],
		       have_pre ? "" : " (no pre-crash sample)");
	if (have_pre)
		for (int i = 0; i < pre.threads; i++)
			printf("  thread %d before the crash: %llu\n", i, pre.c[i]);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "run") == 0)
		return run(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "check") == 0)
		return check(argv[2], argc > 3 ? argv[3] : NULL);
	fprintf(stderr, "usage: fpuspin run DIR | fpuspin check DIR [PRE]\n");
	return 2;
}
