"""Spec sections shared by the supervised experiments, and the builders that turn them into objects.

Field names equal the constructor arguments they feed: ``problem.*`` →
:func:`simbias.problems.make_regression`, ``model.*`` → :class:`simbias.nn.MLP`, ``train.*`` →
:func:`simbias.train.fit` / :func:`simbias.train.make_optimizer`, ``record.*`` →
:class:`simbias.train.Record`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from .. import nn as snn
from .. import problems, train
from ..errors import InputError, positive_number

__all__ = ["RegressionSpec", "MLPSpec", "TrainSpec", "RecordSpec", "build_regression", "build_mlp",
           "build_optimizer", "build_record", "check_train_settings", "seeds_for", "converged_steps", "torch_dtype"]


@dataclass(frozen=True)
class RegressionSpec:
    """A 1-D target sampled on an interval (see :func:`simbias.problems.make_regression`)."""

    target: str = "sin(x) + sin(3*x) + sin(5*x)"
    domain: tuple[float, ...] = (-math.pi, math.pi)
    n_train: int = 201
    n_test: int = 1000
    sampler: Literal["uniform", "random"] = "uniform"
    noise_std: float = 0.0

    def validate(self):
        if (len(self.domain) != 2 or not all(math.isfinite(v) for v in self.domain)
                or not self.domain[0] < self.domain[1]):
            raise InputError("problem.domain", f"got {list(self.domain)}", "give finite [lo, hi] with lo < hi")
        for key in ("n_train", "n_test"):
            if getattr(self, key) < 2:
                raise InputError(f"problem.{key}", f"got {getattr(self, key)}", "use at least 2 points")
        _finite_at_least("problem.noise_std", self.noise_std, 0.0, "use a finite non-negative standard deviation")
        # the formula must be finite on its interval: found here, before any run directory or sweep member starts
        problems.check_expression_on(self.target, list(self.domain), key="problem.target", dtype=torch.float64)


def _finite_at_least(key: str, value, lo: float, fix: str) -> None:
    if not (math.isfinite(value) and value >= lo):
        raise InputError(key, f"got {value!r}", fix)


@dataclass(frozen=True)
class MLPSpec:
    """A fully connected network (see :class:`simbias.nn.MLP`)."""

    widths: tuple[int, ...] = (200, 200, 200, 100)
    activation: str = "tanh"
    init: Literal["power", "std", "xavier", "he", "lecun"] = "power"
    init_t: float = 0.5
    init_std: float | None = None
    output_bias: bool = True

    def validate(self):
        if any(w < 1 for w in self.widths):
            raise InputError("model.widths", f"got {list(self.widths)}", "use positive widths, e.g. [200, 200, 100]")
        if self.activation not in snn.ACTIVATIONS:
            snn.get_activation(self.activation)
        _finite_at_least("model.init_t", self.init_t, -1e6, "use a finite exponent, e.g. 0.5")
        if self.init_std is not None:
            positive_number("model.init_std", self.init_std)


@dataclass(frozen=True)
class TrainSpec:
    """Optimiser, loss and length of training."""

    optimizer: str = "adam"
    lr: float = 1e-3
    steps: int = 2000
    loss: Literal["mse", "mse+derivative"] = "mse"
    derivative_weight: float = 1.0
    batch_size: int | None = None
    momentum: float = 0.0
    lr_decay: float = 0.0

    def validate(self):
        check_train_settings(self)
        _finite_at_least("train.derivative_weight", self.derivative_weight, 0.0, "use a finite weight ≥ 0")


def check_train_settings(t) -> None:
    """Validate the optimiser name, learning rate, step count, per-step decay and — where the section
    has them — momentum and batch size of a train section (NaN and ±inf are refused everywhere)."""
    if t.optimizer not in train.OPTIMIZERS:
        raise InputError("train.optimizer", f"unknown optimizer {t.optimizer!r}",
                         f"choose one of {', '.join(train.OPTIMIZERS)}")
    positive_number("train.lr", t.lr)
    momentum = getattr(t, "momentum", 0.0)
    if momentum is not None and not (math.isfinite(momentum) and 0 <= momentum < 1):
        raise InputError("train.momentum", f"got {momentum!r}", "use a momentum in [0, 1), e.g. 0.9")
    batch = getattr(t, "batch_size", None)
    if batch is not None and batch < 1:
        raise InputError("train.batch_size", f"got {batch}", "use a positive batch size or leave it unset")
    if t.steps < 1:
        raise InputError("train.steps", f"got {t.steps}", "use a positive number of steps")
    if not 0 <= t.lr_decay < 1:
        raise InputError("train.lr_decay", f"got {t.lr_decay}", "use a per-step decay in [0, 1), e.g. 1e-3")


@dataclass(frozen=True)
class RecordSpec:
    """What is recorded and when.

    ``every``: cheap probes (loss, Δ_F) every this many steps; ``log_points``: extra log-spaced
    records; ``snapshot_every``: outputs on the dense grid (default ≈ 50 snapshots);
    ``error_kind``: Δ_F variant (``complex`` = papers, ``magnitude`` = original code);
    ``threshold``: Δ_F level that counts as converged; ``max_peaks``: peaks tracked.
    """

    every: int = 1
    log_points: int | None = None
    snapshot_every: int | None = None
    error_kind: Literal["complex", "magnitude"] = "complex"
    threshold: float = 0.1
    max_peaks: int | None = 4

    def validate(self):
        for key in ("every", "log_points", "snapshot_every", "max_peaks"):
            v = getattr(self, key)
            if v is not None and v < 1:
                raise InputError(f"record.{key}", f"got {v}", "use a positive integer, or leave it unset")
        positive_number("record.threshold", self.threshold)


def torch_dtype(name: str) -> torch.dtype:
    return {"float32": torch.float32, "float64": torch.float64}[name]


def seeds_for(seed: int) -> dict[str, int]:
    """Independent seeds for each random stream of a run, derived from the spec's ``seed``."""
    ss = np.random.SeedSequence(int(seed))
    names = ("init", "data", "noise", "batches", "optimizer")
    return {n: int(s.generate_state(1, dtype=np.uint32)[0]) for n, s in zip(names, ss.spawn(len(names)))}


def build_regression(p: RegressionSpec, *, seeds: dict[str, int], dtype, device):
    return problems.make_regression(p.target, domain=p.domain, n_train=p.n_train, n_test=p.n_test, sampler=p.sampler,
                                    noise_std=p.noise_std, noise_seed=seeds["noise"], sample_seed=seeds["data"],
                                    dtype=dtype, device=device)


def build_mlp(m: MLPSpec, in_features: int, out_features: int, *, seed: int, dtype, device) -> snn.MLP:
    g = torch.Generator().manual_seed(seed)
    return snn.MLP(in_features, m.widths, out_features, activation=m.activation, init=m.init, init_t=m.init_t,
                   init_std=m.init_std, output_bias=m.output_bias, generator=g, dtype=dtype, device=device)


def build_optimizer(t: TrainSpec, params):
    opts = {"momentum": t.momentum} if t.optimizer == "sgd" and t.momentum else {}
    return train.make_optimizer(t.optimizer, params, lr=t.lr, **opts)


def build_record(r: RecordSpec, probes) -> train.Record:
    return train.Record(every=r.every, log_points=r.log_points, snapshot_every=r.snapshot_every, probes=probes)


def converged_steps(steps: np.ndarray, errors: np.ndarray, threshold: float) -> tuple[list, list]:
    """Per column of ``errors`` (records × peaks): the first recorded step with error < threshold,
    and the first step from which it stays below until the end (``None`` when never)."""
    first, stays = [], []
    for j in range(errors.shape[1]):
        below = errors[:, j] < threshold
        first.append(int(steps[np.argmax(below)]) if below.any() else None)
        if below[-1]:
            above = np.nonzero(~below)[0]
            stays.append(int(steps[above[-1] + 1]) if above.size else int(steps[0]))
        else:
            stays.append(None)
    return first, stays
