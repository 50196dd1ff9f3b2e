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

Design note: ``deep-fprinciple`` trains one :func:`simbias.train.fit` per depth and repeat and
stops each at ``train.stop_loss``; the ensemble engine batches only same-shape models and has no
early stop, so per-depth runs are both simpler and cheaper here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from .. import nn as snn
from .. import problems, train
from ..errors import InputError
from ..results import History
from ._common import (MLPSpec, RecordSpec, RegressionSpec, TrainSpec, build_mlp, build_optimizer, build_record,
                      build_regression, seeds_for, torch_dtype)
from ._fprinciple import fprinciple_summary
from ._registry import BaseSpec, Result, register

__all__ = ["ParitySpec", "ParityProblemSpec", "ParityRecordSpec", "DeepFPSpec", "DeepProblemSpec", "DeepModelSpec",
           "DeepTrainSpec", "DeepRecordSpec", "PSOSpec", "GradFreeTrainSpec", "parity_data", "run_parity",
           "run_deep_fprinciple", "run_fprinciple_pso"]


# --------------------------------------------------------------------------------------------
# parity
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParityProblemSpec:
    """``n_bits``: input dimension n (all 2^n inputs are enumerated; n ≤ 20); ``n_train``: training
    points drawn without replacement from the 2^n inputs (the rest are the unseen test set)."""

    n_bits: int = 10
    n_train: int = 200

    def validate(self):
        if not 2 <= self.n_bits <= 20:
            raise InputError("problem.n_bits", f"got {self.n_bits}", "use 2 … 20 bits (all 2^n inputs are enumerated)")
        if not 1 <= self.n_train < 2**self.n_bits:
            raise InputError("problem.n_train", f"got {self.n_train} for {2 ** self.n_bits} possible inputs",
                             f"use 1 … {2 ** self.n_bits - 1} so that some inputs stay unseen")


@dataclass(frozen=True)
class ParityRecordSpec:
    """``every``: loss and accuracies; ``snapshot_every``: the diagonal spectrum of the output
    (default ≈ 50 snapshots); ``n_kappa``: κ grid on [0, π/2]; ``low_band``: κ ≤ low_band is the
    "low band" of the summary (π/4 in papers.md T10)."""

    every: int = 10
    snapshot_every: int | None = None
    n_kappa: int = 101
    low_band: float = math.pi / 4

    def validate(self):
        if self.n_kappa < 3:
            raise InputError("record.n_kappa", f"got {self.n_kappa}", "use at least 3 points")
        if not 0 < self.low_band < math.pi / 2:
            raise InputError("record.low_band", f"got {self.low_band}", "use a κ in (0, π/2)")


@dataclass(frozen=True)
class ParitySpec(BaseSpec):
    experiment: str = "parity"
    problem: ParityProblemSpec = field(default_factory=ParityProblemSpec)
    model: MLPSpec = field(default_factory=lambda: MLPSpec(widths=(500, 100), init="std", init_std=0.05))
    train: TrainSpec = field(default_factory=lambda: TrainSpec(lr=5e-4, steps=1000))
    record: ParityRecordSpec = field(default_factory=ParityRecordSpec)


def parity_data(n_bits: int, n_train: int, *, seed: int, dtype=None, device=None):
    """All 2^n inputs x ∈ {−1, 1}^n (row i = the bits of i, −1 for 0), their parity Π_j x_j, and a
    :class:`~simbias.problems.Regression` training on ``n_train`` rows drawn without replacement
    with ``seed`` and testing on the others.  Returns ``(problem, x_all, y_all)``."""
    dtype = dtype or torch.get_default_dtype()
    idx = torch.arange(2**n_bits)
    bits = (idx[:, None] >> torch.arange(n_bits - 1, -1, -1)) & 1
    x = (2 * bits - 1).to(dtype)
    y = x.prod(dim=1, keepdim=True)
    perm = torch.randperm(2**n_bits, generator=torch.Generator().manual_seed(int(seed)))
    tr, te = perm[:n_train].sort().values, perm[n_train:].sort().values
    prob = problems.Regression(x[tr], y[tr], y[tr], x[te], y[te], target=None, uniform=False,
                               name=f"parity-{n_bits}").to(device=device)
    return prob, x.to(device), y.to(device)


@register("parity", ParitySpec, "Parity is high-frequency: the net fits the training bits, is at chance on unseen "
          "inputs, and its spectrum along the diagonal stays low-frequency")
def run_parity(spec: ParitySpec, *, device="cpu", progress=False) -> Result:
    dtype = torch_dtype(spec.dtype)
    seeds = seeds_for(spec.seed)
    p, r = spec.problem, spec.record
    problem, x_all, y_all = parity_data(p.n_bits, p.n_train, seed=seeds["data"], dtype=dtype, device=device)
    model = build_mlp(spec.model, p.n_bits, 1, seed=seeds["init"], dtype=dtype, device=device)
    opt = build_optimizer(spec.train, model.parameters())
    kappa = torch.linspace(0, math.pi / 2, r.n_kappa, dtype=torch.float64)
    probes = (train.TrainLoss(), train.Accuracy("train"), train.Accuracy("test"),
              train.DiagonalSpectrum(kappa, points=x_all, labels=y_all))
    record = train.Record(every=r.every, snapshot_every=r.snapshot_every, probes=probes)
    gen = torch.Generator().manual_seed(seeds["batches"])
    history = train.fit(model, problem, opt, steps=spec.train.steps, loss=spec.train.loss,
                        batch_size=spec.train.batch_size, record=record, generator=gen, progress=progress,
                        lr_decay=spec.train.lr_decay)
    if history.diverged:
        raise history.divergence_error()
    k = history["kappa"]
    low = k <= r.low_band + 1e-12
    top = int(np.argmin(np.abs(k - math.pi / 2)))
    spec_out = history["diagonal_spectrum"][-1]
    summary = {
        "train_accuracy": float(history["train_accuracy"][-1]),
        "test_accuracy": float(history["test_accuracy"][-1]),
        "n_train": p.n_train, "n_test": 2**p.n_bits - p.n_train,
        "final_train_loss": float(history["train_loss"][-1]),
        "low_band": float(r.low_band),
        "low_band_output": float(spec_out[low].mean()),
        "low_band_parity": float(history["parity_spectrum"][low].mean()),
        "peak_output": float(spec_out[top]),
        "peak_parity": float(history["parity_spectrum"][top]),
        "kappa_of_output_max": float(k[int(np.argmax(spec_out))]),
    }
    head = [f"{p.n_bits}-bit parity: train accuracy {summary['train_accuracy']:.3f}, accuracy on the "
            f"{summary['n_test']} unseen inputs {summary['test_accuracy']:.3f}",
            f"diagonal spectrum: mean |F| for κ ≤ {r.low_band:.3g} is {summary['low_band_output']:.3g} (parity "
            f"{summary['low_band_parity']:.3g}); |F(π/2)| = {summary['peak_output']:.3g} (parity 1)"]
    return Result(history, summary, head)


# --------------------------------------------------------------------------------------------
# deep-fprinciple
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeepProblemSpec:
    """A 1-D target on a uniform grid (as :class:`RegressionSpec`) and a lower-frequency
    ``reference_target`` trained at every depth too (empty string: none)."""

    target: str = "cos(3*x) + cos(5*x)"
    reference_target: str = "cos(x) + cos(2*x)"
    domain: tuple[float, ...] = (-math.pi, math.pi)
    n_train: int = 201

    def validate(self):
        if len(self.domain) != 2 or not self.domain[0] < self.domain[1]:
            raise InputError("problem.domain", f"got {list(self.domain)}", "give [lo, hi] with lo < hi")


@dataclass(frozen=True)
class DeepModelSpec:
    """MLPs of equal ``width`` with each number of hidden layers in ``depths`` (init as
    :class:`simbias.nn.MLP`)."""

    width: int = 100
    depths: tuple[int, ...] = (1, 2, 3, 4)
    activation: str = "tanh"
    init: Literal["power", "std", "xavier", "he", "lecun"] = "power"
    init_t: float = 0.5
    init_std: float | None = None

    def validate(self):
        if self.width < 1 or not self.depths or any(d < 1 for d in self.depths):
            raise InputError("model.depths", f"got width {self.width}, depths {list(self.depths)}",
                             "use a positive width and depths ≥ 1, e.g. [1, 2, 3, 4]")
        if len(set(self.depths)) != len(self.depths):
            raise InputError("model.depths", f"got {list(self.depths)}", "list each depth once")


@dataclass(frozen=True)
class DeepTrainSpec:
    """``steps``: the most updates per run; each run stops at ``stop_loss`` (training MSE);
    ``repeats``: initialisations per depth (seeds ``seed``, ``seed+1``, …; the median of the
    steps is reported; a run that never reaches the loss counts as ``steps + 1`` in the median)."""

    optimizer: str = "adam"
    lr: float = 1e-3
    steps: int = 10000
    stop_loss: float = 0.05
    repeats: int = 5
    momentum: float = 0.0

    def validate(self):
        if self.optimizer not in train.OPTIMIZERS:
            raise InputError("train.optimizer", f"unknown optimizer {self.optimizer!r}",
                             f"choose one of {', '.join(train.OPTIMIZERS)}")
        if not self.lr > 0 or self.steps < 1 or self.repeats < 1 or not self.stop_loss > 0:
            raise InputError("train", f"got lr={self.lr}, steps={self.steps}, repeats={self.repeats}, "
                             f"stop_loss={self.stop_loss}", "use positive values")


@dataclass(frozen=True)
class DeepRecordSpec:
    """LFR of the effective targets of the deepest net (first repeat), at ``snapshot_every``
    steps (default ≈ 50 snapshots): δ values in units of the mean squared pairwise distance of
    each layer's outputs (``scale``)."""

    snapshot_every: int | None = None
    deltas: tuple[float, ...] = (0.003, 0.01, 0.03, 0.1)
    scale: str = "rms_distance"

    def validate(self):
        if not self.deltas or any(not d > 0 for d in self.deltas):
            raise InputError("record.deltas", f"got {list(self.deltas)} (δ is a variance)", "use positive values")


@dataclass(frozen=True)
class DeepFPSpec(BaseSpec):
    experiment: str = "deep-fprinciple"
    problem: DeepProblemSpec = field(default_factory=DeepProblemSpec)
    model: DeepModelSpec = field(default_factory=DeepModelSpec)
    train: DeepTrainSpec = field(default_factory=DeepTrainSpec)
    record: DeepRecordSpec = field(default_factory=DeepRecordSpec)


def _median_steps(values: list[int | None], cap: int) -> int | None:
    v = sorted(cap + 1 if s is None else s for s in values)
    m = v[(len(v) - 1) // 2] if len(v) % 2 else 0.5 * (v[len(v) // 2 - 1] + v[len(v) // 2])
    return None if m > cap else int(round(m))


@register("deep-fprinciple", DeepFPSpec, "Deep frequency principle: deeper nets reach a fixed loss in fewer steps; "
          "effective targets of deeper layers are lower-frequency")
def run_deep_fprinciple(spec: DeepFPSpec, *, device="cpu", progress=False) -> Result:
    dtype = torch_dtype(spec.dtype)
    p, m, t, r = spec.problem, spec.model, spec.train, spec.record
    targets = {"target": p.target}
    if p.reference_target.strip():
        targets["reference"] = p.reference_target
    steps_all: dict[str, dict[int, list]] = {k: {d: [] for d in m.depths} for k in targets}
    curves: dict[str, np.ndarray] = {}
    deepest = max(m.depths)
    lfr_history = None
    for key, expr in targets.items():
        for rep in range(t.repeats):
            seeds = seeds_for(spec.seed + rep)
            problem = problems.make_regression(expr, domain=p.domain, n_train=p.n_train, dtype=dtype, device=device)
            for depth in m.depths:
                g = torch.Generator().manual_seed(seeds["init"])
                model = snn.MLP(1, [m.width] * depth, 1, activation=m.activation, init=m.init, init_t=m.init_t,
                                init_std=m.init_std, generator=g, dtype=dtype, device=device)
                opts = {"momentum": t.momentum} if t.optimizer == "sgd" and t.momentum else {}
                opt = train.make_optimizer(t.optimizer, model.parameters(), lr=t.lr, **opts)
                want_lfr = key == "target" and rep == 0 and depth == deepest
                probes = (train.TrainLoss(), train.EffectiveTargetLFR(r.deltas, scale=r.scale)) if want_lfr else ()
                snap_every = r.snapshot_every or max(1, t.steps // 50)
                record = train.Record(every=snap_every if want_lfr else None, snapshot_every=snap_every, probes=probes)
                h = train.fit(model, problem, opt, steps=t.steps, record=record, stop_loss=t.stop_loss,
                              progress=progress)
                if h.diverged:
                    raise h.divergence_error(summary={"diverged": f"{key} depth {depth} repeat {rep}"})
                loss = h["loss"]
                reached = np.nonzero(loss <= t.stop_loss)[0]
                steps_all[key][depth].append(int(reached[0]) if reached.size else None)
                if rep == 0:
                    curves[f"loss_{key}_depth{depth}"] = loss
                if want_lfr:
                    lfr_history = h
    cap = t.steps
    med = {k: {d: _median_steps(v, cap) for d, v in per.items()} for k, per in steps_all.items()}
    static: dict[str, np.ndarray] = {"depths": np.asarray(m.depths), **curves,
                                     "steps_to_loss_all": np.asarray([[-1 if s is None else s for s in steps_all["target"][d]]
                                                                       for d in m.depths])}
    arrays: dict[str, np.ndarray] = {}
    steps_axis = np.asarray([0])
    summary: dict = {
        "depths": list(m.depths), "width": m.width, "target_loss": float(t.stop_loss), "repeats": t.repeats,
        "steps_to_loss": {str(d): med["target"][d] for d in m.depths},
        "steps_to_loss_runs": {str(d): steps_all["target"][d] for d in m.depths},
    }
    if "reference" in med:
        summary["steps_to_loss_reference"] = {str(d): med["reference"][d] for d in m.depths}
        static["steps_to_loss_reference_all"] = np.asarray(
            [[-1 if s is None else s for s in steps_all["reference"][d]] for d in m.depths])
    if lfr_history is not None and "effective_lfr" in lfr_history:
        lfr = lfr_history["effective_lfr"]  # (snapshots, layers, deltas)
        arrays["effective_lfr"] = lfr
        arrays["train_loss"] = lfr_history["train_loss"]
        steps_axis = lfr_history.steps
        static.update(snapshot_steps=lfr_history["snapshot_steps"], lfr_deltas=lfr_history["lfr_deltas"],
                      lfr_layers=lfr_history["lfr_layers"])
        summary["lfr_deltas"] = [float(d) for d in lfr_history["lfr_deltas"]]
        summary["lfr_layers"] = [int(v) for v in lfr_history["lfr_layers"]]
        summary["lfr_initial"] = np.round(lfr[0], 6).tolist()
        summary["lfr_final"] = np.round(lfr[-1], 6).tolist()
    history = History(steps=np.asarray(steps_axis), arrays=arrays, static=static)
    head = [f"steps to training MSE ≤ {t.stop_loss:g} (median of {t.repeats}) by depth "
            f"{list(m.depths)} at width {m.width}: {[med['target'][d] for d in m.depths]} for {p.target}"]
    if "reference" in med:
        head.append(f"  … and {[med['reference'][d] for d in m.depths]} for the lower-frequency {p.reference_target}")
    if "lfr_final" in summary:
        j = len(r.deltas) // 2
        head.append(f"LFR(δ = {r.deltas[j]:g}) of the effective target by layer (0 = input), deepest net: initial "
                    f"{[round(row[j], 3) for row in summary['lfr_initial']]}, final "
                    f"{[round(row[j], 3) for row in summary['lfr_final']]}")
    return Result(history, summary, head)


# --------------------------------------------------------------------------------------------
# fprinciple-pso
# --------------------------------------------------------------------------------------------

_GRADFREE_LR = {"pso": 1.0, "es": 0.02, "one_plus_one": 0.05}


@dataclass(frozen=True)
class GradFreeTrainSpec:
    """A gradient-free optimiser (``pso``, ``es``, ``one_plus_one``; or ``adam``/``sgd`` to compare).

    ``lr``: unset = the optimiser's default (PSO 1 = the standard move, ES 0.02 = Adam step,
    (1+1)-ES 0.05 = initial σ).  PSO: ``particles``, ``inertia`` ω, ``cognitive`` c₁, ``social``
    c₂ (defaults 0.7298, 1.49618, 1.49618; papers.md §2.7), ``spread`` (initial swarm std; unset =
    std of the initial parameters), ``v_max``.  ES: ``population`` (evaluations per step),
    ``sigma``.  ``chunk_size``: particles per vmapped call.
    """

    optimizer: Literal["pso", "es", "one_plus_one", "adam", "sgd"] = "pso"
    lr: float | None = None
    steps: int = 8000
    particles: int = 100
    inertia: float = 0.7298
    cognitive: float = 1.49618
    social: float = 1.49618
    spread: float | None = None
    v_max: float | None = None
    population: int = 100
    sigma: float = 0.01
    chunk_size: int | None = None

    def validate(self):
        if self.steps < 1:
            raise InputError("train.steps", f"got {self.steps}", "use a positive number of steps")
        if self.lr is not None and not self.lr > 0:
            raise InputError("train.lr", f"got {self.lr}", "use a positive value or leave it unset")


@dataclass(frozen=True)
class PSOSpec(BaseSpec):
    experiment: str = "fprinciple-pso"
    problem: RegressionSpec = field(default_factory=lambda: RegressionSpec(n_train=101))
    model: MLPSpec = field(default_factory=lambda: MLPSpec(widths=(20,), init="std", init_std=0.5))
    train: GradFreeTrainSpec = field(default_factory=GradFreeTrainSpec)
    record: RecordSpec = field(default_factory=lambda: RecordSpec(every=10, max_peaks=3))


def build_gradfree_optimizer(t: GradFreeTrainSpec, params, *, seed: int):
    lr = t.lr if t.lr is not None else _GRADFREE_LR.get(t.optimizer, 1e-3)
    if t.optimizer == "pso":
        opts = dict(particles=t.particles, inertia=t.inertia, cognitive=t.cognitive, social=t.social,
                    spread=t.spread, v_max=t.v_max, seed=seed, chunk_size=t.chunk_size)
    elif t.optimizer == "es":
        opts = dict(population=t.population, sigma=t.sigma, seed=seed, chunk_size=t.chunk_size)
    elif t.optimizer == "one_plus_one":
        opts = dict(seed=seed)
    else:
        opts = {}
    return train.make_optimizer(t.optimizer, params, lr=lr, **opts)


@register("fprinciple-pso", PSOSpec, "F-Principle without gradients: particle swarm (or an evolution strategy) "
          "trains a small tanh net on sin x + sin 3x + sin 5x")
def run_fprinciple_pso(spec: PSOSpec, *, device="cpu", progress=False) -> Result:
    dtype = torch_dtype(spec.dtype)
    seeds = seeds_for(spec.seed)
    problem = build_regression(spec.problem, seeds=seeds, dtype=dtype, device=device)
    model = build_mlp(spec.model, problem.in_features, problem.out_features, seed=seeds["init"], dtype=dtype,
                      device=device)
    opt = build_gradfree_optimizer(spec.train, model.parameters(), seed=seeds["optimizer"])
    probes = (train.TrainLoss(), train.PeakError(kind=spec.record.error_kind, max_peaks=spec.record.max_peaks),
              train.TestError(), train.Snapshots())
    record = build_record(spec.record, probes)
    history = train.fit(model, problem, opt, steps=spec.train.steps, record=record, progress=progress)
    if history.diverged:
        raise history.divergence_error(summary=fprinciple_summary(history, spec.record.threshold))
    summary = fprinciple_summary(history, spec.record.threshold)
    evaluations = int(getattr(opt, "evaluations", spec.train.steps))
    summary.update(optimizer=spec.train.optimizer, loss_evaluations=evaluations,
                   wall_time_s=round(float(history.info.get("wall_time_s", 0.0)), 3))
    head = [f"{spec.train.optimizer}: peaks at ω ≈ {summary['frequencies']} converged (Δ_F < {spec.record.threshold}) "
            f"at steps {summary['converged_step']}",
            f"final train loss {summary['final_train_loss']:.3e} after {evaluations} loss evaluations"]
    return Result(history, summary, head)
