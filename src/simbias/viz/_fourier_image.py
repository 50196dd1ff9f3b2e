"""Figures of ``fourier-image`` (Tancik et al. 2020), as displays over a run's arrays.

* ``reconstruction.png`` — the image, the training pixels, the network's reconstruction and
  the absolute error;
* ``psnr.png`` — PSNR on the training subgrid (record steps) and on the held-out pixels
  (snapshots) over training, with the published test PSNR of the encoding for reference;
* ``band_error.png`` — relative error per radial DFT band of the whole-image output: heat map
  (rows = bands, low at the bottom) and curves.
"""

from __future__ import annotations

import numpy as np

from ..problems import PUBLISHED_PSNR
from ._display import FIGURES, DisplayGrid, FigureSet, FrequencyErrorHeatmap, ImageGrid, Line, LinePlot, Panel
from ._shared import FrequencyErrorCurves

__all__: list[str] = []


def _rgb(img) -> np.ndarray:
    img = np.clip(np.asarray(img, dtype=np.float64), 0, 1)
    return img[..., 0] if img.shape[-1] == 1 else img


def _reconstruction(h, spec=None, summary=None, **_):
    target, out, m = np.asarray(h["target_image"]), np.asarray(h["output_image"]), (spec or {}).get("model", {})
    title = f"encoding {m.get('encoding', '')}" + (f": PSNR train {summary['psnr_train']:.2f} dB, test "
                                                   f"{summary['psnr_test']:.2f} dB" if summary else "")
    images = [("image", _rgb(target)), (f"training pixels ({int(np.sum(h['train_mask']))})", _rgb(target[::2, ::2])),
              ("reconstruction", _rgb(out)), ("|error| (mean over channels)", np.abs(out - target).mean(-1))]
    return ImageGrid(images, imshow={"cmap": "gray", "vmin": 0, "vmax": 1}, title=title, panel_size=(3.0, 3.2))


def _psnr(h, spec=None, **_):
    spec = spec or {}
    row = "text" if spec.get("problem", {}).get("image") == "text" and not spec["problem"].get("path") else "natural"
    published = PUBLISHED_PSNR[row].get(str(spec.get("model", {}).get("encoding", "")))
    lines = [Line(h.steps, h["psnr_train_curve"], label="train (subgrid)", kw={"lw": 1.2}),
             Line(h["snapshot_steps"], h["psnr_test_curve"], "o-", "test (held-out pixels)", {"ms": 3, "lw": 1.2})]
    if published is not None:
        lines.append(Line(y=published, label=f"published test mean {published:.2f} dB", kw={"color": "k", "ls": ":"}))
    return LinePlot([Panel(lines, {"xlabel": "step", "ylabel": "PSNR (dB)",
                                   "title": "PSNR = −10·log10(2·MSE), MSE = 0.5·mean squared error"},
                           {"frameon": False, "fontsize": 8})])


def _band_error(h, **_):
    kw = {"key": "band_error", "frequencies": "band_frequencies", "steps": "snapshot_steps"}
    return DisplayGrid([
        FrequencyErrorHeatmap.from_history(h, **kw, fmt="{:.2f}", title="relative error per radial DFT band "
                                           "(whole image)", ylabel="band centre (cycles/pixel)",
                                           colorbar="relative error", vmin=0.0, vmax=1.0),
        FrequencyErrorCurves.from_history(h, **kw, label="{:.2f} cycles/pixel", ylabel="relative band error",
                                          title="relative error per radial band", threshold=0.1)])


FIGURES["fourier-image"] = FigureSet(run={"reconstruction.png": _reconstruction, "psnr.png": _psnr,
                                          "band_error.png": _band_error})
