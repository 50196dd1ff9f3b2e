"""The figures of the two-layer kinds: condensation (fit, neuron features before/after, ordered
cosine-similarity maps), initial condensation, the phase diagram (RD against width, the sign map
with the theoretical boundary) and the LFP comparison; at sweep level the condensation regimes side
by side and the pooled phase map.

Features are recomputed from the recorded parameter snapshots (``param_w``, ``param_b``,
``param_a``) with :mod:`simbias.condensation`; nothing here trains.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from .. import condensation as cond
from ..io import load_run
from ._display import FIGURES, Display, DisplayGrid, FigureSet, ImageGrid, Line, LinePlot, Panel, _needs, _picks
from ._shared import LossCurve
from ._report import _num

__all__ = ["NeuronFeatures", "CosineSimilarityMaps", "PhaseMap"]


class NeuronFeatures(LinePlot):
    """Neuron features before and after training: orientation of (w_k, b_k) (an angle in 1-D, the
    projection on the all-ones direction beyond) against the amplitude |a_k|·‖(w_k, b_k)‖; a log
    amplitude axis when they span more than three decades.

    Features as in :func:`simbias.condensation.neuron_features`: orientation atan2(b_k, w_k) for
    1-D input with bias, else û_k·p with p the normalised all-ones vector; condensation shows as the final
    points gathering at a few orientations (Luo et al., arXiv 2007.07497; Zhou et al., arXiv
    2105.11686).

    Parameters
    ----------
    panels, ncols, title, panel_size, sharey
        As for :class:`LinePlot`; build one with :meth:`from_history` (or ``from_run``).

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> rng = np.random.default_rng(0)
    >>> ends = np.array([1.0, 1.0, 1.0, -1.0, -1.0, -1.0])   # the final state: two opposite directions
    >>> h = History(steps=np.array([0, 500]),
    ...             arrays={"param_w": np.stack([rng.normal(size=(6, 1)), ends[:, None]]),
    ...                     "param_b": np.stack([rng.normal(size=6), 0.5 * ends]),
    ...                     "param_a": np.stack([0.1 * rng.normal(size=6), np.ones(6)])},
    ...             static={"snapshot_steps": np.array([0, 500])})
    >>> from simbias.viz import NeuronFeatures
    >>> d = NeuronFeatures.from_history(h, summary={"n_orientations": 2, "amplitude_share": 1.0}).plot()
    >>> d.ax_.get_title()
    'neuron features: 2 orientation(s) carry 100.0 % of Σ A'
    """

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, title: str | None = None):
        """Features of the first and last parameter snapshots of ``history``.

        Parameters
        ----------
        history : simbias.History
            With the parameter snapshots ``param_w`` (snapshots, m, d) or (snapshots, m),
            ``param_a`` and optionally ``param_b``.
        spec : dict, optional
            Unused (accepted for the common factory signature).
        summary : dict, optional
            The run's summary; its ``n_orientations`` and ``amplitude_share`` make the default title.
        title : str, optional
            Panel title.

        Returns
        -------
        NeuronFeatures
        """
        f0, f1 = (cond.neuron_features(*cond.recorded_weights(history, i)) for i in (0, -1))
        lines = [Line(f.orientation.numpy(), np.maximum(f.amplitude.numpy(), 1e-300), "o", lab,
                      {"ms": 2.5, "color": c, "alpha": 0.7, "mew": 0}) for f, c, lab in ((f0, "c", "initial"), (f1, "r", "final"))]
        amps = np.concatenate([f0.amplitude.numpy(), f1.amplitude.numpy()])
        pos, props = amps[amps > 0], {}
        if pos.size and pos.max() / max(pos.min(), 1e-300) > 1e3:
            props = {"yscale": "log", "ylim": (max(pos.min(), pos.max() * 1e-8), pos.max() * 3)}
        props.update({"xlim": (-math.pi, math.pi), "xlabel": "orientation θ = atan2(b, w) (rad)"} if f1.is_angle
                     else {"xlabel": "û·p (p = 1/√(d+1)·(1, …, 1))"})
        if title is None and "amplitude_share" in (summary or {}):
            title = (f"neuron features: {summary.get('n_orientations', '?')} orientation(s) carry "
                     f"{100 * summary['amplitude_share']:.1f} % of Σ A")
        props.update(ylabel="amplitude |a|·‖(w, b)‖", title=title or "neuron features")
        return cls([Panel(lines, props, {"markerscale": 2})], panel_size=(5.5, 3.8))


class CosineSimilarityMaps(ImageGrid):
    """Cosine similarity of the neurons' input weights (w_k, b_k) at a few snapshots, neurons ordered
    by the leading eigenvector, so that condensed groups show as blocks.

    Each map is D_kl = û_k·û_l with u_k = (w_k, b_k), computed by
    :func:`simbias.condensation.cosine_similarity_matrix` with ``order=True`` (the order of each
    snapshot's own leading eigenvector), on a fixed colour range [−1, 1] (arXiv 2105.11686).

    Parameters
    ----------
    images, imshow, colorbar, ncols, title, panel_size, ticks
        As for :class:`ImageGrid`; build one with :meth:`from_history` (or ``from_run``).

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> rng = np.random.default_rng(0)
    >>> ends = np.array([1.0, 1.0, 1.0, -1.0, -1.0, -1.0])   # the final state: two opposite directions
    >>> h = History(steps=np.array([0, 500]),
    ...             arrays={"param_w": np.stack([rng.normal(size=(6, 1)), ends[:, None]]),
    ...                     "param_b": np.stack([rng.normal(size=6), 0.5 * ends]),
    ...                     "param_a": np.stack([0.1 * rng.normal(size=6), np.ones(6)])},
    ...             static={"snapshot_steps": np.array([0, 500])})
    >>> from simbias.viz import CosineSimilarityMaps
    >>> d = CosineSimilarityMaps.from_history(h, snapshots=(0, -1)).plot()
    >>> [ax.get_title() for ax in d.ax_.flat]
    ['step 0', 'step 500']
    >>> np.round(d.images[1][1][0], 6).tolist()   # final: two blocks of ±1
    [1.0, 1.0, 1.0, -1.0, -1.0, -1.0]
    """

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, snapshots=(0, -1), titles=None, title=None,
                     colorbar: str | None = "cos(û_k, û_l)"):
        """Ordered cosine-similarity maps at the chosen snapshots of ``history``.

        Parameters
        ----------
        history : simbias.History
            With the parameter snapshots ``param_w`` (and ``param_b``) and ``snapshot_steps``.
        spec, summary : dict, optional
            Unused (accepted for the common factory signature).
        snapshots : sequence of int, default (0, -1)
            Snapshot indices to draw.
        titles : list of str, optional
            One per snapshot (default ``"step N"``).
        title : str, optional
            Figure title.
        colorbar : str or None
            Colour-bar label, ``None`` for none.

        Returns
        -------
        CosineSimilarityMaps
        """
        snap = history["snapshot_steps"]
        titles = titles or [f"step {int(snap[i])}" for i in snapshots]
        images = [(t, cond.cosine_similarity_matrix(*cond.recorded_weights(history, i)[:2], order=True)[0].numpy())
                  for t, i in zip(titles, snapshots)]
        return cls(images, imshow={"vmin": -1, "vmax": 1, "cmap": "YlGnBu"}, colorbar=colorbar, title=title,
                   panel_size=(3.4, 3.4))


def _fit(h, title: str = "") -> LinePlot:
    xt, yt, xtr, ytr, out = h["x_test"][:, 0], h["y_test"][:, 0], h["x_train"][:, 0], h["y_train"][:, 0], h["output_test"]
    lo, hi = float(min(ytr.min(), yt.min())), float(max(ytr.max(), yt.max()))
    pad = 0.3 * (hi - lo) + 1e-3
    lines = [Line(xt, yt, label="reference", kw={"color": "0.7", "lw": 1}),
             Line(xt, np.interp(xt, xtr, ytr), "--", "linear interpolant", {"color": "0.4", "lw": 0.8}),
             Line(xt, out[0], label="initial", kw={"color": "c", "lw": 1}),
             Line(xt, out[-1], label="final", kw={"color": "r", "lw": 1.5}),
             Line(xtr, ytr, "o", "data", {"color": "k", "ms": 4})]
    return LinePlot([Panel(lines, {"ylim": (lo - pad, hi + pad), "xlabel": "x", "title": title})], panel_size=(5.5, 3.8))


def _regime_title(spec, summary) -> str:
    t, s = (spec or {}).get("model", {}).get("init_t"), summary or {}
    parts = [f"init_t = {t:g}" if t is not None else "",
             f"(γ, γ′) = ({s['gamma']:.3g}, {s['gamma_prime']:.3g}) {s.get('regime', '')}" if "gamma" in s else "",
             f"RD = {s['rd']:.3g}" if "rd" in s else ""]
    return ", ".join(p for p in parts if p)


_loss = partial(LossCurve.from_history, ylabel="train MSE", title="loss")


def _completed(sweep) -> list[tuple]:
    """(results row, member directory) of the sweep's completed members."""
    return [(r, sweep["path"] / "members" / r["member_id"]) for r in sweep["rows"] if r.get("outcome") == "completed"]


def _sweep_members(sweep) -> list[tuple[dict, dict]]:
    """(results row, loaded run) of the first 6 completed members of the first seed, ordered by the swept values."""
    done = _completed(sweep)
    seeds = sorted({r.get("seed") for r, _ in done}, key=lambda v: float(v) if v not in (None, "") else 0.0)
    done = sorted([(r, d) for r, d in done if len(seeds) < 2 or r.get("seed") == seeds[0]],
                  key=lambda rd: [_num(rd[0].get(k)) for k in sweep["keys"]])
    return [(r, load_run(d)) for r, d in done[:6] if (d / "history.npz").exists()]


def _regimes(sweep):
    cells = []
    for r, run in _sweep_members(sweep):
        h, s = run["history"], run["summary"]
        label = ", ".join(f"{k} = {r.get(k)}" for k in sweep["keys"] if k != "seed")
        cells += [_fit(h, f"{label}: RD = {s.get('rd', float('nan')):.3g} ({s.get('regime', '?')})"),
                  NeuronFeatures.from_history(h, summary=s),
                  CosineSimilarityMaps.from_history(h, snapshots=(-1,), titles=["cosine similarity (final)"], colorbar=None)]
    return DisplayGrid(cells, ncols=3, title="condensation regimes across the sweep (first seed)") if cells else None


FIGURES["condensation-1d"] = FigureSet(run={
    "fit.png": lambda h, spec=None, summary=None: _fit(h, _regime_title(spec, summary)),
    "features.png": NeuronFeatures.from_history,
    "cosine_similarity.png": lambda h, **_: CosineSimilarityMaps.from_history(
        h, titles=["initial", f"step {int(h['snapshot_steps'][-1])}"],
        title="cosine similarity of (w_k, b_k), ordered by the leading eigenvector"),
    "loss.png": _loss,
}, sweep={"condensation_regimes.png": _regimes})


def _initial_cosine(h, spec=None, summary=None):
    p, s = (summary or {}).get("multiplicity"), summary or {}
    act = (spec or {}).get("model", {}).get("activation", "?")
    return CosineSimilarityMaps.from_history(
        h, snapshots=_picks(len(h["snapshot_steps"]), 5, log=False), colorbar="",
        title=f"{act} (multiplicity p = {p}): {s.get('n_orientations', '?')} orientation(s) at the end"
              + (f", claim ≤ 2p = {2 * p}" if p else ""))


FIGURES["condensation-initial"] = FigureSet(run={
    "cosine_similarity.png": _initial_cosine,
    "features.png": lambda h, **_: NeuronFeatures.from_history(h, title="neuron features (projection on the all-ones direction)"),
    "loss.png": _loss,
})


class PhaseMap(Display):
    """The phase diagram: sign of the slope S_w = d log RD / d log m over (γ, γ′), with the
    theoretical boundary γ = 1 (γ′ ≤ 0), γ′ = γ − 1 (γ′ ≥ 0) of arXiv 2007.07497.

    RD = ‖θ_w* − θ_w(0)‖ / ‖θ_w(0)‖ is the relative distance the input weights travel in training
    and S_w the least-squares slope of log RD against log width m
    (:func:`simbias.theory.width_slope`): S_w < 0 in the linear regime, > 0 in the condensed one.
    The boundary is μ = γ − 1 − max(0, γ′) = 0 (:func:`simbias.theory.phase_regime`).  Points are
    coloured by S_w (symmetric range) and marked + or −.

    Parameters
    ----------
    gamma, gamma_prime, slope : array-like
        One value per point (``nan`` slope: not measured).
    label : str
        Panel title.

    Examples
    --------
    >>> from simbias.viz import PhaseMap
    >>> pm = PhaseMap.from_slopes([{"gamma": 0.5, "gamma_prime": -0.5, "slope": -0.4},
    ...                            {"gamma": 2.0, "gamma_prime": 0.5, "slope": 0.3},
    ...                            {"gamma": 1.5, "gamma_prime": 0.0, "slope": None}])
    >>> pm.slope.tolist()
    [-0.4, 0.3, nan]
    >>> pm.plot().ax_.get_xlabel()
    'γ'
    """

    panel_size = (5.5, 4.2)

    def __init__(self, gamma, gamma_prime, slope, *, label: str = "sign of S_w = d log RD / d log m"):
        self.gamma, self.gamma_prime = np.asarray(gamma, dtype=float), np.asarray(gamma_prime, dtype=float)
        self.slope, self.label = np.asarray(slope, dtype=float), label

    @classmethod
    def from_slopes(cls, slopes: list[dict], **kw):
        """From ``[{"gamma", "gamma_prime", "slope"}, ...]`` (a phase-diagram summary's ``slopes``).

        Parameters
        ----------
        slopes : list of dict
            One per point; a missing or ``None`` value reads as ``nan``.
        **kw
            Passed to the constructor (``label``).

        Returns
        -------
        PhaseMap
        """
        get = [[s[k] if s.get(k) is not None else np.nan for s in slopes] for k in ("gamma", "gamma_prime", "slope")]
        return cls(*get, **kw)

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, **kw):
        """The slopes of a phase-diagram run (read from its summary).

        Parameters
        ----------
        history : simbias.History
            Unused (the slopes are in the summary).
        spec : dict, optional
            Unused.
        summary : dict, optional
            The run's summary with ``slopes``.
        **kw
            Passed to the constructor.

        Returns
        -------
        PhaseMap
        """
        return cls.from_slopes((summary or {}).get("slopes", []), **kw)

    @classmethod
    def from_sweep(cls, sweep) -> "PhaseMap | None":
        """Every completed member's slopes pooled: the mean slope per (γ, γ′).

        Parameters
        ----------
        sweep : dict
            A loaded sweep directory (``{"path", "meta", "columns", "rows", "keys"}``, as given to
            the sweep factories of a :class:`FigureSet`); each completed member's ``summary.json``
            is read.

        Returns
        -------
        PhaseMap or None (no member measured a slope)
        """
        pts: dict[tuple[float, float], list[float]] = {}
        for sl in (sl for _, d in _completed(sweep) for sl in load_run(d)["summary"].get("slopes", [])):
            if sl.get("slope") is not None:
                pts.setdefault((float(sl["gamma"]), float(sl["gamma_prime"])), []).append(float(sl["slope"]))
        slopes = [{"gamma": g, "gamma_prime": gp, "slope": float(np.mean(v))} for (g, gp), v in sorted(pts.items())]
        return cls.from_slopes(slopes, label="S_w over (γ, γ′), mean over the sweep's members") if slopes else None

    def _draw(self, axes, **kw):
        ax, g, gp, sw = axes[0, 0], self.gamma, self.gamma_prime, self.slope
        lim = max(0.1, float(np.nanmax(np.abs(sw)))) if np.isfinite(sw).any() else 1.0
        sc = ax.scatter(g, gp, c=sw, cmap="coolwarm", vmin=-lim, vmax=lim, s=90, edgecolors="k", linewidths=0.5)
        for gi, gpi, si in zip(g, gp, sw):
            if np.isfinite(si):
                ax.annotate("+" if si > 0 else "−", (gi, gpi), ha="center", va="center", fontsize=9)
        (g_lo, g_hi), (gp_lo, gp_hi) = (min(g.min(), 0.9) - 0.25, max(g.max(), 1.1) + 0.25), \
            (min(gp.min(), -0.1) - 0.25, max(gp.max(), 0.1) + 0.25)
        g_end = max(1.0, min(g_hi, gp_hi + 1.0))
        ax.plot([1.0, 1.0], [min(gp_lo, 0.0), 0.0], color="k", lw=1.5)
        ax.plot([1.0, g_end], [0.0, g_end - 1.0], color="k", lw=1.5, label="theory: boundary")
        ax.set(xlim=(g_lo, g_hi), ylim=(gp_lo, gp_hi), xlabel="γ", ylabel="γ′", title=self.label)
        ax.text(g_lo + 0.05, gp_hi - 0.1, "linear (S_w < 0)", fontsize=8, va="top")
        ax.text(g_hi - 0.05, gp_lo + 0.1, "condensed (S_w > 0)", fontsize=8, ha="right")
        ax.legend(loc="lower left")
        ax.figure.colorbar(sc, ax=ax, label="S_w")


def _rd_vs_width(h, summary=None, **_):
    widths, lines = np.asarray(h["widths"], dtype=float), []
    slopes = {(float(x["gamma"]), float(x["gamma_prime"])): x["slope"] for x in (summary or {}).get("slopes", [])}
    for ci, (p, rds) in enumerate(zip(h["points"], np.asarray(h["rd"], dtype=float))):  # rd: points × seeds × widths
        color = f"C{ci % 10}"
        lines.append(Line(np.tile(widths, len(rds)), rds.ravel(), "o", None, {"color": color, "ms": 3, "alpha": 0.5}))
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.exp(np.nanmean(np.log(rds), axis=0))
        slope = slopes.get((float(p[0]), float(p[1])))
        if slope is not None and np.all(np.isfinite(mean)) and np.all(mean > 0):
            c = np.mean(np.log(mean)) - slope * np.mean(np.log(widths))
            lines.append(Line(widths, np.exp(c) * widths ** slope, label=f"γ = {p[0]:g}, γ′ = {p[1]:g}: S_w = {slope:.3f}",
                              kw={"color": color, "lw": 1.2}))
    return LinePlot([Panel(lines, {"xscale": "log", "yscale": "log", "xlabel": "width m", "ylabel": "RD(θ_w*)",
                                   "title": "relative distance of the input weights at the end of training"})],
                    panel_size=(6.0, 4.2))


def _final_loss(h, **_):
    lines = [Line(h["widths"], np.nanmax(h["final_loss"][i], axis=0), "o-", f"γ = {p[0]:g}, γ′ = {p[1]:g}", {"ms": 3})
             for i, p in enumerate(h["points"])]
    return LinePlot([Panel(lines, {"xscale": "log", "yscale": "log", "xlabel": "width m",
                                   "ylabel": "final train MSE (worst seed)"})], panel_size=(5.5, 3.5))


FIGURES["phase-diagram"] = FigureSet(run={
    "rd_vs_width.png": _rd_vs_width,
    "phase_map.png": PhaseMap.from_history,
    "final_loss.png": _needs("final_loss", _final_loss),
}, sweep={"phase_map.png": PhaseMap.from_sweep})


def _lfp_fit(h, summary=None, **_):
    s, xg = summary or {}, h["lfp_grid"]
    lines = [Line(xg, h["lfp_cubic"], "--", f"natural cubic spline ({s.get('rel_error_vs_cubic', 0):.2%})", {"color": "C0", "lw": 1}),
             Line(xg, h["lfp_linear"], ":", f"linear interpolant ({s.get('rel_error_vs_linear', 0):.2%})", {"color": "C2", "lw": 1}),
             Line(xg, h["lfp_prediction"], label=f"LFP / FP-norm prediction ({s.get('rel_error_vs_lfp', 0):.2%})",
                  kw={"color": "C1", "lw": 1.5}),
             Line(xg, h["lfp_network"], label="trained network", kw={"color": "r", "lw": 1.2, "alpha": 0.8}),
             Line(h["x_train"][:, 0], h["y_train"][:, 0], "o", "data", {"color": "k", "ms": 5})]
    return LinePlot([Panel(lines, {"xlabel": "x", "title": "wide two-layer ReLU net in the linear regime "
                                                            "(relative L2 distance to the net)"})], panel_size=(6.0, 4.0))


def _lfp_weight(h, **_):
    xi, g2 = np.asarray(h["lfp_xi"]), np.asarray(h["lfp_gamma2"])
    lines = [Line(xi, g2, label="γ(ξ)² from the initial parameters", kw={"color": "k", "lw": 1.2}),
             Line(xi, g2[0] * (xi / xi[0]) ** -4, "--", "∝ ξ⁻⁴ (cubic spline)", {"color": "C0", "lw": 0.8}),
             Line(xi, g2[-1] * (xi / xi[-1]) ** -2, ":", "∝ ξ⁻² (linear)", {"color": "C2", "lw": 0.8})]
    return LinePlot([Panel(lines, {"xscale": "log", "yscale": "log", "xlabel": "frequency ξ (cycles)",
                                   "ylabel": "γ(ξ)² (normalised)"})], panel_size=(5.0, 3.5))


FIGURES["lfp-1d"] = FigureSet(run={
    "lfp_fit.png": _lfp_fit,
    "lfp_weight.png": _needs("lfp_xi", _lfp_weight),
    "loss.png": _loss,
})
