"""The figures of the Frequency Principle kinds, as display factories over the recorded arrays.

* ``fprinciple``: fits in real and Fourier space, the Δ_F heat map and curves, loss, animation.
* ``fprinciple-pso``: the same without the animation (gradient-free runs have many snapshots).
* ``fprinciple-2d``: target, training pixels and output snapshots; radial-band error heat map and
  curves (training grid and whole image); 2-D spectra; loss.
* ``fprinciple-projection``: the spectrum along the direction with its peaks and the output's at a
  few snapshots; Δ heat map and curves at the peaks; loss/accuracy.
* ``fprinciple-filtering``: e_low and e_high against the step for every δ (with the low band's
  share of the energy) as curves and as the two-row heat maps of the authors' figure; loss.
* ``parity``: |F| along the diagonal of the parity (all inputs), of the training labels and of
  the output; training and unseen-input accuracy.
* ``deep-fprinciple``: steps to the loss against depth; loss curves; LFR of the effective targets
  by layer (initial vs final) and over training.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from ._display import (FIGURES, FigureSet, FrequencyErrorHeatmap, ImageGrid, Line, LinePlot, Panel, _needs, _picks,
                       _ramp, _threshold)
from ._shared import FitSnapshots, FrequencyErrorCurves, LossCurve, TrainingAnimation, _error_panel

__all__: list[str] = []


def _snapshots(x, spectra, snap, n: int, label: str, lo: float = 0.35, **kw) -> list[Line]:
    """``spectra`` at ``n`` log-spaced snapshots, in reds from light (early) to dark (late)."""
    picks = _picks(len(snap), n)
    return [Line(x, spectra[i], label=f"{label}, step {int(snap[i])}",
                 kw={**kw, "color": _ramp("Reds", j, len(picks), lo)}) for j, i in enumerate(picks)]


FIGURES["fprinciple"] = FigureSet(run={
    "fit_snapshots.png": FitSnapshots.from_history,
    "spectrum_snapshots.png": partial(FitSnapshots.from_history, spaces=("fourier",)),
    "peak_error_heatmap.png": _needs("peak_error", FrequencyErrorHeatmap.from_history),
    "peak_error_curves.png": _needs("peak_error", FrequencyErrorCurves.from_history),
    "loss.png": partial(LossCurve.from_history, ylabel="MSE"),
    "training.gif": TrainingAnimation.from_history,
})


def _by_optimizer(make, title: str):
    """``make`` with ``title`` naming the run's optimizer."""
    return lambda h, spec=None, **kw: make(h, spec=spec, **kw,
                                           title=title.format((spec or {}).get("train", {}).get("optimizer", "pso")))


FIGURES["fprinciple-pso"] = FigureSet(run={name: _by_optimizer(make, title) for name, make, title in (
    ("fit_snapshots.png", partial(FitSnapshots.from_history, spaces=("real", "fourier")),
     "Training by {}: fit in real and Fourier space"),
    ("peak_error_heatmap.png", FrequencyErrorHeatmap.from_history, "Δ_F at the target's peaks ({})"),
    ("peak_error_curves.png", FrequencyErrorCurves.from_history, "Per-frequency relative error ({})"),
    ("loss.png", LossCurve.from_history, "Training loss ({})"))})


def _image(h, values):
    return np.asarray(values).reshape(*(int(v) for v in h["image_shape"]))


def _image_snapshots(h, **_):
    target, snap = _image(h, h["y_test"][:, 0]), h["snapshot_steps"]
    mask = _image(h, h["train_mask"]).astype(bool)
    images = [("target", target), ("training pixels", np.where(mask, target, np.nan))]
    images += [(f"step {int(snap[i])}", _image(h, h["output_test"][i])) for i in _picks(len(snap), 4)]
    return ImageGrid(images, imshow={"cmap": "gray", "vmin": float(target.min()), "vmax": float(target.max())},
                     title="Network output on the whole image during training", panel_size=(2.6, 2.9))


def _band_curves(h, spec=None, **_):
    grids = (("", "training grid", "training pixels"), ("test_", "whole image", "whole image (incl. held-out columns)"))
    return FrequencyErrorCurves([_error_panel(h["snapshot_steps"] if p else h.steps, h[f"{p}band_error"],
                                              [f"{f:.2f}" for f in h[f"{p}band_frequencies"]], _threshold(spec, 0.2),
                                              ylabel=f"band error ({where})", title=title)
                                 for p, where, title in grids if f"{p}band_error" in h], panel_size=(5.5, 3.6))


def _spectrum_2d(h, **_):
    shown = (("|DFT| target", h["y_test"][:, 0]),
             (f"|DFT| output, step {int(h['snapshot_steps'][-1])}", h["output_test"][-1]))
    return ImageGrid([(t, np.log10(np.fft.fftshift(np.abs(np.fft.fft2(_image(h, v)))) + 1e-3)) for t, v in shown],
                     imshow={"cmap": "magma"}, panel_size=(3.5, 3.2))


FIGURES["fprinciple-2d"] = FigureSet(run={
    "image_snapshots.png": _image_snapshots,
    "band_error_heatmap.png": partial(FrequencyErrorHeatmap.from_history, key="band_error",
                                      frequencies="band_frequencies", fmt="{:.2f}",
                                      title="relative error per radial DFT band (training grid)",
                                      ylabel="band centre (cycles/sample)", colorbar="relative error"),
    "band_error_curves.png": _band_curves,
    "spectrum_2d.png": _spectrum_2d,
    "loss.png": LossCurve.from_history,
})


def _projection_spectrum(h, **_):
    k, tgt, peaks = h["projection_k"], h["projection_target_spectrum"] + 1e-6, h["projection_peaks"].astype(int)
    lines = [Line(k, tgt, label="target", kw={"color": "k", "lw": 1.5}),
             Line(k[peaks], tgt[peaks], "o", "peaks", {"mfc": "none", "color": "C0", "ms": 8})]
    if "projection_spectrum" in h:
        lines += _snapshots(k, h["projection_spectrum"] + 1e-6, h["snapshot_steps"], 4, "output", lw=1)
    return LinePlot([Panel(lines, {"yscale": "log", "xlabel": "k (cycles per unit of p·x)", "ylabel": "|ŷ_p(k)|",
                                   "title": "Spectrum along the projection direction"})])


FIGURES["fprinciple-projection"] = FigureSet(run={
    "projection_spectrum.png": _projection_spectrum,
    "projection_error_heatmap.png": partial(FrequencyErrorHeatmap.from_history, key="projection_error",
                                            frequencies="projection_frequencies", title="Δ at the projected peaks",
                                            ylabel="k", colorbar="relative error"),
    "projection_error_curves.png": partial(FrequencyErrorCurves.from_history, key="projection_error",
                                           frequencies="projection_frequencies", label="k ≈ {:.3g}", ylabel="Δ(k)",
                                           title="Relative error at the projected peaks"),
    "loss.png": LossCurve.from_history,
})


def _filter_title(h, j: int) -> str:
    return f"δ = {h['filter_deltas'][j]:.3g} (low band: {100 * h['low_energy_share'][j]:.0f} % of energy)"


def _filter_errors(h, **_):
    snap = h["snapshot_steps"]
    panels = [Panel([Line(snap, h["e_low"][:, j], label="e_low", kw={"color": "C3", "lw": 1.5}),
                     Line(snap, h["e_high"][:, j], label="e_high", kw={"color": "C0", "lw": 1.5})],
                    {"title": _filter_title(h, j), "xlabel": "step", "ylabel": "" if j else "relative error"},
                    None if j else {}) for j in range(len(h["filter_deltas"]))]
    return LinePlot(panels, title="Filtering method: low- and high-frequency parts of the error",
                    panel_size=(3.6, 3.2), sharey=True)


def _filter_heatmap(h, **_):
    panels = [(_filter_title(h, j), h["snapshot_steps"], np.stack([h["e_low"][:, j], h["e_high"][:, j]], axis=1),
               ["low", "high"]) for j in range(len(h["filter_deltas"]))]
    return FrequencyErrorHeatmap(panels, ncols=1, ylabel="", colorbar="relative error")


FIGURES["fprinciple-filtering"] = FigureSet(run={
    "filter_errors.png": _filter_errors,
    "filter_heatmap.png": _filter_heatmap,
    "loss.png": LossCurve.from_history,
})


def _parity_spectrum(h, spec=None, **_):
    d = int((spec or {}).get("problem", {}).get("n_bits", 10))
    x = h["kappa"] * math.sqrt(d) / (2 * math.pi)
    lines = [Line(x, h["target_spectrum"], label="parity, all inputs", kw={"color": "k", "lw": 2}),
             Line(x, h["train_target_spectrum"], "--", "parity, training inputs", {"color": "0.5", "lw": 1}),
             *_snapshots(x, h["diagonal_spectrum"], h["snapshot_steps"], 3, "network", 0.4, lw=1.3)]
    return LinePlot([Panel(lines, {"xlabel": "κ√n / (2π)", "ylabel": "|F(κ)| along the diagonal",
                                   "title": f"{d}-bit parity is high-frequency"})])


FIGURES["parity"] = FigureSet(run={
    "diagonal_spectrum.png": _parity_spectrum,
    "accuracy.png": partial(LossCurve.from_history, title="Loss and accuracy"),
})


def _steps_to_loss(h, summary=None, **_):
    depths, lines = np.asarray(h["depths"]), []
    for key, lab, col in (("steps_to_loss_all", "target", "C3"), ("steps_to_loss_reference_all", "reference", "C0")):
        if key in h:
            allv = np.where(np.asarray(h[key], dtype=float) < 0, np.nan, h[key])  # < 0: never reached the loss
            med = [np.median(r[np.isfinite(r)]) if np.isfinite(r).any() else np.nan for r in allv]
            lines += [Line(np.repeat(depths, allv.shape[1]), allv.ravel(), ".", None, {"color": col, "alpha": 0.4}),
                      Line(depths, med, "o-", f"{lab} (median of the runs that reached it)", {"color": col})]
    return LinePlot([Panel(lines, {"yscale": "log", "xticks": depths, "xlabel": "hidden layers (equal width)",
                                   "ylabel": f"steps to train MSE ≤ {(summary or {}).get('target_loss', '?')}",
                                   "title": "Steps to a fixed training loss against depth"})])


def _effective_lfr(h, **_):
    lfr, layers, deltas, snap = h["effective_lfr"], h["lfr_layers"], h["lfr_deltas"], h["snapshot_steps"]
    left = [Line(layers, lfr[t, :, j], fmt, lab, {"color": _ramp("plasma", j, len(deltas), 0, 0.85), **kw})
            for j, dl in enumerate(deltas) for t, fmt, lab, kw in ((0, "o--", None, {"lw": 1, "mfc": "none"}),
                                                                 (-1, "o-", f"δ = {dl:g}", {"lw": 1.5}))]
    jm = len(deltas) // 2
    right = [Line(snap, lfr[:, i, jm], label=f"layer {lay}", kw={"color": _ramp("viridis", i, len(layers))})
             for i, lay in enumerate(layers)]
    return LinePlot([Panel(left, {"xticks": layers, "xlabel": "layer l (0 = input)",
                                  "ylabel": "LFR(δ) of the effective target"}, {"title": "dashed: initial, solid: final"}),
                     Panel(right, {"xlabel": "step", "ylabel": f"LFR(δ = {deltas[jm]:g})"})],
                    title="Low-frequency ratio of the effective target of each layer (deepest net)", panel_size=(5.5, 3.8))


FIGURES["deep-fprinciple"] = FigureSet(run={
    "steps_to_loss.png": _steps_to_loss,
    "loss_curves.png": lambda h, **_: LossCurve.from_history(
        h, keys=[f"loss_target_depth{d}" for d in h["depths"]], labels=[f"depth {d}" for d in h["depths"]],
        ylabel="train MSE", title="Loss curves (first initialisation)"),
    "effective_lfr.png": _needs("effective_lfr", _effective_lfr),
})
