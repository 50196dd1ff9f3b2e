"""``jacobi-vs-dnn``: the Jacobi iteration and a network on the same discrete Poisson problem (papers.md §2.5, T9).

The finite-difference problem A u = b (central differences on ``problem.n_grid`` interior points,
:func:`simbias.problems.discretize_1d`, Dirichlet data folded into b) is solved three ways, and
each is tracked by the F-Principle measure Δ_F(k) = |ĥ_k − û_k| / |û_k| at the DFT peaks of the
discrete solution û = A⁻¹b (:func:`simbias.problems.iteration_peak_errors`):

* **Jacobi** from zero, u ← u + ω D⁻¹(b − A u): it removes the *high* frequencies of the error
  first (mode k shrinks by |1 − ω(1 − cos(kπ/(n+1)))| per sweep) and crawls on the lowest.
* **The network** h_θ evaluated on the grid, v = h_θ(x_j), trained on the same discrete residual
  r = b − A v.  ``train.loss = "energy"`` (default) minimises the discrete Ritz energy
  E(v) = h·(½ vᵀAv − bᵀv), whose gradient in v is −h·r — the residual Jacobi iterates on;
  ``"residual"`` minimises mean(r²)/mean(b²) (least squares).  The network fits the *low*
  frequencies first (F-Principle).  Design note (measured): with least squares the residual of
  this problem is dominated by its top component (16 sin 24x in f), the network stalls at a
  relative error ≈ 1 and nothing converges within 2 000 steps, so the energy is the default
  (it is also the Deep Ritz loss the papers use, discretised).
* **The hybrid**: the network for ``hybrid.steps`` steps, then Jacobi from its grid values: the
  network has removed the low-frequency error Jacobi is slow on, Jacobi removes the rest fast.

Summary (F-Principle format): ``frequencies`` (angular, 2πk/(n·h)), ``converged_step`` =
{method: first recorded step/sweep with Δ_F < ``threshold`` per peak (``None``: never)},
``threshold``; ``rel_l2`` = {method: final ‖v − û‖/‖û‖} (against the discrete solution; the
discretisation error ‖û − u‖/‖u‖ is ``discretization_error``); ``hybrid.sweeps_to_target`` =
{"jacobi": …, "hybrid": …}, the first recorded sweep with relative error ≤ ``hybrid.target_error``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from .. import problems, train
from ..results import History
from ._common import check_train_settings, converged_steps, seeds_for, torch_dtype
from ._kind import Fit, Kind, Plan, register_kind
from ._pde import NetSpec, build_net, check_net, require
from ._registry import BaseSpec

__all__ = ["JacobiProblemSpec", "JacobiNetSpec", "GridTrainSpec", "JacobiIterSpec", "HybridSpec", "GridRecordSpec",
           "JacobiVsDNNSpec", "JACOBI_VS_DNN"]

JACOBI_SOLUTION = problems.jacobi_poisson().solution


@dataclass(frozen=True)
class JacobiProblemSpec:
    """−(A u′)′ + λ²u = f on ``domain`` from the exact ``solution`` (text; f and the boundary values from it).

    ``n_grid`` interior grid points.  Default: papers.md §2.5, −u″ = sin x + 4 sin 4x − 8 sin 8x +
    16 sin 24x on [−1, 1] with u(±1) = 0.
    """

    solution: str = JACOBI_SOLUTION
    domain: tuple[float, ...] = (-1.0, 1.0)
    n_grid: int = 127
    lam: float = 0.0
    coefficient: str | None = None

    def validate(self):
        require(len(self.domain) == 2 and self.domain[0] < self.domain[1], "problem.domain", list(self.domain),
                "give [lo, hi] with lo < hi")
        require(self.n_grid >= 8, "problem.n_grid", self.n_grid, "use at least 8 interior grid points")
        self.build()

    def build(self) -> problems.Manufactured:
        return problems.Manufactured(self.solution, problems.Interval(*self.domain), lam=self.lam,
                                     coefficient=self.coefficient)


@dataclass(frozen=True)
class JacobiNetSpec(NetSpec):
    """The network (default: the plain tanh DNN 1-64-64-64-1 of the F-Principle experiments)."""

    name: str = "network"
    arch: str = "mlp"
    widths: tuple[int, ...] = (64, 64, 64)
    activation: str = "tanh"
    init: Literal["xavier", "msdnn", "mscale", "normal", "glorot_uniform"] = "xavier"


@dataclass(frozen=True)
class GridTrainSpec:
    """Training of the network on the grid: ``loss`` ``energy`` (discrete Ritz) or ``residual`` (least squares)."""

    optimizer: str = "adam"
    lr: float = 1e-3
    steps: int = 2000
    lr_decay: float = 0.0
    loss: Literal["energy", "residual"] = "energy"

    def validate(self):
        check_train_settings(self)


@dataclass(frozen=True)
class JacobiIterSpec:
    """Jacobi sweeps (from zero, and after the network in the hybrid), weight ω, recorded every ``record_every``."""

    sweeps: int = 6000
    omega: float = 1.0
    record_every: int = 10

    def validate(self):
        require(self.sweeps >= 1, "jacobi.sweeps", self.sweeps, "use a positive number of sweeps")
        require(0 < self.omega <= 1, "jacobi.omega", self.omega, "use a relaxation weight in (0, 1], e.g. 2/3")
        require(self.record_every >= 1, "jacobi.record_every", self.record_every, "use a positive integer")


@dataclass(frozen=True)
class HybridSpec:
    """``steps`` network steps before Jacobi takes over (default: all of ``train.steps``; must be a recorded
    step: a multiple of ``record.every`` or ``train.steps``); ``target_error``: relative error to reach."""

    steps: int | None = None
    target_error: float = 1e-3

    def validate(self):
        require(self.steps is None or self.steps >= 0, "hybrid.steps", self.steps,
                "use a non-negative number of network steps")
        require(0 < self.target_error < 1, "hybrid.target_error", self.target_error,
                "use a relative error in (0, 1), e.g. 1e-3")


@dataclass(frozen=True)
class GridRecordSpec:
    """The network's Δ_F every ``every`` steps; ``threshold``: the Δ_F level that counts as converged."""

    every: int = 10
    threshold: float = 0.1

    def validate(self):
        require(self.every >= 1, "record.every", self.every, "use a positive integer")
        require(0 < self.threshold < 1, "record.threshold", self.threshold, "use a level in (0, 1), e.g. 0.1")


@dataclass(frozen=True)
class JacobiVsDNNSpec(BaseSpec):
    experiment: str = "jacobi-vs-dnn"
    problem: JacobiProblemSpec = field(default_factory=JacobiProblemSpec)
    model: JacobiNetSpec = field(default_factory=JacobiNetSpec)
    train: GridTrainSpec = field(default_factory=GridTrainSpec)
    jacobi: JacobiIterSpec = field(default_factory=JacobiIterSpec)
    hybrid: HybridSpec = field(default_factory=HybridSpec)
    record: GridRecordSpec = field(default_factory=GridRecordSpec)

    def validate(self):
        check_net(self.model, "model")
        n = self.hybrid_steps()
        require(n <= self.train.steps, "hybrid.steps", f"{n}, more than train.steps = {self.train.steps}",
                "hand over to Jacobi at or before the end of training")
        require(n % self.record.every == 0 or n == self.train.steps, "hybrid.steps",
                f"{n}, which is not a recorded step (record.every = {self.record.every})",
                f"use a multiple of {self.record.every} or train.steps")

    def hybrid_steps(self) -> int:
        return self.train.steps if self.hybrid.steps is None else self.hybrid.steps


def _grid_objective(system: problems.Tridiagonal, loss: str, *, dtype, device):
    """``objective(model, step)``: the discrete energy h(½vᵀAv − bᵀv) or mean(r²)/mean(b²), v = model on the grid."""
    conv = lambda t: t.to(dtype=dtype, device=device)  # noqa: E731
    a = problems.Tridiagonal(conv(system.lower), conv(system.diag), conv(system.upper), conv(system.b))
    x = conv(system.x)[:, None]
    b, h = a.b, float(system.h)
    b_norm = float(b.square().mean())

    def objective(model, step):
        v = model(x).reshape(-1)
        av = a.apply(v)
        if loss == "energy":
            return h * (0.5 * (v * av).sum() - (b * v).sum())
        return (av - b).square().mean() / b_norm

    return objective


def _first_below(steps: np.ndarray, errors: np.ndarray, level: float) -> int | None:
    below = np.nonzero(errors <= level)[0]
    return int(steps[below[0]]) if below.size else None


def _track(system, reference: torch.Tensor, peaks, j: JacobiIterSpec, start: torch.Tensor):
    """Jacobi from ``start``: (sweeps, Δ_F at the peaks, relative error to the discrete solution)."""
    it = problems.jacobi(system, start, sweeps=j.sweeps, omega=j.omega, record_every=j.record_every)
    _, err = problems.iteration_peak_errors(it.iterates, reference, peaks=peaks)
    rel = (it.iterates - reference).norm(dim=1) / reference.norm()
    return it.steps.numpy(), err.numpy(), rel.numpy()


def _build_jacobi(spec: JacobiVsDNNSpec, device: str = "cpu") -> Plan:
    """The discrete problem, Jacobi from zero (no model update: computed here), and the network's :class:`Fit`;
    ``combine`` runs the hybrid's Jacobi from the network's grid values at ``hybrid.steps``."""
    dtype = torch_dtype(spec.dtype)
    seeds = seeds_for(spec.seed)
    problem = spec.problem.build()
    system = problems.discretize_1d(problem, spec.problem.n_grid)
    reference = system.solve()
    with torch.no_grad():
        exact = problem.u(system.x[:, None]).to(torch.float64)
    probe = train.GridPeakError(system.x[:, None], reference, values=True)
    track = lambda start: _track(system, reference, probe.peaks, spec.jacobi, start)  # noqa: E731
    jac_steps, jac_err, jac_rel = track(torch.zeros(system.n, dtype=torch.float64))
    static = {"exact": exact.numpy(), "jacobi_steps": jac_steps, "jacobi_peak_error": jac_err, "jacobi_rel_l2": jac_rel}
    model = build_net(spec.model, 1, generator=torch.Generator().manual_seed(seeds["init"]), dtype=dtype,
                      device=device, section="model")
    t = spec.train
    fit = Fit(model, problem, t.optimizer, t.lr, t.steps, train.Record(every=spec.record.every, probes=(probe,)),
              {"loss": _grid_objective(system, t.loss, dtype=dtype, device=device), "lr_decay": t.lr_decay})

    def combine(histories: list[History]) -> History:
        (h,) = histories
        extra = dict(static)
        if not h.diverged:
            n_net = spec.hybrid_steps()
            start = torch.as_tensor(h["grid_values"][int(np.searchsorted(h.steps, n_net))], dtype=torch.float64)
            hyb_steps, hyb_err, hyb_rel = track(start)
            extra.update(hybrid_steps=hyb_steps, hybrid_peak_error=hyb_err, hybrid_rel_l2=hyb_rel,
                         hybrid_start=np.array(n_net, dtype=np.int64))
        return History(steps=h.steps, arrays=h.arrays, static={**h.static, **extra}, outcome=h.outcome,
                       diverged_step=h.diverged_step, info=h.info)

    return Plan([fit], context={"reference": reference, "exact": exact}, combine=combine)


def _summarize_jacobi(spec: JacobiVsDNNSpec, plan: Plan, history: History) -> dict:
    thr, target, j = spec.record.threshold, spec.hybrid.target_error, spec.jacobi
    tracks = {m: (history.steps, history["peak_error"]) if m == "network" else
              (history[f"{m}_steps"], history[f"{m}_peak_error"]) for m in ("jacobi", "network", "hybrid")}
    first, stays = {}, {}
    for name, (st, err) in tracks.items():
        first[name], stays[name] = converged_steps(st, err, thr)
    jac_rel, hyb_rel = history["jacobi_rel_l2"], history["hybrid_rel_l2"]
    reference, exact = plan.context["reference"], plan.context["exact"]
    return {
        "frequencies": [round(float(f), 6) for f in history["peak_frequencies"]],
        "peak_indices": [int(k) for k in history["peaks"]],
        "converged_step": first,
        "stays_converged_step": stays,
        "threshold": float(thr),
        "rel_l2": {"jacobi": float(jac_rel[-1]), "network": float(history["grid_rel_l2"][-1]),
                   "hybrid": float(hyb_rel[-1])},
        "final_peak_error": {name: [float(e) for e in err[-1]] for name, (_, err) in tracks.items()},
        "discretization_error": float((reference - exact).norm() / exact.norm()),
        "jacobi": {"sweeps": j.sweeps, "omega": j.omega},
        "hybrid": {"network_steps": spec.hybrid_steps(), "target_error": target,
                   "start_rel_l2": float(hyb_rel[0]),
                   "sweeps_to_target": {"jacobi": _first_below(tracks["jacobi"][0], jac_rel, target),
                                        "hybrid": _first_below(tracks["hybrid"][0], hyb_rel, target)}},
        "final_loss": float(history["loss"][-1]),
        "ms_per_step": round(1000 * float(history.info["wall_time_s"]) / max(int(history.info["steps_done"]), 1), 3),
    }


def _headline_jacobi(spec: JacobiVsDNNSpec, summary: dict) -> list[str]:
    fmt = lambda v: "never" if v is None else str(v)  # noqa: E731
    first, s2t = summary["converged_step"], summary["hybrid"]["sweeps_to_target"]
    return [
        f"peaks at ω ≈ {summary['frequencies']}: Δ_F < {summary['threshold']} at sweep "
        f"{[fmt(v) for v in first['jacobi']]} (Jacobi), step {[fmt(v) for v in first['network']]} (network)",
        f"relative error {spec.hybrid.target_error:g}: Jacobi from zero after {fmt(s2t['jacobi'])} sweeps, "
        f"network ({summary['hybrid']['network_steps']} steps) then Jacobi after {fmt(s2t['hybrid'])} sweeps",
    ]


JACOBI_VS_DNN = register_kind(Kind(
    "jacobi-vs-dnn", JacobiVsDNNSpec, _build_jacobi, _summarize_jacobi,
    "1-D Poisson on a grid: Jacobi (high frequencies first) vs a network (low first), and network-then-Jacobi",
    headline=_headline_jacobi, aliases=("jacobi_vs_dnn",)))
