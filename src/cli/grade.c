/* grade.c (being written). */
