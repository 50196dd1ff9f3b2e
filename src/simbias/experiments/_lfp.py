"""``lfp-1d``: a wide two-layer ReLU net in the linear regime against the linear frequency principle
(papers.md §3.3, T15/T16; Zhang, Xu, Luo & Ma, arXiv 1905.10264; authors' LFP code, author-code.md).

The net h(x) = Σ_k a_k ReLU(w_k x + b_k) starts from the authors' *uniform* initialisation
w ~ U(−w_range, w_range), b ~ U(−b_range, b_range), a ~ U(−a_range, a_range) in mirrored pairs
(h ≡ 0 at the start; :class:`simbias.nn.TwoLayer` with ``init="uniform"``) and is trained on the five
points of T15 by full-batch gradient descent.  Its long-time output is compared on [x_1, x_n]
(relative L2) with

* the LFP prediction: the FP-norm minimiser Σ_j |ĥ_j|²/γ(ξ_j)² subject to h(x_i) = y_i, with γ(ξ)²
  built from the initial parameters (:func:`simbias.theory.lfp_gamma2`,
  :func:`simbias.theory.fp_norm_interpolant`);
* the natural cubic spline (the limit for γ² ∝ ξ⁻⁴: small output, large input weights — case A:
  w, b ~ U(−3, 3), a ~ U(−0.1, 0.1)) and the piecewise-linear interpolant (γ² ∝ ξ⁻²: large output,
  small input weights — case B: w ~ U(−0.2, 0.2), b ~ U(−1, 1), a ~ U(−1, 1));
* kernel regression with the initial empirical NTK (the exact infinite-time limit of the
  linearised dynamics; :func:`simbias.theory.relu_two_layer_ntk`), as ``rel_error_vs_ntk``.

Optimiser: the authors run plain GD on the summed loss for up to 3·10⁶ steps.  In the linear regime
every gradient method started at θ₀ stays in θ₀ + span J(θ₀)ᵀ and converges to the same kernel
interpolant, so the preset uses heavy-ball momentum with ``lr = "auto"`` (``lr_factor``/λ_max of the
initial NTK), which reaches it in a few thousand steps (case A: 2 000 steps → within 0.1 % of the
NTK limit; plain GD at 0.5/λ_max needs ~10⁵ steps since λ_max/λ_min ≈ 1.5·10⁴).  Case B is only
nearly linear (the kinks −b/w move), so there the trajectory matters at the 10 % level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .. import nn as snn
from .. import problems, theory
from ._common import PositiveFloat, init_generator, torch_dtype
from ._condensation import (CondensationRecordSpec, TwoLayerTrainSpec, Xs, check_even, check_labels, fit_lr,
                            two_layer_fit)
from ._kind import Kind, Plan, register_kind
from ._registry import BaseSpec
from ._spec import Interval, Points, Positive

__all__ = ["LFPModelSpec", "LFPSpec", "LFPAnalysisSpec", "LFP", "build_lfp"]


@dataclass(frozen=True)
class LFPModelSpec:
    """Two-layer ReLU net h(x) = Σ_k a_k ReLU(w_k x + b_k) with uniform initialisation in mirrored
    pairs (``antisymmetric``): w ~ U(±w_range), b ~ U(±b_range), a ~ U(±a_range).  Defaults: T15 case A.

    Parameters
    ----------
    width : int, default 10000
        Number of hidden neurons m (even when ``antisymmetric``).
    w_range : float, default 3.0
        Half-width of the uniform draw of the input weights w_k (> 0).
    b_range : float, default 3.0
        Half-width of the uniform draw of the biases b_k (> 0).
    a_range : float, default 0.1
        Half-width of the uniform draw of the output weights a_k (> 0).
    antisymmetric : bool, default True
        Mirrored pairs, h ≡ 0 at the start.
    """

    width: Positive = 10000
    w_range: PositiveFloat = 3.0
    b_range: PositiveFloat = 3.0
    a_range: PositiveFloat = 0.1
    antisymmetric: bool = True

    def validate(self):
        check_even(self.width, self.antisymmetric)


@dataclass(frozen=True)
class LFPAnalysisSpec:
    """The FP-norm solver (``n_freq`` frequencies j/period, period default 20 × the data span) and the
    comparison grid (``n_grid`` points on [x_1, x_n]).

    Parameters
    ----------
    n_freq : int, default 2000
        Number of frequencies j/period of the FP-norm solver (≥ 2).
    period : float, optional
        The period of the solver's Fourier basis (unset: 20 × the data span).
    n_grid : int, default 500
        Points of the comparison grid on [x_1, x_n] (≥ 2).
    """

    n_freq: Points = 2000
    period: PositiveFloat | None = None
    n_grid: Points = 500


@dataclass(frozen=True)
class LFPPointsSpec:
    """Explicit data points (default: the five points of T15, from the authors' LFP code) and the
    range of the figure's evaluation grid (``n_test`` points).

    Parameters
    ----------
    x : list of float
        The data points (≥ 2, distinct; default T15's five points).
    y : list of float
        Their labels, one per point.
    test_domain : list of float, default [-1.0, 0.3]
        ``[lo, hi]`` of the figure's evaluation grid.
    n_test : int, default 1000
        Points of the evaluation grid (≥ 2).
    """

    x: Xs = (-0.8, -0.6, -0.3, -0.06, 0.1)  # T15's five points (the authors' LFP code)
    y: tuple[float, ...] = (0.25, -0.25, -0.07, 0.15, -0.05)
    test_domain: Interval = (-1.0, 0.3)
    n_test: Points = 1000

    def validate(self):
        check_labels(self.x, self.y)


@dataclass(frozen=True)
class LFPSpec(BaseSpec):
    """Spec of ``lfp-1d``: a wide two-layer ReLU net against the linear frequency principle
    (papers.md T15/T16; arXiv 1905.10264).

    The long-time output is compared with the FP-norm minimiser of the LFP, the natural cubic
    spline / piecewise-linear interpolant and kernel regression with the initial NTK (module
    docstring).
    ``description``, ``seed`` and ``dtype`` are the keys every kind has (see
    :class:`~simbias.experiments.BaseSpec`).

    Parameters
    ----------
    experiment : str, default "lfp-1d"
        The experiment kind (see ``simbias list``).
    problem : LFPPointsSpec
        The data points and the figure's evaluation grid (``problem.*``).
    model : LFPModelSpec
        Width and the uniform initialisation ranges (``model.*``; defaults: T15 case A).
    train : TwoLayerTrainSpec
        Full-batch GD with heavy-ball momentum and the NTK learning-rate rule (``train.*``): momentum
        0.99 at 1.9/λ_max of the initial NTK for 3 000 steps (converges to the kernel limit in
        ~2 000 steps in case A; use momentum 0.9, lr_factor 1 in case B, which is only nearly linear).
    record : CondensationRecordSpec
        Parameter and output snapshots (``record.*``).
    analysis : LFPAnalysisSpec
        The FP-norm solver and the comparison grid (``analysis.*``).

    Examples
    --------
    >>> from simbias.experiments import LFPSpec
    >>> spec = LFPSpec()
    >>> spec.train.momentum, spec.train.steps
    (0.99, 3000)
    """

    experiment: str = "lfp-1d"
    problem: LFPPointsSpec = field(default_factory=LFPPointsSpec)
    model: LFPModelSpec = field(default_factory=LFPModelSpec)
    train: TwoLayerTrainSpec = field(default_factory=lambda: TwoLayerTrainSpec(lr_factor=1.9, momentum=0.99,
                                                                                 steps=3000))
    record: CondensationRecordSpec = field(default_factory=CondensationRecordSpec)
    analysis: LFPAnalysisSpec = field(default_factory=LFPAnalysisSpec)


def build_lfp(spec: LFPSpec, device: str = "cpu") -> Plan:
    """The T15 points, the uniformly initialised net and its training job; the history gets the
    trained net and the comparison curves on [x_1, x_n] (:func:`simbias.theory.lfp_curves` of the
    drawn initial parameters, the NTK kernel-regression limit of the initial net) as ``lfp_*`` arrays."""
    dtype, p, ms = torch_dtype(spec.dtype), spec.problem, spec.model
    problem = problems.point_regression(x=p.x, y=p.y, n_test=p.n_test, test_domain=p.test_domain, dtype=dtype,
                                        device=device)
    half = ms.width // 2 if ms.antisymmetric else ms.width
    # drawn in float64 (γ(ξ)² from the exact draws), then converted to the run's dtype
    net = snn.TwoLayer(1, ms.width, init="uniform", init_ranges=(ms.w_range, ms.b_range, ms.a_range),
                       antisymmetric=ms.antisymmetric, generator=init_generator(spec.seed),
                       dtype=torch.float64, device=device)
    w, a = net.w.detach()[:half, 0].cpu().clone(), net.a.detach()[:half].cpu().clone()
    net = net.to(dtype)
    x, y = (v[:, 0].detach().cpu().to(torch.float64) for v in (problem.x_train, problem.y_train))
    grid = torch.linspace(float(x.min()), float(x.max()), spec.analysis.n_grid, dtype=torch.float64)
    ntk = theory.relu_ntk_limit(net, problem.x_train, y, grid.to(dtype=dtype, device=device)[:, None])
    fit = two_layer_fit(net, problem, spec.train, snapshot_every=spec.record.snapshot_every, params=False)

    def curves(hs):
        if not hs[0].diverged:
            with torch.no_grad():
                out = net(grid.to(net.w)[:, None])[:, 0].to(torch.float64).cpu()
            c = theory.lfp_curves(x, y, w, a, grid, n_freq=spec.analysis.n_freq, period=spec.analysis.period)
            hs[0].static.update({"lfp_grid": grid.numpy(), "lfp_network": out.numpy(), "lfp_ntk": ntk.numpy(),
                                 **{f"lfp_{k}": v for k, v in c.items()}})
        return hs[0]

    return Plan([fit], context={"w": w, "a": a}, combine=curves)


def summarize_lfp(spec: LFPSpec, plan: Plan, history) -> dict:
    lr, restarts = fit_lr(plan, history)
    if history.diverged:
        return {}
    net, fp, *rest = (history.static["lfp_" + k] for k in ("network", "prediction", "cubic", "linear", "ntk"))
    rel = {k: float(problems.rel_l2(net, v)) for k, v in zip(("lfp", "cubic", "linear", "ntk"), (fp, *rest))}
    return {**{f"rel_error_vs_{k}": v for k, v in rel.items()}, "closest": min(("lfp", "cubic", "linear"), key=rel.get),
            "lfp_vs_cubic": float(problems.rel_l2(fp, rest[0])), "lfp_vs_linear": float(problems.rel_l2(fp, rest[1])),
            "crossover_frequency": theory.lfp_crossover_frequency(w=plan.context["w"], a=plan.context["a"]),
            "final_train_loss": float(history.static["loss"][-1]), "lr": lr,
            **({"restarts": restarts} if restarts else {})}


def lfp_headline(spec: LFPSpec, s: dict) -> list[str]:
    x = spec.problem.x
    return [f"relative L2 distance of the trained net on [{min(x):g}, {max(x):g}]: "
            f"LFP prediction {s['rel_error_vs_lfp']:.2%}, natural cubic spline {s['rel_error_vs_cubic']:.2%}, "
            f"linear interpolant {s['rel_error_vs_linear']:.2%} (closest: {s['closest']})",
            f"NTK kernel-regression limit {s['rel_error_vs_ntk']:.2%}; the two LFP terms cross at "
            f"ξ ≈ {s['crossover_frequency']:.3g} cycles (ξ⁻⁴ below, ξ⁻² above)",
            f"final train loss {s['final_train_loss']:.3e} (lr {s['lr']:.3g})"]


LFP = register_kind(Kind("lfp-1d", LFPSpec, build_lfp, summarize_lfp,
                         "linear frequency principle: a wide ReLU net in the linear regime vs the LFP prediction and "
                         "splines", headline=lfp_headline, hint="lower train.lr_factor or train.momentum"))
