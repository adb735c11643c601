/*
 * evfds: an event-descriptor workload for Otherworld trials (issue 10 part 5).
 *
 *   evfds run DIR     holds an eventfd with counter 41, a periodic CLOCK_MONOTONIC timerfd (1 s), a
 *                     signalfd for SIGUSR2 (blocked), an inotify watch (IN_MODIFY) on DIR/watched and an
 *                     epoll watching all four, each with its own data cookie. It loops in epoll_wait and
 *                     keeps DIR/status current: timer ticks, SIGUSR2s received, modifications seen,
 *                     eventfd value read back, the timer's interval (timerfd_gettime), events with an
 *                     unknown cookie. On every tick it reads the eventfd (must be 41) and writes it back.
 *   evfds check DIR   after a resurrection: sends SIGUSR2 to the pid in DIR/status, appends to
 *                     DIR/watched, then waits up to 8 s for: 3 more ticks, one more signal, one more
 *                     modification, eventfd 41, interval 1000 ms, no unknown cookie, no error.
 *                     Prints what it saw; exit 0 when all hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "owdemo.h"

#define COOKIE_EVENTFD 0xe7e7000000000001ULL
#define COOKIE_TIMER 0xe7e7000000000002ULL
#define COOKIE_SIGNAL 0xe7e7000000000003ULL
#define COOKIE_INOTIFY 0xe7e7000000000004ULL
#define EFD_VALUE 41

struct status {
	long pid, ticks, sigs, mods, efd, interval_ms, efd_events, bad, err;
};

static void save(const char *dir, const struct status *s)
{
	char buf[512];
	snprintf(buf, sizeof buf, "pid %ld ticks %ld sigs %ld mods %ld efd %ld interval_ms %ld efd_events %ld bad %ld err %ld\n",
		 s->pid, s->ticks, s->sigs, s->mods, s->efd, s->interval_ms, s->efd_events, s->bad, s->err);
	ow_note(dir, "status", buf, 0);
}

static int load(const char *dir, struct status *s)
{
	char path[512];
	snprintf(path, sizeof path, "%s/status", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int n = fscanf(f, "pid %ld ticks %ld sigs %ld mods %ld efd %ld interval_ms %ld efd_events %ld bad %ld err %ld",
		       &s->pid, &s->ticks, &s->sigs, &s->mods, &s->efd, &s->interval_ms, &s->efd_events, &s->bad, &s->err);
	fclose(f);
	return n == 9 ? 0 : -1;
}

static int run(const char *dir)
{
	struct status st = { .pid = getpid() };
	char watched[512];
	snprintf(watched, sizeof watched, "%s/watched", dir);
	int w = open(watched, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (w < 0)
		return 1;
	close(w);

	int efd = eventfd(EFD_VALUE, EFD_NONBLOCK);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK);
	int ifd = inotify_init1(IN_NONBLOCK);
	int wd = ifd < 0 ? -1 : inotify_add_watch(ifd, watched, IN_MODIFY);
	int ep = epoll_create1(0);
	if (efd < 0 || tfd < 0 || sfd < 0 || ifd < 0 || wd < 0 || ep < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
		perror("evfds: setup");
		return 1;
	}
	struct epoll_event ev;
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = COOKIE_EVENTFD;
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	ev.events = EPOLLIN;
	ev.data.u64 = COOKIE_TIMER;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.u64 = COOKIE_SIGNAL;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.u64 = COOKIE_INOTIFY;
	epoll_ctl(ep, EPOLL_CTL_ADD, ifd, &ev);
	st.efd = EFD_VALUE;
	st.interval_ms = 1000;
	save(dir, &st);
	printf("evfds: eventfd %d timerfd %d signalfd %d inotify %d (wd %d) epoll %d\n", efd, tfd, sfd, ifd, wd, ep);
	fflush(stdout);

	for (;;) {
		struct epoll_event evs[8];
		int n = epoll_wait(ep, evs, 8, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			st.err++;
			save(dir, &st);
			sleep(1);
			continue;
		}
		for (int i = 0; i < n; i++) {
			uint64_t v;
			switch (evs[i].data.u64) {
			case COOKIE_TIMER:
				if (read(tfd, &v, sizeof v) == sizeof v) {
					st.ticks += (long)v;
					struct itimerspec cur;
					if (timerfd_gettime(tfd, &cur) == 0)
						st.interval_ms = cur.it_interval.tv_sec * 1000 + cur.it_interval.tv_nsec / 1000000;
					/* the eventfd's counter, read back and restored */
					if (read(efd, &v, sizeof v) == sizeof v) {
						st.efd = (long)v;
						if (write(efd, &v, sizeof v) != sizeof v)
							st.err++;
					} else {
						st.efd = -1;
					}
				}
				break;
			case COOKIE_SIGNAL: {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof si) == sizeof si)
					if (si.ssi_signo == SIGUSR2)
						st.sigs++;
				break;
			}
			case COOKIE_INOTIFY: {
				char buf[4096] __attribute__((aligned(8)));
				ssize_t len;
				while ((len = read(ifd, buf, sizeof buf)) > 0)
					for (char *p = buf; p < buf + len;) {
						struct inotify_event *e = (struct inotify_event *)p;
						if (e->wd == wd && (e->mask & IN_MODIFY))
							st.mods++;
						p += sizeof *e + e->len;
					}
				break;
			}
			case COOKIE_EVENTFD:
				st.efd_events++;
				break;
			default:
				st.bad++;
			}
		}
		save(dir, &st);
	}
}

static int check(const char *dir)
{
	struct status a, b;
	if (load(dir, &a) < 0) {
		printf("evfds check: no status\n");
		return 1;
	}
	if (kill((pid_t)a.pid, SIGUSR2) < 0) {
		printf("evfds check: kill -USR2 %ld: %s\n", a.pid, strerror(errno));
		return 1;
	}
	char watched[512];
	snprintf(watched, sizeof watched, "%s/watched", dir);
	int fd = open(watched, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "x\n", 2) != 2) {
		printf("evfds check: cannot append to %s\n", watched);
		return 1;
	}
	close(fd);
	int ok = 0;
	for (int i = 0; i < 80 && !ok; i++) {
		struct timespec ts = { 0, 100000000 };
		nanosleep(&ts, NULL);
		if (load(dir, &b) < 0)
			continue;
		ok = b.ticks >= a.ticks + 3 && b.ticks <= a.ticks + 12 && b.sigs >= a.sigs + 1 && b.mods >= a.mods + 1 && b.efd == EFD_VALUE
		     && b.interval_ms == 1000 && b.bad == 0 && b.err == 0;
	}
	printf("evfds check: before ticks %ld sigs %ld mods %ld efd %ld; after ticks %ld sigs %ld mods %ld efd %ld "
	       "interval_ms %ld efd_events %ld bad %ld err %ld: %s\n",
	       a.ticks, a.sigs, a.mods, a.efd, b.ticks, b.sigs, b.mods, b.efd, b.interval_ms, b.efd_events, b.bad, b.err,
	       ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "run") == 0)
		return run(argv[2]);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return check(argv[2]);
	fprintf(stderr, "usage: evfds run|check DIR\n");
	return 2;
}
