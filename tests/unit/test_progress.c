/*
 * test_progress.c - the progress bar, drawn on a pseudo-terminal that stands
 * in for stderr: its format, throttling, clearing, the terminal width, and
 * silence on a file or with KIT_QUIET.
 */
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kit.h"
#include "tap.h"

static int master = -1, saved_fd = -1;
static char out[16384];

/* Makes stderr a terminal COLS wide; what is drawn on it is read from master. */
static void tty_begin(int cols)
{
	int slave;
	struct winsize ws = { .ws_row = 24, .ws_col = (unsigned short)cols };
	if (openpty(&master, &slave, NULL, NULL, &ws))
		abort();
	fcntl(master, F_SETFL, O_NONBLOCK);
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	dup2(slave, STDERR_FILENO);
	close(slave);
}

/* Restores stderr and returns all that was written on the terminal. */
static const char *tty_end(void)
{
	size_t n = 0;
	fflush(stderr);
	for (;;) {
		struct pollfd pf = { .fd = master, .events = POLLIN };
		if (poll(&pf, 1, 100) <= 0)
			break;
		ssize_t r = read(master, out + n, sizeof(out) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	close(master);
	return out;
}

static int count(const char *s, const char *what)
{
	int c = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		c++;
	return c;
}

int main(void)
{
	kit_progress p;
	unsetenv("KIT_QUIET");

	/* Not a terminal: nothing at all. */
	char path[] = "/tmp/test_progress.XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	kit_progress_begin(&p, "file", 3);
	for (int i = 0; i < 3; i++)
		kit_progress_step(&p, "x");
	kit_progress_end(&p);
	fflush(stderr);
	off_t size = lseek(STDERR_FILENO, 0, SEEK_END);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	close(fd);
	ok(!p.on && size == 0, "stderr is a file: no bar");
	ok(p.done == 3 && p.total == 3, "steps are counted even when not shown");

	/* A terminal: the first frame at once, the last one always. */
	tty_begin(120);
	kit_progress_begin(&p, "sweep", 4);
	bool on = p.on;
	for (int i = 0; i < 4; i++)
		kit_progress_step(&p, "8 threads");
	kit_progress_end(&p);
	const char *s = tty_end();
	ok(on, "stderr is a terminal: the bar is on");
	ok(strstr(s, "\rsweep [....................] 0/4  0.0 s") != NULL,
	   "first frame: label, empty bar, 0/4, seconds");
	ok(strstr(s, "\rsweep [####################] 4/4  ") != NULL &&
	   strstr(s, "  now: 8 threads") != NULL, "last frame: full bar, 4/4, now: what");
	size_t len = strlen(s);
	ok(len >= 4 && !strcmp(s + len - 4, "\r\033[K"), "the bar is erased at the end");
	ok(strchr(s, '\n') == NULL, "redrawn in place, no new line");

	/* Throttling: a fast loop draws a few frames, not one per step. */
	tty_begin(120);
	kit_progress_begin(&p, "fast", 1000);
	for (int i = 0; i < 1000; i++)
		kit_progress_step(&p, NULL);
	kit_progress_end(&p);
	s = tty_end();
	int frames = count(s, "\rfast [");
	ok(frames >= 2 && frames < 20, "1000 fast steps: few redraws");
	ok(strstr(s, "1000/1000") != NULL, "the last step is drawn");

	/* A step after 60 ms is drawn; the bar is half full at 2/4. */
	tty_begin(120);
	kit_progress_begin(&p, "slow", 4);
	kit_progress_step(&p, NULL);
	nanosleep(&(struct timespec){ .tv_nsec = 60000000 }, NULL);
	kit_progress_step(&p, "step three");
	kit_progress_end(&p);
	s = tty_end();
	ok(strstr(s, "\rslow [##########..........] 2/4  ") && strstr(s, "now: step three"),
	   "a step 60 ms later is drawn, bar half full");

	/* A narrow terminal: the line is cut one column short of the edge. */
	tty_begin(30);
	kit_progress_begin(&p, "narrow", 2);
	kit_progress_step(&p, "a long description of what runs now");
	kit_progress_step(&p, "a long description of what runs now");
	kit_progress_end(&p);
	s = tty_end();
	size_t widest = 0;
	for (const char *l = s; (l = strchr(l, '\r')); l++) {
		size_t w = strcspn(l + 1, "\r\033");
		if (w > widest)
			widest = w;
	}
	ok(widest == 29, "30-column terminal: lines cut at 29 columns");

	/* No total: a count without a bar. */
	tty_begin(120);
	kit_progress_begin(&p, "open", 0);
	kit_progress_step(&p, NULL);
	kit_progress_end(&p);
	s = tty_end();
	ok(strstr(s, "\ropen 0 done") != NULL && strstr(s, "open [") == NULL,
	   "total 0: a count, no bar");

	/* A warning while the bar shows: the bar is erased first, so the
	 * message has a line of its own; the next step draws the bar again. */
	tty_begin(120);
	kit_progress_begin(&p, "msg", 3);
	kit_progress_step(&p, NULL);
	kit_warn("something to say");
	kit_progress_step(&p, NULL);
	kit_progress_end(&p);
	s = tty_end();
	const char *w = strstr(s, "warning: something to say");
	ok(strstr(s, "\r\033[Kkit: warning: something to say") != NULL,
	   "a warning erases the bar and starts at column 0");
	ok(w && strstr(w, "\rmsg [") != NULL, "the bar is drawn again after the warning");

	/* KIT_QUIET: nothing, even on a terminal. */
	setenv("KIT_QUIET", "1", 1);
	tty_begin(120);
	kit_progress_begin(&p, "quiet", 2);
	kit_progress_step(&p, NULL);
	kit_progress_step(&p, NULL);
	kit_progress_end(&p);
	s = tty_end();
	ok(!p.on && s[0] == '\0', "KIT_QUIET set: no bar on a terminal");

	return tap_done();
}
