"""Measure where UTKFace's crops put a face, as seen by the detector crop_face uses.

    python scripts/calibrate_crop.py [--zip ../shared/data/faces64.zip] [--n 600]

Runs the Haar cascade on training crops (enlarged x4, where the detector works
best, and set in the middle of a grey canvas twice their size: UTKFace faces
fill the crop, and a detector box cannot reach past the image edge, so without
the margin the boxes that fit would be a biased, smaller sample) and prints the
box width and centre as fractions of the crop: the inverse gives FRAME_SCALE
and FRAME_DY in gan_core/faces/photo.py.
"""

import argparse
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import torch  # noqa: F401
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gan_core.faces import photo as invert  # noqa: E402

DEFAULT_ZIP = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "faces64.zip"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--zip", default=str(DEFAULT_ZIP))
    p.add_argument("--n", type=int, default=600)
    args = p.parse_args()
    cascade = invert._cascade()
    rows = []
    with zipfile.ZipFile(args.zip) as zf:
        names = [n for n in zf.namelist() if n.lower().endswith((".png", ".jpg", ".jpeg"))][: args.n]
        for name in names:
            img = Image.open(io.BytesIO(zf.read(name))).convert("L").resize((256, 256), Image.Resampling.BICUBIC)
            canvas = Image.new("L", (512, 512), 128)
            canvas.paste(img, (128, 128))
            faces = cascade.detectMultiScale(np.asarray(canvas), 1.05, 5, minSize=(80, 80))
            if len(faces):
                x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
                rows.append(((x - 128 + w / 2) / 256, (y - 128 + h / 2) / 256, w / 256))
    r = np.array(rows)
    print(f"detected a face in {len(r)} of {len(names)} crops")
    cx, cy, wf = np.median(r, axis=0)
    print(f"box centre x {cx:.3f}, y {cy:.3f}, width {wf:.3f} of the crop (medians; IQR of width "
          f"{np.percentile(r[:, 2], 25):.3f}-{np.percentile(r[:, 2], 75):.3f})")
    print(f"FRAME_SCALE = {1 / wf:.2f}   FRAME_DY = {(0.5 - cy) / wf:.2f}")


if __name__ == "__main__":
    main()
