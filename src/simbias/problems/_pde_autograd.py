"""Derivatives of point-wise functions by autograd: gradient, Laplacian, the elliptic operator.

All helpers take a callable ``fn`` mapping points ``(n, d)`` to values ``(n,)`` or ``(n, 1)`` —
an exact solution, a parsed expression or a network — and assume it is *point-wise*: row i of
the output depends on row i of the input only (true for MLPs and every model in
:mod:`simbias.nn`; not for batch normalisation).  Then ∂(Σ_i y_i)/∂x_i = ∂y_i/∂x_i, so one
backward pass gives all n gradients, and the Laplacian costs d more passes.

Graphs are built with ``create_graph=True`` so the results can be differentiated again (by the
optimiser through a network's parameters).  If ``x`` does not require grad, a detached copy
that does is used.

The elliptic operator of the toolkit's PDE problems (Deep Ritz / MscaleDNN papers,
arXiv 1710.00211, 2007.11207, 2009.14597) is

    L u = −∇·(A(x) |∇u|^{p−2} ∇u) + λ² u,

i.e. the Poisson operator −Δu (A ≡ 1, λ = 0, p = 2), the Poisson–Boltzmann operator −Δu + λ²u,
the variable-coefficient operator −∇·(A∇u) and the p-Laplacian (p ≥ 2).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from ..errors import InputError

__all__ = ["gradient", "laplacian", "divergence", "elliptic_operator"]

Fn = Callable[[Tensor], Tensor]


def _prepare(x: Tensor) -> Tensor:
    x = torch.as_tensor(x)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise InputError("points", f"expected shape (n, d), got {tuple(x.shape)}", "pass one row per point")
    if not x.requires_grad:
        x = x.detach().clone().requires_grad_(True)
    return x


def _values(fn: Fn, x: Tensor) -> Tensor:
    y = fn(x)
    if y.numel() != x.shape[0]:
        raise InputError("function values", f"expected one value per point ({x.shape[0]}), got shape {tuple(y.shape)}",
                         "use a scalar-valued function (out_features=1)")
    return y.reshape(x.shape[0])


def _grad(y: Tensor, x: Tensor) -> Tensor:
    """∂(Σ y)/∂x with a graph; zeros when ``y`` does not depend on ``x``."""
    if not y.requires_grad:
        return torch.zeros_like(x)
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True, allow_unused=True)
    return torch.zeros_like(x) if g is None else g


def gradient(fn: Fn, x: Tensor) -> tuple[Tensor, Tensor]:
    """``(u, ∇u)``: values (n,) and gradients (n, d) of a point-wise ``fn`` at ``x``."""
    x = _prepare(x)
    u = _values(fn, x)
    return u, _grad(u, x)


def divergence(field: Tensor, x: Tensor) -> Tensor:
    """∇·F = Σ_i ∂F_i/∂x_i for a point-wise field ``F`` (n, d) computed from ``x`` (n, d)."""
    return sum(_grad(field[:, i], x)[:, i] for i in range(x.shape[1]))


def laplacian(fn: Fn, x: Tensor) -> Tensor:
    """Δu = Σ_i ∂²u/∂x_i², shape (n,), by autograd (d + 1 backward passes)."""
    x = _prepare(x)
    _, g = gradient(fn, x)
    return divergence(g, x)


def elliptic_operator(fn: Fn, x: Tensor, *, coefficient: Fn | None = None, lam: float = 0.0, p: float = 2.0) -> Tensor:
    """L u = −∇·(A |∇u|^{p−2} ∇u) + λ² u at ``x``, shape (n,) (A ≡ 1 when ``coefficient`` is None)."""
    x = _prepare(x)
    u, g = gradient(fn, x)
    flux = g
    if p != 2:
        size = g.abs() if g.shape[1] == 1 else g.norm(dim=1, keepdim=True)  # abs: a safe derivative at 0
        flux = flux * size ** (p - 2)
    if coefficient is not None:
        flux = coefficient(x).reshape(-1, 1) * flux
    out = -divergence(flux, x)
    if lam:
        out = out + lam**2 * u
    return out
