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
from ._display import FIGURES, DisplayGrid, FigureSet, FrequencyErrorHeatmap, ImageGrid, Line, LinePlot, Panel, plt

__all__: list[str] = []



def _rgb(img) -> np.ndarray:
    img = np.clip(np.asarray(img, dtype=np.float64), 0, 1)
    return img[..., 0] if img.shape[-1] == 1 else img


def _title(spec, summary) -> str:
    model = (spec or {}).get("model", {})
    enc = str(model.get("encoding", ""))
    title = f"encoding {enc}" + (f", σ = {model.get('sigma')}" if enc in ("gaussian", "positional") else "")
    if summary and "psnr_test" in summary:
        title += f": PSNR train {summary['psnr_train']:.2f} dB, test {summary['psnr_test']:.2f} dB"
    return title


def _reconstruction(h, spec=None, summary=None, **_):
    target, out = np.asarray(h["target_image"]), np.asarray(h["output_image"])
    mask = np.asarray(h["train_mask"]).astype(bool)
    images = [("image", _rgb(target)), (f"training pixels ({int(mask.sum())})", _rgb(target[::2, ::2])),
              ("reconstruction", _rgb(out)), ("|error| (mean over channels)", np.abs(out - target).mean(-1))]
    return ImageGrid(images, imshow={"cmap": "gray", "vmin": 0, "vmax": 1}, title=_title(spec, summary),
                     panel_size=(3.0, 3.2))


def _psnr(h, spec=None, summary=None, **_):
    problem = (spec or {}).get("problem", {})
    row = "text" if problem.get("image") == "text" and not problem.get("path") else "natural"
    published = PUBLISHED_PSNR[row].get(str((spec or {}).get("model", {}).get("encoding", "")))
    lines = [Line(h.steps, h["psnr_train_curve"], label="train (subgrid)", kw={"lw": 1.2}),
             Line(h["snapshot_steps"], h["psnr_test_curve"], "o-", "test (held-out pixels)", {"ms": 3, "lw": 1.2})]
    if published is not None:
        lines.append(Line(y=published, label=f"published test mean {published:.2f} dB", kw={"color": "k", "ls": ":"}))
    return LinePlot([Panel(lines, {"xlabel": "step", "ylabel": "PSNR (dB)",
                                   "title": "PSNR = −10·log10(2·MSE), MSE = 0.5·mean squared error"},
                           {"frameon": False, "fontsize": 8})])


def _band_error(h, **_):
    steps, err = np.asarray(h["snapshot_steps"]), np.asarray(h["band_error"])
    labels = [f"{f:.2f}" for f in h["band_frequencies"]]
    heat = FrequencyErrorHeatmap([("relative error per radial DFT band (whole image)", steps, err, labels)],
                                 ylabel="band centre (cycles/pixel)", colorbar="relative error", vmin=0.0, vmax=1.0)
    lines = [Line(steps, err[:, j], label=lab, kw={"color": plt.cm.viridis(j / max(1, len(labels) - 1)), "lw": 1.2})
             for j, lab in enumerate(labels)]
    curves = LinePlot([Panel(lines, {"xlabel": "step", "ylabel": "relative band error"},
                             {"frameon": False, "fontsize": 7, "title": "band centre", "ncol": 2})])
    return DisplayGrid([heat, curves])


FIGURES["fourier-image"] = FigureSet(run={"reconstruction.png": _reconstruction, "psnr.png": _psnr,
                                          "band_error.png": _band_error})
