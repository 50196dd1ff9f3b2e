"""The figures of the PDE kinds, as display factories over a run's arrays (nothing is trained).

``jacobi-vs-dnn``: Δ_F heat maps of Jacobi and of the network side by side (rows = the discrete
solution's DFT peaks, low frequency at the bottom; blue = converged), Δ_F curves, the error of
Jacobi from zero and of the hybrid against Jacobi sweeps, and the solutions on the grid.

``pde-compare``: every network's error over training, the loss, and — in 1-D — the final solutions
and point-wise errors, the spectra, and Δ_F at the exact solution's DFT peaks over the snapshots
(computed here from the stored outputs on the uniform test grid); in 2-D the solution and the error
maps on the test grid.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..problems import iteration_peak_errors, solution_peaks
from ._display import FIGURES, FigureSet, FrequencyErrorHeatmap, ImageGrid, Line, LinePlot, Panel, _threshold
from ._shared import FrequencyErrorCurves, LossCurve, _error_panel

__all__: list[str] = []


def _jacobi_panels(h, label="{:.3g}", prefix=""):
    """Δ_F of Jacobi from zero and of the network, as ``(title, steps, errors, labels, xlabel)``."""
    labels = [label.format(float(f)) for f in h["peak_frequencies"]]
    return [(prefix + "Jacobi from zero", h["jacobi_steps"], h["jacobi_peak_error"], labels, "sweep"),
            (prefix + "network", h.steps, h["peak_error"], labels, "training step")]


def _jacobi_curves(h, spec=None, summary=None):
    thr = float((summary or {}).get("threshold", _threshold(spec)))
    return FrequencyErrorCurves([_error_panel(s, e, lab, thr, title=t, xlabel=xl, ylabel="" if i else "Δ_F")
                                 for i, (t, s, e, lab, xl) in enumerate(_jacobi_panels(h, "ω ≈ {:.3g}"))], sharey=True,
                                panel_size=(5.5, 3.6))


def _hybrid_error(h, summary=None, **_):
    n_net, hyb = int(h["hybrid_start"]), (summary or {}).get("hybrid", {})
    left = [Line(h["jacobi_steps"], h["jacobi_rel_l2"], label="Jacobi from zero", kw={"color": "C0"}),
            Line(h["hybrid_steps"], h["hybrid_rel_l2"], label=f"network ({n_net} steps), then Jacobi", kw={"color": "C3"})]
    if hyb.get("target_error"):
        left.append(Line(y=hyb["target_error"], label=f"target {hyb['target_error']:g}"))
        left += [Line(x=s, kw={"color": c, "ls": ":"}) for name, c in (("jacobi", "C0"), ("hybrid", "C3"))
                 if (s := hyb.get("sweeps_to_target", {}).get(name)) is not None]
    right = [Line(np.maximum(h.steps, 1), h["grid_rel_l2"], kw={"color": "C3"}),
             Line(x=max(n_net, 1), label="hand-over to Jacobi", kw={"ls": ":"})]
    return LinePlot([Panel(left, {"yscale": "log", "xlabel": "Jacobi sweep", "title": "Hybrid: the network removes "
                                  "the slow low frequencies", "ylabel": "relative L2 error (vs the discrete solution)"}),
                     Panel(right, {"xscale": "log", "yscale": "log", "xlabel": "training step", "title": "network alone"})],
                    panel_size=(5.5, 3.6))


def _jacobi_solution(h, **_):
    x = h["grid"]
    return LinePlot([Panel([Line(x, h["exact"], label="exact u", kw={"color": "0.6", "lw": 3}),
                            Line(x, h["reference"], label="discrete solution", kw={"color": "k", "lw": 1}),
                            Line(x, h["grid_values"][-1], "--", f"network, step {int(h.steps[-1])}", {"color": "C3", "lw": 1})],
                           {"xlabel": "x", "title": "Solutions on the grid"})])


FIGURES["jacobi-vs-dnn"] = FIGURES["jacobi_vs_dnn"] = FigureSet(run={
    "peak_error_heatmaps.png": lambda h, **_: FrequencyErrorHeatmap(
        _jacobi_panels(h, prefix="Δ_F: "), colorbar="Δ_F (relative error at the peak)",
        title="Jacobi converges the high frequency first, the network the low one"),
    "peak_error_curves.png": _jacobi_curves,
    "hybrid_error.png": _hybrid_error,
    "solution.png": _jacobi_solution,
})


def _names(h) -> list[str]:
    return [str(n) for n in h["models"]] if "models" in h else sorted({k.split("/")[0] for k in h.arrays if "/" in k})


def _per_model(h, x, y, **kw) -> list[Line]:
    """One line ``y(name)`` against ``x`` per network of the run, in the colour cycle (``kw``: more line options)."""
    return [Line(x, y(n), label=n, kw={"color": f"C{i}", **kw}) for i, n in enumerate(_names(h))]


def _uniform_1d(h, *, max_peaks: int = 4):
    """(period length, DFT of the exact solution, its peaks) of a 1-D test grid (uniform and sorted:
    :func:`simbias.problems.evaluation_points`), else ``None``.  The peaks: the ``max_peaks`` largest of
    :func:`simbias.problems.solution_peaks`, sorted."""
    if h["x_test"].shape[1] != 1:
        return None
    x, uh = h["x_test"][:, 0], np.fft.rfft(h["u_test"])
    idx = solution_peaks(h["u_test"]).numpy()
    peaks = np.sort(idx[np.argsort(-np.abs(uh[idx]), kind="stable")[:max_peaks]])
    return (x[-1] - x[0]) * len(x) / max(len(x) - 1, 1), uh, peaks


def _error_curves(h, **_):
    lines = _per_model(h, np.maximum(h.steps, 1), lambda n: h[f"{n}/rel_l2"])
    return LinePlot([Panel(lines, {"xscale": "log", "yscale": "log", "xlabel": "step", "ylabel": "relative L2 error",
                                   "title": "Error against the exact solution"})])


def _solution_1d(h, **_):
    if h["x_test"].shape[1] != 1:
        return None
    x, u = h["x_test"][:, 0], h["u_test"]
    top = [Line(x, u, label="exact", kw={"color": "0.6", "lw": 3}),
           *_per_model(h, x, lambda n: h[f"{n}/output_test"][-1], lw=1)]
    bottom = _per_model(h, x, lambda n: np.abs(h[f"{n}/output_test"][-1] - u) + 1e-12, lw=0.8)
    return LinePlot([Panel(top, {"title": f"Solutions at step {int(h['snapshot_steps'][-1])}"}),
                     Panel(bottom, {"yscale": "log", "xlabel": "x", "ylabel": "|h − u|"}, None)], ncols=1,
                    panel_size=(7.0, 3.0))


def _spectrum_1d(h, **_):
    if (grid := _uniform_1d(h)) is None:
        return None
    (length, uh, peaks), n = grid, len(h["u_test"])
    keep = min(len(uh), max(40, 4 * int(peaks.max(initial=10))))
    w = 2 * np.pi * np.arange(keep) / length
    lines = [Line(w, np.abs(uh[:keep]) / n + 1e-12, label="exact", kw={"color": "k", "lw": 1.5})]
    lines += _per_model(h, w, lambda m: np.abs(np.fft.rfft(h[f"{m}/output_test"][-1]))[:keep] / n + 1e-12, lw=0.8)
    return LinePlot([Panel(lines, {"yscale": "log", "xlabel": "angular frequency ω", "ylabel": "|DFT| / n",
                                   "title": "Spectra at the end of training"})], panel_size=(7.0, 3.8))


def _peak_heatmaps(h, **_):
    grid, snap = _uniform_1d(h), h["snapshot_steps"]
    if grid is None or len(snap) < 2 or not len(grid[2]):
        return None
    length, _, peaks = grid
    labels = [f"{2 * np.pi * k / length:.3g}" for k in peaks]
    return FrequencyErrorHeatmap([(f"Δ_F: {m}", snap, iteration_peak_errors(h[f"{m}/output_test"], h["u_test"],
                                                                             peaks=peaks)[1].numpy(), labels)
                                  for m in _names(h)], colorbar="Δ_F")


def _maps(h, errors: bool = False, **_):
    """The exact solution and every network's on the 2-D test grid (masked outside the domain), or
    their point-wise errors |h − u| on a log colour scale; ``None`` without a test grid."""
    from matplotlib.colors import LogNorm

    if h["x_test"].shape[1] != 2 or "test_grid_shape" not in h:
        return None
    u, lo, hi, shape = h["u_test"], h["test_grid_lows"], h["test_grid_highs"], tuple(map(int, h["test_grid_shape"]))
    maps = [("exact", u)] + [(n, h[f"{n}/output_test"][-1]) for n in _names(h)]
    imshow = {"cmap": "viridis", "vmin": float(np.min(u)), "vmax": float(np.max(u))}
    if errors:
        maps = [(f"|h − u|: {n}", np.abs(v - u) + 1e-12) for n, v in maps[1:]]
        top = max(float(e.max()) for _, e in maps)
        imshow = {"cmap": "magma", "norm": LogNorm(vmin=max(top * 1e-5, 1e-12), vmax=top)}
    mask = h["test_grid_mask"].astype(bool)  # the values back on the grid (row-major), NaN outside the domain
    images = [(t, np.where(mask, v[np.cumsum(mask) - 1], np.nan).reshape(shape)) for t, v in maps]
    return ImageGrid(images, imshow={"origin": "lower", "extent": (lo[0], hi[0], lo[1], hi[1]), **imshow}, colorbar="",
                     ticks=True, panel_size=(3.8, 3.6), title=None if errors else "Solution")


FIGURES["pde-compare"] = FIGURES["pde_compare"] = FigureSet(run={
    "error_curves.png": _error_curves,
    "loss.png": lambda h, **_: LossCurve.from_history(h, keys=[f"{n}/loss" for n in _names(h)], labels=_names(h),
                                                      title="Training loss (Ritz energy may be negative)"),
    "solution.png": _solution_1d,
    "spectrum.png": _spectrum_1d,
    "peak_error_heatmaps.png": _peak_heatmaps,
    "solution_2d.png": _maps,
    "error_map.png": partial(_maps, errors=True),
})
