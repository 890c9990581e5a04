/*
 * kit_internal.h - what libkit's files share with each other, not with programs.
 */
#ifndef KIT_INTERNAL_H
#define KIT_INTERNAL_H
#include <stddef.h>

/* Keeps MSG (a kit_warn text) for the "warnings" of the next results file. */
void kit__warning_record(const char *msg);
/* The warnings kept so far, oldest first. */
size_t kit__warnings(const char *const **list);

#endif
