/*
 * progress.c - a one-line progress bar on stderr (kit.h):
 *
 *	sweep [#######.............] 7/20  3.1 s  now: 8 threads
 *
 * redrawn in place with \r and erased at the end, so a sweep shows it is
 * alive without filling the scroll-back. It appears only when stderr is a
 * terminal and KIT_QUIET is unset: logs, pipes and the test suite never see
 * it. Redraws are throttled to one per 50 ms (the last step always draws),
 * so a fast loop does not spend its time writing to the terminal.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kit.h"
#include "kit_internal.h"

#define BAR_WIDTH 20
#define MIN_REDRAW 0.05	/* seconds between redraws */

/* When the bar was last drawn, and whether it is on the terminal now; one
 * bar is on the terminal at a time. */
static double last_draw;
static bool showing;

/* Columns of the terminal on stderr; a line that wraps cannot be redrawn. */
static int term_columns(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void draw(kit_progress *p, const char *what)
{
	char line[512];
	int len;

	if (p->total > 0) {
		size_t done = p->done < p->total ? p->done : p->total;
		char bar[BAR_WIDTH + 1];
		size_t full = done * BAR_WIDTH / p->total;
		memset(bar, '#', full);
		memset(bar + full, '.', BAR_WIDTH - full);
		bar[BAR_WIDTH] = '\0';
		len = snprintf(line, sizeof(line), "%s [%s] %zu/%zu  %.1f s", p->label, bar,
			       p->done, p->total, kit_wtime() - p->start);
	} else {
		len = snprintf(line, sizeof(line), "%s %zu done  %.1f s", p->label, p->done,
			       kit_wtime() - p->start);
	}
	if (what && *what && len > 0 && (size_t)len < sizeof(line))
		snprintf(line + len, sizeof(line) - (size_t)len, "  now: %s", what);

	/* Keep the line one column short of the edge: a full line wraps on
	 * some terminals, and \r then returns to the wrong row. */
	int cols = term_columns() - 1;
	if (cols > 0 && cols < (int)sizeof(line))
		line[cols] = '\0';
	/* \033[K erases what a longer previous line left after this one. */
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	last_draw = kit_wtime();
	showing = true;
}

void kit_progress_begin(kit_progress *p, const char *label, size_t total)
{
	p->label = label ? label : "";
	p->done = 0;
	p->total = total;
	p->start = kit_wtime();
	p->on = isatty(STDERR_FILENO) && !getenv("KIT_QUIET");
	if (p->on)
		draw(p, NULL);
}

void kit_progress_step(kit_progress *p, const char *what)
{
	p->done++;
	if (!p->on)
		return;
	bool last = p->total > 0 && p->done >= p->total;
	if (last || kit_wtime() - last_draw >= MIN_REDRAW)
		draw(p, what);
}

void kit_progress_end(kit_progress *p)
{
	if (!p->on)
		return;
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
	p->on = false;
	showing = false;
}

/* kit_error and kit_warn call this first: their line must not be glued to
 * the bar's. The next step draws the bar again below the message. */
void kit__progress_interrupt(void)
{
	if (!showing)
		return;
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
	showing = false;
	last_draw = 0;
}
