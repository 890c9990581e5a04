#!/usr/bin/python3
"""ooc_means.py - the Python version of exercise 07: the mean of every column
of a .npy file too big for memory, a chunk of rows at a time.

usage: ooc_means.py FILE.npy MEM_BYTES numpy|dask cold|warm

numpy: np.load(mmap_mode='r') maps the file; each chunk of rows is summed
       (a chunk's sum, not its mean: the last chunk is shorter) and the sums
       divided by the number of rows once at the end.
dask:  the same array as a dask array in chunks of the same rows; dask plans
       the sums and runs them on its threads.
cold:  the file's pages are dropped from the page cache first
       (posix_fadvise DONTNEED), so the disk is read.
Prints "seconds S" and "means M0 M1 ...". Exit 3 when a module is missing.
"""
import os
import sys
import time

path, mem, mode, cache = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    import numpy as np
    if mode == "dask":
        import dask.array as da
except ImportError as e:
    print(f"missing module {e.name}")
    sys.exit(3)

if cache == "cold":
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)

t0 = time.perf_counter()
a = np.load(path, mmap_mode="r")
rows, cols = a.shape
chunk = max(1, mem // (cols * 8))
if mode == "numpy":
    sums = np.zeros(cols)
    for first in range(0, rows, chunk):
        sums += a[first:first + chunk].sum(axis=0)
    means = sums / rows
else:
    means = da.from_array(a, chunks=(chunk, cols)).mean(axis=0).compute()
t = time.perf_counter() - t0
print(f"seconds {t:.6f}")
print("means " + " ".join(repr(float(m)) for m in means))
