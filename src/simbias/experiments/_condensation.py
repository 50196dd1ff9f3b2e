"""Condensation of two-layer networks: the 4-point example (``condensation-1d``, papers.md T20/T22)
and initial condensation with activations of multiplicity p (``condensation-initial``, T21).

Also the spec sections shared by every two-layer kind (``condensation-*``, ``phase-diagram``,
``lfp-1d``): a 1-D point data set (``problem.*``: a target sampled on a grid, or explicit
``problem.x``/``problem.y``), the two-layer net f(x) = (1/α) Σ_k a_k σ(w_k·x + b_k) (``model.*``:
either ``init_t`` — std m^(−t) for every parameter, α = 1 — or ``alpha``/``beta1``/``beta2``), and
full-batch training with a learning-rate rule (``train.lr`` = a number, ``"auto"`` or ``"scaled"``,
see :mod:`simbias.train._lr`).

``condensation-1d`` (authors' tutorial, author-code.md E12): 4 points on [−1, 1] from
0.2·ReLU(x − 1/3) + 0.2·ReLU(−x − 1/3), width 1000, ReLU, no output bias, every parameter with std
m^(−t), full-batch GD for 10 000 steps.  t = 0.1 / 0.5 / 1 ↔ (γ, γ′) = (0.2, 0) linear /
(1, 0) critical / (2, 0) condensed.  The tutorial trains with lr 0.05 at t = 1; that fixed rate
diverges at t = 0.1 (research T20), so the preset uses ``lr = "auto"`` capped at 0.05: the NTK rule
in the linear regime, the tutorial's rate in the condensed one.

``condensation-initial`` (author-code.md E13; arXiv 2105.11686): 5-D input, 80 points uniform in
[−4, 2]⁵, f(x) = Σ_k 3.5 sin(5x_k + 1), width 50, std 50^(−4), Adam 1e-3, 100 steps; the
cosine-similarity matrix of the input vectors (w_k, b_k) shows condensation onto at most 2p
orientations for an activation of multiplicity p.  What was checked (README, tests):

* p = 1 (tanh): every neuron on one line (two opposite orientations) by step 10–50 for seeds 0–3
  (a second line appears at step ~60 for seed 1: the initial stage is over).  Under GD the line is
  the direction v = Σ_i y_i x̃_i of the leading-order flow dw_k/dt ∝ a_k v (amplitude-weighted
  |cos| 0.97–0.99 for 3 of 4 seeds; the fourth had left the initial stage at the first check);
  Adam's sign-like steps tilt it (0.88).
* p = 2 (x·tanh x) with the E13 protocol (Adam): 2–4 orientations carry 90 % of the amplitude for
  the preset's data seeds 0–3 (≤ 2p), but other data draws gave 6 (and 8–9 clusters counting every
  neuron) — the bound is not a property of this protocol.  With plain GD and small init (std 1e-3,
  ``train.stop_loss_ratio = 0.97`` to end the initial stage) the amplitude sits on one
  orientation along ±v_max / ±v_min of M = Σ_i y_i x̃_i x̃_iᵀ, as the flow dw_k/dt ∝ a_k M w_k
  predicts (alignment 0.86–0.96); but the blow-up is winner-take-all (a neuron's escape time
  ∝ 1/|a_k(0)|), so only one or two neurons grow before the loss moves and the rest keep their
  random directions: ≤ 2p holds for the amplitude, not for every neuron.
* p = 3 (x²·tanh x): nothing moves in the E13 protocol (the gradients, ∝ w², are far below Adam's
  ε = 1e-8, so Adam takes tiny GD-like steps) nor under GD from std 1e-3 within 40 000 steps; from
  std 1e-2 GD grows 1–4 neurons.
"""


from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Annotated, Callable, Literal, Union

import numpy as np
import torch

from .. import condensation as cond
from .. import nn as snn
from .. import problems, theory, train
from ..errors import InputError
from ..results import History
from ._common import Activation, Optimizer, PositiveFloat, init_generator, seeds_for, torch_dtype
from ._kind import Fit, Kind, Plan, register_kind
from ._registry import BaseSpec
from ._spec import Check, Count, Interval, Points, Positive, at_least, within

__all__ = ["PointsSpec", "BoxDataSpec", "TwoLayerSpec", "LrRuleSpec", "TwoLayerTrainSpec", "CondensationRecordSpec",
           "CondensationAnalysisSpec", "Condensation1DSpec", "InitialCondensationSpec",
           "two_layer_fit", "condensation_summary", "initial_condensation_summary", "CONDENSATION_1D",
           "CONDENSATION_INITIAL"]

# (a lambda inside an annotation sees only builtins: get_type_hints evaluates it in the class namespace)
_ANGLE = Check(lambda v: 0 < v <= math.pi, "use an angle in (0, π] radians")
# explicit data points; the evaluation grid (empty: the data's domain)
Xs = Annotated[tuple[float, ...] | None, Check(lambda v: len(set(v)) == len(v) >= 2, "give ≥ 2 distinct points")]
TestDomain = Annotated[tuple[float, ...], Check(lambda v: not v or len(v) == 2 and v[0] < v[1],
                                                "give [lo, hi] with lo < hi, or []")]
# [train] keys a subclass gives other defaults (a redeclared field keeps its check only by repeating it)
LrMax = Annotated[Union[float, Literal["none"]],
                  Check(lambda v: v == "none" or v > 0, "use a positive number or 'none'")]


def check_labels(x, y) -> None:
    """``problem.y``: one label per point of ``problem.x`` (the check of the point data sets)."""
    if y is not None and (x is None or len(y) != len(x)):
        raise InputError("problem.y", f"has {len(y)} values for {len(x or ())} points",
                         "give one y per point of problem.x")


def check_even(width: int, antisymmetric: bool = True, key: str = "model.width") -> None:
    """Mirrored pairs (``model.antisymmetric``) need an even width."""
    if antisymmetric and width % 2:
        raise InputError(key, f"got {width} with model.antisymmetric=true", "use an even width (mirrored pairs)")


# --------------------------------------------------------------------------------------------
# spec sections shared by the two-layer kinds
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PointsSpec:
    """A 1-D data set: ``n_train`` points of ``target`` on ``domain`` (endpoints included), or the
    explicit points ``x`` (with labels ``y``, or ``target`` evaluated at them).

    ``n_train`` is used only without ``x``.  ``test_domain`` is the evaluation grid for figures
    (``n_test`` points; empty: ``domain`` widened to cover the points).  With explicit ``y`` the
    reference curve on the grid is the piecewise-linear interpolant of the data.

    (Spec fields that may be unset default to unset in every spec class, so that a spec written to
    TOML — which has no null — reads back the same.)
    """

    target: str = "0.2*relu(x - 1/3) + 0.2*relu(-x - 1/3)"  # the tutorial's (author-code.md E12)
    domain: Interval = (-1.0, 1.0)
    n_train: Points = 4
    x: Xs = None
    y: tuple[float, ...] | None = None
    n_test: Points = 1000
    test_domain: TestDomain = ()

    def validate(self):
        check_labels(self.x, self.y)
        if self.y is None:
            problems.parse_expression(self.target, dim=1, name="problem.target")


@dataclass(frozen=True)
class BoxDataSpec:
    """``n_train`` points uniform in the box ``domain``^dim (drawn with the run's data seed), labels
    ``target`` (an expression in x1 … xd); ``n_test`` held-out points drawn the same way.

    Parameters
    ----------
    target : str
        Labels as an expression in x1 … xd (default: Σ_k 3.5 sin(5x_k + 1), author-code.md E13).
    dim : int, default 5
        Input dimension d (≥ 1).
    domain : list of float, default [-4.0, 2.0]
        ``[lo, hi]`` of every coordinate.
    n_train : int, default 80
        Training points (≥ 2).
    n_test : int, default 1000
        Held-out points (≥ 2).
    """

    target: str = "3.5*(sin(5*x1 + 1) + sin(5*x2 + 1) + sin(5*x3 + 1) + sin(5*x4 + 1) + sin(5*x5 + 1))"
    dim: Positive = 5
    domain: Interval = (-4.0, 2.0)
    n_train: Points = 80
    n_test: Points = 1000

    def validate(self):
        problems.parse_expression(self.target, dim=self.dim, name="problem.target")


@dataclass(frozen=True)
class TwoLayerSpec:
    """The two-layer net f(x) = (1/α) Σ_k a_k σ(w_k·x + b_k) (see :class:`simbias.nn.TwoLayer`).

    ``init_t``: every parameter drawn with std width^(−t) and α = 1 (the authors' convention,
    (γ, γ′) = (2t, 0)); when given it sets α, β₁, β₂, so those must be left unset — set
    ``model.init_t="none"`` to give them instead (a string, so that it survives TOML).
    ``antisymmetric``: mirrored pairs, f ≡ 0 at the start.
    ``bias``: hidden biases b_k (the output layer never has one).
    """

    width: Positive = 1000
    activation: Activation = "relu"
    alpha: PositiveFloat | None = None
    beta1: PositiveFloat | None = None
    beta2: PositiveFloat | None = None
    init_t: Union[float, Literal["none"]] = 1.0
    antisymmetric: bool = False
    bias: bool = True

    @property
    def t(self) -> float | None:
        """``init_t`` as a number, ``None`` when unset."""
        return None if self.init_t == "none" else float(self.init_t)

    def validate(self):
        given = [n for n in ("alpha", "beta1", "beta2") if getattr(self, n) is not None]
        if self.t is not None and given:
            raise InputError(f"model.{given[0]}", f"given together with model.init_t={self.init_t}",
                             "init_t sets alpha = 1 and beta1 = beta2 = width^(-t); "
                             "set model.init_t=none to give alpha/beta1/beta2")
        check_even(self.width, self.antisymmetric)


@dataclass(frozen=True)
class LrRuleSpec:
    """The keys every two-layer ``[train]`` section has: optimiser, learning-rate rule, restarts and
    steps (documented on :class:`TwoLayerTrainSpec` and the phase diagram's ``PhaseTrainSpec``)."""

    optimizer: Optimizer = "sgd"
    lr: Annotated[Union[float, Literal["auto", "scaled"]],
                  Check(lambda v: isinstance(v, str) or v > 0, "use a positive number, 'auto' or 'scaled'")] = "auto"
    lr_factor: Annotated[float, Check(lambda v: 0 < v < 2, "use 0 < factor < 2 (GD is unstable at ≥ 2/λ_max)")] = 0.5
    lr_max: LrMax = "none"
    lr0: PositiveFloat = 1e-3
    backtrack: bool = False
    max_restarts: Count = 20
    steps: Positive = 10000


@dataclass(frozen=True)
class TwoLayerTrainSpec(LrRuleSpec):
    """Full-batch training of a two-layer net.

    ``lr``: a number, ``"auto"`` (0.5/λ_max of the initial empirical NTK — ``lr_factor``/λ_max —
    capped at ``lr_max``·α when ``lr_max`` is set) or ``"scaled"`` (η₀·α·√(β₁β₂) with η₀ = ``lr0``,
    the authors' phase-diagram rule).  ``backtrack``: restart from the same initialisation with
    half the rate whenever the loss increases (at most ``max_restarts`` times).
    ``stop_loss_ratio``: stop once the loss falls below this fraction of its initial value (the end
    of the initial stage); checked every ``record.snapshot_every`` steps.

    Parameters
    ----------
    optimizer : str, default "sgd"
        A name of :data:`simbias.train.OPTIMIZERS` (``sgd`` with the default momentum 0 is plain GD).
    lr : float or {"auto", "scaled"}, default "auto"
        A number, ``"auto"`` (``lr_factor``/λ_max of the initial empirical NTK, capped at
        ``lr_max``·α when ``lr_max`` is set) or ``"scaled"`` (η₀·α·√(β₁β₂) with η₀ = ``lr0``, the
        authors' phase-diagram rule); see :mod:`simbias.train._lr`.
    lr_factor : float, default 0.5
        c of ``"auto"``: lr = c/λ_max of the initial empirical NTK (0 < c < 2).
    lr_max : float or "none", default "none"
        Cap of ``"auto"``: lr ≤ ``lr_max``·α (``"none"``: no cap).
    lr0 : float, default 1e-3
        η₀ of ``"scaled"``.
    backtrack : bool, default False
        Restart from the same initialisation with half the rate whenever the loss increases (at
        most ``max_restarts`` times).
    max_restarts : int, default 20
        The most restarts of ``backtrack`` (≥ 0).
    steps : int, default 10000
        Number of full-batch updates (≥ 1).
    momentum : float, default 0.0
        Heavy-ball momentum of ``sgd`` (ignored by the other optimisers).
    stop_loss_ratio : float, optional
        Stop once the loss falls below this fraction (in (0, 1)) of its initial value (the end of the
        initial stage); checked every ``record.snapshot_every`` steps.
    """

    momentum: float = 0.0
    stop_loss_ratio: Annotated[float | None, Check(lambda v: 0 < v < 1, "use a fraction in (0, 1), e.g. 0.97")] = None


@dataclass(frozen=True)
class CondensationRecordSpec:
    """Snapshots of the parameters and of the output on the evaluation grid every ``snapshot_every``
    steps (0: about 50 over the run)."""

    snapshot_every: Annotated[int, at_least(0, "use a positive integer (0: automatic)")] = 0


@dataclass(frozen=True)
class CondensationAnalysisSpec:
    """Thresholds of the condensation measures (papers.md T20–T22).

    ``tol_angle``: neurons within this angle (rad) of a cluster seed share an orientation;
    ``share``: the effective number of orientations carries this fraction of Σ_k A_k;
    ``merge_tol``: angle within which neurons are merged into one (papers.md T22); ``compress_tol``:
    the compressed net keeps the fewest merged neurons (largest amplitude first) whose output is
    within this relative L2 error of the full net's on the evaluation grid;
    ``cos_threshold`` (initial condensation): |cos| that counts as aligned for pairs.
    """

    tol_angle: Annotated[float, _ANGLE] = 0.1
    share: Annotated[float, Check(lambda v: 0 < v <= 1, "use a fraction in (0, 1]")] = 0.9
    merge_tol: Annotated[float, within(0.0, math.pi, "use an angle in [0, π] radians")] = 0.05
    compress_tol: Annotated[float, Check(lambda v: 0 < v < 1, "use a fraction in (0, 1), e.g. 0.01")] = 0.01
    cos_threshold: Annotated[float, Check(lambda v: 0 < v <= 1, "use a number in (0, 1]")] = 0.95


# --------------------------------------------------------------------------------------------
# builders and training
# --------------------------------------------------------------------------------------------

def phase_info(net: snn.TwoLayer) -> dict:
    """(γ, γ′) of the net's scaling at its width and the regime the theorems predict."""
    if net.width < 2:
        return {}
    g, gp = net.phase_coordinates
    return {"gamma": round(g, 6) + 0.0, "gamma_prime": round(gp, 6) + 0.0, "regime": theory.phase_regime(g, gp, tol=1e-6)}


def two_layer_fit(model: snn.TwoLayer, problem, t: TwoLayerTrainSpec, *, snapshot_every: int | None,
                  params: bool = True) -> Fit:
    """The training job of a two-layer net: the learning rate resolved on the initial net
    (``"auto"``/``"scaled"``, :func:`simbias.train.resolve_lr`), snapshots of the output on the
    evaluation grid (and, with ``params``, of the parameters).  A plain :class:`Fit` (sweeps train
    such members in lockstep) unless ``train.backtrack`` or ``train.stop_loss_ratio`` is set: then
    :func:`simbias.train.fit_backtracking` trains it (restarts with half the rate; stages of
    ``snapshot_every`` steps ending once the loss is below ``stop_loss_ratio`` × its start).

    Parameters
    ----------
    model : the initialised net (trained in place).
    problem : its data (``x_train``, ``y_train``, ``x_test``).
    t : the ``[train]`` section.
    snapshot_every : snapshot period (``None``/0: about 50 over the run).
    params : also snapshot the parameters.

    Returns
    -------
    Fit

    Examples
    --------
    >>> f = two_layer_fit(net, problem, TwoLayerTrainSpec(steps=100), snapshot_every=10)  # doctest: +SKIP
    """
    lr = train.resolve_lr(t.lr, model, problem.x_train, factor=t.lr_factor, lr_max=t.lr_max, lr0=t.lr0)
    opts = {"momentum": t.momentum} if t.optimizer == "sgd" and t.momentum else {}

    def record(k: int | None) -> train.Record:
        return train.Record(every=None, snapshot_every=k or None,
                            probes=(train.TwoLayerParams(),) * params + (train.Snapshots(),))

    def trainer(f: Fit, *, progress: bool = False, on_record=None) -> History:
        return train.fit_backtracking(f.model, f.problem, f.optimizer, f.lr, steps=f.steps,  # stages: record(k)
                                      record=f.record if t.stop_loss_ratio is None else record, optimizer_options=opts,
                                      max_restarts=t.max_restarts if t.backtrack else 0,
                                      stop_loss_ratio=t.stop_loss_ratio, stage_steps=snapshot_every,
                                      progress=progress, on_record=on_record)

    plain = not t.backtrack and t.stop_loss_ratio is None
    return Fit(model, problem, t.optimizer, lr, t.steps, record(snapshot_every),
               {"optimizer_options": opts} if opts else {}, trainer=None if plain else trainer)


def fit_lr(plan: Plan, history: History) -> tuple[float, int]:
    """(learning rate, restarts) of a two-layer plan's accepted training."""
    return float(history.info.get("lr", plan.fits[0].lr)), int(history.info.get("restarts", 0))


def _two_layer_kind(data: Callable, summary: Callable, diverged: Callable) -> tuple[Callable, Callable]:
    """``build``/``summarize`` of a kind that trains ``spec.model`` on the data set
    ``data(spec.problem, seed=<data seed>, dtype=, device=)`` and reports
    ``summary(history, spec, net=, lr=, restarts=)`` (``diverged(net, lr)`` after a divergence)."""

    def build(spec, device: str = "cpu") -> Plan:
        dtype, m = torch_dtype(spec.dtype), spec.model
        problem = data(spec.problem, seed=seeds_for(spec.seed)["data"], dtype=dtype, device=device)
        net = snn.TwoLayer(problem.in_features, m.width, activation=m.activation, alpha=m.alpha or 1.0,
                           beta1=m.beta1 or 1.0, beta2=m.beta2 or 1.0, init_t=m.t, antisymmetric=m.antisymmetric,
                           bias=m.bias, generator=init_generator(spec.seed), dtype=dtype, device=device)
        return Plan([two_layer_fit(net, problem, spec.train, snapshot_every=spec.record.snapshot_every)])

    def summarize(spec, plan: Plan, history: History) -> dict:
        (lr, restarts), net = fit_lr(plan, history), plan.fits[0].model
        return diverged(net, lr) if history.diverged else summary(history, spec, net=net, lr=lr, restarts=restarts)

    return build, summarize


# --------------------------------------------------------------------------------------------
# condensation-1d
# --------------------------------------------------------------------------------------------

# A kind's own defaults of a section are its default instance (a partial table in a user's TOML is
# completed from it, see :func:`~simbias.experiments.from_dict`).

@dataclass(frozen=True)
class Condensation1DSpec(BaseSpec):
    """Spec of ``condensation-1d``: the 4-point condensation example (papers.md T20/T22).

    A two-layer net f(x) = (1/α) Σ_k a_k σ(w_k·x + b_k) trained by full-batch GD on the tutorial's
    4 points; ``model.init_t`` = 0.1 / 0.5 / 1 gives the linear / critical / condensed regime
    ((γ, γ′) = (2t, 0); module docstring).
    ``description``, ``seed`` and ``dtype`` are the keys every kind has (see
    :class:`~simbias.experiments.BaseSpec`).

    Parameters
    ----------
    experiment : str, default "condensation-1d"
        The experiment kind (see ``simbias list``).
    problem : PointsSpec
        The data points and the evaluation grid of the figures (``problem.*``; the tutorial's 4
        points, author-code.md E12, evaluated on [−1.5, 1.5]).
    model : TwoLayerSpec
        Width, activation and initialisation scales of the two-layer net (``model.*``).
    train : TwoLayerTrainSpec
        Full-batch training and its learning-rate rule (``train.*``; ``lr = "auto"`` capped at
        the tutorial's 0.05).
    record : CondensationRecordSpec
        Parameter and output snapshots (``record.*``).
    analysis : CondensationAnalysisSpec
        Thresholds of the condensation measures (``analysis.*``).

    Examples
    --------
    >>> from simbias.experiments import Condensation1DSpec
    >>> spec = Condensation1DSpec()
    >>> spec.model.width, spec.model.init_t, spec.train.lr
    (1000, 1.0, 'auto')
    """

    experiment: str = "condensation-1d"
    problem: PointsSpec = field(default_factory=lambda: PointsSpec(test_domain=(-1.5, 1.5)))
    model: TwoLayerSpec = field(default_factory=TwoLayerSpec)
    train: TwoLayerTrainSpec = field(default_factory=lambda: TwoLayerTrainSpec(lr_max=0.05))  # the tutorial's rate
    record: CondensationRecordSpec = field(default_factory=CondensationRecordSpec)
    analysis: CondensationAnalysisSpec = field(default_factory=CondensationAnalysisSpec)


def condensation_summary(h: History, spec, *, net: snn.TwoLayer, lr: float, restarts: int = 0) -> dict:
    """The headline numbers of a condensation run, from its history alone (initial and final
    snapshots of the parameters, the output on the grid)."""
    an, (w0, b0, _), (w, b, a) = spec.analysis, cond.recorded_weights(h, 0), cond.recorded_weights(h, -1)
    alpha, act = net.alpha, snn.get_activation(spec.model.activation)
    feats = cond.neuron_features(w, b, a)
    n_or = cond.effective_width(feats, tol_angle=an.tol_angle, share=an.share)
    top = cond.orientation_clusters(feats, tol_angle=an.tol_angle)[:max(n_or, 1)]
    # ReLU and identity are positively 1-homogeneous: neurons of one orientation merge exactly (condensation._merge)
    merged = cond.merge_neurons(w, b, a, tol_angle=an.merge_tol,
                                activation_homogeneous=spec.model.activation in ("relu", "identity"))
    xt = torch.as_tensor(h["x_test"], dtype=torch.float64)
    full = cond.two_layer_forward(xt, w, b, a, act, alpha)
    k_small, err_small, err_merged = cond.compressed_width(merged, xt, act, full, alpha=alpha, tol=an.compress_tol)
    out: dict = {
        "rd": cond.relative_distance([t for t in (w0, b0) if t is not None], [t for t in (w, b) if t is not None]),
        "n_orientations": int(n_or),
        "amplitude_share": float(sum(c.share for c in top)),
        "merged_width": int(merged.width),
        "merged_rel_error": err_merged,
        "compressed_width": k_small,
        "compressed_rel_error": err_small,
        "final_train_loss": float(h.static["loss"][-1]) if len(h.static["loss"]) else float("nan"),
        "lr": float(lr),
        **({"restarts": int(restarts)} if restarts else {}),
    }
    if feats.is_angle and n_or <= 8:
        out["orientations"] = [round(float(math.atan2(c.direction[1], c.direction[0])), 4) for c in top]
    # deviation from the piecewise-linear interpolant of the data, on the data's span (1-D)
    xtr, ytr, xs = np.asarray(h["x_train"])[:, 0], np.asarray(h["y_train"])[:, 0], xt[:, 0].numpy()
    inside = (xs >= xtr.min()) & (xs <= xtr.max())
    if inside.any() and xt.shape[1] == 1:
        out["max_dev_linear"] = float(np.abs(full[:, 0].numpy()[inside] - np.interp(xs[inside], xtr, ytr)).max())
    return {**out, **phase_info(net)}


def _headline_1d(spec, s: dict) -> list[str]:
    reg = f" — theory: {s['regime']} at (γ, γ′) = ({s['gamma']:.3g}, {s['gamma_prime']:.3g})" if "regime" in s else ""
    return [f"RD = {s['rd']:.4g}{reg}",
            f"{100 * s['amplitude_share']:.1f} % of the amplitude on {s['n_orientations']} orientation(s)",
            f"merged into {s['merged_width']} neuron(s) (output changes by {s['merged_rel_error']:.1e}); the "
            f"{s['compressed_width']} largest reproduce it within {s['compressed_rel_error']:.1e}",
            f"final train loss {s['final_train_loss']:.3e} (lr {s['lr']:.3g})"]


CONDENSATION_1D = register_kind(Kind(
    "condensation-1d", Condensation1DSpec,
    *_two_layer_kind(lambda p, seed, **kw: problems.point_regression(**asdict(p), **kw), condensation_summary,
                     lambda net, lr: {**phase_info(net), "lr": lr}),
    "two-layer ReLU net on 4 points: linear, critical or condensed by the init scale (model.init_t)",
    headline=_headline_1d,
    hint="lower train.lr or set train.lr_max (train.lr='auto' is capped by lr_max·α)"))


# --------------------------------------------------------------------------------------------
# condensation-initial
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InitialCondensationSpec(BaseSpec):
    """Spec of ``condensation-initial``: initial condensation onto at most 2p orientations
    (papers.md T21; arXiv 2105.11686; author-code.md E13).

    A two-layer net of width 50 with tiny initialisation (std 50^(−4)) trained with Adam on 80
    points in 5-D; the cosine similarity of the input vectors (w_k, b_k) shows condensation for an
    activation of multiplicity p (module docstring).
    ``description``, ``seed`` and ``dtype`` are the keys every kind has (see
    :class:`~simbias.experiments.BaseSpec`).

    Parameters
    ----------
    experiment : str, default "condensation-initial"
        The experiment kind (see ``simbias list``).
    dtype : {"float32", "float64"}, default "float64"
        Floating-point type of models and data (float64 here: the weights start at ~10⁻⁷).
    problem : BoxDataSpec
        Points uniform in a box and their labels (``problem.*``).
    model : TwoLayerSpec
        The two-layer net (``model.*``; width 50, tanh, std 50^(−4), author-code.md E13).
    train : TwoLayerTrainSpec
        Optimiser and steps (``train.*``; Adam, lr 1e-3, 100 full-batch steps, E13).
    record : CondensationRecordSpec
        Snapshot interval (``record.*``; every 10 steps).
    analysis : CondensationAnalysisSpec
        Thresholds of the condensation measures (``analysis.*``; orientations within
        arccos 0.9 ≈ 0.451 rad: |cos| ≥ 0.9 within a cluster, papers.md T21).

    Examples
    --------
    >>> from simbias.experiments import InitialCondensationSpec
    >>> spec = InitialCondensationSpec()
    >>> spec.dtype, spec.model.width, spec.problem.dim
    ('float64', 50, 5)
    """

    experiment: str = "condensation-initial"
    dtype: Literal["float32", "float64"] = "float64"
    problem: BoxDataSpec = field(default_factory=BoxDataSpec)
    model: TwoLayerSpec = field(default_factory=lambda: TwoLayerSpec(width=50, activation="tanh", init_t=4.0))
    train: TwoLayerTrainSpec = field(default_factory=lambda: TwoLayerTrainSpec(optimizer="adam", lr=1e-3, steps=100))
    record: CondensationRecordSpec = field(default_factory=lambda: CondensationRecordSpec(snapshot_every=10))
    analysis: CondensationAnalysisSpec = field(default_factory=lambda: CondensationAnalysisSpec(tol_angle=0.451))


def initial_condensation_summary(h: History, spec, *, lr: float, restarts: int = 0, **_) -> dict:
    an, (w, b, a) = spec.analysis, cond.recorded_weights(h, -1)
    feats = cond.neuron_features(w, b, a)
    nz = feats.norm > 0
    m = int(nz.sum())
    pairs = (cond.cosine_similarity_matrix(w, b, order=False)[0][nz][:, nz].abs() >= an.cos_threshold).sum() - m
    p = theory.activation_multiplicity(snn.get_activation(spec.model.activation), strict=False)
    n_or = cond.effective_width(feats, tol_angle=an.tol_angle, share=an.share)
    loss = np.asarray(h.static["loss"])
    out: dict = {
        "multiplicity": p,
        "max_orientations": None if p is None else 2 * p,
        "n_orientations": int(n_or),
        "n_lines": int(cond.effective_width(feats, tol_angle=an.tol_angle, share=an.share, lines=True)),
        "n_orientations_all": len(cond.orientation_clusters(feats, tol_angle=an.tol_angle)),
        "pair_fraction": float(pairs) / (m * (m - 1)) if m > 1 else float("nan"),  # off-diagonal pairs (ordered)
        "claim_holds": None if p is None else bool(n_or <= 2 * p),
        "loss_ratio": float(loss[-1] / loss[0]) if len(loss) and loss[0] > 0 else float("nan"),
        "steps_done": int(len(loss)),
        "lr": float(lr),
    }
    x, y = (torch.as_tensor(h[k], dtype=torch.float64) for k in ("x_train", "y_train"))
    dirs = theory.condensation_directions(x, y, p, bias=b is not None)
    if dirs is not None:
        al, A = (feats.direction @ dirs.T).abs().max(dim=1).values, feats.amplitude
        out["theory_alignment"] = float((al * A).sum() / A.sum()) if float(A.sum()) > 0 else float("nan")
    return {**out, **({"restarts": int(restarts)} if restarts else {})}


def _initial_headline(spec: InitialCondensationSpec, s: dict) -> list[str]:
    p = s["multiplicity"]
    return [f"activation {spec.model.activation}: multiplicity p = {p if p is not None else 'n/a (not smooth at 0)'}",
            f"{s['n_orientations']} orientation(s) carry {100 * spec.analysis.share:.0f} % of the amplitude"
            + (f" (claim: ≤ 2p = {2 * p})" if p is not None else "")
            + f"; {100 * s['pair_fraction']:.1f} % of neuron pairs have |cos| ≥ {spec.analysis.cos_threshold}",
            f"loss at {100 * s['loss_ratio']:.1f} % of its initial value after {s['steps_done']} steps"]


CONDENSATION_INITIAL = register_kind(Kind(
    "condensation-initial", InitialCondensationSpec,
    *_two_layer_kind(lambda p, **kw: problems.box_regression(**asdict(p), **kw), initial_condensation_summary,
                     lambda net, lr: {}),
    "initial condensation: small init condenses input weights onto ≤ 2p orientations (activation multiplicity p)",
    headline=_initial_headline))
