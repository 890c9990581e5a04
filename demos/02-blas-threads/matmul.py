#!/usr/bin/env python3
"""matmul.py - the Python lesson's numpy matrix product (ASPP
just_threads/timing.py: x @ x), timed for `gemm --bench`.

USAGE
    OMP_NUM_THREADS=2 /usr/bin/python3 matmul.py N [REPS]

Prints one line of JSON:
    {"n": N, "reps": R, "median_s": S, "min_s": S, "numpy": "1.24.2", "python": "3.11.2"}
One product first as a warm-up (numpy's BLAS starts its threads then), then
REPS (default 3) timed ones: x @ x alone, not the interpreter's start, not
making x. Exit status: 0 ok, 2 bad arguments, 3 numpy is not installed
(Debian: apt install python3-numpy).

Set OMP_NUM_THREADS (and OPENBLAS_CORETYPE) before starting Python: the
library reads them once, when numpy loads it.
"""
import json
import platform
import sys
import time


def main(argv):
    usage = "usage: matmul.py N [REPS]   (N, REPS whole numbers from 1)"
    try:
        if len(argv) not in (2, 3):
            raise ValueError
        n = int(argv[1])
        reps = int(argv[2]) if len(argv) == 3 else 3
        if n < 1 or reps < 1:
            raise ValueError
    except ValueError:
        print(f"matmul.py: error: {usage}", file=sys.stderr)
        return 2
    try:
        import numpy as np
    except ImportError:
        print(f"matmul.py: error: numpy is not installed for {sys.executable}; "
              "install it (Debian: apt install python3-numpy)", file=sys.stderr)
        return 3

    x = np.random.random((n, n))      # the seed's matrix
    x @ x                              # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        x @ x
        times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({"n": n, "reps": reps, "median_s": times[len(times) // 2],
                      "min_s": times[0], "numpy": np.__version__,
                      "python": platform.python_version()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
