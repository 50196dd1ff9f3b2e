"""Figures of ``spectral-bias`` (Rahaman et al. 2019, fig. 1), drawn from a run directory's arrays alone.

* ``spectrum_heatmap.png`` — the normalised spectrum 2|λ̂(k)|/A_k of the output at each target
  frequency (rows, low k at the bottom) against the step, median over the repeats, colour scale
  [0, 1] (their figure 1);
* ``spectrum_curves.png`` — the same per k as curves, with the 90 % line and the median step
  at which each k reaches it;
* ``loss.png`` — training loss of every repeat.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ._common import plt, register_figures, save

__all__ = ["spectral_bias_figures", "spectrum_heatmap"]


def _median_spectrum(h) -> np.ndarray:
    s = np.asarray(h["spectrum"], dtype=np.float64)
    return np.nanmedian(s, axis=0) if s.ndim == 3 else s  # (records, K)


def spectrum_heatmap(ax, steps, spectrum, frequencies, *, title="normalised spectrum 2|λ̂(k)|/A_k"):
    """Rows = frequencies k (low at the bottom), columns = recorded steps, colour in [0, 1]."""
    steps = np.asarray(steps)
    mesh = ax.pcolormesh(steps, np.arange(len(frequencies) + 1), np.asarray(spectrum).T[:, :-1] if len(steps) > 1
                         else np.asarray(spectrum).T, cmap="inferno", vmin=0.0, vmax=1.0, shading="flat",
                         rasterized=True)
    ax.set_yticks(np.arange(len(frequencies)) + 0.5)
    ax.set_yticklabels([str(int(k)) for k in frequencies])
    ax.set_xlabel("step")
    ax.set_ylabel("frequency k")
    ax.set_title(title)
    return mesh


@register_figures("spectral-bias")
def spectral_bias_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h, summ = run["history"], run.get("summary") or {}
    steps = np.asarray(h.steps)
    spec = _median_spectrum(h)
    ks = np.asarray(h["frequencies"])
    amp = str((run.get("spec") or {}).get("problem", {}).get("amplitudes", ""))
    n_rep = np.asarray(h["spectrum"]).shape[0] if np.asarray(h["spectrum"]).ndim == 3 else 1
    out = []
    fig, ax = plt.subplots(figsize=(7, 3.8))
    mesh = spectrum_heatmap(ax, steps, spec, ks,
                            title=f"2|λ̂(k)|/A_k, median of {n_rep} repeats ({amp} amplitudes)")
    fig.colorbar(mesh, ax=ax, label="normalised amplitude")
    out.append(save(fig, figdir / "spectrum_heatmap.png"))

    fig, ax = plt.subplots(figsize=(7, 3.8))
    cols = plt.cm.viridis(np.linspace(0, 1, len(ks)))
    reach = summ.get("step_to_90") or [None] * len(ks)
    for j, k in enumerate(ks):
        lab = f"k = {int(k)}" + (f" (90 % at {reach[j]})" if j < len(reach) and reach[j] is not None else "")
        ax.plot(steps, spec[:, j], color=cols[j], lw=1.2, label=lab)
    ax.axhline(float(summ.get("threshold", 0.9)), color="k", ls=":", lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel("2|λ̂(k)|/A_k (median)")
    ax.legend(frameon=False, fontsize=7, ncol=2)
    out.append(save(fig, figdir / "spectrum_curves.png"))

    fig, ax = plt.subplots(figsize=(6, 3.5))
    loss = np.atleast_2d(np.asarray(h["loss"], dtype=np.float64))
    for r in loss:
        ax.loglog(np.arange(1, len(r) + 1), r, lw=0.8, alpha=0.7)
    ax.set_xlabel("step")
    ax.set_ylabel("train loss (each repeat)")
    out.append(save(fig, figdir / "loss.png"))
    return out
