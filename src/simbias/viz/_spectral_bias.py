"""Figures of ``spectral-bias`` (Rahaman et al. 2019, fig. 1), as displays over a run's arrays.

* ``spectrum_heatmap.png`` — the normalised spectrum 2|λ̂(k)|/A_k of the output at each target
  frequency (rows, low k at the bottom) against the step, median over the repeats, colour scale
  [0, 1] (their figure 1);
* ``spectrum_curves.png`` — the same per k as curves, with the 90 % line and the median step
  at which each k reaches it;
* ``loss.png`` — training loss of every repeat.
"""

from __future__ import annotations

import numpy as np

from ._display import FIGURES, FigureSet, FrequencyErrorHeatmap, Line, LinePlot, Panel, _ramp

__all__: list[str] = []


def _median_spectrum(h) -> tuple[np.ndarray, int]:
    """The spectrum's median over the repeats (records, K), and the number of repeats."""
    s = np.asarray(h["spectrum"], dtype=np.float64)
    return (np.nanmedian(s, axis=0), s.shape[0]) if s.ndim == 3 else (s, 1)


def _heatmap(h, spec=None, **_):
    (med, n), amp = _median_spectrum(h), (spec or {}).get("problem", {}).get("amplitudes", "")
    return FrequencyErrorHeatmap([(f"2|λ̂(k)|/A_k, median of {n} repeats ({amp} amplitudes)", h.steps, med,
                                   [str(int(k)) for k in h["frequencies"]])],
                                 ylabel="frequency k", colorbar="normalised amplitude", vmin=0.0, vmax=1.0,
                                 cmap="inferno")


def _curves(h, summary=None, **_):
    summary, ks, med = summary or {}, np.asarray(h["frequencies"]), _median_spectrum(h)[0]
    reach = summary.get("step_to_90") or [None] * len(ks)
    lines = [Line(h.steps, med[:, j], kw={"color": _ramp("viridis", j, len(ks)), "lw": 1.2},
                  label=f"k = {int(k)}" + (f" (90 % at {reach[j]})" if reach[j] is not None else ""))
             for j, k in enumerate(ks)]
    lines.append(Line(y=float(summary.get("threshold", 0.9)), kw={"color": "k", "ls": ":"}))
    return LinePlot([Panel(lines, {"xlabel": "step", "ylabel": "2|λ̂(k)|/A_k (median)"},
                           {"frameon": False, "fontsize": 7, "ncol": 2})])


def _loss(h, **_):
    loss = np.atleast_2d(np.asarray(h["loss"], dtype=np.float64))
    lines = [Line(np.arange(1, loss.shape[1] + 1), r, kw={"lw": 0.8, "alpha": 0.7}) for r in loss]
    return LinePlot([Panel(lines, {"xscale": "log", "yscale": "log", "xlabel": "step",
                                   "ylabel": "train loss (each repeat)"}, None)])


FIGURES["spectral-bias"] = FigureSet(run={"spectrum_heatmap.png": _heatmap, "spectrum_curves.png": _curves,
                                          "loss.png": _loss})
