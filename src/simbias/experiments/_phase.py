"""``phase-diagram``: the regime of two-layer ReLU nets from RD against width (papers.md §5.2,
T18/T19; Luo, Xu, Ma & Zhang, JMLR 2021, arXiv 2007.07497).

For every point (γ, γ′) of ``phase.gammas`` × ``phase.gamma_primes``, every width m of
``phase.widths`` and ``phase.seeds`` initialisations, a net with (γ, γ′) at width m is trained on a
few points to ``train.tol`` and RD(θ_w*) = ‖θ_w* − θ_w(0)‖/‖θ_w(0)‖ of its input weights and biases
is measured (the first half of the mirrored pairs with ASI, as the authors' code does).  The slope
S_w of log RD against log m (least squares over all widths and seeds,
:func:`simbias.theory.width_slope`) is < 0 in the linear regime and > 0 in the condensed one; the
theory's regime (:func:`simbias.theory.phase_regime`) is reported next to it.

Scales: ``phase.parametrisation = "unit_alpha"`` (default) puts α = 1, β₁ = m^(−(γ+γ′)/2),
β₂ = m^(−(γ−γ′)/2) — for γ′ = 0 the authors' tutorial convention (std m^(−γ/2) for every
parameter); ``"paper"`` puts β₁ = 1, β₂ = m^(γ′), α = m^(γ+γ′) (Fig. 3 of the paper: α = m^γ).  With
``train.lr = "auto"`` (0.5/λ_max of the initial NTK, capped at ``lr_max``·α) both give the same
normalised dynamics (see :mod:`simbias.train._lr`), so the same S_w.

Training: :func:`simbias.train.fit_ensemble_with_restarts` trains every width as one ensemble of
all (γ, γ′, seed) members (the kind's one job has its own trainer, so a sweep trains member by
member); checked every ``train.check_every`` steps, training ends when every member's MSE is below
``train.tol`` (or after ``train.steps``).  ``train.backtrack`` (the authors' rule, with
``lr = "scaled"``): a member whose loss increases is restarted from its initialisation with half the
rate, in a later round.

Data: the tutorial's 4 points (−1, −⅓, ⅓, 1) of 0.2·ReLU(x − ⅓) + 0.2·ReLU(−x − ⅓) — the paper's four
points are not listed (papers.md §8.8).  With them, widths 500 … 4 000 gave S_w = −0.54 at γ = ½ and
+0.40 at γ = 1.75 (paper: −0.506 and 0.372 on its own data and widths 1 000 … 40 000).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Annotated, Literal

import numpy as np
import torch

from .. import condensation as cond
from .. import nn as snn
from .. import problems, theory, train
from ..results import History
from ._common import Activation, EnsembleOptimizer, seeds_for, torch_dtype
from ._condensation import LrMax, LrRuleSpec, PointsSpec, check_even
from ._kind import Fit, Kind, Plan, register_kind
from ._registry import BaseSpec
from ._spec import Check, Positive, above

_DISTINCT = Check(lambda v: len(v) >= 1 and len(set(v)) == len(v), "give at least one value, none repeated")
_WIDTHS = Check(lambda v: min(v, default=0) >= 2 and len(set(v)) >= 3,
                "give ≥ 3 distinct widths ≥ 2 for the RD-vs-width slope, e.g. [500, 1000, 2000, 4000]")

__all__ = ["PhaseGridSpec", "PhaseModelSpec", "PhaseTrainSpec", "PhaseDiagramSpec", "PHASE_DIAGRAM",
           "build_phase_diagram"]


@dataclass(frozen=True)
class PhaseGridSpec:
    """The points (γ, γ′) (crossed), the widths (≥ 3 for a slope) and initialisations per point.

    Parameters
    ----------
    gammas : list of float, default [0.5, 1.0, 1.75]
        The values of γ (finite, distinct).
    gamma_primes : list of float, default [0.0]
        The values of γ′ (finite, distinct); every (γ, γ′) pair is a point.
    widths : list of int, default [1000, 5000, 10000, 20000, 40000]
        The widths m (≥ 2; at least 3 distinct for the slope of log RD against log m).
    seeds : int, default 3
        Initialisations per point and width (seeds ``seed``, ``seed+1``, …).
    parametrisation : {"unit_alpha", "paper"}, default "unit_alpha"
        ``unit_alpha``: α = 1, β₁ = m^(−(γ+γ′)/2), β₂ = m^(−(γ−γ′)/2); ``paper``: β₁ = 1,
        β₂ = m^(γ′), α = m^(γ+γ′) (module docstring).
    """

    gammas: Annotated[tuple[float, ...], _DISTINCT] = (0.5, 1.0, 1.75)
    gamma_primes: Annotated[tuple[float, ...], _DISTINCT] = (0.0,)
    widths: Annotated[tuple[int, ...], _WIDTHS] = (1000, 5000, 10000, 20000, 40000)
    seeds: Positive = 3
    parametrisation: Literal["unit_alpha", "paper"] = "unit_alpha"


@dataclass(frozen=True)
class PhaseModelSpec:
    """ReLU (the theorems' activation) or another registered activation; ASI by mirrored pairs.

    Parameters
    ----------
    activation : str, default "relu"
        A name from :data:`simbias.nn.ACTIVATIONS`.
    antisymmetric : bool, default True
        Antisymmetric initialisation (ASI): mirrored pairs, f ≡ 0 at the start.
    bias : bool, default True
        Hidden biases b_k.
    """

    activation: Activation = "relu"
    antisymmetric: bool = True
    bias: bool = True


@dataclass(frozen=True)
class PhaseTrainSpec(LrRuleSpec):
    """Full-batch training to ``tol`` (see the module docstring and :mod:`simbias.train._lr`).

    Parameters
    ----------
    optimizer : str, default "sgd"
        A name of :data:`simbias.train.ENSEMBLE_OPTIMIZERS` (the widths train as ensembles).
    lr : float or {"auto", "scaled"}, default "auto"
        A number, ``"auto"`` (``lr_factor``/λ_max of the initial empirical NTK, capped at
        ``lr_max``·α) or ``"scaled"`` (η₀·α·√(β₁β₂) with η₀ = ``lr0``, the authors' rule).
    lr_factor : float, default 0.5
        c of ``"auto"`` (0 < c < 2).
    lr_max : float or "none", default 0.5
        Cap of ``"auto"``: lr ≤ ``lr_max``·α (``"none"``: no cap).
    lr0 : float, default 1e-3
        η₀ of ``"scaled"``.
    backtrack : bool, default False
        The authors' rule: a member whose loss increases is restarted from its initialisation with
        half the rate, in a later round.
    max_restarts : int, default 20
        The most restarts of ``backtrack`` (≥ 0).
    steps : int, default 20000
        The most full-batch updates.
    tol : float, default 1e-8
        Training ends once every member's MSE is below this (> 0).
    check_every : int, default 500
        Steps between checks of ``tol``.
    momentum : float, default 0.0
        Heavy-ball momentum of ``sgd``.
    """

    optimizer: EnsembleOptimizer = "sgd"
    lr_max: LrMax = 0.5
    steps: Positive = 20000
    tol: Annotated[float, above(0.0, "use a positive number")] = 1e-8
    check_every: Positive = 500
    momentum: float = 0.0


@dataclass(frozen=True)
class PhaseDiagramSpec(BaseSpec):
    """Spec of ``phase-diagram``: the regime of two-layer ReLU nets from RD against width
    (papers.md T18/T19; Luo, Xu, Ma & Zhang, JMLR 2021, arXiv 2007.07497).

    For every (γ, γ′), width m and seed a net is trained to ``train.tol``;
    RD = ‖θ_w* − θ_w(0)‖/‖θ_w(0)‖ of the input weights and biases is measured and the slope S_w
    of log RD against log m separates the linear (S_w < 0) and condensed (S_w > 0) regimes
    (module docstring).
    ``description``, ``seed`` and ``dtype`` are the keys every kind has (see
    :class:`~simbias.experiments.BaseSpec`).

    Parameters
    ----------
    experiment : str, default "phase-diagram"
        The experiment kind (see ``simbias list``).
    problem : PointsSpec
        The data points and the evaluation grid (``problem.*``; the tutorial's 4 points on [−1, 1],
        evaluated on [−1.5, 1.5]).
    phase : PhaseGridSpec
        The points (γ, γ′), widths, seeds per point and parametrisation (``phase.*``).
    model : PhaseModelSpec
        Activation, antisymmetric (mirrored-pair) initialisation and bias (``model.*``).
    train : PhaseTrainSpec
        Full-batch training to ``train.tol`` and the learning-rate rule (``train.*``).

    Examples
    --------
    >>> from simbias.experiments import PhaseDiagramSpec
    >>> spec = PhaseDiagramSpec()
    >>> spec.phase.gammas, spec.phase.parametrisation
    ((0.5, 1.0, 1.75), 'unit_alpha')
    """

    experiment: str = "phase-diagram"
    problem: PointsSpec = field(default_factory=lambda: PointsSpec(test_domain=(-1.5, 1.5)))
    phase: PhaseGridSpec = field(default_factory=PhaseGridSpec)
    model: PhaseModelSpec = field(default_factory=PhaseModelSpec)
    train: PhaseTrainSpec = field(default_factory=PhaseTrainSpec)


def _points(spec: PhaseDiagramSpec) -> list[tuple[float, float]]:
    return [(float(g), float(gp)) for g in spec.phase.gammas for gp in spec.phase.gamma_primes]


def build_phase_diagram(spec: PhaseDiagramSpec, device: str = "cpu") -> Plan:
    """Every (γ, γ′, seed, width) net with its learning rate; one job that trains every width as one
    ensemble of all (γ, γ′, seed) nets (:func:`simbias.train.fit_ensemble_with_restarts`).  Its
    history holds RD of (w, b) of the first copy of the mirrored pairs (all neurons without ASI; NaN
    for a diverged net), the final loss, the learning rate and the restarts per (point, seed, width)."""
    dtype, m, t, widths, points = torch_dtype(spec.dtype), spec.model, spec.train, spec.phase.widths, _points(spec)
    problem = problems.point_regression(**asdict(spec.problem), dtype=dtype, device=device)
    for w in widths:
        check_even(w, m.antisymmetric, "phase.widths")
    nets, unit_alpha = [], spec.phase.parametrisation == "unit_alpha"
    # the same normalised initialisation for every (γ, γ′) at a width and seed; unit_alpha: α = 1
    for (g, gp), s, w in itertools.product(points, range(spec.phase.seeds), widths):
        a, b1, b2 = theory.phase_scales(g, gp, w, beta1_exp=(g + gp) / 2 if unit_alpha else 0.0)
        ss = np.random.SeedSequence([int(seeds_for(spec.seed)["init"]), s, int(w)])
        gen = torch.Generator().manual_seed(int(ss.generate_state(1, dtype=np.uint32)[0]))
        nets.append(snn.TwoLayer(problem.in_features, w, activation=m.activation, alpha=a, beta1=b1, beta2=b2,
                                 antisymmetric=m.antisymmetric, bias=m.bias, generator=gen, dtype=dtype, device=device))
    lrs = [train.resolve_lr(t.lr, n, problem.x_train, factor=t.lr_factor, lr_max=t.lr_max, lr0=t.lr0) for n in nets]
    shape = (len(points), spec.phase.seeds, len(widths))  # the order of ``nets``

    def wb(n: snn.TwoLayer) -> list[torch.Tensor]:  # (w, b) of the first copy of the mirrored pairs
        return [p.detach()[:n.width // 2 if m.antisymmetric else n.width] for p in (n.w, n.b) if p is not None]

    def trainer(f: Fit, *, progress: bool = False, on_record=None) -> History:
        start = [[p.clone() for p in wb(n)] for n in nets]
        h = train.fit_ensemble_with_restarts(
            nets, f.problem, lrs, steps=t.steps, optimizer=t.optimizer,
            optimizer_options={"momentum": t.momentum} if t.optimizer == "sgd" and t.momentum else {},
            max_restarts=t.max_restarts if t.backtrack else 0, tol=t.tol, check_every=t.check_every)
        rd = [np.nan if bad else cond.relative_distance(s0, wb(n))
              for n, s0, bad in zip(nets, start, h.static["diverged"])]
        static = {"widths": np.asarray(widths), "points": np.asarray(points, dtype=float), "rd": np.reshape(rd, shape),
                  **{k: h.static[k].reshape(shape) for k in ("final_loss", "lr", "restarts")}}
        run = h.static["steps_done"].reshape(shape)[0, 0].tolist()   # per width
        return History(steps=np.asarray([max(run)], dtype=np.int64), static=static,
                       info={"steps_run": run, "diverged_nets": int(h.static["diverged"].sum())})

    return Plan([Fit(torch.nn.ModuleList(nets), problem, t.optimizer, lrs[0], t.steps, trainer=trainer)])


def summarize_phase_diagram(spec: PhaseDiagramSpec, plan: Plan, history: History) -> dict:
    """S_w per point (least squares of log RD on log m over widths and seeds) against the theory."""
    rd, fl, widths = history.static["rd"], history.static["final_loss"], list(spec.phase.widths)
    slopes = []
    for (g, gp), r in zip(_points(spec), rd):
        ok = np.isfinite(r) & (r > 0)
        ms = np.broadcast_to(np.asarray(widths, dtype=float), r.shape)[ok]
        slope = theory.width_slope(ms, r[ok]) if np.unique(ms).size >= 3 else None
        slopes.append({"gamma": g, "gamma_prime": gp, "slope": slope, "regime": theory.phase_regime(g, gp)})
    agree = [((s["slope"] < 0) == (s["regime"] == "linear")) for s in slopes
             if s["slope"] is not None and s["regime"] != "critical"]
    return {
        "slopes": slopes,
        "agreement": float(np.mean(agree)) if agree else None,
        "max_final_loss": float(np.nanmax(fl)) if np.isfinite(fl).any() else None,
        "diverged": int(history.info["diverged_nets"]),
        "restarts": int(history.static["restarts"].sum()),
        "steps_run": list(history.info["steps_run"]),
    }


def phase_headline(spec: PhaseDiagramSpec, summary: dict) -> list[str]:
    head = [f"γ = {s['gamma']:g}, γ′ = {s['gamma_prime']:g}: S_w = "
            + ("n/a" if s["slope"] is None else f"{s['slope']:+.3f}") + f" (theory: {s['regime']})"
            for s in summary["slopes"]]
    if summary["max_final_loss"] is not None:
        head.append(f"largest final train MSE {summary['max_final_loss']:.2e} (tol {spec.train.tol:g})"
                    + (f"; {summary['diverged']} diverged" if summary["diverged"] else ""))
    return head


PHASE_DIAGRAM = register_kind(Kind(
    "phase-diagram", PhaseDiagramSpec, build_phase_diagram, summarize_phase_diagram,
    "phase diagram of two-layer ReLU nets: slope of RD vs width per (γ, γ′), linear vs condensed",
    headline=phase_headline))
