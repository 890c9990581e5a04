/* doctor.c (being written). */
