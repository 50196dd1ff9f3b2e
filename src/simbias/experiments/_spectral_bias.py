"""``spectral-bias``: Rahaman et al. (2019), "On the Spectral Bias of Neural Networks", figure 1 (papers.md T5).

Target on N = 200 points x_n = n/N of [0, 1):  f(x) = Σ_i A_i sin(2π k_i x + φ_i), with
k = 5, 10, …, 50 (``problem.frequencies``), phases φ_i ~ U[0, 2π) drawn from each repeat's seed,
and amplitudes ``equal`` (A_i = 1) or ``increasing`` (A_i = 0.1·i, i = 1 … 10).  A 6-layer ReLU
MLP of width 256 (``model.widths`` = six hidden layers of 256) is trained full batch with Adam
(lr 3e-4) on the MSE.

Measured every ``record.every`` steps, per frequency: the normalised spectrum of the output
(Rahaman's fig. 1 colour scale)

    s(k_i) = 2·|λ̂(k_i)| / A_i,   λ̂(k) = (1/N) Σ_n h(x_n) e^{−2πi k x_n},

which is 1 when the network holds the full amplitude of the component (a sine of amplitude A
has |λ̂| = A/2 on this grid).  ``summary.json``: ``step_to_90`` — per k the first recorded step
with s(k) ≥ ``record.threshold`` (0.9), median over the repeats (``null`` when more than half
of them never get there) — and the per-repeat steps.

The ``repeats`` runs (seeds ``seed``, ``seed+1``, …: each its own phases and initialisation)
are one job each in the plan (:func:`build_spectral_bias`); they share a static shape, so the
core trains them as **one** ensemble (:func:`simbias.train.fit_ensemble`) and stacks their
histories (member axis first); repeat r equals ``simbias run spectral-bias --set repeats=1
--set seed=<seed+r>`` within the tolerance table.  The plan's jobs can also be trained in a
plain loop (benchmarks/bench_spectral_bias.py).

``model.init = "torch"`` (default) draws weights and biases ~ U(−1/√fan_in, 1/√fan_in) from our
generator: the default of ``torch.nn.Linear`` that the authors' PyTorch code relied on (zero
biases would make a ReLU net positively homogeneous, i.e. linear on x ≥ 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from .. import nn as snn
from .. import train
from ..errors import InputError
from ..problems import Regression
from ..results import History
from ._common import seeds_for, torch_dtype
from ._fourier_image import FourierImageTrainSpec
from ._kind import Fit, Kind, Plan, register_kind
from ._registry import BaseSpec

__all__ = ["SpectralBiasSpec", "SpectralBiasProblemSpec", "SpectralBiasModelSpec", "SpectralBiasTrainSpec",
           "SpectralBiasRecordSpec", "build_spectral_bias", "spectral_bias_target", "spectral_bias_summary",
           "NormalizedSpectrum", "SPECTRAL_BIAS"]


@dataclass(frozen=True)
class SpectralBiasProblemSpec:
    """``n_points`` on [0, 1); ``frequencies`` k_i (integers, cycles on [0, 1)); ``amplitudes``:
    ``equal`` (A_i = ``amplitude``) or ``increasing`` (A_i = 0.1·i·``amplitude``: 0.1, 0.2, … 1.0)."""

    n_points: int = 200
    frequencies: tuple[int, ...] = (5, 10, 15, 20, 25, 30, 35, 40, 45, 50)
    amplitudes: Literal["equal", "increasing"] = "equal"
    amplitude: float = 1.0

    def validate(self):
        if self.n_points < 4:
            raise InputError("problem.n_points", f"got {self.n_points}", "use at least 4 points, e.g. 200")
        if not self.frequencies or any(int(k) != k or k < 1 for k in self.frequencies):
            raise InputError("problem.frequencies", f"got {list(self.frequencies)}", "give positive integers, e.g. [5, 10, 15]")
        if len(set(self.frequencies)) != len(self.frequencies):
            raise InputError("problem.frequencies", f"got {list(self.frequencies)} with repeats", "list each k once")
        if 2 * max(self.frequencies) >= self.n_points:
            raise InputError("problem.frequencies", f"k = {max(self.frequencies)} is at or above the Nyquist "
                             f"frequency of {self.n_points} points", "use k < n_points/2")
        if self.amplitudes not in ("equal", "increasing"):
            raise InputError("problem.amplitudes", f"got {self.amplitudes!r}", "choose 'equal' or 'increasing'")
        if not self.amplitude > 0:
            raise InputError("problem.amplitude", f"got {self.amplitude}", "use a positive number")


@dataclass(frozen=True)
class SpectralBiasModelSpec:
    """A ReLU MLP 1 → ``widths`` → 1.

    Parameters
    ----------
    widths : list of int, default [256, 256, 256, 256, 256, 256]
        Hidden widths (non-empty).
    activation : str, default "relu"
        A name from :data:`simbias.nn.ACTIVATIONS`.
    init : {"torch", "he", "lecun", "xavier"}, default "torch"
        ``torch``: weights and biases U(−1/√fan_in, 1/√fan_in), the default of ``torch.nn.Linear``
        that the authors' code relied on, drawn from the run's seed; the others as in
        :class:`simbias.nn.MLP` (zero biases).
    """

    widths: tuple[int, ...] = (256, 256, 256, 256, 256, 256)
    activation: str = "relu"
    init: Literal["torch", "he", "lecun", "xavier"] = "torch"

    def validate(self):
        if not self.widths or any(w < 1 for w in self.widths):
            raise InputError("model.widths", f"got {list(self.widths)}", "use positive widths, e.g. [256, 256, 256]")
        if self.activation not in snn.ACTIVATIONS:
            snn.get_activation(self.activation)


@dataclass(frozen=True)
class SpectralBiasTrainSpec(FourierImageTrainSpec):
    """Full-batch training of every repeat together (Adam 3e-4, 60 000 steps)."""

    lr: float = 3e-4
    steps: int = 60000


@dataclass(frozen=True)
class SpectralBiasRecordSpec:
    """``every``: spectrum at the k_i every this many steps; ``threshold``: s(k) counted as learnt."""

    every: int = 100
    threshold: float = 0.9

    def validate(self):
        if not 0 < self.threshold:
            raise InputError("record.threshold", f"got {self.threshold}", "use a positive fraction, e.g. 0.9")


@dataclass(frozen=True)
class SpectralBiasSpec(BaseSpec):
    """Spec of ``spectral-bias``: Rahaman et al. (2019), "On the Spectral Bias of Neural
    Networks", figure 1 (papers.md T5).

    A ReLU MLP is trained full batch on f(x) = Σ_i A_i sin(2π k_i x + φ_i); the normalised
    spectrum s(k_i) = 2·|λ̂(k_i)| / A_i with λ̂(k) = (1/N) Σ_n h(x_n) e^{−2πi k x_n} is recorded
    over training (module docstring).
    ``description``, ``seed`` and ``dtype`` are the keys every kind has (see
    :class:`~simbias.experiments.BaseSpec`).

    Parameters
    ----------
    experiment : str, default "spectral-bias"
        The experiment kind (see ``simbias list``).
    repeats : int, default 10
        Runs with seeds ``seed … seed+repeats−1`` (each its own phases and initialisation),
        trained as one ensemble (≥ 1).
    problem : SpectralBiasProblemSpec
        Grid size, frequencies k_i and amplitudes (``problem.*``).
    model : SpectralBiasModelSpec
        Hidden widths, activation and initialisation of the MLP (``model.*``).
    train : SpectralBiasTrainSpec
        Optimiser, learning rate and steps (``train.*``).
    record : SpectralBiasRecordSpec
        Spectrum interval and the s(k) level counted as learnt (``record.*``).

    Examples
    --------
    >>> from simbias.experiments import SpectralBiasSpec
    >>> spec = SpectralBiasSpec(repeats=2)
    >>> spec.repeats, spec.problem.frequencies[:3]
    (2, (5, 10, 15))
    """

    experiment: str = "spectral-bias"
    repeats: int = 10
    problem: SpectralBiasProblemSpec = field(default_factory=SpectralBiasProblemSpec)
    model: SpectralBiasModelSpec = field(default_factory=SpectralBiasModelSpec)
    train: SpectralBiasTrainSpec = field(default_factory=SpectralBiasTrainSpec)
    record: SpectralBiasRecordSpec = field(default_factory=SpectralBiasRecordSpec)

    def validate(self):
        if self.repeats < 1:
            raise InputError("repeats", f"got {self.repeats}", "use a positive number of repeats, e.g. 10")


# --------------------------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------------------------

def _amplitudes(p: SpectralBiasProblemSpec) -> np.ndarray:
    n = len(p.frequencies)
    if p.amplitudes == "equal":
        return np.full(n, float(p.amplitude))
    return p.amplitude * 0.1 * np.arange(1, n + 1, dtype=np.float64)


def spectral_bias_target(p: SpectralBiasProblemSpec, seed: int, *, dtype=torch.float32, device="cpu") -> Regression:
    """The Rahaman target for one repeat: phases ~ U[0, 2π) from ``seed``'s data stream.

    >>> r = spectral_bias_target(SpectralBiasProblemSpec(), 0)
    >>> tuple(r.x_train.shape), tuple(r.y_train.shape)
    ((200, 1), (200, 1))
    """
    rng = np.random.default_rng(seeds_for(seed)["data"])
    phases = rng.uniform(0.0, 2 * math.pi, size=len(p.frequencies))
    x = np.arange(p.n_points, dtype=np.float64) / p.n_points
    k = np.asarray(p.frequencies, dtype=np.float64)
    y = (_amplitudes(p)[None, :] * np.sin(2 * math.pi * k[None, :] * x[:, None] + phases[None, :])).sum(1)
    xt = torch.from_numpy(x[:, None]).to(dtype=dtype, device=device)
    yt = torch.from_numpy(y[:, None]).to(dtype=dtype, device=device)
    return Regression(xt, yt, yt, xt, yt, target=None, uniform=True, name="Σ A_i sin(2π k_i x + φ_i)")


def _model(spec: SpectralBiasSpec, seed: int, dtype, device) -> snn.MLP:
    m = spec.model
    g = torch.Generator().manual_seed(seeds_for(seed)["init"])
    net = snn.MLP(1, m.widths, 1, activation=m.activation, init="he" if m.init == "torch" else m.init, generator=g,
                  dtype=dtype, device=device)
    if m.init == "torch":  # redrawn after the "he" draws, as the preset's numbers always were
        for layer in net.layers:
            snn.init_parameters_(layer, "torch", generator=g)
    return net


def build_spectral_bias(spec: SpectralBiasSpec, device: str = "cpu") -> Plan:
    """One job per repeat (seed ``spec.seed + r``: its own phases and initialisation), stacked after training.

    >>> plan = build_spectral_bias(SpectralBiasSpec(repeats=2, model=SpectralBiasModelSpec(widths=(8,))))
    >>> len(plan.fits), tuple(plan.fits[1].problem.x_train.shape)
    (2, (200, 1))
    """
    dtype = torch_dtype(spec.dtype)
    record = train.Record(every=spec.record.every, probes=probes_for(spec))
    seeds = [spec.seed + r for r in range(spec.repeats)]
    return Plan([Fit(_model(spec, s, dtype, device), spectral_bias_target(spec.problem, s, dtype=dtype, device=device),
                     spec.train.optimizer, spec.train.lr, spec.train.steps, record, {"lr_decay": spec.train.lr_decay})
                 for s in seeds], combine=_stack)


def _stack(hs: list[History]) -> History:
    """The repeats' histories as one history with the member axis first (a diverged repeat: its own)."""
    bad = next((h for h in hs if h.diverged), None)
    if bad is not None:
        return bad
    h0 = hs[0]
    info = {**{k: v for k, v in h0.info.items() if k != "member"}, "n_members": len(hs), "member_static": ["loss"]}
    return History(steps=h0.steps, arrays={k: np.stack([h.arrays[k] for h in hs]) for k in h0.arrays},
                   static={**h0.static, "loss": np.stack([h.static["loss"] for h in hs])},
                   outcome=[h.outcome for h in hs], diverged_step=[None] * len(hs), info=info)


# --------------------------------------------------------------------------------------------
# probe
# --------------------------------------------------------------------------------------------

class NormalizedSpectrum:
    """``spectrum`` (…, K): s(k_i) = 2|λ̂(k_i)|/A_i of the output on the training grid x_n = n/N.

    λ̂(k) = (1/N) Σ_n h(x_n) e^{−2πi k x_n}; one real (N, 2K) product per record (works on a
    leading member axis, so :func:`~simbias.train.fit` and :func:`~simbias.train.fit_ensemble`
    share it).

    >>> p = SpectralBiasProblemSpec()
    >>> probe = NormalizedSpectrum(p.frequencies, [1.0] * 10)
    >>> sorted(probe.setup(None, spectral_bias_target(p, 0)))
    ['amplitudes', 'frequencies']
    """

    snapshot = False

    def __init__(self, frequencies, amplitudes):
        self.k = np.asarray(frequencies, dtype=np.float64)
        self.a = np.asarray(amplitudes, dtype=np.float64)

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        x = problem.x_train
        n = x.shape[-2]
        xs = torch.arange(n, dtype=torch.float64) / n
        ang = 2 * math.pi * xs[:, None] * torch.from_numpy(self.k)[None, :]
        self._basis = (torch.cat([torch.cos(ang), -torch.sin(ang)], dim=1) / n).to(dtype=x.dtype, device=x.device)
        self._scale = torch.from_numpy(2.0 / self.a).to(dtype=x.dtype, device=x.device)
        return {"frequencies": self.k, "amplitudes": self.a}

    def __call__(self, ctx) -> dict[str, Tensor]:
        z = ctx.output_on_train()[..., 0] @ self._basis  # (..., 2K)
        re, im = z.unflatten(-1, (2, len(self.k))).unbind(-2)
        return {"spectrum": torch.sqrt(re * re + im * im) * self._scale}


def probes_for(spec: SpectralBiasSpec) -> tuple:
    """The probes of a spectral-bias run: train loss and the normalised spectrum."""
    return (train.TrainLoss(), NormalizedSpectrum(spec.problem.frequencies, _amplitudes(spec.problem)))


# --------------------------------------------------------------------------------------------
# summary
# --------------------------------------------------------------------------------------------

def spectral_bias_summary(steps: np.ndarray, spectrum: np.ndarray, loss: np.ndarray, spec: SpectralBiasSpec) -> dict:
    """``step_to_90`` per k (median over repeats), per-repeat steps, final spectrum and loss.

    ``spectrum`` is (repeats, records, K); ``loss`` (repeats, steps).
    """
    thr = spec.record.threshold
    hit = spectrum >= thr  # (repeats, records, K); the first hit's step per repeat and k, else inf
    reach = np.where(hit.any(1), np.asarray(steps)[hit.argmax(1)], np.inf)
    per = [[None if np.isinf(v) else int(v) for v in r] for r in reach]
    med = [None if np.isinf(m) else int(round(m)) for m in np.median(reach, axis=0)]
    reached = [m for m in med if m is not None]
    return {
        "frequencies": [int(k) for k in spec.problem.frequencies],
        "amplitudes": [float(a) for a in _amplitudes(spec.problem)],
        "threshold": float(thr),
        "step_to_90": med,
        "step_to_90_per_repeat": per,
        "ordered_by_k": bool(len(reached) == len(med) and all(a <= b for a, b in zip(med, med[1:]))),
        "final_spectrum": [float(v) for v in np.median(spectrum[:, -1], axis=0)],
        "final_train_loss": float(np.median(loss[:, -1])),
        "repeats": int(spec.repeats),
    }


def summarize_spectral_bias(spec: SpectralBiasSpec, plan: Plan, history: History) -> dict:
    if history.diverged:
        return {}
    return spectral_bias_summary(history.steps, history["spectrum"], history["loss"], spec)


def spectral_bias_headline(spec: SpectralBiasSpec, summary: dict) -> list[str]:
    return [f"steps until 2|λ̂(k)|/A_k ≥ {spec.record.threshold} (median of {spec.repeats}) at k = "
            f"{summary['frequencies']}: {summary['step_to_90']}",
            f"ordered by k: {summary['ordered_by_k']}; final train loss {summary['final_train_loss']:.3e}"]


SPECTRAL_BIAS = register_kind(Kind(
    "spectral-bias", SpectralBiasSpec, build_spectral_bias, summarize_spectral_bias,
    "Spectral bias (Rahaman et al. 2019): normalised spectrum of a deep ReLU net's output at k = 5…50 over "
    "training; repeats trained as one ensemble", headline=spectral_bias_headline,
    hint="lower train.lr (repeat r trains with seed + r; history.npz holds the first diverged repeat)"))
