"""Spec sections shared by the supervised experiments, and the builders that turn them into objects.

Field names equal the constructor arguments they feed: ``problem.*`` →
:func:`simbias.problems.make_regression`, ``model.*`` → :class:`simbias.nn.MLP`, ``train.*`` →
:func:`simbias.train.fit` / :func:`simbias.train.make_optimizer`, ``record.*`` →
:class:`simbias.train.Record`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
import torch

from .. import nn as snn
from .. import problems, train
from ..spectral import SCALES, converged_steps
from ._spec import Check, Interval, NonNegative, Points, Positive, above, at_least

__all__ = ["RegressionSpec", "MLPSpec", "TrainSpec", "RecordSpec", "build_regression", "build_mlp", "build_record",
           "seeds_for", "init_generator", "converged_steps", "torch_dtype", "Sizes", "PositiveFloat", "Budget",
           "TrainBase", "UnitInterval", "Optimizer", "EnsembleOptimizer", "Activation", "Variances", "Scale", "Schedule",
           "DistinctCounts"]

# constraints of the F-Principle kinds' spec fields (checked by from_dict with the dotted key)
Sizes = Annotated[tuple[int, ...], Check(lambda v: all(w >= 1 for w in v), "use positive sizes, e.g. [200, 100]")]
PositiveFloat = Annotated[float, above(0.0, "use a positive finite number")]
UnitInterval = Annotated[float, Check(lambda v: 0 <= v < 1, "use a value in [0, 1), e.g. 0.9")]
Activation = Annotated[str, Check(lambda v: v in snn.ACTIVATIONS, f"choose one of {', '.join(snn.ACTIVATIONS)}")]
Variances = Annotated[tuple[float, ...], Check(lambda v: all(d > 0 for d in v), "use positive values (δ: a variance)")]
Scale = Annotated[str, Check(lambda v: v in SCALES, f"choose one of {', '.join(SCALES)}")]
DistinctCounts = Annotated[tuple[int, ...], Check(lambda v: bool(v) and min(v) >= 1 and len(set(v)) == len(v),
                                                  "give distinct positive integers, e.g. [5, 10]")]
# a registry that grows (register_optimizer): the name is looked up when checked
Optimizer = Annotated[str, Check(lambda v: v in train.OPTIMIZERS, f"choose one of {', '.join(train.OPTIMIZERS)}")]
# an optimiser with a batched version (the kinds whose members always train as one ensemble)
EnsembleOptimizer = Annotated[str, Check(lambda v: v in train.ENSEMBLE_OPTIMIZERS,
                                         f"choose one of {', '.join(train.ENSEMBLE_OPTIMIZERS)}")]


@dataclass(frozen=True)
class RegressionSpec:
    """A 1-D target sampled on an interval (see :func:`simbias.problems.make_regression`).

    The ``problem`` section of ``fprinciple``; each field is the argument of the same name of
    :func:`~simbias.problems.make_regression` (the seeds come from the spec's ``seed``).

    Parameters
    ----------
    target : str, default "sin(x) + sin(3*x) + sin(5*x)"
        The target f as an expression in ``x`` (parsed by a whitelisting parser, never executed);
        it must be finite on ``domain``.
    domain : list of float, default [-π, π]
        The interval ``[lo, hi]`` (finite, lo < hi).
    n_train : int, default 201
        Number of training points (≥ 2).
    n_test : int, default 1000
        Size of the dense uniform evaluation grid on the same interval, endpoints included (≥ 2).
    sampler : {"uniform", "random"}, default "uniform"
        ``"uniform"``: training points ``linspace(lo, hi, n_train)`` (endpoints included, as the
        original experiments); ``"random"``: drawn uniformly from the run's data seed, then sorted.
    noise_std : float, default 0.0
        Standard deviation of Gaussian label noise added to the training labels (≥ 0; drawn from
        the run's noise seed).

    Examples
    --------
    >>> from simbias.experiments import RegressionSpec
    >>> RegressionSpec(target="sin(2*x)", n_train=64).domain[1]
    3.141592653589793
    """

    target: str = "sin(x) + sin(3*x) + sin(5*x)"
    domain: Interval = (-math.pi, math.pi)  # from_dict refuses nan and ±inf in any float
    n_train: Points = 201
    n_test: Points = 1000
    sampler: Literal["uniform", "random"] = "uniform"
    noise_std: NonNegative = 0.0

    def validate(self):
        # the formula must be finite on its interval: found here, before any run directory or sweep member starts
        problems.check_expression_on(self.target, list(self.domain), key="problem.target", dtype=torch.float64)


@dataclass(frozen=True)
class MLPSpec:
    """A fully connected network (see :class:`simbias.nn.MLP`).

    The ``model`` section of ``fprinciple``; each field is the argument of the same name of
    :class:`~simbias.nn.MLP` (input and output sizes come from the problem).

    Parameters
    ----------
    widths : list of int, default [200, 200, 200, 100]
        Hidden widths, e.g. ``[200, 200, 200, 100]`` (may be empty: a linear model).
    activation : str, default "tanh"
        A name from :data:`simbias.nn.ACTIVATIONS`.
    init : {"power", "std", "xavier", "he", "lecun"}, default "power"
        Initialisation scheme: ``"power"`` draws every weight and bias from N(0, σ²) with
        σ = widths[0]^(−t) (the F-Principle/condensation code's convention); ``"std"`` from
        N(0, ``init_std``²); ``"xavier"``/``"he"``/``"lecun"`` weights from N(0, 2/(fan_in + fan_out)) /
        N(0, 2/fan_in) / N(0, 1/fan_in) with zero biases.
    init_t : float, default 0.5
        Exponent t of ``"power"``: std = widths[0]^(−t).
    init_std : float, optional
        Standard deviation of ``"std"`` (required there).
    output_bias : bool, default True
        Whether the last layer has a bias (the condensation code drops it).

    Examples
    --------
    >>> from simbias.experiments import MLPSpec
    >>> MLPSpec(widths=(64, 64), init_t=1.0).activation
    'tanh'
    """

    widths: Sizes = (200, 200, 200, 100)
    activation: Activation = "tanh"
    init: Literal["power", "std", "xavier", "he", "lecun"] = "power"
    init_t: Annotated[float, at_least(-1e6, "use a finite exponent, e.g. 0.5")] = 0.5
    init_std: PositiveFloat | None = None
    output_bias: bool = True


@dataclass(frozen=True)
class Budget:
    """Optimiser, learning rate and number of updates: the keys most ``train`` sections start with
    (a section overrides a default by declaring the field again, with its constraint).

    Parameters
    ----------
    optimizer : str, default "adam"
        A name of :data:`simbias.train.OPTIMIZERS`.
    lr : float, default 1e-3
        Learning rate (> 0).
    steps : int, default 2000
        Number of updates (≥ 1).

    Examples
    --------
    >>> Budget(lr=0.1).steps
    2000
    """

    optimizer: Optimizer = "adam"
    lr: PositiveFloat = 1e-3
    steps: Positive = 2000


@dataclass(frozen=True)
class TrainBase(Budget):
    """:class:`Budget` and a per-step decay: the keys every PDE ``train`` section starts with.

    Parameters
    ----------
    lr_decay : float, default 0.0
        Multiply the learning rate by (1 − ``lr_decay``) after every step, in [0, 1).
    """

    lr_decay: UnitInterval = 0.0


@dataclass(frozen=True)
class TrainSpec(Budget):
    """Optimiser, loss and length of training.

    The ``train`` section of ``fprinciple``: fed to :func:`simbias.train.make_optimizer` and
    :func:`simbias.train.fit`.

    Parameters
    ----------
    optimizer : str, default "adam"
        A name of :data:`simbias.train.OPTIMIZERS` (``adam``, ``sgd``, ``es``, ``one_plus_one``, ``pso``).
    lr : float, default 1e-3
        Learning rate (> 0).
    steps : int, default 2000
        Number of updates (≥ 1).
    loss : {"mse", "mse+derivative"}, default "mse"
        ``"mse"``: mean of (h − y)²; ``"mse+derivative"`` adds λ·mean(|∇h − ∇f|²) with
        λ = ``derivative_weight`` (the first-order Sobolev loss of arXiv 1811.10146, which weights
        frequency ξ by 1 + λ|ξ|²).
    derivative_weight : float, default 1.0
        λ of ``"mse+derivative"`` (≥ 0).
    batch_size : int, optional
        Mini-batch size, drawn without replacement within an epoch from the run's batch seed
        (unset: full batch).
    momentum : float, default 0.0
        Heavy-ball momentum of ``sgd``, in [0, 1) (ignored by the other optimisers).
    lr_decay : float, default 0.0
        Multiply the learning rate by (1 − ``lr_decay``) after every step, in [0, 1).

    Examples
    --------
    >>> from simbias.experiments import TrainSpec
    >>> TrainSpec(optimizer="sgd", lr=0.1, momentum=0.9).steps
    2000
    """

    loss: Literal["mse", "mse+derivative"] = "mse"
    derivative_weight: NonNegative = 1.0
    batch_size: Positive | None = None
    momentum: UnitInterval = 0.0
    lr_decay: UnitInterval = 0.0


@dataclass(frozen=True)
class RecordSpec:
    """What is recorded and when.

    The ``record`` section of ``fprinciple`` (see :class:`simbias.train.Record` and
    :class:`simbias.train.PeakError`).  Step 0 and the last step are always recorded.

    Parameters
    ----------
    every : int, default 1
        Cheap probes (loss, Δ_F) every this many steps.
    log_points : int, optional
        Extra records at this many log-spaced steps.
    snapshot_every : int, optional
        Outputs on the dense grid every this many steps (unset: max(1, steps // 50), about 50
        snapshots).
    error_kind : {"complex", "magnitude"}, default "complex"
        Δ_F variant: ``complex`` = |ĥ_k − f̂_k| / |f̂_k| (the papers' definition), ``magnitude`` =
        ||ĥ_k| − |f̂_k|| / |f̂_k| (what the original code plotted), at the peaks k of the target's DFT.
    threshold : float, default 0.1
        Δ_F level that counts as converged (the ``converged_step`` of ``summary.json``).
    max_peaks : int, optional, default 4
        Track at most this many DFT peaks, the lowest frequencies (unset: every peak found).

    Examples
    --------
    >>> from simbias.experiments import RecordSpec
    >>> RecordSpec(every=10, threshold=0.05).error_kind
    'complex'
    """

    every: Positive = 1
    log_points: Positive | None = None
    snapshot_every: Positive | None = None
    error_kind: Literal["complex", "magnitude"] = "complex"
    threshold: PositiveFloat = 0.1
    max_peaks: Positive | None = 4


@dataclass(frozen=True)
class Schedule:
    """The two record schedules most ``record`` sections start with (a kind's section adds its own keys).

    Parameters
    ----------
    every : int, default 1
        Cheap probes every this many steps (≥ 1).
    snapshot_every : int, optional
        Costly probes (outputs, spectra) every this many steps (unset: about 50 over the run).

    Examples
    --------
    >>> Schedule(every=10).snapshot_every is None
    True
    """

    every: Positive = 1
    snapshot_every: Positive | None = None


def torch_dtype(name: str) -> torch.dtype:
    return {"float32": torch.float32, "float64": torch.float64}[name]


def seeds_for(seed: int) -> dict[str, int]:
    """Independent seeds for each random stream of a run, derived from the spec's ``seed``."""
    ss = np.random.SeedSequence(int(seed))
    names = ("init", "data", "noise", "batches", "optimizer")
    return {n: int(s.generate_state(1, dtype=np.uint32)[0]) for n, s in zip(names, ss.spawn(len(names)))}


def init_generator(seed: int) -> torch.Generator:
    """The generator of a run's initial parameters: seeded with the ``init`` stream of :func:`seeds_for`."""
    return torch.Generator().manual_seed(seeds_for(seed)["init"])


def build_regression(p: RegressionSpec, *, seeds: dict[str, int], dtype, device):
    return problems.make_regression(**vars(p), noise_seed=seeds["noise"], sample_seed=seeds["data"], dtype=dtype,
                                    device=device)


def build_mlp(m: MLPSpec, in_features: int, out_features: int, *, seed: int, dtype, device) -> snn.MLP:
    return snn.MLP(in_features, out_features=out_features, **vars(m), generator=torch.Generator().manual_seed(seed),
                   dtype=dtype, device=device)


def build_record(r: RecordSpec, probes) -> train.Record:
    return train.Record(every=r.every, log_points=getattr(r, "log_points", None), snapshot_every=r.snapshot_every,
                        probes=probes)

