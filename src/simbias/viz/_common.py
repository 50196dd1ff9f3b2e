"""Shared plotting helpers: the figure registry by experiment kind, saving, and the house style."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["FIGURES", "register_figures", "save", "plt", "heatmap"]

# kind → fn(run: dict, figdir: Path) -> list of written paths
FIGURES: dict[str, Callable[[dict[str, Any], Path], list[Path]]] = {}


def register_figures(kind: str):
    def deco(fn):
        FIGURES[kind] = fn
        return fn

    return deco


def save(fig, path: Path) -> Path:
    """Save ``fig`` atomically as PNG and close it."""
    from ..io import atomic_write_bytes
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path


def heatmap(ax, steps, errors, labels, *, title="Δ_F at the target's peaks", vmin=0.1, vmax=1.0):
    """The F-Principle heat map: rows = peaks (low frequency at the bottom), columns = recorded steps.

    Colour scale [0.1, 1], blue = converged, red = not yet.
    """
    import numpy as np

    steps = np.asarray(steps)
    errs = np.asarray(errors).T  # peaks × steps
    mesh = ax.pcolormesh(np.arange(len(steps) + 1), np.arange(errs.shape[0] + 1), errs, cmap="RdBu_r",
                         vmin=vmin, vmax=vmax, shading="flat", rasterized=True)
    ax.set_yticks(np.arange(errs.shape[0]) + 0.5)
    ax.set_yticklabels(labels)
    ticks = np.linspace(0, len(steps) - 1, min(6, len(steps))).astype(int)
    ax.set_xticks(ticks + 0.5)
    ax.set_xticklabels([str(int(steps[t])) for t in ticks])
    ax.set_xlabel("step")
    ax.set_ylabel("frequency")
    ax.set_title(title)
    return mesh
