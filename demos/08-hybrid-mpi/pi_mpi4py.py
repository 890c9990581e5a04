#!/usr/bin/python3
"""pi_mpi4py.py - exercise 08's count in Python: mpi4py ranks, NumPy inside.

usage: mpirun -np R python3 pi_mpi4py.py N SEED

The same counter-based stream as the C program (exercise 01's pi_rng.h:
splitmix64 of seed and sample number), so the count is the C count exactly.
Rank r of R counts samples [r*N/R, (r+1)*N/R) in blocks of 2^20 with NumPy
(uint64 arithmetic wraps, as C's does); comm.reduce adds the counts on rank 0,
which prints "hits H seconds S" (S: from the first barrier to the reduce).
This is how the dask/mpi4py lesson scales Python past one process: the
ranks are the same, the inner loop is NumPy instead of OpenMP threads.
"""
import sys

import numpy as np
from mpi4py import MPI

GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def mix64(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def count(seed, lo, hi, block=1 << 20):
    base = mix64(np.array([seed], dtype=np.uint64))[0]
    hits = 0
    for start in range(lo, hi, block):
        i = np.arange(start, min(start + block, hi), dtype=np.uint64)
        r = mix64(base + (i + np.uint64(1)) * GOLDEN)
        x = (r >> np.uint64(32)).astype(np.float64) * 2.0**-32
        y = (r & np.uint64(0xFFFFFFFF)).astype(np.float64) * 2.0**-32
        hits += int(np.count_nonzero(x * x + y * y < 1.0))
    return hits


def main():
    n, seed = int(float(sys.argv[1])), int(sys.argv[2])
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    with np.errstate(over="ignore"):
        comm.Barrier()
        t0 = MPI.Wtime()
        mine = count(seed, rank * n // size, (rank + 1) * n // size)
        total = comm.reduce(mine, op=MPI.SUM, root=0)
        t = MPI.Wtime() - t0
    if rank == 0:
        print(f"hits {total} seconds {t:.6f}")


if __name__ == "__main__":
    main()
