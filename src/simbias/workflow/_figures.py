"""Figures of ``monitor`` and ``analyze`` run directories, as displays registered with :mod:`simbias.viz`.

Drawn from the history alone: the loss, a heat map per per-peak error array (Δ_F, projection
error, band errors: rows = frequencies, colour = relative error), e_low/e_high curves, scalar
probes over steps, and the output's spectrum against the target's.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..viz import FIGURES, FigureSet, FrequencyErrorHeatmap, Line, LinePlot, Panel

__all__: list[str] = []

_HEAT = {"peak_error": "peak_frequencies", "projection_error": "projection_frequencies",
         "band_error": "band_frequencies", "test_band_error": "test_band_frequencies"}


def _snap(h):
    return np.asarray(h.static.get("snapshot_steps", h.steps))


def _loss(h, **_):
    if "loss" not in h.static or "loss_steps" not in h.static:
        return None
    return LinePlot([Panel([Line(h.static["loss_steps"], np.abs(h.static["loss"]), kw={"color": "k"})],
                           {"yscale": "log", "xlabel": "step", "ylabel": "loss", "title": "training loss (as reported)"},
                           None)])


def _heat(name, h, **_):
    a = h.arrays.get(name)
    if a is None or np.ndim(a) != 2 or len(a) < 2:
        return None
    freqs = np.ravel(h.static.get(_HEAT[name], np.arange(a.shape[1])))
    return FrequencyErrorHeatmap([(f"{name} at the target's peaks", h.steps, a, [f"{f:.3g}" for f in freqs])])


def _filtering(h, **_):
    if "e_low" not in h.arrays or "e_high" not in h.arrays:
        return None
    snap, lines = _snap(h), []
    for i, d in enumerate(np.ravel(h.static.get("filter_deltas", np.arange(h.arrays["e_low"].shape[1])))):
        lines += [Line(snap, h.arrays["e_low"][:, i], label=f"e_low δ={d:.3g}", kw={"color": f"C{i}"}),
                  Line(snap, h.arrays["e_high"][:, i], "--", f"e_high δ={d:.3g}", {"color": f"C{i}"})]
    return LinePlot([Panel(lines, {"xlabel": "step", "ylabel": "relative error", "ylim": (0, None),
                                   "title": "filtering method: low part learned first"}, {"fontsize": 7})])


def _projection(h, **_):
    if "projection_spectrum" not in h.arrays or "projection_k" not in h.static:
        return None
    k, spec, snap = h.static["projection_k"], h.arrays["projection_spectrum"], _snap(h)
    lines = [Line(k, h.static["projection_target_spectrum"], label="target", kw={"color": "k", "lw": 2})]
    lines += [Line(k, spec[i], label=f"output, step {int(snap[i])}")
              for i in np.unique(np.linspace(0, len(spec) - 1, min(4, len(spec))).astype(int))]
    return LinePlot([Panel(lines, {"xlabel": "k (along PC1)", "ylabel": "|DFT|",
                                   "title": "spectrum along the first principal component"}, {"fontsize": 7})])


def _scalars(h, **_):
    keys = [k for k, v in h.arrays.items() if np.ndim(v) == 1 and k != "loss"]
    if not keys:
        return None
    lines = [Line(h.steps if len(h.arrays[k]) == len(h.steps) else _snap(h), h.arrays[k], label=k) for k in keys]
    return LinePlot([Panel(lines, {"xlabel": "step", "title": "recorded scalars"}, {"fontsize": 7})])


_RUN = {"loss.png": _loss, **{f"{n}.png": partial(_heat, n) for n in _HEAT}, "filtering.png": _filtering,
        "projection_spectrum.png": _projection, "scalars.png": _scalars}
FIGURES["monitor"] = FigureSet(run=dict(_RUN))
FIGURES["analyze"] = FigureSet(run=dict(_RUN))
