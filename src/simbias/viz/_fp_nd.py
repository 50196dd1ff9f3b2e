"""Figures of the Frequency Principle beyond 1-D, drawn from a run directory's arrays alone.

* ``fprinciple-2d``: target, training pixels and output snapshots; radial-band error heat map
  and curves; loss.
* ``fprinciple-projection``: the target's spectrum along the direction with its peaks and the
  output's spectrum at a few snapshots; Δ heat map at the peaks; loss/accuracy.
* ``fprinciple-filtering``: e_low and e_high against step for every δ (with the low band's share
  of the target energy), the two-row heat maps of the authors' figure; loss/accuracy.
* ``parity``: |F| along the diagonal of the parity (all inputs), the training labels and the
  output; training and unseen-input accuracy over training.
* ``deep-fprinciple``: steps to the loss against depth; loss curves; LFR of the effective
  targets by layer (initial vs final) and over training.
* ``fprinciple-pso``: fits in real and Fourier space, the Δ_F heat map and curves, loss.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ._common import heatmap, plt, register_figures, save

__all__ = ["fprinciple_2d_figures", "projection_figures", "filtering_figures", "parity_figures",
           "deep_fprinciple_figures", "pso_figures"]


def _picks(n: int, k: int = 4) -> list[int]:
    if n <= k:
        return list(range(n))
    pos = np.unique(np.round(np.geomspace(1, n, k)).astype(int) - 1)
    pos[0], pos[-1] = 0, n - 1
    return sorted(set(pos.tolist()))


def _loss_figure(h, path: Path, *, title: str = "Training") -> Path:
    """Train loss per step; train accuracy (record steps) and unseen-input accuracy (snapshots) when recorded."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    loss = h["loss"]
    ax.loglog(np.arange(1, len(loss) + 1), loss, color="k", lw=1, label="train loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    lines, labels = ax.get_legend_handles_labels()
    acc = [(k, lab, col) for k, lab, col in (("train_accuracy", "train accuracy", "C0"),
                                             ("test_accuracy", "unseen-input accuracy", "C1")) if k in h]
    if acc:
        ax2 = ax.twinx()
        for key, lab, col in acc:
            steps = h["snapshot_steps"] if key == "test_accuracy" else h.steps
            ax2.semilogx(np.maximum(steps, 1), h[key], color=col, lw=1.2, label=lab)
        ax2.set_ylim(0, 1.02)
        ax2.set_ylabel("accuracy")
        l2, lab2 = ax2.get_legend_handles_labels()
        lines, labels = lines + l2, labels + lab2
    ax.legend(lines, labels, frameon=False, fontsize=8, loc="center left")
    ax.set_title(title)
    return save(fig, path)


def _curves(ax, steps, errs, labels, thr, ylabel):
    steps = np.maximum(np.asarray(steps), 1)
    for j, lab in enumerate(labels):
        ax.loglog(steps, errs[:, j], label=lab, color=plt.cm.viridis(j / max(1, len(labels) - 1)))
    if thr is not None:
        ax.axhline(thr, color="0.5", ls="--", lw=1, label=f"threshold {thr:g}")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=7, ncol=2)


@register_figures("fprinciple-2d")
def fprinciple_2d_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h, spec = run["history"], run["spec"]
    thr = float(spec.get("record", {}).get("threshold", 0.2))
    out: list[Path] = []
    hh, ww = (int(v) for v in h["image_shape"])
    mask = h["train_mask"].astype(bool).reshape(hh, ww)
    target = h["y_test"][:, 0].reshape(hh, ww)
    snap = h["snapshot_steps"]
    picks = _picks(len(snap), 4)
    vmin, vmax = float(target.min()), float(target.max())
    n = 2 + len(picks)
    fig, axes = plt.subplots(1, n, figsize=(2.6 * n, 2.9), squeeze=False)
    axes[0, 0].imshow(target, cmap="gray", vmin=vmin, vmax=vmax)
    axes[0, 0].set_title("target")
    axes[0, 1].imshow(np.where(mask, target, np.nan), cmap="gray", vmin=vmin, vmax=vmax)
    axes[0, 1].set_title("training pixels")
    for ax, i in zip(axes[0, 2:], picks):
        ax.imshow(h["output_test"][i].reshape(hh, ww), cmap="gray", vmin=vmin, vmax=vmax)
        ax.set_title(f"step {int(snap[i])}")
    for ax in axes[0]:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Network output on the whole image during training")
    out.append(save(fig, figdir / "image_snapshots.png"))

    freqs = h["band_frequencies"]
    labels = [f"{f:.2f}" for f in freqs]
    fig, ax = plt.subplots(figsize=(6.5, 2.6 + 0.25 * len(freqs)))
    mesh = heatmap(ax, h.steps, h["band_error"], labels, title="relative error per radial DFT band (training grid)")
    ax.set_ylabel("band centre (cycles/sample)")
    fig.colorbar(mesh, ax=ax, label="relative error")
    out.append(save(fig, figdir / "band_error_heatmap.png"))

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    _curves(axes[0], h.steps, h["band_error"], labels, thr, "band error (training grid)")
    axes[0].set_title("training pixels")
    if "test_band_error" in h:
        _curves(axes[1], snap, h["test_band_error"], [f"{f:.2f}" for f in h["test_band_frequencies"]], thr,
                "band error (whole image)")
        axes[1].set_title("whole image (incl. held-out columns)")
    out.append(save(fig, figdir / "band_error_curves.png"))

    fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
    for ax, img, title in ((axes[0], target, "|DFT| target"), (axes[1], h["output_test"][-1].reshape(hh, ww),
                                                               f"|DFT| output, step {int(snap[-1])}")):
        spec2 = np.fft.fftshift(np.abs(np.fft.fft2(img)))
        ax.imshow(np.log10(spec2 + 1e-3), cmap="magma")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    out.append(save(fig, figdir / "spectrum_2d.png"))
    out.append(_loss_figure(h, figdir / "loss.png"))
    return out


@register_figures("fprinciple-projection")
def projection_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h, spec = run["history"], run["spec"]
    thr = float(spec.get("record", {}).get("threshold", 0.1))
    out: list[Path] = []
    k = h["projection_k"]
    tgt = h["projection_target_spectrum"]
    peaks = h["projection_peaks"].astype(int)
    freqs = h["projection_frequencies"]
    snap = h["snapshot_steps"]
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    ax.semilogy(k, tgt + 1e-6, color="k", lw=1.5, label="target")
    ax.plot(k[peaks], tgt[peaks] + 1e-6, "o", mfc="none", color="C0", ms=8, label="peaks")
    if "projection_spectrum" in h:
        for j, i in enumerate(_picks(len(snap), 4)):
            ax.semilogy(k, h["projection_spectrum"][i] + 1e-6, lw=1, color=plt.cm.Reds(0.35 + 0.65 * j / 3),
                        label=f"output, step {int(snap[i])}")
    ax.set_xlabel("k (cycles per unit of p·x)")
    ax.set_ylabel("|ŷ_p(k)|")
    ax.legend(frameon=False, fontsize=7)
    ax.set_title("Spectrum along the projection direction")
    out.append(save(fig, figdir / "projection_spectrum.png"))

    fig, ax = plt.subplots(figsize=(6.5, 2.6 + 0.3 * len(freqs)))
    mesh = heatmap(ax, h.steps, h["projection_error"], [f"{f:.3g}" for f in freqs],
                   title="Δ at the projected peaks")
    ax.set_ylabel("k")
    fig.colorbar(mesh, ax=ax, label="relative error")
    out.append(save(fig, figdir / "projection_error_heatmap.png"))

    fig, ax = plt.subplots(figsize=(6, 3.5))
    _curves(ax, h.steps, h["projection_error"], [f"k ≈ {f:.3g}" for f in freqs], thr, "Δ(k)")
    ax.set_title("Relative error at the projected peaks")
    out.append(save(fig, figdir / "projection_error_curves.png"))
    out.append(_loss_figure(h, figdir / "loss.png"))
    return out


@register_figures("fprinciple-filtering")
def filtering_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h = run["history"]
    out: list[Path] = []
    deltas, share = h["filter_deltas"], h["low_energy_share"]
    lo, hi = h["e_low"], h["e_high"]
    snap = h["snapshot_steps"]
    nd = len(deltas)
    fig, axes = plt.subplots(1, nd, figsize=(3.6 * nd, 3.2), squeeze=False, sharey=True)
    for j, ax in enumerate(axes[0]):
        ax.plot(snap, lo[:, j], color="C3", lw=1.5, label="e_low")
        ax.plot(snap, hi[:, j], color="C0", lw=1.5, label="e_high")
        ax.set_title(f"δ = {deltas[j]:.3g} (low band: {100 * share[j]:.0f} % of energy)", fontsize=9)
        ax.set_xlabel("step")
    axes[0, 0].set_ylabel("relative error")
    axes[0, 0].legend(frameon=False, fontsize=8)
    fig.suptitle("Filtering method: low- and high-frequency parts of the error")
    out.append(save(fig, figdir / "filter_errors.png"))

    fig, axes = plt.subplots(nd, 1, figsize=(6.5, 1.5 * nd + 1.0), squeeze=False)
    fig.subplots_adjust(hspace=0.45)
    mesh = None
    for j, ax in enumerate(axes[:, 0]):
        mesh = heatmap(ax, snap, np.stack([lo[:, j], hi[:, j]], axis=1), ["low", "high"],
                       title=f"δ = {deltas[j]:.3g} (low band: {100 * share[j]:.0f} % of energy)")
        ax.title.set_fontsize(9)
        ax.set_ylabel("")
        if j < nd - 1:
            ax.set_xlabel("")
            ax.set_xticklabels([])
    fig.colorbar(mesh, ax=axes[:, 0].tolist(), label="relative error")
    out.append(save(fig, figdir / "filter_heatmap.png"))
    out.append(_loss_figure(h, figdir / "loss.png"))
    return out


@register_figures("parity")
def parity_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h = run["history"]
    out: list[Path] = []
    kappa = h["kappa"]
    d = int(run["spec"].get("problem", {}).get("n_bits", 10))
    x = kappa * math.sqrt(d) / (2 * math.pi)
    snap = h["snapshot_steps"]
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.plot(x, h["target_spectrum"], color="k", lw=2, label="parity, all inputs")
    ax.plot(x, h["train_target_spectrum"], color="0.5", lw=1, ls="--", label="parity, training inputs")
    for j, i in enumerate(_picks(len(snap), 3)):
        ax.plot(x, h["diagonal_spectrum"][i], lw=1.3, color=plt.cm.Reds(0.4 + 0.6 * j / 2),
                label=f"network, step {int(snap[i])}")
    ax.set_xlabel("κ√n / (2π)")
    ax.set_ylabel("|F(κ)| along the diagonal")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(f"{d}-bit parity is high-frequency")
    out.append(save(fig, figdir / "diagonal_spectrum.png"))
    out.append(_loss_figure(h, figdir / "accuracy.png", title="Loss and accuracy"))
    return out


@register_figures("deep-fprinciple")
def deep_fprinciple_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h = run["history"]
    summ = run.get("summary", {})
    out: list[Path] = []
    depths = np.asarray(h["depths"])
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for key, lab, col in (("steps_to_loss_all", "target", "C3"), ("steps_to_loss_reference_all", "reference", "C0")):
        if key not in h:
            continue
        allv = np.asarray(h[key], dtype=float)
        allv[allv < 0] = np.nan  # never reached the loss
        for j, dd in enumerate(depths):
            ax.plot(np.full(allv.shape[1], dd), allv[j], ".", color=col, alpha=0.4)
        med = np.array([np.median(row[np.isfinite(row)]) if np.isfinite(row).any() else np.nan for row in allv])
        ax.plot(depths, med, "o-", color=col, label=f"{lab} (median of the runs that reached it)")
    ax.set_yscale("log")
    ax.set_xticks(depths)
    ax.set_xlabel("hidden layers (equal width)")
    ax.set_ylabel(f"steps to train MSE ≤ {summ.get('target_loss', '?')}")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Steps to a fixed training loss against depth")
    out.append(save(fig, figdir / "steps_to_loss.png"))

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for j, dd in enumerate(depths):
        key = f"loss_target_depth{dd}"
        if key in h:
            ax.loglog(np.arange(1, len(h[key]) + 1), h[key], color=plt.cm.viridis(j / max(1, len(depths) - 1)),
                      lw=1, label=f"depth {dd}")
    ax.set_xlabel("step")
    ax.set_ylabel("train MSE")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Loss curves (first initialisation)")
    out.append(save(fig, figdir / "loss_curves.png"))

    if "effective_lfr" in h:
        lfr = h["effective_lfr"]  # (snapshots, layers, deltas)
        layers, deltas = h["lfr_layers"], h["lfr_deltas"]
        snap = h["snapshot_steps"]
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
        for j, dl in enumerate(deltas):
            col = plt.cm.plasma(j / max(1, len(deltas) - 1) * 0.85)
            axes[0].plot(layers, lfr[0, :, j], "o--", color=col, lw=1, mfc="none")
            axes[0].plot(layers, lfr[-1, :, j], "o-", color=col, lw=1.5, label=f"δ = {dl:g}")
        axes[0].set_xlabel("layer l (0 = input)")
        axes[0].set_ylabel("LFR(δ) of the effective target")
        axes[0].set_xticks(layers)
        axes[0].legend(frameon=False, fontsize=8, title="dashed: initial, solid: final", title_fontsize=7)
        jm = len(deltas) // 2
        for i, lay in enumerate(layers):
            axes[1].plot(snap, lfr[:, i, jm], color=plt.cm.viridis(i / max(1, len(layers) - 1)), label=f"layer {lay}")
        axes[1].set_xlabel("step")
        axes[1].set_ylabel(f"LFR(δ = {deltas[jm]:g})")
        axes[1].legend(frameon=False, fontsize=8)
        fig.suptitle("Low-frequency ratio of the effective target of each layer (deepest net)")
        out.append(save(fig, figdir / "effective_lfr.png"))
    return out


@register_figures("fprinciple-pso")
def pso_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    """Fits in real and Fourier space, the Δ_F heat map and curves, and the loss (no animation:
    gradient-free runs are long and their snapshots many)."""
    h, spec = run["history"], run["spec"]
    thr = float(spec.get("record", {}).get("threshold", 0.1))
    opt = spec.get("train", {}).get("optimizer", "pso")
    out: list[Path] = []
    snap = h["snapshot_steps"]
    x_tr, y_tr = h["x_train"][:, 0], h["y_train"][:, 0]
    x_te, y_te = h["x_test"][:, 0], h["y_test"][:, 0]
    picks = _picks(len(snap), 4)
    fig, axes = plt.subplots(2, len(picks), figsize=(3.2 * len(picks), 5.6), squeeze=False)
    n_keep = min(40, len(y_tr) // 2)
    ft = np.abs(np.fft.fft(y_tr))[:n_keep] / len(y_tr)
    for j, i in enumerate(picks):
        ax = axes[0, j]
        ax.plot(x_te, y_te, color="0.6", lw=1)
        ax.plot(x_tr, y_tr, ".", color="k", ms=2)
        ax.plot(x_te, h["output_test"][i], color="C3", lw=1.5)
        ax.set_title(f"step {int(snap[i])}")
        ax = axes[1, j]
        ax.semilogy(ft + 1e-5, color="k", lw=1, label="target")
        ax.semilogy(np.abs(np.fft.fft(h["output_train"][i]))[:n_keep] / len(y_tr) + 1e-5, color="C3", lw=1,
                    label="network")
        ax.plot(h["peaks"], ft[h["peaks"]] + 1e-5, "o", mfc="none", color="C0")
        ax.set_xlabel("DFT index k")
    axes[1, 0].legend(frameon=False, fontsize=7)
    fig.suptitle(f"Training by {opt}: fit in real and Fourier space")
    out.append(save(fig, figdir / "fit_snapshots.png"))

    labels = [f"{f:.3g}" for f in h["peak_frequencies"]]
    fig, ax = plt.subplots(figsize=(6, 2.6 + 0.25 * len(labels)))
    mesh = heatmap(ax, h.steps, h["peak_error"], labels, title=f"Δ_F at the target's peaks ({opt})")
    fig.colorbar(mesh, ax=ax, label="Δ_F (relative error)")
    out.append(save(fig, figdir / "peak_error_heatmap.png"))

    fig, ax = plt.subplots(figsize=(6, 3.5))
    _curves(ax, h.steps, h["peak_error"], [f"ω ≈ {lab}" for lab in labels], thr, "Δ_F")
    ax.set_title(f"Per-frequency relative error ({opt})")
    out.append(save(fig, figdir / "peak_error_curves.png"))
    out.append(_loss_figure(h, figdir / "loss.png", title=f"Training loss ({opt})"))
    return out
