"""Figures of the 1-D Frequency Principle: fits in real and Fourier space, the Δ_F heat map,
loss curves and an animation.  Everything is drawn from a run directory's arrays alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ._common import heatmap, plt, register_figures, save

__all__ = ["fprinciple_figures"]


def _snapshot_picks(snap_steps: np.ndarray, n: int = 4) -> list[int]:
    if len(snap_steps) <= n:
        return list(range(len(snap_steps)))
    # log-spaced picks show the early (low-frequency) phase as well as the end
    pos = np.unique(np.round(np.geomspace(1, len(snap_steps), n)).astype(int) - 1)
    pos[0] = 0
    pos[-1] = len(snap_steps) - 1
    return sorted(set(pos.tolist()))


def _spectrum(values: np.ndarray, n_keep: int) -> np.ndarray:
    return np.abs(np.fft.fft(values, axis=-1))[..., :n_keep] / values.shape[-1]


@register_figures("fprinciple")
def fprinciple_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h = run["history"]
    spec = run["spec"]
    out: list[Path] = []
    thr = float(spec.get("record", {}).get("threshold", 0.1))
    snap = h["snapshot_steps"]
    x_tr, y_tr = h["x_train"][:, 0], h["y_train"][:, 0]
    x_te, y_te = h["x_test"][:, 0], h["y_test"][:, 0]
    has_peaks = "peak_error" in h
    freqs = h["peak_frequencies"] if has_peaks else np.array([])
    labels = [f"{f:.3g}" for f in freqs]
    picks = _snapshot_picks(snap)

    # real-space snapshots
    fig, axes = plt.subplots(1, len(picks), figsize=(3.2 * len(picks), 3), sharey=True, squeeze=False)
    for ax, i in zip(axes[0], picks):
        ax.plot(x_te, y_te, color="0.6", lw=1, label="target")
        ax.plot(x_tr, y_tr, ".", color="k", ms=2, label="training data")
        ax.plot(x_te, h["output_test"][i], color="C3", lw=1.5, label="network")
        ax.set_title(f"step {int(snap[i])}")
        ax.set_xlabel("x")
    axes[0, 0].legend(loc="best", fontsize=7, frameon=False)
    fig.suptitle("Fit in real space")
    out.append(save(fig, figdir / "fit_snapshots.png"))

    # Fourier-space snapshots
    n_keep = min(40, len(y_tr) // 2)
    ft = _spectrum(y_tr, n_keep)
    fig, axes = plt.subplots(1, len(picks), figsize=(3.2 * len(picks), 3), sharey=True, squeeze=False)
    for ax, i in zip(axes[0], picks):
        ax.semilogy(ft + 1e-5, color="k", lw=1, label="|DFT| target")
        ax.semilogy(_spectrum(h["output_train"][i], n_keep) + 1e-5, color="C3", lw=1, label="|DFT| network")
        if has_peaks:
            ax.plot(h["peaks"], ft[h["peaks"]] + 1e-5, "o", mfc="none", color="C0", label="peaks")
        ax.set_title(f"step {int(snap[i])}")
        ax.set_xlabel("DFT index k")
    axes[0, 0].legend(loc="best", fontsize=7, frameon=False)
    fig.suptitle("Fit in Fourier space")
    out.append(save(fig, figdir / "spectrum_snapshots.png"))

    if has_peaks:
        fig, ax = plt.subplots(figsize=(6, 2.6 + 0.25 * len(freqs)))
        mesh = heatmap(ax, h.steps, h["peak_error"], labels)
        fig.colorbar(mesh, ax=ax, label="Δ_F (relative error)")
        out.append(save(fig, figdir / "peak_error_heatmap.png"))

        fig, ax = plt.subplots(figsize=(6, 3.5))
        steps = np.maximum(h.steps, 1)
        for j, lab in enumerate(labels):
            ax.loglog(steps, h["peak_error"][:, j], label=f"ω ≈ {lab}")
        ax.axhline(thr, color="0.5", ls="--", lw=1, label=f"threshold {thr:g}")
        ax.set_xlabel("step")
        ax.set_ylabel("Δ_F")
        ax.legend(frameon=False, fontsize=8)
        ax.set_title("Per-frequency relative error")
        out.append(save(fig, figdir / "peak_error_curves.png"))

    fig, ax = plt.subplots(figsize=(6, 3.5))
    loss = h["loss"]
    ax.loglog(np.arange(1, len(loss) + 1), loss, color="k", lw=1, label="train loss")
    if "test_error" in h:
        te = h["test_error"]
        ax.loglog(np.maximum(snap, 1), te, "o-", ms=3, color="C1", lw=1, label="test error (clean target)")
        i = int(np.nanargmin(te))
        ax.axvline(max(int(snap[i]), 1), color="C1", ls=":", lw=1, label=f"best test at step {int(snap[i])}")
    ax.set_xlabel("step")
    ax.set_ylabel("MSE")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Loss")
    out.append(save(fig, figdir / "loss.png"))

    out.append(_animation(h, x_tr, y_tr, x_te, y_te, ft, n_keep, figdir / "training.gif"))
    return out


def _animation(h, x_tr, y_tr, x_te, y_te, ft, n_keep, path: Path) -> Path:
    from matplotlib.animation import FuncAnimation, PillowWriter

    from ..io import atomic_write_bytes

    snap = h["snapshot_steps"]
    frames = np.unique(np.linspace(0, len(snap) - 1, min(40, len(snap))).astype(int))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 3))
    a1.plot(x_te, y_te, color="0.6", lw=1)
    a1.plot(x_tr, y_tr, ".", color="k", ms=2)
    (l1,) = a1.plot(x_te, h["output_test"][0], color="C3")
    a1.set_ylim(1.2 * min(y_te.min(), 0) - 0.1, 1.2 * max(y_te.max(), 0) + 0.1)
    a1.set_xlabel("x")
    a2.semilogy(ft + 1e-5, color="k", lw=1)
    (l2,) = a2.semilogy(_spectrum(h["output_train"][0], n_keep) + 1e-5, color="C3")
    a2.set_ylim(1e-5, 2 * ft.max() + 1e-3)
    a2.set_xlabel("DFT index k")
    title = fig.suptitle("")

    def update(i):
        l1.set_ydata(h["output_test"][i])
        l2.set_ydata(_spectrum(h["output_train"][i], n_keep) + 1e-5)
        title.set_text(f"step {int(snap[i])}")
        return l1, l2, title

    anim = FuncAnimation(fig, update, frames=frames, blit=False)
    tmp = path.with_suffix(".tmp.gif")
    anim.save(tmp, writer=PillowWriter(fps=6), dpi=70)
    plt.close(fig)
    atomic_write_bytes(path, tmp.read_bytes())
    tmp.unlink()
    return path
