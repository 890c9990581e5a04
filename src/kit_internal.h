/*
 * kit_internal.h - what libkit's files share with each other, not with programs.
 */
#ifndef KIT_INTERNAL_H
#define KIT_INTERNAL_H
#include <locale.h>
#include <stddef.h>

/* Keeps MSG (a kit_warn text) for the "warnings" of the next results file. */
void kit__warning_record(const char *msg);
/* The warnings kept so far, oldest first. */
size_t kit__warnings(const char *const **list);

/*
 * Files meant for programs (CSV, gnuplot data and scripts) need '.' decimals
 * even after a program called setlocale(LC_ALL, ""): begin switches this
 * thread's numbers to the C locale and returns what to hand to end.
 */
locale_t kit__c_numbers_begin(void);
void kit__c_numbers_end(locale_t old);

/* Stops a progress bar showing on stderr, so a message starts on a clean
 * line; the bar comes back at its next step. */
void kit__progress_interrupt(void);

#endif
