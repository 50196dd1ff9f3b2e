"""Figures of the two-layer experiments: condensation (fit, neuron features before/after, ordered
cosine-similarity maps), initial condensation, the phase diagram (RD against width, the sign map
with the theoretical boundary) and the LFP comparison.  Drawn from run and sweep directories alone.

Features are recomputed from the recorded parameter snapshots (``param_w``, ``param_b``,
``param_a``) with :mod:`simbias.condensation`; nothing here trains.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import condensation as cond
from ..theory import phase_regime
from ._common import plt, register_figures, save
from ._sweep import register_sweep_figures

__all__ = ["condensation_figures", "initial_condensation_figures", "phase_figures", "lfp_figures",
           "condensation_sweep_figures", "phase_sweep_figures"]


def _t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a), dtype=torch.float64)


def _params(h, i: int):
    b = _t(h["param_b"][i]) if "param_b" in h else None
    return _t(h["param_w"][i]), b, _t(h["param_a"][i])


def _features(h, i: int):
    w, b, a = _params(h, i)
    return cond.neuron_features(w, b, a)


def _feature_scatter(ax, h, *, title: str | None = None) -> None:
    f0, f1 = _features(h, 0), _features(h, -1)
    for f, color, label in ((f0, "c", "initial"), (f1, "r", "final")):
        amp = f.amplitude.numpy()
        ax.scatter(f.orientation.numpy(), np.maximum(amp, 1e-300), s=6, c=color, alpha=0.7, lw=0, label=label)
    amps = np.concatenate([f0.amplitude.numpy(), f1.amplitude.numpy()])
    pos = amps[amps > 0]
    if pos.size and pos.max() / max(pos.min(), 1e-300) > 1e3:
        ax.set_yscale("log")
        ax.set_ylim(max(pos.min(), pos.max() * 1e-8), pos.max() * 3)
    if f1.is_angle:
        ax.set_xlim(-math.pi, math.pi)
        ax.set_xlabel("orientation θ = atan2(b, w) (rad)")
    else:
        ax.set_xlabel("û·p (p = 1/√(d+1)·(1, …, 1))")
    ax.set_ylabel("amplitude |a|·‖(w, b)‖")
    ax.legend(fontsize=7, frameon=False, markerscale=2)
    if title:
        ax.set_title(title, fontsize=9)


def _cos_map(ax, h, i: int = -1, *, title: str | None = None):
    w, b, _ = _params(h, i)
    D, _ = cond.cosine_similarity_matrix(w, b, order=True)
    # imshow (one image) rather than pcolormesh (m² patches): 1000 neurons draw in milliseconds
    mesh = ax.imshow(D.numpy(), vmin=-1, vmax=1, cmap="YlGnBu", interpolation="nearest", aspect="equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return mesh


def _fit_panel(ax, h, *, title: str | None = None) -> None:
    xt, yt = h["x_test"][:, 0], h["y_test"][:, 0]
    xtr, ytr = h["x_train"][:, 0], h["y_train"][:, 0]
    out = h["output_test"]
    ax.plot(xt, yt, color="0.7", lw=1, label="reference")
    ax.plot(xt, np.interp(xt, xtr, ytr), color="0.4", lw=0.8, ls="--", label="linear interpolant")
    ax.plot(xt, out[0], color="c", lw=1, label="initial")
    ax.plot(xt, out[-1], color="r", lw=1.5, label="final")
    ax.plot(xtr, ytr, "o", color="k", ms=4, label="data")
    lo, hi = float(min(ytr.min(), yt.min())), float(max(ytr.max(), yt.max()))
    pad = 0.3 * (hi - lo) + 1e-3
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("x")
    ax.legend(fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9)


def _loss_panel(ax, h) -> None:
    loss = np.asarray(h["loss"])
    if loss.size:
        ax.loglog(np.arange(1, loss.size + 1), np.maximum(loss, 1e-300), color="k", lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel("train MSE")
    ax.set_title("loss", fontsize=9)


def _regime_title(summary: dict, spec: dict) -> str:
    t = spec.get("model", {}).get("init_t")
    parts = [f"init_t = {t:g}" if t is not None else ""]
    if "gamma" in summary:
        parts.append(f"(γ, γ′) = ({summary['gamma']:.3g}, {summary['gamma_prime']:.3g}) {summary.get('regime', '')}")
    if "rd" in summary:
        parts.append(f"RD = {summary['rd']:.3g}")
    return ", ".join(p for p in parts if p)


@register_figures("condensation-1d")
def condensation_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h, s, spec = run["history"], run["summary"], run["spec"]
    out: list[Path] = []
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    _fit_panel(ax, h, title=_regime_title(s, spec))
    out.append(save(fig, figdir / "fit.png"))

    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    _feature_scatter(ax, h, title=f"neuron features: {s.get('n_orientations', '?')} orientation(s) carry "
                                  f"{100 * s.get('amplitude_share', float('nan')):.1f} % of Σ A")
    out.append(save(fig, figdir / "features.png"))

    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    _cos_map(axes[0], h, 0, title="initial")
    mesh = _cos_map(axes[1], h, -1, title=f"step {int(h['snapshot_steps'][-1])}")
    fig.colorbar(mesh, ax=list(axes), shrink=0.8, label="cos(û_k, û_l)")
    fig.suptitle("cosine similarity of (w_k, b_k), ordered by the leading eigenvector")
    out.append(save(fig, figdir / "cosine_similarity.png"))

    fig, ax = plt.subplots(figsize=(5, 3.2))
    _loss_panel(ax, h)
    out.append(save(fig, figdir / "loss.png"))
    return out


def _snapshot_picks(n: int, k: int = 5) -> list[int]:
    if n <= k:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, k).round().astype(int).tolist()))


@register_figures("condensation-initial")
def initial_condensation_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h, s, spec = run["history"], run["summary"], run["spec"]
    out: list[Path] = []
    snaps = np.asarray(h["snapshot_steps"])
    picks = _snapshot_picks(len(snaps))
    fig, axes = plt.subplots(1, len(picks), figsize=(3.0 * len(picks), 3.3), squeeze=False)
    mesh = None
    for ax, i in zip(axes[0], picks):
        mesh = _cos_map(ax, h, i, title=f"step {int(snaps[i])}")
    if mesh is not None:
        fig.colorbar(mesh, ax=list(axes[0]), shrink=0.8)
    p = s.get("multiplicity")
    act = spec.get("model", {}).get("activation", "?")
    fig.suptitle(f"{act} (multiplicity p = {p}): {s.get('n_orientations', '?')} orientation(s) at the end"
                 + (f", claim ≤ 2p = {2 * p}" if p else ""), fontsize=10)
    out.append(save(fig, figdir / "cosine_similarity.png"))

    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    _feature_scatter(ax, h, title="neuron features (projection on the all-ones direction)")
    out.append(save(fig, figdir / "features.png"))

    fig, ax = plt.subplots(figsize=(5, 3.2))
    _loss_panel(ax, h)
    out.append(save(fig, figdir / "loss.png"))
    return out


# --------------------------------------------------------------------------------------------
# phase diagram
# --------------------------------------------------------------------------------------------

def _boundary(ax) -> None:
    """The theoretical boundary γ = 1 for γ′ ≤ 0 and γ′ = γ − 1 for γ′ ≥ 0 (arXiv 2007.07497),
    drawn across the axes' current limits."""
    (g_lo, g_hi), (gp_lo, gp_hi) = ax.get_xlim(), ax.get_ylim()
    ax.plot([1.0, 1.0], [min(gp_lo, 0.0), 0.0], color="k", lw=1.5)
    g_end = max(1.0, min(g_hi, gp_hi + 1.0))
    ax.plot([1.0, g_end], [0.0, g_end - 1.0], color="k", lw=1.5, label="theory: boundary")
    ax.set_xlim(g_lo, g_hi)
    ax.set_ylim(gp_lo, gp_hi)


def phase_rd_panel(ax, widths, rd_by_point: dict, slopes: dict) -> None:
    """RD against width on log-log axes, one line (fit) per (γ, γ′)."""
    for ci, (key, rds) in enumerate(sorted(rd_by_point.items())):
        rds = np.asarray(rds, dtype=float)
        color = f"C{ci % 10}"
        ws = np.asarray(widths, dtype=float)
        if rds.ndim == 2:  # seeds × widths
            for r in rds:
                ax.plot(ws, r, "o", color=color, ms=3, alpha=0.5)
            mean = np.exp(np.nanmean(np.log(rds), axis=0))
        else:
            mean = rds
            ax.plot(ws, mean, "o", color=color, ms=4)
        slope = slopes.get(key)
        if slope is not None and np.all(np.isfinite(mean)) and np.all(mean > 0):
            c = np.mean(np.log(mean)) - slope * np.mean(np.log(ws))
            ax.plot(ws, np.exp(c) * ws ** slope, "-", color=color, lw=1.2,
                    label=f"γ = {key[0]:g}, γ′ = {key[1]:g}: S_w = {slope:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width m")
    ax.set_ylabel("RD(θ_w*)")
    ax.legend(fontsize=7, frameon=False)


def phase_map_panel(ax, slopes: list[dict]) -> None:
    """sign(S_w) over (γ, γ′) with the theoretical boundary."""
    g = np.array([s["gamma"] for s in slopes], dtype=float)
    gp = np.array([s["gamma_prime"] for s in slopes], dtype=float)
    sw = np.array([np.nan if s.get("slope") is None else s["slope"] for s in slopes], dtype=float)
    lim = max(0.1, float(np.nanmax(np.abs(sw)))) if np.isfinite(sw).any() else 1.0
    sc = ax.scatter(g, gp, c=sw, cmap="coolwarm", vmin=-lim, vmax=lim, s=90, edgecolors="k", linewidths=0.5)
    for gi, gpi, si in zip(g, gp, sw):
        if np.isfinite(si):
            ax.annotate("+" if si > 0 else "−", (gi, gpi), ha="center", va="center", fontsize=9)
    pad = 0.25
    ax.set_xlim(min(g.min(), 0.9) - pad, max(g.max(), 1.1) + pad)
    ax.set_ylim(min(gp.min(), -0.1) - pad, max(gp.max(), 0.1) + pad)
    _boundary(ax)
    ax.text(ax.get_xlim()[0] + 0.05, ax.get_ylim()[1] - 0.1, "linear (S_w < 0)", fontsize=8, va="top")
    ax.text(ax.get_xlim()[1] - 0.05, ax.get_ylim()[0] + 0.1, "condensed (S_w > 0)", fontsize=8, ha="right")
    ax.set_xlabel("γ")
    ax.set_ylabel("γ′")
    ax.legend(fontsize=7, frameon=False, loc="lower left")
    plt.colorbar(sc, ax=ax, label="S_w")


@register_figures("phase-diagram")
def phase_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h, s = run["history"], run["summary"]
    out: list[Path] = []
    widths = np.asarray(h["widths"])
    rd = np.asarray(h["rd"])  # (points, seeds, widths)
    pts = np.asarray(h["points"])  # (points, 2)
    rd_by = {(float(p[0]), float(p[1])): rd[i] for i, p in enumerate(pts)}
    slopes = {(float(x["gamma"]), float(x["gamma_prime"])): x["slope"] for x in s.get("slopes", [])}
    fig, ax = plt.subplots(figsize=(6, 4.2))
    phase_rd_panel(ax, widths, rd_by, slopes)
    ax.set_title("relative distance of the input weights at the end of training", fontsize=9)
    out.append(save(fig, figdir / "rd_vs_width.png"))
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    phase_map_panel(ax, s.get("slopes", []))
    ax.set_title("sign of S_w = d log RD / d log m", fontsize=9)
    out.append(save(fig, figdir / "phase_map.png"))
    if "final_loss" in h:
        fig, ax = plt.subplots(figsize=(5.5, 3.5))
        fl = np.asarray(h["final_loss"])
        for i, p in enumerate(pts):
            ax.loglog(widths, np.nanmax(fl[i], axis=0), "o-", ms=3, label=f"γ = {p[0]:g}, γ′ = {p[1]:g}")
        ax.set_xlabel("width m")
        ax.set_ylabel("final train MSE (worst seed)")
        ax.legend(fontsize=7, frameon=False)
        out.append(save(fig, figdir / "final_loss.png"))
    return out


# --------------------------------------------------------------------------------------------
# LFP
# --------------------------------------------------------------------------------------------

@register_figures("lfp-1d")
def lfp_figures(run: dict[str, Any], figdir: Path) -> list[Path]:
    h, s = run["history"], run["summary"]
    out: list[Path] = []
    xg = np.asarray(h["lfp_grid"])
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(xg, h["lfp_cubic"], color="C0", lw=1, ls="--", label=f"natural cubic spline ({s.get('rel_error_vs_cubic', 0):.2%})")
    ax.plot(xg, h["lfp_linear"], color="C2", lw=1, ls=":", label=f"linear interpolant ({s.get('rel_error_vs_linear', 0):.2%})")
    ax.plot(xg, h["lfp_prediction"], color="C1", lw=1.5, label=f"LFP / FP-norm prediction ({s.get('rel_error_vs_lfp', 0):.2%})")
    ax.plot(xg, h["lfp_network"], color="r", lw=1.2, alpha=0.8, label="trained network")
    ax.plot(h["x_train"][:, 0], h["y_train"][:, 0], "o", color="k", ms=5, label="data")
    ax.set_xlabel("x")
    ax.set_title("wide two-layer ReLU net in the linear regime (relative L2 distance to the net)", fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    out.append(save(fig, figdir / "lfp_fit.png"))
    if "lfp_xi" in h:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.loglog(h["lfp_xi"], h["lfp_gamma2"], color="k", lw=1.2, label="γ(ξ)² from the initial parameters")
        xi = np.asarray(h["lfp_xi"])
        g2 = np.asarray(h["lfp_gamma2"])
        ax.loglog(xi, g2[0] * (xi / xi[0]) ** -4, color="C0", ls="--", lw=0.8, label="∝ ξ⁻⁴ (cubic spline)")
        ax.loglog(xi, g2[-1] * (xi / xi[-1]) ** -2, color="C2", ls=":", lw=0.8, label="∝ ξ⁻² (linear)")
        ax.set_xlabel("frequency ξ (cycles)")
        ax.set_ylabel("γ(ξ)² (normalised)")
        ax.legend(fontsize=7, frameon=False)
        out.append(save(fig, figdir / "lfp_weight.png"))
    fig, ax = plt.subplots(figsize=(5, 3.2))
    _loss_panel(ax, h)
    out.append(save(fig, figdir / "loss.png"))
    return out


# --------------------------------------------------------------------------------------------
# sweep-level figures (called with the sweep directory)
# --------------------------------------------------------------------------------------------

def _sweep_members(path: Path, meta: dict, *, max_rows: int = 6) -> list[tuple[dict, dict]]:
    from ..io import SweepDir, load_run

    _, rows = SweepDir(path).read_results()
    rows = [r for r in rows if r.get("outcome") == "completed"]
    seeds = sorted({r.get("seed") for r in rows}, key=lambda v: float(v) if v not in (None, "") else 0.0)
    if len(seeds) > 1:
        rows = [r for r in rows if r.get("seed") == seeds[0]]
    out = []
    for r in rows[:max_rows]:
        d = path / "members" / r["member_id"]
        if (d / "history.npz").exists():
            out.append((r, load_run(d)))
    return out


@register_sweep_figures("condensation-1d")
def condensation_sweep_figures(path: Path, meta: dict) -> list[Path]:
    """One row per member (first seed): fit, feature scatter, ordered cosine similarity — e.g. the
    linear / critical / condensed regimes of ``--grid model.init_t=0.1,0.5,1`` side by side."""
    members = _sweep_members(path, meta)
    if not members:
        return []
    keys = [k for k, _ in meta.get("grid", [])] + [k for k, _ in meta.get("zip", [])]

    def sort_key(item):
        r = item[0]
        vals = []
        for k in keys:
            try:
                vals.append(float(r.get(k, "nan")))
            except ValueError:
                vals.append(float("nan"))
        return vals

    members.sort(key=sort_key)
    n = len(members)
    fig, axes = plt.subplots(n, 3, figsize=(13, 3.3 * n), squeeze=False)
    for row, (r, run) in zip(axes, members):
        h, s = run["history"], run["summary"]
        label = ", ".join(f"{k} = {r.get(k)}" for k in keys if k != "seed")
        _fit_panel(row[0], h, title=f"{label}: RD = {s.get('rd', float('nan')):.3g} ({s.get('regime', '?')})")
        _feature_scatter(row[1], h, title=f"{s.get('n_orientations', '?')} orientation(s), "
                                          f"{100 * s.get('amplitude_share', float('nan')):.1f} % of Σ A")
        _cos_map(row[2], h, -1, title="cosine similarity (final)")
    fig.suptitle("condensation regimes across the sweep (first seed)", fontsize=11)
    fig.subplots_adjust(hspace=0.45, wspace=0.3, top=1 - 0.35 / n)  # fixed layout: tight_layout doubles the cost
    return [save(fig, path / "figures" / "condensation_regimes.png")]


@register_sweep_figures("phase-diagram")
def phase_sweep_figures(path: Path, meta: dict) -> list[Path]:
    """Slopes of every member pooled: the sign map over (γ, γ′) with the theoretical boundary."""
    from ..io import SweepDir, load_run

    _, rows = SweepDir(path).read_results()
    pts: dict[tuple[float, float], list[float]] = {}
    for r in rows:
        if r.get("outcome") != "completed":
            continue
        run = load_run(path / "members" / r["member_id"])
        for sl in run["summary"].get("slopes", []):
            if sl.get("slope") is not None:
                pts.setdefault((float(sl["gamma"]), float(sl["gamma_prime"])), []).append(float(sl["slope"]))
    if not pts:
        return []
    slopes = [{"gamma": g, "gamma_prime": gp, "slope": float(np.mean(v)), "regime": phase_regime(g, gp)}
              for (g, gp), v in sorted(pts.items())]
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    phase_map_panel(ax, slopes)
    ax.set_title("S_w over (γ, γ′), mean over the sweep's members", fontsize=9)
    return [save(fig, path / "figures" / "phase_map.png")]
