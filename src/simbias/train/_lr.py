"""Learning-rate rules for two-layer networks, and training with restarts on a loss increase.

The learning rate is part of the physics of the phase diagram (papers.md §9 T18, §10): a fixed,
width-independent rate gives the wrong sign of S_w at γ = ½ and diverges in the linear case of the
condensation example.  Two rules:

* ``"auto"`` — η = factor / λ_max(H₀), with H₀ = s·K₀ the Gauss–Newton Hessian of the mean MSE at
  initialisation (K₀ the empirical NTK on the training inputs, s = 2/N): gradient descent on the
  linearised model is stable for η·λ_max < 2, so factor = 0.5 is a safe margin.  Computed per
  member (:func:`simbias.theory.ntk_learning_rate`).  With small initialisation (γ > 1) the initial
  NTK is tiny and grows by orders of magnitude while the net condenses, so the rule alone diverges
  (papers.md T18); ``lr_max`` caps it: η = min(factor/λ_max, lr_max·α).  The cap is on η/α because
  two parametrisations with the same (γ, γ′) (e.g. α = m^γ, β₁ = β₂ = 1 and α = 1,
  β₁ = β₂ = m^(−γ/2)) follow the same normalised dynamics exactly when η/β₁² agrees, and
  β₁²/(κκ′) = α; the NTK part of the rule is invariant by itself.  At the end of a condensed run
  the NTK is set by the fitted function (≈ 2Σ_k A_k‖x̃‖²/α for a ReLU net), not by the width, so
  a width-independent cap in these units is right for the condensed regime.
* ``"scaled"`` — the authors' phase-diagram code (``phasediagram_twolayerNN``): η = η₀·α·√(β₁β₂)
  (they train with Adam), combined with ``backtrack``: whenever the loss increases from one
  step to the next, the run is discarded and restarted from the same initialisation with η
  halved.  :func:`fit_with_restarts` implements the restarts for any rule.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor, nn

from ..errors import InputError
from ..errors import positive_number as _positive
from ..theory import ntk_learning_rate

__all__ = ["LR_RULES", "resolve_lr", "scaled_learning_rate", "auto_learning_rate", "loss_increase",
           "fit_with_restarts", "RestartResult"]

LR_RULES = ("auto", "scaled")


def _scales(model: nn.Module) -> tuple[float, float, float]:
    s = getattr(model, "scales", None)
    if s is None:
        return float(getattr(model, "alpha", 1.0)), float(getattr(model, "beta1", 1.0)), float(getattr(model, "beta2", 1.0))
    return tuple(float(v) for v in s)  # type: ignore[return-value]


def auto_learning_rate(model: nn.Module, x: Tensor, *, factor: float = 0.5, lr_max: float | None = None) -> float:
    """η = min(factor / λ_max(H₀), lr_max·α) — see the module docstring (``lr_max=None``: no cap).

    H₀ = (2/N)·K₀ is the Gauss–Newton Hessian of the mean MSE at the current parameters, K₀ the
    empirical NTK on the N inputs ``x`` (:func:`simbias.theory.ntk_learning_rate`); gradient
    descent on the linearised model is stable for η·λ_max < 2.

    Parameters
    ----------
    model : nn.Module
        The network; α is read from its ``scales`` (or ``alpha``; 1 when absent).
    x : Tensor
        (N, d) training inputs.
    factor : float
        η·λ_max (0.5: a safe margin below 2).
    lr_max : float, optional
        Cap on η/α (papers.md T18: small initialisations need it).

    Returns
    -------
    float
        The learning rate.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> net = TwoLayer(1, 100, generator=torch.Generator().manual_seed(0))
    >>> x = torch.linspace(-1, 1, 20)[:, None]
    >>> auto_learning_rate(net, x) > 0, auto_learning_rate(net, x, lr_max=1e-9)
    (True, 1e-09)
    """
    lr = ntk_learning_rate(model, x, factor=factor)
    if lr_max is not None:
        lr = min(lr, _positive("train.lr_max", lr_max) * _scales(model)[0])
    return float(lr)


def scaled_learning_rate(model: nn.Module, lr0: float) -> float:
    """The authors' phase-diagram rule η = η₀·α·√(β₁β₂) from the model's (α, β₁, β₂).

    From ``phasediagram_twolayerNN`` (Luo, Xu et al., arXiv 2007.07497; papers.md §5.2).

    Parameters
    ----------
    model : nn.Module
        The network; (α, β₁, β₂) are read from its ``scales`` (or ``alpha``, ``beta1``,
        ``beta2``; 1 when absent).
    lr0 : float
        The base rate η₀ > 0.

    Returns
    -------
    float
        η.

    Examples
    --------
    >>> import math
    >>> from simbias.nn import TwoLayer
    >>> net = TwoLayer(1, 100, alpha=0.01, beta1=0.1, beta2=0.1)
    >>> math.isclose(scaled_learning_rate(net, 1e-3), 1e-3 * 0.01 * 0.1)
    True
    """
    alpha, beta1, beta2 = _scales(model)
    return _positive("train.lr0", lr0) * alpha * math.sqrt(beta1 * beta2)


def resolve_lr(lr, model: nn.Module, x: Tensor, *, factor: float = 0.5, lr_max: float | None = None,
               lr0: float = 1e-3) -> float:
    """The learning rate for ``model``: a number as given, or the rule ``"auto"`` / ``"scaled"``.

    ``x`` are the training inputs (for the NTK of ``"auto"``); ``lr_max`` ``None`` (or ``"none"``)
    means no cap.  Raises :class:`InputError` for an unknown rule or a non-positive number.

    Parameters
    ----------
    lr : float or {"auto", "scaled"}
        The spec's ``train.lr``.
    model : nn.Module
        The network (for the rules).
    x : Tensor
        (N, d) training inputs.
    factor, lr_max
        Of :func:`auto_learning_rate`.
    lr0 : float
        η₀ of :func:`scaled_learning_rate`.

    Returns
    -------
    float
        The learning rate.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> net = TwoLayer(1, 100, alpha=0.01)
    >>> x = torch.linspace(-1, 1, 20)[:, None]
    >>> resolve_lr(0.1, net, x), resolve_lr("scaled", net, x, lr0=0.1)
    (0.1, 0.001)
    """
    if isinstance(lr_max, str) and lr_max == "none":
        lr_max = None
    if isinstance(lr, str):
        if lr == "auto":
            return auto_learning_rate(model, x, factor=factor, lr_max=lr_max)
        if lr == "scaled":
            return scaled_learning_rate(model, lr0)
        raise InputError("train.lr", f"unknown rule {lr!r}", f"give a number or one of {', '.join(LR_RULES)}")
    if isinstance(lr, bool):
        raise InputError("train.lr", f"got {lr!r}", "give a positive number or 'auto'")
    return _positive("train.lr", lr)


def loss_increase(losses, *, rtol: float = 1e-4, floor: float = 0.0) -> int | None:
    """First step k with loss[k] > loss[k−1]·(1 + rtol) while loss[k−1] > ``floor`` (else ``None``).

    ``rtol`` absorbs rounding noise of a converged float32 loss; ``floor`` ignores wiggles once the
    loss is below the training tolerance.  Works on a 1-D array or tensor of per-step losses.
    """
    t = torch.as_tensor(losses, dtype=torch.float64).reshape(-1)
    if t.numel() < 2:
        return None
    prev, cur = t[:-1], t[1:]
    bad = (cur > prev * (1.0 + rtol)) & (prev > floor) | ~torch.isfinite(cur)
    idx = torch.nonzero(bad)
    return int(idx[0, 0]) + 1 if idx.numel() else None


class RestartResult:
    """What :func:`fit_with_restarts` returns: the history and model of the accepted run, its
    learning rate and the number of restarts."""

    def __init__(self, history, model, lr: float, restarts: int, optimizer=None):
        self.history, self.model, self.lr, self.restarts, self.optimizer = history, model, lr, restarts, optimizer


def fit_with_restarts(build: Callable[[float], tuple[nn.Module, object]], lr: float, train_fn: Callable,
                      *, max_restarts: int = 20, rtol: float = 1e-4, floor: float = 0.0) -> RestartResult:
    """Train, and restart from scratch with half the learning rate whenever the loss increases.

    ``build(lr)`` returns a fresh ``(model, optimizer)`` (same initialisation every call);
    ``train_fn(model, optimizer)`` trains and returns a :class:`~simbias.results.History` whose
    ``static["loss"]`` holds the loss of every step.  A run whose loss ever increases (see
    :func:`loss_increase`) or diverges (its history's outcome is ``diverged``) is discarded and
    restarted with η/2, at most ``max_restarts`` times (the authors' phase-diagram code; papers.md
    §5.2).  When the budget is spent the last run is returned as it is, with
    ``restarts = max_restarts`` (a diverged last run is returned diverged: the caller raises).

    Parameters
    ----------
    build : callable
        ``build(lr) -> (model, optimizer)``.
    lr : float
        The first learning rate.
    train_fn : callable
        ``train_fn(model, optimizer) -> History``.
    max_restarts : int
        The most restarts (≥ 0).
    rtol, floor
        Of :func:`loss_increase`.

    Returns
    -------
    RestartResult
        ``history`` (with ``info["lr"]`` and ``info["restarts"]``), ``model``, ``optimizer``,
        ``lr`` and ``restarts`` of the accepted (or last) run.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> from simbias.problems import make_regression
    >>> from simbias.train import fit
    >>> prob = make_regression("sin(x)", n_train=32)
    >>> def build(lr):
    ...     net = TwoLayer(1, 50, generator=torch.Generator().manual_seed(0))
    ...     return net, torch.optim.SGD(net.parameters(), lr=lr)
    >>> res = fit_with_restarts(build, 8.0, lambda m, o: fit(m, prob, o, steps=50))
    >>> res.lr == 8.0 / 2**res.restarts, res.history.outcome.value
    (True, 'completed')
    """
    if isinstance(max_restarts, bool) or not isinstance(max_restarts, int) or max_restarts < 0:
        raise InputError("train.max_restarts", f"got {max_restarts!r}", "use a non-negative integer")
    eta = float(lr)
    for k in range(max_restarts + 1):
        model, opt = build(eta)
        hist = train_fn(model, opt)
        bad = loss_increase(hist.static["loss"], rtol=rtol, floor=floor)
        if (bad is None and not hist.diverged) or k == max_restarts:
            hist.info["lr"] = eta
            hist.info["restarts"] = k
            return RestartResult(hist, model, eta, k, opt)
        eta *= 0.5
    raise AssertionError("unreachable")  # pragma: no cover
