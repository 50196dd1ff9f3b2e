"""Figures of ``monitor`` and ``analyze`` run directories (registered with :mod:`simbias.viz`).

Drawn from the history alone: the loss, a heat map per per-peak error array (Δ_F, projection
error, band errors: rows = frequencies, colour = relative error), e_low/e_high curves, scalar
probes over steps, and the output's spectrum against the target's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..viz import heatmap, register_figures
from ..viz._common import plt, save

__all__: list[str] = []

_HEAT = {"peak_error": "peak_frequencies", "projection_error": "projection_frequencies",
         "band_error": "band_frequencies", "test_band_error": "test_band_frequencies"}


@register_figures("monitor")
def monitor_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h = run["history"]
    out: list[Path] = []
    steps = np.asarray(h.steps)
    snap = np.asarray(h.static.get("snapshot_steps", steps))
    if "loss" in h.static and "loss_steps" in h.static:
        fig, ax = plt.subplots(figsize=(5, 3.4))
        ax.semilogy(h.static["loss_steps"], np.abs(h.static["loss"]))
        ax.set_xlabel("step"), ax.set_ylabel("loss"), ax.set_title("training loss (as reported)")
        out.append(save(fig, figdir / "loss.png"))
    for name, coord in _HEAT.items():
        if name in h.arrays and np.ndim(h.arrays[name]) == 2 and len(h.arrays[name]) >= 2:
            freqs = np.ravel(h.static.get(coord, np.arange(h.arrays[name].shape[1])))
            fig, ax = plt.subplots(figsize=(6, 3.2))
            mesh = heatmap(ax, steps, h.arrays[name], [f"{f:.3g}" for f in freqs], title=f"{name} at the target's peaks")
            fig.colorbar(mesh, ax=ax)
            out.append(save(fig, figdir / f"{name}.png"))
    if "e_low" in h.arrays and "e_high" in h.arrays:
        fig, ax = plt.subplots(figsize=(5, 3.4))
        deltas = np.ravel(h.static.get("filter_deltas", np.arange(h.arrays["e_low"].shape[1])))
        for i, d in enumerate(deltas):
            line, = ax.plot(snap, h.arrays["e_low"][:, i], label=f"e_low δ={d:.3g}")
            ax.plot(snap, h.arrays["e_high"][:, i], "--", color=line.get_color(), label=f"e_high δ={d:.3g}")
        ax.set_xlabel("step"), ax.set_ylabel("relative error"), ax.set_ylim(bottom=0)
        ax.set_title("filtering method: low part learned first"), ax.legend(fontsize=7)
        out.append(save(fig, figdir / "filtering.png"))
    if "projection_spectrum" in h.arrays and "projection_k" in h.static:
        fig, ax = plt.subplots(figsize=(5, 3.4))
        k = h.static["projection_k"]
        ax.plot(k, h.static["projection_target_spectrum"], "k", lw=2, label="target")
        spec = h.arrays["projection_spectrum"]
        for i in np.unique(np.linspace(0, len(spec) - 1, min(4, len(spec))).astype(int)):
            ax.plot(k, spec[i], label=f"output, step {int(snap[i])}")
        ax.set_xlabel("k (along PC1)"), ax.set_ylabel("|DFT|"), ax.legend(fontsize=7)
        ax.set_title("spectrum along the first principal component")
        out.append(save(fig, figdir / "projection_spectrum.png"))
    scalars = [k for k, v in h.arrays.items() if np.ndim(v) == 1 and k != "loss"]
    if scalars:
        fig, ax = plt.subplots(figsize=(5, 3.4))
        for k in scalars:
            st = steps if len(h.arrays[k]) == len(steps) else snap
            ax.plot(st, h.arrays[k], label=k)
        ax.set_xlabel("step"), ax.legend(fontsize=7), ax.set_title("recorded scalars")
        out.append(save(fig, figdir / "scalars.png"))
    return out


@register_figures("analyze")
def analyze_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    return monitor_figures(run, figdir)
