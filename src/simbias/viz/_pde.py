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

import numpy as np

from ._display import FIGURES, FigureSet, FrequencyErrorHeatmap, ImageGrid, Line, LinePlot, Panel, _threshold
from ._shared import FrequencyErrorCurves, LossCurve, _error_panel

__all__: list[str] = []


def _jacobi_panels(h):
    return [("Jacobi from zero", h["jacobi_steps"], h["jacobi_peak_error"], "sweep"),
            ("network", h.steps, h["peak_error"], "training step")]


def _labels(h) -> list[str]:
    return [f"{float(f):.3g}" for f in h["peak_frequencies"]]


def _jacobi_curves(h, spec=None, summary=None):
    thr = float((summary or {}).get("threshold", _threshold(spec)))
    labels = [f"ω ≈ {lab}" for lab in _labels(h)]
    return FrequencyErrorCurves([_error_panel(s, e, labels, thr, title=t, xlabel=xl, ylabel="" if i else "Δ_F")
                                 for i, (t, s, e, xl) in enumerate(_jacobi_panels(h))], sharey=True,
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
        [(f"Δ_F: {t}", s, e, _labels(h), xl) for t, s, e, xl in _jacobi_panels(h)],
        colorbar="Δ_F (relative error at the peak)", title="Jacobi converges the high frequency first, the network the low one"),
    "peak_error_curves.png": _jacobi_curves,
    "hybrid_error.png": _hybrid_error,
    "solution.png": _jacobi_solution,
})


def _peaks(u: np.ndarray, *, max_peaks: int = 4, floor: float = 1e-3) -> np.ndarray:
    """DFT indices of the largest strict local maxima of |DFT(u)| among 1…n/2 (at most ``max_peaks``, sorted)."""
    mag = np.abs(np.fft.rfft(u))
    idx = [k for k in range(1, len(mag) - 1) if mag[k] > mag[k - 1] and mag[k] >= mag[k + 1] and mag[k] > floor * mag.max()]
    return np.array(sorted(sorted(idx, key=lambda k: -mag[k])[:max_peaks]), dtype=int)


def _names(h) -> list[str]:
    if "models" in h:
        return [str(n) for n in h["models"]]
    return sorted({k.split("/")[0] for k in h.arrays if "/" in k})


def _uniform_1d(h):
    """(sorting order, period length) of a uniform 1-D test grid, else ``None``."""
    if h["x_test"].shape[1] != 1:
        return None
    x = h["x_test"][:, 0]
    order = np.argsort(x)
    dx = np.diff(x[order])
    if not (len(dx) and np.allclose(dx, dx[0], rtol=1e-3)):
        return None
    return order, (x.max() - x.min()) * len(x) / max(len(x) - 1, 1)


def _error_curves(h, **_):
    lines = [Line(np.maximum(h.steps, 1), h[f"{n}/rel_l2"], label=n, kw={"color": f"C{i}"}) for i, n in enumerate(_names(h))]
    return LinePlot([Panel(lines, {"xscale": "log", "yscale": "log", "xlabel": "step", "ylabel": "relative L2 error",
                                   "title": "Error against the exact solution"})])


def _solution_1d(h, **_):
    if h["x_test"].shape[1] != 1:
        return None
    x, u = h["x_test"][:, 0], h["u_test"]
    o = np.argsort(x)
    top, bottom = [Line(x[o], u[o], label="exact", kw={"color": "0.6", "lw": 3})], []
    for i, n in enumerate(_names(h)):
        pred = h[f"{n}/output_test"][-1]
        top.append(Line(x[o], pred[o], label=n, kw={"color": f"C{i}", "lw": 1}))
        bottom.append(Line(x[o], np.abs(pred - u)[o] + 1e-12, label=n, kw={"color": f"C{i}", "lw": 0.8}))
    return LinePlot([Panel(top, {"title": f"Solutions at step {int(h['snapshot_steps'][-1])}"}),
                     Panel(bottom, {"yscale": "log", "xlabel": "x", "ylabel": "|h − u|"}, None)], ncols=1,
                    panel_size=(7.0, 3.0))


def _spectrum_1d(h, **_):
    if (grid := _uniform_1d(h)) is None:
        return None
    (o, length), n = grid, len(h["u_test"])
    uh = np.fft.rfft(h["u_test"][o])
    keep = min(len(uh), max(40, 4 * int(_peaks(h["u_test"][o]).max(initial=10))))
    w = 2 * np.pi * np.arange(keep) / length
    lines = [Line(w, np.abs(uh[:keep]) / n + 1e-12, label="exact", kw={"color": "k", "lw": 1.5})]
    lines += [Line(w, np.abs(np.fft.rfft(h[f"{m}/output_test"][-1][o]))[:keep] / n + 1e-12, label=m,
                   kw={"color": f"C{i}", "lw": 0.8}) for i, m in enumerate(_names(h))]
    return LinePlot([Panel(lines, {"yscale": "log", "xlabel": "angular frequency ω", "ylabel": "|DFT| / n",
                                   "title": "Spectra at the end of training"})], panel_size=(7.0, 3.8))


def _peak_heatmaps(h, **_):
    grid, snap = _uniform_1d(h), h["snapshot_steps"]
    if grid is None or len(snap) < 2 or not len(peaks := _peaks(h["u_test"][grid[0]])):
        return None
    (o, length), uh = grid, np.fft.rfft(h["u_test"][grid[0]])[peaks]
    labels = [f"{2 * np.pi * k / length:.3g}" for k in peaks]
    return FrequencyErrorHeatmap([(f"Δ_F: {m}", snap, np.abs(np.fft.rfft(h[f"{m}/output_test"][:, o], axis=1)[:, peaks] - uh)
                                   / np.abs(uh), labels) for m in _names(h)], colorbar="Δ_F")


def _on_grid(h) -> bool:
    return h["x_test"].shape[1] == 2 and "test_grid_shape" in h


def _grid(h, values):
    full = np.full(int(np.prod(h["test_grid_shape"])), np.nan)
    full[h["test_grid_mask"].astype(bool)] = values
    return full.reshape(tuple(int(s) for s in h["test_grid_shape"]))


def _maps(h, images, **imshow):
    lo, hi = h["test_grid_lows"], h["test_grid_highs"]
    return ImageGrid(images, imshow={"origin": "lower", "extent": (lo[0], hi[0], lo[1], hi[1]), **imshow}, colorbar="",
                     ticks=True, panel_size=(3.8, 3.6), title="Solution" if imshow["cmap"] == "viridis" else None)


def _solution_2d(h, **_):
    if not _on_grid(h):
        return None
    u = h["u_test"]
    images = [("exact", _grid(h, u))] + [(n, _grid(h, h[f"{n}/output_test"][-1])) for n in _names(h)]
    return _maps(h, images, cmap="viridis", vmin=float(np.min(u)), vmax=float(np.max(u)))


def _error_map(h, **_):
    from matplotlib.colors import LogNorm

    if not _on_grid(h):
        return None
    errs = [(n, np.abs(h[f"{n}/output_test"][-1] - h["u_test"]) + 1e-12) for n in _names(h)]
    top = max(float(e.max()) for _, e in errs)
    return _maps(h, [(f"|h − u|: {n}", _grid(h, e)) for n, e in errs], cmap="magma",
                 norm=LogNorm(vmin=max(top * 1e-5, 1e-12), vmax=top))


FIGURES["pde-compare"] = FIGURES["pde_compare"] = FigureSet(run={
    "error_curves.png": _error_curves,
    "loss.png": lambda h, **_: LossCurve.from_history(h, keys=[f"{n}/loss" for n in _names(h)], labels=_names(h),
                                                      title="Training loss (Ritz energy may be negative)"),
    "solution.png": _solution_1d,
    "spectrum.png": _spectrum_1d,
    "peak_error_heatmaps.png": _peak_heatmaps,
    "solution_2d.png": _solution_2d,
    "error_map.png": _error_map,
})
