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
members (the kind's one job has its own trainer, so a sweep trains member by member); a ``stop``
predicate checked every ``train.check_every`` steps ends training when every member's MSE is below
``train.tol`` (or after ``train.steps``).  ``train.backtrack`` (the authors' rule, with ``lr = "scaled"``): a member whose
loss increases is restarted from its initialisation with half the rate, in a later round.

Data: the tutorial's 4 points (−1, −⅓, ⅓, 1) of 0.2·ReLU(x − ⅓) + 0.2·ReLU(−x − ⅓) — the paper's four
points are not listed (papers.md §8.8).  With them, widths 500 … 4 000 gave S_w = −0.54 at γ = ½ and
+0.40 at γ = 1.75 (paper: −0.506 and 0.372 on its own data and widths 1 000 … 40 000).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Union

import numpy as np
import torch

from .. import condensation as cond
from .. import nn as snn
from .. import theory, train
from ..results import History
from ._common import seeds_for, torch_dtype
from ._condensation import TutorialPointsSpec, build_points, check_lr_rule, require
from ._kind import Fit, Kind, Plan, register_kind
from ._registry import BaseSpec

__all__ = ["PhaseGridSpec", "PhaseModelSpec", "PhaseTrainSpec", "PhaseDiagramSpec", "PHASE_DIAGRAM",
           "build_phase_diagram", "point_scales"]


@dataclass(frozen=True)
class PhaseGridSpec:
    """The points (γ, γ′) (crossed), the widths (≥ 3 for a slope) and initialisations per point."""

    gammas: tuple[float, ...] = (0.5, 1.0, 1.75)
    gamma_primes: tuple[float, ...] = (0.0,)
    widths: tuple[int, ...] = (1000, 5000, 10000, 20000, 40000)
    seeds: int = 3
    parametrisation: Literal["unit_alpha", "paper"] = "unit_alpha"

    def validate(self):
        require(self.gammas and self.gamma_primes, "phase.gammas", "no (γ, γ′) points",
              "give at least one gamma and one gamma_prime")
        for name in ("gammas", "gamma_primes"):
            vals = getattr(self, name)
            require(all(math.isfinite(v) for v in vals), f"phase.{name}", f"got {list(vals)}", "use finite numbers")
            require(len(set(vals)) == len(vals), f"phase.{name}", f"got {list(vals)}", "remove repeated values")
        require(all(w >= 2 for w in self.widths), "phase.widths", f"got {list(self.widths)}",
              "use widths ≥ 2 (positive, and log m > 0)")
        require(len(set(self.widths)) >= 3, "phase.widths", f"got {len(set(self.widths))} distinct width(s) "
              f"{list(self.widths)}", "give ≥ 3 widths to fit the RD-vs-width slope, e.g. [500, 1000, 2000, 4000]")
        require(self.seeds >= 1, "phase.seeds", f"got {self.seeds}", "use a positive number of initialisations")


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
        require(self.optimizer in train.ENSEMBLE_OPTIMIZERS, "train.optimizer", f"got {self.optimizer!r}",
              f"choose one of {', '.join(train.ENSEMBLE_OPTIMIZERS)} (the phase diagram trains in ensembles)")
        check_lr_rule(self)
        require(math.isfinite(self.tol) and self.tol > 0, "train.tol", f"got {self.tol}", "use a positive number")
        require(self.check_every >= 1, "train.check_every", f"got {self.check_every}", "use a positive integer")


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
    point: int
    seed: int
    width_index: int
    model: snn.TwoLayer
    lr: float
    half: int            # neurons of the first copy of the mirrored pairs (all without ASI)
    problem: object
    start: dict = field(default_factory=dict)   # the initial parameters, for RD and restarts
    restarts: int = 0
    final_loss: float = float("nan")
    diverged: bool = False


def _points(spec: PhaseDiagramSpec) -> list[tuple[float, float]]:
    return [(float(g), float(gp)) for g in spec.phase.gammas for gp in spec.phase.gamma_primes]


def _build_nets(spec: PhaseDiagramSpec, problem, *, dtype, device) -> list[_Net]:
    t, m = spec.train, spec.model
    odd = [w for w in spec.phase.widths if w % 2]
    require(not (m.antisymmetric and odd), "phase.widths", f"contains the odd width {(odd or [0])[0]} with "
            "model.antisymmetric=true", "use even widths (mirrored pairs)")
    nets = []
    for pi in range(len(_points(spec))):
        for s in range(spec.phase.seeds):
            for wi, width in enumerate(spec.phase.widths):
                # the same normalised initialisation for every (γ, γ′) at a width and seed
                a, b1, b2 = point_scales(*_points(spec)[pi], width, spec.phase.parametrisation)
                ss = np.random.SeedSequence([int(seeds_for(spec.seed)["init"]), int(s), int(width)])
                gen = torch.Generator().manual_seed(int(ss.generate_state(1, dtype=np.uint32)[0]))
                net = snn.TwoLayer(problem.in_features, width, activation=m.activation, alpha=a, beta1=b1, beta2=b2,
                                   antisymmetric=m.antisymmetric, bias=m.bias, generator=gen, dtype=dtype, device=device)
                lr = train.resolve_lr(t.lr, net, problem.x_train, factor=t.lr_factor, lr_max=t.lr_max, lr0=t.lr0)
                start = {k: v.detach().clone() for k, v in net.state_dict().items()}
                nets.append(_Net(pi, s, wi, net, lr, width // 2 if m.antisymmetric else width, problem, start))
    return nets


def _train_bucket(nets: list[_Net], t: PhaseTrainSpec) -> int:
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
                               stop=settled)
        final, bad, increased = status(np.asarray(h.static["loss"], dtype=np.float64))
        total += int(h.info["steps_done"])
        ens.write_back([n.model for n in group])
        retry = []
        for j, n in enumerate(group):
            n.final_loss = float(final[j])
            if (bad[j] or increased[j]) and t.backtrack and rnd < t.max_restarts:
                n.lr *= 0.5
                n.restarts += 1
                with torch.no_grad():
                    n.model.load_state_dict(n.start)   # back to the initialisation
                retry.append(todo[j])
            else:
                n.diverged = bool(bad[j])
        todo = retry
    return total


def _rd(n: _Net) -> float:
    """RD of (w, b) of the first copy (all neurons without ASI); NaN for a diverged net."""
    if n.diverged:
        return float("nan")
    keys = [k for k in ("w", "b") if k in n.start]
    return cond.relative_distance(tuple(n.start[k][:n.half] for k in keys),
                                  tuple(getattr(n.model, k).detach()[:n.half] for k in keys))


def _phase_trainer(spec: PhaseDiagramSpec, nets: list[_Net]):
    """Train every width as one ensemble of all (γ, γ′, seed) nets; the history holds RD, the final
    loss, the learning rate and the restarts per (point, seed, width)."""

    def trainer(f: Fit, *, progress: bool = False, on_record=None) -> History:
        by_width: dict[int, list[_Net]] = {}
        for n in nets:
            by_width.setdefault(n.model.width, []).append(n)
        steps_run: dict[int, int] = {}
        for width in sorted(by_width):
            done = _train_bucket(by_width[width], spec.train)
            steps_run.update({n.width_index: done for n in by_width[width]})
        shape = (len(_points(spec)), spec.phase.seeds, len(spec.phase.widths))
        static = {"widths": np.asarray(spec.phase.widths), "points": np.asarray(_points(spec), dtype=float)}
        for key, fn, dt in (("rd", _rd, float), ("final_loss", lambda n: n.final_loss, float),
                            ("lr", lambda n: n.lr, float), ("restarts", lambda n: n.restarts, np.int64)):
            a = np.full(shape, np.nan) if dt is float else np.zeros(shape, dtype=dt)
            for n in nets:
                a[n.point, n.seed, n.width_index] = fn(n)
            static[key] = a
        run = [int(steps_run.get(wi, 0)) for wi in range(shape[2])]
        return History(steps=np.asarray([max(steps_run.values(), default=0)], dtype=np.int64), static=static,
                       info={"steps_run": run, "diverged_nets": int(sum(n.diverged for n in nets))})

    return trainer


def build_phase_diagram(spec: PhaseDiagramSpec, device: str = "cpu") -> Plan:
    """Every (γ, γ′, seed, width) net with its learning rate; one job that trains them by width."""
    dtype = torch_dtype(spec.dtype)
    problem = build_points(spec.problem, dtype=dtype, device=device)
    nets = _build_nets(spec, problem, dtype=dtype, device=device)
    return Plan([Fit(torch.nn.ModuleList([n.model for n in nets]), problem, spec.train.optimizer, nets[0].lr,
                     spec.train.steps, trainer=_phase_trainer(spec, nets))])


def summarize_phase_diagram(spec: PhaseDiagramSpec, plan: Plan, history: History) -> dict:
    """S_w per point (least squares of log RD on log m over widths and seeds) against the theory."""
    rd, fl, widths = history.static["rd"], history.static["final_loss"], list(spec.phase.widths)
    slopes = []
    for pi, (g, gp) in enumerate(_points(spec)):
        r = rd[pi]
        ok = np.isfinite(r) & (r > 0)
        ms = np.broadcast_to(np.asarray(widths, dtype=float), r.shape)[ok]
        slope = theory.width_slope(ms, r[ok]) if np.unique(ms).size >= 3 else None
        slopes.append({"gamma": g, "gamma_prime": gp, "slope": slope, "regime": theory.phase_regime(g, gp)})
    agree = [((s["slope"] < 0) == (s["regime"] == "linear")) for s in slopes
             if s["slope"] is not None and s["regime"] != "critical"]
    return {
        "slopes": slopes,
        "agreement": float(np.mean(agree)) if agree else None,
        "max_final_loss": float(np.nanmax(fl)) if np.isfinite(fl).any() else None,
        "diverged": int(history.info["diverged_nets"]),
        "restarts": int(history.static["restarts"].sum()),
        "steps_run": list(history.info["steps_run"]),
    }


def phase_headline(spec: PhaseDiagramSpec, summary: dict) -> list[str]:
    head = [f"γ = {s['gamma']:g}, γ′ = {s['gamma_prime']:g}: S_w = "
            + ("n/a" if s["slope"] is None else f"{s['slope']:+.3f}") + f" (theory: {s['regime']})"
            for s in summary["slopes"]]
    if summary["max_final_loss"] is not None:
        head.append(f"largest final train MSE {summary['max_final_loss']:.2e} (tol {spec.train.tol:g})"
                    + (f"; {summary['diverged']} diverged" if summary["diverged"] else ""))
    return head


PHASE_DIAGRAM = register_kind(Kind(
    "phase-diagram", PhaseDiagramSpec, build_phase_diagram, summarize_phase_diagram,
    "phase diagram of two-layer ReLU nets: slope of RD vs width per (γ, γ′), linear vs condensed",
    headline=phase_headline))
