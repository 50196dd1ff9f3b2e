"""Figures of the PDE experiments, drawn from a run directory's arrays alone.

``jacobi_vs_dnn``: Δ_F heat maps of Jacobi and of the network side by side (rows = the discrete
solution's DFT peaks, low frequency at the bottom; blue = converged), Δ_F curves, the error of
Jacobi from zero and of the hybrid against Jacobi sweeps, and the solutions on the grid.

``pde_compare``: every network's error over training, the final solutions and point-wise errors,
the loss, and — in 1-D — the spectra of the solutions and Δ_F at the exact solution's DFT peaks
over the snapshots (computed here from the stored outputs on the uniform test grid; nothing is
trained); in 2-D the solution and the error maps on the test grid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ._common import heatmap, plt, register_figures, save

__all__ = ["jacobi_figures", "pde_compare_figures", "spectrum_peaks"]


def _labels(freqs) -> list[str]:
    return [f"{float(f):.3g}" for f in freqs]


@register_figures("jacobi_vs_dnn")
def jacobi_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h = run["history"]
    summary = run.get("summary", {})
    thr = float(summary.get("threshold", run["spec"].get("record", {}).get("threshold", 0.1)))
    labels = _labels(h["peak_frequencies"])
    out: list[Path] = []
    panels = [("Jacobi from zero", h["jacobi_steps"], h["jacobi_peak_error"], "sweep"),
              ("network", h.steps, h["peak_error"], "training step")]

    fig, axes = plt.subplots(1, 2, figsize=(11, 2.6 + 0.3 * len(labels)))
    for ax, (title, steps, err, xlabel) in zip(axes, panels):
        mesh = heatmap(ax, steps, err, labels, title=f"Δ_F: {title}")
        ax.set_xlabel(xlabel)
    fig.colorbar(mesh, ax=axes, label="Δ_F (relative error at the peak)")
    fig.suptitle("Jacobi converges the high frequency first, the network the low one", y=1.03)
    out.append(save(fig, figdir / "peak_error_heatmaps.png"))

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
    for ax, (title, steps, err, xlabel) in zip(axes, panels):
        for j, lab in enumerate(labels):
            ax.loglog(np.maximum(steps, 1), np.maximum(err[:, j], 1e-12), label=f"ω ≈ {lab}")
        ax.axhline(thr, color="0.5", ls="--", lw=1, label=f"threshold {thr:g}")
        ax.set_xlabel(xlabel)
        ax.set_title(title)
    axes[0].set_ylabel("Δ_F")
    axes[0].legend(frameon=False, fontsize=8)
    out.append(save(fig, figdir / "peak_error_curves.png"))

    n_net = int(h["hybrid_start"])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.6))
    a1.semilogy(h["jacobi_steps"], h["jacobi_rel_l2"], color="C0", label="Jacobi from zero")
    a1.semilogy(h["hybrid_steps"], h["hybrid_rel_l2"], color="C3", label=f"network ({n_net} steps), then Jacobi")
    hyb = summary.get("hybrid", {})
    target = hyb.get("target_error")
    if target:
        a1.axhline(target, color="0.5", ls="--", lw=1, label=f"target {target:g}")
        for name, color in (("jacobi", "C0"), ("hybrid", "C3")):
            s = hyb.get("sweeps_to_target", {}).get(name)
            if s is not None:
                a1.axvline(s, color=color, ls=":", lw=1)
    a1.set_xlabel("Jacobi sweep")
    a1.set_ylabel("relative L2 error (vs the discrete solution)")
    a1.legend(frameon=False, fontsize=8)
    a1.set_title("Hybrid: the network removes the slow low frequencies")
    a2.semilogy(np.maximum(h.steps, 1), h["grid_rel_l2"], color="C3")
    a2.axvline(max(n_net, 1), color="0.5", ls=":", lw=1, label="hand-over to Jacobi")
    a2.set_xscale("log")
    a2.set_xlabel("training step")
    a2.set_title("network alone")
    a2.legend(frameon=False, fontsize=8)
    out.append(save(fig, figdir / "hybrid_error.png"))

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    x = h["grid"]
    ax.plot(x, h["exact"], color="0.6", lw=3, label="exact u")
    ax.plot(x, h["reference"], color="k", lw=1, label="discrete solution")
    ax.plot(x, h["grid_values"][-1], color="C3", lw=1, ls="--", label=f"network, step {int(h.steps[-1])}")
    ax.set_xlabel("x")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Solutions on the grid")
    out.append(save(fig, figdir / "solution.png"))
    return out


def spectrum_peaks(u: np.ndarray, *, max_peaks: int = 4, floor: float = 1e-3) -> np.ndarray:
    """DFT indices of the largest strict local maxima of |DFT(u)| among 1…n/2 (at most ``max_peaks``, sorted)."""
    mag = np.abs(np.fft.rfft(u))
    idx = [k for k in range(1, len(mag) - 1) if mag[k] > mag[k - 1] and mag[k] >= mag[k + 1] and mag[k] > floor * mag.max()]
    idx = sorted(idx, key=lambda k: -mag[k])[:max_peaks]
    return np.array(sorted(idx), dtype=int)


def _names(h) -> list[str]:
    if "models" in h:
        return [str(n) for n in h["models"]]
    return sorted({k.split("/")[0] for k in h.arrays if "/" in k})


@register_figures("pde_compare")
def pde_compare_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h = run["history"]
    names = _names(h)
    out: list[Path] = []
    x, u = h["x_test"], h["u_test"]
    snap = h["snapshot_steps"]
    dim = x.shape[1]

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, n in enumerate(names):
        ax.loglog(np.maximum(h.steps, 1), h[f"{n}/rel_l2"], color=f"C{i}", label=n)
    ax.set_xlabel("step")
    ax.set_ylabel("relative L2 error")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Error against the exact solution")
    out.append(save(fig, figdir / "error_curves.png"))

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, n in enumerate(names):
        loss = h[f"{n}/loss"] if f"{n}/loss" in h else np.zeros(0)
        ax.plot(np.arange(1, len(loss) + 1), loss, color=f"C{i}", lw=0.8, label=n)
    ax.set_xscale("log")
    if all((h[f"{n}/loss"] > 0).all() for n in names if f"{n}/loss" in h and len(h[f"{n}/loss"])):
        ax.set_yscale("log")
    else:
        ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Training loss (Ritz energy may be negative)")
    out.append(save(fig, figdir / "loss.png"))

    if dim == 1:
        out += _figures_1d(h, names, x[:, 0], u, snap, figdir)
    elif dim == 2 and "test_grid_shape" in h:
        out += _figures_2d(h, names, x, u, figdir)
    return out


def _figures_1d(h, names, x, u, snap, figdir: Path) -> list[Path]:
    out = []
    order = np.argsort(x)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    a1.plot(x[order], u[order], color="0.6", lw=3, label="exact")
    for i, n in enumerate(names):
        pred = h[f"{n}/output_test"][-1]
        a1.plot(x[order], pred[order], color=f"C{i}", lw=1, label=n)
        a2.semilogy(x[order], np.abs(pred - u)[order] + 1e-12, color=f"C{i}", lw=0.8, label=n)
    a1.legend(frameon=False, fontsize=8)
    a1.set_title(f"Solutions at step {int(snap[-1])}")
    a2.set_xlabel("x")
    a2.set_ylabel("|h − u|")
    out.append(save(fig, figdir / "solution.png"))

    # frequency domain: spectra (uniform test grid) and Δ_F at the exact solution's peaks over the snapshots
    dx = np.diff(x[order])
    if len(dx) and np.allclose(dx, dx[0], rtol=1e-3):
        uh = np.fft.rfft(u[order])
        keep = min(len(uh), max(40, 4 * int(spectrum_peaks(u[order]).max(initial=10))))
        length = (x.max() - x.min()) * len(x) / max(len(x) - 1, 1)
        freqs = 2 * np.pi * np.arange(keep) / length
        fig, ax = plt.subplots(figsize=(7, 3.8))
        ax.semilogy(freqs, np.abs(uh[:keep]) / len(x) + 1e-12, color="k", lw=1.5, label="exact")
        for i, n in enumerate(names):
            ph = np.fft.rfft(h[f"{n}/output_test"][-1][order])
            ax.semilogy(freqs, np.abs(ph[:keep]) / len(x) + 1e-12, color=f"C{i}", lw=0.8, label=n)
        ax.set_xlabel("angular frequency ω")
        ax.set_ylabel("|DFT| / n")
        ax.legend(frameon=False, fontsize=8)
        ax.set_title("Spectra at the end of training")
        out.append(save(fig, figdir / "spectrum.png"))

        peaks = spectrum_peaks(u[order])
        if len(peaks) and len(snap) > 1:
            labels = [f"{2 * np.pi * k / length:.3g}" for k in peaks]
            fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 2.4 + 0.3 * len(peaks)), squeeze=False)
            for ax, n in zip(axes[0], names):
                pred = np.fft.rfft(h[f"{n}/output_test"][:, order], axis=1)[:, peaks]
                err = np.abs(pred - uh[peaks]) / np.abs(uh[peaks])
                mesh = heatmap(ax, snap, err, labels, title=f"Δ_F: {n}")
            fig.colorbar(mesh, ax=axes, label="Δ_F")
            out.append(save(fig, figdir / "peak_error_heatmaps.png"))
    return out


def _grid(h, values):
    shape = tuple(int(s) for s in h["test_grid_shape"])
    full = np.full(int(np.prod(shape)), np.nan)
    full[h["test_grid_mask"].astype(bool)] = values
    return full.reshape(shape)


def _figures_2d(h, names, x, u, figdir: Path) -> list[Path]:
    lo, hi = h["test_grid_lows"], h["test_grid_highs"]
    extent = (lo[0], hi[0], lo[1], hi[1])
    out = []
    panels = [("exact", u)] + [(n, h[f"{n}/output_test"][-1]) for n in names]
    vmin, vmax = float(np.min(u)), float(np.max(u))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.8 * len(panels), 3.6), squeeze=False)
    for ax, (title, vals) in zip(axes[0], panels):
        im = ax.imshow(_grid(h, vals), origin="lower", extent=extent, cmap="viridis", vmin=vmin, vmax=vmax)
        ax.set_title(title)
        ax.set_aspect("equal")
    fig.colorbar(im, ax=axes, shrink=0.8)
    fig.suptitle("Solution")
    out.append(save(fig, figdir / "solution_2d.png"))

    from matplotlib.colors import LogNorm

    errs = [np.abs(h[f"{n}/output_test"][-1] - u) for n in names]
    top = max(float(e.max()) for e in errs) + 1e-12
    fig, axes = plt.subplots(1, len(names), figsize=(3.8 * len(names), 3.6), squeeze=False)
    for ax, n, e in zip(axes[0], names, errs):
        im = ax.imshow(_grid(h, e + 1e-12), origin="lower", extent=extent, cmap="magma",
                       norm=LogNorm(vmin=max(top * 1e-5, 1e-12), vmax=top))
        ax.set_title(f"|h − u|: {n}")
        ax.set_aspect("equal")
    fig.colorbar(im, ax=axes, shrink=0.8)
    out.append(save(fig, figdir / "error_map.png"))
    return out
