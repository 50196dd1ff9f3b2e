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
histories (member axis first, :meth:`simbias.History.stack`); repeat r equals ``simbias run spectral-bias --set repeats=1
--set seed=<seed+r>`` within the tolerance table.  The plan's jobs can also be trained in a
plain loop (benchmarks/bench_spectral_bias.py).

``model.init = "torch"`` (default) draws weights and biases ~ U(−1/√fan_in, 1/√fan_in) from our
generator: the default of ``torch.nn.Linear`` that the authors' PyTorch code relied on (zero
biases would make a ReLU net positively homogeneous, i.e. linear on x ≥ 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

import numpy as np

from .. import nn as snn
from .. import problems, train
from ..errors import InputError
from ..results import History
from ._common import Activation, DistinctCounts, PositiveFloat, init_generator, seeds_for, torch_dtype
from ._fourier_image import FourierImageTrainSpec, Widths
from ._kind import Fit, Kind, Plan, register_kind
from ._registry import BaseSpec
from ._spec import Positive, at_least

__all__ = ["SpectralBiasSpec", "SpectralBiasProblemSpec", "SpectralBiasModelSpec", "SpectralBiasTrainSpec",
           "SpectralBiasRecordSpec", "build_spectral_bias", "spectral_bias_summary", "SPECTRAL_BIAS"]


@dataclass(frozen=True)
class SpectralBiasProblemSpec:
    """``n_points`` on [0, 1); ``frequencies`` k_i (integers, cycles on [0, 1)); ``amplitudes``:
    ``equal`` (A_i = ``amplitude``) or ``increasing`` (A_i = 0.1·i·``amplitude``: 0.1, 0.2, … 1.0)."""

    n_points: Annotated[int, at_least(4, "use at least 4 points, e.g. 200")] = 200
    frequencies: DistinctCounts = (5, 10, 15, 20, 25, 30, 35, 40, 45, 50)
    amplitudes: Literal["equal", "increasing"] = "equal"
    amplitude: PositiveFloat = 1.0

    def validate(self):
        if 2 * max(self.frequencies) >= self.n_points:
            raise InputError("problem.frequencies", f"k = {max(self.frequencies)} is at or above the Nyquist "
                             f"frequency of {self.n_points} points", "use k < n_points/2")


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

    widths: Widths = (256, 256, 256, 256, 256, 256)
    activation: Activation = "relu"
    init: Literal["torch", "he", "lecun", "xavier"] = "torch"


@dataclass(frozen=True)
class SpectralBiasTrainSpec(FourierImageTrainSpec):
    """Full-batch training of every repeat together (Adam 3e-4, 60 000 steps)."""

    lr: PositiveFloat = 3e-4
    steps: Positive = 60000


@dataclass(frozen=True)
class SpectralBiasRecordSpec:
    """``every``: spectrum at the k_i every this many steps; ``threshold``: s(k) counted as learnt."""

    every: int = 100
    threshold: PositiveFloat = 0.9


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
    repeats: Positive = 10
    problem: SpectralBiasProblemSpec = field(default_factory=SpectralBiasProblemSpec)
    model: SpectralBiasModelSpec = field(default_factory=SpectralBiasModelSpec)
    train: SpectralBiasTrainSpec = field(default_factory=SpectralBiasTrainSpec)
    record: SpectralBiasRecordSpec = field(default_factory=SpectralBiasRecordSpec)


def _model(m: SpectralBiasModelSpec, seed: int, dtype, device) -> snn.MLP:
    """The MLP of one repeat; ``init="torch"``: every weight and bias ~ U(±1/√fan_in) from the seed's init stream."""
    g = init_generator(seed)
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
    dtype, t, p = torch_dtype(spec.dtype), spec.train, spec.problem
    amps = problems.sine_amplitudes(len(p.frequencies), p.amplitudes, p.amplitude)
    record = train.Record(every=spec.record.every,
                          probes=(train.TrainLoss(), train.NormalizedSpectrum(p.frequencies, amps)))
    targets = [problems.sine_sum(p.frequencies, amps, n_points=p.n_points, seed=seeds_for(s)["data"], dtype=dtype,
                                 device=device) for s in range(spec.seed, spec.seed + spec.repeats)]
    return Plan([Fit(_model(spec.model, s, dtype, device), target, t.optimizer, t.lr, t.steps, record,
                     {"lr_decay": t.lr_decay}) for s, target in enumerate(targets, spec.seed)],
                combine=lambda hs: next((h for h in hs if h.diverged), None) or History.stack(hs))


def spectral_bias_summary(steps: np.ndarray, spectrum: np.ndarray, loss: np.ndarray, spec: SpectralBiasSpec) -> dict:
    """``step_to_90`` per k (median over repeats), per-repeat steps, final spectrum and loss.

    ``spectrum`` is (repeats, records, K); ``loss`` (repeats, steps).
    """
    hit = spectrum >= spec.record.threshold  # (repeats, records, K); the first hit's step per repeat and k, else inf
    reach = np.where(hit.any(1), np.asarray(steps)[hit.argmax(1)], np.inf)
    med = [None if np.isinf(m) else int(round(m)) for m in np.median(reach, axis=0)]
    return {
        "frequencies": [int(k) for k in spec.problem.frequencies],
        "amplitudes": problems.sine_amplitudes(len(spec.problem.frequencies), spec.problem.amplitudes,
                                               spec.problem.amplitude).tolist(),
        "threshold": float(spec.record.threshold),
        "step_to_90": med,
        "step_to_90_per_repeat": [[None if np.isinf(v) else int(v) for v in r] for r in reach],
        "ordered_by_k": None not in med and all(a <= b for a, b in zip(med, med[1:])),
        "final_spectrum": np.median(spectrum[:, -1], axis=0).astype(float).tolist(),
        "final_train_loss": float(np.median(loss[:, -1])),
        "repeats": int(spec.repeats),
    }


def spectral_bias_headline(spec: SpectralBiasSpec, summary: dict) -> list[str]:
    return [f"steps until 2|λ̂(k)|/A_k ≥ {spec.record.threshold} (median of {spec.repeats}) at k = "
            f"{summary['frequencies']}: {summary['step_to_90']}",
            f"ordered by k: {summary['ordered_by_k']}; final train loss {summary['final_train_loss']:.3e}"]


SPECTRAL_BIAS = register_kind(Kind(
    "spectral-bias", SpectralBiasSpec, build_spectral_bias,
    lambda spec, plan, h: {} if h.diverged else spectral_bias_summary(h.steps, h["spectrum"], h["loss"], spec),
    "Spectral bias (Rahaman et al. 2019): normalised spectrum of a deep ReLU net's output at k = 5…50 over "
    "training; repeats trained as one ensemble", headline=spectral_bias_headline,
    hint="lower train.lr (repeat r trains with seed + r; history.npz holds the first diverged repeat)"))
