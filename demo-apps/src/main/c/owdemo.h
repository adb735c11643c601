/*
 * owdemo.h: helpers shared by the C demo workloads. Header-only: every demo is one statically linked
 * program built from its own .c file (vm-test GuestBuilder.cPrograms), so the helpers are static.
 */
#ifndef OWDEMO_H
#define OWDEMO_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Writes DIR/NAME as TEXT atomically: a temporary file renamed over it, so a reader (the trial's
 * check, or the process itself after a resurrection) never sees a half-written file. With sync set
 * the data is fsync'd before the rename.
 */
static inline void ow_note(const char *dir, const char *name, const char *text, int sync)
{
	char tmp[512], path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	ssize_t n = write(fd, text, strlen(text));
	(void)n;
	if (sync)
		fsync(fd);
	close(fd);
	rename(tmp, path);
}

/* Sleeps MS milliseconds; a sleep interrupted by a signal (or by a resurrection's EINTR) goes on. */
static inline void ow_nap(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* Writes all LEN bytes of BUF to FD, retrying EINTR; 0 on success, -1 on an error or a zero write. */
static inline int ow_write_all(int fd, const void *buf, size_t len)
{
	const char *b = buf;
	while (len > 0) {
		ssize_t w = write(fd, b, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * When DIR/error exists (a side of the demo recorded why it stopped), prints "WHO failed: <its first
 * line>" and returns 1; else returns 0.
 */
static inline int ow_failed(const char *dir, const char *who)
{
	char path[512], err[512] = "";
	snprintf(path, sizeof path, "%s/error", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(err, sizeof err, f))
		strcpy(err, "(empty)\n");
	fclose(f);
	printf("%s failed: %s", who, err);
	return 1;
}

/*
 * The check of a streaming demo: passes (returns 0) when DIR/progress ("UNIT N") grows within 3 s and
 * no side recorded an error (ow_failed), printing "WHO verified A UNIT, then B UNIT 3 s later".
 */
static inline long long ow_progress(const char *dir, const char *unit)
{
	char path[512], fmt[64];
	long long v = -1;
	snprintf(path, sizeof path, "%s/progress", dir);
	snprintf(fmt, sizeof fmt, "%s %%lld", unit);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, fmt, &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static inline int ow_check_progress(const char *dir, const char *who, const char *unit)
{
	if (ow_failed(dir, who))
		return 1;
	long long a = ow_progress(dir, unit);
	sleep(3);
	long long b = ow_progress(dir, unit);
	if (ow_failed(dir, who))
		return 1;
	printf("%s verified %lld %s, then %lld %s 3 s later\n", who, a, unit, b, unit);
	return a >= 0 && b > a ? 0 : 1;
}

#endif
