/*
 * mtworker: a multi-threaded C workload whose state lives in every place Otherworld must resurrect:
 * CPU registers (a spinning thread), thread stacks, the heap, a MAP_SHARED file mapping, a file it
 * appends to, a SysV shared-memory segment, and a signal handler.
 *
 *   mtworker run DIR      run forever, publishing state under DIR
 *   mtworker check DIR    verify the state of a running (or resurrected) instance; exit 0 if sound
 *
 * Invariants checked by "check":
 *   - every worker's counter in heap, stack copy, shm and the mapped file agree (they may differ by
 *     at most one step while a worker is between stores) and never go backwards between two samples;
 *   - the append-only log has one line per logged step of each worker, in order, with no gap;
 *   - SIGUSR1 is still handled (the handler count in the mapped file grows after a kill -USR1);
 *   - all worker threads are alive (their counters advance).
 * Built statically by the project's build: gcc -static -O2 -pthread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 4
#define MAGIC 0x4f54485257524c44ULL /* "OTHRWRLD" */
#define LOG_EVERY 16

struct shared_state {
	uint64_t magic;
	uint64_t pid;
	uint64_t usr1_count;
	uint64_t spin_value;
	uint64_t counters[WORKERS];
	uint64_t logged[WORKERS];
};

static struct shared_state *mapped;	/* MAP_SHARED file mapping */
static struct shared_state *shm;	/* SysV segment */
static uint64_t *heap_counters;		/* malloc'd */
static int log_fd;
static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
	__atomic_add_fetch(&mapped->usr1_count, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&shm->usr1_count, 1, __ATOMIC_SEQ_CST);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void append_line(int worker, uint64_t value)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "w%d %llu\n", worker, (unsigned long long)value);
	ssize_t done = 0;
	while (done < n) {
		ssize_t w = write(log_fd, line + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("mtworker: append");
			exit(1);
		}
		done += w;
	}
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	volatile uint64_t on_stack = 0; /* a copy kept on this thread's stack */
	for (;;) {
		uint64_t next = heap_counters[id] + 1;
		on_stack = next;
		heap_counters[id] = next;
		shm->counters[id] = next;
		mapped->counters[id] = on_stack;
		if (next % LOG_EVERY == 0) {
			append_line(id, next);
			mapped->logged[id] = next;
			shm->logged[id] = next;
		}
		sleep_ms(20 + id * 5);
	}
	return NULL;
}

/* Keeps its running value in a register between publications. */
static void *spinner(void *arg)
{
	(void)arg;
	register uint64_t r = mapped->spin_value;
	for (;;) {
		for (int i = 0; i < 100000; i++) {
			r += 3;
			__asm__ volatile("" : "+r"(r));
		}
		mapped->spin_value = r;
		shm->spin_value = r;
		sleep_ms(50);
	}
	return NULL;
}

static int open_state(const char *dir, int create, struct shared_state **map_out, int *shmid_out)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/mtworker.map", dir);
	int fd = open(path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0644);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	if (create && ftruncate(fd, 65536) != 0) {
		perror("ftruncate");
		return -1;
	}
	*map_out = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (*map_out == MAP_FAILED) {
		perror("mmap");
		return -1;
	}
	key_t key = ftok(path, 'O');
	*shmid_out = shmget(key, sizeof(struct shared_state), create ? IPC_CREAT | 0600 : 0600);
	if (*shmid_out < 0) {
		perror("shmget");
		return -1;
	}
	return 0;
}

static int run(const char *dir)
{
	int shmid;
	if (open_state(dir, 1, &mapped, &shmid) != 0)
		return 1;
	shm = shmat(shmid, NULL, 0);
	if (shm == (void *)-1) {
		perror("shmat");
		return 1;
	}
	memset(shm, 0, sizeof(*shm));
	mapped->magic = shm->magic = MAGIC;
	mapped->pid = shm->pid = (uint64_t)getpid();
	heap_counters = calloc(WORKERS, sizeof(uint64_t));

	char path[4096];
	snprintf(path, sizeof(path), "%s/mtworker.log", dir);
	log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (log_fd < 0) {
		perror(path);
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	pthread_t t;
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&t, NULL, worker, (void *)(intptr_t)i);
	pthread_create(&t, NULL, spinner, NULL);
	for (;;)
		pause();
}

static int read_log(const char *dir, uint64_t last[WORKERS])
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/mtworker.log", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	memset(last, 0, WORKERS * sizeof(uint64_t));
	int w;
	unsigned long long v;
	int bad = 0;
	while (fscanf(f, "w%d %llu\n", &w, &v) == 2) {
		if (w < 0 || w >= WORKERS || v != last[w] + LOG_EVERY) {
			printf("FAIL log: line w%d %llu follows %llu\n", w, v,
			       (w >= 0 && w < WORKERS) ? (unsigned long long)last[w] : 0ULL);
			bad = 1;
			break;
		}
		last[w] = v;
	}
	fclose(f);
	return bad ? -1 : 0;
}

static int check(const char *dir)
{
	int shmid, fails = 0;
	struct shared_state *m;
	if (open_state(dir, 0, &m, &shmid) != 0)
		return 1;
	struct shared_state *s = shmat(shmid, NULL, SHM_RDONLY);
	if (s == (void *)-1) {
		printf("FAIL shm: %s\n", strerror(errno));
		return 1;
	}
	if (m->magic != MAGIC || s->magic != MAGIC) {
		printf("FAIL magic\n");
		return 1;
	}
	pid_t pid = (pid_t)m->pid;
	if (kill(pid, 0) != 0) {
		printf("FAIL process %d is not running\n", pid);
		return 1;
	}
	/* the log first, then the counters: a worker updates its counter before it logs, so the log
	 * read earlier can never be ahead of the counters read after it */
	uint64_t log_before[WORKERS];
	if (read_log(dir, log_before) != 0)
		fails++;
	struct shared_state before = *m;
	kill(pid, SIGUSR1);
	sleep(2);
	struct shared_state after = *m;
	for (int i = 0; i < WORKERS; i++) {
		if (after.counters[i] <= before.counters[i]) {
			printf("FAIL worker %d stalled at %llu\n", i, (unsigned long long)after.counters[i]);
			fails++;
		}
		uint64_t sv = s->counters[i], mv = m->counters[i];
		if (sv + 1 < mv || mv + 1 < sv) {
			printf("FAIL worker %d shm %llu vs mapped %llu\n", i, (unsigned long long)sv,
			       (unsigned long long)mv);
			fails++;
		}
		/* at most one logging step (plus the steps taken while the log was read) not yet logged */
		if (log_before[i] > before.counters[i] || before.counters[i] - log_before[i] > LOG_EVERY + 2) {
			printf("FAIL worker %d log %llu vs counter %llu\n", i, (unsigned long long)log_before[i],
			       (unsigned long long)before.counters[i]);
			fails++;
		}
	}
	if (after.spin_value <= before.spin_value) {
		printf("FAIL spinner stalled\n");
		fails++;
	}
	if (after.usr1_count <= before.usr1_count) {
		printf("FAIL SIGUSR1 handler did not run\n");
		fails++;
	}
	printf("%s pid=%d counters=%llu,%llu,%llu,%llu spin=%llu usr1=%llu\n", fails ? "FAIL" : "PASS", pid,
	       (unsigned long long)after.counters[0], (unsigned long long)after.counters[1],
	       (unsigned long long)after.counters[2], (unsigned long long)after.counters[3],
	       (unsigned long long)after.spin_value, (unsigned long long)after.usr1_count);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "run") == 0)
		return run(argv[2]);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return check(argv[2]);
	fprintf(stderr, "usage: mtworker run|check DIR\n");
	return 2;
}
