/*
 * check.c - the verdicts of a driver's check modes and the one line that
 * sums them up (kit.h, "Checks"; docs/conventions.md section 2).
 */
#include <stdarg.h>
#include <string.h>

#include "kit.h"

void kit_check(kit_checks *c, int verdict, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->quiet)
		printf("  %-4s %s\n", verdict == KIT_PASS ? "ok" :
		       verdict == KIT_FAIL ? "FAIL" : "skip", msg);
	/* checks may fork or run children: what is printed goes first */
	fflush(stdout);
	if (verdict == KIT_FAIL) {
		if (!c->fail[0])
			snprintf(c->fail, sizeof(c->fail), "%s", msg);
	} else if (verdict == KIT_SKIP) {
		if (!c->skip[0])
			snprintf(c->skip, sizeof(c->skip), "%s", msg);
	} else {
		size_t len = strlen(c->pass);
		snprintf(c->pass + len, sizeof(c->pass) - len, "%s%s", len ? "; " : "", msg);
	}
	if (verdict > c->worst)
		c->worst = verdict;
}

bool kit_check_parallel_possible(kit_checks *c, int threads)
{
	if (!kit_omp_enabled()) {
		kit_check(c, KIT_SKIP, "built without OpenMP: nothing runs in parallel; "
			  "build with OpenMP to check this");
		return false;
	}
	if (threads < 2) {
		kit_check(c, KIT_SKIP, "parallelism is not judged at 1 thread (it is at 2 "
			  "or more)");
		return false;
	}
	return true;
}

int kit_checks_finish(const kit_checks *c)
{
	fflush(stdout);
	switch (c->worst) {
	case KIT_FAIL:
		printf("FAIL: %s\n", c->fail);
		return KIT_EXIT_INVALID;
	case KIT_SKIP:
		printf("SKIP: %s\n", c->skip);
		return KIT_EXIT_SKIP;
	default:
		printf("PASS: %s\n", c->pass);
		return KIT_EXIT_OK;
	}
}
