/*
 * owbench: the benchmark's guest-side tool (built static on the host, copied to the guest's data disk).
 *
 *   owbench mem MIB PROCS THREADS DIR   touch MIB MiB of verifiable non-zero data in the first process,
 *                                       1 MiB in each of PROCS-1 children, with THREADS threads in the
 *                                       first; on SIGUSR1 each process verifies its memory and writes
 *                                       DIR/verify.PID ("ok PAGES" or "bad PAGE"); runs until killed
 *   owbench req HOST:PORT kv|http       one request to a demo server; exit 0 on a good reply
 *   owbench load HOST:PORT kv|http SECS requests for SECS seconds, prints
 *                                       "requests=N seconds=S rps=R p50_us=A p99_us=B errors=E"
 *   owbench watch HOST:PORT kv|http DIR [BOOT_ID_FILE [TIMENS_OFFSETS_FILE]]
 *                                       a client that outlives the crash: one request on a new
 *                                       connection every 0.1 s; DIR/ready after the first good reply;
 *                                       the first good reply under another boot (BOOT_ID_FILE, default
 *                                       the kernel's boot id, changed: a resurrection) is written to
 *                                       DIR/first-reply as "first_request_uptime=S failed_before=N",
 *                                       S the running kernel's uptime: a resurrected process lives in a
 *                                       time namespace whose /proc/uptime continues the dead kernel's,
 *                                       so its boottime offset (TIMENS_OFFSETS_FILE, default
 *                                       /proc/self/timens_offsets) is taken off; runs until killed
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static volatile sig_atomic_t verify_requested;
static unsigned char *mem;
static size_t mem_pages;
static const char *dir;

static uint64_t word_of(size_t page, size_t i) {
	/* non-zero, different on every page and every word */
	return ((uint64_t)page << 20) ^ (i * 0x9E3779B97F4A7C15ull) ^ 0x5A5A5A5A00000001ull;
}

static void fill(void) {
	for (size_t p = 0; p < mem_pages; p++) {
		uint64_t *w = (uint64_t *)(mem + p * PAGE);
		for (size_t i = 0; i < PAGE / 8; i++)
			w[i] = word_of(p, i) | 1;
	}
}

static long verify(void) {
	for (size_t p = 0; p < mem_pages; p++) {
		uint64_t *w = (uint64_t *)(mem + p * PAGE);
		for (size_t i = 0; i < PAGE / 8; i++)
			if (w[i] != (word_of(p, i) | 1))
				return -(long)p - 1;
	}
	return (long)mem_pages;
}

static void on_usr1(int s) {
	(void)s;
	verify_requested = 1;
}

static void *idle_thread(void *a) {
	(void)a;
	for (;;)
		pause();
	return NULL;
}

static void serve_verify(void) {
	for (;;) {
		pause();
		if (!verify_requested)
			continue;
		verify_requested = 0;
		long r = verify();
		char path[512], tmp[520];
		snprintf(path, sizeof path, "%s/verify.%d", dir, (int)getpid());
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		FILE *f = fopen(tmp, "w");
		if (!f)
			continue;
		if (r >= 0)
			fprintf(f, "ok %ld\n", r);
		else
			fprintf(f, "bad %ld\n", -r - 1);
		fclose(f);
		rename(tmp, path);
	}
}

static void setup_mem(size_t mib) {
	mem_pages = mib * 256;
	mem = mmap(NULL, mem_pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("owbench: mmap");
		exit(1);
	}
	fill();
}

static int cmd_mem(int argc, char **argv) {
	if (argc != 6) {
		fprintf(stderr, "usage: owbench mem MIB PROCS THREADS DIR\n");
		return 2;
	}
	size_t mib = strtoul(argv[2], NULL, 10);
	int procs = atoi(argv[3]), threads = atoi(argv[4]);
	dir = argv[5];
	if (mib < 1 || procs < 1 || threads < 1) {
		fprintf(stderr, "owbench mem: MIB, PROCS and THREADS must be >= 1\n");
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 1; i < procs; i++) {
		pid_t c = fork();
		if (c == 0) {
			setup_mem(1);
			serve_verify();
		}
		if (c < 0) {
			perror("owbench: fork");
			return 1;
		}
	}
	setup_mem(mib);
	for (int i = 1; i < threads; i++) {
		pthread_t t;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setstacksize(&at, 64 * 1024);
		/* SIGUSR1 goes to the main thread only */
		sigset_t s, old;
		sigemptyset(&s);
		sigaddset(&s, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &s, &old);
		if (pthread_create(&t, &at, idle_thread, NULL) != 0) {
			fprintf(stderr, "owbench: thread %d not created\n", i);
			return 1;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	char path[512];
	snprintf(path, sizeof path, "%s/ready", dir);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d %zu %d %d\n", (int)getpid(), mib, procs, threads);
		fclose(f);
	}
	serve_verify();
	return 0;
}

static int connect_to(const char *hp) {
	char host[128];
	const char *c = strrchr(hp, ':');
	if (!c || c - hp >= (long)sizeof host)
		return -1;
	memcpy(host, hp, c - hp);
	host[c - hp] = 0;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(atoi(c + 1));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -1;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return -1;
	struct timeval tv = {5, 0};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	int one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
		close(s);
		return -1;
	}
	return s;
}

static int write_all(int s, const char *b, size_t n) {
	while (n > 0) {
		ssize_t w = write(s, b, n);
		if (w <= 0)
			return -1;
		b += w;
		n -= w;
	}
	return 0;
}

/* one kv request on an open connection: a line out, a line back; 0 when the reply is not ERR */
static int kv_request(int s, long i) {
	char req[96], rep[256];
	if (i % 2 == 0)
		snprintf(req, sizeof req, "PUT bench%ld v%ld\n", i % 1000, i);
	else
		snprintf(req, sizeof req, "GET bench%ld\n", (i - 1) % 1000);
	if (write_all(s, req, strlen(req)) != 0)
		return -1;
	size_t n = 0;
	while (n < sizeof rep - 1) {
		ssize_t r = read(s, rep + n, 1);
		if (r <= 0)
			return -1;
		if (rep[n++] == '\n')
			break;
	}
	rep[n] = 0;
	return strncmp(rep, "ERR", 3) == 0 ? -1 : 0;
}

/* one HTTP request on its own connection (GET /stats, Connection: close); 0 on a 200 reply */
static int http_request(const char *hp) {
	int s = connect_to(hp);
	if (s < 0)
		return -1;
	const char *req = "GET /stats HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
	char rep[1024];
	int rc = -1;
	if (write_all(s, req, strlen(req)) == 0) {
		size_t n = 0;
		ssize_t r;
		while (n < sizeof rep - 1 && (r = read(s, rep + n, sizeof rep - 1 - n)) > 0)
			n += r;
		rep[n] = 0;
		rc = strncmp(rep, "HTTP/1.1 200", 12) == 0 ? 0 : -1;
	}
	close(s);
	return rc;
}

static double now_s(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp_long(const void *a, const void *b) {
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static int cmd_req(int argc, char **argv) {
	if (argc != 4)
		return 2;
	if (strcmp(argv[3], "http") == 0)
		return http_request(argv[2]) == 0 ? 0 : 1;
	int s = connect_to(argv[2]);
	if (s < 0)
		return 1;
	int rc = kv_request(s, 1);
	close(s);
	return rc == 0 ? 0 : 1;
}

static int cmd_load(int argc, char **argv) {
	if (argc != 5)
		return 2;
	int http = strcmp(argv[3], "http") == 0;
	double secs = atof(argv[4]);
	size_t cap = 1 << 20, n = 0;
	long *lat = malloc(cap * sizeof *lat);
	long errors = 0;
	int s = http ? -1 : connect_to(argv[2]);
	if (!http && s < 0) {
		printf("requests=0 seconds=0 rps=0 p50_us=0 p99_us=0 errors=1\n");
		return 1;
	}
	double start = now_s(), end = start + secs, t;
	long i = 0;
	while ((t = now_s()) < end) {
		int rc = http ? http_request(argv[2]) : kv_request(s, i);
		double t2 = now_s();
		i++;
		if (rc != 0) {
			errors++;
			if (!http) {
				close(s);
				s = connect_to(argv[2]);
				if (s < 0)
					break;
			}
			continue;
		}
		if (n < cap)
			lat[n++] = (long)((t2 - t) * 1e6);
	}
	double took = now_s() - start;
	qsort(lat, n, sizeof *lat, cmp_long);
	printf("requests=%zu seconds=%.3f rps=%.1f p50_us=%ld p99_us=%ld errors=%ld\n", n, took, n / took,
	       n ? lat[n / 2] : 0, n ? lat[(size_t)(n * 0.99)] : 0, errors);
	return 0;
}

static int read_line(const char *path, char *buf, size_t n) {
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	return ok ? 0 : -1;
}

static void write_file(const char *d, const char *name, const char *text) {
	char path[512], tmp[520];
	snprintf(path, sizeof path, "%s/%s", d, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(text, f);
	fflush(f);
	fsync(fileno(f));
	fclose(f);
	rename(tmp, path);
}

/* The boottime offset of this process's time namespace in seconds (0 outside one, or unreadable). */
static double boottime_offset(const char *path) {
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[128], name[32];
	long long sec, nsec;
	double off = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%31s %lld %lld", name, &sec, &nsec) == 3 && strcmp(name, "boottime") == 0)
			off = sec + nsec / 1e9;
	fclose(f);
	return off;
}

static int cmd_watch(int argc, char **argv) {
	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: owbench watch HOST:PORT kv|http DIR [BOOT_ID_FILE [TIMENS_OFFSETS_FILE]]\n");
		return 2;
	}
	int http = strcmp(argv[3], "http") == 0;
	const char *dir_out = argv[4];
	const char *boot_id = argc >= 6 ? argv[5] : "/proc/sys/kernel/random/boot_id";
	const char *offsets = argc == 7 ? argv[6] : "/proc/self/timens_offsets";
	char boot[64], now_boot[64], up[64], text[160];
	if (read_line(boot_id, boot, sizeof boot) != 0) {
		fprintf(stderr, "owbench watch: no boot id\n");
		return 1;
	}
	int ready = 0, done = 0;
	long failed = 0, i = 0;
	for (;;) {
		int ok;
		if (http) {
			ok = http_request(argv[2]) == 0;
		} else {
			int s = connect_to(argv[2]);
			ok = s >= 0 && kv_request(s, i++) == 0;
			if (s >= 0)
				close(s);
		}
		if (ok && !ready) {
			snprintf(text, sizeof text, "%d\n", (int)getpid());
			write_file(dir_out, "ready", text);
			ready = 1;
		}
		if (!done && read_line(boot_id, now_boot, sizeof now_boot) == 0
		    && strcmp(boot, now_boot) != 0) {
			if (ok && read_line("/proc/uptime", up, sizeof up) == 0) {
				double ns_uptime = atof(up), off = boottime_offset(offsets);
				snprintf(text, sizeof text, "first_request_uptime=%.2f failed_before=%ld namespace_uptime=%.2f\n",
				         ns_uptime - off, failed, ns_uptime);
				write_file(dir_out, "first-reply", text);
				done = 1;
			} else {
				failed++;
			}
		}
		struct timespec t = {0, 100 * 1000 * 1000};
		while (nanosleep(&t, &t) != 0 && errno == EINTR)
			;
	}
}

int main(int argc, char **argv) {
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "mem") == 0)
		return cmd_mem(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "req") == 0)
		return cmd_req(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "load") == 0)
		return cmd_load(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "watch") == 0)
		return cmd_watch(argc, argv);
	fprintf(stderr, "usage: owbench mem|req|load|watch ...\n");
	return 2;
}
