/*
 * ptyhold: a pseudo-terminal workload for Otherworld trials (issue 10, terminals).
 *
 *   ptyhold run DIR     opens a pty pair; forks a child that becomes a session leader with the slave as
 *                       its controlling terminal and sets non-default settings on it (no ICANON, no
 *                       ECHO, no OPOST, VMIN 3, VTIME 7, VINTR ^X, window 37x111). The child writes a
 *                       line to the slave that the parent does not read yet; the parent writes a line
 *                       of input into the master that the child does not read yet; then DIR/progress
 *                       says so. Both wait (polling, never reading the terminal) until DIR/go exists.
 *                       Then the child checks its settings, that the slave is still its controlling
 *                       terminal (tcgetsid, TIOCGPGRP) and reads the input; it answers "PASS ..." or
 *                       "FAIL ..." on the terminal; the parent checks the pending line and the answer
 *                       and writes DIR/result.
 *   ptyhold run DIR canon   the same with the child's terminal in canonical mode (ICANON, no ECHO,
 *                       OPOST|ONLCR, VEOF ^A): the input is two complete lines the child reads one
 *                       read() each, the pending output arrives at the master as "...\r\n" (once).
 *   ptyhold run DIR member  raw mode, and the child forks a member of its session (same process group)
 *                       that closes the terminal; after go the member opens /dev/tty (its controlling
 *                       terminal) and the child's answer includes whether that worked.
 *   ptyhold check DIR   creates DIR/go, waits up to 30 s for DIR/result, prints it; exit 0 on PASS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "owdemo.h"

#define INPUT "ow-input 0123456789 abcdefghij the child has not read this yet\n"
#define LINE1 "ow-line one\n"
#define LINE2 "ow-line two, typed ahead\n"
#define VEOF_CHAR 0x01
#define PENDING "ow-output the parent has not read this yet\n"
#define ROWS 37
#define COLS 111
#define VINTR_CHAR 0x18

static char dir[400];
static int canon, member;

static int exists(const char *name)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* reads exactly len bytes (EINTR retried); 0 on success */
static int read_exact(int fd, char *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* reads one line (up to '\n') into buf; 0 on success */
static int read_line(int fd, char *buf, size_t cap)
{
	size_t i = 0;
	while (i + 1 < cap) {
		if (read_exact(fd, buf + i, 1) != 0)
			return -1;
		if (buf[i++] == '\n')
			break;
	}
	buf[i] = 0;
	return 0;
}

static void child(const char *slave_name)
{
	if (setsid() < 0)
		_exit(10);
	/* a session leader without a controlling terminal acquires the first terminal it opens */
	int fd = open(slave_name, O_RDWR);
	if (fd < 0)
		_exit(11);
	struct termios t;
	if (tcgetattr(fd, &t) != 0)
		_exit(12);
	if (canon) {
		t.c_lflag |= ICANON | ISIG;
		t.c_lflag &= ~(ECHO | ECHONL);
		t.c_oflag |= OPOST | ONLCR;
		t.c_cc[VEOF] = VEOF_CHAR;
	} else {
		t.c_lflag &= ~(ICANON | ECHO | ECHONL | IEXTEN);
		t.c_lflag |= ISIG;
		t.c_iflag &= ~(ICRNL | INLCR | IXON);
		t.c_oflag &= ~OPOST;
		t.c_cc[VMIN] = 3;
		t.c_cc[VTIME] = 7;
	}
	t.c_cc[VINTR] = VINTR_CHAR;
	if (tcsetattr(fd, TCSANOW, &t) != 0)
		_exit(13);
	struct winsize ws = {.ws_row = ROWS, .ws_col = COLS};
	if (ioctl(fd, TIOCSWINSZ, &ws) != 0)
		_exit(14);
	struct termios want;
	tcgetattr(fd, &want);
	if (member) {
		pid_t g = fork();
		if (g == 0) {
			close(fd);
			while (!exists("go"))
				ow_nap(100);
			int t = open("/dev/tty", O_RDWR | O_NOCTTY);
			char r[200];
			if (t < 0)
				snprintf(r, sizeof r, "member %d: /dev/tty: %s", getpid(), strerror(errno));
			else
				snprintf(r, sizeof r, "member %d: /dev/tty ok, session %d", getpid(), tcgetsid(t));
			ow_note(dir, "member", r, 1);
			for (;;)
				pause();
		}
	}
	if (ow_write_all(fd, PENDING, strlen(PENDING)) != 0)
		_exit(15);
	while (!exists("go"))
		ow_nap(100);

	char why[300] = "";
	struct termios now;
	struct winsize w;
	if (tcgetattr(fd, &now) != 0)
		snprintf(why, sizeof why, "tcgetattr: %s", strerror(errno));
	else if (now.c_lflag != want.c_lflag || now.c_iflag != want.c_iflag || now.c_oflag != want.c_oflag
		 || now.c_cflag != want.c_cflag || memcmp(now.c_cc, want.c_cc, NCCS) != 0)
		snprintf(why, sizeof why, "termios changed: lflag 0%o (want 0%o) VMIN %d VTIME %d VINTR %d", now.c_lflag,
			 want.c_lflag, now.c_cc[VMIN], now.c_cc[VTIME], now.c_cc[VINTR]);
	else if (ioctl(fd, TIOCGWINSZ, &w) != 0 || w.ws_row != ROWS || w.ws_col != COLS)
		snprintf(why, sizeof why, "window size %dx%d (want %dx%d)", w.ws_row, w.ws_col, ROWS, COLS);
	else if (tcgetsid(fd) != getpid())
		snprintf(why, sizeof why, "tcgetsid %d, not this session leader %d (%s)", tcgetsid(fd), getpid(),
			 strerror(errno));
	else if (tcgetpgrp(fd) != getpgrp())
		snprintf(why, sizeof why, "foreground group %d, want %d", tcgetpgrp(fd), getpgrp());
	else if (canon) {
		/* canonical: one read() returns one line */
		char in[200];
		const char *want_lines[2] = {LINE1, LINE2};
		for (int i = 0; i < 2 && !why[0]; i++) {
			ssize_t n;
			do
				n = read(fd, in, sizeof in - 1);
			while (n < 0 && errno == EINTR);
			if (n < 0)
				snprintf(why, sizeof why, "reading line %d: %s", i + 1, strerror(errno));
			else {
				in[n] = 0;
				if (strcmp(in, want_lines[i]) != 0)
					snprintf(why, sizeof why, "line %d differs: %.40s", i + 1, in);
			}
		}
	} else {
		char in[sizeof INPUT];
		if (read_exact(fd, in, strlen(INPUT)) != 0)
			snprintf(why, sizeof why, "reading the input: %s", strerror(errno));
		else if (memcmp(in, INPUT, strlen(INPUT)) != 0)
			snprintf(why, sizeof why, "input differs: %.40s", in);
	}
	char answer[600];
	if (member && !why[0]) {
		char path[512], r[200] = "";
		snprintf(path, sizeof path, "%s/member", dir);
		for (int i = 0; i < 100 && !r[0]; i++) {
			FILE *f = fopen(path, "r");
			if (f) {
				if (!fgets(r, sizeof r, f))
					r[0] = 0;
				fclose(f);
			}
			if (!r[0])
				ow_nap(100);
		}
		if (!strstr(r, "/dev/tty ok"))
			snprintf(why, sizeof why, "session member without its controlling terminal: %s", r[0] ? r : "no answer");
	}
	if (why[0])
		snprintf(answer, sizeof answer, "FAIL child: %s\n", why);
	else
		snprintf(answer, sizeof answer, "PASS child: %s termios, window %dx%d, controlling terminal of session %d"
			 " and the input kept\n", canon ? "canonical" : "raw", ROWS, COLS, getpid());
	for (char *p = answer; *p; p++)
		if (*p == '\n' && p[1])
			*p = ' ';
	ow_write_all(fd, answer, strlen(answer));
	for (;;)
		pause();
}

static int run(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
		ow_note(dir, "error", "cannot open a pty\n", 1);
		return 1;
	}
	char slave_name[64];
	if (ptsname_r(m, slave_name, sizeof slave_name) != 0) {
		ow_note(dir, "error", "ptsname failed\n", 1);
		return 1;
	}
	pid_t c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		close(m);
		child(slave_name);
	}
	/* the child's line shows it is set up; it stays unread until go */
	for (int i = 0; i < 200; i++) {
		int queued = 0;
		if (ioctl(m, FIONREAD, &queued) == 0 && queued >= (int)strlen(PENDING) + canon)
			break;
		ow_nap(50);
	}
	char input[200];
	snprintf(input, sizeof input, "%s", canon ? LINE1 LINE2 : INPUT);
	if (ow_write_all(m, input, strlen(input)) != 0) {
		ow_note(dir, "error", "writing the input failed\n", 1);
		return 1;
	}
	char progress[200];
	snprintf(progress, sizeof progress, "pty %s child %d: input queued\n", slave_name, (int)c);
	ow_note(dir, "progress", progress, 1);
	while (!exists("go"))
		ow_nap(100);
	char line[400], result[900], want[200];
	/* ONLCR on the child's terminal turned its newline into CR NL */
	snprintf(want, sizeof want, "%.*s%s", (int)strlen(PENDING) - 1, PENDING, canon ? "\r\n" : "\n");
	if (read_line(m, line, sizeof line) != 0)
		snprintf(result, sizeof result, "FAIL parent: reading the pending output: %s\n", strerror(errno));
	else if (strcmp(line, want) != 0)
		snprintf(result, sizeof result, "FAIL parent: pending output differs: %s\n", line);
	else if (read_line(m, line, sizeof line) != 0)
		snprintf(result, sizeof result, "FAIL parent: no answer from the child: %s\n", strerror(errno));
	else
		snprintf(result, sizeof result, "%s; parent: pending output kept\n", strtok(line, "\r\n"));
	ow_note(dir, "result", result, 1);
	for (;;)
		pause();
}

static int check(void)
{
	ow_note(dir, "go", "go\n", 1);
	char path[512];
	snprintf(path, sizeof path, "%s/result", dir);
	for (int i = 0; i < 300; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			char line[900] = "";
			char *ok = fgets(line, sizeof line, f);
			fclose(f);
			if (ok) {
				fputs(line, stdout);
				return strncmp(line, "PASS", 4) == 0 ? 0 : 1;
			}
		}
		ow_nap(100);
	}
	printf("FAIL no result after 30 s\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 3 && !(argc == 4 && (strcmp(argv[3], "canon") == 0 || strcmp(argv[3], "member") == 0))) {
		fprintf(stderr, "usage: ptyhold run|check DIR [canon|member]\n");
		return 2;
	}
	canon = argc == 4 && strcmp(argv[3], "canon") == 0;
	member = argc == 4 && strcmp(argv[3], "member") == 0;
	snprintf(dir, sizeof dir, "%s", argv[2]);
	if (strcmp(argv[1], "run") == 0)
		return run();
	if (strcmp(argv[1], "check") == 0)
		return check();
	fprintf(stderr, "usage: ptyhold run|check DIR\n");
	return 2;
}
