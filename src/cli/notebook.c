/* notebook.c (being written). */
