/* demo.c (being written). */
