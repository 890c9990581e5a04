#!/usr/bin/env python3
"""mandel_pool.py - exercise 06's picture in Python, for `./kit bench tasks`.

USAGE
    /usr/bin/python3 mandel_pool.py WIDTH HEIGHT ITERS X0 Y0 DX DY WORKERS COUNTS_FILE

The picture of tasks.h (pixel (x, y) is c = (X0 + x DX) + i (Y0 + y DY); its
count the steps z <- z^2 + c before |z| > 2, at most ITERS), computed the way
a Python programmer would: numpy over a block of rows at a time, and a
multiprocessing.Pool of WORKERS processes sharing the rows out, as the seed
lessons do. Three runs:
    serial    every row in this process
    static    Pool.map over WORKERS blocks of consecutive rows, one a worker
              (what schedule(static) does with threads)
    dynamic   Pool.imap_unordered over blocks of 4 rows, handed out as workers
              ask (what schedule(dynamic, 4) does)
Each time counts the rows' work and the results' trip back, not the start of
the pool (started and warmed before). The arithmetic is the C's, operation by
operation (numpy fuses no multiply with an add), so the counts are the C's
bit for bit: the serial run's counts go to COUNTS_FILE (uint32, row after row)
for the bench to check against its own picture.

Prints one line of JSON:
    {"serial_s": S, "static_s": S, "dynamic_s": S, "workers": W,
     "python": "3.11.2", "numpy": "1.24.2"}
Exit status: 0 ok, 2 bad arguments, 3 numpy is not installed (Debian: apt
install python3-numpy).
"""
import json
import multiprocessing
import os
import platform
import sys
import time

PIC = None  # (width, iters, x0, y0, dx, dy), set in each process


def rows(first, last):
    """The counts of rows [first, last) as uint32, the C's arithmetic."""
    import numpy as np
    width, iters, x0, y0, dx, dy = PIC
    ys = np.arange(first, last, dtype=np.float64)
    xs = np.arange(width, dtype=np.float64)
    ci = np.repeat(y0 + ys * dy, width)
    cr = np.tile(x0 + xs * dx, last - first)
    idx = np.arange(ci.size)
    counts = np.zeros(ci.size, dtype=np.uint32)
    zr = np.zeros(ci.size)
    zi = np.zeros(ci.size)
    zr2 = np.zeros(ci.size)
    zi2 = np.zeros(ci.size)
    for _ in range(iters):
        keep = zr2 + zi2 <= 4.0
        if not keep.all():
            idx, cr, ci, zr, zi, zr2, zi2 = (a[keep] for a in (idx, cr, ci, zr, zi, zr2, zi2))
            if idx.size == 0:
                break
        zrzi = zr * zi
        zi = (zrzi + zrzi) + ci
        zr = (zr2 - zi2) + cr
        zr2 = zr * zr
        zi2 = zi * zi
        counts[idx] += 1
    return first, counts


def block(span):
    """Rows SPAN = (first, last) four at a time (numpy's arrays then stay in
    the cache, as the C's rows do): the same kernel for every way of sharing."""
    import numpy as np
    first, last = span
    parts = [rows(y, min(y + 4, last))[1] for y in range(first, last, 4)]
    return first, np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)


def init(pic):
    global PIC
    PIC = pic


def main(argv):
    usage = "usage: mandel_pool.py WIDTH HEIGHT ITERS X0 Y0 DX DY WORKERS COUNTS_FILE"
    try:
        width, height, iters = int(argv[1]), int(argv[2]), int(argv[3])
        x0, y0, dx, dy = (float(a) for a in argv[4:8])
        workers, out = int(argv[8]), argv[9]
        if min(width, height, iters, workers) < 1 or len(argv) != 10:
            raise ValueError
    except (ValueError, IndexError):
        print(f"mandel_pool.py: error: {usage}", file=sys.stderr)
        return 2
    try:
        import numpy as np
    except ImportError:
        print("mandel_pool.py: error: numpy is not installed (Debian: apt install python3-numpy)",
              file=sys.stderr)
        return 3
    pic = (width, iters, x0, y0, dx, dy)
    init(pic)
    t0 = time.perf_counter()
    _, serial = block((0, height))
    serial_s = time.perf_counter() - t0

    static = [(w * height // workers, (w + 1) * height // workers) for w in range(workers)]
    dynamic = [(y, min(y + 4, height)) for y in range(0, height, 4)]
    times = {}
    with multiprocessing.get_context("fork").Pool(workers, init, (pic,)) as pool:
        pool.map(block, [(0, 1)] * workers)  # every worker started and numpy imported
        for name, spans, run in (("static", static, pool.map),
                                 ("dynamic", dynamic, pool.imap_unordered)):
            picture = np.zeros(width * height, dtype=np.uint32)
            t0 = time.perf_counter()
            for first, counts in run(block, spans):
                picture[first * width:first * width + counts.size] = counts
            times[name] = time.perf_counter() - t0
            if not np.array_equal(picture, serial):
                print(f"mandel_pool.py: error: the {name} pool's picture differs from the "
                      "serial one", file=sys.stderr)
                return 1
    tmp = f"{out}.tmp{os.getpid()}"
    serial.tofile(tmp)
    os.replace(tmp, out)
    print(json.dumps({"serial_s": serial_s, "static_s": times["static"],
                      "dynamic_s": times["dynamic"], "workers": workers,
                      "python": platform.python_version(), "numpy": np.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
