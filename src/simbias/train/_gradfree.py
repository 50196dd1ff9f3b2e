"""Gradient-free optimisers driven by :func:`simbias.train.fit` through ``step(closure)``.

The Frequency Principle also holds without gradients (Ma, Xu, Zhang et al., arXiv 2101.00747:
conjugate gradient, BFGS, Powell, particle swarm; papers.md §2.7, target T14).  simbias ships:

* ``"pso"`` — global-best particle swarm (:class:`~simbias.train.PSO`, in ``_pso.py``);
* ``"es"`` — an antithetic evolution strategy (:class:`ES`; Salimans et al. 2017, "Evolution
  strategies as a scalable alternative to reinforcement learning", arXiv 1703.03864): with
  ε_j ~ N(0, I), the loss at θ ± σε_j gives the zeroth-order estimate
  g = Σ_j (L(θ + σε_j) − L(θ − σε_j)) ε_j / (2σ·m)  (m = population/2 pairs) of the gradient of
  the Gaussian-smoothed loss E L(θ + σε); θ takes an Adam step along g (``adam=True``, default)
  or a plain step θ ← θ − lr·g.  Only loss values are used, never a derivative.  Pairs with a
  non-finite loss are left out of the sum (and m counts only the others).
* ``"one_plus_one"`` — the (1+1)-ES with the 1/5-success rule (Rechenberg 1973; Auger & Hansen's
  tutorial form): one mutant θ′ = θ + σ·ε per step, kept if L(θ′) ≤ L(θ); σ ← σ·e^{1/3} after a
  success and σ·e^{−1/12} after a failure (stationary at a success rate of 1/5).

Batched evaluation: in supervised training, ``fit``'s closure carries ``model``, ``inputs``,
``targets`` and ``criterion``; :class:`FunctionalLoss` then evaluates the loss of many flat
parameter vectors at once with ``torch.func.functional_call`` under ``torch.func.vmap``
(chunked by ``chunk_size``).  Otherwise (callable objectives, the derivative loss, a closure
written by hand) the vectors are written into the parameters one after another and the
closure is called for each (correct, slower; the closure's backward pass is wasted work).

Every optimiser takes ``seed`` (its own ``torch.Generator``), so runs are reproducible, and keeps
the model at its current best point: the loss a step returns is that of the state before the
step, like a gradient optimiser's.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import Tensor
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from ..errors import InputError
from ._optim import register_optimizer

__all__ = ["FunctionalLoss", "ES", "OnePlusOneES", "GradientFreeOptimizer"]


def _check(name: str, value, *, positive: bool = True, integer: bool = False, upper: float | None = None):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if integer:
        ok = ok and isinstance(value, int)
    if ok and positive:
        ok = value > 0
    if ok and not positive:
        ok = value >= 0
    if ok and upper is not None:
        ok = value <= upper
    if not ok:
        kind = "integer" if integer else "number"
        rng = f" ≤ {upper}" if upper is not None else ""
        raise InputError(f"train.{name}", f"got {value!r}",
                         f"use a {'positive' if positive else 'non-negative'} {kind}{rng}")
    return value


class FunctionalLoss:
    """L(θ_p) for a batch of flat parameter vectors θ (P, D) in one vmapped call.

    Built from ``fit``'s closure (``closure.model``, ``.inputs``, ``.targets``, ``.criterion``) and
    the optimiser's parameters; parameters of the model that the optimiser does not own, and
    its buffers, are held at their current values.  ``chunk_size`` bounds how many vectors
    are evaluated at once (memory ∝ chunk · n · width).  Evaluated without gradients.

    Parameters
    ----------
    params : sequence of Tensor
        The parameters the flat vector θ covers, in ``parameters_to_vector`` order; all must be
        the model's (else ``ValueError``).
    model : nn.Module
        The network, called through ``torch.func.functional_call``.
    inputs, targets : Tensor
        The batch.
    criterion : callable
        ``criterion(output, targets)`` → scalar loss.
    chunk_size : int, optional
        Vectors per vmapped call (``None``: all).

    Examples
    --------
    >>> import torch
    >>> from torch.nn.utils import parameters_to_vector
    >>> net = torch.nn.Linear(2, 1)
    >>> x, y = torch.randn(10, 2), torch.randn(10, 1)
    >>> loss = FunctionalLoss(list(net.parameters()), net, x, y, torch.nn.functional.mse_loss)
    >>> theta = parameters_to_vector(net.parameters()).detach()
    >>> values = loss(torch.stack([theta, theta + 0.1]))
    >>> values.shape, torch.allclose(values[0], torch.nn.functional.mse_loss(net(x), y))
    (torch.Size([2]), True)
    """

    def __init__(self, params: Sequence[Tensor], model: torch.nn.Module, inputs: Tensor, targets: Tensor,
                 criterion: Callable[[Tensor, Tensor], Tensor], *, chunk_size: int | None = None):
        names = {id(p): n for n, p in model.named_parameters()}
        missing = [p for p in params if id(p) not in names]
        if missing:
            raise ValueError("the optimiser owns parameters that are not the model's")
        self.names = [names[id(p)] for p in params]
        self.shapes = [p.shape for p in params]
        self.sizes = [p.numel() for p in params]
        owned = set(self.names)
        self.fixed = {n: p.detach() for n, p in model.named_parameters() if n not in owned}
        self.fixed.update({n: b for n, b in model.named_buffers()})
        self.model, self.inputs, self.targets, self.criterion = model, inputs, targets, criterion
        self.chunk_size = chunk_size

    def _one(self, flat: Tensor) -> Tensor:
        parts = torch.split(flat, self.sizes)
        state = dict(self.fixed)
        state.update({n: t.view(s) for n, t, s in zip(self.names, parts, self.shapes)})
        out = torch.func.functional_call(self.model, state, (self.inputs,))
        return self.criterion(out, self.targets)

    def __call__(self, thetas: Tensor) -> Tensor:
        with torch.no_grad():
            return torch.func.vmap(self._one, chunk_size=self.chunk_size)(thetas)


class GradientFreeOptimizer(torch.optim.Optimizer):
    """Base class: flat parameter vector, batched or sequential loss evaluation, seeded noise.

    A ``torch.optim.Optimizer`` whose ``step(closure)`` uses loss values only.  Subclasses call
    ``current_loss(closure)`` (the loss ``fit`` records), ``evaluator(closure)`` (a batched or
    sequential (P, D) → (P,) loss function), ``get_vector``/``set_vector`` and the seeded
    ``randn``/``rand``; ``evaluations`` counts loss evaluations.

    Parameters
    ----------
    params : iterable of Parameter or dict
        As for ``torch.optim.Optimizer``.
    defaults : dict
        Per-group defaults, as for ``torch.optim.Optimizer``; the ``lr`` property reads the
        first group's ``"lr"``.
    seed : int
        Seeds the optimiser's own ``torch.Generator`` (on the parameters' device).
    chunk_size : int, optional
        Vectors per vmapped call (``None``: all).

    Examples
    --------
    >>> import torch
    >>> class RandomSearch(GradientFreeOptimizer):
    ...     def step(self, closure):
    ...         value = self.current_loss(closure)
    ...         theta = self.get_vector()
    ...         candidates = theta + self.lr * self.randn(8, theta.numel())
    ...         losses = self.evaluator(closure)(candidates)
    ...         if losses.min() < value:
    ...             self.set_vector(candidates[losses.argmin()])
    ...         return value
    >>> net = torch.nn.Linear(1, 1)
    >>> x = torch.randn(16, 1)
    >>> mse = lambda: ((net(x) - 2 * x) ** 2).mean()
    >>> opt = RandomSearch(net.parameters(), dict(lr=0.1), seed=0)
    >>> before = mse().detach()
    >>> for _ in range(20):
    ...     _ = opt.step(mse)
    >>> bool(mse() <= before), opt.evaluations
    (True, 180)
    """

    def __init__(self, params, defaults: dict, *, seed: int = 0, chunk_size: int | None = None):
        super().__init__(params, defaults)
        self.params = [p for g in self.param_groups for p in g["params"]]
        if not self.params:
            raise InputError("params", "got no parameters", "pass model.parameters()")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InputError("train.seed", f"got {seed!r}", "use an integer seed")
        if chunk_size is not None:
            _check("chunk_size", chunk_size, integer=True)
        p0 = self.params[0]
        self.device, self.dtype = p0.device, p0.dtype
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        self.chunk_size = chunk_size
        self.evaluations = 0  # loss evaluations so far (particles, mutants, ...)

    @property
    def lr(self) -> float:
        return float(self.param_groups[0]["lr"])

    def zero_grad(self, set_to_none: bool = True) -> None:  # nothing to zero: no gradients are used
        for p in self.params:
            p.grad = None

    def get_vector(self) -> Tensor:
        return parameters_to_vector(self.params).detach().clone()

    def set_vector(self, theta: Tensor) -> None:
        with torch.no_grad():
            vector_to_parameters(theta.to(self.dtype), self.params)

    def randn(self, *shape: int) -> Tensor:
        return torch.randn(*shape, generator=self.generator, device=self.device, dtype=self.dtype)

    def rand(self, *shape: int) -> Tensor:
        return torch.rand(*shape, generator=self.generator, device=self.device, dtype=self.dtype)

    def evaluator(self, closure) -> Callable[[Tensor], Tensor]:
        """A function (P, D) → (P,) losses: batched when the closure allows it, else sequential."""
        hooks = [getattr(closure, k, None) for k in ("model", "inputs", "targets", "criterion")]
        if all(h is not None for h in hooks):
            try:
                fn = FunctionalLoss(self.params, *hooks, chunk_size=self.chunk_size)
            except ValueError:
                fn = None
            if fn is not None:
                def batched(thetas: Tensor) -> Tensor:
                    self.evaluations += thetas.shape[0]
                    return fn(thetas).to(self.dtype)
                return batched

        def sequential(thetas: Tensor) -> Tensor:
            keep = self.get_vector()
            out = torch.empty(thetas.shape[0], dtype=self.dtype, device=self.device)
            for i, th in enumerate(thetas):
                self.set_vector(th)
                with torch.enable_grad():
                    out[i] = closure().detach()
            self.set_vector(keep)
            self.evaluations += thetas.shape[0]
            return out

        return sequential

    def current_loss(self, closure) -> Tensor:
        """The closure at the current parameters (lets ``fit`` record this state's output)."""
        with torch.no_grad():
            value = closure()
        self.evaluations += 1
        return value.detach()


class ES(GradientFreeOptimizer):
    """Antithetic evolution strategy with an Adam (or plain) step (module docstring).

    g = Σ_j (L(θ + σε_j) − L(θ − σε_j)) ε_j / (2σ·m), ε_j ~ N(0, I), m antithetic pairs
    (Salimans et al., arXiv 1703.03864).  Registered as the optimiser ``"es"``.

    Parameters
    ----------
    params : iterable of Parameter
        The parameters to optimise.
    lr : float
        Step size (Adam's, or of θ ← θ − lr·g with ``adam=False``).
    population : int
        Evaluations per step (an even number: population/2 antithetic pairs).
    sigma : float
        Standard deviation σ of the perturbations.
    adam : bool
        Whether to take Adam steps along the estimate (default) or plain steps.
    betas : (float, float)
        Adam's β₁, β₂ in [0, 1).
    eps : float
        Adam's ε.
    seed : int
        Seeds the perturbations.
    chunk_size : int, optional
        Vectors per vmapped call (``None``: all).

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import make_regression
    >>> from simbias.train import fit
    >>> prob = make_regression("sin(x)", n_train=32)
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    >>> opt = ES(net.parameters(), 1e-2, population=20, seed=0)
    >>> h = fit(net, prob, opt, steps=50)
    >>> bool(h.static["loss"][-1] < h.static["loss"][0]), opt.evaluations
    (True, 1050)
    """

    def __init__(self, params, lr: float = 1e-2, *, population: int = 100, sigma: float = 0.01, adam: bool = True,
                 betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8, seed: int = 0,
                 chunk_size: int | None = None):
        _check("lr", lr)
        _check("population", population, integer=True)
        if population < 2 or population % 2:
            raise InputError("train.population", f"got {population}", "use an even number ≥ 2 (antithetic pairs)")
        _check("sigma", sigma)
        b1, b2 = (float(b) for b in betas)
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise InputError("train.betas", f"got {tuple(betas)}", "use two numbers in [0, 1)")
        super().__init__(params, dict(lr=lr), seed=seed, chunk_size=chunk_size)
        self.population, self.sigma, self.adam, self.betas, self.eps = population, float(sigma), bool(adam), (b1, b2), eps
        self.t = 0
        self.m = self.v = None

    def step(self, closure):
        if closure is None:
            raise InputError("closure", "ES needs a closure that returns the loss", "call step(closure)")
        value = self.current_loss(closure)
        evaluate = self.evaluator(closure)
        theta = self.get_vector()
        half = self.population // 2
        noise = self.randn(half, theta.numel())
        f = evaluate(torch.cat([theta + self.sigma * noise, theta - self.sigma * noise]))
        diff = f[:half] - f[half:]
        ok = torch.isfinite(diff)  # a pair with a non-finite loss carries no information: dropped
        if not bool(ok.any()):
            return value
        g = (torch.where(ok, diff, torch.zeros_like(diff))[:, None] * noise).sum(0) / (2 * self.sigma * int(ok.sum()))
        self.t += 1
        if self.adam:
            b1, b2 = self.betas
            if self.m is None:
                self.m, self.v = torch.zeros_like(theta), torch.zeros_like(theta)
            self.m.mul_(b1).add_(g, alpha=1 - b1)
            self.v.mul_(b2).addcmul_(g, g, value=1 - b2)
            mhat = self.m / (1 - b1**self.t)
            vhat = self.v / (1 - b2**self.t)
            theta = theta - self.lr * mhat / (vhat.sqrt() + self.eps)
        else:
            theta = theta - self.lr * g
        self.set_vector(theta)
        return value


class OnePlusOneES(GradientFreeOptimizer):
    """(1+1)-ES with the 1/5-success rule (module docstring).

    One mutant θ′ = θ + σ·ε per step, kept if L(θ′) ≤ L(θ); σ ← σ·e^{1/3} after a success,
    σ·e^{−1/12} after a failure.  Registered as the optimiser ``"one_plus_one"``.

    Parameters
    ----------
    params : iterable of Parameter
        The parameters to optimise.
    lr : float
        The initial mutation strength σ₀ (the step size; ``lr_decay`` does not touch σ after
        the start, the success rule adapts it).
    min_sigma, max_sigma : float
        Bounds on σ.
    seed : int
        Seeds the mutations.

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import make_regression
    >>> from simbias.train import fit
    >>> prob = make_regression("sin(x)", n_train=32)
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    >>> opt = OnePlusOneES(net.parameters(), 0.05)
    >>> h = fit(net, prob, opt, steps=50)
    >>> bool(h.static["loss"][-1] < h.static["loss"][0]), opt.evaluations
    (True, 100)
    """

    def __init__(self, params, lr: float = 0.05, *, min_sigma: float = 1e-8, max_sigma: float = 10.0, seed: int = 0):
        _check("lr", lr)
        super().__init__(params, dict(lr=lr), seed=seed)
        self.sigma = float(lr)
        self.min_sigma, self.max_sigma = float(min_sigma), float(max_sigma)
        self.successes = 0

    def step(self, closure):
        if closure is None:
            raise InputError("closure", "the (1+1)-ES needs a closure that returns the loss", "call step(closure)")
        value = self.current_loss(closure)
        current = float(value)  # re-evaluated every step: mutant and parent see the same batch
        theta = self.get_vector()
        mutant = theta + self.sigma * self.randn(theta.numel())
        self.set_vector(mutant)
        with torch.no_grad():
            f = float(closure())
        self.evaluations += 1
        if math.isfinite(f) and (f <= current or not math.isfinite(current)):
            self.successes += 1
            self.sigma = min(self.sigma * math.exp(1 / 3), self.max_sigma)
        else:
            self.set_vector(theta)
            self.sigma = max(self.sigma * math.exp(-1 / 12), self.min_sigma)
        return value


def _es(params, lr, **kw):
    return ES(params, lr=lr, **kw)


def _one_plus_one(params, lr, **kw):
    return OnePlusOneES(params, lr=lr, **kw)


register_optimizer("es", _es)
register_optimizer("one_plus_one", _one_plus_one)
