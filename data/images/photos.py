#!/usr/bin/python3
"""photos.py - real photographs for exercise 03's benchmark, as PNG.

Converts the nature photographs Debian's mate-backgrounds package installs
(/usr/share/backgrounds/mate/nature/*.jpg: 12 photos, 1280x1024 to
2560x1920) into PNGs in DEST, with Pillow; writes each atomically and skips
those already there.

usage: /usr/bin/python3 data/images/photos.py [SRC] DEST
exit: 0; 1 when SRC holds no JPEG (and DEST no PNG); 77 when Pillow is
missing.
"""
import glob
import os
import sys

try:
    from PIL import Image
except ImportError:
    print("Pillow is missing: install python3-pil", file=sys.stderr)
    sys.exit(77)

src = sys.argv[1] if len(sys.argv) > 2 else "/usr/share/backgrounds/mate/nature"
dest = sys.argv[-1]
jpegs = sorted(glob.glob(os.path.join(src, "*.jpg")))
made = sorted(glob.glob(os.path.join(dest, "*.png")))
if not jpegs and made:  # made before; the package may be gone since
    print(len(made))
    sys.exit(0)
if not jpegs:
    print("no photos in %s: install the mate-backgrounds package" % src, file=sys.stderr)
    sys.exit(1)
os.makedirs(dest, exist_ok=True)
for j in jpegs:
    out = os.path.join(dest, os.path.basename(j)[:-4].lower() + ".png")
    if os.path.exists(out):
        continue
    tmp = out + ".tmp%d" % os.getpid()
    Image.open(j).convert("RGB").save(tmp, format="PNG")
    os.replace(tmp, out)
print(len(jpegs))
