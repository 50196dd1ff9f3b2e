"""``phase-diagram``: the regime of two-layer ReLU nets from RD against width (papers.md §5.2,
T18/T19; Luo, Xu, Ma & Zhang, JMLR 2021, arXiv 2007.07497).

For every point (γ, γ′) of ``phase.gammas`` × ``phase.gamma_primes``, every width m of
``phase.widths`` and ``phase.seeds`` initialisations, a net with (γ, γ′) at width m is trained on a
few points to ``train.tol`` and RD(θ_w*) = ‖θ_w* − θ_w(0)‖/‖θ_w(0)‖ of its input weights and biases
is measured (the first half of the mirrored pairs with ASI, as the authors' code does).  The slope
S_w of log RD against log m (least squares over all widths and seeds,
:func:`simbias.theory.width_slope`) is < 0 in the linear regime and > 0 in the condensed one; the
theory's regime (:func:`simbias.theory.phase_regime`) is reported next to it.

Scales: ``phase.parametrisation = "unit_alpha"`` (default) puts α = 1, β₁ = m^(−(γ+γ′)/2),
β₂ = m^(−(γ−γ′)/2) — for γ′ = 0 the authors' tutorial convention (std m^(−γ/2) for every
parameter); ``"paper"`` puts β₁ = 1, β₂ = m^(γ′), α = m^(γ+γ′) (Fig. 3 of the paper: α = m^γ).  With
``train.lr = "auto"`` (0.5/λ_max of the initial NTK, capped at ``lr_max``·α) both give the same
normalised dynamics (see :mod:`simbias.train._lr`), so the same S_w.

Training: every width is one :func:`simbias.train.fit_ensemble` bucket holding all (γ, γ′, seed)
members (and, in a sweep, the members of every run with the same static shape); a ``stop``
predicate checked every ``train.check_every`` steps ends training when every member's MSE is below
``train.tol`` (or after ``train.steps``).  ``train.backtrack`` (the authors' rule, with ``lr = "scaled"``): a member whose
loss increases is restarted from its initialisation with half the rate, in a later round.

Data: the tutorial's 4 points (−1, −⅓, ⅓, 1) of 0.2·ReLU(x − ⅓) + 0.2·ReLU(−x − ⅓) — the paper's four
points are not listed (papers.md §8.8).  With them, widths 500 … 4 000 gave S_w = −0.54 at γ = ½ and
+0.40 at γ = 1.75 (paper: −0.506 and 0.372 on its own data and widths 1 000 … 40 000).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Literal, Sequence, Union

import numpy as np
import torch

from .. import condensation as cond
from .. import nn as snn
from .. import theory, train
from ..errors import InputError, Outcome
from ..results import History
from ._common import seeds_for, torch_dtype
from ._condensation import TutorialPointsSpec, build_points
from ._registry import BaseSpec, Result, register

__all__ = ["PhaseGridSpec", "PhaseModelSpec", "PhaseTrainSpec", "PhaseDiagramSpec", "run_phase_diagram",
           "run_phase_ensemble", "phase_static_key"]


@dataclass(frozen=True)
class PhaseGridSpec:
    """The points (γ, γ′) (crossed), the widths (≥ 3 for a slope) and initialisations per point."""

    gammas: tuple[float, ...] = (0.5, 1.0, 1.75)
    gamma_primes: tuple[float, ...] = (0.0,)
    widths: tuple[int, ...] = (1000, 5000, 10000, 20000, 40000)
    seeds: int = 3
    parametrisation: Literal["unit_alpha", "paper"] = "unit_alpha"

    def validate(self):
        if not self.gammas or not self.gamma_primes:
            raise InputError("phase.gammas", "no (γ, γ′) points", "give at least one gamma and one gamma_prime")
        for name in ("gammas", "gamma_primes"):
            vals = getattr(self, name)
            if not all(math.isfinite(v) for v in vals):
                raise InputError(f"phase.{name}", f"got {list(vals)}", "use finite numbers")
            if len(set(vals)) != len(vals):
                raise InputError(f"phase.{name}", f"got {list(vals)}", "remove repeated values")
        if any(w < 2 for w in self.widths):
            raise InputError("phase.widths", f"got {list(self.widths)}", "use widths ≥ 2 (positive, and log m > 0)")
        if len(set(self.widths)) < 3:
            raise InputError("phase.widths", f"got {len(set(self.widths))} distinct width(s) {list(self.widths)}",
                             "give ≥ 3 widths to fit the RD-vs-width slope, e.g. [500, 1000, 2000, 4000]")
        if self.seeds < 1:
            raise InputError("phase.seeds", f"got {self.seeds}", "use a positive number of initialisations")


@dataclass(frozen=True)
class PhaseModelSpec:
    """ReLU (the theorems' activation) or another registered activation; ASI by mirrored pairs."""

    activation: str = "relu"
    antisymmetric: bool = True
    bias: bool = True

    def validate(self):
        snn.get_activation(self.activation)


@dataclass(frozen=True)
class PhaseTrainSpec:
    """Full-batch training to ``tol`` (see the module docstring and :mod:`simbias.train._lr`)."""

    optimizer: str = "sgd"
    lr: Union[float, Literal["auto", "scaled"]] = "auto"
    lr_factor: float = 0.5
    lr_max: Union[float, Literal["none"]] = 0.5
    lr0: float = 1e-3
    backtrack: bool = False
    max_restarts: int = 20
    steps: int = 20000
    tol: float = 1e-8
    check_every: int = 500
    momentum: float = 0.0

    def validate(self):
        if self.optimizer not in train.ENSEMBLE_OPTIMIZERS:
            raise InputError("train.optimizer", f"got {self.optimizer!r}",
                             f"choose one of {', '.join(train.ENSEMBLE_OPTIMIZERS)} (the phase diagram trains in ensembles)")
        if not isinstance(self.lr, str) and not (math.isfinite(self.lr) and self.lr > 0):
            raise InputError("train.lr", f"got {self.lr}", "use a positive number, 'auto' or 'scaled'")
        if not 0 < self.lr_factor < 2:
            raise InputError("train.lr_factor", f"got {self.lr_factor}", "use 0 < factor < 2")
        for name in ("lr_max", "lr0", "tol"):
            v = getattr(self, name)
            if v != "none" and not (math.isfinite(v) and v > 0):
                raise InputError(f"train.{name}", f"got {v}", "use a positive number")
        if self.steps < 1 or self.check_every < 1:
            raise InputError("train.steps", f"got steps={self.steps}, check_every={self.check_every}",
                             "use positive integers")
        if self.max_restarts < 0:
            raise InputError("train.max_restarts", f"got {self.max_restarts}", "use a non-negative integer")


@dataclass(frozen=True)
class PhaseDiagramSpec(BaseSpec):
    experiment: str = "phase-diagram"
    problem: TutorialPointsSpec = field(default_factory=TutorialPointsSpec)
    phase: PhaseGridSpec = field(default_factory=PhaseGridSpec)
    model: PhaseModelSpec = field(default_factory=PhaseModelSpec)
    train: PhaseTrainSpec = field(default_factory=PhaseTrainSpec)


def point_scales(gamma: float, gamma_prime: float, width: int, parametrisation: str) -> tuple[float, float, float]:
    """(α, β₁, β₂) of the point (γ, γ′) at width m (see the module docstring)."""
    e1 = (gamma + gamma_prime) / 2.0 if parametrisation == "unit_alpha" else 0.0
    return theory.phase_scales(gamma, gamma_prime, width, beta1_exp=e1)


@dataclass
class _Net:
    spec_index: int
    point: int
    seed: int
    width_index: int
    model: snn.TwoLayer
    lr: float
    w0: torch.Tensor
    b0: torch.Tensor | None
    problem: object
    restarts: int = 0
    final_loss: float = float("nan")
    rd: float = float("nan")
    diverged: bool = False


def _points(spec: PhaseDiagramSpec) -> list[tuple[float, float]]:
    return [(float(g), float(gp)) for g in spec.phase.gammas for gp in spec.phase.gamma_primes]


def _member_seed(base: int, seed: int, width: int) -> int:
    ss = np.random.SeedSequence([int(base), int(seed), int(width)])
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def _build(spec: PhaseDiagramSpec, si: int, *, dtype, device) -> list[_Net]:
    seeds = seeds_for(spec.seed)
    problem = build_points(spec.problem, dtype=dtype, device=device)
    t, m = spec.train, spec.model
    nets = []
    for pi, (g, gp) in enumerate(_points(spec)):
        for s in range(spec.phase.seeds):
            for wi, width in enumerate(spec.phase.widths):
                if m.antisymmetric and width % 2:
                    raise InputError("phase.widths", f"contains the odd width {width} with model.antisymmetric=true",
                                     "use even widths (mirrored pairs)")
                a, b1, b2 = point_scales(g, gp, width, spec.phase.parametrisation)
                # the same normalised initialisation for every (γ, γ′) at a width and seed
                gen = torch.Generator().manual_seed(_member_seed(seeds["init"], s, width))
                net = snn.TwoLayer(problem.in_features, width, activation=m.activation, alpha=a, beta1=b1, beta2=b2,
                                   antisymmetric=m.antisymmetric, bias=m.bias, generator=gen, dtype=dtype, device=device)
                lr = train.resolve_lr(t.lr, net, problem.x_train, factor=t.lr_factor, lr_max=t.lr_max, lr0=t.lr0)
                half = width // 2 if m.antisymmetric else width
                w0 = net.w.detach()[:half].clone()
                b0 = net.b.detach()[:half].clone() if net.b is not None else None
                nets.append(_Net(si, pi, s, wi, net, lr, w0, b0, problem))
    return nets


def _reset(n: _Net, spec: PhaseDiagramSpec) -> None:
    """Back to the initialisation (recomputed from the member seed)."""
    seeds = seeds_for(spec.seed)
    width = spec.phase.widths[n.width_index]
    g, gp = _points(spec)[n.point]
    a, b1, b2 = point_scales(g, gp, width, spec.phase.parametrisation)
    gen = torch.Generator().manual_seed(_member_seed(seeds["init"], n.seed, width))
    fresh = snn.TwoLayer(n.model.in_features, width, activation=spec.model.activation, alpha=a, beta1=b1, beta2=b2,
                         antisymmetric=spec.model.antisymmetric, bias=spec.model.bias, generator=gen,
                         dtype=n.model.w.dtype, device=n.model.w.device)
    with torch.no_grad():
        for (_, p), (_, q) in zip(n.model.named_parameters(), fresh.named_parameters()):
            p.copy_(q)


def _train_bucket(nets: list[_Net], specs: Sequence[PhaseDiagramSpec], t: PhaseTrainSpec, *,
                  chunk_size: int | None) -> int:
    """Train nets of one width together (rounds of restarts with ``backtrack``); returns steps run."""
    todo = list(range(len(nets)))
    total = 0
    for rnd in range(t.max_restarts + 1 if t.backtrack else 1):
        if not todo:
            break
        group = [nets[i] for i in todo]
        ens = train.Ensemble([n.model for n in group])
        opts = {"momentum": t.momentum} if t.optimizer == "sgd" and t.momentum else {}
        opt = train.make_ensemble_optimizer(t.optimizer, ens, lr=[n.lr for n in group], **opts)
        stacked = train.stack_problems([n.problem for n in group])
        k = len(group)
        increased = np.zeros(k, dtype=bool)
        seen = [0]  # per-step losses already scanned for an increase

        def status(losses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """(final loss, bad, increased) per member from the per-step losses so far (increase
            is sticky; each check scans the new steps and the pair across the last boundary)."""
            with torch.no_grad():
                final = ((ens(stacked.x_train) - stacked.y_train) ** 2).mean(dim=(1, 2)).to(torch.float64).cpu().numpy()
            bad = ~np.isfinite(final) | np.isnan(losses).any(axis=1)
            if t.backtrack:
                window = losses[:, max(seen[0] - 1, 0):]
                for j in range(k):
                    if not increased[j] and train.loss_increase(window[j], floor=t.tol) is not None:
                        increased[j] = True
            seen[0] = losses.shape[1]
            return final, bad, increased.copy()

        def settled(step: int, values: dict) -> bool:  # every member converged, diverged or rose
            if step == 0:
                return False
            final, bad, increased = status(values["losses"].to(torch.float64).cpu().numpy())
            return bool(np.all((final < t.tol) | bad | increased))

        h = train.fit_ensemble(ens, stacked, opt, steps=t.steps, record=train.Record(every=t.check_every, probes=()),
                               stop=settled, chunk_size=chunk_size)
        done = int(h.info["steps_done"])
        final, bad, increased = status(np.asarray(h.static["loss"], dtype=np.float64))
        total += done
        ens.write_back([n.model for n in group])
        retry = []
        for j, n in enumerate(group):
            n.final_loss = float(final[j])
            failed = bool(bad[j]) or bool(increased[j])
            if failed and t.backtrack and rnd < t.max_restarts:
                n.lr *= 0.5
                n.restarts += 1
                _reset(n, specs[n.spec_index])
                retry.append(todo[j])
            else:
                n.diverged = bool(bad[j])
        todo = retry
    return total


def _rd(n: _Net) -> float:
    """RD of (w, b) of the first copy (all neurons without ASI); NaN for a diverged net."""
    if n.diverged:
        return float("nan")
    half = n.w0.shape[0]
    if n.b0 is None:
        return cond.relative_distance(n.w0, n.model.w.detach()[:half])
    return cond.relative_distance((n.w0, n.b0), (n.model.w.detach()[:half], n.model.b.detach()[:half]))


def _summarise(spec: PhaseDiagramSpec, nets: list[_Net], steps_run: dict[int, int]) -> Result:
    pts = _points(spec)
    widths = list(spec.phase.widths)
    P, S, W = len(pts), spec.phase.seeds, len(widths)
    rd = np.full((P, S, W), np.nan)
    fl = np.full((P, S, W), np.nan)
    lr = np.full((P, S, W), np.nan)
    rs = np.zeros((P, S, W), dtype=np.int64)
    for n in nets:
        rd[n.point, n.seed, n.width_index] = _rd(n)
        fl[n.point, n.seed, n.width_index] = n.final_loss
        lr[n.point, n.seed, n.width_index] = n.lr
        rs[n.point, n.seed, n.width_index] = n.restarts
    slopes = []
    for pi, (g, gp) in enumerate(pts):
        r = rd[pi]
        ok = np.isfinite(r) & (r > 0)
        ms = np.broadcast_to(np.asarray(widths, dtype=float), r.shape)[ok]
        slope = None
        if np.unique(ms).size >= 3:
            slope = theory.width_slope(ms, r[ok])
        slopes.append({"gamma": g, "gamma_prime": gp, "slope": slope, "regime": theory.phase_regime(g, gp)})
    decided = [s for s in slopes if s["slope"] is not None and s["regime"] != "critical"]
    agree = [((s["slope"] < 0) == (s["regime"] == "linear")) for s in decided]
    summary = {
        "slopes": slopes,
        "agreement": float(np.mean(agree)) if agree else None,
        "max_final_loss": float(np.nanmax(fl)) if np.isfinite(fl).any() else None,
        "diverged": int(sum(n.diverged for n in nets)),
        "restarts": int(rs.sum()),
        "steps_run": [int(steps_run.get(wi, 0)) for wi in range(W)],
    }
    hist = History(steps=np.asarray([max(steps_run.values(), default=0)], dtype=np.int64),
                   static={"widths": np.asarray(widths), "points": np.asarray(pts, dtype=float), "rd": rd,
                           "final_loss": fl, "lr": lr, "restarts": rs},
                   info={"steps_run": summary["steps_run"]})
    head = [f"γ = {s['gamma']:g}, γ′ = {s['gamma_prime']:g}: S_w = "
            + ("n/a" if s["slope"] is None else f"{s['slope']:+.3f}") + f" (theory: {s['regime']})" for s in slopes]
    if summary["max_final_loss"] is not None:
        head.append(f"largest final train MSE {summary['max_final_loss']:.2e} (tol {spec.train.tol:g})"
                    + (f"; {summary['diverged']} diverged" if summary["diverged"] else ""))
    return Result(hist, summary, head)


def _run_specs(specs: Sequence[PhaseDiagramSpec], *, device: str, chunk_size=None) -> list[Result]:
    specs = list(specs)
    dtype = torch_dtype(specs[0].dtype)
    nets: list[_Net] = []
    for si, spec in enumerate(specs):
        nets += _build(spec, si, dtype=dtype, device=device)
    by_width: dict[int, list[_Net]] = {}
    for n in nets:
        by_width.setdefault(n.model.width, []).append(n)
    steps_run: dict[tuple[int, int], int] = {}
    t = specs[0].train
    for width in sorted(by_width):
        group = by_width[width]
        run = _train_bucket(group, specs, t, chunk_size=chunk_size)
        for n in group:
            steps_run[(n.spec_index, n.width_index)] = run
    out = []
    for si, spec in enumerate(specs):
        mine = [n for n in nets if n.spec_index == si]
        out.append(_summarise(spec, mine, {wi: s for (sj, wi), s in steps_run.items() if sj == si}))
    return out


@register("phase-diagram", PhaseDiagramSpec,
          "phase diagram of two-layer ReLU nets: slope of RD vs width per (γ, γ′), linear vs condensed")
def run_phase_diagram(spec: PhaseDiagramSpec, *, device="cpu", progress=False) -> Result:
    return _run_specs([spec], device=device)[0]


def phase_static_key(spec: PhaseDiagramSpec):
    """Runs with the same widths, data size and schedule train in one bucket per width."""
    t, m, p = spec.train, spec.model, spec.phase
    return (spec.dtype, tuple(p.widths), m.activation, m.bias, spec.problem.size, t.optimizer,
            t.momentum if t.optimizer == "sgd" else None, t.steps, t.tol, t.check_every, t.backtrack, t.max_restarts)


def phase_member_bytes(spec: PhaseDiagramSpec) -> int:
    size = torch_dtype(spec.dtype).itemsize
    n_pts = len(spec.phase.gammas) * len(spec.phase.gamma_primes) * spec.phase.seeds
    return int(size * n_pts * sum(spec.phase.widths) * (12 + 4 * spec.problem.size))


def run_phase_ensemble(specs: Sequence[PhaseDiagramSpec], *, device: str = "cpu",
                       on_step: Callable[[int], None] | None = None, chunk_size: int | None = None) -> list:
    """Sweep members of one static key: all their nets of a width train in one ensemble."""
    from ._ensemble_runners import MemberResult

    t0 = time.perf_counter()
    results = _run_specs(specs, device=device, chunk_size=chunk_size)
    wall = time.perf_counter() - t0
    if on_step is not None:
        on_step(sum(s.train.steps for s in specs))
    return [MemberResult(r, Outcome.COMPLETED, None, wall, bucket_size=len(specs)) for r in results]


def _register_ensembles() -> None:
    from ._ensemble_runners import register_ensemble

    register_ensemble("phase-diagram", run_phase_ensemble, static_key=phase_static_key,
                      member_bytes=phase_member_bytes)


_register_ensembles()
