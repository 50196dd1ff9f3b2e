"""Consequences of the Frequency Principle: parity, depth, and training without gradients.

* ``parity`` (papers.md §1.6, §2.6, T10; author-code.md E10): n-bit parity f(x) = Π_j x_j on
  {−1, 1}^n is a high-frequency function (its Fourier transform along the diagonal,
  F(κ) = (−i)^n sin^n κ, peaks at κ = π/2).  A network fits the ``n_train`` training points and
  is at chance on the unseen ones; its spectrum along the diagonal has low-frequency power the
  parity lacks and keeps only part of the π/2 peak.
* ``deep-fprinciple`` (papers.md §3.4, T12/T13; Xu & Zhou, arXiv 2007.14313): steps to a fixed
  training loss for nets of equal width and increasing depth, for the target and for a
  lower-frequency reference target; and the low-frequency ratio LFR(δ) of the effective target
  S_l(x_i) → y_i of every hidden layer l of the deepest net, over training.
* ``fprinciple-pso`` (papers.md §2.7, T14; arXiv 2101.00747): the 1-D F-Principle experiment
  trained by a gradient-free optimiser — particle swarm (``pso``), an evolution strategy
  (``es``) or the (1+1)-ES (``one_plus_one``) — with the Δ_F heat map.

Design note: ``deep-fprinciple`` plans one :class:`Fit` per target, repeat and depth, each stopped
at ``train.stop_loss`` (the ensemble engine has no early stop, so these jobs train alone), and
joins them with ``combine``.  ``fprinciple-pso`` builds its optimiser from :data:`_GRADFREE` (name →
default learning rate and the ``[train]`` fields it takes) and counts its loss evaluations.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Annotated, Literal

import numpy as np
import torch

from .. import problems, train
from ..errors import InputError
from ..results import History
from ._common import (Activation, Budget, DistinctCounts, MLPSpec, PositiveFloat, RecordSpec, RegressionSpec, Scale,
                      Schedule, TrainSpec, UnitInterval, Variances, build_mlp, build_record, seeds_for, torch_dtype)
from ._fp_data import train_fit
from ._fprinciple import fprinciple_headline, fprinciple_summary, peak_fit
from ._kind import Kind, Plan, register_kind
from ._registry import BaseSpec
from ._spec import Check, Interval, Positive, at_least, within

__all__ = ["ParitySpec", "ParityProblemSpec", "ParityRecordSpec", "DeepFPSpec", "DeepProblemSpec", "DeepModelSpec",
           "DeepTrainSpec", "DeepRecordSpec", "PSOSpec", "GradFreeTrainSpec", "PARITY", "DEEP_FPRINCIPLE",
           "FPRINCIPLE_PSO"]


# --------------------------------------------------------------------------------------------
# parity
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParityProblemSpec:
    """``n_bits``: input dimension n (all 2^n inputs are enumerated; n ≤ 20); ``n_train``: training
    points drawn without replacement from the 2^n inputs (the rest are the unseen test set).

    Parameters
    ----------
    n_bits : int, default 10
        Input dimension n; the inputs are x ∈ {−1, 1}^n, the label the parity Π_j x_j (2 … 20).
    n_train : int, default 200
        Training inputs, drawn with the run's data seed (1 … 2^n − 1).
    """

    n_bits: Annotated[int, within(2, 20, "use 2 … 20 bits (all 2^n inputs are enumerated)")] = 10
    n_train: int = 200

    def validate(self):
        if not 1 <= self.n_train < 2**self.n_bits:
            raise InputError("problem.n_train", f"got {self.n_train} for {2 ** self.n_bits} possible inputs",
                             f"use 1 … {2 ** self.n_bits - 1} so that some inputs stay unseen")


# a lambda inside a field's annotation sees only builtins (get_type_hints evaluates it with the class namespace
# as globals): a constraint that needs a module name is defined here
_Kappa = Annotated[float, Check(lambda v: 0 < v < math.pi / 2, "use a κ in (0, π/2)")]


@dataclass(frozen=True)
class ParityRecordSpec(Schedule):
    """``every``: loss and accuracies; ``snapshot_every``: the diagonal spectrum of the output
    (default ≈ 50 snapshots); ``n_kappa``: κ grid on [0, π/2]; ``low_band``: κ ≤ low_band is the
    "low band" of the summary (π/4 in papers.md T10).

    Parameters
    ----------
    every : int, default 10
        Steps between records of the loss and the train/test accuracies.
    snapshot_every : int, optional
        Steps between records of the diagonal spectrum of the output (unset: ≈ 50 snapshots).
    n_kappa : int, default 101
        Points of the κ grid ``linspace(0, π/2, n_kappa)`` (≥ 3).
    low_band : float, default π/4
        κ ≤ ``low_band`` is the summary's low band (0 < low_band < π/2).
    """

    every: Positive = 10
    n_kappa: Annotated[int, at_least(3, "use at least 3 points")] = 101
    low_band: _Kappa = math.pi / 4


@dataclass(frozen=True)
class ParitySpec(BaseSpec):
    experiment: str = "parity"
    problem: ParityProblemSpec = field(default_factory=ParityProblemSpec)
    model: MLPSpec = field(default_factory=lambda: MLPSpec(widths=(500, 100), init="std", init_std=0.05))
    train: TrainSpec = field(default_factory=lambda: TrainSpec(lr=5e-4, steps=1000))
    record: ParityRecordSpec = field(default_factory=ParityRecordSpec)


def _build_parity(spec: ParitySpec, device: str = "cpu") -> Plan:
    dtype, seeds, p, r = torch_dtype(spec.dtype), seeds_for(spec.seed), spec.problem, spec.record
    problem, x_all, y_all = problems.parity_data(p.n_bits, p.n_train, seed=seeds["data"], dtype=dtype, device=device)
    model = build_mlp(spec.model, p.n_bits, 1, seed=seeds["init"], dtype=dtype, device=device)
    kappa = torch.linspace(0, math.pi / 2, r.n_kappa, dtype=torch.float64)
    probes = (train.TrainLoss(), train.Accuracy("train"), train.Accuracy("test"),
              train.DiagonalSpectrum(kappa, points=x_all, labels=y_all))
    return Plan([train_fit(spec.train, model, problem, build_record(r, probes), seed=seeds["batches"])])


def _summarize_parity(spec: ParitySpec, plan: Plan, history) -> dict:
    p, r = spec.problem, spec.record
    k, out, parity = history["kappa"], history["diagonal_spectrum"][-1], history["parity_spectrum"]
    low = k <= r.low_band + 1e-12
    top = int(np.argmin(np.abs(k - math.pi / 2)))
    return {
        "train_accuracy": float(history["train_accuracy"][-1]), "test_accuracy": float(history["test_accuracy"][-1]),
        "n_train": p.n_train, "n_test": 2**p.n_bits - p.n_train, "final_train_loss": float(history["train_loss"][-1]),
        "low_band": float(r.low_band), "low_band_output": float(out[low].mean()),
        "low_band_parity": float(parity[low].mean()), "peak_output": float(out[top]), "peak_parity": float(parity[top]),
        "kappa_of_output_max": float(k[int(np.argmax(out))]),
    }


def _headline_parity(spec: ParitySpec, s: dict) -> list[str]:
    return [f"{spec.problem.n_bits}-bit parity: train accuracy {s['train_accuracy']:.3f}, accuracy on the "
            f"{s['n_test']} unseen inputs {s['test_accuracy']:.3f}",
            f"diagonal spectrum: mean |F| for κ ≤ {s['low_band']:.3g} is {s['low_band_output']:.3g} (parity "
            f"{s['low_band_parity']:.3g}); |F(π/2)| = {s['peak_output']:.3g} (parity 1)"]


PARITY = register_kind(Kind("parity", ParitySpec, _build_parity, _summarize_parity,
                            "Parity is high-frequency: the net fits the training bits, is at chance on unseen inputs, "
                            "and its spectrum along the diagonal stays low-frequency", headline=_headline_parity))


# --------------------------------------------------------------------------------------------
# deep-fprinciple
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeepProblemSpec:
    """A 1-D target on a uniform grid (as :class:`RegressionSpec`) and a lower-frequency
    ``reference_target`` trained at every depth too (empty string: none).

    Parameters
    ----------
    target : str, default "cos(3*x) + cos(5*x)"
        The target f as an expression in ``x`` (whitelisting parser, never executed).
    reference_target : str, default "cos(x) + cos(2*x)"
        A lower-frequency target trained at every depth for comparison; ``""``: none.
    domain : list of float, default [-π, π]
        The interval ``[lo, hi]`` (lo < hi).
    n_train : int, default 201
        Training points ``linspace(lo, hi, n_train)`` (endpoints included).
    """

    target: str = "cos(3*x) + cos(5*x)"
    reference_target: str = "cos(x) + cos(2*x)"
    domain: Interval = (-math.pi, math.pi)
    n_train: int = 201


@dataclass(frozen=True)
class DeepModelSpec:
    """MLPs of equal ``width`` with each number of hidden layers in ``depths`` (init as
    :class:`simbias.nn.MLP`).

    Parameters
    ----------
    width : int, default 100
        Width of every hidden layer (≥ 1).
    depths : list of int, default [1, 2, 3, 4]
        The numbers of hidden layers trained, each once (≥ 1, no repeats).
    activation : str, default "tanh"
        A name of :data:`simbias.nn.ACTIVATIONS`.
    init : {"power", "std", "xavier", "he", "lecun"}, default "power"
        Initialisation of the weights (as :class:`simbias.nn.MLP`).
    init_t : float, default 0.5
        Exponent t of ``"power"``: std = width^(−t).
    init_std : float, optional
        Standard deviation of ``"std"`` (required there).
    """

    width: Positive = 100
    depths: DistinctCounts = (1, 2, 3, 4)
    activation: Activation = "tanh"
    init: Literal["power", "std", "xavier", "he", "lecun"] = "power"
    init_t: float = 0.5
    init_std: float | None = None


@dataclass(frozen=True)
class DeepTrainSpec(Budget):
    """``steps``: the most updates per run; each run stops at ``stop_loss`` (training MSE);
    ``repeats``: initialisations per depth (seeds ``seed``, ``seed+1``, …; the median of the
    steps is reported; a run that never reaches the loss counts as ``steps + 1`` in the median).

    Parameters
    ----------
    optimizer : str, default "adam"
        A name of :data:`simbias.train.OPTIMIZERS`.
    lr : float, default 1e-3
        Learning rate (> 0).
    steps : int, default 10000
        The most updates per run (≥ 1).
    stop_loss : float, default 0.05
        A run stops once its training MSE falls below this (> 0).
    repeats : int, default 5
        Initialisations per depth (≥ 1).
    momentum : float, default 0.0
        SGD momentum (used only with ``optimizer = "sgd"``).
    """

    steps: Positive = 10000
    stop_loss: PositiveFloat = 0.05
    repeats: Positive = 5
    momentum: UnitInterval = 0.0


@dataclass(frozen=True)
class DeepRecordSpec:
    """LFR of the effective targets of the deepest net (first repeat), at ``snapshot_every``
    steps (default ≈ 50 snapshots): δ values in units of the mean squared pairwise distance of
    each layer's outputs (``scale``).

    Parameters
    ----------
    snapshot_every : int, optional
        Steps between LFR measurements (unset: ``max(1, train.steps // 50)``).
    deltas : list of float, default [0.003, 0.01, 0.03, 0.1]
        The filter variances δ > 0 of the low-frequency ratio
        LFR(δ) = Σ|y^{low,δ}|² / Σ|y|² (:class:`simbias.train.EffectiveTargetLFR`).
    scale : str, default "rms_distance"
        Rescaling of each layer's outputs before filtering: ``"none"``, ``"max_norm"``,
        ``"rms_distance"`` or ``"mean_distance"`` (:func:`simbias.spectral.rescale_inputs`).
    """

    snapshot_every: int | None = None
    deltas: Annotated[Variances, Check(len, "give at least one δ")] = (0.003, 0.01, 0.03, 0.1)
    scale: Scale = "rms_distance"


@dataclass(frozen=True)
class DeepFPSpec(BaseSpec):
    experiment: str = "deep-fprinciple"
    problem: DeepProblemSpec = field(default_factory=DeepProblemSpec)
    model: DeepModelSpec = field(default_factory=DeepModelSpec)
    train: DeepTrainSpec = field(default_factory=DeepTrainSpec)
    record: DeepRecordSpec = field(default_factory=DeepRecordSpec)


def _build_deep(spec: DeepFPSpec, device: str = "cpu") -> Plan:
    """One job per (target, repeat, depth); the deepest net's first repeat on the target records the LFR."""
    dtype, p, m, t, r = torch_dtype(spec.dtype), spec.problem, spec.model, spec.train, spec.record
    targets = {"target": p.target, **({"reference": p.reference_target} if p.reference_target.strip() else {})}
    snap_every = r.snapshot_every or max(1, t.steps // 50)
    fits, jobs, net = [], [], {k: getattr(m, k) for k in ("activation", "init", "init_t", "init_std")}
    for key, expr in targets.items():
        fn = problems.parse_expression(expr, dim=1, name="problem.target" if key == "target" else "problem.reference_target")
        problem = problems.make_regression(fn, domain=p.domain, n_train=p.n_train, dtype=dtype, device=device)
        for rep in range(t.repeats):
            init = seeds_for(spec.seed + rep)["init"]
            for depth in m.depths:
                model = build_mlp(MLPSpec((m.width,) * depth, **net), 1, 1, seed=init, dtype=dtype, device=device)
                lfr = key == "target" and rep == 0 and depth == max(m.depths)
                probes = (train.TrainLoss(), train.EffectiveTargetLFR(r.deltas, scale=r.scale)) if lfr else ()
                record = train.Record(every=snap_every if lfr else None, snapshot_every=snap_every, probes=probes)
                fits.append(train_fit(t, model, problem, record, stop_loss=t.stop_loss,
                                      name=f"{key} depth {depth} repeat {rep}", trainer=train.fit_job))
                jobs.append((key, rep, depth, lfr))

    def combine(hs: list[History]) -> History:
        reached = {}  # (key, depth) -> steps to the loss of every repeat (-1: never)
        static: dict[str, np.ndarray] = {"depths": np.asarray(m.depths)}
        lfr = None
        for (key, rep, depth, want), h in zip(jobs, hs):
            hit = np.nonzero(h["loss"] <= t.stop_loss)[0]
            reached.setdefault((key, depth), []).append(int(hit[0]) if hit.size else -1)
            if rep == 0:
                static[f"loss_{key}_depth{depth}"] = h["loss"]
            lfr = h if want else lfr
        for key, name in (("target", "steps_to_loss_all"), ("reference", "steps_to_loss_reference_all")):
            if key in targets:
                static[name] = np.asarray([reached[key, d] for d in m.depths])
        if lfr is None or "effective_lfr" not in lfr:
            return History(steps=np.asarray([0]), static=static)
        static.update({k: lfr[k] for k in ("snapshot_steps", "lfr_deltas", "lfr_layers")})
        return History(steps=np.asarray(lfr.steps), static=static,
                       arrays={"effective_lfr": lfr["effective_lfr"], "train_loss": lfr["train_loss"]})

    return Plan(fits, combine=combine)


def _summarize_deep(spec: DeepFPSpec, plan: Plan, history) -> dict:
    m, t = spec.model, spec.train
    if "steps_to_loss_all" not in history:
        return {"diverged": history.info.get("job")}

    def per_depth(name, fn):
        return {str(d): fn(row) for d, row in zip(m.depths, history[name])}

    def median(row) -> int | None:  # a run that never got there counts as train.steps + 1
        mid = statistics.median(t.steps + 1 if s < 0 else s for s in row)
        return None if mid > t.steps else int(round(mid))

    summary: dict = {
        "depths": list(m.depths), "width": m.width, "target_loss": float(t.stop_loss), "repeats": t.repeats,
        "steps_to_loss": per_depth("steps_to_loss_all", median),
        "steps_to_loss_runs": per_depth("steps_to_loss_all", lambda row: [None if s < 0 else int(s) for s in row])}
    if "steps_to_loss_reference_all" in history:
        summary["steps_to_loss_reference"] = per_depth("steps_to_loss_reference_all", median)
    if "effective_lfr" in history:
        lfr = history["effective_lfr"]  # (snapshots, layers, deltas)
        summary.update(lfr_deltas=[float(d) for d in history["lfr_deltas"]],
                       lfr_layers=[int(v) for v in history["lfr_layers"]],
                       lfr_initial=np.round(lfr[0], 6).tolist(), lfr_final=np.round(lfr[-1], 6).tolist())
    return summary


def _headline_deep(spec: DeepFPSpec, s: dict) -> list[str]:
    p, depths = spec.problem, spec.model.depths
    head = [f"steps to training MSE ≤ {s['target_loss']:g} (median of {s['repeats']}) by depth {list(depths)} at width "
            f"{s['width']}: {[s['steps_to_loss'][str(d)] for d in depths]} for {p.target}"]
    if "steps_to_loss_reference" in s:
        head.append(f"  … and {[s['steps_to_loss_reference'][str(d)] for d in depths]} for the lower-frequency "
                    f"{p.reference_target}")
    if "lfr_final" in s:
        j = len(spec.record.deltas) // 2
        head.append(f"LFR(δ = {spec.record.deltas[j]:g}) of the effective target by layer (0 = input), deepest net: "
                    f"initial {[round(row[j], 3) for row in s['lfr_initial']]}, final "
                    f"{[round(row[j], 3) for row in s['lfr_final']]}")
    return head


DEEP_FPRINCIPLE = register_kind(Kind(
    "deep-fprinciple", DeepFPSpec, _build_deep, _summarize_deep,
    "Deep frequency principle: deeper nets reach a fixed loss in fewer steps; effective targets of deeper layers "
    "are lower-frequency", headline=_headline_deep))


# --------------------------------------------------------------------------------------------
# fprinciple-pso
# --------------------------------------------------------------------------------------------

# optimiser -> (default learning rate, the [train] fields it takes); others (adam, sgd): lr 1e-3, no options
_GRADFREE: dict[str, tuple[float, tuple[str, ...]]] = {
    "pso": (1.0, ("particles", "inertia", "cognitive", "social", "spread", "v_max", "chunk_size")),
    "es": (0.02, ("population", "sigma", "chunk_size")),
    "one_plus_one": (0.05, ()),
}


@dataclass(frozen=True)
class GradFreeTrainSpec:
    """A gradient-free optimiser (``pso``, ``es``, ``one_plus_one``; or ``adam``/``sgd`` to compare).

    ``lr``: unset = the optimiser's default (PSO 1 = the standard move, ES 0.02 = Adam step,
    (1+1)-ES 0.05 = initial σ).  PSO: ``particles``, ``inertia`` ω, ``cognitive`` c₁, ``social``
    c₂ (defaults 0.7298, 1.49618, 1.49618; papers.md §2.7), ``spread`` (initial swarm std; unset =
    std of the initial parameters), ``v_max``.  ES: ``population`` (evaluations per step),
    ``sigma``.  ``chunk_size``: particles per vmapped call.

    Parameters
    ----------
    optimizer : {"pso", "es", "one_plus_one", "adam", "sgd"}, default "pso"
        The optimiser: particle swarm, evolution strategy, (1+1)-ES, or a gradient one to compare.
    lr : float, optional
        Step size (> 0); unset: the optimiser's default (see above).
    steps : int, default 8000
        Number of optimiser steps (≥ 1).
    particles : int, default 100
        PSO swarm size.
    inertia : float, default 0.7298
        PSO inertia weight ω.
    cognitive : float, default 1.49618
        PSO cognitive coefficient c₁ (pull towards each particle's best).
    social : float, default 1.49618
        PSO social coefficient c₂ (pull towards the swarm's best).
    spread : float, optional
        Standard deviation of the initial swarm around the initial parameters (unset: their std).
    v_max : float, optional
        PSO velocity clamp (unset: none).
    population : int, default 100
        ES evaluations per step.
    sigma : float, default 0.01
        ES perturbation standard deviation.
    chunk_size : int, optional
        Particles per vmapped call (memory bound; unset: all at once).
    """

    optimizer: Literal["pso", "es", "one_plus_one", "adam", "sgd"] = "pso"
    lr: PositiveFloat | None = None
    steps: Positive = 8000
    particles: int = 100
    inertia: float = 0.7298
    cognitive: float = 1.49618
    social: float = 1.49618
    spread: float | None = None
    v_max: float | None = None
    population: int = 100
    sigma: float = 0.01
    chunk_size: int | None = None


@dataclass(frozen=True)
class PSOSpec(BaseSpec):
    experiment: str = "fprinciple-pso"
    problem: RegressionSpec = field(default_factory=lambda: RegressionSpec(n_train=101))
    model: MLPSpec = field(default_factory=lambda: MLPSpec(widths=(20,), init="std", init_std=0.5))
    train: GradFreeTrainSpec = field(default_factory=GradFreeTrainSpec)
    record: RecordSpec = field(default_factory=lambda: RecordSpec(every=10, max_peaks=3))


def _build_pso(spec: PSOSpec, device: str = "cpu") -> Plan:
    t, (f, seeds) = spec.train, peak_fit(spec, device)
    lr, fields = _GRADFREE.get(t.optimizer, (1e-3, None))  # None: a gradient optimiser, for comparison
    f.optimizer, f.lr = t.optimizer, t.lr or lr
    if fields is not None:  # built once here (the parameters stay as they are): bad settings fail before the claim
        f.options = {"optimizer_options": {"seed": seeds["optimizer"], **{k: getattr(t, k) for k in fields}}}
        f.trainer = train.fit_counting
        train.make_optimizer(t.optimizer, f.model.parameters(), lr=f.lr, **f.options["optimizer_options"])
    return Plan([f])


def _summarize_pso(spec: PSOSpec, plan: Plan, history) -> dict:
    return {**fprinciple_summary(history, spec.record.threshold), "optimizer": spec.train.optimizer,
            "loss_evaluations": int(history.info.get("loss_evaluations", spec.train.steps)),
            "wall_time_s": round(float(history.info.get("wall_time_s", 0.0)), 3)}


def _headline_pso(spec: PSOSpec, s: dict) -> list[str]:
    peaks, loss = fprinciple_headline(spec, s)[:2]  # the 1-D lines, naming the optimiser and the evaluations
    return [f"{s['optimizer']}: {peaks}", f"{loss} after {s['loss_evaluations']} loss evaluations"]


FPRINCIPLE_PSO = register_kind(Kind(
    "fprinciple-pso", PSOSpec, _build_pso, _summarize_pso,
    "F-Principle without gradients: particle swarm (or an evolution strategy) trains a small tanh net on "
    "sin x + sin 3x + sin 5x", headline=_headline_pso))
