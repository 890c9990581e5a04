/* sweep.c (being written). */
