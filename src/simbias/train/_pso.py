"""Global-best particle swarm optimisation (PSO) of a network's flat parameter vector.

Kennedy & Eberhart (1995) with the constriction constants of Clerc & Kennedy (2002), the
standard choice quoted in papers.md §2.7 (arXiv 2101.00747 trains networks with PSO and still
sees the Frequency Principle, target T14).  For particles i = 1 … P at positions x_i ∈ R^D
(D = number of parameters), velocities v_i, personal bests p_i and the swarm's best g:

    v_i ← ω v_i + c₁ r₁ ⊙ (p_i − x_i) + c₂ r₂ ⊙ (g − x_i),    x_i ← x_i + lr · v_i

with r₁, r₂ ~ U(0, 1)^D drawn per particle and coordinate, ω = 0.7298, c₁ = c₂ = 1.49618 and
lr = 1 (standard PSO; ``lr`` is ours, a scale on the move so that ``lr_decay`` can anneal it).
Optionally |v| is clipped coordinate-wise at ``v_max``.

Swarm initialisation (ours, documented): particle 0 is the model's initial parameter vector θ₀
and the others are θ₀ + ``spread`` · N(0, I) (``spread`` defaults to the standard deviation
of θ₀'s entries, so the swarm lives at the scale of the chosen initialisation); velocities
start at 0.

One call of ``step(closure)`` is one swarm iteration: the closure is evaluated once at the
model's parameters (that is the loss ``fit`` records for the step), the swarm moves, all P
particles are evaluated in one batched call (``torch.func.functional_call`` under ``vmap``,
see :class:`~simbias.train.FunctionalLoss`; sequentially when the closure has no batching
hooks), and the model is set to the best position found so far, g.  The loss of the model is
therefore non-increasing.  The first step also evaluates the initial swarm.  With mini-batches,
personal bests are compared across batches (PSO assumes a fixed objective: use full batches).
"""

from __future__ import annotations

import torch

from ..errors import InputError
from ._gradfree import GradientFreeOptimizer, _check
from ._optim import register_optimizer

__all__ = ["PSO"]


class PSO(GradientFreeOptimizer):
    """Global-best particle swarm optimiser (module docstring for the update and its defaults).

    v_i ← ω v_i + c₁ r₁ ⊙ (p_i − x_i) + c₂ r₂ ⊙ (g − x_i), x_i ← x_i + lr·v_i (Kennedy &
    Eberhart 1995; constants of Clerc & Kennedy 2002).  The model is set to the swarm's best,
    so its loss never increases.  Registered as the optimiser ``"pso"``.

    Attributes after a step: ``positions``, ``velocities`` (P, D), ``personal_best`` (P, D),
    ``personal_best_loss`` (P,), ``best`` (D,), ``best_loss`` (float), ``evaluations``.

    Parameters
    ----------
    params : iterable of Parameter
        The parameters to optimise (one flat vector of all of them).
    lr : float
        Scale of the move x ← x + lr·v (1 = standard PSO).
    particles : int
        Swarm size P.
    inertia, cognitive, social : float
        ω, c₁ and c₂.
    spread : float, optional
        Standard deviation of the initial swarm around the model's parameters (``None``: the
        standard deviation of those parameters' entries).
    v_max : float, optional
        Clip every velocity coordinate to [−v_max, v_max] (``None``: no clipping).
    seed : int
        Seeds the swarm's random numbers.
    chunk_size : int, optional
        Particles per vmapped call (``None``: all at once).

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import make_regression
    >>> from simbias.train import fit
    >>> prob = make_regression("sin(x)", n_train=32)
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    >>> opt = PSO(net.parameters(), particles=20)
    >>> h = fit(net, prob, opt, steps=50)
    >>> bool((h.static["loss"][1:] <= h.static["loss"][:-1]).all()), opt.best.shape
    (True, torch.Size([49]))
    """

    def __init__(self, params, lr: float = 1.0, *, particles: int = 50, inertia: float = 0.7298,
                 cognitive: float = 1.49618, social: float = 1.49618, spread: float | None = None,
                 v_max: float | None = None, seed: int = 0, chunk_size: int | None = None):
        _check("lr", lr)
        _check("particles", particles, integer=True)
        if particles < 2:
            raise InputError("train.particles", f"got {particles}", "use a swarm of at least 2 particles")
        _check("inertia", inertia, positive=False)
        _check("cognitive", cognitive, positive=False)
        _check("social", social, positive=False)
        if spread is not None:
            _check("spread", spread)
        if v_max is not None:
            _check("v_max", v_max)
        super().__init__(params, dict(lr=lr), seed=seed, chunk_size=chunk_size)
        self.particles, self.inertia, self.cognitive, self.social = particles, inertia, cognitive, social
        self.spread, self.v_max = spread, v_max
        self.positions = self.velocities = self.personal_best = self.personal_best_loss = None
        self.best, self.best_loss = None, float("inf")

    def _init_swarm(self, evaluate) -> None:
        theta = self.get_vector()
        spread = self.spread
        if spread is None:
            spread = float(theta.std()) if theta.numel() > 1 else 0.0
            spread = spread if spread > 0 else 1.0
        x = theta.expand(self.particles, -1).clone()
        x[1:] += spread * self.randn(self.particles - 1, theta.numel())
        self.positions = x
        self.velocities = torch.zeros_like(x)
        f = evaluate(x)
        self.personal_best, self.personal_best_loss = x.clone(), f.clone()
        self._update_best()

    def _update_best(self) -> None:
        f = torch.where(torch.isfinite(self.personal_best_loss), self.personal_best_loss,
                        torch.full_like(self.personal_best_loss, float("inf")))
        i = int(torch.argmin(f))
        if float(f[i]) < self.best_loss or self.best is None:
            self.best, self.best_loss = self.personal_best[i].clone(), float(f[i])

    def step(self, closure):
        if closure is None:
            raise InputError("closure", "PSO needs a closure that returns the loss", "call step(closure)")
        value = self.current_loss(closure)
        evaluate = self.evaluator(closure)
        if self.positions is None:
            self._init_swarm(evaluate)
        x, v = self.positions, self.velocities
        shape = x.shape
        r1, r2 = self.rand(*shape), self.rand(*shape)
        v.mul_(self.inertia).add_(self.cognitive * r1 * (self.personal_best - x)).add_(self.social * r2 * (self.best - x))
        if self.v_max is not None:
            v.clamp_(-self.v_max, self.v_max)
        x.add_(v, alpha=self.lr)
        f = evaluate(x)
        better = f < self.personal_best_loss
        self.personal_best[better] = x[better]
        self.personal_best_loss[better] = f[better]
        self._update_best()
        self.set_vector(self.best)
        return value


def _pso(params, lr, **kw):
    return PSO(params, lr=lr, **kw)


register_optimizer("pso", _pso)
