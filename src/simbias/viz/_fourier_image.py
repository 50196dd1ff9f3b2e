"""Figures of ``fourier-image`` (Tancik et al. 2020), drawn from a run directory's arrays alone.

* ``reconstruction.png`` — the image, the training pixels, the network's reconstruction and
  the absolute error;
* ``psnr.png`` — PSNR on the training subgrid (record steps) and on the held-out pixels
  (snapshots) over training, with the published test PSNR of the encoding for reference;
* ``band_error.png`` — relative error per radial DFT band of the whole-image output: heat map
  (rows = bands, low at the bottom) and curves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ._common import heatmap, plt, register_figures, save

__all__ = ["fourier_image_figures", "reconstruction_figure", "psnr_figure", "band_error_figure"]


def _show(img: np.ndarray):
    img = np.clip(np.asarray(img, dtype=np.float64), 0, 1)
    return (img[..., 0], "gray") if img.shape[-1] == 1 else (img, None)


def reconstruction_figure(h, path: Path, title: str = "") -> Path:
    """Truth, training pixels, reconstruction and |error| side by side."""
    target, out = np.asarray(h["target_image"]), np.asarray(h["output_image"])
    hh, ww = target.shape[:2]
    mask = np.asarray(h["train_mask"]).astype(bool).reshape(hh, ww)
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
    img, cmap = _show(target)
    axes[0].imshow(img, cmap=cmap, vmin=0, vmax=1)
    axes[0].set_title("image")
    sub = target[::2, ::2]
    img, cmap = _show(sub)
    axes[1].imshow(img, cmap=cmap, vmin=0, vmax=1)
    axes[1].set_title(f"training pixels ({int(mask.sum())})")
    img, cmap = _show(out)
    axes[2].imshow(img, cmap=cmap, vmin=0, vmax=1)
    axes[2].set_title("reconstruction")
    err = np.abs(out - target).mean(-1)
    im = axes[3].imshow(err, cmap="magma", vmin=0, vmax=max(float(err.max()), 1e-6))
    axes[3].set_title("|error| (mean over channels)")
    fig.colorbar(im, ax=axes[3], fraction=0.046)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return save(fig, path)


def psnr_figure(h, path: Path, published: float | None = None, title: str = "") -> Path:
    """PSNR (dB) on the training subgrid and on the held-out pixels against the step."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(h.steps, h["psnr_train_curve"], lw=1.2, label="train (subgrid)")
    ax.plot(h["snapshot_steps"], h["psnr_test_curve"], "o-", ms=3, lw=1.2, label="test (held-out pixels)")
    if published is not None:
        ax.axhline(published, color="k", ls=":", lw=1, label=f"published test mean {published:.2f} dB")
    ax.set_xlabel("step")
    ax.set_ylabel("PSNR (dB)")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(title or "PSNR = −10·log10(2·MSE), MSE = 0.5·mean squared error")
    return save(fig, path)


def band_error_figure(h, path: Path) -> Path:
    """Band-error heat map (bands × snapshots) and curves."""
    steps, err = np.asarray(h["snapshot_steps"]), np.asarray(h["band_error"])
    labels = [f"{f:.2f}" for f in h["band_frequencies"]]
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    mesh = heatmap(axes[0], steps, err, labels, title="relative error per radial DFT band (whole image)",
                   vmin=0.0, vmax=1.0)
    axes[0].set_ylabel("band centre (cycles/pixel)")
    fig.colorbar(mesh, ax=axes[0], label="relative error")
    cols = plt.cm.viridis(np.linspace(0, 1, err.shape[1]))
    for j in range(err.shape[1]):
        axes[1].plot(steps, err[:, j], color=cols[j], lw=1.2, label=labels[j])
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("relative band error")
    axes[1].legend(frameon=False, fontsize=7, title="band centre", title_fontsize=7, ncol=2)
    return save(fig, path)


@register_figures("fourier-image")
def fourier_image_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    from ..problems import PUBLISHED_PSNR

    h, spec = run["history"], run["spec"]
    model, problem = spec.get("model", {}), spec.get("problem", {})
    enc = str(model.get("encoding", ""))
    row = "text" if problem.get("image") == "text" and not problem.get("path") else "natural"
    title = f"encoding {enc}" + (f", σ = {model.get('sigma')}" if enc in ("gaussian", "positional") else "")
    summ = run.get("summary") or {}
    if "psnr_test" in summ:
        title += f": PSNR train {summ['psnr_train']:.2f} dB, test {summ['psnr_test']:.2f} dB"
    return [reconstruction_figure(h, figdir / "reconstruction.png", title),
            psnr_figure(h, figdir / "psnr.png", PUBLISHED_PSNR[row].get(enc), title),
            band_error_figure(h, figdir / "band_error.png")]
