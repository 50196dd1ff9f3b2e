"""Losses that train a network on a PDE problem, and the error metrics of the papers.

The network enters as a plain callable ``u(x) -> (n, 1)`` (or (n,)), so this module needs
nothing from :mod:`simbias.nn`.  Derivatives are taken by autograd with ``create_graph=True``;
the point tensors need not require grad (a copy that does is made).  ``f`` and ``g`` are data:
they are evaluated on detached points.

Losses (problem: L u = −∇·(A|∇u|^{p−2}∇u) + λ²u = f in Ω, u = g on ∂Ω):

* :func:`residual_loss` — strong form / PINN least squares (the authors' Laplacian script):
  mean_{x∈S}(L u_θ − f)² + β · mean_{x∈S̃}(u_θ − g)².
* :func:`ritz_loss` — Deep Ritz (E & Yu, arXiv 1710.00211; MscaleDNN arXiv 2007.11207 §4):
  |Ω| · mean_{x∈S}((1/p) A|∇u_θ|^p + ½λ²u_θ² − f u_θ) + β · mean_{x∈S̃}(u_θ − g)²;
  with p = 2 the energy density is ½A|∇u_θ|² + ½λ²u_θ² − f u_θ.  The interior mean is a
  Monte-Carlo estimate of ∫_Ω, hence the factor |Ω| (the authors' code multiplies by |Ω|).
  β = 1000 in 2007.11207 and the ``mscalednn`` code.

Metrics (all on the same points, no weights):

* :func:`rel_l2` — ‖pred − exact‖₂ / ‖exact‖₂ (the DeepXDE "L2 relative error").
* :func:`rms` — (mean (pred − exact)²)^{1/2} (2007.11207's test error).
* :func:`rel_squared` — mean (pred − exact)² / mean exact² = rel_l2² (the squared "REL" of
  MSDNN2ellipticPDEs and SD2NN arXiv 2112.06660 Table 2 — no square root).
* :func:`domain_mse` — |Ω| · mean (pred − exact)² (the ``mscalednn`` code's "error"; T23).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from ..errors import InputError
from ._pde import PDEProblem
from ._pde_autograd import _prepare, gradient

__all__ = ["pde_residual", "residual_loss", "ritz_loss", "rel_l2", "rms", "rel_squared", "domain_mse"]

Model = Callable[[Tensor], Tensor]


def pde_residual(u: Model, problem: PDEProblem, x: Tensor) -> Tensor:
    """L u_θ − f at the points ``x``, shape (n,), differentiable through ``u``."""
    x = _prepare(problem._points(x))
    return problem.operator(u, x) - problem.f(x.detach())


def residual_loss(u: Model, problem: PDEProblem, x_interior: Tensor, x_boundary: Tensor, *, beta: float = 1000.0,
                  return_parts: bool = False):
    """PINN least squares: mean(L u_θ − f)² + β·mean(u_θ − g)².

    The strong form of the authors' Laplacian script, f and g evaluated on detached points;
    L u_θ is taken by autograd with ``create_graph=True``, so the loss backpropagates to θ.

    Parameters
    ----------
    u : callable
        The network, (n, d) points → (n, 1) or (n,) values.
    problem : PDEProblem
        Supplies L (through ``operator``), f, g, p, λ, A and |Ω|.
    x_interior : Tensor
        (n, d) interior points S (they need not require grad).
    x_boundary : Tensor
        (m, d) boundary points S̃.
    beta : float
        The boundary penalty β > 0 (1000 in arXiv 2007.11207).
    return_parts : bool
        Also return the two terms.

    Returns
    -------
    Tensor or (Tensor, Tensor, Tensor)
        The scalar loss, or ``(loss, interior, boundary)`` with ``return_parts=True``
        (``boundary`` without the factor β).

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import Poisson
    >>> prob = Poisson(1, kind="sin")
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    >>> x_in, x_bd = prob.sample(32, 2, torch.Generator().manual_seed(0))
    >>> loss, interior, boundary = residual_loss(net, prob, x_in, x_bd, return_parts=True)
    >>> loss.backward()
    >>> torch.allclose(loss, interior + 1000 * boundary)
    True
    """
    beta = _check_beta(beta)
    interior = pde_residual(u, problem, x_interior).square().mean()
    boundary = _boundary_term(u, problem, x_boundary)
    loss = interior + beta * boundary
    return (loss, interior, boundary) if return_parts else loss


def ritz_loss(u: Model, problem: PDEProblem, x_interior: Tensor, x_boundary: Tensor, *, beta: float = 1000.0,
              return_parts: bool = False):
    """Deep Ritz: |Ω|·mean((1/p)A|∇u_θ|^p + ½λ²u_θ² − f u_θ) + β·mean(u_θ − g)².

    E & Yu (arXiv 1710.00211); MscaleDNN (arXiv 2007.11207 §4).  The interior mean is a
    Monte-Carlo estimate of ∫_Ω, hence the factor |Ω|; with p = 2 the density is
    ½A|∇u_θ|² + ½λ²u_θ² − f u_θ.

    Parameters
    ----------
    u : callable
        The network, (n, d) points → (n, 1) or (n,) values.
    problem : PDEProblem
        Supplies L (through ``operator``), f, g, p, λ, A and |Ω|.
    x_interior : Tensor
        (n, d) interior points S (they need not require grad).
    x_boundary : Tensor
        (m, d) boundary points S̃.
    beta : float
        The boundary penalty β > 0 (1000 in arXiv 2007.11207).
    return_parts : bool
        Also return the two terms.

    Returns
    -------
    Tensor or (Tensor, Tensor, Tensor)
        The scalar loss, or ``(loss, energy, boundary)`` with ``return_parts=True``
        (``energy`` includes |Ω|; ``boundary`` is without the factor β).

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import Poisson
    >>> prob = Poisson(2, kind="sin")
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    >>> x_in, x_bd = prob.sample(64, 32, torch.Generator().manual_seed(0))
    >>> ritz_loss(net, prob, x_in, x_bd, beta=500.0).shape
    torch.Size([])
    """
    beta = _check_beta(beta)
    x = _prepare(problem._points(x_interior))
    value, grad = gradient(u, x)
    sq = grad.square().sum(dim=1)
    density = 0.5 * sq if problem.p == 2 else sq ** (problem.p / 2) / problem.p
    if problem.has_coefficient:
        density = problem.coefficient(x.detach()) * density
    if problem.lam:
        density = density + 0.5 * problem.lam**2 * value.square()
    density = density - problem.f(x.detach()) * value
    energy = problem.volume * density.mean()
    boundary = _boundary_term(u, problem, x_boundary)
    loss = energy + beta * boundary
    return (loss, energy, boundary) if return_parts else loss


def _boundary_term(u: Model, problem: PDEProblem, x_boundary: Tensor) -> Tensor:
    xb = problem._points(x_boundary)
    out = u(xb)
    if out.numel() != xb.shape[0]:
        raise InputError("model", f"expected one output per point ({xb.shape[0]}), got shape {tuple(out.shape)}",
                         "use out_features=1")
    return (out.reshape(-1) - problem.g(xb.detach())).square().mean()


def _check_beta(beta: float) -> float:
    try:
        b = float(beta)
    except (TypeError, ValueError):
        raise InputError("train.beta", f"got {beta!r}", "give a positive number, e.g. 1000") from None
    if not b > 0 or b == float("inf"):
        raise InputError("train.beta", f"got {beta!r}", "the boundary penalty must be a positive finite number, e.g. 1000")
    return b


def _pair(pred: Tensor, exact: Tensor) -> tuple[Tensor, Tensor]:
    pred, exact = torch.as_tensor(pred), torch.as_tensor(exact)
    if pred.numel() != exact.numel():
        raise InputError("prediction", f"{pred.numel()} values for {exact.numel()} exact values", "evaluate on the same points")
    return pred.reshape(-1), exact.reshape(-1).to(pred)


def rel_l2(pred: Tensor, exact: Tensor) -> Tensor:
    """Relative L2 error ‖pred − exact‖₂ / ‖exact‖₂ (DeepXDE's "L2 relative error").

    Parameters
    ----------
    pred, exact : Tensor
        Predicted and exact values at the same points (same number of elements; flattened).

    Returns
    -------
    Tensor
        A scalar in ``pred``'s dtype.

    Examples
    --------
    >>> import torch
    >>> rel_l2(torch.tensor([3.0, 4.0]), torch.tensor([3.0, 3.0]))
    tensor(0.2357)
    """
    pred, exact = _pair(pred, exact)
    return (pred - exact).norm() / exact.norm()


def rms(pred: Tensor, exact: Tensor) -> Tensor:
    """Root-mean-square error (mean (pred − exact)²)^{1/2} (arXiv 2007.11207).

    Parameters
    ----------
    pred, exact : Tensor
        Predicted and exact values at the same points (same number of elements; flattened).

    Returns
    -------
    Tensor
        A scalar in ``pred``'s dtype.

    Examples
    --------
    >>> import torch
    >>> rms(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))
    tensor(2.2361)
    """
    pred, exact = _pair(pred, exact)
    return (pred - exact).square().mean().sqrt()


def rel_squared(pred: Tensor, exact: Tensor) -> Tensor:
    """Squared relative error REL = mean (pred − exact)² / mean exact² (MSDNN code, arXiv 2112.06660).

    No square root: REL = :func:`rel_l2` ².

    Parameters
    ----------
    pred, exact : Tensor
        Predicted and exact values at the same points (same number of elements; flattened).

    Returns
    -------
    Tensor
        A scalar in ``pred``'s dtype.

    Examples
    --------
    >>> import torch
    >>> rel_squared(torch.tensor([3.0, 4.0]), torch.tensor([3.0, 3.0]))
    tensor(0.0556)
    """
    pred, exact = _pair(pred, exact)
    return (pred - exact).square().mean() / exact.square().mean()


def domain_mse(pred: Tensor, exact: Tensor, *, volume: float) -> Tensor:
    """|Ω|·mean (pred − exact)², the ``mscalednn`` Deep-Ritz example's test error (T23)."""
    pred, exact = _pair(pred, exact)
    return volume * (pred - exact).square().mean()
