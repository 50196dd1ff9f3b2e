"""fourier-image (Tancik et al. 2020, Table 1): one row of the table — the four encodings on one image.

    python benchmarks/bench_fourier_image.py [--image text] [--size 128] [--resize] [--steps 2000]

The authors' final Table-1 protocol (their ``2d_image_regression`` notebook, last cell), scaled to
a ``--size``² image: train on the pixels with both indices even, Adam 2000 steps, 4 dense layers
of 256 (3 ReLU + sigmoid output), mapping size 256; Gaussian σ and the positional encoding's
largest frequency P = 2^s − 1 are the paper's values at 512² times ``size/512`` (same scale per
pixel): natural images σ = 10, P = 63 (s = 6), lr 1e-3 but 1e-2 for ``none`` and ``basic``; text
σ = 14, P = 31 (s = 5), lr 1e-3 for all.  By default the image is the central ``size``² crop of
the 512² image (``problem.crop``: the paper's detail per pixel); ``--resize`` shrinks the whole
picture instead (the presets' default).

Printed per encoding: PSNR = −10·log10(mean squared error) on [0, 1] pixels (their definition) on
the training pixels, on all held-out pixels (``psnr_test`` of ``summary.json``) and on the pixels
with both indices odd (the test set of their Table 1), beside the published mean, and the time.
One process, one thread.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

from simbias.experiments import resolve_spec, run  # noqa: E402
from simbias.problems import PUBLISHED_PSNR  # noqa: E402

ROWS = {"text": {"sigma": 14.0, "posenc_max": 31.0, "lr": {}},
        "natural": {"sigma": 10.0, "posenc_max": 63.0, "lr": {"none": 1e-2, "basic": 1e-2}}}


def odd_odd_psnr(history) -> float:
    """PSNR on the pixels with both indices odd (Tancik's Table-1 test set)."""
    out, y = (np.asarray(history[k], dtype=np.float64)[1::2, 1::2] for k in ("output_image", "target_image"))
    return float(-10 * np.log10(np.mean((out - y) ** 2)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", default="text")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--resize", action="store_true", help="shrink the whole picture instead of cropping")
    ap.add_argument("--encodings", default="none,basic,positional,gaussian")
    args = ap.parse_args()
    row = "text" if args.image == "text" else "natural"
    p = ROWS[row]
    scale = args.size / 512
    print(f"fourier-image, {_dt.date.today()}, torch {torch.__version__}, {torch.get_num_threads()} thread; "
          f"{args.image} {args.size}² ({'resized' if args.resize else 'central crop of the 512² image'}), "
          f"σ = {p['sigma'] * scale:g}, P = {p['posenc_max'] * scale:g}, {args.steps} steps")
    print(f"{'encoding':<11} {'lr':>7} {'train':>7} {'test(all)':>9} {'test(odd)':>9} {'published':>9} {'time':>7}")
    for enc in args.encodings.split(","):
        lr = p["lr"].get(enc, 1e-3)
        spec, _ = resolve_spec("fourier-image", [f"problem.image={args.image}", f"problem.size={args.size}",
                                                 f"problem.crop={'false' if args.resize else 'true'}",
                                                 f"model.encoding={enc}", f"model.sigma={p['sigma'] * scale}",
                                                 f"model.posenc_max={p['posenc_max'] * scale}", f"train.lr={lr}",
                                                 f"train.steps={args.steps}", "record.snapshot_every=500"])
        t0 = time.perf_counter()
        res, _ = run(spec)
        s = res.summary
        print(f"{enc:<11} {lr:>7g} {s['psnr_train']:>7.2f} {s['psnr_test']:>9.2f} {odd_odd_psnr(res.history):>9.2f} "
              f"{PUBLISHED_PSNR[row][enc]:>9.2f} {time.perf_counter() - t0:>6.0f}s", flush=True)


if __name__ == "__main__":
    main()
