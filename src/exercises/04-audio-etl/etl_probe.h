/*
 * etl_probe.h - how many threads were inside sf_open / sf_open_fd at once
 * (etl_probe.c wraps them at link time). Used by --expect-serial-open.
 */
#ifndef ETL_PROBE_H
#define ETL_PROBE_H

/* Zeroes the counters; each later open lingers DELAY_US microseconds (0: none). */
void etl_probe_reset(int delay_us);
/* The most callers seen inside an open at the same time since the reset. */
int etl_probe_most(void);
/* How many distinct threads opened a file since the reset. */
int etl_probe_threads(void);
/* Opens since the reset. */
long etl_probe_opens(void);

#endif
