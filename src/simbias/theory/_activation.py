"""Multiplicity of an activation at the origin (initial condensation, arXiv 2105.11686).

σ has multiplicity p when σ^{(s)}(0) = 0 for s = 1, …, p − 1 and σ^{(p)}(0) ≠ 0 (σ(0) itself is
not constrained).  With small initialisation the input weights first condense onto at most 2p
orientations.  tanh → p = 1, x·tanh x → 2, x²·tanh x → 3.
"""

from __future__ import annotations

from typing import Callable

import torch

from ..errors import InputError

__all__ = ["activation_multiplicity"]


def activation_multiplicity(fn: Callable[[torch.Tensor], torch.Tensor], *, max_order: int = 6, tol: float = 1e-10) -> int:
    """Order p of the first non-zero derivative of ``fn`` at 0.

    Derivatives are taken by autograd in float64 (repeated ``torch.autograd.grad`` with
    ``create_graph=True``), so they are exact up to rounding; a derivative counts as non-zero when
    its absolute value exceeds ``tol``.  Raises :class:`InputError` when none of orders
    1 … ``max_order`` is non-zero — e.g. ReLU, whose autograd derivative at the kink is 0 (ReLU is
    not differentiable at 0 and has no multiplicity in this sense).

    Parameters
    ----------
    fn : callable
        Elementwise activation mapping a 0-d float64 tensor to a 0-d tensor.
    max_order : int, default 6
        Highest derivative order tried.
    tol : float, default 1e-10
        Threshold for a non-zero derivative.

    Returns
    -------
    int
        The multiplicity p.

    Examples
    --------
    >>> import torch
    >>> activation_multiplicity(torch.tanh), activation_multiplicity(lambda x: x * torch.tanh(x))
    (1, 2)
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
    raise InputError(
        "fn",
        f"no derivative of order 1..{max_order} at 0 exceeds {tol:g}",
        "raise max_order, or use a smooth activation (ReLU is not differentiable at 0)",
    )
