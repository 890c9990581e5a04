/* machine.c (being written). */
