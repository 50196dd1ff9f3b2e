"""``jacobi_vs_dnn``: the Jacobi iteration and a network on the same discrete Poisson problem (papers.md §2.5, T9).

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
from ..errors import InputError
from ..results import History
from ._common import check_train_settings, converged_steps, seeds_for, torch_dtype
from ._pde import NetSpec, build_net, check_net
from ._registry import BaseSpec, Result, register

__all__ = ["JacobiProblemSpec", "JacobiNetSpec", "GridTrainSpec", "JacobiIterSpec", "HybridSpec", "GridRecordSpec",
           "JacobiVsDNNSpec", "run_jacobi_vs_dnn"]

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
        if len(self.domain) != 2 or not self.domain[0] < self.domain[1]:
            raise InputError("problem.domain", f"got {list(self.domain)}", "give [lo, hi] with lo < hi")
        if self.n_grid < 8:
            raise InputError("problem.n_grid", f"got {self.n_grid}", "use at least 8 interior grid points")
        self.build()

    def build(self) -> problems.Manufactured:
        return problems.Manufactured(self.solution, problems.Interval(*self.domain), lam=self.lam,
                                     coefficient=self.coefficient)


@dataclass(frozen=True)
class JacobiNetSpec(NetSpec):
    """The network (default: the plain tanh DNN 1-64-64-64-1 of the F-Principle experiments)."""

    name: str = "network"
    arch: Literal["mlp", "mscale1", "mscale2", "fourier", "msffn"] = "mlp"
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
        if self.sweeps < 1:
            raise InputError("jacobi.sweeps", f"got {self.sweeps}", "use a positive number of sweeps")
        if not 0 < self.omega <= 1:
            raise InputError("jacobi.omega", f"got {self.omega}", "use a relaxation weight in (0, 1], e.g. 2/3")
        if self.record_every < 1:
            raise InputError("jacobi.record_every", f"got {self.record_every}", "use a positive integer")


@dataclass(frozen=True)
class HybridSpec:
    """``steps`` network steps before Jacobi takes over (default: all of ``train.steps``; must be a recorded
    step: a multiple of ``record.every`` or ``train.steps``); ``target_error``: relative error to reach."""

    steps: int | None = None
    target_error: float = 1e-3

    def validate(self):
        if self.steps is not None and self.steps < 0:
            raise InputError("hybrid.steps", f"got {self.steps}", "use a non-negative number of network steps")
        if not 0 < self.target_error < 1:
            raise InputError("hybrid.target_error", f"got {self.target_error}", "use a relative error in (0, 1), e.g. 1e-3")


@dataclass(frozen=True)
class GridRecordSpec:
    """The network's Δ_F every ``every`` steps; ``threshold``: the Δ_F level that counts as converged."""

    every: int = 10
    threshold: float = 0.1

    def validate(self):
        if self.every < 1:
            raise InputError("record.every", f"got {self.every}", "use a positive integer")
        if not 0 < self.threshold < 1:
            raise InputError("record.threshold", f"got {self.threshold}", "use a level in (0, 1), e.g. 0.1")


@dataclass(frozen=True)
class JacobiVsDNNSpec(BaseSpec):
    experiment: str = "jacobi_vs_dnn"
    problem: JacobiProblemSpec = field(default_factory=JacobiProblemSpec)
    model: JacobiNetSpec = field(default_factory=JacobiNetSpec)
    train: GridTrainSpec = field(default_factory=GridTrainSpec)
    jacobi: JacobiIterSpec = field(default_factory=JacobiIterSpec)
    hybrid: HybridSpec = field(default_factory=HybridSpec)
    record: GridRecordSpec = field(default_factory=GridRecordSpec)

    def validate(self):
        check_net(self.model, "model")
        n = self.hybrid_steps()
        if n > self.train.steps:
            raise InputError("hybrid.steps", f"got {n}, more than train.steps = {self.train.steps}",
                             "hand over to Jacobi at or before the end of training")
        if n % self.record.every and n != self.train.steps:
            raise InputError("hybrid.steps", f"got {n}, which is not a recorded step (record.every = {self.record.every})",
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


@register("jacobi_vs_dnn", JacobiVsDNNSpec,
          "1-D Poisson on a grid: Jacobi (high frequencies first) vs a network (low first), and network-then-Jacobi")
def run_jacobi_vs_dnn(spec: JacobiVsDNNSpec, *, device="cpu", progress=False) -> Result:
    dtype = torch_dtype(spec.dtype)
    seeds = seeds_for(spec.seed)
    problem = spec.problem.build()
    system = problems.discretize_1d(problem, spec.problem.n_grid)
    reference = system.solve()
    with torch.no_grad():
        exact = problem.u(system.x[:, None]).to(torch.float64)
    ref_norm = reference.norm()
    probe = train.GridPeakError(system.x[:, None], reference, values=True)
    peaks = probe.peaks
    j = spec.jacobi

    def track(it: problems.Iteration):
        _, err = problems.iteration_peak_errors(it.iterates, reference, peaks=peaks)
        rel = (it.iterates - reference).norm(dim=1) / ref_norm
        return it.steps.numpy(), err.numpy(), rel.numpy()

    jac_steps, jac_err, jac_rel = track(problems.jacobi(system, torch.zeros(system.n, dtype=torch.float64),
                                                        sweeps=j.sweeps, omega=j.omega, record_every=j.record_every))

    g = torch.Generator().manual_seed(seeds["init"])
    model = build_net(spec.model, 1, generator=g, dtype=dtype, device=device, section="model")
    opt = train.make_optimizer(spec.train.optimizer, model.parameters(), lr=spec.train.lr)
    objective = _grid_objective(system, spec.train.loss, dtype=dtype, device=device)
    record = train.Record(every=spec.record.every, probes=(probe,))
    static = {"exact": exact.numpy(), "jacobi_steps": jac_steps, "jacobi_peak_error": jac_err, "jacobi_rel_l2": jac_rel}
    history = train.fit(model, problem, opt, steps=spec.train.steps, loss=objective, record=record,
                        lr_decay=spec.train.lr_decay, progress=progress)
    if history.diverged:
        history.static.update(static)
        raise history.divergence_error()

    n_net = spec.hybrid_steps()
    start = torch.as_tensor(history["grid_values"][int(np.searchsorted(history.steps, n_net))], dtype=torch.float64)
    hyb_steps, hyb_err, hyb_rel = track(problems.jacobi(system, start, sweeps=j.sweeps, omega=j.omega,
                                                        record_every=j.record_every))
    static.update(hybrid_steps=hyb_steps, hybrid_peak_error=hyb_err, hybrid_rel_l2=hyb_rel,
                  hybrid_start=np.array(n_net, dtype=np.int64))
    history = History(steps=history.steps, arrays=history.arrays, static={**history.static, **static},
                      outcome=history.outcome, info=history.info)

    thr = spec.record.threshold
    tracks = {"jacobi": (jac_steps, jac_err), "network": (history.steps, history["peak_error"]),
              "hybrid": (hyb_steps, hyb_err)}
    first, stays = {}, {}
    for name, (st, err) in tracks.items():
        first[name], stays[name] = converged_steps(st, err, thr)
    target = spec.hybrid.target_error
    summary = {
        "frequencies": [round(float(f), 6) for f in history["peak_frequencies"]],
        "peak_indices": [int(k) for k in peaks],
        "converged_step": first,
        "stays_converged_step": stays,
        "threshold": float(thr),
        "rel_l2": {"jacobi": float(jac_rel[-1]), "network": float(history["grid_rel_l2"][-1]),
                   "hybrid": float(hyb_rel[-1])},
        "final_peak_error": {name: [float(e) for e in err[-1]] for name, (_, err) in tracks.items()},
        "discretization_error": float((reference - exact).norm() / exact.norm()),
        "jacobi": {"sweeps": j.sweeps, "omega": j.omega},
        "hybrid": {"network_steps": n_net, "target_error": target,
                   "start_rel_l2": float(hyb_rel[0]),
                   "sweeps_to_target": {"jacobi": _first_below(jac_steps, jac_rel, target),
                                        "hybrid": _first_below(hyb_steps, hyb_rel, target)}},
        "final_loss": float(history["loss"][-1]),
        "ms_per_step": round(1000 * float(history.info["wall_time_s"]) / max(int(history.info["steps_done"]), 1), 3),
    }
    fmt = lambda v: "never" if v is None else str(v)  # noqa: E731
    s2t = summary["hybrid"]["sweeps_to_target"]
    head = [
        f"peaks at ω ≈ {summary['frequencies']}: Δ_F < {thr} at sweep {[fmt(v) for v in first['jacobi']]} (Jacobi), "
        f"step {[fmt(v) for v in first['network']]} (network)",
        f"relative error {target:g}: Jacobi from zero after {fmt(s2t['jacobi'])} sweeps, "
        f"network ({n_net} steps) then Jacobi after {fmt(s2t['hybrid'])} sweeps",
    ]
    return Result(history, summary, head)
