#!/usr/bin/python3
"""process_image.py - the Python version of exercise 03's work per image (the
lesson's process_image.py: Pillow + numpy), timed, for ./kit bench sweep.

    img = numpy.asarray(PIL.Image.open(path))
    -1 if img has no channel axis (gray, palette), else
    m = numpy.median(img, axis=2); int((m @ m.T).mean())

Prints "NAME SIGNATURE" per file (or "NAME error WHY"), then one line
"seconds TOTAL READ MEDIAN PRODUCT CPU": wall seconds of the loop over the
files and of its three parts (imports excluded), and the CPU seconds of the
loop (all threads). Threads: what OMP_NUM_THREADS
says, as for any numpy program.

usage: /usr/bin/python3 process_image.py FILE...
exit: 0; 77 when numpy or Pillow is missing.
"""
import sys
import time

try:
    import numpy as np
    from PIL import Image
except ImportError as e:
    print("%s: install python3-numpy and python3-pil" % e, file=sys.stderr)
    sys.exit(77)

parts = [0.0, 0.0, 0.0]
t0, cpu0 = time.perf_counter(), time.process_time()
for path in sys.argv[1:]:
    name = path.rsplit("/", 1)[-1]
    try:
        a = time.perf_counter()
        img = np.asarray(Image.open(path))
        b = time.perf_counter()
        parts[0] += b - a
        if img.ndim < 3:
            print(name, -1)
            continue
        m = np.median(img, axis=2)
        c = time.perf_counter()
        signature = int((m @ m.T).mean())
        parts[1] += c - b
        parts[2] += time.perf_counter() - c
        print(name, signature)
    except Exception as e:  # Pillow raises many kinds: all mean "cannot read"
        print(name, "error", str(e).replace("\n", " "))
print("seconds %.6f %.6f %.6f %.6f %.6f" % (time.perf_counter() - t0, *parts,
                                           time.process_time() - cpu0))
