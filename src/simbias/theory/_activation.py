"""Multiplicity of an activation at the origin (initial condensation, arXiv 2105.11686).

σ has multiplicity p when σ^{(s)}(0) = 0 for s = 1, …, p − 1 and σ^{(p)}(0) ≠ 0 (σ(0) itself is
not constrained).  With small initialisation the input weights first condense onto at most 2p
orientations.  tanh → p = 1, x·tanh x → 2, x²·tanh x → 3; for p = 1 and 2 the orientations are
known in closed form from the data (:func:`condensation_directions`).
"""

from __future__ import annotations

from typing import Callable

import torch

from ..errors import InputError

__all__ = ["activation_multiplicity", "condensation_directions"]


def activation_multiplicity(fn: Callable[[torch.Tensor], torch.Tensor], *, max_order: int = 6, tol: float = 1e-10,
                            strict: bool = True) -> int | None:
    """Order p of the first non-zero derivative of ``fn`` at 0.

    Derivatives are taken by autograd in float64 (repeated ``torch.autograd.grad`` with
    ``create_graph=True``), so they are exact up to rounding; a derivative counts as non-zero when
    its absolute value exceeds ``tol``.  Raises :class:`InputError` when none of orders
    1 … ``max_order`` is non-zero — e.g. ReLU, whose autograd derivative at the kink is 0 (ReLU is
    not differentiable at 0 and has no multiplicity in this sense) — or returns ``None`` then with
    ``strict=False``.

    Parameters
    ----------
    fn : callable
        Elementwise activation mapping a 0-d float64 tensor to a 0-d tensor.
    max_order : int, default 6
        Highest derivative order tried.
    tol : float, default 1e-10
        Threshold for a non-zero derivative.
    strict : bool, default True
        ``False``: ``None`` instead of the error when no derivative is non-zero.

    Returns
    -------
    int or None
        The multiplicity p.

    Examples
    --------
    >>> import torch
    >>> activation_multiplicity(torch.tanh), activation_multiplicity(lambda x: x * torch.tanh(x))
    (1, 2)
    >>> activation_multiplicity(torch.relu, strict=False) is None
    True
    """
    if not callable(fn):
        raise InputError("fn", f"got {type(fn).__name__}", "pass a callable activation, e.g. torch.tanh")
    if isinstance(max_order, bool) or not isinstance(max_order, int) or max_order < 1:
        raise InputError("max_order", f"got {max_order!r}", "use an integer ≥ 1")
    x = torch.zeros((), dtype=torch.float64, requires_grad=True)
    y = fn(x)
    if not isinstance(y, torch.Tensor) or y.numel() != 1:
        raise InputError("fn", "does not map a scalar tensor to a scalar tensor", "use an elementwise torch function")
    for order in range(1, max_order + 1):
        if not y.requires_grad:  # constant from here on: all further derivatives are 0
            break
        (y,) = torch.autograd.grad(y, x, create_graph=True, allow_unused=True)
        if y is None:
            break
        if abs(float(y.detach())) > tol:
            return order
    if not strict:
        return None
    raise InputError(
        "fn",
        f"no derivative of order 1..{max_order} at 0 exceeds {tol:g}",
        "raise max_order, or use a smooth activation (ReLU is not differentiable at 0)",
    )


def condensation_directions(x: torch.Tensor, y: torch.Tensor, multiplicity: int | None, *,
                            bias: bool = True) -> torch.Tensor | None:
    """Unit directions the input weights condense onto at the start of training with small
    initialisation, from the leading-order flow (Zhou, Zhou, Jin, Luo, Zhang & Xu, arXiv 2105.11686).

    With σ(z) ≈ σ^{(p)}(0) z^p / p! and the initial residual ≈ −y, the input weights of a two-layer
    net follow, to leading order, p = 1: dw_k/dt ∝ a_k v with v = Σ_i y_i x̃_i, so every neuron
    moves along the one line ±v; p = 2: dw_k/dt ∝ a_k M w_k with M = Σ_i y_i x̃_i x̃_iᵀ, so neurons
    with a_k > 0 turn to ±v_max and those with a_k < 0 to ±v_min (eigenvectors of M's largest and
    smallest eigenvalue).  x̃_i = (x_i, 1) when the neurons have biases, else x_i.

    Parameters
    ----------
    x : torch.Tensor
        Training inputs (n, d).
    y : torch.Tensor
        Scalar labels (n,) or (n, 1).
    multiplicity : int or None
        The activation's multiplicity p (:func:`activation_multiplicity`).
    bias : bool, default True
        Whether the neurons have biases (directions then live in d + 1 dimensions).

    Returns
    -------
    torch.Tensor or None
        Rows of unit directions: (1, d′) for p = 1 (v/‖v‖), (2, d′) for p = 2 (v_max, v_min);
        ``None`` for p ≥ 3 or ``None`` (no closed form at this order).

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[1.0], [-1.0], [2.0]], dtype=torch.float64)
    >>> y = torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64)
    >>> condensation_directions(x, y, 1)  # v = Σ y_i (x_i, 1) = (4, 1), normalised
    tensor([[0.9701, 0.2425]], dtype=torch.float64)
    """
    if x.ndim != 2 or y.numel() != x.shape[0]:
        raise InputError("x, y", f"have shapes {tuple(x.shape)} and {tuple(y.shape)}",
                         "give x (n, d) and one scalar label per row")
    xt = torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype)], dim=1) if bias else x
    if multiplicity == 1:
        v = (y.reshape(-1, 1) * xt).sum(dim=0)
        return (v / v.norm())[None, :]
    if multiplicity == 2:
        M = (xt.T * y.reshape(-1)) @ xt
        V = torch.linalg.eigh(0.5 * (M + M.T))[1]
        return torch.stack([V[:, -1], V[:, 0]])
    return None
