/*
 * session.c - what every part of the grader asks of the session (grade.h):
 * which items run, thread counts, time limits, where the programs are, and
 * the line that says what is going on.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"

int resolve_threads(const session *s, const char *tok)
{
	if (!strcmp(tok, "cores"))
		return s->cores;
	if (!strcmp(tok, "cpus"))
		return s->cpus;
	if (!strcmp(tok, "cpus+1"))
		return s->cpus + 1;
	if (!strcmp(tok, "cores+1"))
		return s->cores + 1;
	char *end;
	long v = strtol(tok, &end, 10);
	return (*tok && !*end && v > 0 && v < 100000) ? (int)v : -1;
}

double item_timeout(const session *s, const item *it)
{
	return s->timeout > 0 ? s->timeout : it->timeout > 0 ? it->timeout : DEFAULT_TIMEOUT;
}

bool selected(const session *s, const item *it)
{
	if (it->kind == K_BUILD)
		return true;
	if (s->step > 0 && it->step != s->step)
		return false;
	if (!s->nonly)
		return true;
	for (size_t i = 0; i < s->nonly; i++)
		if (!strcmp(s->only[i], it->id) || !strcmp(s->only[i], kind_name[it->kind]))
			return true;
	return false;
}

char *student_prog(const session *s, const exercise *e)
{
	return kit_xasprintf("%s/exercises/%s/%s", s->stu_build, e->dir, e->program);
}

char *reference_prog(const session *s, const exercise *e)
{
	return kit_xasprintf("%s/solutions/%s/%s", s->ref_build, e->dir, e->program);
}

static double started_at;

void say_doing(const session *s, const char *fmt, ...)
{
	if (!s->tty && !s->verbose)
		return;
	if (!started_at)
		started_at = kit_wtime();
	va_list ap;
	va_start(ap, fmt);
	char *what = kit_xvasprintf(fmt, ap);
	va_end(ap);
	if (s->tty)
		fprintf(stderr, "\r\033[K[%5.0f s] %.70s", kit_wtime() - started_at, what);
	else
		fprintf(stderr, "kit: [%5.0f s] %s\n", kit_wtime() - started_at, what);
	fflush(stderr);
	free(what);
}
