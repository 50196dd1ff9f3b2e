"""A simbias plugin in one file: the Frequency Principle on a family of targets you choose.

Run it from the repository root (nothing inside ``src/simbias`` knows about this kind)::

    simbias run examples/plugin_experiment.toml --plugin examples/plugin_experiment.py
    simbias sweep examples/plugin_experiment.toml --plugin examples/plugin_experiment.py --seeds 3
    simbias sweep examples/plugin_experiment.toml --plugin examples/plugin_experiment.py \
        --grid problem.decay=0,1,2 --seeds 3

The sweep trains its members in lockstep (one ``fit_ensemble`` call per bucket of same-shape
members) without a line of ensemble code here: the kind only says what to build and measure.

The targets live on the periodic grid x_n = n/N, n = 0 … N−1 (``problem.n_points`` = N):

* ``sines`` — f(x) = Σ_{k=1..K} k^(−p) sin(2π k x + φ_k), K = ``problem.n_terms``, p =
  ``problem.decay``, fixed phases φ_k = k·2.4 (so two seeds differ only in the initialisation);
* ``chirp`` — f(x) = sin(2π (k₀ x + (k₁ − k₀) x²/2)), whose frequency sweeps from k₀ =
  ``problem.k_start`` to k₁ = ``problem.k_end`` cycles.

The probe :class:`BandError` (written against the public ``simbias.train.Probe`` protocol)
records the relative error of the network's DFT in frequency bands,
Δ_j = ‖ĥ − f̂‖_band j / ‖f̂‖_band j over the DFT bins k of band j (for ``sines`` one band per
term, centred on k; for ``chirp`` ``problem.n_bands`` equal bands from k₀ to k₁).  The
summary gives the first recorded step at which each band's Δ falls below ``record.threshold``
(the F-Principle says: low bands first), and the figure :class:`BandConvergence` (a
``simbias.viz.Display``) draws Δ_j over training next to the target and the final fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

import numpy as np
import torch

from simbias import nn as snn
from simbias import train
from simbias.errors import InputError
from simbias.experiments import BaseSpec, Fit, Kind, Plan, above, at_least, register_kind
from simbias.problems import Regression
from simbias.viz import Display

@dataclass(frozen=True)
class FamilyProblem:
    """The target family and its parameters (module docstring)."""

    family: Literal["sines", "chirp"] = "sines"
    n_points: int = 128
    n_terms: Annotated[int, at_least(1)] = 5
    decay: float = 1.0
    k_start: Annotated[float, above(0.0)] = 2.0
    k_end: float = 12.0
    n_bands: Annotated[int, at_least(1)] = 5

    def validate(self):  # single values are checked from their types (Literal, Annotated); here what ties them
        top = self.n_terms if self.family == "sines" else self.k_end
        if not self.k_start < self.k_end:
            raise InputError("problem.k_end", f"got {self.k_end} with k_start = {self.k_start}", "use k_end > k_start")
        if not 2 * top < self.n_points:
            raise InputError("problem.n_points", f"{self.n_points} points cannot resolve k = {top}",
                             f"use more than {2 * top} points")


@dataclass(frozen=True)
class FamilyModel:
    """A fully connected network 1 → ``widths`` → 1."""

    widths: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    init: str = "xavier"


@dataclass(frozen=True)
class FamilyTrain:
    """Full-batch training on the mean squared error."""

    optimizer: str = "adam"
    lr: float = 1e-3
    steps: int = 4000


@dataclass(frozen=True)
class FamilyRecord:
    """``every``: Δ per band every this many steps; ``threshold``: Δ counted as converged."""

    every: int = 20
    threshold: float = 0.1


@dataclass(frozen=True)
class FamilySpec(BaseSpec):
    experiment: str = "fprinciple-family"
    problem: FamilyProblem = field(default_factory=FamilyProblem)
    model: FamilyModel = field(default_factory=FamilyModel)
    train: FamilyTrain = field(default_factory=FamilyTrain)
    record: FamilyRecord = field(default_factory=FamilyRecord)


def target(p: FamilyProblem, x: np.ndarray) -> np.ndarray:
    """The family's target on ``x`` (float64)."""
    if p.family == "chirp":
        return np.sin(2 * np.pi * (p.k_start * x + 0.5 * (p.k_end - p.k_start) * x ** 2))
    k = np.arange(1, p.n_terms + 1, dtype=np.float64)
    return (k ** -p.decay * np.sin(2 * np.pi * k * x[:, None] + 2.4 * k)).sum(1)


def band_edges(p: FamilyProblem) -> tuple[float, ...]:
    """Band j covers the DFT bins k with edges[j] ≤ k < edges[j + 1]."""
    if p.family == "sines":
        return tuple(k + 0.5 for k in range(p.n_terms + 1))
    return tuple(float(e) for e in np.linspace(p.k_start, p.k_end, p.n_bands + 1))


class BandError:
    """``band_error`` (…, bands): ‖ĥ − f̂‖ / ‖f̂‖ of the output's DFT on the training grid, per band.

    Follows ``simbias.train.Probe``: ``setup`` returns static arrays, ``__call__(ctx)`` tensors;
    it works on a leading member axis, so a sweep's ensemble records it for every member at once.
    """

    snapshot = False

    def __init__(self, edges):
        self.edges = tuple(float(e) for e in edges)

    def setup(self, model, problem):
        x = problem.x_train
        n = x.shape[-2]
        k = torch.fft.rfftfreq(n, 1.0 / n, dtype=torch.float64)
        e = torch.tensor(self.edges, dtype=torch.float64)
        self._bins = ((k[:, None] >= e[:-1]) & (k[:, None] < e[1:])).to(x.dtype)  # (bins, bands)
        return {"band_edges": np.asarray(self.edges), "band_centres": 0.5 * (np.asarray(self.edges[:-1]) +
                                                                             np.asarray(self.edges[1:]))}

    def __call__(self, ctx):
        out, y = ctx.output_on_train()[..., 0], ctx.problem.y_train[..., 0]
        err = torch.fft.rfft(out - y, dim=-1).abs().square() @ self._bins
        ref = torch.fft.rfft(y, dim=-1).abs().square() @ self._bins
        return {"band_error": (err / ref).sqrt()}


def build(spec: FamilySpec, device: str = "cpu") -> Plan:
    """The target, the network and what to record: one training job."""
    dtype = torch.float64 if spec.dtype == "float64" else torch.float32
    p = spec.problem
    x = np.arange(p.n_points, dtype=np.float64) / p.n_points
    xt = torch.from_numpy(x[:, None]).to(dtype=dtype, device=device)
    yt = torch.from_numpy(target(p, x)[:, None]).to(dtype=dtype, device=device)
    problem = Regression(xt, yt, yt, xt, yt, target=None, uniform=True, name=f"{p.family} target")
    m = spec.model
    net = snn.MLP(1, m.widths, 1, activation=m.activation, init=m.init, dtype=dtype, device=device,
                  generator=torch.Generator().manual_seed(spec.seed))
    record = train.Record(every=spec.record.every, probes=(train.TrainLoss(), BandError(band_edges(p)), train.Snapshots()))
    t = spec.train
    return Plan([Fit(net, problem, t.optimizer, t.lr, t.steps, record, {"loss": "mse"})])


def summarize(spec: FamilySpec, plan: Plan, history) -> dict:
    """First recorded step below the threshold per band (``None``: never), and whether low bands came first."""
    err = np.asarray(history["band_error"])
    below = err < spec.record.threshold
    first = [int(history.steps[np.argmax(b)]) if b.any() else None for b in below.T]
    reached = [s for s in first if s is not None]
    return {"family": spec.problem.family, "band_centres": [float(c) for c in history["band_centres"]],
            "converged_step": first, "all_converged": len(reached) == len(first),
            "low_first": len(reached) == len(first) and reached == sorted(reached),
            "final_band_error": [float(e) for e in err[-1]], "final_train_loss": float(history["train_loss"][-1])}


def headline(spec: FamilySpec, summary: dict) -> list[str]:
    bands = [round(c, 2) for c in summary["band_centres"]]
    return [f"{summary['family']}: Δ < {spec.record.threshold} in the bands centred at k = {bands} at steps "
            f"{summary['converged_step']} (low bands first: {summary['low_first']})",
            f"final train loss {summary['final_train_loss']:.3e}"]


class BandConvergence(Display):
    """Δ per band over training (log scale, threshold dashed) and the target with the final fit."""

    panel_size = (4.6, 3.4)

    def __init__(self, steps, band_error, centres, x, y, fit, threshold=None):
        self.steps, self.err, self.centres = np.asarray(steps), np.asarray(band_error), np.asarray(centres)
        self.x, self.y, self.fit, self.threshold = np.ravel(x), np.ravel(y), np.ravel(fit), threshold
        self.panels = ("bands", "fit")

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, **kw):
        if "band_error" not in history:
            return None
        threshold = ((spec or {}).get("record") or {}).get("threshold")
        return cls(history.steps, history["band_error"], history["band_centres"], history["x_train"],
                   history["y_train"], history["output_train"][-1], threshold, **kw)

    def _draw(self, axes, **kw):
        a, b = axes.flat
        colours = matplotlib_colours(len(self.centres))
        for j, c in enumerate(self.centres):
            a.plot(self.steps, self.err[:, j], color=colours[j], lw=1.2, label=f"k ≈ {c:g}")
        if self.threshold is not None:
            a.axhline(self.threshold, color="k", ls=":", lw=1)
        a.set(yscale="log", xlabel="step", ylabel="Δ (relative DFT error in the band)", title="F-Principle per band")
        a.legend(ncol=2)
        b.plot(self.x, self.y, "k-", lw=1.2, label="target")
        b.plot(self.x, self.fit, "--", color="tab:red", lw=1.2, label="network (end)")
        b.set(xlabel="x", ylabel="f(x)", title="target and fit")
        b.legend()


def matplotlib_colours(n: int):
    import matplotlib.pyplot as plt

    return [plt.cm.viridis(j / max(1, n - 1)) for j in range(n)]


register_kind(Kind("fprinciple-family", FamilySpec, build, summarize,
                   "F-Principle on a chosen target family (sums of k^-p sines, chirps): Δ per frequency band",
                   headline=headline, figures=(("band_convergence", BandConvergence.from_history),)))
