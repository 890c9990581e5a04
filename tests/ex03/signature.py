#!/usr/bin/python3
"""signature.py - the Python version of exercise 03's computation, as the
lesson's process_image.py does it, on PNG files.

Prints one line per file, "NAME SIGNATURE":
    img = numpy.asarray(PIL.Image.open(path))
    -1 if img has no channel axis (gray, palette), else
    m = numpy.median(img, axis=2); int((m @ m.T).mean())
A file Pillow cannot read prints "NAME error WHY". Names with control
characters are printed escaped, as the C driver prints them.

usage: /usr/bin/python3 signature.py FILE...
exit: 0; 77 when numpy or Pillow is missing (the test is skipped).
"""
import sys

try:
    import numpy as np
    from PIL import Image
except ImportError as e:
    print("%s: install python3-numpy and python3-pil" % e, file=sys.stderr)
    sys.exit(77)


def process_image(path):
    img = np.asarray(Image.open(path))
    if img.ndim < 3:
        return -1
    m = np.median(img, axis=2)
    return int((m @ m.T).mean())


def shown(name):
    out = []
    for c in name:
        if c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\\":
            out.append("\\\\")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append("\\x%02x" % ord(c))
        else:
            out.append(c)
    return "".join(out)


for path in sys.argv[1:]:
    name = shown(path.rsplit("/", 1)[-1])
    try:
        print(name, process_image(path))
    except Exception as e:  # Pillow raises many kinds: all mean "cannot read"
        print(name, "error", str(e).replace("\n", " "))
