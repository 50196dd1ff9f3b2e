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

from dataclasses import dataclass, field, replace
from typing import Annotated, Literal

import numpy as np
import torch

from .. import problems, train
from ..errors import InputError
from ..results import History
from ._common import converged_steps, init_generator, torch_dtype
from ._kind import Fit, Kind, Plan, register_kind
from ._pde import NetSpec, TrainBase, _ms_per_step, build_net
from ._registry import BaseSpec
from ._spec import Check, Count, Interval, Positive, at_least

__all__ = ["JacobiProblemSpec", "GridTrainSpec", "JacobiIterSpec", "HybridSpec", "GridRecordSpec", "JacobiVsDNNSpec"]


@dataclass(frozen=True)
class JacobiProblemSpec:
    """−(A u′)′ + λ²u = f on ``domain`` from the exact ``solution`` (text; f and the boundary values from it).

    ``n_grid`` interior grid points.  Default: papers.md §2.5, −u″ = sin x + 4 sin 4x − 8 sin 8x +
    16 sin 24x on [−1, 1] with u(±1) = 0.

    Parameters
    ----------
    solution : str
        The exact solution u as an expression in x (default: the §2.5 problem's solution).
    domain : list of float, default [-1.0, 1.0]
        ``[lo, hi]``.
    n_grid : int, default 127
        Interior grid points n (≥ 8; spacing h = (hi − lo)/(n + 1)).
    lam : float, default 0.0
        λ ≥ 0 of the reaction term λ²u.
    coefficient : str, optional
        The diffusion coefficient A(x) as an expression (unset: A = 1).
    """

    solution: str = problems.jacobi_poisson().solution
    domain: Interval = (-1.0, 1.0)
    n_grid: Annotated[int, at_least(8, "use at least 8 interior grid points")] = 127
    lam: float = 0.0
    coefficient: str | None = None

    def build(self) -> problems.Manufactured:
        """The continuous problem (bad expressions raise :class:`~simbias.errors.InputError`)."""
        return problems.Manufactured(self.solution, problems.Interval(*self.domain), lam=self.lam,
                                     coefficient=self.coefficient)

    validate = build  # the expressions are checked by building the problem, before training


@dataclass(frozen=True)
class GridTrainSpec(TrainBase):
    """Training of the network on the grid: ``loss`` ``energy`` (discrete Ritz) or ``residual`` (least squares).

    Parameters
    ----------
    optimizer : str, default "adam"
        A name of :data:`simbias.train.OPTIMIZERS`.
    lr : float, default 1e-3
        Learning rate (> 0).
    steps : int, default 2000
        Number of updates (≥ 1).
    lr_decay : float, default 0.0
        Multiply the learning rate by (1 − ``lr_decay``) after every step, in [0, 1).
    loss : {"energy", "residual"}, default "energy"
        ``energy``: the discrete Ritz energy h·(½ vᵀAv − bᵀv); ``residual``: mean(r²)/mean(b²) with
        r = b − A v (module docstring).
    """

    loss: Literal["energy", "residual"] = "energy"


@dataclass(frozen=True)
class JacobiIterSpec:
    """Jacobi sweeps (from zero, and after the network in the hybrid), weight ω, recorded every ``record_every``.

    Parameters
    ----------
    sweeps : int, default 6000
        Number of Jacobi sweeps (≥ 1).
    omega : float, default 1.0
        Relaxation weight ω in (0, 1] of u ← u + ω D⁻¹(b − A u).
    record_every : int, default 10
        Sweeps between records (≥ 1).
    """

    sweeps: Positive = 6000
    omega: Annotated[float, Check(lambda v: 0 < v <= 1, "use a relaxation weight in (0, 1], e.g. 2/3")] = 1.0
    record_every: Positive = 10


@dataclass(frozen=True)
class HybridSpec:
    """``steps`` network steps before Jacobi takes over (default: all of ``train.steps``; must be a recorded
    step: a multiple of ``record.every`` or ``train.steps``); ``target_error``: relative error to reach.

    Parameters
    ----------
    steps : int, optional
        Network steps before Jacobi takes over (unset: ``train.steps``); a recorded step, i.e. a
        multiple of ``record.every`` or ``train.steps`` itself.
    target_error : float, default 1e-3
        Relative error in (0, 1) whose first recorded sweep is reported.
    """

    steps: Count | None = None
    target_error: Annotated[float, Check(lambda v: 0 < v < 1, "use a relative error in (0, 1), e.g. 1e-3")] = 1e-3


@dataclass(frozen=True)
class GridRecordSpec:
    """The network's Δ_F every ``every`` steps; ``threshold``: the Δ_F level that counts as converged.

    Parameters
    ----------
    every : int, default 10
        Steps between records of the network's Δ_F (≥ 1).
    threshold : float, default 0.1
        Δ_F level in (0, 1) that counts as converged.
    """

    every: Positive = 10
    threshold: Annotated[float, Check(lambda v: 0 < v < 1, "use a level in (0, 1), e.g. 0.1")] = 0.1


@dataclass(frozen=True)
class JacobiVsDNNSpec(BaseSpec):
    """Spec of ``jacobi-vs-dnn``: Jacobi iteration, a network and their hybrid on one discrete
    Poisson problem (papers.md §2.5, T9).

    Each method is tracked by Δ_F(k) = |ĥ_k − û_k| / |û_k| at the DFT peaks of the discrete
    solution û = A⁻¹b: Jacobi removes high frequencies first, the network low ones (module
    docstring).
    ``description``, ``seed`` and ``dtype`` are the keys every kind has (see
    :class:`~simbias.experiments.BaseSpec`).

    Parameters
    ----------
    experiment : str, default "jacobi-vs-dnn"
        The experiment kind (see ``simbias list``).
    problem : JacobiProblemSpec
        The PDE, its exact solution and the finite-difference grid (``problem.*``).
    model : NetSpec
        The network (``model.*``; default the plain tanh DNN 1-64-64-64-1 of the F-Principle
        experiments, ``xavier`` initialisation, named ``network``).
    train : GridTrainSpec
        Training on the grid with the discrete Ritz energy or the residual (``train.*``).
    jacobi : JacobiIterSpec
        Number of sweeps, weight ω and record interval of the iteration (``jacobi.*``).
    hybrid : HybridSpec
        When the network hands over to Jacobi and the error to reach (``hybrid.*``).
    record : GridRecordSpec
        Δ_F record interval and convergence threshold (``record.*``).

    Examples
    --------
    >>> from simbias.experiments import JacobiVsDNNSpec
    >>> spec = JacobiVsDNNSpec()
    >>> spec.model.widths, spec.train.loss
    ((64, 64, 64), 'energy')
    """

    experiment: str = "jacobi-vs-dnn"
    problem: JacobiProblemSpec = field(default_factory=JacobiProblemSpec)
    model: NetSpec = field(default_factory=lambda: NetSpec(name="network", arch="mlp", widths=(64, 64, 64),
                                                           activation="tanh", init="xavier"))
    train: GridTrainSpec = field(default_factory=GridTrainSpec)
    jacobi: JacobiIterSpec = field(default_factory=JacobiIterSpec)
    hybrid: HybridSpec = field(default_factory=HybridSpec)
    record: GridRecordSpec = field(default_factory=GridRecordSpec)

    def validate(self):
        build_net(self.model, 1, section="model")  # a throw-away build: the checks of simbias.nn
        n, every = self.hybrid_steps(), self.record.every
        if n > self.train.steps or (n % every and n != self.train.steps):
            raise InputError("hybrid.steps", f"got {n} (train.steps = {self.train.steps}, record.every = {every})",
                             f"hand over to Jacobi at a recorded step: train.steps or a multiple of {every} below it")

    def hybrid_steps(self) -> int:
        return self.train.steps if self.hybrid.steps is None else self.hybrid.steps


def _build_jacobi(spec: JacobiVsDNNSpec, device: str = "cpu") -> Plan:
    """The discrete problem, Jacobi from zero (no model update: computed here), and the network's :class:`Fit`;
    ``combine`` runs the hybrid's Jacobi from the network's grid values at ``hybrid.steps``."""
    dtype = torch_dtype(spec.dtype)
    problem = spec.problem.build()
    system = problems.discretize_1d(problem, spec.problem.n_grid)
    problems.check_expression_on(spec.problem.solution, system.x, key="problem.solution", dtype=dtype)  # run's dtype
    reference = system.solve()
    with torch.no_grad():
        exact = problem.u(system.x[:, None]).to(torch.float64)
    probe = train.GridPeakError(system.x[:, None], reference, values=True)
    j = spec.jacobi

    def track(name: str, start: torch.Tensor) -> dict[str, np.ndarray]:
        """Jacobi from ``start``: static ``<name>_steps`` (sweeps), ``<name>_peak_error`` (Δ_F at the peaks) and
        ``<name>_rel_l2`` (relative error to the discrete solution)."""
        it = problems.jacobi(system, start, sweeps=j.sweeps, omega=j.omega, record_every=j.record_every)
        _, err = problems.iteration_peak_errors(it.iterates, reference, peaks=probe.peaks)
        rel = (it.iterates - reference).norm(dim=1) / reference.norm()
        return {f"{name}_steps": it.steps.numpy(), f"{name}_peak_error": err.numpy(), f"{name}_rel_l2": rel.numpy()}

    static = {"exact": exact.numpy(), **track("jacobi", torch.zeros(system.n, dtype=torch.float64))}
    model = build_net(spec.model, 1, generator=init_generator(spec.seed), dtype=dtype, device=device, section="model")
    t = spec.train
    fit = Fit(model, problem, t.optimizer, t.lr, t.steps, train.Record(every=spec.record.every, probes=(probe,)),
              {"loss": problems.grid_objective(system, t.loss, dtype=dtype, device=device), "lr_decay": t.lr_decay})

    def combine(histories: list[History]) -> History:
        (h,) = histories
        extra = dict(static)
        if not h.diverged:
            n_net = spec.hybrid_steps()
            start = torch.as_tensor(h["grid_values"][int(np.searchsorted(h.steps, n_net))], dtype=torch.float64)
            extra.update(track("hybrid", start), hybrid_start=np.array(n_net, dtype=np.int64))
        return replace(h, static={**h.static, **extra})

    return Plan([fit], context={"discretization_error": float((reference - exact).norm() / exact.norm())},
                combine=combine)


def _summarize_jacobi(spec: JacobiVsDNNSpec, plan: Plan, history: History) -> dict:
    thr, target = spec.record.threshold, spec.hybrid.target_error
    tracks = {m: (history.steps, history["peak_error"]) if m == "network" else
              (history[f"{m}_steps"], history[f"{m}_peak_error"]) for m in ("jacobi", "network", "hybrid")}
    converged = {m: converged_steps(st, err, thr) for m, (st, err) in tracks.items()}
    rel = {"jacobi": history["jacobi_rel_l2"], "network": history["grid_rel_l2"], "hybrid": history["hybrid_rel_l2"]}
    reach = {m: converged_steps(tracks[m][0], rel[m][:, None], target, inclusive=True)[0][0]  # first sweep ≤ target
             for m in ("jacobi", "hybrid")}
    return {
        "frequencies": [round(float(f), 6) for f in history["peak_frequencies"]],
        "peak_indices": [int(k) for k in history["peaks"]],
        "converged_step": {m: c[0] for m, c in converged.items()},
        "stays_converged_step": {m: c[1] for m, c in converged.items()},
        "threshold": float(thr),
        "rel_l2": {m: float(r[-1]) for m, r in rel.items()},
        "final_peak_error": {name: [float(e) for e in err[-1]] for name, (_, err) in tracks.items()},
        "discretization_error": plan.context["discretization_error"],
        "jacobi": {"sweeps": spec.jacobi.sweeps, "omega": spec.jacobi.omega},
        "hybrid": {"network_steps": spec.hybrid_steps(), "target_error": target,
                   "start_rel_l2": float(rel["hybrid"][0]),
                   "sweeps_to_target": reach},
        "final_loss": float(history["loss"][-1]),
        "ms_per_step": _ms_per_step(history.info),
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
